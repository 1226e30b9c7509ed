//! Instance claims with the PostgreSQL store, with real processes and a
//! real PostgreSQL (`.ci/run` starts one). Fault tests of DESIGN §5:
//! refusal, contention, takeover after SIGTERM and kill -9, a frozen
//! holder that must not write after its successor, and database restarts.

mod common;

use std::time::{Duration, Instant};

use common::{API_KEY, OwnCluster, Server, Started, database_url, get, psql, start_many};

/// Lease ttl for these tests (renewed every ttl/3).
const TTL_MS: u64 = 1500;

fn env<'a>(url: &'a str, id: &'a str, ttl: &'a str) -> Vec<(&'static str, &'a str)> {
    vec![
        ("ASYNCGATE_CLAIM_STORE", "postgres"),
        ("ASYNCGATE_DATABASE_URL", url),
        ("ASYNCGATE_CLAIM_TTL_MS", ttl),
        ("ASYNCGATE_INSTANCE_ID", id),
        ("ASYNCGATE_API_KEY", API_KEY),
        ("ASYNCGATE_LEASE_SWEEP_INTERVAL_SECONDS", "1"),
    ]
}

/// One test's database URL, working directory, unique id and lease ttl.
struct Case {
    url: String,
    dir: tempfile::TempDir,
    id: String,
    ttl: String,
}

impl Case {
    /// A case on the test database.
    fn new(name: &str, ttl_ms: u64) -> Case {
        let url = database_url();
        Case {
            url,
            dir: tempfile::tempdir().unwrap(),
            id: unique(name),
            ttl: ttl_ms.to_string(),
        }
    }

    fn env(&self) -> Vec<(&'static str, &str)> {
        env(&self.url, &self.id, &self.ttl)
    }

    fn start(&self) -> Server {
        Server::start(self.dir.path(), &self.env())
    }

    fn try_start(&self) -> Started {
        Server::try_start(self.dir.path(), &self.env())
    }
}

/// A unique id per test run, so tests (and reruns) can share the database.
fn unique(name: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    format!("{name}-{}-{nanos}", std::process::id())
}

#[test]
#[cfg_attr(
    asyncgate_no_postgres,
    ignore = "needs PostgreSQL: install it (pg_ctl) or set ASYNCGATE_TEST_DATABASE_URL"
)]
fn a_second_live_replica_is_refused_with_the_holder() {
    let case = Case::new("pg-refuse", TTL_MS);
    let id = &case.id;
    let a = case.start();
    let Started::Exited { code, log } = case.try_start() else {
        panic!("B must not serve while A holds {id}");
    };
    assert_eq!(code, Some(75), "{log}");
    assert!(
        log.contains(&format!(
            "instance_id '{id}' is already claimed by pid {} on ",
            a.pid()
        )),
        "{log}"
    );
    // Well past A's ttl, A still holds (it renews) and serves.
    std::thread::sleep(Duration::from_millis(TTL_MS * 2));
    assert_eq!(get(a.addr, "/v1/config", &[]).0, 200);
    let Started::Exited { code, .. } = case.try_start() else {
        panic!()
    };
    assert_eq!(code, Some(75));
    let (code, _) = a.terminate();
    assert_eq!(code, Some(0));
}

#[test]
#[cfg_attr(
    asyncgate_no_postgres,
    ignore = "needs PostgreSQL: install it (pg_ctl) or set ASYNCGATE_TEST_DATABASE_URL"
)]
fn twenty_contenders_one_holder_per_round() {
    let case = Case::new("pg-contended", 5000);
    let (url, id) = (&case.url, &case.id);
    let env = case.env();
    for round in 1..=100u64 {
        let mut holders = Vec::new();
        for started in start_many(case.dir.path(), &env, 20) {
            match started {
                Started::Serving(server) => holders.push(server),
                Started::Exited { code, log } => assert_eq!(code, Some(75), "round {round}: {log}"),
            }
        }
        assert_eq!(holders.len(), 1, "round {round}: exactly one holder");
        let holder = holders.pop().unwrap();
        assert_eq!(holder.epoch(), round);
        let (code, _) = holder.terminate();
        assert_eq!(code, Some(0));
    }
    assert_eq!(
        psql(
            url,
            &format!("SELECT epoch FROM asyncgate_claims WHERE instance_id = '{id}'")
        ),
        "100"
    );
}

