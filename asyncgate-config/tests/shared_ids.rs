//! An id every replica reads is shared by construction: a configured
//! `instance_id` that overrides the per-replica id a platform gives must
//! not pass production silently (a ConfigMap mounted by every pod).

mod common;

use std::fs;

use asyncgate_config::provenance::InstanceIdOrigin;
use asyncgate_config::{GateConfig, Platform, Severity};
use common::{Mini, PROD, Settings, loader, loader_in, messages, with};

const K8S: (&str, &str) = ("KUBERNETES_SERVICE_HOST", "10.96.0.1");

fn config_dir(toml: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("config.toml"), toml).unwrap();
    dir
}

#[test]
fn an_id_from_a_configmap_file_is_refused_in_production_on_every_pod() {
    let dir = config_dir("instance_id = \"ledger-prod\"\n");
    let file = dir.path().join("config.toml");
    for pod in [
        "ledger-7d9f8b6c5d-x2x9k",
        "ledger-7d9f8b6c5d-q8w7e",
        "ledger-7d9f8b6c5d-zz1aa",
    ] {
        let env = with(
            &PROD,
            &[
                K8S,
                ("POD_NAME", pod),
                ("ASYNCGATE_CONFIG_FILE", "config.toml"),
            ],
        );
        let report = loader_in::<Settings>(dir.path(), &env)
            .load()
            .unwrap()
            .validate()
            .unwrap_err();
        let error = report
            .errors()
            .find(|f| f.message().contains("a file every replica reads"))
            .unwrap_or_else(|| panic!("no shared-id error for {pod}:\n{report}"));
        let message = error.message();
        assert!(
            message.contains(&format!("key `instance_id` in {}", file.display())),
            "{message}"
        );
        assert!(
            message.contains(&format!(
                "Kubernetes, which gives each replica its own id (POD_NAME -> {pod})"
            )),
            "{message}"
        );
        let remedy = error.remedy().unwrap();
        assert!(
            remedy.contains(&format!("remove `instance_id` from {}", file.display())),
            "{remedy}"
        );
        assert!(
            remedy.contains("fieldRef: fieldPath: metadata.name"),
            "{remedy}"
        );
        assert_eq!(error.env_var(), Some("ASYNCGATE_INSTANCE_ID"));
    }
}

#[test]
fn in_staging_it_is_an_error_and_in_development_a_warning() {
    let dir = config_dir("instance_id = \"ledger-shared\"\n");
    let pod = [
        K8S,
        ("POD_NAME", "ledger-5c8d7-qwert"),
        ("ASYNCGATE_CONFIG_FILE", "config.toml"),
    ];
    let staging = with(
        &[
            ("ASYNCGATE_ENV", "staging"),
            ("ASYNCGATE_API_KEY", "k-test-0123456789"),
        ],
        &pod,
    );
    let report = loader_in::<Settings>(dir.path(), &staging)
        .load()
        .unwrap()
        .validate()
        .unwrap_err();
    assert!(
        report.to_string().contains("a file every replica reads"),
        "{report}"
    );

    let development = loader_in::<Settings>(dir.path(), &pod)
        .load()
        .unwrap()
        .validate()
        .unwrap();
    assert_eq!(development.instance_id.as_str(), "ledger-shared");
    let warnings = messages(development.warnings(), Severity::Warning);
    assert!(
        warnings
            .iter()
            .any(|w| w.contains("a file every replica reads")),
        "{warnings:?}"
    );
}

#[test]
fn an_id_from_dotenv_counts_as_a_file() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(
        dir.path().join(".env"),
        "ASYNCGATE_INSTANCE_ID=ledger-from-dotenv\n",
    )
    .unwrap();
    let env = with(&PROD, &[("FLY_ALLOC_ID", "3d8d9163-7a1e")]);
    let report = loader_in::<Settings>(dir.path(), &env)
        .load()
        .unwrap()
        .validate()
        .unwrap_err();
    let text = report.to_string();
    assert!(text.contains("ASYNCGATE_INSTANCE_ID in "), "{text}");
    assert!(
        text.contains(
            "Fly.io, which gives each replica its own id (FLY_ALLOC_ID -> 3d8d9163-7a1e)"
        ),
        "{text}"
    );
    assert!(
        text.contains("set ASYNCGATE_INSTANCE_ID per replica from FLY_ALLOC_ID"),
        "{text}"
    );
}

