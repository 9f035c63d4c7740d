//! The end-to-end benchmark's load client (see `bench/e2e/run.sh` and BENCHMARKS.md).
//!
//! ```text
//! e2e-client --addr 127.0.0.1:PORT --pid PID --server NAME [--seconds 2] [--warmup 0.5]
//!            [--prime 0.5] [--idle 10000] [--columns rr256,rr16k,...,idle] [--wait 20] [--floor]
//! ```
//!
//! Drives the WebSocket echo server at ADDR (process PID and its descendants) with one
//! thread and non-blocking sockets: frames are built once per column and masked with a fixed
//! key, each echo is compared byte for byte with what was sent (a sequence number in each
//! payload catches lost, repeated or reordered echoes). Prints one tab-separated line per
//! column on stdout: `NAME COLUMN msgs/s p50_us p99_us server_cpu_us client_cpu_us` (CPU
//! microseconds per message, of the server's process tree and of this client), then
//! `NAME idle CONNS bytes_per_conn`; a failed column prints `NAME COLUMN ERROR message` and
//! makes the exit status 1. Each column warms up for `--warmup` seconds, then measures for
//! `--seconds`; `--prime S` first runs every column for S seconds uncounted (a JIT compiler
//! sees every code path before anything is measured). Run it on its own core (`taskset -c 1`).
//! `--floor`: the server answers the handshake, then echoes the bytes it reads unchanged
//! (servers/floor_echo.*): what the host costs with no WebSocket work; each echo must then
//! be the client's own masked frame.

mod conn;
mod frame;
mod idle;
mod load;
mod procfs;

use std::net::{SocketAddr, TcpStream};
use std::process::ExitCode;
use std::thread;
use std::time::{Duration, Instant};

use load::{Column, Timing};

/// Every column, in table order.
const COLUMNS: [Column; 6] = [
    Column {
        name: "rr256",
        size: 256,
        text: false,
        conns: 1,
        window: 1,
    },
    Column {
        name: "rr16k",
        size: 16 << 10,
        text: false,
        conns: 1,
        window: 1,
    },
    Column {
        name: "rr256t",
        size: 256,
        text: true,
        conns: 1,
        window: 1,
    },
    Column {
        name: "pipe1k",
        size: 1 << 10,
        text: false,
        conns: 1,
        window: 32,
    },
    Column {
        name: "pipe64k",
        size: 64 << 10,
        text: false,
        conns: 1,
        window: 32,
    },
    Column {
        name: "conn100",
        size: 256,
        text: false,
        conns: 100,
        window: 1,
    },
];

struct Args {
    addr: SocketAddr,
    pid: u32,
    server: String,
    seconds: f64,
    warmup: f64,
    prime: f64,
    floor: bool,
    idle: usize,
    columns: Vec<String>,
    wait: f64,
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        addr: "127.0.0.1:9002".parse().map_err(|_| "addr")?,
        pid: 0,
        server: "server".into(),
        seconds: 2.0,
        warmup: 0.5,
        prime: 0.0,
        floor: false,
        idle: 10_000,
        columns: COLUMNS
            .iter()
            .map(|c| c.name.to_owned())
            .chain(["idle".to_owned()])
            .collect(),
        wait: 20.0,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().ok_or(format!("{flag} needs a value"));
        let number = |v: String| v.parse::<f64>().map_err(|_| format!("bad number {v:?}"));
        match flag.as_str() {
            "--addr" => args.addr = value()?.parse().map_err(|e| format!("--addr: {e}"))?,
            "--pid" => args.pid = value()?.parse().map_err(|e| format!("--pid: {e}"))?,
            "--server" => args.server = value()?,
            "--seconds" => args.seconds = number(value()?)?,
            "--warmup" => args.warmup = number(value()?)?,
            "--prime" => args.prime = number(value()?)?,
            "--floor" => args.floor = true,
            "--wait" => args.wait = number(value()?)?,
            "--idle" => args.idle = value()?.parse().map_err(|e| format!("--idle: {e}"))?,
            "--columns" => args.columns = value()?.split(',').map(str::to_owned).collect(),
            _ => return Err(format!("unknown argument {flag:?}")),
        }
    }
    if args.pid == 0 {
        return Err("--pid PID (the server process) is required".into());
    }
    for name in &args.columns {
        if name != "idle" && !COLUMNS.iter().any(|c| c.name == name) {
            return Err(format!("unknown column {name:?}"));
        }
    }
    Ok(args)
}

/// Waits until the server accepts TCP connections.
fn wait_for(addr: SocketAddr, seconds: f64) -> Result<(), String> {
    let deadline = Instant::now() + Duration::from_secs_f64(seconds);
    loop {
        if TcpStream::connect_timeout(&addr, Duration::from_secs(1)).is_ok() {
            return Ok(());
        }
        if Instant::now() >= deadline {
            return Err(format!("nothing listens on {addr} after {seconds} s"));
        }
        thread::sleep(Duration::from_millis(50));
    }
}

fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(args) => args,
        Err(e) => {
            eprintln!("e2e-client: {e}");
            return ExitCode::from(2);
        }
    };
    if let Err(e) = wait_for(args.addr, args.wait) {
        eprintln!("e2e-client: {e}");
        return ExitCode::FAILURE;
    }
    let timing = Timing {
        warmup: Duration::from_secs_f64(args.warmup),
        measure: Duration::from_secs_f64(args.seconds),
        patience: Duration::from_secs(20),
    };
    let name = &args.server;
    let mut failed = false;
    // With --prime, a first pass over the columns, not counted: JIT compilers (Node) and
    // caches warm up on every code path before any column is measured.
    if args.prime > 0.0 {
        let prime = Timing {
            warmup: Duration::from_secs_f64(args.prime),
            measure: Duration::from_millis(100),
            patience: timing.patience,
        };
        for col in COLUMNS
            .iter()
            .filter(|c| args.columns.iter().any(|n| n == c.name))
        {
            let _ = load::run(args.addr, args.pid, col, &prime, args.floor);
        }
    }
    for col in COLUMNS
        .iter()
        .filter(|c| args.columns.iter().any(|n| n == c.name))
    {
        match load::run(args.addr, args.pid, col, &timing, args.floor) {
            Ok(f) => {
                let rate = f.messages as f64 / f.seconds;
                let per_msg = |s: f64| s * 1e6 / f.messages.max(1) as f64;
                let (cpu_us, client_us) = (per_msg(f.cpu_seconds), per_msg(f.client_cpu_seconds));
                println!(
                    "{name}\t{}\t{rate:.0}\t{:.1}\t{:.1}\t{cpu_us:.2}\t{client_us:.2}",
                    col.name, f.p50_us, f.p99_us
                );
            }
            Err(e) => {
                failed = true;
                println!("{name}\t{}\tERROR\t{e}", col.name);
            }
        }
    }
    if args.columns.iter().any(|n| n == "idle") && args.idle > 0 {
        let settle = Duration::from_secs(1);
        match idle::run(
            args.addr,
            args.pid,
            args.idle,
            settle,
            Duration::from_secs(60),
        ) {
            Ok(i) => {
                println!(
                    "{name}\tidle\t{}\t{:.0}\t{:.1}",
                    i.conns, i.bytes_per_conn, i.seconds_to_open
                );
            }
            Err(e) => {
                failed = true;
                println!("{name}\tidle\tERROR\t{e}");
            }
        }
    }
    if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}
