//! No part of a secret in any message: one test per class of leak, each
//! checking every rendering of the outcome (Display, Debug, the detailed
//! `check` text and the JSON) for a canary.

mod common;

use asyncgate_config::{GateConfig, Report};
use common::{PROD, Settings, loader_in, with};

const CANARY: &str = "Canary-S3cret-0042";

/// Every rendering of a load's outcome, valid or not.
fn renderings(dir: &std::path::Path, env: &[(&str, &str)]) -> (bool, String) {
    let outcome = loader_in::<Settings>(dir, env)
        .load()
        .and_then(asyncgate_config::Loaded::validate);
    let report: Report = match outcome {
        Ok(validated) => validated.report(),
        Err(report) => report,
    };
    let all = format!(
        "{report}\n{report:?}\n{}\n{}",
        report.detailed(),
        serde_json::to_string(&report).unwrap()
    );
    (report.is_ok(), all)
}

fn assert_no_canary(text: &str) {
    for part in [CANARY, &CANARY[4..], &CANARY[..10], "S3cret"] {
        assert!(!text.contains(part), "`{part}` leaked:\n{text}");
    }
}

#[test]
fn a_dotenv_line_that_does_not_parse_shows_no_part_of_its_value() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join(".env"),
        format!("ASYNCGATE_API_KEY={CANARY} more\nASYNCGATE_DATABASE_URL='{CANARY}\n"),
    )
    .unwrap();
    let (ok, text) = renderings(dir.path(), &[]);
    assert!(!ok);
    assert!(
        text.contains("line 1 (variable ASYNCGATE_API_KEY)"),
        "{text}"
    );
    assert_no_canary(&text);
}

#[test]
fn connection_string_passwords_are_masked_wherever_values_show() {
    let dir = tempfile::tempdir().unwrap();
    let forms = [
        format!("postgresql://app:{CANARY}@db:5432/app"),
        format!("postgres://app:{CANARY}/x#y?z@db/app"),
        format!("postgres://db/app?user=app&password={CANARY}"),
        format!("host=db user=app password={CANARY} dbname=app"),
        format!("app:{CANARY}@db:5432/app"),
        format!("rediss://cache:6380/0?password={CANARY}"),
    ];
    for form in &forms {
        let (ok, text) = renderings(dir.path(), &[("ASYNCGATE_DATABASE_URL", form.as_str())]);
        assert!(ok, "{text}");
        assert!(text.contains("[redacted]"), "{form}: {text}");
        assert_no_canary(&text);
    }
    // The second and later items of a list.
    let list = format!("https://a.example,redis://:{CANARY}@cache:6379");
    let (_, text) = renderings(dir.path(), &[("ASYNCGATE_CORS_ORIGINS", list.as_str())]);
    assert!(text.contains("https://a.example"), "{text}");
    assert_no_canary(&text);
    // From the TOML file, as a string and inside an array.
    std::fs::write(
        dir.path().join("c.toml"),
        format!("database_url = 'postgres://u:{CANARY}@h/d'\ncors_origins = ['https://a', 'redis://:{CANARY}@c']\n"),
    )
    .unwrap();
    let (_, text) = renderings(dir.path(), &[("ASYNCGATE_CONFIG_FILE", "c.toml")]);
    assert_no_canary(&text);
}

#[test]
fn a_secret_in_the_wrong_variable_is_not_echoed() {
    let dir = tempfile::tempdir().unwrap();
    for var in [
        "ASYNCGATE_PORT",
        "ASYNCGATE_API_KEY_FILE",
        "ASYNCGATE_LOG_LEVEL",
        "ASYNCGATE_ENV",
    ] {
        let (ok, text) = renderings(dir.path(), &[(var, CANARY)]);
        assert!(!ok, "{var}");
        assert!(text.contains(var), "{var}: {text}");
        assert_no_canary(&text);
    }
    // In a TOML file too.
    std::fs::write(
        dir.path().join("c.toml"),
        format!("port = '{CANARY}'\nratio = '{CANARY}'\n"),
    )
    .unwrap();
    let (ok, text) = renderings(dir.path(), &[("ASYNCGATE_CONFIG_FILE", "c.toml")]);
    assert!(!ok);
    assert_no_canary(&text);
}

#[test]
fn a_secret_with_surrounding_whitespace_is_refused_without_showing_it() {
    let dir = tempfile::tempdir().unwrap();
    let padded = format!(" {CANARY}\n");
    let env = with(&PROD[..1], &[]);
    let mut env = env;
    env.push(("ASYNCGATE_API_KEY", padded.as_str()));
    let (ok, text) = renderings(dir.path(), &env);
    assert!(!ok);
    assert!(
        text.contains("ASYNCGATE_API_KEY has leading or trailing whitespace"),
        "{text}"
    );
    assert_no_canary(&text);
    // The same in a secret file (one final newline is fine).
    std::fs::write(dir.path().join("key"), format!("{CANARY}\n")).unwrap();
    std::fs::write(dir.path().join("padded"), format!("{CANARY} \n")).unwrap();
    let (ok, _) = renderings(dir.path(), &[("ASYNCGATE_API_KEY_FILE", "./key")]);
    assert!(ok);
    let (ok, text) = renderings(dir.path(), &[("ASYNCGATE_API_KEY_FILE", "./padded")]);
    assert!(
        !ok && text.contains("leading or trailing whitespace"),
        "{text}"
    );
    assert_no_canary(&text);
}

