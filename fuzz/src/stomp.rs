//! The STOMP targets: the decoder alone, and server sessions driven through the broker.
//!
//! `stomp_decoder` input: byte 0 picks the version (mod 3); bytes 1–4 the limits
//! (`max_headers`, `max_line`, `max_header_block`, `max_body`, small so they are hit);
//! bytes 5–6 two cut points; the rest is the stream. Checked: no panic; the same events
//! and error whole, cut at the two points, and byte by byte; every frame within the
//! limits; every frame that encodes decodes back to itself.
//!
//! `stomp_broker` input: a list of operations on a broker with up to 4 connections
//! (see [`broker`]). Checked after every operation: no panic; each connection's output is
//! valid STOMP; every MESSAGE goes to a live subscription of that connection with the
//! same destination; a `/queue/` message acknowledged (ACK, or `auto` delivery) is never
//! delivered again.

use std::collections::{HashMap, HashSet};

use sansocket_stomp::{
    AckMode, Broker, BrokerConfig, Command, DecodeError, DecodeEvent, Decoder, Frame, Limits,
    ServerConfig, Version, encode,
};

type Outcome = (Vec<DecodeEvent>, Option<DecodeError>);

fn decode(pieces: &[&[u8]], version: Version, limits: Limits) -> Outcome {
    let mut d = Decoder::new(version, limits);
    let mut events = Vec::new();
    for p in pieces {
        d.receive_data(p);
        loop {
            match d.next_event() {
                Ok(Some(e)) => events.push(e),
                Ok(None) => break,
                Err(e) => return (events, Some(e)),
            }
        }
    }
    (events, None)
}

fn without_length(f: &Frame) -> Frame {
    let mut f = f.clone();
    f.remove_header("content-length");
    f
}

/// The decoder target.
pub fn decoder(data: &[u8]) {
    if data.len() < 7 {
        return;
    }
    let version = Version::ALL[usize::from(data[0]) % 3];
    let limits = Limits::default()
        .max_headers(usize::from(data[1] % 16))
        .max_line(usize::from(data[2]) + 1)
        .max_header_block(usize::from(data[3]) * 4 + 8)
        .max_body(usize::from(data[4]) * 2);
    let input = &data[7..];
    let whole = decode(&[input], version, limits);
    let mut cuts = [
        usize::from(data[5]) % (input.len() + 1),
        usize::from(data[6]) % (input.len() + 1),
    ];
    cuts.sort_unstable();
    let pieces = [
        &input[..cuts[0]],
        &input[cuts[0]..cuts[1]],
        &input[cuts[1]..],
    ];
    assert_eq!(decode(&pieces, version, limits), whole, "cut at {cuts:?}");
    let singles: Vec<&[u8]> = input.chunks(1).collect();
    assert_eq!(decode(&singles, version, limits), whole, "byte by byte");
    for e in &whole.0 {
        let DecodeEvent::Frame(f) = e else { continue };
        assert!(f.headers().len() <= limits.max_headers);
        assert!(f.body().len() <= limits.max_body);
        assert!(f.body().is_empty() || f.command().allows_body());
        if let Ok(bytes) = encode(f, version) {
            let again = decode(
                &[&bytes],
                version,
                Limits::default()
                    .max_line(1 << 20)
                    .max_header_block(1 << 20),
            );
            assert_eq!(again.1, None, "re-decoding {f:?}");
            let [DecodeEvent::Frame(g)] = &again.0[..] else {
                panic!("one frame expected: {again:?}")
            };
            assert_eq!(without_length(g), without_length(f));
        }
    }
}

/// The broker target.
pub mod broker {
    use super::*;

    const DESTINATIONS: [&str; 5] = ["/topic/a", "/topic/b", "/queue/a", "/queue/b", "/app/x"];

    #[derive(Default)]
    struct Client {
        id: u64,
        decoder: Option<Decoder>,
        /// A raw operation made the harness lose track: invariants are not checked.
        untracked: bool,
        connected: bool,
        subs: HashMap<String, (String, AckMode)>,
        /// Per client-ack subscription: delivered, unacknowledged queue message ids.
        delivered: HashMap<String, Vec<String>>,
        last_message: Option<(String, String, Option<String>)>,
    }

