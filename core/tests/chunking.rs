//! Property: how the transport cuts the byte stream does not change what the engine
//! reports. Random valid conversations (handshake, messages in random fragments, control
//! frames, a close) are fed whole and cut at random offsets, through `receive_data` or read
//! into the engine's buffer (`take_read_buffer`) in reads of random sizes; the events and
//! the bytes the receiver sends back must be the same.

use sansocket_test_support as support;

use proptest::prelude::*;
use sansocket::{ClientRequest, Config, Connection, Delivery, Event, MessageKind, SeededEntropy};
use support::{drain, join_chunks, read_into};

#[derive(Clone, Debug)]
enum Item {
    /// A message sent in fragments of these lengths (the last takes the rest).
    Message {
        kind: MessageKind,
        text: String,
        cuts: Vec<usize>,
    },
    Ping(Vec<u8>),
    Pong(Vec<u8>),
}

fn item() -> impl Strategy<Value = Item> {
    prop_oneof![
        4 => (any::<bool>(), "[a-zé€𝄞 ]{0,60}", prop::collection::vec(0usize..40, 0..4))
            .prop_map(|(text, s, cuts)| Item::Message {
                kind: if text { MessageKind::Text } else { MessageKind::Binary },
                text: s,
                cuts,
            }),
        1 => prop::collection::vec(any::<u8>(), 0..20).prop_map(Item::Ping),
        1 => prop::collection::vec(any::<u8>(), 0..20).prop_map(Item::Pong),
    ]
}

/// Queues the conversation on `from`; control frames go between fragments too.
fn send(from: &mut Connection, items: &[Item], close: bool) {
    for it in items {
        match it {
            Item::Message { kind, text, cuts } => {
                let bytes = text.as_bytes();
                let mut at = 0;
                for cut in cuts {
                    let end = (at + cut).min(bytes.len());
                    from.send_fragment(*kind, &bytes[at..end], false).unwrap();
                    from.ping(b"between").unwrap();
                    at = end;
                }
                from.send_fragment(*kind, &bytes[at..], true).unwrap();
            }
            Item::Ping(p) => from.ping(p).unwrap(),
            Item::Pong(p) => from.pong(p).unwrap(),
        }
    }
    if close {
        from.close(1000, "done").unwrap();
    }
}

/// Feeds `input` to a fresh receiver in the pieces given by `cuts`; returns the events
/// (chunks joined) and everything it queued.
fn replay(
    make: &dyn Fn() -> Connection,
    input: &[u8],
    cuts: &[usize],
) -> (Vec<Event>, Vec<u8>, bool) {
    replay_with(make, input, cuts, None)
}

/// [`replay`], each piece passed to `receive_data`, or (`read_cap`) read into the engine's
/// buffer (`take_read_buffer`) in reads of at most the room offered and `read_cap` bytes.
fn replay_with(
    make: &dyn Fn() -> Connection,
    input: &[u8],
    cuts: &[usize],
    read_cap: Option<usize>,
) -> (Vec<Event>, Vec<u8>, bool) {
    let mut conn = make();
    let mut out = conn.data_to_send().to_vec();
    let mut events = Vec::new();
    let mut bounds: Vec<usize> = cuts.iter().map(|c| c % (input.len() + 1)).collect();
    bounds.push(0);
    bounds.push(input.len());
    bounds.sort_unstable();
    for w in bounds.windows(2) {
        let piece = &input[w[0]..w[1]];
        let outcome = match read_cap {
            None => {
                conn.receive_data(piece);
                drain(&mut conn)
            }
            Some(cap) => read_into(&mut conn, piece, cap),
        };
        assert_eq!(outcome.error, None);
        events.extend(outcome.events);
        // Accept as soon as the request is reported, as a host would.
        if events.iter().any(|e| matches!(e, Event::Request(_)))
            && conn.state() == sansocket::State::Connecting
        {
            conn.accept(sansocket::Accept::new()).unwrap();
            events.extend(drain(&mut conn).events);
        }
        out.extend_from_slice(&conn.data_to_send());
    }
    (join_chunks(events), out, conn.should_close_transport())
}

fn config(chunks: bool) -> Config {
    Config::default().delivery(if chunks {
        Delivery::Chunks
    } else {
        Delivery::Messages
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    /// A client's handshake and frames, pipelined, into a server.
    #[test]
    fn server_input_split_anywhere(
        items in prop::collection::vec(item(), 0..8),
        close in any::<bool>(),
        chunks in any::<bool>(),
        cuts in prop::collection::vec(any::<usize>(), 1..6),
        seed in any::<u64>(),
        read_cap in 1usize..300,
    ) {
        let mut client = Connection::client(
            ClientRequest::new("h", "/"), Config::default(), SeededEntropy::new(seed)).unwrap();
        let mut input = client.data_to_send().to_vec();
        // The client cannot send before the 101; build its frames on an open twin.
        let mut twin = Connection::open_client(Config::default(), None, SeededEntropy::new(seed));
        send(&mut twin, &items, close);
        input.extend_from_slice(&twin.data_to_send());

        let make = || Connection::server(config(chunks));
        let whole = replay(&make, &input, &[]);
        let split = replay(&make, &input, &cuts);
        prop_assert_eq!(&whole, &split);
        let bytewise: Vec<usize> = (0..input.len()).collect();
        prop_assert_eq!(&whole, &replay(&make, &input, &bytewise));
        // The same pieces read into the engine's buffer, in reads of any size.
        prop_assert_eq!(&whole, &replay_with(&make, &input, &cuts, Some(read_cap)));
        prop_assert_eq!(&whole, &replay_with(&make, &input, &[], Some(read_cap)));
        // Every message and control frame arrived.
        let pings = items.iter().map(|i| match i {
            Item::Message { cuts, .. } => cuts.len(),
            Item::Ping(_) => 1,
            Item::Pong(_) => 0,
        }).sum::<usize>();
        let got = whole.0.iter().filter(|e| matches!(e, Event::Ping(_))).count();
        prop_assert_eq!(got, pings);
        prop_assert_eq!(whole.2, close);
    }

    /// A server's frames into a client, after its 101.
    #[test]
    fn client_input_split_anywhere(
        items in prop::collection::vec(item(), 0..8),
        close in any::<bool>(),
        chunks in any::<bool>(),
        cuts in prop::collection::vec(any::<usize>(), 1..6),
        read_cap in 1usize..300,
    ) {
        let mut server = Connection::open_server(Config::default(), None);
        send(&mut server, &items, close);
        let input = server.data_to_send().to_vec();
        let make = || Connection::open_client(config(chunks), None, SeededEntropy::new(5));
        let whole = replay(&make, &input, &[]);
        prop_assert_eq!(&whole, &replay(&make, &input, &cuts));
        prop_assert_eq!(&whole, &replay_with(&make, &input, &cuts, Some(read_cap)));
        prop_assert_eq!(&whole, &replay_with(&make, &input, &[], Some(usize::MAX)));
        let messages = items.iter().filter(|i| matches!(i, Item::Message { .. })).count();
        let got = whole.0.iter()
            .filter(|e| matches!(e, Event::Text(_) | Event::Binary(_)))
            .count();
        prop_assert_eq!(got, messages);
    }
}
