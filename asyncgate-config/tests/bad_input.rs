//! Bad input: each case must produce an error that names the variable or
//! file and says what is accepted, never a panic, never a secret.

mod common;

use std::ffi::OsString;
use std::os::unix::ffi::OsStringExt;

use asyncgate_config::Report;
use common::{Mini, Settings};

/// A secret every case sets (unless it sets the key itself): it must never show.
const CANARY: &str = "canary-secret-9f8e7d";

enum Value {
    Text(&'static str),
    Owned(String),
    Bytes(&'static [u8]),
}

struct Case {
    name: &'static str,
    env: Vec<(&'static str, Value)>,
    files: &'static [(&'static str, &'static [u8])],
    expect: &'static [&'static str],
}

fn case(
    name: &'static str,
    env: &[(&'static str, &'static str)],
    expect: &'static [&'static str],
) -> Case {
    Case {
        name,
        env: env.iter().map(|&(k, v)| (k, Value::Text(v))).collect(),
        files: &[],
        expect,
    }
}

fn cases() -> Vec<Case> {
    vec![
        case(
            "port is not a number",
            &[("ASYNCGATE_PORT", "abc")],
            &[
                "ASYNCGATE_PORT",
                "expected an integer from 0 to 65535, found `abc`",
            ],
        ),
        case(
            "port out of range",
            &[("ASYNCGATE_PORT", "99999")],
            &["ASYNCGATE_PORT", "found `99999`"],
        ),
        case(
            "port negative",
            &[("ASYNCGATE_PORT", "-1")],
            &["ASYNCGATE_PORT", "from 0 to 65535"],
        ),
        case(
            "port fractional",
            &[("ASYNCGATE_PORT", "8080.5")],
            &["ASYNCGATE_PORT", "found `8080.5`"],
        ),
        case(
            "bad boolean",
            &[("ASYNCGATE_ALLOW_INSECURE_DEV", "maybe")],
            &[
                "ASYNCGATE_ALLOW_INSECURE_DEV",
                "expected a boolean (true/false, 1/0, yes/no, on/off), found `maybe`",
            ],
        ),
        case(
            "environment abbreviated",
            &[("ASYNCGATE_ENV", "prod")],
            &["ASYNCGATE_ENV", "did you mean `production`?"],
        ),
        case(
            "unknown environment",
            &[("ASYNCGATE_ENV", "qa")],
            &[
                "ASYNCGATE_ENV",
                "expected one of `development`, `staging`, `production`",
            ],
        ),
        case(
            "id with a space",
            &[("ASYNCGATE_INSTANCE_ID", "web 1")],
            &[
                "ASYNCGATE_INSTANCE_ID",
                "invalid character ' ' (U+0020) at position 4",
            ],
        ),
        case(
            "id with a newline",
            &[("ASYNCGATE_INSTANCE_ID", "web\n1")],
            &["ASYNCGATE_INSTANCE_ID", "'\\n' (U+000A) at position 4"],
        ),
        case(
            "id with a control character",
            &[("ASYNCGATE_INSTANCE_ID", "\u{7}bell")],
            &["ASYNCGATE_INSTANCE_ID", "(U+0007) at position 1"],
        ),
        Case {
            name: "id too long",
            env: vec![("ASYNCGATE_INSTANCE_ID", Value::Owned("w".repeat(300)))],
            files: &[],
            expect: &[
                "ASYNCGATE_INSTANCE_ID",
                "at most 253 characters long, this one has 300",
            ],
        },
        case(
            "id starting with a separator",
            &[("ASYNCGATE_INSTANCE_ID", "-web")],
            &[
                "ASYNCGATE_INSTANCE_ID",
                "must start with a letter or a digit",
            ],
        ),
        case(
            "id with non-ASCII",
            &[("ASYNCGATE_INSTANCE_ID", "wéb-01")],
            &["'é' (U+00E9) at position 2"],
        ),
        Case {
            name: "port not UTF-8",
            env: vec![("ASYNCGATE_PORT", Value::Bytes(b"80\xff80"))],
            files: &[],
            expect: &["ASYNCGATE_PORT is set but its value is not valid UTF-8"],
        },
        Case {
            name: "instance id not UTF-8",
            env: vec![("ASYNCGATE_INSTANCE_ID", Value::Bytes(b"\xc3\x28web"))],
            files: &[],
            expect: &["ASYNCGATE_INSTANCE_ID is set but its value is not valid UTF-8"],
        },
        Case {
            name: "api key not UTF-8",
            env: vec![(
                "ASYNCGATE_API_KEY",
                Value::Bytes(b"canary-secret-9f8e7d\xfe"),
            )],
            files: &[],
            expect: &["ASYNCGATE_API_KEY is set but its value is not valid UTF-8"],
        },
        case(
            "float garbage",
            &[("ASYNCGATE_RATIO", "1.2.3")],
            &["ASYNCGATE_RATIO", "expected a finite number, found `1.2.3`"],
        ),
        case(
            "float infinite",
            &[("ASYNCGATE_RATIO", "inf")],
            &["ASYNCGATE_RATIO", "finite"],
        ),
        case(
            "unknown enum variant",
            &[("ASYNCGATE_LOG_LEVEL", "verbose")],
            &[
                "ASYNCGATE_LOG_LEVEL",
                "unknown variant `verbose`, expected one of `debug`, `info`, `warn`",
            ],
        ),
        case(
            "malformed JSON list",
            &[("ASYNCGATE_CORS_ORIGINS", "[1,")],
            &["ASYNCGATE_CORS_ORIGINS", "invalid JSON array"],
        ),
        case(
            "custom env name",
            &[("CUSTOM_TIMEOUT", "1e9")],
            &["CUSTOM_TIMEOUT", "found `1e9`"],
        ),
        case(
            "i32 overflow",
            &[("ASYNCGATE_OFFSET", "2147483648")],
            &["ASYNCGATE_OFFSET", "from -2147483648 to 2147483647"],
        ),
        case(
            "missing config file",
            &[("ASYNCGATE_CONFIG_FILE", "missing.toml")],
            &["ASYNCGATE_CONFIG_FILE", "missing.toml", "does not exist"],
        ),
        Case {
            name: "malformed TOML",
            env: vec![("ASYNCGATE_CONFIG_FILE", Value::Text("bad.toml"))],
            files: &[(
                "bad.toml",
                b"port = 1\napi_key = \"canary-secret-9f8e7d\" oops\n",
            )],
            expect: &[
                "bad.toml",
                "is not valid TOML at line 2, column",
                "ASYNCGATE_CONFIG_FILE",
            ],
        },
        Case {
            name: "TOML value of the wrong type",
            env: vec![("ASYNCGATE_CONFIG_FILE", Value::Text("c.toml"))],
            files: &[("c.toml", b"port = \"eighty\"\nallow_insecure_dev = 3\n")],
            expect: &[
                "key `port` in",
                "c.toml",
                "found `eighty`",
                "key `allow_insecure_dev`",
            ],
        },
        Case {
            name: "TOML instance id not a string",
            env: vec![("ASYNCGATE_CONFIG_FILE", Value::Text("c.toml"))],
            files: &[("c.toml", b"instance_id = 5\n")],
            expect: &["key `instance_id`", "expected a string"],
        },
        Case {
            name: "TOML file not UTF-8",
            env: vec![("ASYNCGATE_CONFIG_FILE", Value::Text("c.toml"))],
            files: &[("c.toml", b"port = \xff\n")],
            expect: &["c.toml", "is not valid UTF-8"],
        },
        case(
            "secret file missing",
            &[("ASYNCGATE_API_KEY_FILE", "secrets/no-such-secret")],
            &[
                "ASYNCGATE_API_KEY_FILE",
                "secrets/no-such-secret",
                "does not exist",
            ],
        ),
        case(
            // The key itself put into the _FILE variable: not echoed.
            "secret put into the file variable",
            &[("ASYNCGATE_API_KEY_FILE", "k-test-0123456789")],
            &[
                "ASYNCGATE_API_KEY_FILE",
                "does not look like a path (not shown",
                "does not exist",
            ],
        ),
        Case {
            name: "secret file is a directory",
            env: vec![("ASYNCGATE_API_KEY_FILE", Value::Text("."))],
            files: &[],
            expect: &[
                "ASYNCGATE_API_KEY_FILE",
                "is a directory, not a regular file",
            ],
        },
        Case {
            name: "secret and secret file both set",
            env: vec![
                ("ASYNCGATE_API_KEY", Value::Text(CANARY)),
                ("ASYNCGATE_API_KEY_FILE", Value::Text("key")),
            ],
            files: &[("key", b"canary-secret-9f8e7d\n")],
            expect: &[
                "both ASYNCGATE_API_KEY and ASYNCGATE_API_KEY_FILE are set; set only one of them",
            ],
        },
        Case {
            name: "secret file empty",
            env: vec![("ASYNCGATE_API_KEY_FILE", Value::Text("key"))],
            files: &[("key", b"\n")],
            expect: &["ASYNCGATE_API_KEY_FILE", "is empty"],
        },
        Case {
            name: "malformed .env line holding a secret",
            env: vec![],
            files: &[(
                ".env",
                b"ASYNCGATE_PORT=1\nASYNCGATE_API_KEY='canary-secret-9f8e7d\n",
            )],
            expect: &[
                ".env",
                "(variable ASYNCGATE_API_KEY)",
                "its value is not shown",
            ],
        },
        Case {
            name: "a megabyte of garbage is cut short",
            env: vec![("ASYNCGATE_PORT", Value::Owned("9".repeat(1 << 20)))],
            files: &[],
            expect: &["ASYNCGATE_PORT", "…`"],
        },
    ]
}

fn run(case: &Case) -> Report {
    let dir = tempfile::tempdir().unwrap();
    for (name, bytes) in case.files {
        std::fs::write(dir.path().join(name), bytes).unwrap();
    }
    let mut env: Vec<(OsString, OsString)> = case
        .env
        .iter()
        .map(|(k, v)| {
            let v = match v {
                Value::Text(t) => OsString::from(*t),
                Value::Owned(s) => OsString::from(s),
                Value::Bytes(b) => OsString::from_vec(b.to_vec()),
            };
            (OsString::from(*k), v)
        })
        .collect();
    if !case
        .env
        .iter()
        .any(|(k, _)| k.starts_with("ASYNCGATE_API_KEY"))
    {
        env.push(("ASYNCGATE_API_KEY".into(), CANARY.into()));
    }
    let loaded = Settings::loader()
        .env(env)
        .current_dir(dir.path())
        .hostname("build-host")
        .load();
    match loaded {
        Ok(loaded) => match loaded.validate() {
            Ok(_) => panic!("{}: accepted", case.name),
            Err(report) => report,
        },
        Err(report) => report,
    }
}

#[test]
fn every_bad_input_is_named_in_a_clear_error() {
    let cases = cases();
    assert!(cases.len() >= 25);
    for case in &cases {
        let report = run(case);
        let text = report.to_string();
        for expected in case.expect {
            assert!(
                text.contains(expected),
                "{}: expected {expected:?} in:\n{text}",
                case.name
            );
        }
        assert!(
            !text.contains(CANARY),
            "{}: secret leaked:\n{text}",
            case.name
        );
        assert!(
            !format!("{report:?}").contains(CANARY),
            "{}: secret leaked in Debug",
            case.name
        );
        assert!(
            text.len() < 4096,
            "{}: report is {} bytes",
            case.name,
            text.len()
        );
    }
}

#[test]
fn a_missing_required_setting_says_how_to_set_it() {
    let report = common::loader::<Mini>(&[]).load().unwrap_err();
    let finding = report.errors().next().unwrap();
    assert_eq!(
        finding.message(),
        "`region` (String) is required but not set"
    );
    assert_eq!(finding.env_var(), Some("MINI_REGION"));
    assert_eq!(
        finding.remedy(),
        Some("set MINI_REGION, or key `region` in the config file")
    );
}

#[test]
fn all_parse_errors_are_reported_together() {
    let env = [
        ("ASYNCGATE_PORT", "x"),
        ("ASYNCGATE_RATIO", "y"),
        ("ASYNCGATE_ENV", "z"),
        ("ASYNCGATE_INSTANCE_ID", "a b"),
    ];
    let report = common::loader::<Settings>(&env).load().unwrap_err();
    let vars: Vec<_> = report.errors().filter_map(|f| f.env_var()).collect();
    assert_eq!(vars.len(), 4, "{report}");
    for var in [
        "ASYNCGATE_PORT",
        "ASYNCGATE_RATIO",
        "ASYNCGATE_ENV",
        "ASYNCGATE_INSTANCE_ID",
    ] {
        assert!(vars.contains(&var), "{var} in {vars:?}");
    }
}

mod properties {
    use super::*;
    use proptest::prelude::*;

