//! Line-precise file errors in every format: a wrong type, a bad duration,
//! an unknown key and a secret that does not parse each name
//! `file:line:column` and show the line with a caret under the value,
//! never a secret (nor the value of an unknown key, which may be one);
//! `check --format json` carries `line` and `column`.
#![cfg(feature = "yaml")]

use std::fs;
use std::time::Duration;

use asyncgate_config::{Environment, GateConfig, InstanceId, Report, Secret, SecretString};

#[derive(GateConfig, Debug)]
#[allow(dead_code)] // The tests read the report, not the settings.
#[gate(prefix = "APP")]
struct Settings {
    #[gate(environment, default = "development")]
    env: Environment,
    #[gate(instance_id, default = "app-1")]
    instance_id: InstanceId,
    #[gate(default = 8080)]
    port: u16,
    #[gate(default = "30s")]
    timeout: Duration,
    #[gate(secret)]
    api_key: Option<SecretString>,
    #[gate(nested)]
    database: Database,
}

#[derive(GateConfig, Debug)]
#[allow(dead_code)]
#[gate(section)]
struct Database {
    #[gate(default = 5)]
    pool: u32,
    /// A numeric PIN: a secret that can fail to parse.
    #[gate(secret)]
    pin: Option<Secret<u32>>,
}

/// The secrets in every file below: none may show in any report.
const SECRETS: [&str; 2] = ["s3cret-typo", "hunter-77"];

/// The same mistakes in each format, and where each is: the setting (or
/// the unknown key), line, column, and the excerpt shown.
struct Case {
    name: &'static str,
    text: &'static str,
    expected: [(&'static str, usize, usize, &'static str); 4],
}

const CASES: [Case; 4] = [
    Case {
        name: "app.toml",
        text: "port = \"80a\"\ntimeout = \"30\"\napi_kye = \"s3cret-typo\"\n[database]\npin = \"hunter-77\" # the pin\n",
        expected: [
            ("port", 1, 8, "port = \"80a\"\n       ^^^^^"),
            ("timeout", 2, 11, "timeout = \"30\"\n          ^^^^"),
            ("api_kye", 3, 1, "api_kye = ***\n^^^^^^^"),
            ("database.pin", 5, 7, "pin = *** …\n      ^^^"),
        ],
    },
    Case {
        name: "app.yaml",
        text: "port: 80a\ntimeout: '30'\napi_kye: s3cret-typo\ndatabase:\n  pin: hunter-77\n",
        expected: [
            ("port", 1, 7, "port: 80a\n      ^^^"),
            ("timeout", 2, 10, "timeout: '30'\n         ^^^^"),
            ("api_kye", 3, 1, "api_kye: ***\n^^^^^^^"),
            ("database.pin", 5, 8, "pin: ***\n     ^^^"),
        ],
    },
    Case {
        name: "app.json",
        text: "{\n  \"port\": \"80a\",\n  \"timeout\": \"30\",\n  \"api_kye\": \"s3cret-typo\",\n  \"database\": {\"pin\": \"hunter-77\", \"pool\": 5}\n}\n",
        expected: [
            ("port", 2, 11, "\"port\": \"80a\"\n        ^^^^^"),
            ("timeout", 3, 14, "\"timeout\": \"30\"\n           ^^^^"),
            ("api_kye", 4, 3, "\"api_kye\": ***\n^^^^^^^^^"),
            ("database.pin", 5, 23, "… \"pin\": *** …\n         ^^^"),
        ],
    },
    Case {
        name: ".env",
        text: "APP_PORT=80a\nexport APP_TIMEOUT=30\nAPP_API_KYE=s3cret-typo\nAPP_DATABASE_PIN=hunter-77\n",
        expected: [
            ("port", 1, 10, "APP_PORT=80a\n         ^^^"),
            (
                "timeout",
                2,
                20,
                "export APP_TIMEOUT=30\n                   ^^",
            ),
            ("APP_API_KYE", 3, 1, "APP_API_KYE=***\n^^^^^^^^^^^"),
            (
                "database.pin",
                4,
                18,
                "APP_DATABASE_PIN=***\n                 ^^^",
            ),
        ],
    },
];

fn report_for(case: &Case) -> Report {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join(case.name), case.text).unwrap();
    let env: Vec<(&str, &str)> = if case.name == ".env" {
        vec![]
    } else {
        vec![("APP_CONFIG_FILE", case.name)]
    };
    Settings::loader()
        .env(env)
        .current_dir(dir.path())
        .dotenv(case.name == ".env")
        .deny_unknown(true)
        .load()
        .expect_err("every file here has mistakes")
}

