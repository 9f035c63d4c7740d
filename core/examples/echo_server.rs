//! An echo server on plain `std::net`: the example of driving the core with your own sockets.
//!
//! ```text
//! cargo run --release -p sansocket --example echo_server -- 127.0.0.1:9001 \
//!     [--subprotocol v12.stomp --subprotocol v11.stomp] [--no-deflate]
//! ```
//!
//! One thread per connection (at most 1024 at once). Every text and binary message is sent
//! back. With `--subprotocol`, the first of those names (in the order given) that the client
//! offers is selected; without a match the connection is accepted with no subprotocol.
//! permessage-deflate is accepted when the client offers it, unless `--no-deflate`.
//! This is the server the Autobahn harness (`tests/autobahn`) tests.

use std::io::{self, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use sansocket::deflate::DeflateConfig;
use sansocket::{Accept, Config, Connection, Event};

/// Connections served at once; more are refused (closed at once).
const MAX_CONNECTIONS: usize = 1024;
/// A connection silent for this long is dropped.
const READ_TIMEOUT: Duration = Duration::from_secs(60);

fn main() {
    let mut args = std::env::args().skip(1);
    let mut addr = None;
    let mut subprotocols = Vec::new();
    let mut deflate = true;
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--subprotocol" => subprotocols.extend(args.next()),
            "--no-deflate" => deflate = false,
            _ if addr.is_none() && !arg.starts_with('-') => addr = Some(arg),
            _ => usage(&arg),
        }
    }
    let addr = addr.unwrap_or_else(|| usage("no address"));
    let listener = TcpListener::bind(&addr).unwrap_or_else(|e| {
        eprintln!("echo_server: cannot listen on {addr}: {e}");
        std::process::exit(1);
    });
    println!(
        "listening on {}",
        listener.local_addr().map_or(addr, |a| a.to_string())
    );

    let config = Arc::new(
        Config::default()
            .max_frame_size(64 << 20)
            .max_message_size(64 << 20)
            .deflate(deflate.then(DeflateConfig::default)),
    );
    let subprotocols = Arc::new(subprotocols);
    let active = Arc::new(AtomicUsize::new(0));
    for stream in listener.incoming() {
        let Ok(stream) = stream else { continue };
        if active.fetch_add(1, Ordering::SeqCst) >= MAX_CONNECTIONS {
            active.fetch_sub(1, Ordering::SeqCst);
            continue; // dropping the stream refuses the connection
        }
        let (subprotocols, active) = (Arc::clone(&subprotocols), Arc::clone(&active));
        let config = Config::clone(&config);
        std::thread::spawn(move || {
            if let Err(e) = serve(stream, config, &subprotocols) {
                eprintln!("echo_server: connection ended: {e}");
            }
            active.fetch_sub(1, Ordering::SeqCst);
        });
    }
}

fn usage(problem: &str) -> ! {
    eprintln!("echo_server: {problem}");
    eprintln!("usage: echo_server ADDR [--subprotocol NAME]... [--no-deflate]");
    std::process::exit(2);
}

/// Drives one connection until it is over.
fn serve(mut stream: TcpStream, config: Config, subprotocols: &[String]) -> io::Result<()> {
    stream.set_nodelay(true)?;
    stream.set_read_timeout(Some(READ_TIMEOUT))?;
    let mut conn = Connection::server(config);
    let mut buf = vec![0; 256 << 10];
    loop {
        let n = stream.read(&mut buf)?; // a timeout ends the connection with an error
        if n == 0 {
            conn.receive_eof();
        } else {
            conn.receive_data(&buf[..n]);
        }
        let result = handle_events(&mut conn, subprotocols);
        stream.write_all(&conn.data_to_send())?;
        if let Err(e) = result {
            // The engine has queued the close frame or HTTP error response (now written).
            eprintln!("echo_server: {e}");
        }
        if conn.should_close_transport() || n == 0 {
            return Ok(()); // dropping the stream closes the socket
        }
    }
}

/// Handles every event decoded so far: accepts the handshake and echoes messages.
fn handle_events(conn: &mut Connection, subprotocols: &[String]) -> Result<(), sansocket::Error> {
    while let Some(event) = conn.next_event()? {
        // Sending fails only once a close frame went out; then there is nothing to echo to.
        let _ = match event {
            Event::Request(request) => {
                let subprotocol = request.select_subprotocol(subprotocols).map(str::to_owned);
                conn.accept(Accept {
                    subprotocol,
                    ..Accept::default()
                })
            }
            Event::Text(text) => conn.send_text(text.as_str()),
            Event::Binary(data) => conn.send_binary(&data),
            _ => Ok(()), // pings and closes are answered by the engine
        };
    }
    Ok(())
}
