//! An in-memory STOMP broker: pure state, the host owns sockets and time.

mod config;
mod delivery;
mod frames;
mod message;

use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};

use bytes::Bytes;

pub use config::{BrokerConfig, Grants};
use message::Stored;

use crate::{AckMode, Frame, ServerConfig, ServerSession, SessionError, UsageError, Version};

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
}

const QUEUE_FULL: Refusal = "queue full";
