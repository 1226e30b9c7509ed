//! Adoption's fan-out to PostgreSQL is bounded: 200 dead partitions, two
//! live replicas and a cluster that takes 30 sessions. Every dead
//! partition's expired lease is requeued, no replica ever sees "too many
//! clients", and the sessions in use stay within what
//! `ASYNCGATE_MAX_ADOPTED_PARTITIONS` allows.

mod common;

use std::time::{Duration, Instant};

use common::{API_KEY, OwnCluster, Server, psql};

/// Dead partitions, each with one expired lease.
const DEAD: usize = 200;
/// Adopted partitions a replica holds at once (the default is 8).
const MAX_ADOPTED: usize = 8;

fn env<'a>(url: &'a str, id: &'a str, max: &'a str) -> Vec<(&'static str, &'a str)> {
    vec![
        ("ASYNCGATE_CLAIM_STORE", "postgres"),
        ("ASYNCGATE_DATABASE_URL", url),
        ("ASYNCGATE_CLAIM_TTL_MS", "3000"),
        ("ASYNCGATE_INSTANCE_ID", id),
        ("ASYNCGATE_API_KEY", API_KEY),
        ("ASYNCGATE_LEASE_SWEEP_INTERVAL_SECONDS", "1"),
        ("ASYNCGATE_MAX_ADOPTED_PARTITIONS", max),
    ]
}

/// Client sessions open on the cluster now (this psql's own included).
fn sessions(url: &str) -> usize {
    psql(
        url,
        "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend'",
    )
    .parse()
    .unwrap()
}

#[test]
#[cfg_attr(
    asyncgate_no_postgres,
    ignore = "needs PostgreSQL: install it (pg_ctl) or set ASYNCGATE_TEST_DATABASE_URL"
)]
fn two_hundred_dead_partitions_are_adopted_within_thirty_connections() {
    let (_cluster, url) = OwnCluster::start_limited(30);
    assert_eq!(psql(&url, "SHOW max_connections"), "30");

    let dir = tempfile::tempdir().unwrap();
    let max = MAX_ADOPTED.to_string();
    // The first replica creates both schemas.
    let a = Server::start(dir.path(), &env(&url, "live-a", &max));
    // 200 replicas that died holding a lease each: their claims expired an
    // hour ago, and nobody holds their advisory locks.
    psql(
        &url,
        &format!(
            "INSERT INTO asyncgate_claims (instance_id, epoch, holder_host, holder_pid, acquired_at, renewed_at, expires_at)
             SELECT 'dead-' || g, 1, 'gone', 1, now() - interval '1 hour', now() - interval '1 hour', now() - interval '1 hour'
               FROM generate_series(1, {DEAD}) g;
             INSERT INTO asyncgate_tasks (owner_instance, created_epoch, payload, status, attempt, lease_id, worker_id, lease_started_at, lease_expires_at)
             SELECT 'dead-' || g, 1, '{{}}'::jsonb, 'leased', 1, nextval('asyncgate_lease_ids'), 'w', now() - interval '1 hour', now() - interval '1 hour'
               FROM generate_series(1, {DEAD}) g"
        ),
    );
    let b = Server::start(dir.path(), &env(&url, "live-b", &max));

    let deadline = Instant::now() + Duration::from_secs(180);
    let mut most = 0;
    loop {
        most = most.max(sessions(&url));
        let leased: usize = psql(
            &url,
            "SELECT count(*) FROM asyncgate_tasks WHERE status = 'leased'",
        )
        .parse()
        .unwrap();
        if leased == 0 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "{leased} of {DEAD} dead partitions still hold an expired lease"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    let requeued: usize = psql(
        &url,
        "SELECT count(DISTINCT partition) FROM asyncgate_requeues WHERE partition LIKE 'dead-%'",
    )
    .parse()
    .unwrap();
    assert_eq!(requeued, DEAD, "every dead partition's lease was requeued");

    let (_, log_a) = a.terminate();
    let (_, log_b) = b.terminate();
    for log in [&log_a, &log_b] {
        assert!(!log.contains("too many clients"), "{log}");
    }
    // Each replica: its own claim, the task store, one adoption attempt
    // and MAX_ADOPTED adopted claims; and this test's psql.
    let bound = 2 * (MAX_ADOPTED + 3) + 1;
    assert!(most <= bound, "{most} sessions at once, over {bound}");
    eprintln!(
        "200 dead partitions adopted and swept; at most {most} sessions at once (bound {bound})"
    );
}
