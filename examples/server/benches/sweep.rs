//! Sweep throughput: requeue 10,000 expired leases spread over 3
//! partitions, swept by their 3 owners at once (each sweep fenced by its
//! claim, in batches), against one unpartitioned sweeper on the same data
//! (the same requeue, no owner filter, no fence), in the same run.
//!
//! Needs PostgreSQL: `ASYNCGATE_BENCH_DATABASE_URL` (or
//! `ASYNCGATE_TEST_DATABASE_URL`); a database of its own is created there.
//!
//! `cargo bench -p asyncgate-server --bench sweep`

use std::time::{Duration, Instant};

use asyncgate_config::InstanceId;
use asyncgate_config::claim::{ClaimStore, Partition, PgStore};
use asyncgate_server::tasks::{PgTasks, Tasks};

const LEASES: i64 = 10_000;
const PARTITIONS: usize = 3;
const RUNS: usize = 7;

/// The unpartitioned baseline: the original's requeue over the whole table.
const UNPARTITIONED: &str = "
WITH expired AS (
    SELECT task_id, lease_id, lease_expires_at, owner_instance FROM asyncgate_tasks
     WHERE status = 'leased' AND lease_expires_at <= now()
     ORDER BY task_id LIMIT 1000 FOR UPDATE SKIP LOCKED
), requeued AS (
    UPDATE asyncgate_tasks t
       SET status = 'queued', lease_id = NULL, worker_id = NULL, lease_started_at = NULL,
           lease_expires_at = NULL, lease_renewals = 0,
           attempt = t.attempt - 1, requeues = t.requeues + 1
      FROM expired e WHERE t.task_id = e.task_id
    RETURNING e.task_id, e.lease_id, e.lease_expires_at, e.owner_instance
)
INSERT INTO asyncgate_requeues (lease_id, task_id, partition, epoch, swept_by, lease_expired_at)
SELECT lease_id, task_id, owner_instance, 0, 'unpartitioned', lease_expires_at FROM requeued";

/// Every task leased, expired a minute ago.
const EXPIRE_ALL: &str = "
UPDATE asyncgate_tasks
   SET status = 'leased', lease_id = nextval('asyncgate_lease_ids'), worker_id = 'bench',
       lease_started_at = now() - interval '2 minutes', lease_expires_at = now() - interval '1 minute'";

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let Some(url) = std::env::var("ASYNCGATE_BENCH_DATABASE_URL")
        .or_else(|_| std::env::var("ASYNCGATE_TEST_DATABASE_URL"))
        .ok()
    else {
        eprintln!("sweep bench skipped: set ASYNCGATE_BENCH_DATABASE_URL to a PostgreSQL URL");
        return;
    };
    // A database of the bench's own.
    let admin = PgStore::connect(&url, Duration::from_secs(10))
        .await
        .unwrap();
    let client = admin.client().await.unwrap();
    client
        .batch_execute("DROP DATABASE IF EXISTS asyncgate_sweep_bench WITH (FORCE)")
        .await
        .unwrap();
    client
        .batch_execute("CREATE DATABASE asyncgate_sweep_bench")
        .await
        .unwrap();
    let url = match url.rsplit_once('/') {
        Some((base, _)) => format!("{base}/asyncgate_sweep_bench"),
        None => panic!("unexpected database URL"),
    };
    let store = PgStore::connect(&url, Duration::from_secs(10))
        .await
        .unwrap();
    let tasks = Tasks::new(PgTasks::open(&store).await.unwrap());
    let ids: Vec<InstanceId> = (0..PARTITIONS)
        .map(|i| format!("sweep-bench-{i}").parse().unwrap())
        .collect();
    let mut claims = Vec::new();
    let mut partitions = Vec::new();
    for id in &ids {
        let held = store.acquire(id).await.unwrap();
        partitions.push(Partition {
            id: id.clone(),
            epoch: held.epoch(),
        });
        claims.push(held);
    }
    let db = store.client().await.unwrap();
    db.execute(
        "INSERT INTO asyncgate_tasks (owner_instance, created_epoch, payload)
         SELECT 'sweep-bench-' || (n % 3), 1, '{}'::jsonb FROM generate_series(1, $1::bigint) n",
        &[&LEASES],
    )
    .await
    .unwrap();
    db.batch_execute("VACUUM ANALYZE asyncgate_tasks")
        .await
        .unwrap();

    let mut partitioned = Vec::new();
    let mut unpartitioned = Vec::new();
    for _ in 0..RUNS {
        // Ours: the three owners sweep their partitions at once.
        db.batch_execute(EXPIRE_ALL).await.unwrap();
        let started = Instant::now();
        let sweeps = partitions.iter().map(|p| {
            let tasks = tasks.clone();
            let p = p.clone();
            tokio::spawn(async move { tasks.sweep(&p, &p.id, Duration::ZERO).await.unwrap() })
        });
        let mut n = 0;
        for sweep in sweeps.collect::<Vec<_>>() {
            n += sweep.await.unwrap();
        }
        partitioned.push(started.elapsed());
        assert_eq!(n, u64::try_from(LEASES).unwrap());

        // The baseline: one sweeper, no partitions.
        db.batch_execute(EXPIRE_ALL).await.unwrap();
        let started = Instant::now();
        let mut n = 0;
        loop {
            let batch = db.execute(UNPARTITIONED, &[]).await.unwrap();
            n += batch;
            if batch < 1000 {
                break;
            }
        }
        unpartitioned.push(started.elapsed());
        assert_eq!(n, u64::try_from(LEASES).unwrap());
    }
    let (ours, base) = (median(partitioned), median(unpartitioned));
    println!("requeue of {LEASES} expired leases, median of {RUNS} interleaved runs:");
    println!("  3 partitioned, fenced sweepers at once: {ours:?}");
    println!("  1 unpartitioned sweeper:                {base:?}");
    println!(
        "  ratio: {:.2}x (target <= 1.5x)",
        ours.as_secs_f64() / base.as_secs_f64()
    );
    for held in claims {
        let _ = held.release().await;
    }
    drop(db);
    let client = admin.client().await.unwrap();
    let _ = client
        .batch_execute("DROP DATABASE IF EXISTS asyncgate_sweep_bench WITH (FORCE)")
        .await;
}
