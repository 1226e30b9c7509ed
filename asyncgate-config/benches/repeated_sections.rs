//! Loading a struct with an enum section, a 100-element `Vec<Section>` and
//! a 100-entry map of sections from a TOML file (load + detect +
//! validate), against serde's `Deserialize` of the same data from the same
//! file (`toml::from_str` into plain serde structs), in the same run. Both
//! read the file from disk each time, as a service reads it at start-up.
//!
//! Run: `cargo bench -p asyncgate-config --bench repeated_sections`

use std::collections::BTreeMap;
use std::hint::black_box;
use std::path::Path;

use asyncgate_config::{Environment, GateConfig, InstanceId};
use criterion::{Criterion, criterion_group, criterion_main};
use serde::Deserialize;

/// The file store's settings.
#[derive(Debug, GateConfig)]
#[gate(section)]
pub(crate) struct FileStore {
    #[gate(default = "/var/lib/orders")]
    pub(crate) dir: String,
}

/// PostgreSQL's settings.
#[derive(Debug, GateConfig)]
#[gate(section)]
pub(crate) struct PgStore {
    pub(crate) url: String,
    #[gate(default = 10)]
    pub(crate) pool: u32,
}

/// A backend chosen by name.
#[derive(Debug, GateConfig)]
#[gate(section, default = "file")]
pub(crate) enum Store {
    File(FileStore),
    Postgres(PgStore),
}

/// One upstream.
#[derive(Debug, GateConfig)]
#[gate(section)]
pub(crate) struct Upstream {
    pub(crate) url: String,
    #[gate(default = 1)]
    pub(crate) weight: u32,
    #[gate(default = "5s")]
    pub(crate) timeout: std::time::Duration,
}

/// One tenant.
#[derive(Debug, GateConfig)]
#[gate(section)]
pub(crate) struct Tenant {
    pub(crate) database: String,
    #[gate(default = 100)]
    pub(crate) quota: u32,
}

#[derive(Debug, GateConfig)]
#[gate(prefix = "BENCH")]
pub(crate) struct Settings {
    #[gate(environment, default = "development")]
    pub(crate) env: Environment,
    #[gate(instance_id, default = "bench-1")]
    pub(crate) instance_id: InstanceId,
    #[gate(nested)]
    pub(crate) store: Store,
    #[gate(nested)]
    pub(crate) upstreams: Vec<Upstream>,
    #[gate(nested)]
    pub(crate) tenants: BTreeMap<String, Tenant>,
}

/// The same data as plain serde structs.
#[expect(dead_code, reason = "deserialized and dropped, as the benchmark needs")]
mod serde_side {
    use super::{BTreeMap, Deserialize};

    #[derive(Debug, Deserialize)]
    #[serde(tag = "kind", rename_all = "lowercase")]
    pub(crate) enum Store {
        File { file: FileStore },
        Postgres { postgres: PgStore },
    }
    #[derive(Debug, Deserialize)]
    pub(crate) struct FileStore {
        #[serde(default = "dir")]
        pub(crate) dir: String,
    }
    fn dir() -> String {
        "/var/lib/orders".to_owned()
    }
    #[derive(Debug, Deserialize)]
    pub(crate) struct PgStore {
        pub(crate) url: String,
        #[serde(default = "ten")]
        pub(crate) pool: u32,
    }
    fn ten() -> u32 {
        10
    }
    #[derive(Debug, Deserialize)]
    pub(crate) struct Upstream {
        pub(crate) url: String,
        #[serde(default = "one")]
        pub(crate) weight: u32,
        #[serde(default = "five", with = "humantime_like")]
        pub(crate) timeout: std::time::Duration,
    }
    fn one() -> u32 {
        1
    }
    fn five() -> std::time::Duration {
        std::time::Duration::from_secs(5)
    }
    /// `"5s"` as serde would need it told: seconds with an `s`.
    mod humantime_like {
        use serde::{Deserialize, Deserializer};
        pub(crate) fn deserialize<'de, D: Deserializer<'de>>(
            d: D,
        ) -> Result<std::time::Duration, D::Error> {
            let text = String::deserialize(d)?;
            let secs = text
                .strip_suffix('s')
                .and_then(|n| n.parse().ok())
                .ok_or_else(|| serde::de::Error::custom("expected seconds"))?;
            Ok(std::time::Duration::from_secs(secs))
        }
    }
    #[derive(Debug, Deserialize)]
    pub(crate) struct Tenant {
        pub(crate) database: String,
        #[serde(default = "hundred")]
        pub(crate) quota: u32,
    }
    fn hundred() -> u32 {
        100
    }
    #[derive(Debug, Deserialize)]
    pub(crate) struct Settings {
        pub(crate) store: Store,
        pub(crate) upstreams: Vec<Upstream>,
        pub(crate) tenants: BTreeMap<String, Tenant>,
    }
}