#[test]
fn an_id_from_the_pod_template_is_a_warning_and_an_error_under_strict() {
    let env = with(
        &PROD,
        &[
            K8S,
            ("POD_NAME", "ledger-5c8d7-qwert"),
            ("ASYNCGATE_INSTANCE_ID", "ledger-worker"),
        ],
    );
    let validated = loader::<Settings>(&env).load().unwrap().validate().unwrap();
    let warnings = messages(validated.warnings(), Severity::Warning);
    assert!(
        warnings.iter().any(|w| w.contains(
            "environment variable ASYNCGATE_INSTANCE_ID: a value written in the pod template"
        )),
        "{warnings:?}"
    );

    let strict = loader::<Settings>(&env)
        .strict_instance_id(true)
        .load()
        .unwrap()
        .validate()
        .unwrap_err();
    assert!(
        strict
            .to_string()
            .contains("a value written in the pod template"),
        "{strict}"
    );

    // `#[gate(instance_id, strict)]` on the struct does the same.
    let mini = [
        ("MINI_REGION", "eu"),
        ("FLY_ALLOC_ID", "3d8d9163-7a1e"),
        ("MINI_INSTANCE_ID", "mini-worker-a"),
    ];
    let report = loader::<Mini>(&mini)
        .load()
        .unwrap()
        .validate()
        .unwrap_err();
    assert!(
        report
            .to_string()
            .contains("gives each replica its own id (FLY_ALLOC_ID -> 3d8d9163-7a1e)"),
        "{report}"
    );

    // In development an id from the environment is left alone.
    let dev = [
        K8S,
        ("POD_NAME", "ledger-5c8d7-qwert"),
        ("ASYNCGATE_INSTANCE_ID", "ledger-worker"),
    ];
    let validated = loader::<Settings>(&dev).load().unwrap().validate().unwrap();
    assert!(
        validated.warnings().is_empty(),
        "{:?}",
        validated.warnings()
    );
}

#[test]
fn an_id_equal_to_or_containing_the_platforms_id_is_fine() {
    for configured in [
        "ledger-5c8d7-qwert",
        "blue-ledger-5c8d7-qwert",
        "ledger-5c8d7-qwert.eu-1",
    ] {
        let dir = config_dir(&format!("instance_id = \"{configured}\"\n"));
        let env = with(
            &PROD,
            &[
                K8S,
                ("POD_NAME", "ledger-5c8d7-qwert"),
                ("ASYNCGATE_CONFIG_FILE", "config.toml"),
            ],
        );
        let validated = loader_in::<Settings>(dir.path(), &env)
            .load()
            .unwrap()
            .validate()
            .unwrap();
        assert_eq!(validated.instance_id.as_str(), configured);
        assert_eq!(
            validated.resolution().instance_id_origin(),
            InstanceIdOrigin::Configured
        );
        assert!(
            validated.warnings().is_empty(),
            "{configured}: {:?}",
            validated.warnings()
        );
        let platform = validated.resolution().platform_id().unwrap();
        assert_eq!(
            (platform.platform, platform.var, platform.id.as_str()),
            (Platform::Kubernetes, "POD_NAME", "ledger-5c8d7-qwert")
        );
    }
}

#[test]
fn without_a_platform_a_configured_id_from_a_file_is_not_a_shared_id() {
    let dir = config_dir("instance_id = \"ledger-host-a1\"\n");
    let env = with(&PROD, &[("ASYNCGATE_CONFIG_FILE", "config.toml")]);
    let validated = loader_in::<Settings>(dir.path(), &env)
        .load()
        .unwrap()
        .validate()
        .unwrap();
    assert!(validated.resolution().platform_id().is_none());
    assert!(
        validated.warnings().is_empty(),
        "{:?}",
        validated.warnings()
    );
}

#[test]
fn templates_never_offer_the_instance_id_as_a_key() {
    let schema = Settings::schema();
    let dotenv = schema.env_example();
    assert!(!dotenv.contains("#ASYNCGATE_INSTANCE_ID="), "{dotenv}");
    assert!(
        dotenv.contains("# (per replica: detected from the platform; set ASYNCGATE_INSTANCE_ID only in one replica's own environment, never in a file that replicas share)"),
        "{dotenv}"
    );
    let toml = schema.toml_template();
    assert!(!toml.contains("instance_id ="), "{toml}");
    assert!(
        toml.contains("never in a file that replicas share"),
        "{toml}"
    );
}

#[test]
fn a_config_file_path_with_control_characters_is_escaped_in_the_message() {
    let dir = tempfile::tempdir().unwrap();
    let name = "con\u{1b}[2Jfig.toml";
    fs::write(dir.path().join(name), "instance_id = \"ledger-prod\"\n").unwrap();
    let env = with(
        &PROD,
        &[
            K8S,
            ("POD_NAME", "ledger-5c8d7-qwert"),
            ("ASYNCGATE_CONFIG_FILE", name),
        ],
    );
    let report = loader_in::<Settings>(dir.path(), &env)
        .load()
        .unwrap()
        .validate()
        .unwrap_err();
    let error = report
        .errors()
        .find(|f| f.message().contains("a file every replica reads"))
        .unwrap();
    assert!(!error.message().contains('\u{1b}'), "{:?}", error.message());
    assert!(!error.remedy().unwrap().contains('\u{1b}'));
    assert!(
        error.message().contains("con\\u{1b}[2Jfig.toml"),
        "{}",
        error.message()
    );
}
