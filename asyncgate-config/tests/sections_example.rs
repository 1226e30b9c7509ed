//! The `sections` example (`asyncgate-config/examples/sections.rs`), run as CI runs
//! it: three replicas of an orders service, one shared TOML file, a flag.

#[allow(dead_code)]
#[path = "../examples/sections.rs"]
pub mod sections;

use asyncgate_config::GateConfig;
use sections::{Flags, Orders, SHARED_TOML};

fn source(settings: &asyncgate_config::Validated<Orders>, path: &str) -> String {
    settings
        .resolution()
        .setting(path)
        .and_then(|r| r.source().map(ToString::to_string))
        .unwrap()
}

fn shared_dir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("orders.toml"), SHARED_TOML).unwrap();
    dir
}

/// The report of one production pod, with the shared file, that `extra`
/// makes invalid.
fn refused_pod(extra: &[(&str, &str)]) -> asyncgate_config::Report {
    let dir = shared_dir();
    let env = sections::pod_env("orders-7d9f8b6c5d-x2x9k", extra);
    sections::loader(&Flags {
        port: None,
        process: false,
    })
    .env(env)
    .current_dir(dir.path())
    .dotenv(false)
    .load()
    .unwrap()
    .validate()
    .unwrap_err()
}

#[test]
fn three_replicas_share_the_file_and_differ_where_their_env_does() {
    let dir = shared_dir();
    let flags = Flags {
        port: None,
        process: false,
    };
    let all = sections::replicas(dir.path(), &flags).unwrap();
    let ids: Vec<&str> = all.iter().map(|s| s.instance_id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "orders-7d9f8b6c5d-x2x9k",
            "orders-7d9f8b6c5d-q8w4n",
            "orders-7d9f8b6c5d-m3p7z"
        ]
    );
    for settings in &all {
        assert!(settings.warnings().is_empty(), "{:?}", settings.warnings());
        assert_eq!(settings.http.port, 8080);
        assert_eq!(settings.http.request_timeout.as_secs(), 45);
        assert!(
            source(settings, "http.request_timeout").starts_with("key `http.request_timeout` in ")
        );
        assert_eq!(
            settings.redis.url.as_deref(),
            Some("redis://cache.orders.svc:6379")
        );
        // The URL's password is never shown in the report.
        let report = settings.report().detailed().to_string();
        assert!(!report.contains("pw-9f8e7d6c"), "{report}");
        assert!(report.contains("database.url"), "{report}");
    }
    assert_eq!(all[0].database.pool_size, 20);
    assert_eq!(all[2].database.pool_size, 40);
    // The list of gateways: from the file, one element tuned in one pod.
    let weights = |s: &asyncgate_config::Validated<Orders>| -> Vec<u32> {
        s.payment_gateways.iter().map(|g| g.weight).collect()
    };
    assert_eq!(weights(&all[0]), [3, 1]);
    assert_eq!(weights(&all[2]), [3, 2]);
    assert_eq!(
        source(&all[2], "payment_gateways[1].weight"),
        "environment variable ORDERS_PAYMENT_GATEWAYS_1_WEIGHT"
    );
    assert!(
        source(&all[0], "payment_gateways[0].url").starts_with("key `payment_gateways[0].url` in ")
    );
    assert_eq!(
        source(&all[2], "database.pool_size"),
        "environment variable ORDERS_DB_POOL_SIZE"
    );
}

#[test]
fn the_port_flag_overrides_every_source_and_says_so() {
    let dir = shared_dir();
    let flags = Flags {
        port: Some(9443),
        process: false,
    };
    for settings in sections::replicas(dir.path(), &flags).unwrap() {
        assert_eq!(settings.http.port, 9443);
        assert_eq!(
            source(&settings, "http.port"),
            "set by the program from --port"
        );
    }
}

#[test]
fn the_production_rules_of_a_section_still_hold() {
    let report = refused_pod(&[("ORDERS_HTTP_DEBUG_ROUTES", "true")]);
    assert!(report.to_string().contains("http.debug_routes"), "{report}");
    // The template an operator hands to the team shows the tables.
    let toml = Orders::schema().toml_template();
    assert!(
        toml.contains("\n[database]\n") && toml.contains("ORDERS_DB_POOL_SIZE"),
        "{toml}"
    );
}

#[test]
fn a_sections_own_check_names_the_setting_by_its_path_and_variable() {
    let report = refused_pod(&[("ORDERS_DB_POOL_SIZE", "0")]);
    let error = report.errors().next().expect("one error");
    assert_eq!(error.setting(), Some("database.pool_size"), "{report}");
    assert_eq!(error.env_var(), Some("ORDERS_DB_POOL_SIZE"), "{report}");
    assert_eq!(
        error.message(),
        "a pool of 0 connections cannot serve a query"
    );
    // The env var wins over the shared file's `pool_size = 20`: the source says so.
    assert!(
        report
            .to_string()
            .contains("environment variable ORDERS_DB_POOL_SIZE"),
        "{report}"
    );
}

#[test]
fn a_list_elements_check_names_the_element_and_its_variable() {
    let report = refused_pod(&[("ORDERS_PAYMENT_GATEWAYS_1_WEIGHT", "500")]);
    let error = report.errors().next().expect("one error");
    assert_eq!(
        error.setting(),
        Some("payment_gateways[1].weight"),
        "{report}"
    );
    assert_eq!(
        error.env_var(),
        Some("ORDERS_PAYMENT_GATEWAYS_1_WEIGHT"),
        "{report}"
    );
    assert_eq!(
        error.message(),
        "a weight over 100 starves the other gateways"
    );
}
