//! An in-memory STOMP broker: pure state, the host owns sockets and time.

mod config;
mod message;

use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};

use bytes::Bytes;

pub use config::{BrokerConfig, Grants};
use message::Stored;

use crate::{
    AckMode, Command, Frame, ServerConfig, ServerEvent, ServerSession, SessionError, UsageError,
    Version,
};

/// A connection's id in a [`Broker`], given by [`Broker::open`].
pub type ConnectionId = u64;

/// What the broker asks of, or reports to, the application.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum BrokerEvent {
    /// A CONNECT to check (only with [`BrokerConfig::authenticate`]): answer with
    /// [`Broker::accept`] (with the connection's [`Grants`]) or [`Broker::reject`]. The
    /// connection's later frames wait until then.
    Authenticate {
        /// The connection.
        connection: ConnectionId,
        /// `login`, if sent.
        login: Option<String>,
        /// `passcode`, if sent.
        passcode: Option<String>,
        /// `host`, if sent.
        host: Option<String>,
    },
    /// A SEND to an application destination ([`BrokerConfig::app_prefixes`]). The
    /// application may answer with [`Broker::publish`]. A `receipt` was already sent.
    AppMessage {
        /// The sender.
        connection: ConnectionId,
        /// The SEND frame.
        frame: Frame,
    },
    /// The connection's session ended (DISCONNECT, an ERROR sent to it, a missed
    /// heart-beat, a slow consumer). Its subscriptions are gone and its unacknowledged
    /// queue messages redelivered. Write its `data_to_send`, close the transport, then
    /// call [`Broker::close`].
    Closed {
        /// The connection.
        connection: ConnectionId,
        /// Why, or `None` for a DISCONNECT.
        error: Option<SessionError>,
    },
}

struct Conn {
    session: ServerSession,
    grants: Grants,
    /// Subscription id → (destination, ack mode, is a queue).
    subs: BTreeMap<String, (String, AckMode, bool)>,
    transactions: HashMap<String, Vec<Frame>>,
    /// Unacknowledged message id → subscription id (for 1.0/1.2 ACKs that name only the message).
    ack_index: HashMap<String, String>,
    ended: bool,
}

/// One delivered, unacknowledged message: its id, and the message itself for a queue.
type Unacked = (String, Option<Stored>);

#[derive(Default)]
struct Queue {
    subscribers: Vec<(ConnectionId, String)>,
    next: usize,
    backlog: VecDeque<Stored>,
}

/// Why a frame was refused: the ERROR `message`.
type Refusal = &'static str;

/// An in-memory STOMP broker without IO.
///
/// **Connections:** [`open`](Self::open) one per transport (capped at the version its
/// WebSocket subprotocol allows), [`receive_data`](Self::receive_data) with its bytes,
/// write [`data_to_send`](Self::data_to_send) (the ids with output:
/// [`connections_to_flush`](Self::connections_to_flush)), close the transport when
/// [`should_close`](Self::should_close), and [`close`](Self::close) it when the transport
/// is gone. **Time:** [`poll_timeout`](Self::poll_timeout) /
/// [`handle_timeout`](Self::handle_timeout) in milliseconds (heart-beats). **Application:**
/// [`next_event`](Self::next_event) ([`BrokerEvent`]: authentication, application
/// destinations, ended sessions) and [`publish`](Self::publish).
///
/// **Semantics.** Topics (`/topic/…`) give every subscriber a copy. Queues (`/queue/…`)
/// give each message to one subscriber, round robin, and keep it until one subscribes
/// (bounded by [`BrokerConfig::max_queue_depth`]). Every MESSAGE has `subscription`,
/// `message-id` (unique in the broker), `destination`, `content-length`, the SEND's own
/// headers passed through, and in 1.2 with a client ack mode `ack`. `client` acks are
/// cumulative, `client-individual` single; a NACK, an UNSUBSCRIBE or a disconnect puts
/// unacknowledged queue messages back at the head of the queue (topic ones are dropped).
/// Transactions hold SEND, ACK and NACK until COMMIT; ABORT or the end of the session
/// drops them. A frame with `receipt` gets its RECEIPT once processed. Outgoing bytes per
/// connection are bounded ([`BrokerConfig::max_outgoing`]: slow consumers are closed). No
/// selectors are evaluated.
pub struct Broker {
    config: BrokerConfig,
    conns: HashMap<ConnectionId, Conn>,
    next_conn: ConnectionId,
    next_message: u64,
    /// Topic destination → subscribers `(connection, subscription id, ack mode)`.
    topics: HashMap<String, Vec<(ConnectionId, String, AckMode)>>,
    queues: HashMap<String, Queue>,
    /// `(connection, subscription id)` → unacknowledged deliveries, oldest first.
    unacked: HashMap<(ConnectionId, String), VecDeque<Unacked>>,
    events: VecDeque<BrokerEvent>,
    dirty: BTreeSet<ConnectionId>,
    doomed: Vec<(ConnectionId, Option<SessionError>)>,
}

