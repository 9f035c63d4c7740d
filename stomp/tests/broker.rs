//! Broker semantics with real client sessions in memory: topics, queues, ack modes,
//! redelivery, transactions, receipts, authentication, grants, application destinations,
//! slow consumers, heart-beats.

use sansocket_stomp::{
    AckMode, Broker, BrokerConfig, BrokerEvent, ClientConfig, ClientEvent, ClientSession,
    ConnectionId, Grants, HeartBeat, Message, ServerConfig, SessionError, Version,
};

struct Peer {
    id: ConnectionId,
    client: ClientSession,
}

fn open(b: &mut Broker, config: ClientConfig) -> Peer {
    let id = b.open(Version::V1_2, 0);
    let mut client = ClientSession::new(config.heart_beat(HeartBeat::NONE), 0).unwrap();
    b.receive_data(id, &client.data_to_send(0), 0).unwrap();
    let mut p = Peer { id, client };
    if !b.config().authenticate {
        let e = pull(b, &mut p);
        assert!(matches!(e[0], ClientEvent::Connected(_)), "{e:?}");
    }
    p
}

fn peer(b: &mut Broker) -> Peer {
    open(b, ClientConfig::default())
}

fn push(b: &mut Broker, p: &mut Peer) {
    let bytes = p.client.data_to_send(0);
    b.receive_data(p.id, &bytes, 0).unwrap();
}

fn pull(b: &mut Broker, p: &mut Peer) -> Vec<ClientEvent> {
    p.client.receive_data(&b.data_to_send(p.id, 0), 0);
    let mut out = Vec::new();
    while let Ok(Some(e)) = p.client.next_event() {
        out.push(e);
    }
    out
}

fn pull_result(b: &mut Broker, p: &mut Peer) -> Result<Vec<ClientEvent>, SessionError> {
    p.client.receive_data(&b.data_to_send(p.id, 0), 0);
    let mut out = Vec::new();
    loop {
        match p.client.next_event() {
            Ok(Some(e)) => out.push(e),
            Ok(None) => return Ok(out),
            Err(e) => return Err(e),
        }
    }
}

fn messages(b: &mut Broker, p: &mut Peer) -> Vec<Message> {
    pull(b, p)
        .into_iter()
        .filter_map(|e| match e {
            ClientEvent::Message(m) => Some(m),
            _ => None,
        })
        .collect()
}

fn bodies(ms: &[Message]) -> Vec<String> {
    ms.iter()
        .map(|m| String::from_utf8(m.body().to_vec()).unwrap())
        .collect()
}

fn send(b: &mut Broker, p: &mut Peer, dest: &str, body: &str) {
    p.client.send(dest, body.to_owned(), &[]).unwrap();
    push(b, p);
}

fn subscribe(b: &mut Broker, p: &mut Peer, dest: &str, ack: AckMode) -> String {
    let id = p.client.subscribe(dest, ack, &[]).unwrap();
    push(b, p);
    id
}

#[test]
fn topic_fan_out() {
    let mut b = Broker::new(BrokerConfig::default());
    let mut subs: Vec<Peer> = (0..3).map(|_| peer(&mut b)).collect();
    let ids: Vec<String> = subs
        .iter_mut()
        .map(|p| subscribe(&mut b, p, "/topic/t", AckMode::Auto))
        .collect();
    let mut publisher = peer(&mut b);
    publisher
        .client
        .send(
            "/topic/t",
            "hello",
            &[
                ("content-type".into(), "text/plain".into()),
                ("x-custom".into(), "1".into()),
            ],
        )
        .unwrap();
    push(&mut b, &mut publisher);
    let mut seen = Vec::new();
    for (p, id) in subs.iter_mut().zip(&ids) {
        let m = messages(&mut b, p);
        assert_eq!(bodies(&m), ["hello"]);
        assert_eq!(&m[0].subscription, id);
        assert_eq!(m[0].destination, "/topic/t");
        assert_eq!(m[0].frame.header("content-type"), Some("text/plain"));
        assert_eq!(m[0].frame.header("x-custom"), Some("1"));
        assert_eq!(m[0].frame.header("content-length"), Some("5"));
        assert_eq!(m[0].ack, None);
        seen.push(m[0].message_id.clone());
    }
    // A topic without subscribers drops the message.
    send(&mut b, &mut publisher, "/topic/none", "x");
    assert!(messages(&mut b, &mut publisher).is_empty());
    // message-ids are unique per broker.
    send(&mut b, &mut publisher, "/topic/t", "again");
    let m = messages(&mut b, &mut subs[0]);
    assert_ne!(m[0].message_id, seen[0]);
}

