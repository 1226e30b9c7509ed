//! The fuzz targets' properties (fuzz/fuzz_targets/*.rs) as proptests, so
//! CI checks them on stable in seconds; `fuzz/run-all.sh` runs the real
//! fuzzers for longer on nightly (see FUZZING.md).
#![cfg(feature = "__fuzz")]

mod common;

use std::collections::HashMap;

use asyncgate_config::detect::detect;
use asyncgate_config::{__fuzz, InstanceId, Loaded, Platform, Report};
use common::{Settings, loader};
use proptest::prelude::*;

const NAMES: [&str; 12] = [
    "ASYNCGATE_ENV",
    "ASYNCGATE_INSTANCE_ID",
    "ASYNCGATE_API_KEY",
    "ASYNCGATE_ALLOW_INSECURE_DEV",
    "ASYNCGATE_PORT",
    "ASYNCGATE_RATIO",
    "ASYNCGATE_LOG_LEVEL",
    "ASYNCGATE_CORS_ORIGINS",
    "ASYNCGATE_DATABASE_URL",
    "CUSTOM_TIMEOUT",
    "ASYNCGATE_OFFSET",
    "KUBERNETES_SERVICE_HOST",
];

fn render(env: &[(&str, String)]) -> String {
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let report: Report = match loader::<Settings>(&env).load().and_then(Loaded::validate) {
        Ok(validated) => validated.report(),
        Err(report) => report,
    };
    format!(
        "{report}\n{report:?}\n{}\n{}",
        report.detailed(),
        serde_json::to_string(&report).unwrap()
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// env_values: any values in any variables; the secret never shows.
    #[test]
    fn env_values_never_leak_the_secret(
        values in prop::collection::vec((0..NAMES.len(), ".{0,40}"), 0..12),
        secret in "[A-Za-z0-9_-]{12,32}",
    ) {
        let mut env: Vec<(&str, String)> = values.into_iter().map(|(i, v)| (NAMES[i], v)).collect();
        env.push(("ASYNCGATE_API_KEY", secret.clone()));
        let shown = render(&env);
        let baseline = {
            let mut harmless = env.clone();
            harmless.last_mut().unwrap().1 = "k".to_owned();
            render(&harmless)
        };
        prop_assert!(!shown.contains(&secret) || baseline.contains(&secret), "{}", shown);
    }

    /// dotenv: any text parses or fails; no panic, messages bounded.
    #[test]
    fn dotenv_text_never_panics(text in "(?s).{0,400}") {
        let (_, messages) = __fuzz::dotenv(&text);
        prop_assert!(messages.len() <= text.lines().count() + 1);
    }

    /// toml_file: any text, at most one error.
    #[test]
    fn toml_text_gives_at_most_one_error(text in "(?s).{0,400}") {
        prop_assert!(__fuzz::toml(&text).len() <= 1);
    }

    /// yaml_file and json_file: any text, at most one error, naming the file.
    #[cfg(feature = "yaml")]
    #[test]
    fn yaml_and_json_text_give_at_most_one_error_naming_the_file(
        text in "(?s).{0,400}",
        yamlish in r"([a-z]{1,3}: ?(&a |\*a|[0-9]{1,4}|~|no|\[|\]|\{|\}|'x'|\n  |- |---\n|, ){0,8}\n){0,8}",
    ) {
        for (name, text) in [("c.yaml", &text), ("c.yaml", &yamlish), ("c.json", &text)] {
            let messages = __fuzz::config_file(name, text);
            prop_assert!(messages.len() <= 1, "{:?}", messages);
            prop_assert!(messages.iter().all(|m| m.contains(name)), "{:?}", messages);
        }
    }

    /// The same settings written in TOML, YAML and JSON read as the same table.
    #[cfg(feature = "yaml")]
    #[test]
    fn toml_yaml_and_json_of_the_same_settings_read_the_same(
        settings in proptest::collection::btree_map(
            "[a-z][a-z_]{0,8}",
            prop_oneof![
                any::<i64>().prop_map(|n| n.to_string()),
                any::<bool>().prop_map(|b| b.to_string()),
                "[ -~]{0,12}".prop_map(|s| serde_json::to_string(&s).unwrap()),
            ],
            0..8,
        )
    ) {
        let toml: String = settings.iter().map(|(k, v)| format!("{k} = {v}\n")).collect();
        let yaml: String = settings.iter().map(|(k, v)| format!("{k}: {v}\n")).collect();
        let json = format!(
            "{{{}}}",
            settings.iter().map(|(k, v)| format!("\"{k}\": {v}")).collect::<Vec<_>>().join(", ")
        );
        let from_toml = __fuzz::config_table("c.toml", &toml);
        prop_assert!(from_toml.is_some(), "{}", toml);
        prop_assert_eq!(&__fuzz::config_table("c.yaml", &yaml), &from_toml, "{}", yaml);
        prop_assert_eq!(&__fuzz::config_table("c.json", &json), &from_toml, "{}", json);
    }

    /// instance_id: the rules and normalisation agree.
    #[test]
    fn instance_id_rules_and_normalisation_agree(text in "(?s).{0,300}") {
        match text.parse::<InstanceId>() {
            Ok(id) => {
                prop_assert!(InstanceId::is_valid(id.as_str()));
                let normal = InstanceId::normalize(id.as_str()).unwrap();
                prop_assert_eq!(normal.as_str(), id.as_str().trim_end_matches('-'));
            }
            Err(_) => prop_assert!(!InstanceId::is_valid(&text)),
        }
        if let Some(id) = InstanceId::normalize(&text) {
            prop_assert!(InstanceId::is_valid(id.as_str()) && id.len() <= InstanceId::MAX_LEN);
            prop_assert_eq!(InstanceId::normalize(id.as_str()), Some(id));
        }
    }

    /// detect: any map of the platforms' variables; a found id is valid.
    #[test]
    fn detection_finds_only_valid_ids(
        values in prop::collection::vec((0..Platform::ENV_VARS.len(), "(?s).{0,80}"), 0..8),
    ) {
        let env: HashMap<String, String> = values
            .into_iter()
            .map(|(i, v)| (Platform::ENV_VARS[i].to_owned(), v))
            .collect();
        let detection = detect(&Platform::ALL, &env, &mut || 7);
        prop_assert_eq!(detection.trace.len(), Platform::ALL.len());
        if let Some((_, _, id)) = detection.found {
            prop_assert!(InstanceId::is_valid(id.as_str()));
        }
    }

    /// mask: a password in any connection-string form never survives.
    #[test]
    fn passwords_never_survive_masking(
        form in 0usize..6,
        password in "[A-Za-z0-9!$%^*()+\\[\\]{}:/?@.~#&;=_-]{6,40}",
    ) {
        let forms = [
            "postgres://user:P@host:5432/db",
            "postgres://host/db?sslmode=require&password=P",
            "host=h user=u password=P dbname=d",
            "user:P@host/db",
            "rediss://cache:6380/0?password=P",
            "https://a.example,redis://:P@cache:6379",
        ];
        let template = forms[form];
        let in_query = template.contains("password=P") && template.contains('?');
        prop_assume!(!(in_query && password.contains(['&', ';', '#', '='])));
        prop_assume!(!password.contains("://") && !password.contains("redacted"));
        prop_assume!(!template.replace('P', "").contains(&password));
        let value = template.replace('P', &password);
        prop_assume!(value.matches("://").count() == template.matches("://").count());
        let masked = __fuzz::mask(&value).replace("[redacted]", "\u{0}");
        prop_assert!(!masked.contains(&password), "{} -> {}", value, masked);
    }
}

/// A section holding a secret, nested two deep, for config files of any shape.
#[allow(dead_code)]
mod sectioned {
    use asyncgate_config::{Environment, GateConfig, InstanceId, SecretString};

    #[derive(Debug, GateConfig)]
    #[gate(section)]
    pub(crate) struct Pool {
        #[gate(default = 10)]
        pub(crate) max: u32,
        #[gate(default = "5s")]
        pub(crate) timeout: std::time::Duration,
    }

    #[derive(Debug, GateConfig)]
    #[gate(section)]
    pub(crate) struct Database {
        #[gate(secret)]
        pub(crate) password: Option<SecretString>,
        pub(crate) url: Option<String>,
        #[gate(nested)]
        pub(crate) pool: Pool,
    }

    #[derive(Debug, GateConfig)]
    #[gate(prefix = "FZS")]
    pub(crate) struct Settings {
        #[gate(environment, default = "development")]
        pub(crate) env: Environment,
        #[gate(instance_id, default = "fzs-1")]
        pub(crate) instance_id: InstanceId,
        #[gate(nested)]
        pub(crate) database: Database,
        /// Optional: present only when configured.
        #[gate(nested)]
        pub(crate) replica: Option<Database>,
        #[gate(default = 8080)]
        pub(crate) port: u16,
        /// A backend chosen by name.
        #[gate(nested)]
        pub(crate) store: Store,
        /// A list of sections.
        #[gate(nested)]
        pub(crate) upstreams: Vec<Upstream>,
        /// A map of sections.
        #[gate(nested)]
        pub(crate) tenants: std::collections::BTreeMap<String, Pool>,
    }

    #[derive(Debug, GateConfig)]
    #[gate(section, default = "file")]
    pub(crate) enum Store {
        File(Pool),
        Pg(Database),
    }

    #[derive(Debug, GateConfig)]
    #[gate(section)]
    pub(crate) struct Upstream {
        #[gate(default = "http://u")]
        pub(crate) url: String,
        #[gate(secret)]
        pub(crate) token: Option<SecretString>,
        #[gate(default = 1)]
        pub(crate) weight: u32,
    }
}

/// Pieces a config file of the sectioned schema is made of, right and wrong.
const TOML_PIECES: [&str; 30] = [
    "[[upstreams]]\n",
    "[store]\n",
    "kind = \"pg\"\n",
    "kind = \"nope\"\n",
    "[store.pg]\n",
    "[tenants.a]\n",
    "[tenants.\"b c\"]\n",
    "upstreams = 3\n",
    "tenants = [1]\n",
    "weight = \"x\"\n",
    "token = \"",
    "upstreams = [{ token = \"",
    "[database]\n",
    "[replica]\n",
    "[replica.pool]\n",
    "[database.pool]\n",
    "[database.pool.deeper]\n",
    "[other]\n",
    "database = 1\n",
    "database.pool = \"x\"\n",
    "url = \"postgres://u:pw@db/x\"\n",
    "max = 7\n",
    "max = \"seven\"\n",
    "timeout = 5\n",
    "timeout = \"250ms\"\n",
    "port = 9090\n",
    "port = [1, 2]\n",
    "pool = { max = 3 }\n",
    "x = { y = { z = 1 } }\n",
    "password = \"",
];

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Config files of any shape against a schema with sections: never a
    /// panic, and a secret written into the file never shows.
    #[test]
    fn sectioned_config_files_never_panic_or_leak(
        pieces in prop::collection::vec(0..TOML_PIECES.len(), 0..14),
        secret in "[A-Za-z0-9]{12,24}",
    ) {
        let text = sectioned_text(&pieces, &secret);
        let shown = render_sectioned("c.toml", &text, false);
        prop_assert!(!shown.contains(&secret), "{}\n---\n{}", text, shown);
    }
}

