//! Memory for idle connections: the server's resident memory after opening N WebSocket
//! connections that send nothing, minus before, per connection.

use std::net::SocketAddr;
use std::thread;
use std::time::{Duration, Instant};

use mio::{Events, Poll};

use crate::load;
use crate::procfs;

/// The figures of one idle run.
pub(crate) struct Idle {
    pub(crate) conns: usize,
    pub(crate) bytes_per_conn: f64,
    pub(crate) seconds_to_open: f64,
}

/// Opens `n` connections (handshakes complete), waits `settle`, reads the server's RSS, and
/// checks that the server kept every connection open.
pub(crate) fn run(
    addr: SocketAddr,
    pid: u32,
    n: usize,
    settle: Duration,
    patience: Duration,
) -> Result<Idle, String> {
    let before = procfs::tree_rss_bytes(pid);
    let mut poll = Poll::new().map_err(|e| format!("poll: {e}"))?;
    let t0 = Instant::now();
    let mut conns = load::open(&mut poll, addr, n, 1, 0, false, patience)?;
    let seconds_to_open = t0.elapsed().as_secs_f64();
    thread::sleep(settle);
    let after = procfs::tree_rss_bytes(pid);
    // Anything readable now is the server closing (or a ping, which idle servers may send).
    let mut events = Events::with_capacity(1024);
    poll.poll(&mut events, Some(Duration::from_millis(10)))
        .map_err(|e| format!("poll: {e}"))?;
    let mut sink = Vec::new();
    for event in &events {
        let conn = &mut conns[event.token().0];
        if event.is_readable() && conn.on_readable(None, &mut sink)?.eof {
            return Err(format!(
                "the server closed idle connection {}",
                event.token().0
            ));
        }
    }
    Ok(Idle {
        conns: n,
        bytes_per_conn: (after as f64 - before as f64) / n as f64,
        seconds_to_open,
    })
}
