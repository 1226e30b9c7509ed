//! The task and lease routes of `asyncgate start`, on the embedded store
//! (file claim store) and on PostgreSQL: creation, leasing, renewal within
//! limits, completion once, requeue of an expired lease by the owner's
//! sweeper without consuming an attempt, and clear errors for bad input.

mod common;

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use common::{API_KEY, Server, database_url, request};

fn call(addr: SocketAddr, method: &str, path: &str, body: &str) -> (u16, serde_json::Value) {
    let auth = format!("Bearer {API_KEY}");
    let (status, _, body) = request(
        addr,
        method,
        path,
        &[("Authorization", auth.as_str())],
        body,
    );
    let json = if body.trim().is_empty() {
        serde_json::Value::Null
    } else {
        serde_json::from_str(&body).unwrap_or_else(|e| panic!("{method} {path}: {e}: {body}"))
    };
    (status, json)
}

fn scenario(server: &Server) {
    let addr = server.addr;
    // Unauthenticated: nothing.
    assert_eq!(request(addr, "POST", "/v1/tasks", &[], "{}").0, 401);
    let (status, created) = call(
        addr,
        "POST",
        "/v1/tasks",
        r#"{"kind":"email","to":"a@example.com"}"#,
    );
    assert_eq!(status, 201, "{created}");
    let task = created["task_id"].as_i64().unwrap();
    let (status, view) = call(addr, "GET", &format!("/v1/tasks/{task}"), "");
    assert_eq!(status, 200);
    assert_eq!(view["status"], "queued");
    assert_eq!(view["owner_instance"], "tasks-node-1");

    // Valid JSON that no store keeps (PostgreSQL's jsonb refuses U+0000):
    // a bad request naming where, and the store serves on.
    for (body, place) in [
        (r#"{"note":"a\u0000b"}"#, "payload.note"),
        (r#"{"items":[1,{"k\u0000":2}]}"#, "payload.items[1].k\\0"),
    ] {
        let (status, refused) = call(addr, "POST", "/v1/tasks", body);
        assert_eq!(status, 400, "{refused}");
        let message = refused["error"].as_str().unwrap_or_default();
        assert!(
            message.starts_with(&format!("{place} holds U+0000")),
            "{message}"
        );
    }
    assert_eq!(call(addr, "GET", &format!("/v1/tasks/{task}"), "").0, 200);

    // A lease, renewed up to the limit (ASYNCGATE_MAX_LEASE_RENEWALS=2).
    let (status, lease) = call(
        addr,
        "POST",
        "/v1/leases",
        r#"{"worker_id":"w1","ttl_seconds":30}"#,
    );
    assert_eq!(status, 200, "{lease}");
    assert_eq!(lease["task_id"], task);
    assert!(lease["expires_at"].as_str().unwrap().ends_with('Z'));
    let lease_id = lease["lease_id"].as_i64().unwrap();
    assert_eq!(
        call(addr, "POST", "/v1/leases", r#"{"worker_id":"w2"}"#).0,
        204
    );
    for _ in 0..2 {
        assert_eq!(
            call(
                addr,
                "POST",
                &format!("/v1/leases/{lease_id}/renew"),
                r#"{"ttl_seconds":30}"#
            )
            .0,
            200
        );
    }
    let (status, refused) = call(addr, "POST", &format!("/v1/leases/{lease_id}/renew"), "");
    assert_eq!(status, 409);
    assert!(
        refused["error"]
            .as_str()
            .unwrap()
            .contains("max_lease_renewals"),
        "{refused}"
    );
    // Completed once; the second completion is refused.
    assert_eq!(
        call(addr, "POST", &format!("/v1/leases/{lease_id}/complete"), "").0,
        200
    );
    assert_eq!(
        call(addr, "POST", &format!("/v1/leases/{lease_id}/complete"), "").0,
        409
    );
    let (_, view) = call(addr, "GET", &format!("/v1/tasks/{task}"), "");
    assert_eq!(
        (view["status"].as_str(), view["attempt"].as_i64()),
        (Some("completed"), Some(1))
    );

    // An abandoned lease: the owner's sweeper requeues it, and the expiry
    // does not consume an attempt.
    let (_, created) = call(addr, "POST", "/v1/tasks", "[1,2,3]");
    let task = created["task_id"].as_i64().unwrap();
    let (_, lease) = call(
        addr,
        "POST",
        "/v1/leases",
        r#"{"worker_id":"w3","ttl_seconds":1}"#,
    );
    assert_eq!(lease["task_id"], task);
    let lease_id = lease["lease_id"].as_i64().unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    let view = loop {
        let (_, view) = call(addr, "GET", &format!("/v1/tasks/{task}"), "");
        if view["requeues"] == 1 || Instant::now() > deadline {
            break view;
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    assert_eq!(view["status"], "queued", "{view}");
    assert_eq!(
        (view["requeues"].as_i64(), view["attempt"].as_i64()),
        (Some(1), Some(0)),
        "{view}"
    );
    assert_eq!(
        call(addr, "POST", &format!("/v1/leases/{lease_id}/complete"), "").0,
        409
    );

    // Bad input: clear 400s and 404s.
    let cases: &[(&str, &str, &str, u16, &str)] = &[
        ("POST", "/v1/tasks", "{not json", 400, "not valid JSON"),
        ("POST", "/v1/leases", "{}", 400, "worker_id is required"),
        (
            "POST",
            "/v1/leases",
            r#"{"worker_id":"w","ttl_seconds":999999}"#,
            400,
            "max_lease_ttl_seconds",
        ),
        (
            "POST",
            "/v1/leases",
            r#"{"worker_id":"w","ttl_seconds":-1}"#,
            400,
            "ttl_seconds",
        ),
        ("POST", "/v1/leases/abc/complete", "", 400, "whole number"),
        (
            "POST",
            "/v1/leases/987654321/renew",
            "",
            409,
            "no longer held",
        ),
        ("GET", "/v1/tasks/987654321", "", 404, "no such task"),
        ("GET", "/v1/tasks/x", "", 400, "whole number"),
    ];
    for (method, path, body, status, says) in cases {
        let (got, json) = call(addr, method, path, body);
        assert_eq!(got, *status, "{method} {path} {body}: {json}");
        assert!(
            json["error"].as_str().unwrap().contains(says),
            "{method} {path}: {json}"
        );
    }
    // A body over 64 KiB is refused before it is read.
    let big = format!("[\"{}\"]", "x".repeat(70 * 1024));
    let auth = format!("Bearer {API_KEY}");
    let (status, _, _) = request(
        addr,
        "POST",
        "/v1/tasks",
        &[("Authorization", auth.as_str())],
        &big,
    );
    assert_eq!(status, 413);
    // The instance reports its partition.
    let (_, instance) = call(addr, "GET", "/v1/instance", "");
    assert_eq!(
        instance["partitions"][0]["instance_id"], "tasks-node-1",
        "{instance}"
    );
    assert_eq!(instance["partitions"][0]["adopted"], false);
}

const LIMITS: &[(&str, &str)] = &[
    ("ASYNCGATE_INSTANCE_ID", "tasks-node-1"),
    ("ASYNCGATE_API_KEY", API_KEY),
    ("ASYNCGATE_LEASE_SWEEP_INTERVAL_SECONDS", "1"),
    ("ASYNCGATE_MAX_LEASE_RENEWALS", "2"),
];

#[test]
fn tasks_and_leases_on_the_embedded_store() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path(), LIMITS);
    scenario(&server);
    // The store is a file in the private claim directory.
    assert!(dir.path().join("claims/tasks.sqlite3").exists());
}

#[test]
#[cfg_attr(
    asyncgate_no_postgres,
    ignore = "needs PostgreSQL: install it (pg_ctl) or set ASYNCGATE_TEST_DATABASE_URL"
)]
fn tasks_and_leases_on_postgres() {
    let url = database_url();
    // A fresh database of this test's own: task ids and owners start clean.
    let db = format!("tasks_{}", std::process::id());
    let db_url = common::fresh_database(&url, &db);
    let dir = tempfile::tempdir().unwrap();
    let mut env = LIMITS.to_vec();
    env.extend([
        ("ASYNCGATE_CLAIM_STORE", "postgres"),
        ("ASYNCGATE_DATABASE_URL", db_url.as_str()),
        ("ASYNCGATE_CLAIM_TTL_MS", "3000"),
    ]);
    let server = Server::start(dir.path(), &env);
    scenario(&server);
    drop(server);
    common::psql(&url, &format!("DROP DATABASE IF EXISTS {db} WITH (FORCE)"));
}

#[test]
fn a_task_store_that_cannot_open_stops_the_server_with_the_reason() {
    use std::os::unix::fs::DirBuilderExt;
    let dir = tempfile::tempdir().unwrap();
    let claims = dir.path().join("claims");
    std::fs::DirBuilder::new()
        .mode(0o700)
        .create(&claims)
        .unwrap();
    // A directory where the database file should be.
    std::fs::create_dir(claims.join("tasks.sqlite3")).unwrap();
    let server = Server::start(dir.path(), LIMITS);
    // It answers what needs no database meanwhile, then stops.
    let (code, log) = server.wait_exit(Duration::from_secs(10));
    assert_eq!(code, Some(1), "{log}");
    assert!(
        log.contains("asyncgate: stopped: task store: cannot open the task store"),
        "{log}"
    );
    assert!(log.contains("tasks.sqlite3"), "{log}");
}

/// Replicas on one host: the file claim store, one shared claim directory
/// (and so one embedded task store), sweeps every second.
struct OneHost {
    dir: tempfile::TempDir,
}

impl OneHost {
    fn new() -> OneHost {
        OneHost {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    fn start(&self, id: &str) -> Server {
        let shared = self.dir.path().join("shared-claims").display().to_string();
        Server::start(
            self.dir.path(),
            &[
                ("ASYNCGATE_API_KEY", API_KEY),
                ("ASYNCGATE_LEASE_SWEEP_INTERVAL_SECONDS", "1"),
                ("ASYNCGATE_CLAIM_DIR", shared.as_str()),
                ("ASYNCGATE_INSTANCE_ID", id),
            ],
        )
    }
}

/// One host, the file claim store: a replica replaced under a new id (a
/// new container's hostname) leaves a leased task behind. A peer adopts
/// the dead id's partition, requeues the task once its lease expires, and
/// lets the partition go; the id, started again, claims the next epoch.
#[test]
fn on_one_host_a_peer_adopts_a_dead_replicas_partition() {
    let host = OneHost::new();
    let a = host.start("node-a");
    let b = host.start("node-b");
    let (status, created) = call(a.addr, "POST", "/v1/tasks", r#"{"n":1}"#);
    assert_eq!(status, 201, "{created}");
    let task = created["task_id"].as_i64().unwrap();
    let (status, lease) = call(
        a.addr,
        "POST",
        "/v1/leases",
        r#"{"worker_id":"w1","ttl_seconds":1}"#,
    );
    assert_eq!((status, &lease["task_id"]), (200, &created["task_id"]));
    drop(a); // kill -9: node-a never comes back under that name
    let deadline = Instant::now() + Duration::from_secs(15);
    let view = loop {
        let (_, view) = call(b.addr, "GET", &format!("/v1/tasks/{task}"), "");
        if view["status"] == "queued" || Instant::now() > deadline {
            break view;
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    if view["status"] != "queued" {
        let (_, log) = b.terminate();
        panic!("not requeued by the peer: {view}\n{log}");
    }
    assert_eq!(view["owner_instance"], "node-a", "{view}");
    let (_, log) = b.terminate();
    assert!(
        log.contains("adopted the partition of dead replica node-a (epoch 2)"),
        "{log}"
    );
    assert!(
        log.contains("requeued 1 expired leases of adopted partition node-a"),
        "{log}"
    );
    // The id starts again: a claim of its own at the next epoch.
    let again = host.start("node-a");
    assert_eq!(again.epoch(), 3, "{}", again.early_log.join("\n"));
}

/// One host: an adoption that still has leased tasks to watch is taken back
/// when the dead id starts again; the id waits for the adopter to let go
/// (within two of its check intervals), and the adopter drops the
/// partition.
#[test]
fn on_one_host_an_adopted_partition_is_taken_back_when_its_id_starts_again() {
    let host = OneHost::new();
    let a = host.start("node-a");
    let b = host.start("node-b");
    let mut tasks = Vec::new();
    for ttl in [1, 60] {
        let (_, created) = call(a.addr, "POST", "/v1/tasks", "{}");
        let body = format!(r#"{{"worker_id":"w{ttl}","ttl_seconds":{ttl}}}"#);
        let (status, lease) = call(a.addr, "POST", "/v1/leases", &body);
        assert_eq!((status, &lease["task_id"]), (200, &created["task_id"]));
        tasks.push(created["task_id"].as_i64().unwrap());
    }
    drop(a); // kill -9
    // The peer adopts node-a and requeues the short lease; the long one
    // keeps the adoption.
    let deadline = Instant::now() + Duration::from_secs(15);
    while call(b.addr, "GET", &format!("/v1/tasks/{}", tasks[0]), "").1["status"] != "queued" {
        assert!(
            Instant::now() < deadline,
            "the short lease was not requeued"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    let started = Instant::now();
    let again = host.start("node-a");
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(again.epoch(), 3, "{}", again.early_log.join("\n"));
    assert!(
        again
            .early_log
            .iter()
            .any(|l| l.contains("took the partition of node-a back from node-b")),
        "{}",
        again.early_log.join("\n")
    );
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let line = b
            .log
            .recv_timeout(deadline.saturating_duration_since(Instant::now()))
            .expect("the adopter says it was taken back");
        if line.contains("adopted partition node-a (epoch 2) was taken back") {
            break;
        }
    }
    // The long lease is node-a's again: still leased, not requeued.
    let (_, view) = call(again.addr, "GET", &format!("/v1/tasks/{}", tasks[1]), "");
    assert_eq!(
        (view["status"].as_str(), view["requeues"].as_i64()),
        (Some("leased"), Some(0))
    );
}
