//! Secrets strong enough for production: a well-known placeholder, or a
//! secret shorter than its `min_len`, is an error in staging and
//! production and a warning in development; nothing of it is shown.

use asyncgate_config::{
    Environment, GateConfig, InstanceId, Loaded, Report, SecretString, Severity,
};

#[derive(Debug, GateConfig)]
#[gate(prefix = "SVC")]
#[allow(dead_code)] // the rules read the settings; the tests read the reports
struct Svc {
    #[gate(environment, default = "development")]
    env: Environment,
    #[gate(instance_id, default = "svc-1")]
    instance_id: InstanceId,
    #[gate(secret, min_len = 16)]
    api_key: Option<SecretString>,
    /// No `min_len`: only the placeholders are refused.
    #[gate(secret)]
    webhook_token: Option<SecretString>,
}

fn outcome(env: &[(&str, &str)]) -> Result<Vec<(Severity, String)>, Report> {
    let mut env = env.to_vec();
    env.push(("SVC_INSTANCE_ID", "svc-7f3c9e21"));
    Svc::loader()
        .env(env)
        .load()
        .and_then(Loaded::validate)
        .map(|v| {
            v.warnings()
                .iter()
                .map(|f| (f.severity(), f.message().to_owned()))
                .collect()
        })
}

#[test]
fn placeholders_are_refused_in_production_whatever_their_case() {
    for placeholder in [
        "changeme",
        "CHANGEME",
        "secret",
        "password",
        "your-secure-key",
        "test",
        "1234",
        "xxxxxxxxxxxxxxxxxxxx",
    ] {
        let report = outcome(&[
            ("SVC_ENV", "production"),
            ("SVC_WEBHOOK_TOKEN", placeholder),
        ])
        .unwrap_err();
        let error = report.errors().next().unwrap();
        assert_eq!(
            error.message(),
            "webhook_token is a well-known placeholder, not a secret (its value is not shown): not safe for production environment"
        );
        assert!(error.remedy().unwrap().contains("openssl rand"));
        let all = format!(
            "{report}\n{}\n{}",
            report.detailed(),
            serde_json::to_string(&report).unwrap()
        );
        assert!(
            !all.to_lowercase()
                .contains(&format!("`{}`", placeholder.to_lowercase())),
            "{all}"
        );
    }
}

#[test]
fn a_secret_shorter_than_its_min_len_is_refused_in_staging_and_production() {
    for env in ["staging", "production"] {
        let report = outcome(&[("SVC_ENV", env), ("SVC_API_KEY", "k-3f9a1c")]).unwrap_err();
        let error = report.errors().next().unwrap();
        assert_eq!(
            error.message(),
            format!(
                "api_key is only 8 characters long; it must have at least 16 in {env} environment (its value is not shown)"
            )
        );
        assert!(!report.to_string().contains("k-3f9a1c"));
    }
    // Long enough: valid.
    assert_eq!(
        outcome(&[
            ("SVC_ENV", "production"),
            ("SVC_API_KEY", "k-3f9a1c7d2e8b4f60")
        ])
        .unwrap(),
        []
    );
}

#[test]
fn in_development_they_are_warnings() {
    let warnings = outcome(&[
        ("SVC_API_KEY", "changeme"),
        ("SVC_WEBHOOK_TOKEN", "short-but-fine"),
    ])
    .unwrap();
    assert_eq!(
        warnings,
        [(Severity::Warning, "api_key is a well-known placeholder, not a secret (its value is not shown): not safe for development environment".to_owned())]
    );
}

#[test]
fn a_secret_from_its_file_is_held_to_the_same_rules() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("key"), "changeme\n").unwrap();
    let report = Svc::loader()
        .env([
            ("SVC_ENV", "production"),
            ("SVC_INSTANCE_ID", "svc-7f3c9e21"),
            ("SVC_API_KEY_FILE", "key"),
        ])
        .current_dir(dir.path())
        .load()
        .and_then(Loaded::validate)
        .unwrap_err();
    assert!(
        report
            .errors()
            .next()
            .unwrap()
            .message()
            .starts_with("api_key is a well-known placeholder"),
        "{report}"
    );
    assert_eq!(Svc::schema().field("api_key").unwrap().min_len(), Some(16));
}
