//! The demo: a server and a client, both sansocket, talking over a real loopback socket.
//!
//! `cargo run --release -p sansocket --example demo`
//!
//! The client offers the STOMP subprotocols `v10.stomp, v11.stomp`; the server prefers
//! `v12.stomp, v11.stomp` and so selects `v11.stomp`. Then text, binary, a fragmented
//! message, a ping, and the close handshake, each step printed as it happens. Every byte on
//! the wire is produced and consumed by the engine; this file only moves bytes.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::time::Duration;

use sansocket::{Accept, ClientRequest, Config, Connection, Event, MessageKind};

type Result<T> = std::result::Result<T, Box<dyn std::error::Error + Send + Sync>>;

fn main() -> Result<()> {
    let listener = TcpListener::bind("127.0.0.1:0")?;
    let addr = listener.local_addr()?;
    println!("server listening on {addr}");
    let server = std::thread::spawn(move || -> Result<()> {
        let (stream, _) = listener.accept()?;
        serve(stream)
    });
    let client = client(&addr.to_string());
    let served = server.join().map_err(|_| "server thread panicked")?;
    client?;
    served?;
    println!("done: both sides closed cleanly");
    Ok(())
}

/// Reads once from the socket into the connection and returns the events it produced,
/// writing whatever the connection queued in reply.
fn pump(stream: &mut TcpStream, conn: &mut Connection) -> Result<Vec<Event>> {
    let mut buf = [0u8; 64 * 1024];
    let n = stream.read(&mut buf)?;
    if n == 0 {
        conn.receive_eof();
    } else {
        conn.receive_data(&buf[..n]);
    }
    let mut events = Vec::new();
    while let Some(event) = conn.next_event()? {
        events.push(event);
    }
    stream.write_all(&conn.data_to_send())?;
    Ok(events)
}

fn serve(mut stream: TcpStream) -> Result<()> {
    stream.set_read_timeout(Some(Duration::from_secs(5)))?;
    let mut conn = Connection::server(Config::default());
    while !conn.should_close_transport() {
        for event in pump(&mut stream, &mut conn)? {
            match event {
                Event::Request(request) => {
                    println!(
                        "server: request for {} offering {:?}",
                        request.target, request.subprotocols
                    );
                    let chosen = request
                        .select_subprotocol(&["v12.stomp", "v11.stomp"])
                        .map(str::to_owned);
                    println!("server: accepting with subprotocol {chosen:?}");
                    conn.accept(Accept {
                        subprotocol: chosen,
                        ..Accept::default()
                    })?;
                }
                Event::Text(text) => {
                    println!("server: text {:?}, echoing", text.as_str());
                    conn.send_text(text.as_str())?;
                }
                Event::Binary(data) => {
                    println!("server: {} binary bytes, echoing", data.len());
                    conn.send_binary(&data)?;
                }
                Event::Ping(payload) => {
                    println!("server: ping {payload:?} (pong sent automatically)")
                }
                Event::Close(frame) => {
                    println!("server: close {} {:?}, replied", frame.code, frame.reason)
                }
                other => println!("server: {other:?}"),
            }
        }
        stream.write_all(&conn.data_to_send())?;
    }
    println!("server: closing TCP first, as RFC 6455 §7.1.1 says");
    Ok(())
}

fn client(addr: &str) -> Result<()> {
    let mut stream = TcpStream::connect(addr)?;
    stream.set_read_timeout(Some(Duration::from_secs(5)))?;
    let request = ClientRequest::new(addr, "/chat")
        .origin("http://localhost")
        .subprotocol("v10.stomp")
        .subprotocol("v11.stomp");
    let mut conn = Connection::client(request, Config::default(), os_random)?;
    stream.write_all(&conn.data_to_send())?;

    let mut step = 0;
    while !conn.should_close_transport() {
        for event in pump(&mut stream, &mut conn)? {
            match event {
                Event::Accepted(response) => {
                    println!("client: accepted, subprotocol {:?}", response.subprotocol)
                }
                Event::Rejected(rejection) => {
                    return Err(format!("client: rejected with {}", rejection.status).into());
                }
                Event::Text(text) => println!("client: echo {:?}", text.as_str()),
                Event::Binary(data) => println!("client: echo of {} binary bytes", data.len()),
                Event::Pong(payload) => println!("client: pong {payload:?}"),
                Event::Close(frame) => println!("client: server replied close {}", frame.code),
                other => println!("client: {other:?}"),
            }
            step += 1;
            match step {
                1 => conn.send_text("hello from sansocket")?,
                2 => conn.send_binary(&[0xde, 0xad, 0xbe, 0xef])?,
                3 => {
                    conn.send_fragment(MessageKind::Text, "frag".as_bytes(), false)?;
                    conn.ping(b"are you there?")?;
                    conn.send_fragment(MessageKind::Text, "mented".as_bytes(), true)?;
                }
                5 => conn.close(1000, "bye")?,
                _ => {}
            }
        }
        stream.write_all(&conn.data_to_send())?;
    }
    println!("client: server closed TCP, closing too");
    Ok(())
}

/// Mask keys and the handshake key come from the OS, as RFC 6455 §10.3 requires.
fn os_random(buf: &mut [u8]) {
    getrandom::fill(buf).expect("OS random source");
}
