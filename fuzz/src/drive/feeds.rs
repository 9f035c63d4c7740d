//! How a run hands its data steps to the engine ([`Feed`](super::Feed)): `receive_data`,
//! reads into the engine's buffer, or whole frames taken straight from the reads.

use sansocket::Event;
use sansocket::advanced::ConnectionExt;

use super::Driver;

impl Driver<'_> {
    pub(super) fn receive(&mut self, bytes: &[u8]) {
        self.conn.receive_data(bytes);
        self.max_chunk = self.max_chunk.max(bytes.len());
        self.check_input_bound(false);
        self.drain();
    }

    /// `bytes` in reads of sizes drawn from `seed` (one read when it is 0),
    /// each handed over as [`Feed::WholeFrames`] says (whole frames, then the pieces of a
    /// binary frame straddling reads, then the engine), events drained after each read.
    pub(super) fn whole_frames(&mut self, mut bytes: &[u8], seed: &mut u64) {
        use sansocket::advanced::ConnectionExt;
        use sansocket::{MessageKind, Utf8Bytes};
        let chunks = self.s.config.delivery == sansocket::Delivery::Chunks;
        while !bytes.is_empty() {
            let n = next_read(seed, bytes.len()).min(bytes.len());
            let mut read = &bytes[..n];
            bytes = &bytes[n..];
            self.max_chunk = self.max_chunk.max(n);
            loop {
                let mut made = Vec::new();
                let taken = self.conn.receive_whole_frames(read, |kind, payload, mask| {
                    let mut plain = payload.to_vec();
                    if let Some(key) = mask {
                        sansocket::mask::apply_mask(&mut plain, key, 0);
                    }
                    let data = bytes::Bytes::from(plain);
                    let event = match kind {
                        _ if chunks => Event::Chunk {
                            kind,
                            data,
                            fin: true,
                        },
                        MessageKind::Text => match Utf8Bytes::from_utf8(data) {
                            Ok(text) => Event::Text(text),
                            Err(_) => return false,
                        },
                        MessageKind::Binary => Event::Binary(data),
                    };
                    if let Event::Chunk {
                        kind: MessageKind::Text,
                        data,
                        ..
                    } = &event
                        && std::str::from_utf8(data).is_err()
                    {
                        return false;
                    }
                    made.push(event);
                    true
                });
                read = &read[taken..];
                for event in made {
                    self.on_event(event, &[]);
                }
                if let Some(piece) = self.conn.receive_frame_piece(read) {
                    // A frame straddling reads: its pieces unmasked into the host's message.
                    assert_eq!(piece.is_first(), self.piece.is_none(), "first piece");
                    assert!(
                        piece.taken <= read.len()
                            && piece.offset + piece.payload.len() <= piece.len
                    );
                    let message = self.piece.get_or_insert_with(|| vec![0; piece.len]);
                    let to = &mut message[piece.offset..piece.offset + piece.payload.len()];
                    to.copy_from_slice(piece.payload);
                    if let Some(key) = piece.mask {
                        sansocket::mask::apply_mask(to, key, piece.offset % 4);
                    }
                    read = &read[piece.taken..];
                    if !piece.is_last() {
                        assert!(
                            read.is_empty(),
                            "a piece short of its frame's end takes the read"
                        );
                        break;
                    }
                    let data = bytes::Bytes::from(self.piece.take().unwrap_or_default());
                    let event = match piece.kind {
                        kind if chunks => Event::Chunk {
                            kind,
                            data,
                            fin: true,
                        },
                        MessageKind::Binary => Event::Binary(data),
                        MessageKind::Text => unreachable!("text is not taken in pieces"),
                    };
                    self.on_event(event, &[]);
                    continue;
                }
                let Some(rest) = self.conn.frame_rest().filter(|&r| r <= read.len()) else {
                    break;
                };
                assert!(rest > 0, "frame_rest of nothing");
                self.conn.receive_data(&read[..rest]);
                read = &read[rest..];
                self.drain();
            }
            self.conn.receive_data(read);
            self.check_input_bound(false);
            self.drain();
        }
    }

    /// `bytes` read into the engine's buffer, in reads of the room offered (`seed` 0) or of
    /// sizes drawn from `seed`, draining events after each read.
    pub(super) fn read_into(&mut self, mut bytes: &[u8], seed: &mut u64) {
        loop {
            let mut buf = self.conn.take_read_buffer();
            let len = buf.len();
            let room = buf.capacity() - len;
            assert!(room > 0, "a read buffer with no room");
            let cap = next_read(seed, room);
            let n = cap.min(bytes.len());
            buf.extend_from_slice(&bytes[..n]);
            assert_eq!(&buf[len..], &bytes[..n]);
            bytes = &bytes[n..];
            self.conn
                .give_read_buffer(buf)
                .expect("the buffer taken, appended to");
            self.max_chunk = self.max_chunk.max(n);
            self.check_input_bound(false);
            self.drain();
            if bytes.is_empty() {
                return;
            }
        }
    }
}

/// The size of the next read, given `room` (at least 1): `room` with seed 0, else drawn from
/// `seed` (xorshift64): often small (up to 16 bytes, which may exceed `room`), sometimes
/// the whole room.
fn next_read(seed: &mut u64, room: usize) -> usize {
    if *seed == 0 {
        return room;
    }
    *seed ^= *seed << 13;
    *seed ^= *seed >> 7;
    *seed ^= *seed << 17;
    match *seed % 4 {
        0 => room,
        1 => 1 + (*seed >> 8) as usize % 16,
        _ => 1 + (*seed >> 8) as usize % room,
    }
}
