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

#[test]
fn a_missing_database_is_named_with_the_servers_message() {
    let Ok(url) = std::env::var("ASYNCGATE_TEST_DATABASE_URL") else {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must set ASYNCGATE_TEST_DATABASE_URL"
        );
        eprintln!("skipped: ASYNCGATE_TEST_DATABASE_URL is not set");
        return;
    };
    let (base, _) = url.rsplit_once('/').unwrap();
    let url = format!("{base}/no_such_database_here");
    let error = reason(runtime().block_on(PgStore::connect(&url, Duration::from_secs(3))));
    assert!(
        error.contains("database \"no_such_database_here\" does not exist"),
        "{error}"
    );
    assert!(error.contains("SQLSTATE 3D000"), "{error}");
}
