//! `asyncgate check` end to end: platform fixtures, the auth matrix, exit
//! codes, and secrets absent from every output.

mod common;

use common::{API_KEY, check_json, run};

struct Platform {
    name: &'static str,
    env: &'static [(&'static str, &'static str)],
    id: Option<&'static str>,
    id_prefix: &'static str,
    platform: Option<&'static str>,
    origin: &'static str,
}

const PLATFORMS: &[Platform] = &[
    Platform {
        name: "fly",
        env: &[("FLY_ALLOC_ID", "3d8d9163-7a1e-4a2b-9f1e-2fd2f8a3b6e3")],
        id: Some("3d8d9163-7a1e-4a2b-9f1e-2fd2f8a3b6e3"),
        id_prefix: "",
        platform: Some("fly"),
        origin: "detected",
    },
    Platform {
        name: "kubernetes deployment",
        env: &[
            ("KUBERNETES_SERVICE_HOST", "10.96.0.1"),
            ("HOSTNAME", "asyncgate-7d9f8b6c5d-x2x9k"),
        ],
        id: Some("asyncgate-7d9f8b6c5d-x2x9k"),
        id_prefix: "",
        platform: Some("kubernetes"),
        origin: "detected",
    },
    Platform {
        name: "kubernetes statefulset",
        env: &[
            ("KUBERNETES_SERVICE_HOST", "10.96.0.1"),
            ("POD_NAME", "asyncgate-1"),
        ],
        id: Some("asyncgate-1"),
        id_prefix: "",
        platform: Some("kubernetes"),
        origin: "detected",
    },
    Platform {
        name: "ecs fargate",
        env: &[(
            "ECS_CONTAINER_METADATA_URI_V4",
            "http://169.254.170.2/v4/a8585a7ac9dc4c8a9b4c5bd6b2d8aa0a-3141592653",
        )],
        id: Some("ecs-a8585a7ac9dc-3141592653"),
        id_prefix: "",
        platform: Some("ecs"),
        origin: "detected",
    },
    Platform {
        name: "cloud run",
        env: &[("K_REVISION", "asyncgate-00042-xuz")],
        id: None,
        id_prefix: "asyncgate-00042-xuz-",
        platform: Some("cloud_run"),
        origin: "detected",
    },
    Platform {
        name: "explicit id",
        env: &[
            ("ASYNCGATE_INSTANCE_ID", "asyncgate-blue-7f3a9c"),
            ("FLY_ALLOC_ID", "ignored-0042"),
        ],
        id: Some("asyncgate-blue-7f3a9c"),
        id_prefix: "",
        platform: None,
        origin: "configured",
    },
    Platform {
        name: "laptop in production falls back",
        env: &[("HOSTNAME", "alices-laptop")],
        id: None,
        id_prefix: "",
        platform: None,
        origin: "fallback",
    },
];

#[test]
fn platform_fixtures_through_check_json() {
    let dir = tempfile::tempdir().unwrap();
    for fixture in PLATFORMS {
        let mut env = vec![
            ("ASYNCGATE_ENV", "production"),
            ("ASYNCGATE_API_KEY", API_KEY),
        ];
        env.extend_from_slice(fixture.env);
        let (code, json) = check_json(dir.path(), &env);
        assert_eq!(code, 0, "{}: {json:#}", fixture.name);
        assert_eq!(json["ok"], true, "{}", fixture.name);
        assert_eq!(json["env"], "production");
        let id = json["instance_id"].as_str().unwrap();
        match fixture.id {
            Some(expected) => assert_eq!(id, expected, "{}", fixture.name),
            None => assert!(
                id.starts_with(fixture.id_prefix) && id.len() > fixture.id_prefix.len() + 7,
                "{}: {id}",
                fixture.name
            ),
        }
        assert_eq!(
            json["platform"].as_str(),
            fixture.platform,
            "{}",
            fixture.name
        );
        assert_eq!(
            json["instance_id_origin"], fixture.origin,
            "{}",
            fixture.name
        );
        assert_eq!(json["settings"]["instance_id"]["value"], id);
        if fixture.origin == "detected" {
            let matched: Vec<_> = json["detection"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|s| s["matched"] == true)
                .collect();
            assert_eq!(matched.len(), 1, "{}", fixture.name);
            assert_eq!(matched[0]["platform"].as_str(), fixture.platform);
        }
    }
}

