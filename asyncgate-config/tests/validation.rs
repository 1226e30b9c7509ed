//! Every validation rule in every environment.

mod common;

use asyncgate_config::{Environment, Severity};
use common::{Mini, PROD, Settings, errors, loader, messages, with};

const CONFLICT: &str = "INSTANCE ID CONFLICT RISK";

fn validate(
    env: &[(&'static str, &'static str)],
) -> Result<asyncgate_config::Validated<Settings>, asyncgate_config::Report> {
    loader::<Settings>(env)
        .load()
        .unwrap_or_else(|r| panic!("load failed: {r}"))
        .validate()
}

#[test]
fn development_accepts_the_default_id_without_findings() {
    let validated = validate(&[]).unwrap();
    assert_eq!(validated.instance_id.as_str(), "asyncgate-1");
    assert_eq!(validated.env, Environment::Development);
    assert!(
        validated.warnings().is_empty(),
        "{:?}",
        validated.warnings()
    );
}

#[test]
fn development_accepts_shared_looking_and_short_ids() {
    for id in ["localhost", "127.0.0.1", "asyncgate-1-dev", "a"] {
        let validated = validate(&[("ASYNCGATE_INSTANCE_ID", id)]).unwrap();
        assert!(
            validated.warnings().is_empty(),
            "{id}: {:?}",
            validated.warnings()
        );
    }
}

#[test]
fn shared_ids_are_conflict_risks_in_staging_and_production() {
    for env_name in ["staging", "production"] {
        for id in [
            "localhost",
            "localhost-2",
            "127.0.0.1",
            "127.0.0.1:8080",
            "asyncgate-1-blue",
            "asyncgate-12",
        ] {
            let env = [
                ("ASYNCGATE_ENV", env_name),
                ("ASYNCGATE_API_KEY", "k-0123456789"),
                ("ASYNCGATE_INSTANCE_ID", id),
            ];
            let report = validate(&env).unwrap_err();
            let conflict = report
                .errors()
                .find(|f| f.message().starts_with(CONFLICT))
                .unwrap_or_else(|| panic!("{report}"));
            assert!(
                conflict.message().starts_with(&format!(
                    "INSTANCE ID CONFLICT RISK: instance_id='{id}' is not safe for {env_name} environment. \
                     Multiple instances could share the same ID, causing lease conflicts and data corruption."
                )),
                "{}",
                conflict.message()
            );
            assert!(conflict.message().contains("Solutions:"));
            assert!(conflict.message().contains("ASYNCGATE_INSTANCE_ID"));
            assert_eq!(conflict.setting(), Some("instance_id"));
            assert_eq!(conflict.env_var(), Some("ASYNCGATE_INSTANCE_ID"));
            assert_eq!(conflict.source().map(|s| s.kind()), Some("env"));
        }
    }
}

#[test]
fn a_fallback_on_a_host_named_localhost_is_a_conflict_risk() {
    let report = loader::<Settings>(&PROD)
        .hostname("localhost")
        .load()
        .unwrap()
        .validate()
        .unwrap_err();
    let conflict = report.errors().next().unwrap();
    assert!(
        conflict
            .message()
            .starts_with("INSTANCE ID CONFLICT RISK: instance_id='localhost-"),
        "{report}"
    );
    assert_eq!(conflict.source().map(|s| s.kind()), Some("fallback"));
}

#[test]
fn detected_lookalikes_are_trusted() {
    let env = with(
        &PROD,
        &[
            ("KUBERNETES_SERVICE_HOST", "10.96.0.1"),
            ("POD_NAME", "localhost-0"),
        ],
    );
    let validated = validate(&env).unwrap();
    assert_eq!(messages(validated.warnings(), Severity::Warning).len(), 1);
}

