//! Claim latency: acquire + release, and refusing a duplicate, for the
//! file store and (when `ASYNCGATE_TEST_DATABASE_URL` is set) the
//! PostgreSQL store on loopback.
//!
//! Run: `cargo bench -p asyncgate-config --features postgres --bench claims`
//! (`.ci/pg-cluster start DIR PORT` gives a database URL).

use std::time::Duration;

use asyncgate_config::InstanceId;
use asyncgate_config::claim::{ClaimError, ClaimStore, FileStore, PgStore};
use criterion::{Criterion, criterion_group, criterion_main};

fn bench(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let file = FileStore::new(dir.path()).unwrap();
    let id: InstanceId = "bench-claim-a1b2c3d4".parse().unwrap();
    let mut group = c.benchmark_group("claims");

    group.bench_function("file: acquire + release", |b| {
        b.iter(|| rt.block_on(async { file.acquire(&id).await.unwrap().release().await.unwrap() }))
    });
    let held = rt.block_on(file.acquire(&id)).unwrap();
    group.bench_function("file: refuse a duplicate", |b| {
        b.iter(|| {
            assert!(matches!(
                rt.block_on(file.acquire(&id)),
                Err(ClaimError::Held { .. })
            ))
        })
    });
    drop(held);

    match std::env::var("ASYNCGATE_TEST_DATABASE_URL") {
        Ok(url) if !url.is_empty() => {
            let pg = rt
                .block_on(PgStore::connect(&url, Duration::from_secs(15)))
                .unwrap();
            let pg_id: InstanceId = format!("bench-pg-{}", std::process::id()).parse().unwrap();
            group.bench_function("postgres: acquire + release", |b| {
                b.iter(|| {
                    rt.block_on(async {
                        pg.acquire(&pg_id).await.unwrap().release().await.unwrap()
                    })
                })
            });
            let held = rt.block_on(pg.acquire(&pg_id)).unwrap();
            group.bench_function("postgres: refuse a duplicate", |b| {
                b.iter(|| {
                    assert!(matches!(
                        rt.block_on(pg.acquire(&pg_id)),
                        Err(ClaimError::Held { .. })
                    ))
                })
            });
            rt.block_on(held.release()).unwrap();
        }
        _ => eprintln!("postgres benchmarks skipped: ASYNCGATE_TEST_DATABASE_URL is not set"),
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
