//! Receiving compressed messages (RFC 7692 §6, §7.2.2): inflated as they arrive, within
//! the message limit and, when streaming, a bounded chunk at a time.

use bytes::{Buf, Bytes};

use super::{Frame, Receiver, finish, message_event};
use crate::config::Delivery;
use crate::deflate::Inflated;
use crate::error::ProtocolError;
use crate::event::{Event, MessageKind};

/// Most bytes one chunk of a compressed message inflates to ([`Delivery::Chunks`]): a few
/// compressed bytes can stand for megabytes, and a streaming host must get them in pieces.
const INFLATE_CHUNK: usize = 64 << 10;

impl Receiver {
    /// A compressed message (RFC 7692 §7.2.2): inflate what has arrived at once, so a bomb
    /// fails as soon as it passes the size limit and bad text as soon as it inflates. With
    /// [`Delivery::Chunks`] a chunk holds at most [`INFLATE_CHUNK`] bytes: the compressed
    /// bytes not inflated yet stay in the buffer (already unmasked) for the next call.
    pub(super) fn compressed(
        &mut self,
        mut frame: Frame,
        complete: bool,
        available: usize,
    ) -> Result<Option<Event>, ProtocolError> {
        let (Some(message), Some(inflater)) = (self.message.as_mut(), self.inflater.as_mut())
        else {
            return Ok(None);
        };
        let start = message.plain.len();
        let room = usize::try_from(self.max_message.saturating_sub(message.inflated))
            .unwrap_or(usize::MAX);
        let limit = start.saturating_add(room);
        let cap = match self.delivery {
            Delivery::Messages => usize::MAX,
            // (what it starts with is at most an unfinished character)
            Delivery::Chunks => INFLATE_CHUNK.max(start + 4),
        };
        // On an error the inflater keeps what inflated before it: its text is checked
        // first, so the error reported does not depend on how the message was read.
        let mut inflated = inflater.inflate(&self.buf[..available], &mut message.plain, limit, cap);
        let step = *inflated.as_ref().unwrap_or(&Inflated {
            used: available,
            full: false,
        });
        self.buf.advance(step.used);
        frame.remaining -= step.used as u64;
        frame.ready = available - step.used;
        frame.unmasked = frame.ready;
        let done = complete && step.used == available && !step.full;
        if !done {
            self.frame = Some(frame);
        }
        let fin = done && frame.header.fin;
        if fin && inflated.is_ok() {
            inflated = inflater.finish(&mut message.plain, limit).map(|()| step);
        }
        message.inflated += (message.plain.len() - start) as u64;
        if message.kind == MessageKind::Text {
            message
                .utf8
                .feed(&message.plain[start..])
                .map_err(|_| ProtocolError::InvalidUtf8)?;
        }
        inflated?;
        let kind = message.kind;
        let data = match self.delivery {
            Delivery::Messages if !fin => return Ok(None),
            Delivery::Messages => Bytes::from(std::mem::take(&mut message.plain)),
            Delivery::Chunks => {
                // The unfinished character (at most 3 bytes) starts the next chunk.
                let cut = message.plain.len() - message.utf8.partial().len();
                let rest = message.plain[cut..].to_vec();
                message.plain.truncate(cut);
                Bytes::from(std::mem::replace(&mut message.plain, rest))
            }
        };
        if fin {
            if let Some(message) = self.message.take() {
                finish(kind, &message.utf8)?;
            }
        } else if data.is_empty() {
            return Ok(None);
        }
        Ok(Some(match self.delivery {
            Delivery::Messages => message_event(kind, data),
            Delivery::Chunks => Event::Chunk { kind, data, fin },
        }))
    }
}
