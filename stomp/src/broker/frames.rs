//! The broker's handling of each client frame once a session is open.

use std::collections::VecDeque;

use super::{Broker, BrokerEvent, ConnectionId, Refusal};
use crate::{AckMode, Command, Frame, ServerEvent, SessionError, Version};

impl Broker {
    /// Processes every event `id`'s session has ready.
    pub(super) fn pump(&mut self, id: ConnectionId) {
        loop {
            let Some(conn) = self.conns.get_mut(&id) else {
                return;
            };
            if conn.ended {
                return;
            }
            match conn.session.next_event() {
                Ok(None) => return,
                Ok(Some(ServerEvent::HeartBeat)) => {}
                Ok(Some(ServerEvent::Connect(request))) => {
                    if self.config.authenticate {
                        self.events.push_back(BrokerEvent::Authenticate {
                            connection: id,
                            login: request.login,
                            passcode: request.passcode,
                            host: request.host,
                        });
                        return;
                    }
                    let _ = conn.session.accept(Some(&format!("session-{id}")));
                    self.dirty.insert(id);
                }
                Ok(Some(ServerEvent::Disconnect(_))) => {
                    self.doomed.push((id, None));
                    self.dirty.insert(id);
                    return;
                }
                Ok(Some(ServerEvent::Frame(frame))) => {
                    let receipt = frame.header("receipt").map(str::to_owned);
                    match self.handle(id, frame, false) {
                        Ok(()) => {
                            if let (Some(r), Some(conn)) = (receipt, self.conns.get_mut(&id)) {
                                let _ = conn.session.send_receipt(&r);
                                self.dirty.insert(id);
                            }
                        }
                        Err(message) => {
                            if let Some(conn) = self.conns.get_mut(&id) {
                                let _ = conn.session.send_error(message, receipt.as_deref());
                            }
                            self.doomed
                                .push((id, Some(SessionError::Protocol(message.to_owned()))));
                            self.dirty.insert(id);
                            return;
                        }
                    }
                }
                Err(e) => {
                    self.doomed.push((id, Some(e)));
                    self.dirty.insert(id);
                    return;
                }
            }
        }
    }

    /// One client frame after CONNECTED. `committing`: replayed by COMMIT.
    fn handle(&mut self, id: ConnectionId, frame: Frame, committing: bool) -> Result<(), Refusal> {
        let command = frame.command();
        if !committing
            && matches!(command, Command::Send | Command::Ack | Command::Nack)
            && let Some(tx) = frame.header("transaction")
        {
            let conn = self.conns.get_mut(&id).ok_or("gone")?;
            let total: usize = conn.transactions.values().map(Vec::len).sum();
            let held = conn.transactions.get_mut(tx).ok_or("unknown transaction")?;
            if total >= self.config.max_transaction_frames {
                return Err("transaction too large");
            }
            held.push(frame);
            return Ok(());
        }
        let conn = self.conns.get_mut(&id).ok_or("gone")?;
        let version = conn.session.version();
        match command {
            Command::Send => {
                let destination = frame.header("destination").unwrap_or_default();
                if !conn.grants.may_send(destination) {
                    return Err("not authorised");
                }
                if Self::is_prefixed(&self.config.app_prefixes, destination) {
                    self.events.push_back(BrokerEvent::AppMessage {
                        connection: id,
                        frame,
                    });
                    return Ok(());
                }
                let destination = destination.to_owned();
                let (_, headers, body) = frame.into_parts();
                self.route(&destination, &headers, body)
            }
            Command::Subscribe => {
                let destination = frame.header("destination").unwrap_or_default().to_owned();
                let sub_id = frame.header("id").unwrap_or(&destination).to_owned();
                let ack = frame
                    .header("ack")
                    .and_then(AckMode::parse)
                    .unwrap_or_default();
                if !conn.grants.may_subscribe(&destination) {
                    return Err("not authorised");
                }
                let is_queue = Self::is_prefixed(&self.config.queue_prefixes, &destination);
                if !is_queue && !Self::is_prefixed(&self.config.topic_prefixes, &destination) {
                    return Err("unknown destination");
                }
                if conn.subs.contains_key(&sub_id) {
                    return Err("duplicate subscription id");
                }
                if conn.subs.len() >= self.config.max_subscriptions {
                    return Err("too many subscriptions");
                }
                if is_queue
                    && !self.queues.contains_key(&destination)
                    && self.queues.len() >= self.config.max_queues
                {
                    return Err("too many queues");
                }
                conn.subs
                    .insert(sub_id.clone(), (destination.clone(), ack, is_queue));
                if ack != AckMode::Auto {
                    self.unacked.insert((id, sub_id.clone()), VecDeque::new());
                }
                if is_queue {
                    self.queues
                        .entry(destination.clone())
                        .or_default()
                        .subscribers
                        .push((id, sub_id));
                    self.dispatch(&destination);
                } else {
                    self.topics
                        .entry(destination)
                        .or_default()
                        .push((id, sub_id, ack));
                }
                Ok(())
            }
            Command::Unsubscribe => {
                let sub_id = frame
                    .header("id")
                    .or_else(|| frame.header("destination"))
                    .unwrap_or_default()
                    .to_owned();
                self.unsubscribe(id, &sub_id);
                Ok(())
            }
            Command::Ack | Command::Nack => {
                let message_id = match version {
                    Version::V1_2 => frame.header("id"),
                    _ => frame.header("message-id"),
                }
                .unwrap_or_default();
                let sub_id = match (version, frame.header("subscription")) {
                    (Version::V1_1, Some(s)) => Some(s.to_owned()),
                    _ => conn.ack_index.get(message_id).cloned(),
                };
                if let Some(sub_id) = sub_id {
                    let message_id = message_id.to_owned();
                    self.acknowledge(id, &sub_id, &message_id, command == Command::Ack);
                }
                Ok(())
            }
            Command::Begin => {
                let tx = frame.header("transaction").unwrap_or_default();
                if conn.transactions.contains_key(tx) {
                    return Err("transaction already open");
                }
                if conn.transactions.len() >= self.config.max_transaction_frames {
                    return Err("too many transactions");
                }
                conn.transactions.insert(tx.to_owned(), Vec::new());
                Ok(())
            }
            Command::Commit => {
                let tx = frame.header("transaction").unwrap_or_default();
                let held = conn.transactions.remove(tx).ok_or("unknown transaction")?;
                for f in held {
                    self.handle(id, f, true)?;
                }
                Ok(())
            }
            Command::Abort => {
                let tx = frame.header("transaction").unwrap_or_default();
                conn.transactions.remove(tx).ok_or("unknown transaction")?;
                Ok(())
            }
            _ => Err("unexpected frame"),
        }
    }
}
