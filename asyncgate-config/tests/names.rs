//! Names: aliases (deprecated names that still work), unknown names as
//! errors, and Kubernetes service links.

mod common;

use asyncgate_config::{Environment, GateConfig, InstanceId, Loaded, SecretString, Severity};
use common::{Settings, loader, messages};

#[derive(Debug, GateConfig)]
#[gate(prefix = "SVC")]
#[allow(dead_code)] // read through Debug and the schema
struct Renamed {
    #[gate(environment, default = "development")]
    env: Environment,
    #[gate(instance_id, default = "svc-1")]
    instance_id: InstanceId,
    /// Read from any of the four names, like the original's ReceiptGate URL.
    #[gate(
        alias = "SVC_RECEIPTGATE_URL",
        alias = "RECEIPTGATE_ENDPOINT",
        alias = "RECEIPTGATE_URL"
    )]
    receiptgate_endpoint: Option<String>,
    #[gate(secret, alias = "RECEIPTGATE_API_KEY")]
    receiptgate_auth_token: Option<SecretString>,
}

#[derive(Debug, GateConfig)]
#[gate(prefix = "STRICT", deny_unknown)]
#[allow(dead_code)] // only loading is tested
struct Strict {
    #[gate(environment, default = "development")]
    env: Environment,
    #[gate(instance_id, default = "strict-1")]
    instance_id: InstanceId,
    #[gate(default = 1)]
    port: u16,
}

#[test]
fn an_alias_works_and_warns_that_it_is_deprecated() {
    let loaded = loader::<Renamed>(&[("RECEIPTGATE_URL", "https://rg.example")])
        .load()
        .unwrap();
    assert_eq!(
        loaded.receiptgate_endpoint.as_deref(),
        Some("https://rg.example")
    );
    assert_eq!(
        messages(loaded.warnings(), Severity::Warning),
        ["RECEIPTGATE_URL is a deprecated name of `receiptgate_endpoint`: it still works"]
    );
    assert_eq!(
        loaded.warnings()[0].remedy(),
        Some("rename RECEIPTGATE_URL to SVC_RECEIPTGATE_ENDPOINT")
    );
    let (_, record) = loaded.resolution().settings().nth(2).unwrap();
    assert_eq!(
        record.source().unwrap().to_string(),
        "environment variable RECEIPTGATE_URL"
    );
    // The main name wins silently; the same value under an alias is fine.
    let env = [
        ("SVC_RECEIPTGATE_ENDPOINT", "https://a"),
        ("RECEIPTGATE_URL", "https://a"),
    ];
    let loaded = loader::<Renamed>(&env).load().unwrap();
    assert!(loaded.warnings().is_empty(), "{:?}", loaded.warnings());
}

#[test]
fn two_names_with_different_values_are_an_error_naming_both() {
    for env in [
        [
            ("SVC_RECEIPTGATE_ENDPOINT", "https://a"),
            ("RECEIPTGATE_URL", "https://b"),
        ],
        [
            ("RECEIPTGATE_ENDPOINT", "https://a"),
            ("RECEIPTGATE_URL", "https://b"),
        ],
    ] {
        let report = loader::<Renamed>(&env).load().unwrap_err();
        let error = report.errors().next().unwrap();
        assert!(
            error.message().contains(env[0].0) && error.message().contains(env[1].0),
            "{error}"
        );
        assert!(
            !report.to_string().contains("https://"),
            "values are not shown: {report}"
        );
    }
    // Secrets too, never shown.
    let env = [
        ("SVC_RECEIPTGATE_AUTH_TOKEN", "tok-aaaaaaaa"),
        ("RECEIPTGATE_API_KEY", "tok-bbbbbbbb"),
    ];
    let report = loader::<Renamed>(&env).load().unwrap_err();
    assert!(!report.to_string().contains("tok-"), "{report}");
}

#[test]
fn aliases_outside_the_prefix_are_read_from_the_process_snapshot_and_known() {
    let schema = Renamed::schema();
    assert_eq!(
        schema.fields()[2].aliases(),
        [
            "SVC_RECEIPTGATE_URL",
            "RECEIPTGATE_ENDPOINT",
            "RECEIPTGATE_URL"
        ]
    );
    // A known alias under the prefix is not an unknown variable.
    let loaded = loader::<Renamed>(&[("SVC_RECEIPTGATE_URL", "https://a")])
        .load()
        .unwrap();
    assert_eq!(
        loaded.warnings().len(),
        1,
        "only the deprecation: {:?}",
        loaded.warnings()
    );
}

