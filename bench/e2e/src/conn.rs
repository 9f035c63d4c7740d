//! One client connection: the handshake, a send buffer, and a streaming check of the echoes
//! (each payload chunk compared with what was sent as it arrives, nothing buffered).

use std::io::{self, Read, Write};
use std::time::Instant;

use mio::net::TcpStream;

use crate::frame::{self, Message};

/// Bytes read per `read` call, at most (an idle connection gets the least).
const READ_BUF: (usize, usize) = (16 << 10, 256 << 10);
/// The largest handshake response head accepted.
const MAX_HEAD: usize = 16 << 10;

/// What a connection saw in one [`Conn::on_readable`] call.
#[derive(Default)]
pub(crate) struct Progress {
    /// Echoes completed (each checked).
    pub(crate) echoes: usize,
    /// The peer closed the TCP connection.
    pub(crate) eof: bool,
}

/// A client connection to the echo server.
pub(crate) struct Conn {
    pub(crate) stream: TcpStream,
    pub(crate) open: bool,
    /// The server is a plain byte echo (the host's floor): the echoes are the client's own
    /// masked frames.
    pub(crate) floor: bool,
    out: Vec<u8>,
    out_pos: usize,
    buf: Vec<u8>,
    buf_len: usize,
    /// Sequence numbers: next to send and next echo expected.
    pub(crate) next_send: u64,
    next_recv: u64,
    /// When each message in flight was queued (ring indexed by sequence number).
    sent_at: Vec<Instant>,
    /// The data frame being read: payload bytes left, FIN, and the offset in the message.
    frame_left: usize,
    frame_fin: bool,
    in_message: bool,
    msg_off: usize,
}

impl Conn {
    /// A connection whose handshake request is queued; `window` messages may be in flight.
    pub(crate) fn new(stream: TcpStream, host: &str, window: usize, msg_size: usize) -> Conn {
        let mut out = Vec::with_capacity(window * (msg_size + 14) + 4096);
        out.extend_from_slice(&frame::request(host));
        Conn {
            stream,
            open: false,
            floor: false,
            out,
            out_pos: 0,
            buf: vec![0; (window * (msg_size + 14)).clamp(READ_BUF.0, READ_BUF.1)],
            buf_len: 0,
            next_send: 0,
            next_recv: 0,
            sent_at: vec![Instant::now(); window.max(1)],
            frame_left: 0,
            frame_fin: false,
            in_message: false,
            msg_off: 0,
        }
    }

    /// Messages sent and not yet echoed.
    pub(crate) fn in_flight(&self) -> u64 {
        self.next_send - self.next_recv
    }

    /// Queues the next message (the caller keeps within the window).
    pub(crate) fn queue(&mut self, msg: &Message, now: Instant) {
        if self.out_pos > 0 && self.out_pos == self.out.len() {
            self.out.clear();
            self.out_pos = 0;
        }
        msg.put(&mut self.out, self.next_send);
        let ring = self.sent_at.len() as u64;
        self.sent_at[(self.next_send % ring) as usize] = now;
        self.next_send += 1;
    }