impl std::fmt::Debug for Broker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Broker")
            .field("connections", &self.conns.len())
            .field("topics", &self.topics.len())
            .field("queues", &self.queues.len())
            .finish_non_exhaustive()
    }
}

impl Broker {
    /// An empty broker.
    #[must_use]
    pub fn new(config: BrokerConfig) -> Self {
        Self {
            config,
            conns: HashMap::new(),
            next_conn: 0,
            next_message: 0,
            topics: HashMap::new(),
            queues: HashMap::new(),
            unacked: HashMap::new(),
            events: VecDeque::new(),
            dirty: BTreeSet::new(),
            doomed: Vec::new(),
        }
    }

    /// The settings.
    #[must_use]
    pub const fn config(&self) -> &BrokerConfig {
        &self.config
    }

    /// A new connection, waiting for CONNECT. `max_version` caps its version (from the
    /// WebSocket subprotocol: [`version_for_subprotocol`](crate::version_for_subprotocol);
    /// [`Version::V1_2`] over TCP). `now` in ms.
    pub fn open(&mut self, max_version: Version, now: u64) -> ConnectionId {
        let id = self.next_conn;
        self.next_conn += 1;
        let cap = max_version.min(self.config.server.max_version);
        let server: ServerConfig = self.config.server.clone().max_version(cap);
        self.conns.insert(
            id,
            Conn {
                session: ServerSession::new(server, now),
                grants: Grants::all(),
                subs: BTreeMap::new(),
                transactions: HashMap::new(),
                ack_index: HashMap::new(),
                ended: false,
            },
        );
        id
    }

    /// Bytes from connection `id`'s transport; every complete frame is processed at once.
    ///
    /// # Errors
    /// [`UsageError::UnknownConnection`].
    pub fn receive_data(
        &mut self,
        id: ConnectionId,
        data: &[u8],
        now: u64,
    ) -> Result<(), UsageError> {
        let conn = self
            .conns
            .get_mut(&id)
            .ok_or(UsageError::UnknownConnection)?;
        conn.session.receive_data(data, now);
        self.pump(id);
        self.settle();
        Ok(())
    }

    /// The transport of `id` is gone (EOF, reset, or the host closed it after
    /// `should_close`): the connection is forgotten, its subscriptions removed, its
    /// unacknowledged queue messages redelivered. Unknown ids are ignored.
    pub fn close(&mut self, id: ConnectionId) {
        if self.conns.contains_key(&id) {
            self.end(id, None, false);
            self.settle();
            self.conns.remove(&id);
            self.dirty.remove(&id);
        }
    }

    /// The next event for the application, or `None`.
    pub fn next_event(&mut self) -> Option<BrokerEvent> {
        self.events.pop_front()
    }

    /// The bytes to write to `id`'s transport (drained; empty for an unknown id).
    #[must_use]
    pub fn data_to_send(&mut self, id: ConnectionId, now: u64) -> Vec<u8> {
        self.dirty.remove(&id);
        let Some(conn) = self.conns.get_mut(&id) else {
            return Vec::new();
        };
        let data = conn.session.data_to_send(now);
        // Queue messages held back for lack of room may go now (they are sent next time).
        let queues: Vec<String> = conn
            .subs
            .values()
            .filter(|(_, _, is_queue)| *is_queue)
            .map(|(d, _, _)| d.clone())
            .collect();
        for q in queues {
            if self.queues.get(&q).is_some_and(|q| !q.backlog.is_empty()) {
                self.dispatch(&q);
            }
        }
        self.settle();
        data
    }

    /// Connections with bytes to write or a transport to close, since the last call.
    #[must_use]
    pub fn connections_to_flush(&mut self) -> Vec<ConnectionId> {
        std::mem::take(&mut self.dirty).into_iter().collect()
    }

