//! Slow, idle and half-sent clients cannot hold the server or its claim:
//! header-read timeout, idle keep-alive timeout, connection limit, and a
//! shutdown deadline, with the real binary on loopback.

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use common::{API_KEY, Server, get};

const LIMITS: [(&str, &str); 5] = [
    ("ASYNCGATE_API_KEY", API_KEY),
    ("ASYNCGATE_HTTP_HEADER_TIMEOUT_MS", "400"),
    ("ASYNCGATE_HTTP_BODY_TIMEOUT_MS", "400"),
    ("ASYNCGATE_HTTP_MAX_CONNECTIONS", "32"),
    ("ASYNCGATE_SHUTDOWN_TIMEOUT_MS", "500"),
];

/// Waits until the server closes `stream` (read gives 0 or an error).
fn closed_within(stream: &mut TcpStream, limit: Duration) -> Option<Duration> {
    let started = Instant::now();
    stream.set_read_timeout(Some(limit)).unwrap();
    let mut buf = [0u8; 4096];
    loop {
        match stream.read(&mut buf) {
            Ok(0) => return Some(started.elapsed()),
            Ok(_) => {}
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) =>
            {
                return None;
            }
            Err(_) => return Some(started.elapsed()),
        }
    }
}

#[test]
fn a_half_sent_request_is_closed_after_the_header_timeout() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path(), &LIMITS);
    let mut stream = TcpStream::connect(server.addr).unwrap();
    stream
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
        .unwrap();
    let closed = closed_within(&mut stream, Duration::from_secs(5));
    assert!(
        closed.is_some_and(|t| t < Duration::from_secs(3)),
        "{closed:?}"
    );
}

/// What the server sent back before it closed, read until the close.
fn answer_then_close(stream: &mut TcpStream, limit: Duration) -> (String, Option<Duration>) {
    let started = Instant::now();
    stream.set_read_timeout(Some(limit)).unwrap();
    let mut answer = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        match stream.read(&mut buf) {
            Ok(0) => {
                return (
                    String::from_utf8_lossy(&answer).into_owned(),
                    Some(started.elapsed()),
                );
            }
            Ok(n) => answer.extend_from_slice(&buf[..n]),
            Err(_) => return (String::from_utf8_lossy(&answer).into_owned(), None),
        }
    }
}

#[test]
fn a_stalled_body_gets_408_and_its_connection_is_closed() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path(), &LIMITS);
    let mut stream = TcpStream::connect(server.addr).unwrap();
    // No API key: the body deadline holds before authentication too.
    stream
        .write_all(b"POST /v1/tasks HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{")
        .unwrap();
    let (answer, closed) = answer_then_close(&mut stream, Duration::from_secs(5));
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(
        answer.contains("ASYNCGATE_HTTP_BODY_TIMEOUT_MS"),
        "{answer}"
    );
    assert!(
        closed.is_some_and(|t| t < Duration::from_secs(3)),
        "{closed:?}"
    );
}

#[test]
fn a_trickled_body_gets_408_within_the_deadline_however_steady() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path(), &LIMITS);
    let mut stream = TcpStream::connect(server.addr).unwrap();
    let auth = format!("Authorization: Bearer {API_KEY}\r\n");
    stream
        .write_all(
            format!("POST /v1/tasks HTTP/1.1\r\nHost: x\r\n{auth}Content-Length: 60\r\n\r\n")
                .as_bytes(),
        )
        .unwrap();
    let started = Instant::now();
    // One byte every 100 ms: 60 bytes would take 6 s; the deadline is 400 ms.
    let mut writer = stream.try_clone().unwrap();
    let trickle = std::thread::spawn(move || {
        for _ in 0..60 {
            if writer.write_all(b" ").is_err() {
                break;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    });
    let (answer, closed) = answer_then_close(&mut stream, Duration::from_secs(8));
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(
        closed.is_some() && started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
    trickle.join().unwrap();
    // A body sent at once is still served.
    let (status, _, _) = common::request(
        server.addr,
        "POST",
        "/v1/tasks",
        &[("Authorization", &format!("Bearer {API_KEY}"))],
        "{}",
    );
    assert_eq!(status, 201);
}

#[test]
fn an_idle_keep_alive_connection_is_closed() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path(), &LIMITS);
    let mut stream = TcpStream::connect(server.addr).unwrap();
    stream
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        .unwrap();
    let mut first = [0u8; 12];
    stream.read_exact(&mut first).unwrap();
    assert_eq!(&first, b"HTTP/1.1 200");
    let closed = closed_within(&mut stream, Duration::from_secs(5));
    assert!(
        closed.is_some_and(|t| t < Duration::from_secs(3)),
        "{closed:?}"
    );
}