/// The file the pieces make, `secret` closing each open string.
fn sectioned_text(pieces: &[usize], secret: &str) -> String {
    let mut text = String::new();
    for &i in pieces {
        text.push_str(TOML_PIECES[i]);
        if TOML_PIECES[i].ends_with('"') {
            text.push_str(secret);
            // An inline element closes its table and array too.
            let close = if TOML_PIECES[i].contains("[{") {
                "\" }]\n"
            } else {
                "\"\n"
            };
            text.push_str(close);
        }
    }
    text
}

/// Every rendering of loading and validating `text` as the config file
/// `name` of the sectioned settings.
fn render_sectioned(name: &str, text: &str, deny_unknown: bool) -> String {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join(name), text).unwrap();
    let result = sectioned::Settings::loader()
        .env([("FZS_CONFIG_FILE", name)])
        .current_dir(dir.path())
        .dotenv(false)
        .deny_unknown(deny_unknown)
        .hostname("h")
        .seed(1)
        .load()
        .and_then(Loaded::validate);
    let report = match result {
        Ok(validated) => validated.report(),
        Err(report) => report,
    };
    format!(
        "{report}\n{}\n{}",
        report.detailed(),
        serde_json::to_string(&report).unwrap()
    )
}

/// Keys of the sectioned schema and others, for one-line JSON and YAML
/// objects: wrong types and unknown keys put the report's caret on lines
/// that also hold secrets.
const LINE_KEYS: [&str; 6] = ["port", "database", "password", "url", "pasword", "max"];

