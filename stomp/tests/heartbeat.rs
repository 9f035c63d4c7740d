//! Heart-beats with time moved by hand: negotiation, EOLs when idle, none when other
//! bytes went out, death after interval × grace.

use sansocket_stomp::{
    ClientConfig, ClientEvent, ClientSession, HeartBeat, ServerConfig, ServerEvent, ServerSession,
    SessionError,
};

#[test]
fn negotiate_table() {
    let n = HeartBeat::negotiate;
    assert_eq!(n(HeartBeat::new(0, 0), HeartBeat::new(100, 100)), (0, 0));
    assert_eq!(n(HeartBeat::new(100, 0), HeartBeat::new(0, 300)), (300, 0));
    assert_eq!(
        n(HeartBeat::new(500, 200), HeartBeat::new(100, 300)),
        (500, 200)
    );
    assert_eq!(HeartBeat::parse("10,20"), Some(HeartBeat::new(10, 20)));
    for bad in ["", "1", "1,", ",1", "a,1", "1, 2", "-1,2"] {
        assert_eq!(HeartBeat::parse(bad), None, "{bad}");
    }
}

fn server(hb: HeartBeat, client_hb: &str, grace: f64) -> ServerSession {
    let mut s = ServerSession::new(ServerConfig::default().heart_beat(hb).grace(grace), 1000);
    s.receive_data(
        format!("CONNECT\naccept-version:1.2\nheart-beat:{client_hb}\n\n\0").as_bytes(),
        1000,
    );
    assert!(matches!(s.next_event(), Ok(Some(ServerEvent::Connect(_)))));
    s.accept(None).unwrap();
    let _ = s.data_to_send(1000);
    s
}

#[test]
fn server_sends_eol_when_idle_and_not_otherwise() {
    // Client wants server beats every 400 ms, sends none itself.
    let mut s = server(HeartBeat::new(100, 0), "0,400", 2.0);
    assert_eq!(s.heart_beat_intervals(), (400, 0));
    assert_eq!(s.poll_timeout(), Some(1400));
    s.handle_timeout(1399);
    assert!(s.data_to_send(1399).is_empty());
    s.handle_timeout(1400);
    assert_eq!(s.data_to_send(1400), b"\n");
    assert_eq!(s.poll_timeout(), Some(1800));
    // Other output at 1700 resets the timer.
    s.send_receipt("x").unwrap();
    assert!(!s.data_to_send(1700).is_empty());
    assert_eq!(s.poll_timeout(), Some(2100));
    s.handle_timeout(1800);
    assert!(s.data_to_send(1800).is_empty());
}

#[test]
fn silent_client_is_dead_after_interval_times_grace() {
    // Client promises beats every 1000 (server floor 500): server expects every 1000.
    let mut s = server(HeartBeat::new(0, 500), "1000,0", 2.0);
    assert_eq!(s.heart_beat_intervals(), (0, 1000));
    assert_eq!(s.poll_timeout(), Some(3000));
    s.receive_data(b"\n", 2500);
    assert_eq!(s.next_event(), Ok(Some(ServerEvent::HeartBeat)));
    assert_eq!(s.poll_timeout(), Some(4500));
    s.handle_timeout(4499);
    assert_eq!(s.next_event(), Ok(None));
    s.handle_timeout(4500);
    assert_eq!(s.next_event(), Err(SessionError::HeartBeatTimeout));
    assert!(s.should_close_transport());
    assert!(s.data_to_send(4500).starts_with(b"ERROR\n"));
    assert_eq!(s.poll_timeout(), None);
}

#[test]
fn grace_is_configurable() {
    let s = server(HeartBeat::new(0, 1000), "1000,0", 1.5);
    assert_eq!(s.poll_timeout(), Some(2500));
}

#[test]
fn server_floor_clamps_tiny_client_intervals() {
    // A client offering 1 ms beats gets the server's 10 s floor.
    let s = server(HeartBeat::new(10_000, 10_000), "1,1", 2.0);
    assert_eq!(s.heart_beat_intervals(), (10_000, 10_000));
}

#[test]
fn client_heart_beats() {
    let mut c = ClientSession::new(
        ClientConfig::default().heart_beat(HeartBeat::new(300, 1000)),
        0,
    )
    .unwrap();
    let _ = c.data_to_send(0);
    assert_eq!(c.poll_timeout(), None);
    c.receive_data(b"CONNECTED\nversion:1.2\nheart-beat:2000,200\n\n\0", 50);
    let Ok(Some(ClientEvent::Connected(k))) = c.next_event() else {
        panic!()
    };
    assert_eq!(k.heart_beat, (300, 2000));
    assert_eq!(c.poll_timeout(), Some(350));
    c.handle_timeout(350);
    assert_eq!(c.data_to_send(350), b"\n");
    c.handle_timeout(4049);
    assert_eq!(c.next_event(), Ok(None));
    let _ = c.data_to_send(4049);
    c.handle_timeout(4050);
    assert_eq!(c.next_event(), Err(SessionError::HeartBeatTimeout));
    assert!(c.should_close_transport());
}