#[test]
fn short_ids_warn_and_strict_mode_refuses_them() {
    let env = with(&PROD, &[("ASYNCGATE_INSTANCE_ID", "w-1")]);
    let validated = validate(&env).unwrap();
    let warnings = messages(validated.warnings(), Severity::Warning);
    assert_eq!(
        warnings,
        [
            "instance_id='w-1' is only 3 characters long; ids shorter than 8 characters collide easily across replicas"
        ]
    );

    let strict = loader::<Settings>(&env)
        .strict_instance_id(true)
        .load()
        .unwrap()
        .validate()
        .unwrap_err();
    assert_eq!(errors(&strict), warnings);

    // `#[gate(instance_id, strict)]` turns it on in the schema.
    let mini = loader::<Mini>(&[("MINI_REGION", "eu"), ("MINI_INSTANCE_ID", "m-2")])
        .load()
        .unwrap()
        .validate();
    assert!(errors(&mini.unwrap_err())[0].contains("only 3 characters"));
}

#[test]
fn an_id_of_eight_characters_is_fine() {
    let validated = validate(&with(&PROD, &[("ASYNCGATE_INSTANCE_ID", "worker-1")])).unwrap();
    assert!(
        validated.warnings().is_empty(),
        "{:?}",
        validated.warnings()
    );
}

#[test]
fn required_in_applies_only_in_the_listed_environments() {
    for (env_name, required) in [
        ("development", false),
        ("staging", true),
        ("production", true),
    ] {
        let env = [
            ("ASYNCGATE_ENV", env_name),
            ("ASYNCGATE_INSTANCE_ID", "worker-a1b2c3d4"),
        ];
        let result = validate(&env);
        match result {
            Ok(_) => assert!(!required, "{env_name}"),
            Err(report) => {
                assert!(required, "{env_name}: {report}");
                let finding = report.errors().next().unwrap();
                assert_eq!(
                    finding.message(),
                    format!("api_key is required in {env_name} environment")
                );
                assert_eq!(finding.env_var(), Some("ASYNCGATE_API_KEY"));
                assert!(finding.remedy().unwrap().contains("ASYNCGATE_API_KEY_FILE"));
            }
        }
    }
}

#[test]
fn forbidden_in_applies_only_in_the_listed_environments() {
    for (env_name, forbidden) in [
        ("development", false),
        ("staging", true),
        ("production", true),
    ] {
        let env = [
            ("ASYNCGATE_ENV", env_name),
            ("ASYNCGATE_API_KEY", "k-0123456789"),
            ("ASYNCGATE_INSTANCE_ID", "worker-a1b2c3d4"),
            ("ASYNCGATE_ALLOW_INSECURE_DEV", "true"),
        ];
        match validate(&env) {
            Ok(_) => assert!(!forbidden, "{env_name}"),
            Err(report) => {
                assert!(forbidden, "{env_name}: {report}");
                assert_eq!(
                    errors(&report),
                    [format!(
                        "allow_insecure_dev must not be enabled in {env_name} environment"
                    )]
                );
                assert!(
                    report
                        .errors()
                        .next()
                        .unwrap()
                        .remedy()
                        .unwrap()
                        .contains("allowed in: development")
                );
            }
        }
    }
    // Explicitly off is fine anywhere.
    let env = with(
        &PROD,
        &[
            ("ASYNCGATE_INSTANCE_ID", "worker-a1b2c3d4"),
            ("ASYNCGATE_ALLOW_INSECURE_DEV", "false"),
        ],
    );
    let _ = validate(&env).unwrap();
}

#[test]
fn the_struct_check_function_runs_with_the_environment() {
    let env = with(
        &PROD,
        &[
            ("ASYNCGATE_INSTANCE_ID", "worker-a1b2c3d4"),
            ("ASYNCGATE_CORS_ORIGINS", "https://a.example,*"),
        ],
    );
    let report = validate(&env).unwrap_err();
    let finding = report.errors().next().unwrap();
    assert_eq!(
        finding.message(),
        "a wildcard CORS origin is not allowed outside development"
    );
    assert_eq!(
        finding.env_var(),
        Some("ASYNCGATE_CORS_ORIGINS"),
        "filled in from the schema"
    );
    let _ = validate(&[("ASYNCGATE_CORS_ORIGINS", "*")]).unwrap();
}

