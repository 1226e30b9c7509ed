//! The PostgreSQL store's errors say what the server said (on a running
//! server: see `asyncgate-config/tests/postgres_errors.rs` for the ones
//! that need none).

use std::time::Duration;

use asyncgate_config::claim::PgStore;
use asyncgate_test_support::database_url;

fn reason(result: Result<PgStore, asyncgate_config::claim::ClaimError>) -> String {
    match result {
        Err(e) => e.to_string(),
        Ok(_) => panic!("expected an error"),
    }
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

#[test]
#[cfg_attr(
    asyncgate_no_postgres,
    ignore = "needs PostgreSQL: install it (pg_ctl) or set ASYNCGATE_TEST_DATABASE_URL"
)]
fn a_missing_database_is_named_with_the_servers_message() {
    let url = database_url();
    let (base, _) = url.rsplit_once('/').unwrap();
    let url = format!("{base}/no_such_database_here");
    let error = reason(runtime().block_on(PgStore::connect(&url, Duration::from_secs(3))));
    assert!(
        error.contains("database \"no_such_database_here\" does not exist"),
        "{error}"
    );
    assert!(error.contains("SQLSTATE 3D000"), "{error}");
}