#[test]
fn deny_unknown_makes_unknown_names_errors() {
    let report = loader::<Strict>(&[("STRICT_PROT", "1")])
        .load()
        .unwrap_err();
    assert_eq!(
        report.errors().next().unwrap().message(),
        "unknown variable STRICT_PROT is ignored (did you mean STRICT_PORT?)"
    );
    // The loader's switch overrides the attribute, both ways.
    assert!(
        loader::<Strict>(&[("STRICT_PROT", "1")])
            .deny_unknown(false)
            .load()
            .is_ok()
    );
    let report = loader::<Settings>(&[("ASYNCGATE_PROT", "1")])
        .deny_unknown(true)
        .load()
        .unwrap_err();
    assert_eq!(report.errors().count(), 1);
}

/// The variables the kubelet injects for a Service named `asyncgate` (the
/// original deploys one, ports 80 and 9091).
const SERVICE_LINKS: [(&str, &str); 10] = [
    ("ASYNCGATE_SERVICE_HOST", "10.96.0.12"),
    ("ASYNCGATE_SERVICE_PORT", "80"),
    ("ASYNCGATE_SERVICE_PORT_HTTP", "80"),
    ("ASYNCGATE_PORT_80_TCP", "tcp://10.96.0.12:80"),
    ("ASYNCGATE_PORT_80_TCP_PROTO", "tcp"),
    ("ASYNCGATE_PORT_80_TCP_PORT", "80"),
    ("ASYNCGATE_PORT_80_TCP_ADDR", "10.96.0.12"),
    ("ASYNCGATE_PORT_9091_TCP", "tcp://10.96.0.12:9091"),
    ("ASYNCGATE_PORT_9091_TCP_ADDR", "10.96.0.12"),
    ("ASYNCGATE_PORT_9091_TCP_PORT", "9091"),
];

#[test]
fn kubernetes_service_links_are_not_unknown_variables() {
    let mut env = SERVICE_LINKS.to_vec();
    env.push(("ASYNCGATE_PORT", "8080")); // set explicitly, as the fix says
    let loaded = loader::<Settings>(&env)
        .load()
        .and_then(Loaded::validate)
        .unwrap();
    assert!(loaded.warnings().is_empty(), "{:?}", loaded.warnings());
}

#[test]
fn a_setting_holding_a_service_link_explains_it_and_both_fixes() {
    let mut env = SERVICE_LINKS.to_vec();
    env.push(("ASYNCGATE_PORT", "tcp://10.96.0.12:80"));
    let report = loader::<Settings>(&env).load().unwrap_err();
    let error = report.errors().next().unwrap();
    assert!(
        error.message().starts_with("ASYNCGATE_PORT holds a Kubernetes service link (tcp://<ip>:<port>), not a value for `port`"),
        "{error}"
    );
    assert!(
        error.message().contains("a Service named `asyncgate`"),
        "{error}"
    );
    let fix = error.remedy().unwrap();
    assert!(
        fix.contains("enableServiceLinks: false") && fix.contains("set ASYNCGATE_PORT explicitly"),
        "{fix}"
    );
}

#[test]
fn unknown_names_with_control_characters_are_escaped_not_echoed() {
    let dir = tempfile::tempdir().unwrap();
    // A quoted TOML key may hold an escape sequence; so may a variable name.
    std::fs::write(dir.path().join("c.toml"), "\"\\u001b[2Jwipe\" = 1\n").unwrap();
    let loaded = common::loader_in::<Settings>(
        dir.path(),
        &[
            ("ASYNCGATE_CONFIG_FILE", "c.toml"),
            ("ASYNCGATE_\u{1b}[31mRED", "1"),
        ],
    )
    .load()
    .unwrap();
    let shown: String = loaded
        .warnings()
        .iter()
        .map(|w| format!("{w}\n{:?}\n", w.env_var()))
        .collect();
    assert!(!shown.contains('\u{1b}'), "{shown:?}");
    assert!(shown.contains("unknown key `\\u{1b}[2Jwipe`"), "{shown}");
    assert!(
        shown.contains("unknown variable ASYNCGATE_\\u{1b}[31mRED"),
        "{shown}"
    );
}