fn toml_text() -> String {
    let mut text = String::from(
        "[store]\nkind = \"postgres\"\n\n[store.postgres]\nurl = \"postgres://db/orders\"\npool = 20\n\n",
    );
    for i in 0..100 {
        text.push_str(&format!(
            "[[upstreams]]\nurl = \"http://upstream-{i}:8080\"\nweight = {}\ntimeout = \"{}s\"\n\n",
            i % 5 + 1,
            i % 7 + 1
        ));
    }
    for i in 0..100 {
        text.push_str(&format!(
            "[tenants.tenant-{i}]\ndatabase = \"tenant_{i}\"\nquota = {}\n\n",
            i * 10
        ));
    }
    text
}

fn ours(path: &Path) -> Settings {
    let loaded = Settings::loader()
        .config_file(path)
        .env([("BENCH_ENV", "development")])
        .dotenv(false)
        .seed(1)
        .load()
        .unwrap();
    loaded.validate().unwrap().into_inner()
}

fn theirs(path: &Path) -> serde_side::Settings {
    let text = std::fs::read_to_string(path).unwrap();
    toml::from_str(&text).unwrap()
}

fn bench(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("orders.toml");
    std::fs::write(&path, toml_text()).unwrap();
    // Both read the same values.
    let (a, b) = (ours(&path), theirs(&path));
    assert_eq!(a.upstreams.len(), 100);
    assert_eq!(b.upstreams.len(), 100);
    assert_eq!(a.tenants.len(), 100);
    assert_eq!(a.upstreams[42].weight, b.upstreams[42].weight);
    assert_eq!(a.upstreams[42].timeout, b.upstreams[42].timeout);
    assert_eq!(a.tenants["tenant-7"].quota, b.tenants["tenant-7"].quota);
    assert_eq!(a.upstreams[42].url, b.upstreams[42].url);
    assert_eq!(
        a.tenants["tenant-7"].database,
        b.tenants["tenant-7"].database
    );
    assert_eq!(
        (a.env, a.instance_id.as_str()),
        (Environment::Development, "bench-1")
    );
    if let Store::File(file) = &a.store {
        panic!("postgres is chosen, not {}", file.dir);
    }
    let (Store::Postgres(pg), serde_side::Store::Postgres { postgres }) = (&a.store, &b.store)
    else {
        panic!("both choose postgres");
    };
    assert_eq!((pg.pool, &pg.url), (postgres.pool, &postgres.url));

    let mut group = c.benchmark_group("repeated_sections");
    group.bench_function("asyncgate-config: load + validate", |bench| {
        bench.iter(|| black_box(ours(&path)));
    });
    group.bench_function("serde Deserialize (toml::from_str)", |bench| {
        bench.iter(|| black_box(theirs(&path)));
    });
    // For the record, not a target: the file parsed into a generic TOML
    // table, which layering (files, variables, defaults), provenance and
    // unknown-key checks read from; serde's typed path never builds it.
    group.bench_function("parse only (toml::Table::from_str)", |bench| {
        bench.iter(|| {
            let text = std::fs::read_to_string(&path).unwrap();
            black_box(text.parse::<toml::Table>().unwrap())
        });
    });
    // The floor both paths share: toml's borrowed parse, which serde's
    // `from_str` deserializes from and the loader turns into its table.
    group.bench_function("borrowed parse only (toml::de::DeTable::parse)", |bench| {
        bench.iter(|| {
            let text = std::fs::read_to_string(&path).unwrap();
            black_box(toml::de::DeTable::parse(&text).unwrap().get_ref().len())
        });
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
