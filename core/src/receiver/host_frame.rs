//! A frame whose payload the host takes itself, piece by piece, straight from its reads
//! ([`ConnectionExt::receive_frame_piece`](crate::advanced::ConnectionExt::receive_frame_piece)):
//! the receiver only decodes its header and counts its bytes.

use bytes::BytesMut;

use super::scan::Simple;
use super::{Receiver, room_for};
use crate::advanced::FramePiece;
use crate::event::MessageKind;

/// The frame with the host: its payload length, the bytes of it handed out so far, its
/// mask key, and the bytes given to `receive_data` meanwhile (decoded after it).
#[derive(Debug)]
pub(crate) struct HostFrame {
    kind: MessageKind,
    len: usize,
    done: usize,
    key: Option<[u8; 4]>,
    meanwhile: BytesMut,
}

impl Receiver {
    /// Whether a frame is with the host.
    pub(crate) fn has_host_frame(&self) -> bool {
        self.host.is_some()
    }

    /// Bytes received while a frame is with the host: kept for after it.
    pub(crate) fn keep_after_host_frame(&mut self, data: &[u8]) {
        if let Some(host) = self.host.as_mut() {
            host.meanwhile.extend_from_slice(data);
        }
    }

    /// The next piece of the frame with the host: the first `min(rest, data.len())` bytes
    /// of `data`. `None` if no frame is with the host. When the piece finishes the frame,
    /// the receiver is idle again, and the bytes kept meanwhile are returned with it.
    pub(crate) fn host_piece<'a>(&mut self, data: &'a [u8]) -> Option<(FramePiece<'a>, BytesMut)> {
        let host = self.host.as_mut()?;
        let n = (host.len - host.done).min(data.len());
        let piece = FramePiece {
            kind: host.kind,
            len: host.len,
            offset: host.done,
            payload: &data[..n],
            mask: host.key,
            taken: n,
        };
        host.done += n;
        if host.done < host.len {
            return Some((piece, BytesMut::new()));
        }
        let meanwhile = self
            .host
            .take()
            .map(|host| host.meanwhile)
            .unwrap_or_default();
        Some((piece, meanwhile))
    }

    /// At a frame boundary (the caller checks the receiver is idle and the connection
    /// receiving): when `data` starts with the whole header of a binary frame that
    /// [`simple_frame`](Self::simple_frame) would take but whose payload is not all in
    /// `data`, and no bigger than the room the engine would give it by now
    /// ([`room_for`]), the frame goes to the host: its header and the payload bytes
    /// present are taken, and handed out as its first piece.
    pub(crate) fn begin_host_frame<'a>(&mut self, data: &'a [u8]) -> Option<FramePiece<'a>> {
        let Simple::Yes {
            kind: MessageKind::Binary,
            header_len,
            len,
            key,
        } = self.simple_header(data)
        else {
            return None;
        };
        let present = data.len() - header_len;
        if present >= len {
            return None; // whole: `receive_whole_frames` takes it
        }
        if len > room_for(present) {
            // The host makes the whole message's object now: no bigger than the room the
            // engine would give the frame (a header announcing 16 MiB must not make 16 MiB).
            return None;
        }
        self.last_frame = header_len.saturating_add(len);
        let payload = &data[header_len..];
        self.host = Some(Box::new(HostFrame {
            kind: MessageKind::Binary,
            len,
            done: payload.len(),
            key,
            meanwhile: BytesMut::new(),
        }));
        Some(FramePiece {
            kind: MessageKind::Binary,
            len,
            offset: 0,
            payload,
            mask: key,
            taken: data.len(),
        })
    }
}
