//! The PostgreSQL store never waits without a deadline, and its errors say
//! what the server said, never the password.
#![cfg(feature = "postgres")]

use std::time::{Duration, Instant};

use asyncgate_config::claim::{ClaimError, PgStore};

const CANARY: &str = "Canary-Pg-Passw0rd";

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

fn reason(result: Result<PgStore, ClaimError>) -> String {
    match result {
        Err(e) => e.to_string(),
        Ok(_) => panic!("expected an error"),
    }
}

#[test]
fn a_database_that_never_answers_fails_within_the_deadline() {
    // Accepts TCP (the kernel's backlog) but never speaks PostgreSQL.
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = silent.local_addr().unwrap().port();
    let url = format!("postgresql://app:{CANARY}@127.0.0.1:{port}/app");
    let started = Instant::now();
    let error = reason(runtime().block_on(PgStore::connect(&url, Duration::from_secs(2))));
    let took = started.elapsed();
    assert!(took < Duration::from_secs(5), "took {took:?}");
    assert!(
        error.contains("cannot connect") || error.contains("no answer within 1000ms"),
        "{error}"
    );
    assert!(!error.contains(CANARY), "{error}");
}

#[test]
fn a_refused_connection_says_so() {
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let url = format!("postgresql://app:{CANARY}@127.0.0.1:{port}/app");
    let error = reason(runtime().block_on(PgStore::connect(&url, Duration::from_secs(2))));
    assert!(
        error.contains("cannot connect") && error.to_lowercase().contains("refused"),
        "{error}"
    );
    assert!(!error.contains(CANARY), "{error}");
}