#[test]
fn terminal_control_characters_are_escaped_in_check_text() {
    let dir = tempfile::tempdir().unwrap();
    let (_, text) = renderings(
        dir.path(),
        &[("ASYNCGATE_DATABASE_URL", "db\u{1b}[2J\u{1b}[31mred")],
    );
    assert!(!text.contains('\u{1b}'), "{text:?}");
    assert!(text.contains("db\\u{1b}[2J"), "{text}");
    let schema = Settings::schema();
    assert!(schema.field("database_url").is_some());
}

/// `Secret<T>` of any type: loaded, `NAME_FILE` included, and never shown.
#[test]
fn secrets_of_any_type_are_read_and_never_shown() {
    use asyncgate_config::{Environment, InstanceId, Loaded, Secret};

    #[derive(Debug, serde::Deserialize, PartialEq)]
    struct Dsn(String);

    #[derive(Debug, GateConfig)]
    #[gate(prefix = "ANY")]
    #[allow(dead_code)]
    struct Typed {
        #[gate(environment, default = "development")]
        env: Environment,
        #[gate(instance_id, default = "any-1")]
        instance_id: InstanceId,
        #[gate(secret)]
        keys: Option<Secret<Vec<String>>>,
        #[gate(secret)]
        dsn: Option<Secret<Dsn>>,
        #[gate(secret, required_in(production))]
        pin: Option<Secret<u32>>,
    }

    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("dsn"),
        format!("postgres://u:{CANARY}@h/d\n"),
    )
    .unwrap();
    let keys = format!("{CANARY}-a,{CANARY}-b");
    let env = [
        ("ANY_KEYS", keys.as_str()),
        ("ANY_DSN_FILE", "./dsn"),
        ("ANY_PIN", "4711"),
    ];
    let loaded = common::loader_in::<Typed>(dir.path(), &env)
        .load()
        .and_then(Loaded::validate)
        .unwrap();
    assert_eq!(loaded.keys.as_ref().unwrap().expose_secret().len(), 2);
    assert_eq!(
        loaded.dsn.as_ref().unwrap().expose_secret(),
        &Dsn(format!("postgres://u:{CANARY}@h/d"))
    );
    assert_eq!(loaded.pin.as_ref().map(|p| *p.expose_secret()), Some(4711));
    let report = loaded.report();
    let shown = format!(
        "{:?}\n{}\n{}",
        *loaded,
        report.detailed(),
        serde_json::to_string(&report).unwrap()
    );
    assert_no_canary(&shown);
    assert!(!shown.contains("4711"), "{shown}");
    // A value that does not parse is not quoted.
    let bad = format!("{CANARY}9");
    let report = common::loader::<Typed>(&[("ANY_PIN", bad.as_str())])
        .load()
        .unwrap_err();
    let text = format!("{report}");
    assert!(
        text.contains("the value does not parse") && text.contains("ANY_PIN"),
        "{text}"
    );
    assert_no_canary(&text);
}

#[test]
fn a_relative_secret_file_gets_the_same_clear_message_as_an_absolute_one() {
    let dir = tempfile::tempdir().unwrap();
    // A file name with no `/` or `.`: it exists, so it is a path, and named.
    std::fs::write(dir.path().join("apikey"), "k-0123456789abcdef\n\n").unwrap();
    let absolute = dir.path().join("apikey").display().to_string();
    let message = |file: &str| {
        // Production, the key from its file only.
        let env = [
            ("ASYNCGATE_ENV", "production"),
            ("ASYNCGATE_INSTANCE_ID", "worker-a1b2c3d4"),
            ("ASYNCGATE_API_KEY_FILE", file),
        ];
        let report = loader_in::<Settings>(dir.path(), &env).load().unwrap_err();
        report.errors().next().unwrap().message().to_owned()
    };
    let expected = format!(
        "ASYNCGATE_API_KEY_FILE names {absolute}, which holds the secret with leading or trailing whitespace (it could never match what clients send): remove it"
    );
    assert_eq!(message("apikey"), expected);
    assert_eq!(message(&absolute), expected);
    // A value that names no file and does not look like a path is still not shown.
    let hidden = message("k-0123456789abcdef");
    assert!(
        !hidden.contains("k-0123456789abcdef") && hidden.contains("does not look like a path"),
        "{hidden}"
    );
}
