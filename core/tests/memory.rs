//! Memory held per connection: `size_of::<Connection>()`, the heap an idle open connection
//! keeps, and what stays allocated after a 1 MiB message in each direction. Counted with a
//! global allocator wrapper; one test function, so no other test allocates meanwhile.
//!
//! `cargo test -p sansocket --test memory -- --nocapture` prints the figures.

use std::alloc::System;

use cap::Cap;
use sansocket::advanced::ConnectionExt;
#[cfg(feature = "deflate")]
use sansocket::deflate::DeflateConfig;
use sansocket::{Accept, ClientRequest, Config, Connection, Event, SeededEntropy};

#[global_allocator]
static ALLOCATOR: Cap<System> = Cap::new(System, usize::MAX);

fn live() -> isize {
    ALLOCATOR.allocated() as isize
}

/// Drains every event (dropping them, as a host that is done with them).
fn drain(conn: &mut Connection) -> usize {
    let mut n = 0;
    while let Some(event) = conn.next_event().expect("valid input") {
        drop(event);
        n += 1;
    }
    n
}

/// Reads `wire` into the engine's buffer as a host would (reads of the room offered, up to
/// 64 KiB chunks of the wire), dropping the events; returns how many there were.
fn read_into(conn: &mut Connection, wire: &[u8]) -> usize {
    let mut n = 0;
    let mut at = 0;
    while at < wire.len() {
        let chunk_end = wire.len().min((at / (64 << 10) + 1) * (64 << 10));
        let mut buf = conn.take_read_buffer();
        let len = (buf.capacity() - buf.len()).min(chunk_end - at);
        buf.extend_from_slice(&wire[at..at + len]);
        at += len;
        conn.give_read_buffer(buf).expect("taken");
        n += drain(conn);
    }
    n
}

/// A server and a client connected through the handshake, everything flushed.
fn open_pair() -> (Connection, Connection) {
    open_pair_with(Config::default(), Config::default())
}

/// The same with these configurations.
fn open_pair_with(server_config: Config, client_config: Config) -> (Connection, Connection) {
    let mut server = Connection::server(server_config);
    let request = ClientRequest::new("example.com", "/chat");
    let mut client =
        Connection::client(request, client_config, SeededEntropy::new(7)).expect("valid request");
    server.receive_data(&client.data_to_send());
    let Some(Event::Request(_)) = server.next_event().expect("valid request") else {
        panic!("no request")
    };
    server.accept(Accept::default()).expect("pending request");
    client.receive_data(&server.data_to_send());
    assert!(matches!(client.next_event(), Ok(Some(Event::Accepted(_)))));
    assert_eq!(drain(&mut server), 0);
    assert_eq!(drain(&mut client), 0);
    (server, client)
}

#[test]
fn idle_connections_hold_little_heap() {
    let size = std::mem::size_of::<Connection>();

    // One idle open server connection: what its handshake left allocated.
    let before = live();
    let (server, client) = open_pair();
    let both = live() - before;
    drop(client);
    let server_only = live() - before;
    drop(server);
    assert_eq!(live(), before, "a dropped connection frees everything");

    // A 1 MiB message each way, then idle again.
    let (mut server, mut client) = open_pair();
    let idle = live();
    let big = vec![b'x'; 1 << 20];
    client.send_binary(&big).expect("open");
    let wire = client.data_to_send();
    for chunk in wire.chunks(64 << 10) {
        server.receive_data(chunk);
        drain(&mut server);
    }
    drop(wire);
    let after_in = live() - idle - big.len() as isize;
    server.send_binary(&big).expect("open");
    let wire = server.data_to_send();
    client.receive_data(&wire);
    assert_eq!(drain(&mut client), 1);
    drop(wire);
    drop(big);
    let after_big = live() - idle;

    println!("size_of::<Connection>() = {size} bytes");
    println!("heap of an idle open server connection = {server_only} bytes");
    println!("heap of an idle open client + server pair = {both} bytes");
    println!("extra heap held after a 1 MiB message in = {after_in} bytes");
    println!("extra heap held after a 1 MiB message each way = {after_big} bytes");

    assert!(server_only <= 512, "idle server holds {server_only} bytes");
    assert!(both <= 1024, "idle pair holds {both} bytes");
    assert!(
        after_big <= 16 << 10,
        "{after_big} bytes kept after 1 MiB messages"
    );
    assert!(size <= 672, "size_of::<Connection>() = {size}");

    // A frame header announcing 16 MiB, and a few bytes of it: memory follows what arrived,
    // not what was announced (no amplification from 14 bytes of input).
    let (mut server, client) = open_pair();
    drop(client);
    let idle = live();
    let mut header = vec![0x82, 0xff, 0, 0, 0, 0, 0x01, 0, 0, 0, 1, 2, 3, 4];
    header.extend_from_slice(&[0; 100]);
    server.receive_data(&header);
    assert_eq!(drain(&mut server), 0);
    let announced = live() - idle;
    println!("heap after a header announcing 16 MiB = {announced} bytes");
    assert!(
        announced <= 512 << 10,
        "{announced} bytes allocated for 114 bytes of input"
    );

    // The same header read into the engine's buffer (`take_read_buffer`): the buffer
    // handed out for the next read, which is all the heap there is, stays as small.
    let (mut server, client) = open_pair();
    drop(client);
    let idle = live();
    read_into(&mut server, &header);
    let buf = server.take_read_buffer();
    let announced = live() - idle;
    println!(
        "heap after a header announcing 16 MiB, read into the engine's buffer = {announced} bytes"
    );
    assert!(
        announced <= 512 << 10,
        "{announced} bytes for 114 bytes read"
    );
    server.give_read_buffer(buf).expect("taken");

    // Messages read into the engine's buffer, then idle: the buffer goes once decoded.
    let (mut server, mut client) = open_pair();
    let idle = live();
    client.send_text("hello").expect("open");
    client.send_binary(&[7; 20_000]).expect("open");
    client.send_binary(&vec![b'x'; 1 << 20]).expect("open");
    let wire = client.data_to_send();
    assert_eq!(read_into(&mut server, &wire), 3);
    drop(wire);
    let after = live() - idle;
    println!("heap of an idle server after messages read into its buffer = {after} bytes");
    assert!(after <= 1024, "{after} bytes kept");

    // Small messages sent and written out, then idle: the outbox keeps the room it reserves
    // for small frames (1 KiB), no more.
    let (mut server, client) = open_pair();
    drop(client);
    let idle = live();
    for size in [5, 125, 600] {
        server.send_binary(&vec![1; size]).expect("open");
        drop(server.data_to_send());
    }
    let after = live() - idle;
    println!("extra heap of an idle server after small messages sent = {after} bytes");
    assert!(after <= 2048, "{after} bytes kept");

    #[cfg(feature = "deflate")]
    deflate_heap();
}