#[test]
fn queue_round_robin_and_waiting_messages() {
    let mut b = Broker::new(BrokerConfig::default());
    let mut producer = peer(&mut b);
    send(&mut b, &mut producer, "/queue/q", "0");
    send(&mut b, &mut producer, "/queue/q", "1");
    assert_eq!(b.queue_depth("/queue/q"), 2);
    let mut a = peer(&mut b);
    let mut c = peer(&mut b);
    subscribe(&mut b, &mut a, "/queue/q", AckMode::Auto);
    assert_eq!(bodies(&messages(&mut b, &mut a)), ["0", "1"]);
    subscribe(&mut b, &mut c, "/queue/q", AckMode::Auto);
    for i in 2..6 {
        send(&mut b, &mut producer, "/queue/q", &i.to_string());
    }
    assert_eq!(bodies(&messages(&mut b, &mut a)), ["2", "4"]);
    assert_eq!(bodies(&messages(&mut b, &mut c)), ["3", "5"]);
    assert_eq!(b.queue_depth("/queue/q"), 0);
}

#[test]
fn client_ack_is_cumulative_and_nack_redelivers() {
    let mut b = Broker::new(BrokerConfig::default());
    let mut producer = peer(&mut b);
    let mut a = peer(&mut b);
    subscribe(&mut b, &mut a, "/queue/q", AckMode::Client);
    for i in 0..3 {
        send(&mut b, &mut producer, "/queue/q", &i.to_string());
    }
    let m = messages(&mut b, &mut a);
    assert_eq!(bodies(&m), ["0", "1", "2"]);
    assert!(
        m.iter()
            .all(|m| m.ack.as_deref() == Some(m.message_id.as_str()))
    );
    // ACK of the second covers the first too; NACK of the third puts it back.
    a.client.ack(&m[1], None).unwrap();
    a.client.nack(&m[2], None).unwrap();
    push(&mut b, &mut a);
    let again = messages(&mut b, &mut a);
    assert_eq!(bodies(&again), ["2"]);
    assert_eq!(again[0].message_id, m[2].message_id);
    // Disconnecting with it unacked gives it to the next subscriber, once.
    let mut c = peer(&mut b);
    subscribe(&mut b, &mut c, "/queue/q", AckMode::ClientIndividual);
    b.close(a.id);
    let got = messages(&mut b, &mut c);
    assert_eq!(bodies(&got), ["2"]);
    c.client.ack(&got[0], None).unwrap();
    push(&mut b, &mut c);
    // Acked: never again, even after c unsubscribes and another comes.
    b.close(c.id);
    let mut d = peer(&mut b);
    subscribe(&mut b, &mut d, "/queue/q", AckMode::Auto);
    assert!(messages(&mut b, &mut d).is_empty());
}

#[test]
fn client_individual_acks_one() {
    let mut b = Broker::new(BrokerConfig::default());
    let mut producer = peer(&mut b);
    let mut a = peer(&mut b);
    let sub = subscribe(&mut b, &mut a, "/queue/q", AckMode::ClientIndividual);
    for i in 0..3 {
        send(&mut b, &mut producer, "/queue/q", &i.to_string());
    }
    let m = messages(&mut b, &mut a);
    a.client.ack(&m[1], None).unwrap();
    a.client.unsubscribe(&sub, &[]).unwrap();
    push(&mut b, &mut a);
    // 0 and 2 were not acked: back in the queue, in order.
    assert_eq!(b.queue_depth("/queue/q"), 2);
    let mut c = peer(&mut b);
    subscribe(&mut b, &mut c, "/queue/q", AckMode::Auto);
    assert_eq!(bodies(&messages(&mut b, &mut c)), ["0", "2"]);
}

#[test]
fn ack_headers_of_1_1_and_1_0() {
    for version in [Version::V1_0, Version::V1_1] {
        let mut b = Broker::new(BrokerConfig::default());
        let mut producer = peer(&mut b);
        let mut a = open(&mut b, ClientConfig::default().max_version(version));
        subscribe(&mut b, &mut a, "/queue/q", AckMode::Client);
        send(&mut b, &mut producer, "/queue/q", "x");
        let m = messages(&mut b, &mut a);
        assert_eq!(m[0].ack, None);
        a.client.ack(&m[0], None).unwrap();
        push(&mut b, &mut a);
        b.close(a.id);
        assert_eq!(b.queue_depth("/queue/q"), 0, "{version}");
    }
}