#[test]
fn every_finding_is_reported_at_once() {
    let env = [
        ("ASYNCGATE_ENV", "production"),
        ("ASYNCGATE_INSTANCE_ID", "localhost"),
        ("ASYNCGATE_ALLOW_INSECURE_DEV", "1"),
        ("ASYNCGATE_CORS_ORIGINS", "*"),
    ];
    let report = validate(&env).unwrap_err();
    let errors = errors(&report);
    assert_eq!(errors.len(), 4, "{report}");
    assert!(errors[0].starts_with(CONFLICT));
    let text = report.to_string();
    assert!(
        text.starts_with(
            "invalid configuration for `Settings` (env: production): 4 errors, 0 warnings"
        ),
        "{text}"
    );
    assert!(
        text.contains("\n  Solutions:\n  1. "),
        "continuation lines are indented: {text}"
    );

    let mut env = env.to_vec();
    env[1] = ("ASYNCGATE_INSTANCE_ID", "local");
    env.push(("ASYNCGATE_PORT", "80"));
    let report = validate(&env).unwrap_err();
    let text = report.to_string();
    assert!(
        text.contains("3 errors, 1 warning"),
        "a short id warns alongside the errors: {text}"
    );
    assert!(
        text.find("error[").unwrap() < text.find("warning[").unwrap(),
        "errors first"
    );
}

#[test]
fn findings_from_loading_and_validation_are_reported_together() {
    let env = [
        ("ASYNCGATE_ENV", "production"),
        ("ASYNCGATE_INSTANCE_ID", "localhost"),
        ("ASYNCGATE_PORT", "http"),
    ];
    let report = loader::<Settings>(&env).load().unwrap_err();
    let errors = errors(&report);
    assert!(
        report
            .errors()
            .any(|f| f.env_var() == Some("ASYNCGATE_PORT")),
        "{report}"
    );
    assert!(errors.iter().any(|e| e.starts_with(CONFLICT)), "{report}");
}

/// Three mistakes are one deploy round: a value that does not parse, and
/// the rules of the settings that did, come back in one report.
#[test]
fn parse_errors_and_rule_errors_come_back_together() {
    let env = [
        ("ASYNCGATE_ENV", "production"),
        ("ASYNCGATE_PORT", "http"),
        ("ASYNCGATE_ALLOW_INSECURE_DEV", "true"),
        ("ASYNCGATE_INSTANCE_ID", "localhost"),
    ];
    let report = loader::<Settings>(&env).load().unwrap_err();
    let errors = errors(&report);
    assert_eq!(errors.len(), 4, "{report}");
    assert!(errors[0].contains("invalid value for `port`"), "{errors:?}");
    for expected in [
        "INSTANCE ID CONFLICT RISK: instance_id='localhost'",
        "api_key is required in production environment",
        "allow_insecure_dev must not be enabled in production environment",
    ] {
        assert!(
            errors.iter().any(|e| e.starts_with(expected)),
            "{expected}: {errors:?}"
        );
    }
    // The struct's own check needs every field: it is skipped, and says so.
    let skipped: Vec<&str> = report.warnings().map(|w| w.message()).collect();
    assert_eq!(
        skipped,
        [
            "the `wildcard_cors_outside_development` check was not run: it needs every setting, and port did not parse"
        ]
    );
    // What parsed is still shown with its source.
    let res = report.resolution().unwrap();
    let (_, port) = res.settings().find(|(f, _)| f.name() == "port").unwrap();
    assert!(port.is_failed() && port.value().is_none());
}

#[test]
fn a_rule_on_a_field_that_failed_is_not_reported_twice() {
    // `allow_insecure_dev` does not parse: its parse error is enough.
    let env = with(
        &PROD,
        &[
            ("ASYNCGATE_ALLOW_INSECURE_DEV", "sure"),
            ("ASYNCGATE_INSTANCE_ID", "w-12345678"),
        ],
    );
    let report = loader::<Settings>(&env).load().unwrap_err();
    let errors = errors(&report);
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(errors[0].contains("expected a boolean"), "{errors:?}");
}

