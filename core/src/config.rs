//! Limits and behaviour switches. Every limit is on by default.

/// How data messages are delivered.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Delivery {
    /// Whole messages: [`Event::Text`](crate::Event::Text) and
    /// [`Event::Binary`](crate::Event::Binary), fragments reassembled (the default).
    #[default]
    Messages,
    /// Pieces as they arrive: [`Event::Chunk`](crate::Event::Chunk) with a
    /// `fin` flag on the last one, so a host can relay a message of any size without
    /// buffering it. Text chunks always end on a character boundary. A chunk holds what
    /// arrived of one frame, or (a compressed message) at most 64 KiB of inflated bytes:
    /// a few compressed bytes that stand for megabytes come out in many chunks, decoded
    /// one `next_event` call at a time, so memory stays bounded whatever the limits. The
    /// last chunk (`fin`) may be empty.
    Chunks,
}

#[cfg(feature = "deflate")]
use crate::deflate::DeflateConfig;

/// Configuration shared by both roles: limits and behaviour switches, every limit on by
/// default.
///
/// Start from [`Config::default()`] and change what you need with the by-value setters,
/// named after the fields (new options can then be added without breaking your code):
///
/// ```
/// use sansocket::{Config, Delivery};
///
/// let config = Config::default()
///     .max_message_size(64 << 20)
///     .delivery(Delivery::Chunks);
/// assert_eq!(config.max_message_size, 64 << 20);
/// ```
///
/// The fields stay readable (and writable on a `Config` you hold).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Config {
    /// Largest frame payload accepted (default 16 MiB); bigger fails with 1009.
    pub max_frame_size: usize,
    /// Largest message accepted, all fragments together (default 16 MiB); bigger fails with
    /// 1009 as soon as a frame header announces it. In [`Delivery::Chunks`] nothing is
    /// buffered, so this may be raised freely.
    pub max_message_size: usize,
    /// Most frames in one message (default 131 072): bounds floods of tiny or empty
    /// fragments while passing Autobahn 9.3/9.4 (4 MiB in 64-byte fragments); fails with 1009.
    pub max_fragments: usize,
    /// Largest HTTP head of the handshake, request or response (default 16 KiB); the server
    /// answers 431. Also the most bytes a server keeps that arrived behind the request
    /// before `accept` (RFC 6455 §4.1: clients wait for the `101`); past that the
    /// connection fails with 1008 once accepted.
    pub max_handshake_size: usize,
    /// Most header lines in the HTTP head (default 128); the server answers 431.
    pub max_headers: usize,
    /// Client: most bytes of a rejection's body kept (default 64 KiB); the rest is dropped.
    pub max_rejection_body: usize,
    /// Answer pings with pongs automatically (default `true`).
    pub auto_pong: bool,
    /// Reply to the peer's close frame automatically, echoing its code (default `true`).
    /// With `false` the engine queues nothing: the state stays [`State::Closing`] and the
    /// application replies with [`Connection::close`] (any code and reason, e.g. echoing
    /// both, as wsproto's `CloseConnection.response()` does), after which it is `Closed`.
    ///
    /// [`State::Closing`]: crate::State::Closing
    /// [`Connection::close`]: crate::Connection::close
    pub auto_close_reply: bool,
    /// Whole messages or chunks.
    pub delivery: Delivery,
    /// Server: if set, only these `Origin` values are accepted, others get 403.
    /// Compared ASCII-case-insensitively. A request without `Origin` (not a browser) is
    /// accepted unless [`Config::require_origin`] is set.
    pub allowed_origins: Option<Vec<String>>,
    /// Server: with `allowed_origins` set, also refuse requests that carry no `Origin`.
    pub require_origin: bool,
    /// permessage-deflate (RFC 7692): `None` (the default) neither offers nor accepts it
    /// (cargo feature `deflate`, on by default).
    /// Compression is opt-in, as on `ws` servers: it costs CPU, latency and memory per
    /// compressing connection (allocated on the first compressed message, not before).
    #[cfg(feature = "deflate")]
    pub deflate: Option<DeflateConfig>,
    /// Server: deliver a `GET` without an `Upgrade` header (a browser asking for a page) as
    /// an [`Event::Request`](crate::Event::Request) whose
    /// [`is_upgrade`](crate::Request::is_upgrade) is `false`, instead of answering `426`
    /// (default `false`). The host answers it with
    /// [`reject`](crate::Connection::reject) (any status but 101, for example
    /// `200` with a page), so one port serves both the page and the WebSocket; `accept`
    /// refuses it. The `Host` header and every limit are checked as for an upgrade.
    pub plain_http: bool,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            max_frame_size: 16 << 20,
            max_message_size: 16 << 20,
            max_fragments: 1 << 17,
            max_handshake_size: 16 << 10,
            max_headers: 128,
            max_rejection_body: 64 << 10,
            auto_pong: true,
            auto_close_reply: true,
            delivery: Delivery::Messages,
            allowed_origins: None,
            require_origin: false,
            #[cfg(feature = "deflate")]
            deflate: None,
            plain_http: false,
        }
    }
}

/// By-value setters, one per field, for `Config::default().max_message_size(…)`.
macro_rules! setters {
    ($($(#[$doc:meta])* $name:ident: $ty:ty;)*) => {
        $(
            $(#[$doc])*
            #[must_use]
            pub fn $name(mut self, value: $ty) -> Self {
                self.$name = value;
                self
            }
        )*
    };
}
#[cfg_attr(not(feature = "deflate"), allow(unused_imports))] // used by `deflate` only
pub(crate) use setters;

impl Config {
    setters! {
        /// Sets [`max_frame_size`](Self::max_frame_size).
        max_frame_size: usize;
        /// Sets [`max_message_size`](Self::max_message_size).
        max_message_size: usize;
        /// Sets [`max_fragments`](Self::max_fragments).
        max_fragments: usize;
        /// Sets [`max_handshake_size`](Self::max_handshake_size).
        max_handshake_size: usize;
        /// Sets [`max_headers`](Self::max_headers).
        max_headers: usize;
        /// Sets [`max_rejection_body`](Self::max_rejection_body).
        max_rejection_body: usize;
        /// Sets [`auto_pong`](Self::auto_pong).
        auto_pong: bool;
        /// Sets [`auto_close_reply`](Self::auto_close_reply).
        auto_close_reply: bool;
        /// Sets [`delivery`](Self::delivery).
        delivery: Delivery;
        /// Sets [`allowed_origins`](Self::allowed_origins).
        allowed_origins: Option<Vec<String>>;
        /// Sets [`require_origin`](Self::require_origin).
        require_origin: bool;
        /// Sets [`plain_http`](Self::plain_http).
        plain_http: bool;
        #[cfg(feature = "deflate")]
        /// Sets [`deflate`](Self::deflate): `Some(DeflateConfig::default())` offers (client)
        /// or accepts (server) permessage-deflate.
        deflate: Option<DeflateConfig>;
    }
}