/// (env, api_key set, insecure dev on) -> expected errors (substrings); empty = valid.
const AUTH_MATRIX: [(&str, bool, bool, &[&str]); 12] = [
    ("development", true, false, &[]),
    ("development", true, true, &[]),
    (
        "development",
        false,
        false,
        &["api_key is required in development environment"],
    ),
    ("development", false, true, &[]),
    ("staging", true, false, &[]),
    (
        "staging",
        true,
        true,
        &["allow_insecure_dev=true is not allowed in staging environment"],
    ),
    (
        "staging",
        false,
        false,
        &["api_key is required in staging environment"],
    ),
    (
        "staging",
        false,
        true,
        &[
            "allow_insecure_dev=true is not allowed in staging environment",
            "api_key is required in staging environment",
        ],
    ),
    ("production", true, false, &[]),
    (
        "production",
        true,
        true,
        &["allow_insecure_dev=true is not allowed in production environment"],
    ),
    (
        "production",
        false,
        false,
        &["api_key is required in production environment"],
    ),
    (
        "production",
        false,
        true,
        &[
            "allow_insecure_dev=true is not allowed in production environment",
            "api_key is required in production environment",
        ],
    ),
];

#[test]
fn auth_matrix() {
    let dir = tempfile::tempdir().unwrap();
    for (env_name, key, insecure, expected) in AUTH_MATRIX {
        let mut env = vec![
            ("ASYNCGATE_ENV", env_name),
            ("ASYNCGATE_INSTANCE_ID", "asyncgate-prod-7f3a9c"),
        ];
        if key {
            env.push(("ASYNCGATE_API_KEY", API_KEY));
        }
        if insecure {
            env.push(("ASYNCGATE_ALLOW_INSECURE_DEV", "true"));
        }
        let row = format!("{env_name} key={key} insecure={insecure}");
        let (code, json) = check_json(dir.path(), &env);
        let errors: Vec<&str> = json["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["severity"] == "error")
            .map(|f| f["message"].as_str().unwrap())
            .collect();
        assert_eq!(errors.len(), expected.len(), "{row}: {errors:?}");
        for message in expected {
            assert!(
                errors.contains(message),
                "{row}: {message:?} not in {errors:?}"
            );
        }
        assert_eq!(code, if expected.is_empty() { 0 } else { 1 }, "{row}");
        assert_eq!(json["ok"], expected.is_empty(), "{row}");
    }
}

#[test]
fn check_text_lists_errors_first_then_settings_and_detection() {
    let dir = tempfile::tempdir().unwrap();
    let env = [
        ("ASYNCGATE_ENV", "production"),
        ("ASYNCGATE_INSTANCE_ID", "localhost"),
        ("ASYNCGATE_PORT", "80"),
        ("ASYNCGATE_API_KEY", API_KEY),
    ];
    let out = run(dir.path(), &env, &["check"]);
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.starts_with("configuration INVALID: 1 error(s), 0 warning(s)"),
        "{text}"
    );
    let errors = text.find("Errors:").unwrap();
    let settings = text.find("Settings:").unwrap();
    assert!(errors < settings);
    assert!(text.contains(
        "INSTANCE ID CONFLICT RISK: instance_id='localhost' is not safe for production environment."
    ));
    assert!(
        text.contains("ASYNCGATE_PORT")
            && text.contains("80  [environment variable ASYNCGATE_PORT]"),
        "{text}"
    );
    assert!(text.contains("ASYNCGATE_API_KEY") && text.contains("[redacted]"));
}

#[test]
fn parse_errors_exit_1_with_every_error_named() {
    let dir = tempfile::tempdir().unwrap();
    let env = [
        ("ASYNCGATE_PORT", "http"),
        ("ASYNCGATE_ENV", "prod"),
        ("ASYNCGATE_API_KEY", API_KEY),
    ];
    let (code, json) = check_json(dir.path(), &env);
    assert_eq!(code, 1);
    let vars: Vec<&str> = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|f| f["env_var"].as_str())
        .collect();
    assert!(
        vars.contains(&"ASYNCGATE_PORT") && vars.contains(&"ASYNCGATE_ENV"),
        "{json:#}"
    );
}

#[test]
fn usage_errors_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    for args in [&["check", "--format", "yaml"][..], &["frobnicate"], &[]] {
        let out = run(dir.path(), &[], args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
    }
}

#[test]
fn secrets_never_appear_in_check_output() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("key"), format!("{API_KEY}\n")).unwrap();
    let cases: [&[(&str, &str)]; 3] = [
        &[("ASYNCGATE_API_KEY", API_KEY)],
        &[
            ("ASYNCGATE_API_KEY_FILE", "key"),
            ("ASYNCGATE_ENV", "production"),
            ("ASYNCGATE_INSTANCE_ID", "localhost"),
        ],
        &[
            ("ASYNCGATE_API_KEY", API_KEY),
            ("ASYNCGATE_API_KEY_FILE", "key"),
        ],
    ];
    for env in cases {
        for format in ["text", "json"] {
            let out = run(dir.path(), env, &["check", "--format", format]);
            let all = [out.stdout, out.stderr].concat();
            assert!(
                !String::from_utf8_lossy(&all).contains(API_KEY),
                "{env:?} {format}"
            );
        }
    }
}