/// permessage-deflate's share.
#[cfg(feature = "deflate")]
fn deflate_heap() {
    // permessage-deflate (in this function too: no other test may allocate meanwhile),
    // both sides with the same settings. Each idle side keeps its compressor (~21 KiB at
    // the default 12 bits, 5.3 KiB of it the window; 16 KiB less with `low_memory`) and its
    // inflater's history: the peer's window, 32 KiB unless negotiated smaller (a
    // `low_memory` server asks the client for its own 12 bits: 4 KiB), nothing without
    // context takeover; besides the outbox left from the last frame (~8 KiB here).
    let no_context = DeflateConfig::default()
        .no_context_takeover(true)
        .request_peer_no_context_takeover(true);
    let low = |c: &DeflateConfig| c.clone().low_memory(true);
    let websockets_default = 64 << 10;
    for (name, deflate, most) in [
        ("default", DeflateConfig::default(), websockets_default),
        ("no_context_takeover", no_context.clone(), 32 << 10),
        ("low_memory", low(&DeflateConfig::default()), 48 << 10),
        (
            "low_memory + no_context_takeover",
            low(&no_context),
            12 << 10,
        ),
    ] {
        let idle = compressing(name, deflate);
        assert!(idle <= most, "{name}: {idle} bytes per idle connection");
    }
}

#[cfg(feature = "deflate")]
/// Heap per connection with permessage-deflate negotiated through the handshake with these
/// settings on both sides: after the handshake, then idle after one compressed message each
/// way. Returns the larger of the idle server's and the idle client's heap.
fn compressing(name: &str, deflate: DeflateConfig) -> isize {
    let config = |deflate| Config::default().deflate(Some(deflate));
    // 64 KiB of JSON records (compresses about 8 times).
    let text: String = (0..2000)
        .map(|i| {
            format!(
                "{{\"id\":{},\"symbol\":\"ACME\",\"price\":\"{}.{:02}\"}},",
                9_000_000 + i * 7,
                100 + i % 13,
                i * 37 % 100
            )
        })
        .collect::<String>()
        .chars()
        .take(64 << 10)
        .collect();
    let mut figures = Vec::with_capacity(2);
    for keep_server in [true, false] {
        let before = live();
        let (mut server, mut client) =
            open_pair_with(config(deflate.clone()), config(deflate.clone()));
        assert!(server.deflate().is_some() && client.deflate().is_some());
        let handshake = live() - before;
        client.send_text(&text).expect("open");
        let wire = client.data_to_send();
        assert!(wire.len() < text.len() / 2, "compressed");
        server.receive_data(&wire);
        assert_eq!(drain(&mut server), 1);
        drop(wire);
        server.send_text(&text).expect("open");
        let wire = server.data_to_send();
        client.receive_data(&wire);
        assert_eq!(drain(&mut client), 1);
        drop(wire);
        let pair = live() - before;
        let (kept, other) = if keep_server {
            (server, client)
        } else {
            (client, server)
        };
        drop(other);
        figures.push((handshake, pair, live() - before));
        drop(kept);
        assert_eq!(live(), before, "a dropped connection frees everything");
    }
    let (handshake, pair, server) = figures[0];
    let client = figures[1].2;
    println!("deflate {name}: pair after the handshake = {handshake} bytes");
    println!(
        "deflate {name}: pair idle after a {} B message each way = {pair} bytes",
        text.len()
    );
    println!("deflate {name}: idle server = {server} bytes, idle client = {client} bytes");
    assert!(
        handshake <= 4096,
        "{name}: {handshake} bytes after the handshake"
    );
    server.max(client)
}