#[test]
fn transactions_hold_sends_and_acks() {
    let mut b = Broker::new(BrokerConfig::default());
    let mut a = peer(&mut b);
    let mut p = peer(&mut b);
    subscribe(&mut b, &mut a, "/topic/t", AckMode::Auto);
    let tx = p.client.begin(&[]).unwrap();
    p.client
        .send("/topic/t", "in-tx", &[("transaction".into(), tx.clone())])
        .unwrap();
    push(&mut b, &mut p);
    assert!(messages(&mut b, &mut a).is_empty());
    p.client.commit(&tx, &[]).unwrap();
    push(&mut b, &mut p);
    assert_eq!(bodies(&messages(&mut b, &mut a)), ["in-tx"]);
    let tx = p.client.begin(&[]).unwrap();
    p.client
        .send("/topic/t", "aborted", &[("transaction".into(), tx.clone())])
        .unwrap();
    p.client.abort(&tx, &[]).unwrap();
    push(&mut b, &mut p);
    assert!(messages(&mut b, &mut a).is_empty());
}

#[test]
fn unknown_transaction_is_an_error_with_receipt_id() {
    let mut b = Broker::new(BrokerConfig::default());
    let mut p = peer(&mut b);
    p.client
        .send(
            "/topic/t",
            "x",
            &[
                ("transaction".into(), "nope".into()),
                ("receipt".into(), "r".into()),
            ],
        )
        .unwrap();
    push(&mut b, &mut p);
    match pull_result(&mut b, &mut p) {
        Err(SessionError::Server { frame, .. }) => {
            assert_eq!(frame.header("receipt-id"), Some("r"))
        }
        other => panic!("{other:?}"),
    }
    assert!(b.should_close(p.id));
    assert!(matches!(
        b.next_event(),
        Some(BrokerEvent::Closed { error: Some(_), .. })
    ));
}

#[test]
fn receipts_after_processing() {
    let mut b = Broker::new(BrokerConfig::default());
    let mut p = peer(&mut b);
    p.client
        .subscribe(
            "/topic/t",
            AckMode::Auto,
            &[("receipt".into(), "s1".into())],
        )
        .unwrap();
    p.client
        .send("/topic/t", "me", &[("receipt".into(), "s2".into())])
        .unwrap();
    push(&mut b, &mut p);
    let e = pull(&mut b, &mut p);
    assert_eq!(e[0], ClientEvent::Receipt("s1".into()));
    assert!(matches!(&e[1], ClientEvent::Message(m) if &m.body()[..] == b"me"));
    assert_eq!(e[2], ClientEvent::Receipt("s2".into()));
    p.client.disconnect(true).unwrap();
    push(&mut b, &mut p);
    assert_eq!(pull(&mut b, &mut p), [ClientEvent::Disconnected]);
    assert!(b.should_close(p.id));
    assert_eq!(
        b.next_event(),
        Some(BrokerEvent::Closed {
            connection: p.id,
            error: None
        })
    );
}

#[test]
fn unknown_destinations_and_duplicate_ids_are_errors() {
    for (dest, dup) in [("/elsewhere", false), ("/topic/t", true)] {
        let mut b = Broker::new(BrokerConfig::default());
        let mut p = peer(&mut b);
        let frame = sansocket_stomp::Frame::new(sansocket_stomp::Command::Subscribe)
            .with_header("destination", dest)
            .with_header("id", "same");
        p.client.send_frame(&frame).unwrap();
        if dup {
            p.client.send_frame(&frame).unwrap();
        }
        push(&mut b, &mut p);
        assert!(
            matches!(
                pull_result(&mut b, &mut p),
                Err(SessionError::Server { .. })
            ),
            "{dest}"
        );
    }
    let mut b = Broker::new(BrokerConfig::default());
    let mut p = peer(&mut b);
    send(&mut b, &mut p, "/nowhere", "x");
    assert!(pull_result(&mut b, &mut p).is_err());
}