#[test]
#[cfg_attr(
    asyncgate_no_postgres,
    ignore = "needs PostgreSQL: install it (pg_ctl) or set ASYNCGATE_TEST_DATABASE_URL"
)]
fn after_sigterm_a_successor_acquires_at_once_with_the_next_epoch() {
    let case = Case::new("pg-sigterm", 10000);
    let a = case.start();
    let epoch = a.epoch();
    let (code, log) = a.terminate();
    assert_eq!(code, Some(0), "{log}");
    // The ttl is 10s: only a graceful release lets B in at once.
    let b = case.start();
    assert_eq!(b.epoch(), epoch + 1);
}

/// Kills the holder with SIGKILL and starts a successor as soon as it can
/// serve: how long that took, and whether the epoch went up by one.
fn kill_9_then_take_over(case: &Case) -> (Duration, bool) {
    let a = case.start();
    let epoch = a.epoch();
    a.signal("KILL");
    let killed = Instant::now();
    let _ = a.wait_exit(Duration::from_secs(10));
    let b = start_when_free(case);
    (killed.elapsed(), b.epoch() == epoch + 1)
}

#[test]
#[cfg_attr(
    asyncgate_no_postgres,
    ignore = "needs PostgreSQL: install it (pg_ctl) or set ASYNCGATE_TEST_DATABASE_URL"
)]
fn after_kill_9_a_successor_takes_over_within_ttl_and_a_third() {
    let case = Case::new("pg-kill9", TTL_MS);
    let (took, next_epoch) = kill_9_then_take_over(&case);
    eprintln!("takeover after kill -9 (postgres, ttl {TTL_MS}ms): {took:?}");
    assert!(next_epoch);
    // The lease can outlive the kill by at most one ttl (renewed ttl/3 before);
    // one extra second covers process start-up on a loaded machine.
    assert!(
        took <= Duration::from_millis(TTL_MS + TTL_MS / 3 + 1000),
        "{took:?}"
    );
}

/// The holder's database session ends with its process: its advisory lock
/// is free at once, so a successor need not wait out the lease.
#[test]
#[cfg_attr(
    asyncgate_no_postgres,
    ignore = "needs PostgreSQL: install it (pg_ctl) or set ASYNCGATE_TEST_DATABASE_URL"
)]
fn after_kill_9_a_successor_takes_over_without_waiting_for_the_ttl() {
    let ttl = 10_000;
    let case = Case::new("pg-fast", ttl);
    let (took, next_epoch) = kill_9_then_take_over(&case);
    eprintln!("fast takeover after kill -9 (postgres, ttl {ttl}ms): {took:?}");
    assert!(next_epoch);
    assert!(
        took < Duration::from_secs(3),
        "waited for the lease: {took:?}"
    );
}

/// While the holder's session lives (even frozen), a successor is refused.
#[test]
#[cfg_attr(
    asyncgate_no_postgres,
    ignore = "needs PostgreSQL: install it (pg_ctl) or set ASYNCGATE_TEST_DATABASE_URL"
)]
fn a_live_session_keeps_the_claim_until_its_lease_ends() {
    let case = Case::new("pg-live-session", 10_000);
    let a = case.start();
    a.signal("STOP");
    std::thread::sleep(Duration::from_millis(300));
    match case.try_start() {
        Started::Exited { code, log } => assert_eq!(code, Some(75), "{log}"),
        Started::Serving(_) => panic!("a successor must not serve while A's session lives"),
    }
    a.signal("CONT");
}

