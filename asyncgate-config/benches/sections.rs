//! Loading a struct whose settings sit in sections against the same
//! settings flat, in the same run: 4 sections of 10 settings and 20
//! top-level ones, from an injected environment that sets half of them.
//!
//! Run: `cargo bench -p asyncgate-config --bench sections`

use std::hint::black_box;

use asyncgate_config::{Environment, GateConfig, InstanceId};
use criterion::{Criterion, criterion_group, criterion_main};

/// Ten settings of a section; `$flat` is the same ten, prefixed, at the top.
macro_rules! ten {
    ($section:ident, $($field:ident),* $(,)?) => {
        #[derive(Debug, GateConfig)]
        #[gate(section)]
        pub struct $section {
            $(#[gate(default = 1)] pub $field: u32,)*
        }
    };
}
ten!(Http, a0, a1, a2, a3, a4, a5, a6, a7, a8, a9);
ten!(Db, a0, a1, a2, a3, a4, a5, a6, a7, a8, a9);
ten!(Cache, a0, a1, a2, a3, a4, a5, a6, a7, a8, a9);
ten!(Queue, a0, a1, a2, a3, a4, a5, a6, a7, a8, a9);

macro_rules! settings {
    ($name:ident { $($extra:tt)* }) => {
        #[derive(Debug, GateConfig)]
        #[gate(prefix = "BENCH")]
        pub struct $name {
            #[gate(environment, default = "development")]
            pub env: Environment,
            #[gate(instance_id, default = "bench-1")]
            pub instance_id: InstanceId,
            #[gate(default = 1)] pub t0: u32, #[gate(default = 1)] pub t1: u32,
            #[gate(default = 1)] pub t2: u32, #[gate(default = 1)] pub t3: u32,
            #[gate(default = 1)] pub t4: u32, #[gate(default = 1)] pub t5: u32,
            #[gate(default = 1)] pub t6: u32, #[gate(default = 1)] pub t7: u32,
            #[gate(default = 1)] pub t8: u32, #[gate(default = 1)] pub t9: u32,
            #[gate(default = 1)] pub t10: u32, #[gate(default = 1)] pub t11: u32,
            #[gate(default = 1)] pub t12: u32, #[gate(default = 1)] pub t13: u32,
            #[gate(default = 1)] pub t14: u32, #[gate(default = 1)] pub t15: u32,
            #[gate(default = 1)] pub t16: u32, #[gate(default = 1)] pub t17: u32,
            $($extra)*
        }
    };
}

settings!(Nested {
    #[gate(nested)] pub http: Http,
    #[gate(nested)] pub db: Db,
    #[gate(nested)] pub cache: Cache,
    #[gate(nested)] pub queue: Queue,
});

/// The same 40 leaves at the top, named so they read the same variables.
macro_rules! flat_leaves {
    ($($field:ident),* $(,)?) => {
        settings!(Flat { $(#[gate(default = 1)] pub $field: u32,)* });
    };
}
flat_leaves!(
    http_a0, http_a1, http_a2, http_a3, http_a4, http_a5, http_a6, http_a7, http_a8, http_a9,
    db_a0, db_a1, db_a2, db_a3, db_a4, db_a5, db_a6, db_a7, db_a8, db_a9, cache_a0, cache_a1,
    cache_a2, cache_a3, cache_a4, cache_a5, cache_a6, cache_a7, cache_a8, cache_a9, queue_a0,
    queue_a1, queue_a2, queue_a3, queue_a4, queue_a5, queue_a6, queue_a7, queue_a8, queue_a9,
);

fn environment() -> Vec<(String, String)> {
    let mut env = vec![("BENCH_ENV".to_owned(), "staging".to_owned())];
    for section in ["HTTP", "DB", "CACHE", "QUEUE"] {
        for i in 0..5 {
            env.push((format!("BENCH_{section}_A{i}"), format!("{i}")));
        }
    }
    for i in 0..9 {
        env.push((format!("BENCH_T{i}"), format!("{i}")));
    }
    for i in 0..30 {
        env.push((format!("UNRELATED_VAR_{i}"), format!("/usr/lib/{i}")));
    }
    env
}

fn bench(c: &mut Criterion) {
    let env = environment();
    // Both read the same variables and agree on every value.
    let nested = Nested::loader()
        .env(env.clone())
        .dotenv(false)
        .seed(1)
        .load()
        .unwrap();
    let flat = Flat::loader()
        .env(env.clone())
        .dotenv(false)
        .seed(1)
        .load()
        .unwrap();
    assert_eq!(nested.http.a3, flat.http_a3);
    assert_eq!(nested.queue.a4, flat.queue_a4);
    assert!(nested.warnings().is_empty() && flat.warnings().is_empty());
    assert_eq!(
        Nested::schema()
            .fields()
            .iter()
            .map(|f| f.env())
            .collect::<Vec<_>>(),
        Flat::schema()
            .fields()
            .iter()
            .map(|f| f.env())
            .collect::<Vec<_>>()
    );

    let mut group = c.benchmark_group("sections");
    group.bench_function("nested (4 sections of 10)", |b| {
        b.iter(|| {
            let loaded = Nested::loader()
                .env(env.iter().cloned())
                .dotenv(false)
                .seed(1)
                .load()
                .unwrap();
            black_box(loaded.validate().unwrap())
        });
    });
    group.bench_function("flat (the same 60 settings)", |b| {
        b.iter(|| {
            let loaded = Flat::loader()
                .env(env.iter().cloned())
                .dotenv(false)
                .seed(1)
                .load()
                .unwrap();
            black_box(loaded.validate().unwrap())
        });
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
