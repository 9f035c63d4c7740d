//! Delivery: routing published messages to topics and queues, acknowledgements, and the
//! end of a connection's session.

use bytes::Bytes;

use super::message::Stored;
use super::{Broker, BrokerConfig, BrokerEvent, Conn, ConnectionId, QUEUE_FULL, Refusal, Unacked};
use crate::{AckMode, SessionError, Version};

impl Broker {
    /// Routes a published message to its topic or queue.
    pub(super) fn route(
        &mut self,
        destination: &str,
        headers: &[(String, String)],
        body: Bytes,
    ) -> Result<(), Refusal> {
        let is_queue = Self::is_prefixed(&self.config.queue_prefixes, destination);
        if !is_queue && !Self::is_prefixed(&self.config.topic_prefixes, destination) {
            return Err("unknown destination");
        }
        if is_queue {
            match self.queues.get(destination) {
                Some(q) if q.backlog.len() >= self.config.max_queue_depth => {
                    return Err(QUEUE_FULL);
                }
                None if self.queues.len() >= self.config.max_queues => {
                    return Err("too many queues");
                }
                _ => {}
            }
        }
        let message_id = self.next_message.to_string();
        self.next_message += 1;
        let mut message = Stored::new(message_id, destination.to_owned(), headers, body);
        if is_queue {
            self.queues
                .entry(destination.to_owned())
                .or_default()
                .backlog
                .push_back(message);
            self.dispatch(destination);
        } else {
            self.fan_out(&mut message);
        }
        Ok(())
    }

    /// Whether `conn` can take `len` more bytes of a topic message; if not, it is doomed
    /// as a slow consumer.
    fn has_room(
        config: &BrokerConfig,
        doomed: &mut Vec<(ConnectionId, Option<SessionError>)>,
        id: ConnectionId,
        conn: &mut Conn,
        len: usize,
    ) -> bool {
        if conn.session.pending_len() + len <= config.max_outgoing {
            return true;
        }
        let _ = conn.session.send_error("slow consumer", None);
        doomed.push((id, Some(SessionError::Protocol("slow consumer".to_owned()))));
        false
    }

    fn fan_out(&mut self, message: &mut Stored) {
        let Some(subscribers) = self.topics.get(&message.destination) else {
            return;
        };
        for (cid, sub_id, ack) in subscribers {
            let Some(conn) = self.conns.get_mut(cid) else {
                continue;
            };
            if conn.ended || conn.session.is_closed() {
                continue;
            }
            if !Self::has_room(
                &self.config,
                &mut self.doomed,
                *cid,
                conn,
                message.approx_len(sub_id.len()),
            ) {
                self.dirty.insert(*cid);
                continue;
            }
            if *ack != AckMode::Auto {
                let Some(list) = self.unacked.get_mut(&(*cid, sub_id.clone())) else {
                    continue;
                };
                if list.len() >= self.config.max_unacked {
                    continue;
                }
                list.push_back((message.id.clone(), None));
                conn.ack_index.insert(message.id.clone(), sub_id.clone());
            }
            let version = conn.session.version();
            let ack_header =
                (version == Version::V1_2 && *ack != AckMode::Auto).then_some(message.id.clone());
            if let Some(out) = conn.session.outbox_if_connected() {
                message.encode_into(out, version, sub_id, ack_header.as_deref());
                self.dirty.insert(*cid);
            }
        }
    }

    /// Delivers waiting messages of queue `destination` to its subscribers, round robin.
    pub(super) fn dispatch(&mut self, destination: &str) {
        loop {
            let Some(queue) = self.queues.get_mut(destination) else {
                return;
            };
            let Some(front) = queue.backlog.front() else {
                return;
            };
            let n = queue.subscribers.len();
            let mut chosen = None;
            for k in 0..n {
                let idx = (queue.next + k) % n;
                let (cid, sub_id) = &queue.subscribers[idx];
                let Some(conn) = self.conns.get_mut(cid) else {
                    continue;
                };
                if conn.ended || conn.session.is_closed() {
                    continue;
                }
                let Some((_, ack, _)) = conn.subs.get(sub_id) else {
                    continue;
                };
                let ack = *ack;
                if ack != AckMode::Auto
                    && self
                        .unacked
                        .get(&(*cid, sub_id.clone()))
                        .is_some_and(|l| l.len() >= self.config.max_unacked)
                {
                    continue;
                }
                // A queue consumer without room is skipped: the message waits until its
                // bytes drain (`data_to_send` dispatches again).
                if conn.session.pending_len() + front.approx_len(sub_id.len())
                    > self.config.max_outgoing
                {
                    continue;
                }
                chosen = Some((idx, *cid, sub_id.clone(), ack));
                break;
            }
            let Some((idx, cid, sub_id, ack)) = chosen else {
                return;
            };
            queue.next = (idx + 1) % n;
            let Some(mut message) = queue.backlog.pop_front() else {
                return;
            };
            let Some(conn) = self.conns.get_mut(&cid) else {
                return;
            };
            let version = conn.session.version();
            let ack_header =
                (version == Version::V1_2 && ack != AckMode::Auto).then_some(message.id.clone());
            if let Some(out) = conn.session.outbox_if_connected() {
                message.encode_into(out, version, &sub_id, ack_header.as_deref());
                self.dirty.insert(cid);
            }
            if ack != AckMode::Auto {
                conn.ack_index.insert(message.id.clone(), sub_id.clone());
                if let Some(list) = self.unacked.get_mut(&(cid, sub_id)) {
                    list.push_back((message.id.clone(), Some(message)));
                }
            }
        }
    }