    const VARS: [&str; 8] = [
        "ASYNCGATE_ENV",
        "ASYNCGATE_INSTANCE_ID",
        "ASYNCGATE_PORT",
        "ASYNCGATE_RATIO",
        "ASYNCGATE_LOG_LEVEL",
        "ASYNCGATE_CORS_ORIGINS",
        "ASYNCGATE_ALLOW_INSECURE_DEV",
        "CUSTOM_TIMEOUT",
    ];

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        /// Whatever the values, loading returns settings or errors that each name a variable.
        #[test]
        fn arbitrary_values_never_panic(values in proptest::collection::vec((0..VARS.len(), any::<Vec<u8>>()), 0..6)) {
            let env: Vec<(OsString, OsString)> =
                values.into_iter().map(|(i, v)| (OsString::from(VARS[i]), OsString::from_vec(v))).collect();
            match Settings::loader().env(env).dotenv(false).hostname("h").load() {
                Ok(loaded) => { let _ = loaded.validate(); }
                Err(report) => {
                    for finding in report.errors() {
                        prop_assert!(finding.env_var().is_some(), "{}", finding);
                    }
                }
            }
        }

        /// Normalising any string gives a valid id or nothing.
        #[test]
        fn normalize_always_yields_a_valid_id(raw in ".*") {
            if let Some(id) = asyncgate_config::InstanceId::normalize(&raw) {
                prop_assert!(asyncgate_config::InstanceId::is_valid(id.as_str()));
                prop_assert_eq!(id.as_str().parse::<asyncgate_config::InstanceId>().ok(), Some(id.clone()));
            }
        }
    }
}
