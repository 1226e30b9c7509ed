//! A team's own environment names, each following the rules of one of the
//! three tiers.

mod common;

use asyncgate_config::{Environment, GateConfig, InstanceId, Loaded, SecretString};
use common::loader;

#[derive(Debug, GateConfig)]
#[gate(prefix = "TEAM")]
#[allow(dead_code)]
struct Settings {
    #[gate(
        environment,
        default = "local",
        names(qa = "staging", preview = "staging", local = "development")
    )]
    env: Environment,
    #[gate(instance_id, default = "team-1")]
    instance_id: InstanceId,
    #[gate(secret, required_in(staging, production))]
    api_key: Option<SecretString>,
}

#[test]
fn a_name_of_the_teams_own_follows_its_tiers_rules() {
    let report = loader::<Settings>(&[("TEAM_ENV", "QA"), ("TEAM_INSTANCE_ID", "team-7f3c9e21")])
        .load()
        .and_then(Loaded::validate)
        .unwrap_err();
    assert!(
        report
            .to_string()
            .starts_with("invalid configuration for `Settings` (env: qa (staging rules))"),
        "{report}"
    );
    assert_eq!(
        report.errors().next().unwrap().message(),
        "api_key is required in qa environment (staging rules)"
    );
    let res = report.resolution().unwrap();
    assert_eq!(
        (res.environment(), res.environment_name()),
        (Environment::Staging, "qa")
    );
    let json = serde_json::to_value(&report).unwrap();
    assert_eq!(
        (json["env"].as_str(), json["env_rules"].as_str()),
        (Some("qa"), Some("staging"))
    );
    assert!(
        report
            .detailed()
            .to_string()
            .contains("environment: qa (staging rules)")
    );
}

#[test]
fn the_default_name_and_the_standard_names_still_work() {
    let loaded = loader::<Settings>(&[])
        .load()
        .and_then(Loaded::validate)
        .unwrap();
    assert_eq!(loaded.env, Environment::Development);
    assert_eq!(
        loaded.resolution().environment_label(),
        "local (development rules)"
    );
    let loaded = loader::<Settings>(&[
        ("TEAM_ENV", "production"),
        ("TEAM_INSTANCE_ID", "team-7f3c9e21"),
        ("TEAM_API_KEY", "k-0123456789"),
    ])
    .load()
    .unwrap();
    assert_eq!(loaded.resolution().environment_label(), "production");
}

#[test]
fn an_unknown_name_lists_every_accepted_one() {
    let report = loader::<Settings>(&[("TEAM_ENV", "previw")])
        .load()
        .unwrap_err();
    let message = report.errors().next().unwrap().message().to_owned();
    assert!(
        message.contains("unknown environment `previw`: expected one of `development`, `staging`, `production`, `qa`, `preview`, `local` (did you mean `preview`?)"),
        "{message}"
    );
}
