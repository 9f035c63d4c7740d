//! The load client against a minimal echo server in this process: every column and the idle
//! connections pass against a correct server, and a wrong echo fails the run.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::Command;
use std::thread;

/// The accept key of the client's fixed handshake key (RFC 6455 section 1.3).
const ACCEPT: &str = "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=";

/// Echoes every frame unmasked; with `corrupt_at`, flips a byte of that data frame (counted
/// from 0 on each connection).
fn serve(stream: TcpStream, corrupt_at: Option<usize>) -> std::io::Result<()> {
    stream.set_nodelay(true)?;
    let mut out = stream.try_clone()?;
    let mut input = BufReader::with_capacity(1 << 16, stream);
    let mut line = String::new();
    loop {
        line.clear();
        if input.read_line(&mut line)? == 0 {
            return Ok(());
        }
        if line == "\r\n" {
            break;
        }
    }
    write!(
        out,
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: {ACCEPT}\r\n\r\n"
    )?;
    let mut frames = 0;
    let mut payload = Vec::new();
    loop {
        let mut head = [0u8; 2];
        if input.read_exact(&mut head).is_err() {
            return Ok(());
        }
        let len = match head[1] & 0x7f {
            126 => {
                let mut b = [0u8; 2];
                input.read_exact(&mut b)?;
                u16::from_be_bytes(b) as usize
            }
            127 => {
                let mut b = [0u8; 8];
                input.read_exact(&mut b)?;
                u64::from_be_bytes(b) as usize
            }
            n => n as usize,
        };
        let mut mask = [0u8; 4];
        input.read_exact(&mut mask)?;
        payload.resize(len, 0);
        input.read_exact(&mut payload)?;
        for (i, b) in payload.iter_mut().enumerate() {
            *b ^= mask[i % 4];
        }
        if corrupt_at == Some(frames) {
            let last = payload.len() - 1;
            payload[last] ^= 1;
        }
        frames += 1;
        let mut frame = vec![head[0]];
        match len {
            0..=125 => frame.push(len as u8),
            126..=0xffff => {
                frame.push(126);
                frame.extend_from_slice(&(len as u16).to_be_bytes());
            }
            _ => {
                frame.push(127);
                frame.extend_from_slice(&(len as u64).to_be_bytes());
            }
        }
        frame.extend_from_slice(&payload);
        out.write_all(&frame)?;
    }
}

/// Starts the echo server on a free port: its address.
fn start(corrupt_at: Option<usize>) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            thread::spawn(move || serve(stream, corrupt_at));
        }
    });
    addr
}

fn client(addr: &str, columns: &str) -> (bool, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_e2e-client"))
        .args([
            "--addr",
            addr,
            "--pid",
            &std::process::id().to_string(),
            "--server",
            "test",
        ])
        .args([
            "--seconds",
            "0.2",
            "--warmup",
            "0.05",
            "--idle",
            "50",
            "--columns",
            columns,
        ])
        .output()
        .unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

#[test]
fn every_column_against_a_correct_server() {
    let addr = start(None);
    let (ok, out) = client(&addr, "rr256,rr16k,rr256t,pipe1k,pipe64k,conn100,idle");
    assert!(ok, "{out}");
    let lines: Vec<Vec<&str>> = out.lines().map(|l| l.split('\t').collect()).collect();
    assert_eq!(lines.len(), 7, "{out}");
    for line in &lines[..6] {
        assert_eq!(line.len(), 7, "{out}");
        let rate: f64 = line[2].parse().unwrap();
        assert!(rate > 0.0, "{out}");
    }
    assert_eq!(lines[6][..3], ["test", "idle", "50"], "{out}");
}

#[test]
fn a_wrong_echo_fails_the_run() {
    let addr = start(Some(3));
    let (ok, out) = client(&addr, "rr256");
    assert!(!ok, "{out}");
    assert!(out.contains("ERROR\techo 3 differs"), "{out}");
}