#[cfg(feature = "yaml")]
proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    /// One-line JSON and YAML objects mixing secrets, wrong types and
    /// unknown keys: never a panic, and the secret never shows, whichever
    /// finding's line it shares. (A secret put into a non-secret setting
    /// is cut when it looks like one, as every message cuts it: 20
    /// characters mixing letters and digits.)
    #[test]
    fn one_line_files_never_show_a_secret_on_a_located_line(
        entries in prop::collection::vec((0..LINE_KEYS.len(), 0..4usize), 0..8),
        secret in "[a-z]{8}[0-9]{6}[A-Z]{6,10}",
    ) {
        let mut parts = Vec::new();
        for (i, (key, kind)) in entries.iter().enumerate() {
            let key = if i > 0 && LINE_KEYS[*key] == "database" { "max" } else { LINE_KEYS[*key] };
            let value = match kind {
                0 => format!("\"{secret}\""),
                1 => "1".to_owned(),
                2 => format!("{{\"password\": \"{secret}\", \"pool\": {{\"max\": \"x\"}}}}"),
                _ => format!("[\"{secret}\"]"),
            };
            parts.push((format!("\"{key}{i}\""), key, value));
        }
        // Unique keys: the real name for the first of each, a numbered one after.
        let mut seen = std::collections::HashSet::new();
        let body: Vec<String> = parts
            .iter()
            .map(|(numbered, key, value)| {
                let name = if seen.insert(*key) { format!("\"{key}\"") } else { numbered.clone() };
                format!("{name}: {value}")
            })
            .collect();
        let line = format!("{{{}}}\n", body.join(", "));
        for name in ["c.json", "c.yaml"] {
            let shown = render_sectioned(name, &line, true);
            prop_assert!(!shown.contains(&secret), "{}\n---\n{}", line, shown);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Pointing at every key of any file that parses: never a panic, each
    /// place in the file, and a secret's excerpt never holds its value.
    #[test]
    fn every_key_of_any_parsed_file_can_be_pointed_at(
        pieces in prop::collection::vec(0..TOML_PIECES.len(), 0..10),
        secret in "[a-z]{8}[0-9]{6}[A-Z]{6}",
    ) {
        let text = sectioned_text(&pieces, &secret);
        let Some(table) = asyncgate_config::__fuzz::config_table("c.toml", &text) else {
            return Ok(());
        };
        // The same table as JSON, pretty and on one line, and as TOML.
        let value: serde_json::Value = serde_json::from_str(&table).unwrap();
        for (name, file) in [
            ("c.toml", text.clone()),
            ("c.json", serde_json::to_string_pretty(&value).unwrap()),
            ("c.json", table.clone()),
        ] {
            let shown = asyncgate_config::__fuzz::locate_every_key(name, &file);
            for at in &shown {
                prop_assert!(at.starts_with(&format!("{name}:")), "{}", at);
            }
            // Each key gives three excerpts: the value shown, as a secret, the key.
            for triple in shown.chunks(3) {
                prop_assert!(!triple[1].contains(&secret), "{}\n---\n{}", triple[1], file);
                prop_assert!(!triple[2].contains(&secret), "{}\n---\n{}", triple[2], file);
            }
        }
    }
}
