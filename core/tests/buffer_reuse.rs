//! Big messages received in reads that straddle them reuse the engine's allocations once the
//! host has dropped them, instead of taking a new one each: checked by the bytes allocated
//! (a global allocator wrapper; one test function, so no other test allocates meanwhile) and
//! by where each message's bytes are.

use std::alloc::System;

use cap::Cap;
use sansocket::{Config, Connection, Event, SeededEntropy};
use sansocket_test_support::frame;

#[global_allocator]
static ALLOCATOR: Cap<System> = Cap::new(System, usize::MAX);

/// `count` binary messages of `size` bytes from a server (unmasked), each in one frame.
fn server_wire(size: usize, count: usize) -> Vec<u8> {
    (0..count)
        .flat_map(|i| frame(true, 0x2, None, &vec![i as u8; size]))
        .collect()
}

/// A client fed `wire` in 64 KiB reads; the address of each message's bytes, every message
/// checked and dropped before the next read, as a host that is done with it.
fn addresses(wire: &[u8], size: usize) -> Vec<usize> {
    let mut client = Connection::open_client(Config::default(), None, SeededEntropy::new(1));
    let mut seen = Vec::new();
    for read in wire.chunks(64 << 10) {
        client.receive_data(read);
        while let Some(event) = client.next_event().expect("valid frames") {
            let Event::Binary(data) = event else {
                panic!("unexpected {event:?}")
            };
            assert_eq!(data.len(), size);
            assert!(data.iter().all(|&b| b == seen.len() as u8));
            seen.push(data.as_ptr() as usize);
        }
    }
    seen
}

#[test]
fn big_messages_reuse_the_allocations_of_those_the_host_dropped() {
    messages_joined_from_reads_take_turns_in_two_allocations();
    big_messages_follow_each_other_in_one_allocation();
    a_message_kept_by_the_host_is_never_reused();
}

fn messages_joined_from_reads_take_turns_in_two_allocations() {
    // 64 KiB messages: each is joined into its own buffer as it is read, and the read that
    // finishes one starts the next before the host has the first: two allocations, made
    // for the first two messages, taken back for the rest.
    let wire = server_wire(64 << 10, 12);
    let before = ALLOCATOR.total_allocated();
    let seen = addresses(&wire, 64 << 10);
    let allocated = ALLOCATOR.total_allocated() - before;
    assert_eq!(seen.len(), 12);
    for k in 2..seen.len() {
        assert_eq!(seen[k], seen[k - 2], "message {k} in message {}'s", k - 2);
    }
    assert!(
        allocated < 5 * (64 << 10),
        "{allocated} bytes allocated for 12 messages of 64 KiB"
    );
}

fn big_messages_follow_each_other_in_one_allocation() {
    // 1 MiB messages: the next one's head is moved to the front of the allocation once the
    // host has dropped the one before (the first one starts after its header).
    let seen = addresses(&server_wire(1 << 20, 4), 1 << 20);
    assert_eq!(seen.len(), 4);
    for k in 1..seen.len() {
        assert!(
            seen[k].abs_diff(seen[0]) <= 16,
            "message {k} in message 0's allocation: {seen:x?}"
        );
    }
}

fn a_message_kept_by_the_host_is_never_reused() {
    // Messages held on to: every one keeps its own bytes, unchanged.
    let wire = server_wire(64 << 10, 6);
    let mut client = Connection::open_client(Config::default(), None, SeededEntropy::new(1));
    let mut kept = Vec::new();
    for read in wire.chunks(64 << 10) {
        client.receive_data(read);
        while let Some(event) = client.next_event().expect("valid frames") {
            kept.push(event);
        }
    }
    assert_eq!(kept.len(), 6);
    for (i, event) in kept.iter().enumerate() {
        let Event::Binary(data) = event else {
            panic!("unexpected {event:?}")
        };
        assert!(data.iter().all(|&b| b == i as u8), "message {i} intact");
    }
}
