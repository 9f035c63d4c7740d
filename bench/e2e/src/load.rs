//! A column: `conns` connections, each with up to `window` messages in flight, for a fixed
//! time after a warm-up; every echo checked, every message in flight drained at the end.

use std::io;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use mio::net::TcpStream;
use mio::{Events, Interest, Poll, Token};

use crate::conn::Conn;
use crate::frame::Message;
use crate::procfs;

/// What a column measures.
pub(crate) struct Column {
    pub(crate) name: &'static str,
    pub(crate) size: usize,
    pub(crate) text: bool,
    pub(crate) conns: usize,
    pub(crate) window: usize,
}

/// A column's figures.
pub(crate) struct Figures {
    pub(crate) messages: u64,
    pub(crate) seconds: f64,
    pub(crate) p50_us: f64,
    pub(crate) p99_us: f64,
    pub(crate) cpu_seconds: f64,
    /// The load client's own CPU seconds over the same time.
    pub(crate) client_cpu_seconds: f64,
}

/// Time limits of a run.
pub(crate) struct Timing {
    pub(crate) warmup: Duration,
    pub(crate) measure: Duration,
    /// For the handshakes, and for the echoes still in flight at the end.
    pub(crate) patience: Duration,
}

/// Handshakes in progress at once while connections open (below the servers' listen backlog).
const HANDSHAKES_AT_ONCE: usize = 64;

/// Opens `n` connections ([`HANDSHAKES_AT_ONCE`] at a time) and registers them with
/// `poll`, tokens `0..n`. Returns once all are open, or fails after `patience`. `floor`: the
/// server is a plain byte echo (see [`Conn::floor`]).
pub(crate) fn open(
    poll: &mut Poll,
    addr: SocketAddr,
    n: usize,
    window: usize,
    msg_size: usize,
    floor: bool,
    patience: Duration,
) -> Result<Vec<Conn>, String> {
    let host = addr.to_string();
    let deadline = Instant::now() + patience;
    let mut conns: Vec<Conn> = Vec::with_capacity(n);
    let mut events = Events::with_capacity(1024);
    let mut opened = 0;
    let mut no_latencies = Vec::new();
    while opened < n {
        while conns.len() < n && conns.len() - opened < HANDSHAKES_AT_ONCE {
            let mut stream = TcpStream::connect(addr).map_err(|e| format!("connect: {e}"))?;
            let token = Token(conns.len());
            poll.registry()
                .register(&mut stream, token, Interest::READABLE | Interest::WRITABLE)
                .map_err(|e| format!("register: {e}"))?;
            let mut conn = Conn::new(stream, &host, window, msg_size);
            conn.floor = floor;
            conns.push(conn);
        }
        let now = Instant::now();
        if now >= deadline {
            return Err(format!(
                "only {opened} of {n} connections opened in {patience:?}"
            ));
        }
        poll.poll(&mut events, Some(deadline - now))
            .map_err(|e| format!("poll: {e}"))?;
        for event in &events {
            let conn = &mut conns[event.token().0];
            if conn.open {
                continue;
            }
            if event.is_error() {
                let err = conn
                    .stream
                    .take_error()
                    .ok()
                    .flatten()
                    .map_or("error".into(), |e| e.to_string());
                return Err(format!("connection {}: {err}", event.token().0));
            }
            if event.is_writable() {
                conn.flush().map_err(|e| format!("write: {e}"))?;
            }
            if event.is_readable() {
                let p = conn.on_readable(None, &mut no_latencies)?;
                if p.eof {
                    return Err(format!(
                        "connection {} closed during the handshake",
                        event.token().0
                    ));
                }
                if conn.open {
                    opened += 1;
                }
            }
        }
    }
    Ok(conns)
}

