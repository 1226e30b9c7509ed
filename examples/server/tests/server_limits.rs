//! Slow, idle and half-sent clients cannot hold the server or its claim:
//! header-read timeout, idle keep-alive timeout, connection limit, and a
//! shutdown deadline, with the real binary on loopback.

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use common::{API_KEY, Server, get};

const LIMITS: [(&str, &str); 4] = [
    ("ASYNCGATE_API_KEY", API_KEY),
    ("ASYNCGATE_HTTP_HEADER_TIMEOUT_MS", "400"),
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