#[test]
fn a_report_prints_as_a_report_in_display_debug_and_json() {
    let env = with(&PROD, &[("ASYNCGATE_INSTANCE_ID", "localhost-7")]);
    let report = validate(&env).unwrap_err();
    let text = report.to_string();
    assert!(
        text.starts_with(
            "invalid configuration for `Settings` (env: production): 1 error, 0 warnings"
        ),
        "{text}"
    );
    // `fn main() -> Result<(), Report>` prints Debug: the same report, not a struct dump.
    assert_eq!(format!("{report:?}"), text);
    let json = serde_json::to_value(&report).unwrap();
    assert_eq!(json["ok"], false);
    assert_eq!(json["config"], "Settings");
    assert_eq!(json["env"], "production");
    assert_eq!(json["instance_id"], "localhost-7");
    assert_eq!(json["instance_id_origin"], "configured");
    assert_eq!(json["findings"][0]["severity"], "error");
    assert_eq!(json["findings"][0]["env_var"], "ASYNCGATE_INSTANCE_ID");
    assert_eq!(json["settings"]["port"]["value"], "8080");
    assert_eq!(json["settings"]["port"]["source_kind"], "default");
    assert_eq!(json["settings"]["api_key"]["value"], "[redacted]");
    assert_eq!(
        json["detection"],
        serde_json::json!([]),
        "a configured id skips detection"
    );
    assert!(!json.to_string().contains("k-test-0123456789"));
}

/// A loading error that is not a parse error (here an unknown variable
/// under deny_unknown): the struct's check still runs on the whole value.
#[test]
fn the_check_runs_when_every_setting_parsed_despite_a_loading_error() {
    let env = [
        ("ASYNCGATE_ENV", "production"),
        ("ASYNCGATE_API_KEY", "k-test-0123456789"),
        ("ASYNCGATE_INSTANCE_ID", "node-7f3c9e21"),
        ("ASYNCGATE_CORS_ORIGINS", "*"),
        ("ASYNCGATE_PROT", "1"),
    ];
    let report = loader::<Settings>(&env)
        .deny_unknown(true)
        .load()
        .unwrap_err();
    let errors = errors(&report);
    assert!(
        errors
            .iter()
            .any(|e| e.starts_with("unknown variable ASYNCGATE_PROT")),
        "{errors:?}"
    );
    assert!(
        errors
            .iter()
            .any(|e| e == "a wildcard CORS origin is not allowed outside development"),
        "the check ran: {errors:?}"
    );
    assert!(
        report
            .warnings()
            .all(|w| !w.message().contains("was not run")),
        "{report}"
    );
}

#[test]
fn a_setting_that_did_not_parse_shows_as_invalid_in_the_settings_table() {
    let report = common::loader::<Settings>(&[("ASYNCGATE_PORT", "http")])
        .load()
        .unwrap_err();
    let detailed = report.detailed().to_string();
    // The settings table's line (the error above names the variable too).
    let line = detailed
        .lines()
        .find(|l| l.trim_start().starts_with("ASYNCGATE_PORT "))
        .unwrap();
    assert!(line.contains("(invalid: "), "{line}");
    assert!(!line.contains("(unset)"), "{line}");
    let json = serde_json::to_value(&report).unwrap();
    assert!(
        json["settings"]["port"]["invalid"]
            .as_str()
            .is_some_and(|r| !r.is_empty()),
        "{json}"
    );
    assert_eq!(
        json["settings"]["ratio"]["invalid"],
        serde_json::Value::Null
    );
    // A required setting left unset says so.
    let report = common::loader::<common::Mini>(&[]).load().unwrap_err();
    let detailed = report.detailed().to_string();
    assert!(detailed.contains("MINI_REGION"), "{detailed}");
    assert!(
        detailed
            .lines()
            .any(|l| l.trim_start().starts_with("MINI_REGION ")
                && l.contains("(invalid: required but not set)")),
        "{detailed}"
    );
}

#[test]
fn a_bad_value_is_quoted_in_full_up_to_a_sane_length() {
    let long = "eighty-eighty-not-a-number-at-all";
    let report = common::loader::<Settings>(&[("ASYNCGATE_PORT", long)])
        .load()
        .unwrap_err();
    assert!(
        report.to_string().contains(&format!("`{long}`")),
        "{report}"
    );
    let huge = "x".repeat(5000);
    let report = common::loader::<Settings>(&[("ASYNCGATE_PORT", &huge)])
        .load()
        .unwrap_err();
    let text = report.to_string();
    assert!(
        text.contains("(5000 characters)") && text.len() < 2000,
        "{text}"
    );
}
