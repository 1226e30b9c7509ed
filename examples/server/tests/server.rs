//! `asyncgate start` end to end: serving, auth, start-up refusal before
//! binding, logs, graceful shutdown, and no secret in any output.

mod common;

use std::net::TcpListener;

use common::{API_KEY, Server, command, get, header};

fn production() -> Vec<(&'static str, &'static str)> {
    vec![
        ("ASYNCGATE_ENV", "production"),
        ("ASYNCGATE_API_KEY", API_KEY),
        ("KUBERNETES_SERVICE_HOST", "10.96.0.1"),
        ("POD_NAME", "asyncgate-7d9f8b6c5d-x2x9k"),
    ]
}

#[test]
fn serves_config_without_auth_and_instance_with_the_key() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path(), &production());

    let (status, headers, body) = get(server.addr, "/v1/config", &[]);
    assert_eq!(status, 200);
    assert_eq!(header(&headers, "content-type"), Some("application/json"));
    let json: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(json["instance_id"], "asyncgate-7d9f8b6c5d-x2x9k");
    assert_eq!(json["env"], "production");
    assert_eq!(json["version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(json["instance_id_origin"], "detected");
    assert_eq!(json["platform"], "kubernetes");

    assert_eq!(get(server.addr, "/healthz", &[]).0, 200);

    let bearer = format!("Bearer {API_KEY}");
    for (headers, expected) in [
        (vec![], 401),
        (vec![("Authorization", "Bearer wrong-key")], 401),
        (vec![("Authorization", "Basic Y2FuYXJ5")], 401),
        (
            vec![("Authorization", &format!("Bearer {API_KEY}x")[..])],
            401,
        ),
        (vec![("Authorization", bearer.as_str())], 200),
    ] {
        let (status, response_headers, body) = get(server.addr, "/v1/instance", &headers);
        assert_eq!(status, expected, "{headers:?}");
        if expected == 401 {
            assert_eq!(
                header(&response_headers, "www-authenticate"),
                Some(r#"Bearer realm="asyncgate""#)
            );
        } else {
            let json: serde_json::Value = serde_json::from_str(&body).unwrap();
            assert_eq!(json["instance_id"], "asyncgate-7d9f8b6c5d-x2x9k");
            assert!(
                json["detection"][1]
                    .as_str()
                    .unwrap()
                    .starts_with("Kubernetes: matched POD_NAME")
            );
        }
        assert!(!body.contains(API_KEY));
    }
    // Other /v1/ routes need the key before they say anything.
    assert_eq!(get(server.addr, "/v1/tasks", &[]).0, 401);
    // With the key: a route asked with the wrong method, and no route.
    assert_eq!(
        get(
            server.addr,
            "/v1/tasks",
            &[("Authorization", bearer.as_str())]
        )
        .0,
        405
    );
    assert_eq!(
        get(
            server.addr,
            "/v1/no-such-route",
            &[("Authorization", bearer.as_str())]
        )
        .0,
        404
    );

    let (code, log) = server.terminate();
    assert_eq!(code, Some(0), "graceful shutdown on SIGTERM:\n{log}");
    assert!(
        log.contains("Auto-detected instance ID: asyncgate-7d9f8b6c5d-x2x9k"),
        "{log}"
    );
    assert!(
        log.contains("Instance ID validated: asyncgate-7d9f8b6c5d-x2x9k (env: production)"),
        "{log}"
    );
    assert!(log.contains("Environment: production"), "{log}");
    assert!(log.contains("Shut down cleanly"), "{log}");
    assert!(!log.contains(API_KEY), "no secret in logs");
}

#[test]
fn a_configured_id_is_logged_as_configured() {
    let dir = tempfile::tempdir().unwrap();
    let env = [
        ("ASYNCGATE_INSTANCE_ID", "worker-a1b2c3d4"),
        ("ASYNCGATE_API_KEY", API_KEY),
    ];
    let server = Server::start(dir.path(), &env);
    let (_, log) = server.terminate();
    assert!(
        log.contains("Using configured instance ID: worker-a1b2c3d4"),
        "{log}"
    );
    assert!(
        log.contains("Instance ID validated: worker-a1b2c3d4 (env: development)"),
        "{log}"
    );
}

#[test]
fn an_invalid_configuration_exits_78_before_binding() {
    let dir = tempfile::tempdir().unwrap();
    // Hold the port: a server that tried to bind first would fail with a
    // bind error (exit 1), not with the configuration report (exit 78).
    let held = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = held.local_addr().unwrap().port().to_string();
    let env = [
        ("ASYNCGATE_ENV", "production"),
        ("ASYNCGATE_INSTANCE_ID", "asyncgate-1-copy"),
        ("ASYNCGATE_HOST", "127.0.0.1"),
        ("ASYNCGATE_PORT", port.as_str()),
        ("ASYNCGATE_API_KEY", API_KEY),
    ];
    let out = command(dir.path(), &env).arg("start").output().unwrap();
    assert_eq!(out.status.code(), Some(78));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(
        stderr.contains("invalid configuration for `Settings` (env: production)"),
        "{stderr}"
    );
    assert!(!stderr.contains("Listening on"), "{stderr}");
    assert!(!stderr.contains("cannot listen"), "{stderr}");
    assert!(!stderr.contains(API_KEY));
    drop(held);
}

#[test]
fn the_full_report_is_printed_on_refusal() {
    let dir = tempfile::tempdir().unwrap();
    let env = [
        ("ASYNCGATE_ENV", "production"),
        ("ASYNCGATE_INSTANCE_ID", "localhost"),
        ("ASYNCGATE_ALLOW_INSECURE_DEV", "1"),
    ];
    let out = command(dir.path(), &env).arg("start").output().unwrap();
    assert_eq!(out.status.code(), Some(78));
    let stderr = String::from_utf8(out.stderr).unwrap();
    for expected in [
        "3 errors",
        "INSTANCE ID CONFLICT RISK: instance_id='localhost' is not safe for production environment.",
        "allow_insecure_dev=true is not allowed in production environment",
        "api_key is required in production environment",
    ] {
        assert!(stderr.contains(expected), "{expected}:\n{stderr}");
    }
}

#[test]
fn insecure_dev_mode_warns_loudly_and_answers_without_a_key() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path(), &[("ASYNCGATE_ALLOW_INSECURE_DEV", "true")]);
    assert_eq!(get(server.addr, "/v1/instance", &[]).0, 200);
    let (_, log) = server.terminate();
    assert!(log.contains("INSECURE DEV MODE"), "{log}");
}

#[test]
fn a_port_in_use_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let held = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = held.local_addr().unwrap().port().to_string();
    let env = [
        ("ASYNCGATE_HOST", "127.0.0.1"),
        ("ASYNCGATE_PORT", port.as_str()),
        ("ASYNCGATE_API_KEY", API_KEY),
    ];
    let out = command(dir.path(), &env).arg("start").output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(
        stderr.contains(&format!(
            "cannot listen on 127.0.0.1:{port} (ASYNCGATE_HOST, ASYNCGATE_PORT)"
        )),
        "{stderr}"
    );
}
