//! The deployment shapes the library exists for, through the real binary
//! and a real process environment: a ConfigMap's `instance_id` shared by
//! every pod, and the service links of other Services in the namespace.

mod common;

use common::{API_KEY, check_json, run};

/// What a pod of a Deployment sees: its own name, the API server, the key.
fn pod(name: &'static str) -> Vec<(&'static str, &'static str)> {
    vec![
        ("ASYNCGATE_ENV", "production"),
        ("ASYNCGATE_API_KEY", API_KEY),
        ("KUBERNETES_SERVICE_HOST", "10.96.0.1"),
        ("POD_NAME", name),
        ("ASYNCGATE_CLAIM_STORE", "file"),
    ]
}

#[test]
fn an_id_in_a_configmap_file_is_refused_on_every_pod_before_the_port_is_bound() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("config.toml"),
        "instance_id = \"asyncgate-prod\"\n",
    )
    .unwrap();
    for name in ["asyncgate-7d9f8b6c5d-x2x9k", "asyncgate-7d9f8b6c5d-q8w7e"] {
        let mut env = pod(name);
        env.push(("ASYNCGATE_CONFIG_FILE", "config.toml"));
        let (code, json) = check_json(dir.path(), &env);
        assert_eq!(code, 1, "{json}");
        let finding = json["findings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| {
                f["message"]
                    .as_str()
                    .unwrap()
                    .contains("a file every replica reads")
            })
            .unwrap_or_else(|| panic!("{json}"));
        assert_eq!(finding["severity"], "error");
        let message = finding["message"].as_str().unwrap();
        assert!(
            message.contains(&format!("(POD_NAME -> {name})")),
            "{message}"
        );
        assert!(
            finding["remedy"]
                .as_str()
                .unwrap()
                .contains("fieldRef: fieldPath: metadata.name")
        );
        // `start` refuses too, with the configuration's exit code.
        let out = run(dir.path(), &env, &["start"]);
        assert_eq!(
            out.status.code(),
            Some(78),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(String::from_utf8_lossy(&out.stderr).contains("a file every replica reads"));
    }
}

#[test]
fn other_services_links_under_the_prefix_never_draw_a_finding() {
    let dir = tempfile::tempdir().unwrap();
    let mut env = pod("asyncgate-7d9f8b6c5d-x2x9k");
    // A Service `asyncgate-db` and a Service `asyncgate-redis` next to the server.
    env.extend([
        ("ASYNCGATE_DB_SERVICE_HOST", "10.96.4.7"),
        ("ASYNCGATE_DB_SERVICE_PORT", "5432"),
        ("ASYNCGATE_DB_PORT", "tcp://10.96.4.7:5432"),
        ("ASYNCGATE_DB_PORT_5432_TCP", "tcp://10.96.4.7:5432"),
        ("ASYNCGATE_DB_PORT_5432_TCP_PROTO", "tcp"),
        ("ASYNCGATE_DB_PORT_5432_TCP_PORT", "5432"),
        ("ASYNCGATE_DB_PORT_5432_TCP_ADDR", "10.96.4.7"),
        ("ASYNCGATE_REDIS_SERVICE_HOST", "10.96.4.8"),
        ("ASYNCGATE_REDIS_PORT", "tcp://10.96.4.8:6379"),
    ]);
    let (code, json) = check_json(dir.path(), &env);
    let messages: Vec<&str> = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["message"].as_str().unwrap())
        .collect();
    assert!(
        !messages.iter().any(|m| m.contains("unknown variable")),
        "{messages:?}"
    );
    assert_eq!(code, 0, "{json}");
}
