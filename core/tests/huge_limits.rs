//! Limits are the host's to choose: even absurd ones (a binding passes whatever its caller
//! gives) must not allocate up front or panic.

use sansocket::{Accept, ClientRequest, Config, Connection, Event, SeededEntropy};

fn huge() -> Config {
    Config::default()
        .max_headers(usize::MAX)
        .max_handshake_size(usize::MAX)
        .max_frame_size(usize::MAX)
        .max_message_size(usize::MAX)
        .max_fragments(usize::MAX)
        .max_rejection_body(usize::MAX)
}

#[test]
fn handshake_and_message_with_unbounded_limits() {
    let mut server = Connection::server(huge());
    let request = ClientRequest::new("example.com", "/").header("X-Extra", "1");
    let mut client = Connection::client(request, huge(), SeededEntropy::new(1)).unwrap();

    server.receive_data(&client.data_to_send());
    let Ok(Some(Event::Request(_))) = server.next_event() else {
        panic!("no request")
    };
    server.accept(Accept::new()).unwrap();
    client.receive_data(&server.data_to_send());
    assert!(matches!(client.next_event(), Ok(Some(Event::Accepted(_)))));

    client.send_text("hello").unwrap();
    server.receive_data(&client.data_to_send());
    assert!(matches!(server.next_event(), Ok(Some(Event::Text(t))) if t.as_str() == "hello"));
}
