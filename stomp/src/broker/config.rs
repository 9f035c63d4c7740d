//! Settings of the broker and the per-connection permissions.

use crate::ServerConfig;

/// Settings of a [`Broker`](crate::Broker).
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct BrokerConfig {
    /// Settings of each connection's [`ServerSession`](crate::ServerSession) (its
    /// `max_version` is further capped per connection by [`Broker::open`](crate::Broker::open)).
    pub server: ServerConfig,
    /// Destinations starting with one of these fan out to every subscriber (default
    /// `["/topic/"]`). A message with no subscriber is dropped.
    pub topic_prefixes: Vec<String>,
    /// Destinations starting with one of these are queues: each message goes to one
    /// subscriber, round robin; messages wait for a subscriber; unacknowledged ones are
    /// redelivered after NACK, UNSUBSCRIBE or disconnect (default `["/queue/"]`).
    pub queue_prefixes: Vec<String>,
    /// Destinations starting with one of these belong to the application (Spring's
    /// `/app`): a SEND there becomes [`BrokerEvent::AppMessage`](crate::BrokerEvent::AppMessage)
    /// (default none). SUBSCRIBE to them is refused. Any destination matching no prefix is
    /// refused with an ERROR.
    pub app_prefixes: Vec<String>,
    /// Ask the application about each CONNECT with
    /// [`BrokerEvent::Authenticate`](crate::BrokerEvent::Authenticate) (default `false`:
    /// every CONNECT is accepted with [`Grants::all`]).
    pub authenticate: bool,
    /// Most bytes queued for one connection and not yet taken by `data_to_send` (default
    /// 1 MiB). **Slow consumers:** a queue message is not given to a subscriber without
    /// room; it waits in the queue (for another subscriber, or until this one's bytes are
    /// taken). A topic message that would pass the bound closes that connection with an
    /// ERROR (`message:slow consumer`), and its unacknowledged queue messages go to other
    /// subscribers. So the broker never grows without bound because a client does not read.
    pub max_outgoing: usize,
    /// Most messages waiting in one queue (default 10,000). A SEND past it gets an ERROR
    /// (`message:queue full`), an application `publish` a [`UsageError::QueueFull`](crate::UsageError).
    pub max_queue_depth: usize,
    /// Most messages delivered and not acknowledged per subscription in the `client`
    /// and `client-individual` modes (default 1,000): further messages wait in the queue
    /// (for a topic, they are not delivered to it).
    pub max_unacked: usize,
    /// Most subscriptions one connection may hold (default 1,024); one more gets an ERROR.
    pub max_subscriptions: usize,
    /// Most SEND/ACK/NACK frames one connection may hold in open transactions (default
    /// 1,000); one more gets an ERROR.
    pub max_transaction_frames: usize,
    /// Most queues holding messages or subscribers at once (default 10,000): a SEND that
    /// would create one more gets an ERROR (`message:too many queues`).
    pub max_queues: usize,
}

impl Default for BrokerConfig {
    fn default() -> Self {
        Self {
            server: ServerConfig::default(),
            topic_prefixes: vec!["/topic/".to_owned()],
            queue_prefixes: vec!["/queue/".to_owned()],
            app_prefixes: Vec::new(),
            authenticate: false,
            max_outgoing: 1024 * 1024,
            max_queue_depth: 10_000,
            max_unacked: 1_000,
            max_subscriptions: 1024,
            max_transaction_frames: 1000,
            max_queues: 10_000,
        }
    }
}

impl BrokerConfig {
    crate::setters::setters! {
        /// Sets [`BrokerConfig::server`].
        server: ServerConfig;
        /// Sets [`BrokerConfig::topic_prefixes`].
        topic_prefixes: Vec<String>;
        /// Sets [`BrokerConfig::queue_prefixes`].
        queue_prefixes: Vec<String>;
        /// Sets [`BrokerConfig::app_prefixes`].
        app_prefixes: Vec<String>;
        /// Sets [`BrokerConfig::authenticate`].
        const authenticate: bool;
        /// Sets [`BrokerConfig::max_outgoing`].
        const max_outgoing: usize;
        /// Sets [`BrokerConfig::max_queue_depth`].
        const max_queue_depth: usize;
        /// Sets [`BrokerConfig::max_unacked`].
        const max_unacked: usize;
        /// Sets [`BrokerConfig::max_subscriptions`].
        const max_subscriptions: usize;
        /// Sets [`BrokerConfig::max_transaction_frames`].
        const max_transaction_frames: usize;
        /// Sets [`BrokerConfig::max_queues`].
        const max_queues: usize;
    }
}

/// What an accepted connection may do: a decision table the broker applies to every
/// SEND and SUBSCRIBE, so no callback into the application is needed per frame.
/// `None` allows every destination; `Some(prefixes)` only destinations starting with one
/// of them (an empty list allows none). A refused frame gets an ERROR
/// (`message:not authorised`) and the connection is closed.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct Grants {
    /// Where SEND is allowed.
    pub send: Option<Vec<String>>,
    /// Where SUBSCRIBE is allowed.
    pub subscribe: Option<Vec<String>>,
}

impl Grants {
    /// Everything allowed.
    #[must_use]
    pub const fn all() -> Self {
        Self {
            send: None,
            subscribe: None,
        }
    }

    /// Restricts SEND to destinations starting with one of `prefixes`.
    #[must_use]
    pub fn send_only(mut self, prefixes: Vec<String>) -> Self {
        self.send = Some(prefixes);
        self
    }

    /// Restricts SUBSCRIBE to destinations starting with one of `prefixes`.
    #[must_use]
    pub fn subscribe_only(mut self, prefixes: Vec<String>) -> Self {
        self.subscribe = Some(prefixes);
        self
    }

    pub(crate) fn may_send(&self, destination: &str) -> bool {
        allowed(self.send.as_deref(), destination)
    }

    pub(crate) fn may_subscribe(&self, destination: &str) -> bool {
        allowed(self.subscribe.as_deref(), destination)
    }
}

fn allowed(prefixes: Option<&[String]>, destination: &str) -> bool {
    prefixes.is_none_or(|p| p.iter().any(|p| destination.starts_with(p.as_str())))
}
