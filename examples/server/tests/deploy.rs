//! Each manifest in `deploy/`, with the variables its platform injects,
//! resolves a unique instance id and validates through `asyncgate check`.

mod common;

use std::path::Path;

use common::{API_KEY, check_json};

fn deploy(name: &str) -> String {
    std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("deploy")
            .join(name),
    )
    .unwrap()
}

/// `- name: X` followed by `value: "Y"` in a Kubernetes-style env list.
fn yaml_env(text: &str) -> Vec<(String, String)> {
    let lines: Vec<&str> = text.lines().map(str::trim).collect();
    let mut env = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        if let Some(name) = line.strip_prefix("- name: ")
            && let Some(value) = lines.get(i + 1).and_then(|l| l.strip_prefix("value: "))
        {
            env.push((name.to_owned(), value.trim_matches('"').to_owned()));
        }
    }
    env
}

fn assert_no_fixed_id(env: &[(String, String)], manifest: &str) {
    assert!(
        !env.iter().any(|(k, _)| k == "ASYNCGATE_INSTANCE_ID"),
        "{manifest} must not set one id for every replica"
    );
}

fn check(
    manifest_env: Vec<(String, String)>,
    injected: &[(&str, &str)],
    dir: &Path,
) -> serde_json::Value {
    let mut env: Vec<(&str, &str)> = manifest_env
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    env.extend_from_slice(injected);
    let (code, json) = check_json(dir, &env);
    assert_eq!(code, 0, "{json:#}");
    assert_eq!(json["ok"], true);
    assert_eq!(json["env"], "production");
    json
}

#[test]
fn fly_toml() {
    let table: toml::Table = deploy("fly.toml").parse().unwrap();
    let env: Vec<(String, String)> = table["env"]
        .as_table()
        .unwrap()
        .iter()
        .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_owned()))
        .collect();
    assert_no_fixed_id(&env, "fly.toml");
    let dir = tempfile::tempdir().unwrap();
    // `fly secrets set` injects the key; Fly injects FLY_ALLOC_ID per Machine.
    let a = check(
        env.clone(),
        &[
            ("ASYNCGATE_API_KEY", API_KEY),
            ("FLY_ALLOC_ID", "683d3c2b-4e6f-4a1b-9c2d-7e8f9a0b1c2d"),
        ],
        dir.path(),
    );
    let b = check(
        env,
        &[
            ("ASYNCGATE_API_KEY", API_KEY),
            ("FLY_ALLOC_ID", "91e7a5c3-0d2b-4f6e-8a9c-1b2d3e4f5a6b"),
        ],
        dir.path(),
    );
    assert_eq!(a["platform"], "fly");
    assert_ne!(a["instance_id"], b["instance_id"]);
}

fn kubernetes(manifest: &str, pods: [&str; 2]) {
    let env = yaml_env(&deploy(manifest));
    assert!(env.iter().any(|(k, _)| k == "ASYNCGATE_ENV"), "{manifest}");
    assert_no_fixed_id(&env, manifest);
    // The Secret volume mounts the key where ASYNCGATE_API_KEY_FILE points;
    // here it is a file in the test directory at the same relative place.
    let dir = tempfile::tempdir().unwrap();
    let key_path = env
        .iter()
        .find(|(k, _)| k == "ASYNCGATE_API_KEY_FILE")
        .unwrap()
        .1
        .clone();
    let local = dir.path().join(key_path.trim_start_matches('/'));
    std::fs::create_dir_all(local.parent().unwrap()).unwrap();
    std::fs::write(&local, format!("{API_KEY}\n")).unwrap();
    let env: Vec<(String, String)> = env
        .into_iter()
        .map(|(k, v)| {
            if k == "ASYNCGATE_API_KEY_FILE" {
                (k, local.display().to_string())
            } else {
                (k, v)
            }
        })
        .collect();
    let ids: Vec<serde_json::Value> = pods
        .iter()
        .map(|pod| {
            let json = check(
                env.clone(),
                &[
                    ("KUBERNETES_SERVICE_HOST", "10.96.0.1"),
                    ("HOSTNAME", pod),
                    ("POD_NAME", pod),
                ],
                dir.path(),
            );
            assert_eq!(json["platform"], "kubernetes");
            assert_eq!(json["instance_id"], *pod);
            assert_eq!(json["settings"]["api_key"]["value"], "[redacted]");
            json["instance_id"].clone()
        })
        .collect();
    assert_ne!(ids[0], ids[1]);
}

#[test]
fn kubernetes_deployment() {
    kubernetes(
        "kubernetes-deployment.yaml",
        ["asyncgate-7d9f8b6c5d-x2x9k", "asyncgate-7d9f8b6c5d-p8q4r"],
    );
}

#[test]
fn kubernetes_statefulset() {
    kubernetes(
        "kubernetes-statefulset.yaml",
        ["asyncgate-0", "asyncgate-1"],
    );
}

#[test]
fn ecs_task_definition() {
    let task: serde_json::Value =
        serde_json::from_str(&deploy("ecs-task-definition.json")).unwrap();
    let container = &task["containerDefinitions"][0];
    let env: Vec<(String, String)> = container["environment"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["name"].as_str().unwrap().to_owned(),
                e["value"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_no_fixed_id(&env, "ecs-task-definition.json");
    assert_eq!(
        container["secrets"][0]["name"], "ASYNCGATE_API_KEY",
        "ECS injects the key from Secrets Manager"
    );
    let dir = tempfile::tempdir().unwrap();
    let uri_a = "http://169.254.170.2/v4/a8585a7ac9dc4c8a9b4c5bd6b2d8aa0a-3141592653";
    let uri_b = "http://169.254.170.2/v4/c0ffee7ac9dc4c8a9b4c5bd6b2d8aa0a-3141592653";
    let a = check(
        env.clone(),
        &[
            ("ASYNCGATE_API_KEY", API_KEY),
            ("ECS_CONTAINER_METADATA_URI_V4", uri_a),
        ],
        dir.path(),
    );
    let b = check(
        env,
        &[
            ("ASYNCGATE_API_KEY", API_KEY),
            ("ECS_CONTAINER_METADATA_URI_V4", uri_b),
        ],
        dir.path(),
    );
    assert_eq!(a["platform"], "ecs");
    assert_eq!(a["instance_id"], "ecs-a8585a7ac9dc-3141592653");
    assert_ne!(a["instance_id"], b["instance_id"]);
}

#[test]
fn cloud_run_service() {
    let env = yaml_env(&deploy("cloud-run-service.yaml"));
    assert_no_fixed_id(&env, "cloud-run-service.yaml");
    let dir = tempfile::tempdir().unwrap();
    let injected = [
        ("ASYNCGATE_API_KEY", API_KEY),
        ("K_REVISION", "asyncgate-00042-xuz"),
        ("K_SERVICE", "asyncgate"),
        ("PORT", "8080"),
    ];
    let a = check(env.clone(), &injected, dir.path());
    let b = check(env, &injected, dir.path());
    assert_eq!(a["platform"], "cloud_run");
    assert!(
        a["instance_id"]
            .as_str()
            .unwrap()
            .starts_with("asyncgate-00042-xuz-")
    );
    assert_ne!(
        a["instance_id"], b["instance_id"],
        "two instances of one revision get different ids"
    );
}
