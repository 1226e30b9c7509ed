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

/// A team that says `dev`/`qa`/`prod` everywhere, rules included.
#[allow(dead_code)]
mod team_names_in_rules {
    use asyncgate_config::{Environment, GateConfig, InstanceId, SecretString};

    use super::common::loader;

    /// The database: its URL is required in `prod` only.
    #[derive(Debug, GateConfig)]
    #[gate(section)]
    pub(crate) struct Database {
        #[gate(required_in(prod))]
        pub(crate) url: Option<String>,
    }

    #[derive(Debug, GateConfig)]
    #[gate(prefix = "ORDERS")]
    pub(crate) struct Orders {
        #[gate(
            environment,
            default = "dev",
            names(
                dev = "development",
                qa = "staging",
                uat = "staging",
                prod = "production"
            )
        )]
        pub(crate) env: Environment,
        #[gate(instance_id, default = "orders-1")]
        pub(crate) instance_id: InstanceId,
        #[gate(secret, required_in(prod))]
        pub(crate) api_key: Option<SecretString>,
        /// Fixtures that only `qa` may load.
        #[gate(default = false, forbidden_in(qa, production))]
        pub(crate) load_fixtures: bool,
        #[gate(nested)]
        pub(crate) database: Database,
    }

    fn errors(env: &[(&str, &str)]) -> Vec<String> {
        let mut env = env.to_vec();
        env.push(("ORDERS_INSTANCE_ID", "orders-7f3c9e21"));
        match loader::<Orders>(&env)
            .load()
            .and_then(asyncgate_config::Loaded::validate)
        {
            Ok(_) => Vec::new(),
            Err(report) => report.errors().map(|f| f.message().to_owned()).collect(),
        }
    }

    #[test]
    fn a_rule_on_a_teams_name_fires_for_that_name() {
        assert_eq!(
            errors(&[("ORDERS_ENV", "prod")]),
            [
                "api_key is required in prod environment (production rules)",
                "database.url is required in prod environment (production rules)",
            ]
        );
        assert_eq!(
            errors(&[("ORDERS_ENV", "qa"), ("ORDERS_LOAD_FIXTURES", "true")]),
            ["load_fixtures must not be enabled in qa environment (staging rules)"]
        );
    }

    #[test]
    fn and_not_for_another_name_of_the_same_tier() {
        // `uat` follows staging rules, but the rule names `qa`.
        assert_eq!(
            errors(&[("ORDERS_ENV", "uat"), ("ORDERS_LOAD_FIXTURES", "true")]),
            Vec::<String>::new()
        );
        // `production` is a tier name: `required_in(prod)` means `prod` only...
        assert_eq!(
            errors(&[("ORDERS_ENV", "production")]),
            Vec::<String>::new()
        );
        // ...while a tier in the list covers every name of the tier.
        assert_eq!(
            errors(&[
                ("ORDERS_ENV", "prod"),
                ("ORDERS_API_KEY", "k-0123456789abcdef"),
                ("ORDERS_DATABASE_URL", "postgres://db/orders"),
                ("ORDERS_LOAD_FIXTURES", "1")
            ]),
            ["load_fixtures must not be enabled in prod environment (production rules)"]
        );
    }

    #[test]
    fn the_forbidden_remedy_lists_the_names_still_allowed() {
        let report = loader::<Orders>(&[("ORDERS_ENV", "qa"), ("ORDERS_LOAD_FIXTURES", "true")])
            .load()
            .unwrap()
            .validate()
            .unwrap_err();
        let remedy = report.errors().next().unwrap().remedy().unwrap();
        assert_eq!(
            remedy,
            "unset ORDERS_LOAD_FIXTURES (it is allowed in: development, staging, dev, uat)"
        );
    }

    #[test]
    fn a_near_miss_of_a_teams_name_gets_a_suggestion() {
        let report = loader::<Orders>(&[("ORDERS_ENV", "prd")])
            .load()
            .unwrap_err();
        let message = report.errors().next().unwrap().message();
        assert!(message.contains("(did you mean `prod`?)"), "{message}");
        assert!(
            message.contains("`development`, `staging`, `production`, `dev`, `qa`, `uat`, `prod`"),
            "{message}"
        );
    }

    #[test]
    fn templates_and_the_schema_say_the_teams_names() {
        let schema = Orders::schema();
        assert_eq!(schema.field("api_key").unwrap().required_in(), ["prod"]);
        assert_eq!(
            schema.field("load_fixtures").unwrap().forbidden_in(),
            ["qa", "production"]
        );
        assert!(schema.env_example().contains("required in: prod"));
    }
}