/// Runs a column against the server at `addr`, whose process tree is `pid`.
pub(crate) fn run(
    addr: SocketAddr,
    pid: u32,
    col: &Column,
    timing: &Timing,
    floor: bool,
) -> Result<Figures, String> {
    let mut poll = Poll::new().map_err(|e| format!("poll: {e}"))?;
    let mut conns = open(
        &mut poll,
        addr,
        col.conns,
        col.window,
        col.size,
        floor,
        timing.patience,
    )?;
    for conn in &mut conns {
        conn.stream
            .set_nodelay(true)
            .map_err(|e| format!("nodelay: {e}"))?;
    }
    let msg = Message::new(col.size, col.text);
    let mut events = Events::with_capacity(1024);
    let mut latencies: Vec<u32> = Vec::with_capacity(1 << 22);
    let mut wasted: Vec<u32> = Vec::with_capacity(1 << 16);

    let start = Instant::now();
    let warm_end = start + timing.warmup;
    let end = warm_end + timing.measure;
    let mut counting = false;
    let mut counted: u64 = 0;
    let mut cpu0 = 0.0;
    let mut client_cpu0 = 0.0;
    let me = std::process::id();
    let mut t0 = start;
    // Fill every window.
    for conn in &mut conns {
        top_up(conn, &msg, col.window, Instant::now()).map_err(|e| format!("write: {e}"))?;
    }
    loop {
        let now = Instant::now();
        if !counting && now >= warm_end {
            counting = true;
            cpu0 = procfs::tree_cpu_seconds(pid);
            client_cpu0 = procfs::cpu_seconds(me);
            t0 = Instant::now();
        }
        if now >= end {
            break;
        }
        let wake = if counting { end } else { warm_end };
        poll.poll(&mut events, Some(wake.saturating_duration_since(now)))
            .map_err(|e| format!("poll: {e}"))?;
        for event in &events {
            let conn = &mut conns[event.token().0];
            if event.is_readable() || event.is_error() || event.is_read_closed() {
                let sink = if counting {
                    &mut latencies
                } else {
                    &mut wasted
                };
                let p = conn.on_readable(Some(&msg), sink)?;
                if counting {
                    counted += p.echoes as u64;
                }
                if p.eof {
                    return Err(format!("the server closed connection {}", event.token().0));
                }
            }
            top_up(conn, &msg, col.window, Instant::now()).map_err(|e| format!("write: {e}"))?;
        }
    }
    let seconds = t0.elapsed().as_secs_f64();
    let cpu_seconds = procfs::tree_cpu_seconds(pid) - cpu0;
    let client_cpu_seconds = procfs::cpu_seconds(me) - client_cpu0;
    drain(&mut poll, &mut conns, &msg, timing.patience)?;

    latencies.sort_unstable();
    let pct = |p: f64| -> f64 {
        if latencies.is_empty() {
            return f64::NAN;
        }
        let i = ((latencies.len() as f64 * p) as usize).min(latencies.len() - 1);
        f64::from(latencies[i]) / 1000.0
    };
    Ok(Figures {
        messages: counted,
        seconds,
        p50_us: pct(0.50),
        p99_us: pct(0.99),
        cpu_seconds,
        client_cpu_seconds,
    })
}

/// Queues messages up to the window, then writes.
fn top_up(conn: &mut Conn, msg: &Message, window: usize, now: Instant) -> io::Result<()> {
    while conn.in_flight() < window as u64 {
        conn.queue(msg, now);
    }
    conn.flush()
}

/// Waits for the echoes still in flight (each checked) without sending more.
fn drain(
    poll: &mut Poll,
    conns: &mut [Conn],
    msg: &Message,
    patience: Duration,
) -> Result<(), String> {
    let deadline = Instant::now() + patience;
    let mut events = Events::with_capacity(1024);
    let mut sink = Vec::new();
    loop {
        let left: u64 = conns.iter().map(Conn::in_flight).sum();
        if left == 0 {
            return Ok(());
        }
        let now = Instant::now();
        if now >= deadline {
            return Err(format!("{left} echoes missing after {patience:?}"));
        }
        poll.poll(&mut events, Some(deadline - now))
            .map_err(|e| format!("poll: {e}"))?;
        for event in &events {
            let conn = &mut conns[event.token().0];
            let p = conn.on_readable(Some(msg), &mut sink)?;
            conn.flush().map_err(|e| format!("write: {e}"))?;
            if p.eof && conn.in_flight() > 0 {
                return Err(format!(
                    "the server closed connection {} with echoes missing",
                    event.token().0
                ));
            }
        }
    }
}