#[test]
fn every_format_points_at_each_mistake_with_its_line_and_column() {
    for case in &CASES {
        let report = report_for(case);
        for (what, line, column, excerpt) in case.expected {
            let finding = report
                .findings()
                .iter()
                .find(|f| f.setting() == Some(what) || f.message().contains(what))
                .unwrap_or_else(|| panic!("{}: no finding about {what}:\n{report}", case.name));
            let at = finding
                .location()
                .unwrap_or_else(|| panic!("{}: {what} has no location:\n{report}", case.name));
            assert_eq!(
                (at.line(), at.column(), at.excerpt().as_deref()),
                (line, column, Some(excerpt)),
                "{}: {what}\n{report}",
                case.name
            );
            assert!(at.path().ends_with(case.name));
            let text = report.to_string();
            assert!(
                text.contains(&format!("{}:{line}:{column}", at.path().display())),
                "the report names file:line:column:\n{text}"
            );
        }
        let text = format!("{report}\n{}", serde_json::to_string(&report).unwrap());
        for secret in SECRETS {
            assert!(
                !text.contains(secret),
                "{}: {secret} shown:\n{text}",
                case.name
            );
        }
    }
}

#[test]
fn the_report_shows_the_line_under_the_finding() {
    let report = report_for(&CASES[0]);
    let text = report.to_string();
    assert!(
        text.contains("    at:      ".to_owned().as_str())
            && text.contains("             1 | port = \"80a\"\n               |        ^^^^^"),
        "{text}"
    );
}

#[test]
fn check_json_carries_the_file_line_and_column() {
    let report = report_for(&CASES[1]);
    let json = serde_json::to_value(&report).unwrap();
    let findings = json["findings"].as_array().unwrap();
    let port = findings
        .iter()
        .find(|f| f["setting"] == "port")
        .expect("a finding about port");
    assert_eq!(port["line"], 1);
    assert_eq!(port["column"], 7);
    assert!(port["file"].as_str().unwrap().ends_with("app.yaml"));
    let unlocated = findings.iter().filter(|f| f["line"].is_null()).count();
    assert_eq!(
        unlocated, 0,
        "every finding here is about a place in the file: {json:#}"
    );
}

#[test]
fn a_syntax_error_has_a_line_and_column_but_shows_no_line() {
    for (name, text, line, column) in [
        ("bad.toml", "port = 1\napi_key = \"s3cret-typo\n", 2, 23),
        (
            "bad.json",
            "{\"port\": 1,\n \"api_key\": \"s3cret-typo\n",
            3,
            1,
        ),
        ("bad.yaml", "port: 1\napi_key: \"s3cret-typo\n", 2, 10),
    ] {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join(name), text).unwrap();
        let report = Settings::loader()
            .env([("APP_CONFIG_FILE", name)])
            .current_dir(dir.path())
            .dotenv(false)
            .load()
            .expect_err("a syntax error");
        let finding = report.errors().next().unwrap();
        let at = finding
            .location()
            .unwrap_or_else(|| panic!("{name}: {report}"));
        assert_eq!((at.line(), at.column()), (line, column), "{name}: {report}");
        assert_eq!(
            at.excerpt(),
            None,
            "a broken line may hold a secret cut short"
        );
        assert!(!report.to_string().contains("s3cret"), "{report}");
    }
}

/// A key 500 KB long, or holding control characters: the report stays
/// short and printable, and still points at the key.
#[test]
fn long_and_unprintable_keys_give_short_printable_reports() {
    let long = "k".repeat(500_000);
    for (name, text) in [
        ("long.toml", format!("{long} = 1\n")),
        ("ctl.toml", "\"a\\u0001b\\u001b[31m\" = 1\n".to_owned()),
        ("long.json", format!("{{\"{long}\": 1}}")),
    ] {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join(name), &text).unwrap();
        let report = Settings::loader()
            .env([("APP_CONFIG_FILE", name)])
            .current_dir(dir.path())
            .dotenv(false)
            .deny_unknown(true)
            .load()
            .expect_err("an unknown key under deny_unknown");
        let shown = format!("{report}\n{}", serde_json::to_string(&report).unwrap());
        assert!(shown.len() < 4_000, "{name}: {} bytes", shown.len());
        assert!(
            !shown.contains('\u{1b}') && !shown.contains('\u{1}'),
            "{name}: {shown}"
        );
        let at = report
            .errors()
            .next()
            .unwrap()
            .location()
            .expect("pointed at");
        assert_eq!(
            (at.line(), at.column()),
            (1, if name.ends_with(".json") { 2 } else { 1 }),
            "{name}"
        );
    }
}