#[test]
fn hundreds_of_idle_sockets_do_not_stop_healthz() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path(), &LIMITS);
    let idle: Vec<TcpStream> = (0..600)
        .filter_map(|_| TcpStream::connect(server.addr).ok())
        .collect();
    assert!(idle.len() >= 500, "only {} sockets connected", idle.len());
    // The idle ones are dropped by the header timeout (and those over the
    // limit at once); a new client is served well within a few seconds.
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let answered = std::panic::catch_unwind(|| get(server.addr, "/healthz", &[]).0);
        if answered.is_ok_and(|status| status == 200) {
            break;
        }
        assert!(Instant::now() < deadline, "/healthz never answered");
        std::thread::sleep(Duration::from_millis(100));
    }
    drop(idle);
    // Hundreds of refused connections are a line or two in the log, which
    // carries no colour codes (stderr is a pipe here).
    let (_, log) = server.terminate();
    let lines = log
        .lines()
        .filter(|l| l.contains("connection limit reached"))
        .count();
    assert!((1..=2).contains(&lines), "{lines} limit lines:\n{log}");
    assert!(!log.contains('\u{1b}'), "ANSI codes in a piped log:\n{log}");
}

#[test]
fn sigterm_with_a_half_sent_request_exits_within_the_shutdown_deadline() {
    let dir = tempfile::tempdir().unwrap();
    let mut env = LIMITS.to_vec();
    // A long header timeout: only the shutdown deadline can end this one.
    env[1] = ("ASYNCGATE_HTTP_HEADER_TIMEOUT_MS", "60000");
    let server = Server::start(dir.path(), &env);
    let mut stream = TcpStream::connect(server.addr).unwrap();
    stream
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
        .unwrap();
    std::thread::sleep(Duration::from_millis(100));
    let started = Instant::now();
    server.signal("TERM");
    let (code, log) = server.wait_exit(Duration::from_secs(10));
    assert_eq!(code, Some(0), "{log}");
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "took {:?}",
        started.elapsed()
    );
    drop(stream);
}

#[test]
fn a_body_slower_than_the_minimum_rate_gets_408_before_the_deadline() {
    let dir = tempfile::tempdir().unwrap();
    let env = [
        ("ASYNCGATE_API_KEY", API_KEY),
        ("ASYNCGATE_HTTP_BODY_TIMEOUT_MS", "20000"),
        ("ASYNCGATE_HTTP_BODY_MIN_RATE", "100"),
    ];
    let server = Server::start(dir.path(), &env);
    let mut stream = TcpStream::connect(server.addr).unwrap();
    // No API key: the rate holds before authentication too.
    stream
        .write_all(b"POST /v1/tasks HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n")
        .unwrap();
    let started = Instant::now();
    // Five bytes a second, steadily: the deadline alone would wait 20 s.
    let mut writer = stream.try_clone().unwrap();
    let trickle = std::thread::spawn(move || {
        for _ in 0..100 {
            if writer.write_all(b" ").is_err() {
                break;
            }
            std::thread::sleep(Duration::from_millis(200));
        }
    });
    let (answer, closed) = answer_then_close(&mut stream, Duration::from_secs(10));
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(answer.contains("ASYNCGATE_HTTP_BODY_MIN_RATE"), "{answer}");
    assert!(
        closed.is_some() && started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
    trickle.join().unwrap();
}

/// Sends pipelined requests on `stream` and never reads an answer, until
/// the server stops reading too (its answers fill both sockets' buffers).
fn pipeline_without_reading(stream: &TcpStream) {
    let mut writer = stream.try_clone().unwrap();
    writer
        .set_write_timeout(Some(Duration::from_secs(1)))
        .unwrap();
    let requests = "GET /v1/config HTTP/1.1\r\nHost: x\r\n\r\n".repeat(200);
    let started = Instant::now();
    while writer.write_all(requests.as_bytes()).is_ok() {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "the server kept reading for a minute"
        );
    }
}

