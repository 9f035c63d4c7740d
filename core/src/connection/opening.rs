//! The opening handshake as the connection drives it (RFC 6455 §4): where it is, the
//! server's `accept`/`reject`, and the switch to frames (with permessage-deflate when it was
//! agreed). Parsing and building the HTTP heads is [`crate::handshake`]'s.

use super::Connection;
#[cfg(feature = "deflate")]
use super::Role;
#[cfg(feature = "deflate")]
use crate::deflate::{self, DeflateParams, Deflater, Inflater};
use crate::error::{Error, HandshakeError, UsageError};
use crate::event::Event;
use crate::handshake::{
    Accept, ClientHandshake, ClientOutcome, Request, ServerHandshake, accept_response,
    error_response, reject_response,
};

/// Where the opening handshake is.
#[derive(Debug)]
pub(super) enum Handshake {
    /// Server: reading the request.
    Server(ServerHandshake),
    /// Server: the request was reported; waiting for `accept` or `reject`.
    Pending(Box<Request>),
    /// Client: reading the response.
    Client(Box<ClientHandshake>),
    /// Finished (or never needed).
    Done,
}

/// # Actions: the server's answer to the handshake
///
/// A server's reply to [`Event::Request`](crate::Event::Request): one of the two, once.
impl Connection {
    /// Server: accept the pending request; queues the `101` response. Frames that arrived
    /// with the request are decoded from now on.
    pub fn accept(&mut self, accept: Accept) -> Result<(), UsageError> {
        let Handshake::Pending(request) = &self.handshake else {
            return Err(UsageError::NoPendingRequest);
        };
        if !request.is_upgrade() {
            return Err(UsageError::InvalidState(
                "accept: a plain HTTP request (Config::plain_http) is answered with reject",
            ));
        }
        #[cfg(feature = "deflate")]
        let deflate = self
            .config
            .deflate
            .as_ref()
            .filter(|_| !accept.decline_deflate)
            .and_then(|cfg| deflate::server_negotiate(&request.extensions, cfg));
        #[cfg(feature = "deflate")]
        let extension = deflate.map(|params| params.header_value());
        #[cfg(not(feature = "deflate"))]
        let extension: Option<String> = None;
        let response = accept_response(request, &accept, extension.as_deref())?;
        self.sender.raw(&response);
        self.subprotocol = accept.subprotocol;
        self.handshake = Handshake::Done;
        self.life.opened();
        #[cfg(feature = "deflate")]
        if let Some(params) = deflate {
            self.enable_deflate(params);
        }
        Ok(())
    }

    /// Server: refuse the pending request with an HTTP status (not 101), extra headers and a
    /// body; `Content-Length` and `Connection: close` are added. Close the transport after
    /// writing it. This is also how a plain HTTP request ([`Config::plain_http`](crate::Config::plain_http)) is
    /// answered, with any status (`200` and a page).
    pub fn reject(
        &mut self,
        status: u16,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> Result<(), UsageError> {
        if !matches!(self.handshake, Handshake::Pending(_)) {
            return Err(UsageError::NoPendingRequest);
        }
        let response = reject_response(status, headers, body)?;
        self.sender.raw(&response);
        self.handshake = Handshake::Done;
        self.life.refused();
        Ok(())
    }

    /// The handshake failed on our side's checks: nothing to send, the connection is over.
    #[cfg(feature = "deflate")]
    pub(super) fn refuse(&mut self, error: HandshakeError) -> Error {
        self.handshake = Handshake::Done;
        self.life.refused();
        Error::Handshake(error)
    }

    /// Switches permessage-deflate on with the agreed parameters.
    #[cfg(feature = "deflate")]
    pub(super) fn enable_deflate(&mut self, params: DeflateParams) {
        let cfg = self.config.deflate.clone().unwrap_or_default();
        let (ours, peer) = match self.role {
            Role::Server => (Role::Server, Role::Client),
            Role::Client => (Role::Client, Role::Server),
        };
        let bits = cfg.max_window_bits.min(params.max_window_bits(ours));
        self.sender.enable_deflate(
            Deflater::new(cfg.level, bits)
                .with_no_context_takeover(params.no_context_takeover(ours))
                .with_min_size(cfg.min_size)
                .with_low_memory(cfg.low_memory),
        );
        self.receiver.enable_inflate(
            Inflater::new(params.max_window_bits(peer))
                .with_no_context_takeover(params.no_context_takeover(peer)),
        );
        self.deflate = Some(params);
    }

    /// Reads the HTTP request (server) or response (client) as it arrives.
    pub(super) fn poll_handshake(&mut self) -> Result<Option<Event>, Error> {
        let eof = self.life.has_eof();
        let config = &self.config;
        let buf = &mut self.receiver.buf;
        let result = match &mut self.handshake {
            Handshake::Server(hs) => match hs.poll(buf, config) {
                Ok(Some(request)) => {
                    // Bytes read with the request's end count against the same limit as
                    // those read later (see `receive_data`), whatever the reads were.
                    if buf.len() > config.max_handshake_size {
                        buf.truncate(config.max_handshake_size);
                        self.early_overflow = true;
                    }
                    let event = Event::Request(Box::new(request.clone()));
                    self.handshake = Handshake::Pending(Box::new(request));
                    return Ok(Some(event));
                }
                Ok(None) if eof => Err(HandshakeError::ConnectionClosed),
                Ok(None) => return Ok(None),
                Err(e) => {
                    self.sender.raw(&error_response(&e));
                    Err(e)
                }
            },
            Handshake::Client(hs) => match hs.poll(buf, config, eof) {
                Ok(Some(ClientOutcome::Accepted(response))) => {
                    // Without the feature nothing was offered, and the handshake refuses
                    // an extension that was not offered.
                    #[cfg(feature = "deflate")]
                    {
                        let cfg = self.config.deflate.clone().unwrap_or_default();
                        let mut answers = response
                            .extensions
                            .iter()
                            .filter(|e| e.name.eq_ignore_ascii_case(deflate::EXTENSION_NAME));
                        let params = match (answers.next(), answers.next()) {
                            (None, _) => None,
                            (Some(answer), None) => match deflate::client_accept(answer, &cfg) {
                                Ok(params) => Some(params),
                                Err(e) => return Err(self.refuse(e)),
                            },
                            (Some(_), Some(second)) => {
                                return Err(self.refuse(HandshakeError::UnexpectedExtension(
                                    second.to_string(),
                                )));
                            }
                        };
                        if let Some(params) = params {
                            self.enable_deflate(params);
                        }
                    }
                    self.subprotocol = response.subprotocol.clone();
                    self.handshake = Handshake::Done;
                    self.life.opened();
                    return Ok(Some(Event::Accepted(Box::new(response))));
                }
                Ok(Some(ClientOutcome::Rejected(rejection))) => {
                    self.handshake = Handshake::Done;
                    self.life.refused();
                    return Ok(Some(Event::Rejected(Box::new(rejection))));
                }
                Ok(None) => return Ok(None),
                Err(e) => Err(e),
            },
            Handshake::Pending(_) | Handshake::Done => return Ok(None),
        };
        self.handshake = Handshake::Done;
        self.life.refused();
        result.map_err(Error::Handshake)
    }
}
