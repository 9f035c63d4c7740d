//! A STOMP broker over plain TCP (STOMP's port 61613 protocol) on `std::net`: one thread
//! per connection, the sans-IO [`Broker`] behind a mutex, a ticker thread for heart-beats.
//!
//! `cargo run -p sansocket-stomp --example tcp_broker -- 127.0.0.1:0` prints the address it
//! listens on (`listening on …`). `--app /app/` makes `/app/…` an application prefix whose
//! messages are echoed to `/topic/…` with the same name.

use std::collections::HashMap;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use sansocket_stomp::{Broker, BrokerConfig, BrokerEvent, ConnectionId, Version};

struct Shared {
    broker: Broker,
    sockets: HashMap<ConnectionId, TcpStream>,
    start: Instant,
}

impl Shared {
    fn now(&self) -> u64 {
        u64::try_from(self.start.elapsed().as_millis()).unwrap_or(u64::MAX)
    }

    /// Answers application messages, writes every connection's output, closes ended ones.
    fn flush(&mut self) {
        let now = self.now();
        while let Some(event) = self.broker.next_event() {
            if let BrokerEvent::AppMessage { frame, .. } = event {
                let destination = frame.header("destination").unwrap_or_default();
                let topic = destination.replacen("/app/", "/topic/", 1);
                let _ = self.broker.publish(&topic, frame.body().clone(), &[]);
            }
        }
        for id in self.broker.connections_to_flush() {
            let data = self.broker.data_to_send(id, now);
            let close = self.broker.should_close(id);
            if let Some(socket) = self.sockets.get_mut(&id)
                && (!data.is_empty() && socket.write_all(&data).is_err() || close)
            {
                let _ = socket.shutdown(std::net::Shutdown::Both);
            }
        }
    }
}

fn serve(shared: &Mutex<Shared>, id: ConnectionId, mut socket: TcpStream) {
    let mut buf = vec![0; 16 * 1024];
    loop {
        let n = socket.read(&mut buf).unwrap_or(0);
        let mut s = shared.lock().unwrap_or_else(PoisonError::into_inner);
        if n == 0 {
            s.broker.close(id);
            s.sockets.remove(&id);
            s.flush();
            return;
        }
        let now = s.now();
        let _ = s.broker.receive_data(id, &buf[..n], now);
        s.flush();
    }
}

fn main() -> std::io::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let addr = args.first().map_or("127.0.0.1:61613", String::as_str);
    let mut config = BrokerConfig::default();
    if let Some(i) = args.iter().position(|a| a == "--app") {
        config = config.app_prefixes(vec![
            args.get(i + 1)
                .cloned()
                .unwrap_or_else(|| "/app/".to_owned()),
        ]);
    }
    let listener = TcpListener::bind(addr)?;
    println!("listening on {}", listener.local_addr()?);
    let shared = Arc::new(Mutex::new(Shared {
        broker: Broker::new(config),
        sockets: HashMap::new(),
        start: Instant::now(),
    }));
    let ticker = Arc::clone(&shared);
    std::thread::spawn(move || {
        loop {
            std::thread::sleep(Duration::from_millis(100));
            let mut s = ticker.lock().unwrap_or_else(PoisonError::into_inner);
            let now = s.now();
            if s.broker.poll_timeout().is_some_and(|t| t <= now) {
                s.broker.handle_timeout(now);
                s.flush();
            }
        }
    });
    for socket in listener.incoming() {
        let socket = socket?;
        let mut s = shared.lock().unwrap_or_else(PoisonError::into_inner);
        let now = s.now();
        let id = s.broker.open(Version::V1_2, now);
        s.sockets.insert(id, socket.try_clone()?);
        drop(s);
        let shared = Arc::clone(&shared);
        std::thread::spawn(move || serve(&shared, id, socket));
    }
    Ok(())
}