#[test]
fn clients_that_never_read_their_answers_lose_their_connections() {
    let dir = tempfile::tempdir().unwrap();
    let env = [
        ("ASYNCGATE_API_KEY", API_KEY),
        ("ASYNCGATE_HTTP_WRITE_TIMEOUT_MS", "500"),
        ("ASYNCGATE_HTTP_MAX_CONNECTIONS", "2"),
    ];
    let server = Server::start(dir.path(), &env);
    let mut clients: Vec<TcpStream> = (0..2)
        .map(|_| TcpStream::connect(server.addr).unwrap())
        .collect();
    std::thread::scope(|s| {
        for client in &clients {
            s.spawn(|| pipeline_without_reading(client));
        }
    });
    // Each answer waits at most 500 ms for its reader: then the server
    // closes the connection, with requests unread, so the close is a reset
    // that the client's next write meets. (Reading here would let the
    // server finish its answers: this client never reads.)
    std::thread::sleep(Duration::from_millis(1500));
    for client in &mut clients {
        client
            .set_write_timeout(Some(Duration::from_secs(1)))
            .unwrap();
        let kind = client
            .write_all(&[b'x'; 64 * 1024])
            .and_then(|()| client.write_all(&[b'x'; 64 * 1024]))
            .expect_err("the connection is still open: its writes only wait")
            .kind();
        assert!(
            matches!(
                kind,
                std::io::ErrorKind::ConnectionReset | std::io::ErrorKind::BrokenPipe
            ),
            "the connection is still open ({kind:?})"
        );
    }
    drop(clients);
    assert_eq!(get(server.addr, "/healthz", &[]).0, 200);
}

#[test]
fn a_health_check_gets_through_when_slow_clients_hold_every_slot() {
    let dir = tempfile::tempdir().unwrap();
    let env = [
        ("ASYNCGATE_API_KEY", API_KEY),
        ("ASYNCGATE_HTTP_HEADER_TIMEOUT_MS", "20000"),
        ("ASYNCGATE_HTTP_MAX_CONNECTIONS", "2"),
    ];
    let server = Server::start(dir.path(), &env);
    // Two slow clients, half a request head each, hold both slots for 20 s.
    let mut slow: Vec<TcpStream> = (0..2)
        .map(|_| TcpStream::connect(server.addr).unwrap())
        .collect();
    for client in &mut slow {
        client
            .write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
            .unwrap();
    }
    std::thread::sleep(Duration::from_millis(200));
    // The reserve serves the check at once.
    let started = Instant::now();
    assert_eq!(get(server.addr, "/healthz", &[]).0, 200);
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "{:?}",
        started.elapsed()
    );
    // A slow client in the reserve is closed within its short lifetime.
    let mut squatter = TcpStream::connect(server.addr).unwrap();
    squatter.write_all(b"GET /healthz HTTP/1.1\r\n").unwrap();
    let closed = closed_within(&mut squatter, Duration::from_secs(10));
    assert!(
        closed.is_some_and(|t| t <= Duration::from_millis(2500)),
        "{closed:?}"
    );
    drop(slow);
}