    struct Harness {
        broker: Broker,
        clients: Vec<Client>,
        now: u64,
        acked: HashSet<String>,
    }

    struct Reader<'a> {
        data: &'a [u8],
    }

    impl Reader<'_> {
        fn byte(&mut self) -> Option<u8> {
            let (b, rest) = self.data.split_first()?;
            self.data = rest;
            Some(*b)
        }
        fn bytes(&mut self, n: usize) -> &[u8] {
            let n = n.min(self.data.len());
            let (a, b) = self.data.split_at(n);
            self.data = b;
            a
        }
    }

    fn frame_bytes(f: &Frame) -> Vec<u8> {
        encode(f, Version::V1_2).expect("harness frames encode")
    }

    impl Harness {
        fn send(&mut self, k: usize, bytes: &[u8]) {
            let id = self.clients[k].id;
            let _ = self.broker.receive_data(id, bytes, self.now);
        }

        /// Drains every connection's output and checks the invariants; `before`: each
        /// client's subscriptions before the operation.
        fn drain(&mut self, before: &[HashMap<String, (String, AckMode)>]) {
            for (k, c) in self.clients.iter_mut().enumerate() {
                let out = self.broker.data_to_send(c.id, self.now);
                let decoder = c.decoder.get_or_insert_with(|| {
                    Decoder::new(Version::V1_2, Limits::default().max_body(1 << 24))
                });
                decoder.receive_data(&out);
                loop {
                    let f = match decoder.next_event() {
                        Ok(None) => break,
                        Ok(Some(DecodeEvent::Frame(f))) => f,
                        Ok(Some(_)) => continue,
                        Err(e) => panic!("the broker sent invalid STOMP to {k}: {e}"),
                    };
                    match f.command() {
                        Command::Connected => {
                            c.connected = true;
                            let v = f
                                .header("version")
                                .and_then(Version::parse)
                                .unwrap_or(Version::V1_0);
                            decoder.set_version(v);
                        }
                        Command::Message if !c.untracked => {
                            let sub = f
                                .header("subscription")
                                .expect("subscription on MESSAGE")
                                .to_owned();
                            let dest = f.header("destination").expect("destination").to_owned();
                            let id = f.header("message-id").expect("message-id").to_owned();
                            let live = c
                                .subs
                                .get(&sub)
                                .or_else(|| before.get(k).and_then(|b| b.get(&sub)));
                            let Some((sub_dest, mode)) = live else {
                                panic!("MESSAGE for {sub} which {k} never subscribed");
                            };
                            assert_eq!(&dest, sub_dest, "MESSAGE to the wrong subscription");
                            if dest.starts_with("/queue/") {
                                assert!(
                                    !self.acked.contains(&id),
                                    "acknowledged message {id} delivered again"
                                );
                                if *mode == AckMode::Auto {
                                    self.acked.insert(id.clone());
                                } else {
                                    c.delivered.entry(sub.clone()).or_default().push(id.clone());
                                }
                            }
                            c.last_message = Some((sub, id, f.header("ack").map(str::to_owned)));
                        }
                        Command::Message | Command::Receipt | Command::Error => {}
                        other => panic!("the broker sent {other}"),
                    }
                }
            }
        }

        fn op(&mut self, r: &mut Reader<'_>) -> Option<()> {
            let op = r.byte()? % 12;
            if op == 0 || self.clients.is_empty() {
                if self.clients.len() < 4 {
                    let v = Version::ALL[usize::from(r.byte()? % 3)];
                    let id = self.broker.open(v, self.now);
                    let mut c = Client {
                        id,
                        ..Client::default()
                    };
                    c.untracked = false;
                    self.clients.push(c);
                }
                return Some(());
            }
            let k = usize::from(r.byte()?) % self.clients.len();
            let arg = r.byte()?;
            let dest = DESTINATIONS[usize::from(arg) % DESTINATIONS.len()];
            let sub_id = format!("s{}", arg % 3);
            let alive = !self.broker.should_close(self.clients[k].id);
            match op {
                1 => {
                    let accept = ["1.2", "1.1", "1.0,1.1,1.2", "1.0"][usize::from(arg % 4)];
                    let f = Frame::new(Command::Connect).with_header("accept-version", accept);
                    self.send(k, &frame_bytes(&f));
                }
                2 => {
                    let mode = [AckMode::Auto, AckMode::Client, AckMode::ClientIndividual]
                        [usize::from(arg / 8 % 3)];
                    let f = Frame::new(Command::Subscribe)
                        .with_header("id", sub_id.clone())
                        .with_header("destination", dest)
                        .with_header("ack", mode.as_str());
                    let known = self.clients[k].subs.contains_key(&sub_id);
                    self.send(k, &frame_bytes(&f));
                    if alive && !known && !self.broker.should_close(self.clients[k].id) {
                        self.clients[k].subs.insert(sub_id, (dest.to_owned(), mode));
                    }
                }
                3 => {
                    let f = Frame::new(Command::Unsubscribe).with_header("id", sub_id.clone());
                    self.send(k, &frame_bytes(&f));
                    let c = &mut self.clients[k];
                    c.subs.remove(&sub_id);
                    c.delivered.remove(&sub_id);
                }
                4 | 5 => {
                    let body = r.bytes(usize::from(arg % 16)).to_vec();
                    let f = Frame::new(Command::Send)
                        .with_header("destination", dest)
                        .with_body(body);
                    self.send(k, &frame_bytes(&f));
                }
                6 | 7 => {
                    let Some((sub, id, ack)) = self.clients[k].last_message.clone() else {
                        return Some(());
                    };
                    let f = Frame::new(if op == 6 { Command::Ack } else { Command::Nack })
                        .with_header("id", ack.unwrap_or_else(|| id.clone()))
                        .with_header("message-id", id.clone())
                        .with_header("subscription", sub.clone());
                    self.send(k, &frame_bytes(&f));
                    let still = alive && !self.broker.should_close(self.clients[k].id);
                    let c = &mut self.clients[k];
                    let mode = c.subs.get(&sub).map(|s| s.1);
                    if let (true, Some(list)) = (still, c.delivered.get_mut(&sub))
                        && let Some(pos) = list.iter().position(|m| *m == id)
                    {
                        let covered: Vec<String> = if mode == Some(AckMode::Client) {
                            list.drain(..=pos).collect()
                        } else {
                            vec![list.remove(pos)]
                        };
                        if op == 6 {
                            self.acked.extend(covered);
                        }
                    }
                }
                8 => {
                    let tx = format!("t{}", arg % 2);
                    let command =
                        [Command::Begin, Command::Commit, Command::Abort][usize::from(arg / 2 % 3)];
                    let f = Frame::new(command).with_header("transaction", tx.clone());
                    self.send(k, &frame_bytes(&f));
                    if arg % 5 == 0 {
                        let f = Frame::new(Command::Send)
                            .with_header("destination", dest)
                            .with_header("transaction", tx);
                        self.send(k, &frame_bytes(&f));
                    }
                }
                9 => {
                    let raw = r.bytes(usize::from(arg % 32)).to_vec();
                    self.clients[k].untracked = true;
                    self.send(k, &raw);
                }
                10 => {
                    let id = self.clients[k].id;
                    self.broker.close(id);
                    self.clients.remove(k);
                }
                _ => {
                    if arg % 2 == 0 {
                        self.now += u64::from(arg) * 100;
                        self.broker.handle_timeout(self.now);
                    } else {
                        let _ = self.broker.publish(dest, vec![arg], &[]);
                    }
                }
            }
            while self.broker.next_event().is_some() {}
            Some(())
        }
    }

    /// Runs the operations of `data`.
    pub fn run(data: &[u8]) {
        let Some((&first, rest)) = data.split_first() else {
            return;
        };
        let config = BrokerConfig::default()
            .app_prefixes(vec!["/app/".to_owned()])
            .max_outgoing(usize::from(first) * 16 + 256)
            .max_queue_depth(usize::from(first % 8) + 1)
            .max_unacked(usize::from(first % 4) + 1)
            .server(ServerConfig::default().limits(Limits::default().max_body(64)));
        let mut h = Harness {
            broker: Broker::new(config),
            clients: Vec::new(),
            now: 0,
            acked: HashSet::new(),
        };
        let mut r = Reader { data: rest };
        for _ in 0..256 {
            let before: Vec<_> = h.clients.iter().map(|c| c.subs.clone()).collect();
            if h.op(&mut r).is_none() {
                break;
            }
            h.drain(&before);
        }
    }
}