    /// Whether `id`'s transport should be closed (after writing `data_to_send`); `true`
    /// for an unknown id.
    #[must_use]
    pub fn should_close(&self, id: ConnectionId) -> bool {
        self.conns
            .get(&id)
            .is_none_or(|c| c.session.should_close_transport())
    }

    /// Open connections.
    #[must_use]
    pub fn connection_count(&self) -> usize {
        self.conns.len()
    }

    /// Messages waiting in queue `destination`.
    #[must_use]
    pub fn queue_depth(&self, destination: &str) -> usize {
        self.queues.get(destination).map_or(0, |q| q.backlog.len())
    }

    /// When to call [`handle_timeout`](Self::handle_timeout) next (ms), or `None`.
    #[must_use]
    pub fn poll_timeout(&self) -> Option<u64> {
        self.conns
            .values()
            .filter_map(|c| c.session.poll_timeout())
            .min()
    }

    /// Lets time pass: heart-beat EOLs are queued, silent connections closed.
    pub fn handle_timeout(&mut self, now: u64) {
        let mut ids: Vec<ConnectionId> = self.conns.keys().copied().collect();
        ids.sort_unstable();
        for id in ids {
            if let Some(conn) = self.conns.get_mut(&id)
                && conn.session.poll_timeout().is_some_and(|t| t <= now)
            {
                conn.session.handle_timeout(now);
                self.dirty.insert(id);
                self.pump(id);
            }
        }
        self.settle();
    }

    /// Accepts the CONNECT of `id` after [`BrokerEvent::Authenticate`], with what it may do.
    ///
    /// # Errors
    /// [`UsageError::UnknownConnection`], [`UsageError::NoPendingConnect`].
    pub fn accept(&mut self, id: ConnectionId, grants: Grants) -> Result<(), UsageError> {
        let conn = self
            .conns
            .get_mut(&id)
            .ok_or(UsageError::UnknownConnection)?;
        conn.session.accept(Some(&format!("session-{id}")))?;
        conn.grants = grants;
        self.dirty.insert(id);
        self.pump(id);
        self.settle();
        Ok(())
    }

    /// Rejects the CONNECT of `id`: ERROR with `message`, then the connection ends.
    ///
    /// # Errors
    /// [`UsageError::UnknownConnection`], [`UsageError::NoPendingConnect`].
    pub fn reject(&mut self, id: ConnectionId, message: &str) -> Result<(), UsageError> {
        let conn = self
            .conns
            .get_mut(&id)
            .ok_or(UsageError::UnknownConnection)?;
        conn.session.reject(message)?;
        self.doomed
            .push((id, Some(SessionError::Rejected(message.to_owned()))));
        self.settle();
        Ok(())
    }

    /// Publishes a message from the application to a topic or queue destination, as if a
    /// client had sent `SEND` with `headers` and `body`.
    ///
    /// # Errors
    /// [`UsageError::UnknownDestination`] (also for application destinations),
    /// [`UsageError::QueueFull`] (also when it would be a queue past
    /// [`BrokerConfig::max_queues`]).
    pub fn publish(
        &mut self,
        destination: &str,
        body: impl Into<Bytes>,
        headers: &[(String, String)],
    ) -> Result<(), UsageError> {
        let result = self.route(destination, headers, body.into());
        self.settle();
        match result {
            Ok(()) => Ok(()),
            Err(r) if r == QUEUE_FULL || r == "too many queues" => Err(UsageError::QueueFull),
            Err(_) => Err(UsageError::UnknownDestination),
        }
    }

    fn is_prefixed(prefixes: &[String], destination: &str) -> bool {
        prefixes.iter().any(|p| destination.starts_with(p.as_str()))
    }

    /// Processes every event `id`'s session has ready.
    fn pump(&mut self, id: ConnectionId) {
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

    /// Routes a published message to its topic or queue.
    fn route(
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
    fn dispatch(&mut self, destination: &str) {
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
    fn acknowledge(&mut self, id: ConnectionId, sub_id: &str, message_id: &str, ack: bool) {
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
    fn unsubscribe(&mut self, id: ConnectionId, sub_id: &str) {
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
    fn end(&mut self, id: ConnectionId, error: Option<SessionError>, report: bool) {
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
    fn settle(&mut self) {
        while let Some((id, error)) = self.doomed.pop() {
            self.end(id, error, true);
        }
    }
}

const QUEUE_FULL: Refusal = "queue full";