    /// ACK (`ack`) or NACK a delivery of subscription `sub_id`: cumulative in `client`
    /// mode, single in `client-individual`. NACKed queue messages go back to the queue.
    pub(super) fn acknowledge(
        &mut self,
        id: ConnectionId,
        sub_id: &str,
        message_id: &str,
        ack: bool,
    ) {
        let Some(conn) = self.conns.get_mut(&id) else {
            return;
        };
        let Some((destination, mode, is_queue)) = conn.subs.get(sub_id).cloned() else {
            return;
        };
        let Some(list) = self.unacked.get_mut(&(id, sub_id.to_owned())) else {
            return;
        };
        let Some(pos) = list.iter().position(|(m, _)| m == message_id) else {
            return;
        };
        let covered: Vec<Unacked> = if mode == AckMode::Client {
            list.drain(..=pos).collect()
        } else {
            list.remove(pos).into_iter().collect()
        };
        for (m, _) in &covered {
            conn.ack_index.remove(m);
        }
        if !ack && is_queue {
            let queue = self.queues.entry(destination.clone()).or_default();
            for (_, message) in covered.into_iter().rev() {
                if let Some(message) = message {
                    queue.backlog.push_front(message);
                }
            }
        }
        if is_queue {
            self.dispatch(&destination);
        }
    }

    /// Removes a subscription; its unacknowledged queue messages go back to the queue.
    pub(super) fn unsubscribe(&mut self, id: ConnectionId, sub_id: &str) {
        let Some(conn) = self.conns.get_mut(&id) else {
            return;
        };
        let Some((destination, _, is_queue)) = conn.subs.remove(sub_id) else {
            return;
        };
        let pending = self
            .unacked
            .remove(&(id, sub_id.to_owned()))
            .unwrap_or_default();
        for (m, _) in &pending {
            conn.ack_index.remove(m);
        }
        if is_queue {
            let Some(queue) = self.queues.get_mut(&destination) else {
                return;
            };
            queue
                .subscribers
                .retain(|(c, s)| !(*c == id && s == sub_id));
            for (_, message) in pending.into_iter().rev() {
                if let Some(message) = message {
                    queue.backlog.push_front(message);
                }
            }
            if queue.next >= queue.subscribers.len() {
                queue.next = 0;
            }
            if queue.subscribers.is_empty() && queue.backlog.is_empty() {
                self.queues.remove(&destination);
                return;
            }
            self.dispatch(&destination);
        } else if let Some(list) = self.topics.get_mut(&destination) {
            list.retain(|(c, s, _)| !(*c == id && s == sub_id));
            if list.is_empty() {
                self.topics.remove(&destination);
            }
        }
    }

    /// Ends connection `id`'s participation: subscriptions, transactions.
    pub(super) fn end(&mut self, id: ConnectionId, error: Option<SessionError>, report: bool) {
        let Some(conn) = self.conns.get_mut(&id) else {
            return;
        };
        if conn.ended {
            return;
        }
        conn.ended = true;
        conn.transactions.clear();
        let subs: Vec<String> = conn.subs.keys().cloned().collect();
        for sub_id in subs {
            self.unsubscribe(id, &sub_id);
        }
        if report {
            self.events.push_back(BrokerEvent::Closed {
                connection: id,
                error,
            });
        }
        self.dirty.insert(id);
    }

    /// Ends every doomed connection (which may doom more, as redelivery goes on).
    pub(super) fn settle(&mut self) {
        while let Some((id, error)) = self.doomed.pop() {
            self.end(id, error, true);
        }
    }
}