#[test]
#[cfg_attr(
    asyncgate_no_postgres,
    ignore = "needs PostgreSQL: install it (pg_ctl) or set ASYNCGATE_TEST_DATABASE_URL"
)]
fn a_frozen_holder_writes_nothing_after_its_successor_and_exits() {
    let case = Case::new("pg-frozen", TTL_MS);
    let (url, id) = (&case.url, &case.id);
    let a = case.start();
    let a_pid = a.pid();
    let a_epoch = a.epoch();
    wait_for_sweeps(url, id, a_epoch, 1);

    a.signal("STOP");
    std::thread::sleep(Duration::from_millis(TTL_MS + 200));
    let b = start_when_free(&case);
    assert_eq!(b.epoch(), a_epoch + 1);
    wait_for_sweeps(url, id, b.epoch(), 1);

    a.signal("CONT");
    let (code, log) = a.wait_exit(Duration::from_secs(30));
    assert_eq!(code, Some(69), "A exits non-zero: {log}");
    assert!(log.contains("claim lost"), "{log}");
    wait_for_sweeps(url, id, b.epoch(), 2);

    // Nothing from A after B's first fenced write...
    let b_first = psql(
        url,
        &format!(
            "SELECT min(id) FROM asyncgate_sweeps WHERE instance_id = '{id}' AND epoch = {}",
            b.epoch()
        ),
    );
    let late = psql(
        url,
        &format!(
            "SELECT count(*) FROM asyncgate_sweeps WHERE instance_id = '{id}' AND writer_pid = {a_pid} AND id > {b_first}"
        ),
    );
    assert_eq!(late, "0");
    // ...and no epoch ever had two writers.
    let shared = psql(
        url,
        &format!(
            "SELECT count(*) FROM (SELECT epoch FROM asyncgate_sweeps WHERE instance_id = '{id}' GROUP BY epoch HAVING count(DISTINCT writer_pid) > 1) e"
        ),
    );
    assert_eq!(shared, "0");
    let (code, _) = b.terminate();
    assert_eq!(code, Some(0));
}

/// Starts a server, retrying while the id is still claimed (exit 75).
fn start_when_free(case: &Case) -> Server {
    loop {
        match case.try_start() {
            Started::Serving(server) => return server,
            Started::Exited { code: Some(75), .. } => std::thread::sleep(Duration::from_millis(50)),
            Started::Exited { code, log } => panic!("{code:?}: {log}"),
        }
    }
}

fn wait_for_sweeps(url: &str, id: &str, epoch: u64, at_least: u64) {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let n: u64 = psql(url, &format!("SELECT count(*) FROM asyncgate_sweeps WHERE instance_id = '{id}' AND epoch = {epoch}")).parse().unwrap();
        if n >= at_least {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "epoch {epoch} made {n} sweeps, expected {at_least}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
#[cfg_attr(
    asyncgate_no_postgres,
    ignore = "needs PostgreSQL: install it (pg_ctl) or set ASYNCGATE_TEST_DATABASE_URL"
)]
fn a_database_restart_keeps_the_claim_and_a_long_outage_loses_it() {
    let (cluster, url) = OwnCluster::start();
    let dir = tempfile::tempdir().unwrap();
    let id = unique("pg-restart");
    let ttl = "3000".to_owned();
    let a = Server::start(dir.path(), &env(&url, &id, &ttl));
    let epoch = a.epoch();

    // Short outage: well inside the ttl.
    cluster.down();
    std::thread::sleep(Duration::from_millis(300));
    let _ = cluster.up();
    std::thread::sleep(Duration::from_millis(6000));
    let mut a = a;
    if let Some(status) = a.child.try_wait().unwrap() {
        let (_, log) = a.wait_exit(Duration::from_secs(1));
        panic!("A exited ({status}) after a short outage:\n{log}");
    }
    assert_eq!(
        get(a.addr, "/v1/config", &[]).0,
        200,
        "A survives a short outage"
    );
    assert_eq!(
        psql(
            &url,
            &format!(
                "SELECT epoch FROM asyncgate_claims WHERE instance_id = '{id}' AND expires_at > now()"
            )
        ),
        epoch.to_string()
    );

    // Long outage: longer than the ttl.
    cluster.down();
    let (code, log) = a.wait_exit(Duration::from_secs(15));
    assert_eq!(code, Some(69), "{log}");
    assert!(log.contains("claim lost"), "{log}");
    // While no renew could prove the claim, partition work waited.
    assert!(log.contains("partition work paused"), "{log}");
}