#[test]
fn authentication_and_grants() {
    let mut b = Broker::new(BrokerConfig::default().authenticate(true));
    let mut ok = open(&mut b, ClientConfig::default().credentials("alice", "pw"));
    let Some(BrokerEvent::Authenticate {
        connection,
        login,
        passcode,
        ..
    }) = b.next_event()
    else {
        panic!()
    };
    assert_eq!(
        (connection, login.as_deref(), passcode.as_deref()),
        (ok.id, Some("alice"), Some("pw"))
    );
    b.accept(ok.id, Grants::all().send_only(vec!["/topic/public".into()]))
        .unwrap();
    assert!(matches!(
        pull(&mut b, &mut ok)[0],
        ClientEvent::Connected(_)
    ));
    send(&mut b, &mut ok, "/topic/public", "fine");
    assert!(pull_result(&mut b, &mut ok).is_ok());
    send(&mut b, &mut ok, "/topic/private", "no");
    match pull_result(&mut b, &mut ok) {
        Err(SessionError::Server { message, .. }) => assert_eq!(message, "not authorised"),
        other => panic!("{other:?}"),
    }

    let mut bad = open(&mut b, ClientConfig::default().credentials("mallory", "x"));
    let _ = b.next_event();
    let _ = b.next_event();
    b.reject(bad.id, "bad credentials").unwrap();
    match pull_result(&mut b, &mut bad) {
        Err(SessionError::Server { message, .. }) => assert_eq!(message, "bad credentials"),
        other => panic!("{other:?}"),
    }
    assert!(b.should_close(bad.id));
}

#[test]
fn application_destinations_and_publish() {
    let mut b = Broker::new(BrokerConfig::default().app_prefixes(vec!["/app/".into()]));
    let mut p = peer(&mut b);
    subscribe(&mut b, &mut p, "/topic/chat", AckMode::Auto);
    p.client
        .send("/app/chat", "hi", &[("receipt".into(), "r".into())])
        .unwrap();
    push(&mut b, &mut p);
    let Some(BrokerEvent::AppMessage { connection, frame }) = b.next_event() else {
        panic!()
    };
    assert_eq!(connection, p.id);
    assert_eq!(&frame.body()[..], b"hi");
    b.publish(
        "/topic/chat",
        frame.body().clone(),
        &[("from".into(), "app".into())],
    )
    .unwrap();
    let e = pull(&mut b, &mut p);
    assert_eq!(e[0], ClientEvent::Receipt("r".into()));
    let ClientEvent::Message(m) = &e[1] else {
        panic!()
    };
    assert_eq!(m.frame.header("from"), Some("app"));
    assert_eq!(
        b.publish("/app/x", "y", &[]),
        Err(sansocket_stomp::UsageError::UnknownDestination)
    );
}

