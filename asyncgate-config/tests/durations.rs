//! `std::time::Duration` settings take human strings from every source.

mod common;

use std::time::Duration;

use asyncgate_config::{Environment, GateConfig, InstanceId};
use common::loader;

#[derive(Debug, GateConfig)]
#[gate(prefix = "DUR")]
#[allow(dead_code)]
struct Timeouts {
    #[gate(environment, default = "development")]
    env: Environment,
    #[gate(instance_id, default = "dur-1")]
    instance_id: InstanceId,
    /// How long a request may take.
    #[gate(default = "30s")]
    request_timeout: Duration,
    #[gate(default = "1m30s")]
    idle: std::time::Duration,
    /// Off when unset.
    grace: Option<Duration>,
}

#[test]
fn defaults_env_dotenv_and_toml_all_take_human_durations() {
    let loaded = loader::<Timeouts>(&[]).load().unwrap();
    assert_eq!(
        (loaded.request_timeout, loaded.idle, loaded.grace),
        (Duration::from_secs(30), Duration::from_secs(90), None)
    );

    let loaded = loader::<Timeouts>(&[("DUR_REQUEST_TIMEOUT", "250ms"), ("DUR_GRACE", "2h")])
        .load()
        .unwrap();
    assert_eq!(loaded.request_timeout, Duration::from_millis(250));
    assert_eq!(loaded.grace, Some(Duration::from_secs(7200)));

    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join(".env"), "DUR_IDLE=5m\n").unwrap();
    std::fs::write(
        dir.path().join("c.toml"),
        "request_timeout = \"1.5s\"\ngrace = \"10s\"\n",
    )
    .unwrap();
    let loaded = common::loader_in::<Timeouts>(dir.path(), &[("DUR_CONFIG_FILE", "c.toml")])
        .load()
        .unwrap();
    assert_eq!(loaded.idle, Duration::from_secs(300));
    assert_eq!(loaded.request_timeout, Duration::from_millis(1500));
    assert_eq!(loaded.grace, Some(Duration::from_secs(10)));
    // Shown as given, with its source.
    let (_, record) = loaded.resolution().settings().nth(2).unwrap();
    assert_eq!(record.value(), Some("1.5s"));
}

#[test]
fn a_bare_number_says_to_add_a_unit_from_env_and_toml() {
    let report = loader::<Timeouts>(&[("DUR_REQUEST_TIMEOUT", "30")])
        .load()
        .unwrap_err();
    let error = report.errors().next().unwrap();
    assert_eq!(
        error.message(),
        "invalid value for `request_timeout` (duration (e.g. 30s)): a duration needs a unit: write 30s, 250ms, 1m30s or 2h, not a bare number"
    );
    assert_eq!(
        error.remedy(),
        Some("set DUR_REQUEST_TIMEOUT to a valid duration (e.g. 30s)")
    );

    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("c.toml"), "grace = 30\n").unwrap();
    let report = common::loader_in::<Timeouts>(dir.path(), &[("DUR_CONFIG_FILE", "c.toml")])
        .load()
        .unwrap_err();
    assert!(
        report
            .errors()
            .next()
            .unwrap()
            .message()
            .contains("a duration needs a unit"),
        "{report}"
    );

    let report = loader::<Timeouts>(&[("DUR_IDLE", "5 years")])
        .load()
        .unwrap_err();
    assert!(
        report
            .to_string()
            .contains("expected a duration such as 30s"),
        "{report}"
    );
}

#[test]
fn templates_name_the_type_for_people() {
    let schema = Timeouts::schema();
    assert!(
        schema
            .env_example()
            .contains("# type: duration (e.g. 30s); default: 30s\n#DUR_REQUEST_TIMEOUT=30s"),
        "{}",
        schema.env_example()
    );
    assert!(
        schema
            .toml_template()
            .contains("#request_timeout = \"30s\"")
    );
    assert!(
        schema
            .markdown()
            .contains("| `DUR_IDLE` | `duration (e.g. 30s)` | `1m30s` |")
    );
    assert!(!schema.table().contains("Duration"));
}