    /// Writes what it can of the send buffer.
    pub(crate) fn flush(&mut self) -> io::Result<()> {
        while self.out_pos < self.out.len() {
            match self.stream.write(&self.out[self.out_pos..]) {
                Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
                Ok(n) => self.out_pos += n,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        if self.out_pos == self.out.len() {
            self.out.clear();
            self.out_pos = 0;
        } else if self.out_pos > self.out.len() / 2 {
            self.out.drain(..self.out_pos);
            self.out_pos = 0;
        }
        Ok(())
    }

    /// Reads until the socket is drained, checks every echo against `msg` and records the
    /// latency of each complete one in `latencies` (nanoseconds, while it has room).
    pub(crate) fn on_readable(
        &mut self,
        msg: Option<&Message>,
        latencies: &mut Vec<u32>,
    ) -> Result<Progress, String> {
        let mut progress = Progress::default();
        loop {
            let room = self.buf.len() - self.buf_len;
            let n = match self.stream.read(&mut self.buf[self.buf_len..]) {
                Ok(0) => {
                    progress.eof = true;
                    return Ok(progress);
                }
                Ok(n) => n,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Ok(progress),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(format!("read: {e}")),
            };
            self.buf_len += n;
            let used = if self.open {
                self.on_frames(msg, latencies, &mut progress)?
            } else {
                self.on_head()?
            };
            self.buf.copy_within(used..self.buf_len, 0);
            self.buf_len -= used;
            if n < room {
                // The socket had no more: a new edge comes with the next bytes.
                return Ok(progress);
            }
        }
    }

    /// The handshake response: bytes consumed (0 until the head is complete).
    fn on_head(&mut self) -> Result<usize, String> {
        let data = &self.buf[..self.buf_len];
        match data.windows(4).position(|w| w == b"\r\n\r\n") {
            Some(end) => {
                frame::check_response(&data[..end + 4])?;
                self.open = true;
                Ok(end + 4)
            }
            None if data.len() > MAX_HEAD => Err("handshake response head too long".into()),
            None => Ok(0),
        }
    }

    /// Parses and checks server frames in the read buffer: bytes consumed.
    fn on_frames(
        &mut self,
        msg: Option<&Message>,
        latencies: &mut Vec<u32>,
        progress: &mut Progress,
    ) -> Result<usize, String> {
        let mut pos = 0;
        while pos < self.buf_len {
            if self.frame_left > 0 {
                let msg = msg.ok_or("data frame on an idle connection")?;
                let n = self.frame_left.min(self.buf_len - pos);
                let chunk = &self.buf[pos..pos + n];
                let same = if self.floor {
                    msg.matches_masked(self.next_recv, self.msg_off, chunk)
                } else {
                    msg.matches(self.next_recv, self.msg_off, chunk)
                };
                if !same {
                    return Err(format!(
                        "echo {} differs from the message sent (at byte {})",
                        self.next_recv, self.msg_off
                    ));
                }
                pos += n;
                self.msg_off += n;
                self.frame_left -= n;
                if self.frame_left == 0 && self.frame_fin {
                    self.message_done(msg, latencies)?;
                    progress.echoes += 1;
                }
                continue;
            }
            let Some(h) = frame::parse_header(&self.buf[pos..self.buf_len], self.floor)? else {
                break;
            };
            match h.opcode {
                frame::OP_PING | frame::OP_PONG | frame::OP_CLOSE => {
                    if h.len > 125 || !h.fin {
                        return Err("bad control frame from the server".into());
                    }
                    if self.buf_len - pos < h.size + h.len {
                        break;
                    }
                    let payload = pos + h.size..pos + h.size + h.len;
                    match h.opcode {
                        frame::OP_PING => {
                            let pong = self.buf[payload.clone()].to_vec();
                            frame::put_masked(&mut self.out, frame::OP_PONG, &pong);
                        }
                        frame::OP_CLOSE => return Err("the server sent a close frame".into()),
                        _ => {}
                    }
                    pos = payload.end;
                }
                op => {
                    let msg = msg.ok_or("data frame on an idle connection")?;
                    let expected = if self.in_message {
                        frame::OP_CONT
                    } else {
                        msg.opcode
                    };
                    if op != expected {
                        return Err(format!(
                            "echo {}: opcode {op:#x}, expected {expected:#x}",
                            self.next_recv
                        ));
                    }
                    if self.in_flight() == 0 {
                        return Err("an echo of no message sent".into());
                    }
                    if self.msg_off + h.len > msg.payload.len() {
                        return Err(format!(
                            "echo {} longer than the message sent",
                            self.next_recv
                        ));
                    }
                    self.in_message = true;
                    self.frame_left = h.len;
                    self.frame_fin = h.fin;
                    pos += h.size;
                    if h.len == 0 && h.fin {
                        self.message_done(msg, latencies)?;
                        progress.echoes += 1;
                    }
                }
            }
        }
        Ok(pos)
    }

    fn message_done(&mut self, msg: &Message, latencies: &mut Vec<u32>) -> Result<(), String> {
        if self.msg_off != msg.payload.len() {
            return Err(format!(
                "echo {} shorter than the message sent",
                self.next_recv
            ));
        }
        let ring = self.sent_at.len() as u64;
        let sent = self.sent_at[(self.next_recv % ring) as usize];
        if latencies.len() < latencies.capacity() {
            latencies.push(u32::try_from(sent.elapsed().as_nanos()).unwrap_or(u32::MAX));
        }
        self.next_recv += 1;
        self.in_message = false;
        self.msg_off = 0;
        Ok(())
    }
}
