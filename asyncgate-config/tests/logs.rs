//! Log lines: what the load and validation log at INFO. Every test of
//! this binary captures: `tracing` caches a callsite's interest when it is
//! first hit, so a test thread without a subscriber that hits it first
//! could hide an event from a capturing one (seen as a flaky test). Log
//! assertions live here, where every thread has a subscriber.

mod common;

use asyncgate_config::{Environment, GateConfig, InstanceId};
use common::{Settings, capture_logs, loader};

#[test]
fn log_lines_follow_the_design() {
    let logs = capture_logs(|| {
        let env = common::with(&common::PROD, &[("FLY_ALLOC_ID", "fly-alloc-0042")]);
        let _ = loader::<Settings>(&env).load().unwrap().validate().unwrap();
        let _ = loader::<Settings>(&[("ASYNCGATE_INSTANCE_ID", "worker-a1b2c3d4")])
            .load()
            .unwrap();
    });
    assert!(
        logs.contains("Auto-detected instance ID: fly-alloc-0042"),
        "{logs}"
    );
    assert!(
        logs.contains("Instance ID validated: fly-alloc-0042 (env: production)"),
        "{logs}"
    );
    assert!(logs.contains("Environment: production"), "{logs}");
    assert!(
        logs.contains("Using configured instance ID: worker-a1b2c3d4"),
        "{logs}"
    );
    assert!(!logs.contains("k-test-0123456789"), "no secret in logs");
}

/// A strict service next to Services whose names share its prefix.
#[derive(Debug, GateConfig)]
#[gate(prefix = "LEDGER", deny_unknown)]
struct Ledger {
    #[gate(environment, default = "development")]
    env: Environment,
    #[gate(instance_id, default = "ledger-1")]
    instance_id: InstanceId,
}

#[test]
fn ignored_service_links_are_one_info_line_naming_their_services_and_the_fix() {
    let env = [
        ("LEDGER_DB_SERVICE_HOST", "10.96.4.7"),
        ("LEDGER_DB_PORT", "tcp://10.96.4.7:5432"),
        ("LEDGER_DB_PORT_5432_TCP_ADDR", "10.96.4.7"),
        ("LEDGER_SERVICE_HOST", "10.96.0.12"),
        ("LEDGER_PORT", "tcp://10.96.0.12:80"),
    ];
    let logs = capture_logs(|| {
        let loaded = loader::<Ledger>(&env).load().unwrap();
        assert!(loaded.warnings().is_empty() && loaded.env.is_development());
        assert_eq!(loaded.instance_id.as_str(), "ledger-1");
    });
    let lines: Vec<&str> = logs
        .lines()
        .filter(|l| l.contains("service-link"))
        .collect();
    assert_eq!(lines.len(), 1, "{logs}");
    assert!(
        lines[0].contains("Ignoring 5 Kubernetes service-link variables under LEDGER_ (Services ledger-db, ledger in this namespace)"),
        "{logs}"
    );
    assert!(
        lines[0].contains("`enableServiceLinks: false` in the pod spec"),
        "{logs}"
    );
    // A hostile name is no Service's (at most 63 characters): not logged.
    let spam = format!("LEDGER_{}SERVICE_HOST", "PORT_".repeat(50_000));
    let logs = capture_logs(|| {
        let _ = Ledger::loader().env([(spam.as_str(), "10.0.0.1")]).load();
    });
    assert!(logs.len() < 2_000, "{} bytes of logs", logs.len());
}

/// A team's own environment names.
#[derive(Debug, GateConfig)]
#[gate(prefix = "ORDERS")]
struct Orders {
    #[gate(
        environment,
        default = "dev",
        names(dev = "development", prod = "production")
    )]
    env: Environment,
    #[gate(instance_id, default = "orders-1")]
    instance_id: InstanceId,
}

#[test]
fn the_start_up_log_names_the_environment_as_reports_do() {
    let env = [
        ("ORDERS_ENV", "prod"),
        ("ORDERS_INSTANCE_ID", "orders-7f3c9e21"),
    ];
    let logs = capture_logs(|| {
        let validated = loader::<Orders>(&env).load().unwrap().validate().unwrap();
        assert_eq!(
            validated.resolution().environment_label(),
            "prod (production rules)"
        );
        assert_eq!(
            (validated.env, validated.instance_id.as_str()),
            (Environment::Production, "orders-7f3c9e21")
        );
    });
    assert!(
        logs.contains("Instance ID validated: orders-7f3c9e21 (env: prod (production rules))"),
        "{logs}"
    );
    assert!(
        logs.contains("Environment: prod (production rules)"),
        "{logs}"
    );
}
