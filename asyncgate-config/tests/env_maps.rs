//! Maps and lists in one environment variable, in the forms people write:
//! `team=ledger,tier=gold` (JSON still accepted), `a,b,c`, with `\,` and
//! `\=` for a comma or `=` inside an item; in a file, the format's own
//! tables and arrays. The whole value has one source.

use std::collections::{BTreeMap, HashMap};

use asyncgate_config::provenance::Source;
use asyncgate_config::{Environment, GateConfig, InstanceId};
use serde::Deserialize;

#[derive(Debug, Deserialize, PartialEq)]
struct Limits {
    burst: u32,
    rate: f64,
}

#[derive(GateConfig, Debug)]
#[allow(dead_code)] // The environment and id are not what these tests read.
#[gate(prefix = "APP")]
struct Settings {
    #[gate(environment, default = "development")]
    env: Environment,
    #[gate(instance_id, default = "app-1")]
    instance_id: InstanceId,
    labels: HashMap<String, String>,
    weights: BTreeMap<String, u32>,
    hosts: Vec<String>,
    limits: Option<Limits>,
}

fn load(
    env: &[(&str, &str)],
) -> Result<asyncgate_config::Loaded<Settings>, asyncgate_config::Report> {
    Settings::loader()
        .env(env.iter().copied())
        .dotenv(false)
        .load()
}

#[test]
fn key_value_pairs_and_json_give_the_same_map() {
    let pairs = load(&[("APP_LABELS", "team=ledger,tier=gold")]).unwrap();
    let json = load(&[("APP_LABELS", r#"{"team": "ledger", "tier": "gold"}"#)]).unwrap();
    let expected = HashMap::from([
        ("team".to_owned(), "ledger".to_owned()),
        ("tier".to_owned(), "gold".to_owned()),
    ]);
    assert_eq!(pairs.labels, expected);
    assert_eq!(json.labels, expected);
    let source = pairs
        .resolution()
        .settings()
        .find(|(f, _)| f.name() == "labels")
        .and_then(|(_, r)| r.source().cloned());
    assert_eq!(
        source,
        Some(Source::Env {
            var: "APP_LABELS".into()
        }),
        "one source for the whole value"
    );
}

#[test]
fn typed_values_structs_and_escapes() {
    let loaded = load(&[
        ("APP_WEIGHTS", "a=1, b = 2"),
        ("APP_LIMITS", "burst=10,rate=2.5"),
        ("APP_LABELS", r"note=a\=b\,c,path=C:\data"),
        ("APP_HOSTS", r"db-1,weird\,name,db-2"),
    ])
    .unwrap();
    assert_eq!(
        loaded.weights,
        BTreeMap::from([("a".to_owned(), 1), ("b".to_owned(), 2)])
    );
    assert_eq!(
        loaded.limits,
        Some(Limits {
            burst: 10,
            rate: 2.5
        })
    );
    assert_eq!(loaded.labels["note"], "a=b,c");
    assert_eq!(loaded.labels["path"], r"C:\data");
    assert_eq!(loaded.hosts, ["db-1", "weird,name", "db-2"]);
}

#[test]
fn a_bad_map_names_the_variable_and_the_item() {
    for (value, says) in [
        ("team=ledger,gold", "item 2 (`gold`) has no `=`"),
        ("a=1,a=2", "key `a` is given twice"),
        ("=x", "empty key"),
    ] {
        let report = load(&[("APP_LABELS", value)]).unwrap_err();
        let error = report.errors().next().unwrap();
        assert_eq!(error.env_var(), Some("APP_LABELS"));
        assert!(error.message().contains(says), "{value}: {report}");
    }
    let report = load(&[("APP_WEIGHTS", "a=x")]).unwrap_err();
    assert!(
        report.to_string().contains("expected an integer"),
        "{report}"
    );
}

#[test]
fn ten_thousand_pairs_load_and_more_are_refused() {
    let pairs: String = (0..10_000).map(|i| format!("k{i}=v,")).collect();
    let loaded = load(&[("APP_LABELS", &pairs)]).unwrap();
    assert_eq!(loaded.labels.len(), 10_000);
    let more = format!("{pairs}one=more");
    let report = load(&[("APP_LABELS", &more)]).unwrap_err();
    assert!(
        report.to_string().contains("more than 10000 items"),
        "{report}"
    );
}

#[test]
fn files_use_their_own_tables_and_arrays() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("app.toml"),
        "hosts = [\"a,b\", \"c\"]\n[labels]\nteam = \"ledger\"\n[weights]\nx = 3\n[limits]\nburst = 1\nrate = 0.5\n",
    )
    .unwrap();
    let loaded = Settings::loader()
        .env([("APP_CONFIG_FILE", "app.toml")])
        .current_dir(dir.path())
        .dotenv(false)
        .load()
        .unwrap_or_else(|r| panic!("{r}"));
    assert_eq!(loaded.hosts, ["a,b", "c"]);
    assert_eq!(loaded.labels["team"], "ledger");
    assert_eq!(loaded.weights["x"], 3);
    assert_eq!(
        loaded.limits,
        Some(Limits {
            burst: 1,
            rate: 0.5
        })
    );
}
