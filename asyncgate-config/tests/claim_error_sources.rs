//! A store failure keeps the error underneath as its `source()`, so a
//! caller can match an `io::ErrorKind` or a SQLSTATE, while the message
//! stays the one the operator reads.
#![cfg(feature = "claims")]

use std::error::Error as _;

use asyncgate_config::InstanceId;
use asyncgate_config::claim::{ClaimError, ClaimStore, FileStore};

fn block_on<F: std::future::Future>(f: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a current-thread runtime")
        .block_on(f)
}

#[cfg(unix)]
#[test]
fn a_file_store_failure_keeps_its_io_error_as_the_source() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o700)).unwrap();
    let store = FileStore::new(dir.path()).unwrap();
    let id: InstanceId = "worker-1".parse().unwrap();
    // A directory where the lock file belongs: opening it for writing fails.
    std::fs::create_dir(store.lock_path(&id)).unwrap();
    let err = match block_on(store.acquire(&id)) {
        Err(err) => err,
        Ok(_) => panic!("a directory is not a lock file"),
    };
    let ClaimError::Store { reason, .. } = &err else {
        panic!("expected a store error, got {err}");
    };
    assert!(reason.starts_with("cannot open "), "{reason}");
    let io = err
        .source()
        .and_then(|s| s.downcast_ref::<std::io::Error>())
        .expect("the io::Error is the source");
    assert_eq!(io.kind(), std::io::ErrorKind::IsADirectory);
    // The message names the file and what the OS said, as before.
    assert!(err.to_string().contains(&io.to_string()), "{err}");
}

#[test]
fn a_store_error_without_a_cause_has_no_source() {
    let err = ClaimError::store("claim store", "not configured");
    assert!(err.source().is_none());
    assert_eq!(err.to_string(), "claim store claim store: not configured");
}

#[cfg(feature = "postgres")]
#[test]
fn a_postgres_connection_failure_keeps_the_driver_error_as_the_source() {
    use asyncgate_config::claim::PgStore;
    // Nothing listens on port 1: the connection is refused at once.
    let err = block_on(PgStore::connect(
        "postgresql://app:hunter2@127.0.0.1:1/app",
        std::time::Duration::from_secs(3),
    ))
    .expect_err("nothing listens on port 1");
    let driver = err
        .source()
        .and_then(|s| s.downcast_ref::<tokio_postgres::Error>())
        .unwrap_or_else(|| panic!("the tokio_postgres::Error is the source of: {err}"));
    assert!(
        driver.as_db_error().is_none(),
        "a connection error, not a SQL one"
    );
    assert!(!err.to_string().contains("hunter2"), "{err}");
}
