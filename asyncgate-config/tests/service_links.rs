//! Kubernetes injects variables for every Service of a namespace; those of
//! Services whose names share a strict service's prefix must never break
//! it, and a service can accept named extra variables under its prefix.

mod common;

use asyncgate_config::{Environment, GateConfig, InstanceId};
use common::loader;

/// A strict service named like the Services next to it.
#[derive(Debug, GateConfig)]
#[gate(
    prefix = "LEDGER",
    deny_unknown,
    allow_unknown = "LEDGER_LEGACY_*",
    allow_unknown = "LEDGER_BUILD_SHA"
)]
pub struct Ledger {
    #[gate(environment, default = "development")]
    pub env: Environment,
    #[gate(instance_id, default = "ledger-1")]
    pub instance_id: InstanceId,
    #[gate(default = 8080)]
    pub http_port: u16,
}

/// A service whose own setting is named like a service link.
#[derive(Debug, GateConfig)]
#[gate(prefix = "LEDGER", deny_unknown)]
pub struct PortSetting {
    #[gate(environment, default = "development")]
    pub env: Environment,
    #[gate(instance_id, default = "ledger-1")]
    pub instance_id: InstanceId,
    #[gate(default = 8080)]
    pub port: u16,
}

/// What the kubelet injects for a Service `ledger-db` (5432) and a
/// Service `ledger` (80, named port `http`) in the pod's namespace.
const LINKS: &[(&str, &str)] = &[
    ("LEDGER_DB_SERVICE_HOST", "10.96.4.7"),
    ("LEDGER_DB_SERVICE_PORT", "5432"),
    ("LEDGER_DB_PORT", "tcp://10.96.4.7:5432"),
    ("LEDGER_DB_PORT_5432_TCP", "tcp://10.96.4.7:5432"),
    ("LEDGER_DB_PORT_5432_TCP_PROTO", "tcp"),
    ("LEDGER_DB_PORT_5432_TCP_PORT", "5432"),
    ("LEDGER_DB_PORT_5432_TCP_ADDR", "10.96.4.7"),
    ("LEDGER_SERVICE_HOST", "10.96.0.12"),
    ("LEDGER_SERVICE_PORT", "80"),
    ("LEDGER_SERVICE_PORT_HTTP", "80"),
    ("LEDGER_PORT", "tcp://10.96.0.12:80"),
    ("LEDGER_PORT_80_TCP", "tcp://10.96.0.12:80"),
    ("LEDGER_PORT_80_TCP_PROTO", "tcp"),
    ("LEDGER_PORT_80_TCP_PORT", "80"),
    ("LEDGER_PORT_80_TCP_ADDR", "10.96.0.12"),
];

#[test]
fn other_services_links_never_break_a_strict_service() {
    let mut env = LINKS.to_vec();
    env.extend([
        ("KUBERNETES_SERVICE_HOST", "10.96.0.1"),
        ("POD_NAME", "ledger-7d9f-x2x9k"),
    ]);
    let loaded = loader::<Ledger>(&env)
        .load()
        .unwrap_or_else(|report| panic!("{report}"));
    assert!(loaded.warnings().is_empty(), "{:?}", loaded.warnings());
    let validated = loaded.validate().unwrap();
    assert_eq!(validated.http_port, 8080);
    // The INFO line that names the Services: `tests/logs.rs`.
}

#[test]
fn a_link_shaped_name_with_another_value_is_still_unknown() {
    let report = loader::<Ledger>(&[
        ("LEDGER_DB_PORT", "5432"),
        ("LEDGER_CACHE_SERVICE_HOST", "cache.local"),
    ])
    .load()
    .unwrap_err();
    let text = report.to_string();
    assert!(text.contains("unknown variable LEDGER_DB_PORT"), "{text}");
    assert!(
        text.contains("unknown variable LEDGER_CACHE_SERVICE_HOST"),
        "{text}"
    );
}

#[test]
fn a_setting_named_like_a_link_still_gets_the_explanation() {
    let report = loader::<PortSetting>(LINKS).load().unwrap_err();
    let errors: Vec<String> = report.errors().map(|f| f.message().to_owned()).collect();
    assert_eq!(errors.len(), 1, "{report}");
    assert!(
        errors[0].contains("LEDGER_PORT holds a Kubernetes service link (tcp://<ip>:<port>), not a value for `port`: the kubelet sets LEDGER_PORT in every pod of a namespace that has a Service named `ledger`"),
        "{report}"
    );
    let remedy = report.errors().next().unwrap().remedy().unwrap();
    assert!(remedy.contains("enableServiceLinks: false"), "{remedy}");
}

#[test]
fn allow_unknown_accepts_the_named_variables_and_nothing_else() {
    let loaded = loader::<Ledger>(&[
        ("LEDGER_LEGACY_MODE", "1"),
        ("LEDGER_LEGACY_", "x"),
        ("LEDGER_BUILD_SHA", "abc123"),
    ])
    .load()
    .unwrap_or_else(|report| panic!("{report}"));
    assert!(loaded.warnings().is_empty(), "{:?}", loaded.warnings());
    assert_eq!(
        Ledger::schema().allowed_unknown(),
        ["LEDGER_LEGACY_*", "LEDGER_BUILD_SHA"]
    );

    let report = loader::<Ledger>(&[("LEDGER_BUILD_SHA_2", "x"), ("LEDGER_LEGACYMODE", "1")])
        .load()
        .unwrap_err();
    let text = report.to_string();
    assert!(
        text.contains("unknown variable LEDGER_BUILD_SHA_2"),
        "{text}"
    );
    assert!(
        text.contains("unknown variable LEDGER_LEGACYMODE"),
        "{text}"
    );
}

#[test]
fn hostile_link_shaped_input_is_bounded_and_escaped() {
    use std::ffi::OsString;
    use std::os::unix::ffi::OsStringExt;
    let huge = format!("tcp://10.0.0.1:{}", "9".repeat(1 << 20));
    let port_spam = format!("LEDGER_{}SERVICE_HOST", "PORT_".repeat(50_000));
    let vars: Vec<(OsString, OsString)> = vec![
        ("LEDGER_DB_PORT".into(), huge.into()),
        (port_spam.into(), "10.0.0.1".into()),
        (
            "LEDGER_X_PORT_80_TCP\u{1b}[2J".into(),
            "tcp://10.0.0.1:80".into(),
        ),
        (
            OsString::from_vec(b"LEDGER_\xff_SERVICE_HOST".to_vec()),
            "10.0.0.1".into(),
        ),
    ];
    let started = std::time::Instant::now();
    let report = Ledger::loader().env(vars).load().unwrap_err();
    assert!(started.elapsed() < std::time::Duration::from_secs(5));
    let text = report.to_string();
    assert!(
        !text.contains('\u{1b}'),
        "raw control character in {text:?}"
    );
    assert!(text.contains("unknown variable LEDGER_DB_PORT"), "{text}");
    // The 250 KB name is not a Service's (at most 63 characters): reported, cut short.
    assert!(
        text.contains("unknown variable LEDGER_PORT_PORT_"),
        "{text}"
    );
    assert!(text.len() < 20_000, "{} bytes", text.len());
}
