//! The driver's side of a scenario: the server's decision on the upgrade request, and the
//! application's actions (sends, fragments, pings, close), each checked against what the
//! engine queued.

use sansocket::{Accept, Connection, MessageKind, State, handshake::accept_key};

use super::{Action, Driver, Entry, Response};

impl Driver<'_> {
    /// The server's answer to a request, from the decision bytes.
    pub(super) fn decide(&mut self, request: &sansocket::Request) {
        const STATUSES: [u16; 8] = [400, 403, 404, 101, 500, 503, 99, 1000];
        let d = self.s.decision;
        let status = STATUSES[usize::from(d.index) % STATUSES.len()];
        match d.kind & 3 {
            0 => self.accept(Accept::new(), &request.key),
            1 => {
                let offered = &request.subprotocols;
                let pick = (!offered.is_empty())
                    .then(|| offered[usize::from(d.index) % offered.len()].clone());
                self.accept(
                    Accept {
                        subprotocol: pick,
                        ..Accept::default()
                    },
                    &request.key,
                );
            }
            2 => {
                // Misuse first: a subprotocol not offered, a header that would inject one.
                if !request.subprotocols.iter().any(|p| p == "not-offered") {
                    let bad = Accept::new().subprotocol("not-offered");
                    assert!(self.call("accept not offered", |c| c.accept(bad)).is_err());
                }
                let bad = Accept::new().header("X-Bad", "a\r\nSet-Cookie: x");
                assert!(self.call("accept bad header", |c| c.accept(bad)).is_err());
                self.reject(status);
            }
            _ => self.reject(status),
        }
        assert!(
            !matches!(self.response, Response::None),
            "the request is still pending"
        );
    }

    fn accept(&mut self, accept: Accept, key: &str) {
        let subprotocol = accept.subprotocol.clone();
        self.call("accept", |c| c.accept(accept))
            .expect("a valid accept");
        assert_eq!(self.conn.subprotocol(), subprotocol.as_deref());
        assert_eq!(self.conn.state(), State::Open);
        let head = self.flush();
        assert!(head.starts_with(b"HTTP/1.1 101 Switching Protocols\r\n"));
        let expected = format!("Sec-WebSocket-Accept: {}\r\n", accept_key(key));
        assert!(
            head.windows(expected.len())
                .any(|w| w == expected.as_bytes())
        );
        self.response = Response::Accepted(key.to_owned());
    }

    fn reject(&mut self, status: u16) {
        let headers = [("X-Reason", "fuzz"), ("Content-Length", "99")];
        match self.call("reject", |c| c.reject(status, &headers, b"go away")) {
            Ok(()) => self.response = Response::Refused(status),
            Err(_) => {
                assert!(status == 101 || !(100..=999).contains(&status));
                self.call("reject 403", |c| c.reject(403, &[], b""))
                    .expect("a valid reject");
                self.response = Response::Refused(403);
            }
        }
        let head = self.flush();
        let Response::Refused(status) = self.response else {
            unreachable!()
        };
        assert!(head.starts_with(format!("HTTP/1.1 {status} ").as_bytes()));
        assert!(self.conn.should_close_transport());
    }

    /// Calls an action; a usage error must queue nothing.
    fn call(
        &mut self,
        name: &str,
        f: impl FnOnce(&mut Connection) -> Result<(), sansocket::UsageError>,
    ) -> Result<(), String> {
        let before = self.conn.buffered_amount();
        let result = f(&mut self.conn).map_err(|e| format!("{e:?}"));
        if result.is_err() {
            assert_eq!(
                self.conn.buffered_amount(),
                before,
                "{name}: a usage error queued bytes"
            );
        }
        self.entries
            .push(Entry::Action(name.to_owned(), result.clone()));
        result
    }

    pub(super) fn act(&mut self, action: &Action) {
        let before = self.output.len();
        let ok = match action {
            Action::Text(text) => {
                let ok = self.call("send_text", |c| c.send_text(text)).is_ok();
                if ok {
                    self.sent.push(Entry::Text(text.as_bytes().to_vec()));
                }
                ok
            }
            Action::Binary(data) => {
                let ok = self.call("send_binary", |c| c.send_binary(data)).is_ok();
                if ok {
                    self.sent.push(Entry::Binary(data.clone()));
                }
                ok
            }
            Action::TextFragment { text, cut, fin } => {
                let mut all = self.carry.clone();
                all.extend_from_slice(text.as_bytes());
                let cut = if *fin {
                    all.len()
                } else {
                    cut % (all.len() + 1)
                };
                let piece = &all[..cut];
                let ok = self
                    .call("send_fragment text", |c| {
                        c.send_fragment(MessageKind::Text, piece, *fin)
                    })
                    .is_ok();
                if ok {
                    self.carry = all[cut..].to_vec();
                    self.fragment_sent(true, piece, *fin);
                }
                ok
            }
            Action::BinaryFragment(data, fin) => {
                let ok = self
                    .call("send_fragment binary", |c| {
                        c.send_fragment(MessageKind::Binary, data, *fin)
                    })
                    .is_ok();
                if ok {
                    self.fragment_sent(false, data, *fin);
                }
                ok
            }
            Action::Ping(data) => {
                let ok = self.call("ping", |c| c.ping(data)).is_ok();
                assert!(!ok || data.len() <= 125);
                if ok {
                    self.sent.push(Entry::Ping(data.clone()));
                }
                ok
            }
            Action::Pong(data) => {
                let ok = self.call("pong", |c| c.pong(data)).is_ok();
                assert!(!ok || data.len() <= 125);
                if ok {
                    self.sent.push(Entry::Pong(data.clone()));
                }
                ok
            }
            Action::Close(code, reason) => {
                let ok = self.call("close", |c| c.close(*code, reason)).is_ok();
                if ok && self.conn.buffered_amount() > 0 {
                    assert!(!self.close_out, "second close frame");
                    self.close_out = true;
                    let reason = if *code == 1005 {
                        String::new()
                    } else {
                        reason.clone()
                    };
                    self.sent.push(Entry::Close(*code, reason));
                }
                ok
            }
            Action::Accept => {
                let result = self.call("accept", |c| c.accept(Accept::new()));
                assert!(result.is_err(), "accept without a pending request");
                false
            }
            Action::Reject(status) => {
                let result = self.call("reject", |c| c.reject(*status, &[], b""));
                assert!(result.is_err(), "reject without a pending request");
                false
            }
        };
        let queued = self.flush();
        assert_eq!(self.output.len(), before + queued.len());
        if !ok {
            assert!(queued.is_empty());
        }
    }

    fn fragment_sent(&mut self, text: bool, piece: &[u8], fin: bool) {
        let message = self.building.get_or_insert((text, Vec::new()));
        assert_eq!(message.0, text, "the engine mixed fragment kinds");
        message.1.extend_from_slice(piece);
        if fin {
            let (text, data) = self.building.take().unwrap_or_default();
            self.carry.clear();
            self.sent.push(if text {
                Entry::Text(data)
            } else {
                Entry::Binary(data)
            });
        }
    }
}
