//! The Autobahn|Testsuite client loop on plain `std::net` (`tests/autobahn` runs it).
//!
//! ```text
//! cargo run --release -p sansocket --example autobahn_client -- ws://127.0.0.1:9001 sansocket
//! ```
//!
//! Asks wstest's fuzzing server for the number of cases (`/getCaseCount`), runs each one
//! (`/runCase?case=N&agent=AGENT`, echoing every message until the connection closes), then
//! asks it to write its reports (`/updateReports?agent=AGENT`).

use std::fmt::Write as _;
use std::io::{self, Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use sansocket::deflate::DeflateConfig;
use sansocket::{ClientRequest, Config, Connection, Event, State};

/// A connection silent for this long is given up.
const READ_TIMEOUT: Duration = Duration::from_secs(60);
/// After the close handshake, how long to wait for the server to close TCP (RFC 6455 §7.1.1).
const CLOSE_TIMEOUT: Duration = Duration::from_secs(2);

fn main() {
    let mut args = std::env::args().skip(1);
    let (Some(url), Some(agent), None) = (args.next(), args.next(), args.next()) else {
        eprintln!("usage: autobahn_client ws://HOST:PORT AGENT");
        std::process::exit(2);
    };
    let Some(host) = url.strip_prefix("ws://").map(|h| h.trim_end_matches('/')) else {
        eprintln!("autobahn_client: the URL must be ws://HOST:PORT, not {url}");
        std::process::exit(2);
    };
    let agent = percent_encode(&agent);

    let count = match run(host, "/getCaseCount", false) {
        Ok(Some(text)) => text.trim().parse::<u32>().ok(),
        _ => None,
    };
    let Some(count) = count else {
        eprintln!("autobahn_client: no case count from {url}/getCaseCount");
        std::process::exit(1);
    };
    println!("autobahn_client: {count} cases");
    for case in 1..=count {
        if let Err(e) = run(host, &format!("/runCase?case={case}&agent={agent}"), true) {
            eprintln!("autobahn_client: case {case}: {e}");
        }
    }
    if let Err(e) = run(host, &format!("/updateReports?agent={agent}"), false) {
        eprintln!("autobahn_client: updateReports: {e}");
        std::process::exit(1);
    }
}

/// Opens `target` and reads until the connection is over, echoing every message if `echo`;
/// returns the first text message received (the case count, for `/getCaseCount`).
fn run(host: &str, target: &str, echo: bool) -> io::Result<Option<String>> {
    let mut stream = TcpStream::connect(host)?;
    stream.set_nodelay(true)?;
    stream.set_read_timeout(Some(READ_TIMEOUT))?;
    let config = Config::default()
        .max_frame_size(64 << 20)
        .max_message_size(64 << 20)
        .deflate(Some(DeflateConfig::default()));
    let entropy = |buf: &mut [u8]| getrandom::fill(buf).expect("the OS random source failed");
    let mut conn = Connection::client(ClientRequest::new(host, target), config, entropy)
        .map_err(io::Error::other)?;
    let mut first_text = None;
    let mut buf = vec![0; 256 << 10];
    loop {
        stream.write_all(&conn.data_to_send())?;
        if conn.should_close_transport() {
            return Ok(first_text);
        }
        if conn.state() == State::Closed {
            // Close handshake done: the server closes TCP first; don't wait for it forever.
            stream.set_read_timeout(Some(CLOSE_TIMEOUT))?;
        }
        let n = match stream.read(&mut buf) {
            Ok(n) => n,
            Err(_) if conn.state() == State::Closed => return Ok(first_text),
            Err(e) => return Err(e),
        };
        if n == 0 {
            conn.receive_eof();
        } else {
            conn.receive_data(&buf[..n]);
        }
        loop {
            let event = match conn.next_event() {
                Ok(Some(event)) => event,
                Ok(None) => break,
                // The engine has queued the close frame; it is written at the loop's top.
                Err(e) => {
                    eprintln!("autobahn_client: {target}: {e}");
                    break;
                }
            };
            // Sending fails only once a close frame went out; then there is nothing to echo to.
            let _ = match event {
                Event::Text(text) => {
                    first_text.get_or_insert_with(|| text.as_str().to_owned());
                    if echo {
                        conn.send_text(text.as_str())
                    } else {
                        Ok(())
                    }
                }
                Event::Binary(data) if echo => conn.send_binary(&data),
                Event::Rejected(r) => {
                    return Err(io::Error::other(format!(
                        "rejected: {} {}",
                        r.status, r.reason
                    )));
                }
                _ => Ok(()),
            };
        }
    }
}

/// Percent-encodes everything but unreserved characters (RFC 3986), for the query string.
fn percent_encode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(b as char);
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}