#[test]
fn bounded_queue() {
    let mut b = Broker::new(BrokerConfig::default().max_queue_depth(2));
    b.publish("/queue/q", "1", &[]).unwrap();
    b.publish("/queue/q", "2", &[]).unwrap();
    assert_eq!(
        b.publish("/queue/q", "3", &[]),
        Err(sansocket_stomp::UsageError::QueueFull)
    );
    let mut p = peer(&mut b);
    send(&mut b, &mut p, "/queue/q", "4");
    match pull_result(&mut b, &mut p) {
        Err(SessionError::Server { message, .. }) => assert_eq!(message, "queue full"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn slow_topic_consumer_is_closed_and_its_queue_messages_redelivered() {
    let mut b = Broker::new(BrokerConfig::default().max_outgoing(1000));
    let mut slow = peer(&mut b);
    subscribe(&mut b, &mut slow, "/queue/q", AckMode::Client);
    subscribe(&mut b, &mut slow, "/topic/t", AckMode::Auto);
    let _ = pull(&mut b, &mut slow);
    b.publish("/queue/q", "unacked", &[]).unwrap();
    let big = "x".repeat(400);
    // The slow consumer never reads: the third topic message would pass 1000 bytes.
    for _ in 0..3 {
        b.publish("/topic/t", big.clone(), &[]).unwrap();
    }
    assert!(b.should_close(slow.id));
    let Some(BrokerEvent::Closed {
        connection,
        error: Some(e),
    }) = b.next_event()
    else {
        panic!()
    };
    assert_eq!(
        (connection, e.to_string()),
        (slow.id, "slow consumer".to_owned())
    );
    // What it had not acknowledged goes to the next subscriber.
    assert_eq!(b.queue_depth("/queue/q"), 1);
    let mut next = peer(&mut b);
    subscribe(&mut b, &mut next, "/queue/q", AckMode::Auto);
    assert_eq!(bodies(&messages(&mut b, &mut next)), ["unacked"]);
}

#[test]
fn queue_messages_wait_for_room() {
    let mut b = Broker::new(BrokerConfig::default().max_outgoing(1000));
    let mut a = peer(&mut b);
    subscribe(&mut b, &mut a, "/queue/q", AckMode::Auto);
    let _ = pull(&mut b, &mut a);
    let big = "x".repeat(400);
    for _ in 0..5 {
        b.publish("/queue/q", big.clone(), &[]).unwrap();
    }
    assert!(!b.should_close(a.id));
    assert_eq!(b.queue_depth("/queue/q"), 3);
    let mut got = 0;
    for _ in 0..5 {
        got += messages(&mut b, &mut a).len();
    }
    assert_eq!(got, 5);
    assert_eq!(b.queue_depth("/queue/q"), 0);
}

#[test]
fn max_unacked_holds_messages_back() {
    let mut b = Broker::new(BrokerConfig::default().max_unacked(2));
    let mut a = peer(&mut b);
    subscribe(&mut b, &mut a, "/queue/q", AckMode::ClientIndividual);
    for i in 0..3 {
        b.publish("/queue/q", i.to_string(), &[]).unwrap();
    }
    let m = messages(&mut b, &mut a);
    assert_eq!(bodies(&m), ["0", "1"]);
    a.client.ack(&m[0], None).unwrap();
    push(&mut b, &mut a);
    assert_eq!(bodies(&messages(&mut b, &mut a)), ["2"]);
}

#[test]
fn heart_beats_through_the_broker() {
    let config = BrokerConfig::default()
        .server(ServerConfig::default().heart_beat(HeartBeat::new(1000, 1000)));
    let mut b = Broker::new(config);
    let id = b.open(Version::V1_2, 0);
    b.receive_data(
        id,
        b"CONNECT\naccept-version:1.2\nheart-beat:1000,1000\n\n\0",
        0,
    )
    .unwrap();
    let connected = b.data_to_send(id, 0);
    assert!(connected.starts_with(b"CONNECTED\n"));
    assert_eq!(b.poll_timeout(), Some(1000));
    b.handle_timeout(1000);
    assert_eq!(b.connections_to_flush(), [id]);
    assert_eq!(b.data_to_send(id, 1000), b"\n");
    b.receive_data(id, b"\n", 1500).unwrap();
    b.handle_timeout(3499);
    assert!(!b.should_close(id));
    let _ = b.data_to_send(id, 3499);
    b.handle_timeout(3500);
    assert!(b.should_close(id));
    assert!(matches!(
        b.next_event(),
        Some(BrokerEvent::Closed {
            error: Some(SessionError::HeartBeatTimeout),
            ..
        })
    ));
}

#[test]
fn subprotocol_caps_the_version() {
    let mut b = Broker::new(BrokerConfig::default());
    let id = b.open(
        sansocket_stomp::version_for_subprotocol(Some("v11.stomp")),
        0,
    );
    b.receive_data(id, b"CONNECT\naccept-version:1.1,1.2\n\n\0", 0)
        .unwrap();
    let out = b.data_to_send(id, 0);
    assert!(out.windows(12).any(|w| w == b"version:1.1\n"));
}

fn error_message(b: &mut Broker, p: &mut Peer) -> String {
    match pull_result(b, p) {
        Err(SessionError::Server { message, .. }) => message,
        other => panic!("{other:?}"),
    }
}

#[test]
fn per_connection_bounds() {
    let mut b = Broker::new(BrokerConfig::default().max_subscriptions(2));
    let mut p = peer(&mut b);
    subscribe(&mut b, &mut p, "/topic/a", AckMode::Auto);
    subscribe(&mut b, &mut p, "/topic/b", AckMode::Auto);
    subscribe(&mut b, &mut p, "/topic/c", AckMode::Auto);
    assert_eq!(error_message(&mut b, &mut p), "too many subscriptions");

    let mut b = Broker::new(BrokerConfig::default().max_transaction_frames(2));
    let mut p = peer(&mut b);
    let tx = p.client.begin(&[]).unwrap();
    for _ in 0..3 {
        p.client
            .send("/topic/a", "x", &[("transaction".into(), tx.clone())])
            .unwrap();
    }
    push(&mut b, &mut p);
    assert_eq!(error_message(&mut b, &mut p), "transaction too large");

    let mut b = Broker::new(BrokerConfig::default().max_queues(2));
    b.publish("/queue/1", "x", &[]).unwrap();
    b.publish("/queue/2", "x", &[]).unwrap();
    assert_eq!(
        b.publish("/queue/3", "x", &[]),
        Err(sansocket_stomp::UsageError::QueueFull)
    );
    let mut p = peer(&mut b);
    // Draining a queue and leaving it frees its slot.
    let id = subscribe(&mut b, &mut p, "/queue/1", AckMode::Auto);
    assert_eq!(messages(&mut b, &mut p).len(), 1);
    p.client.unsubscribe(&id, &[]).unwrap();
    push(&mut b, &mut p);
    b.publish("/queue/3", "x", &[]).unwrap();
    send(&mut b, &mut p, "/queue/4", "x");
    assert_eq!(error_message(&mut b, &mut p), "too many queues");
}
