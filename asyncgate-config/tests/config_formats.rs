//! YAML and JSON config files, chosen by extension, with exactly the TOML
//! file's semantics: the same values from the same settings, provenance
//! naming the file, unknown keys with a suggestion, secrets never shown;
//! and each format's own traps refused with the file, line and column.
#![cfg(feature = "yaml")]

mod common;

use std::fs;

use asyncgate_config::provenance::Source;
use common::{LogLevel, Settings, loader_in};

/// The same settings in each format.
const FILES: [(&str, &str); 4] = [
    (
        "app.toml",
        "port = 1001\nratio = 0.25\nlog_level = \"debug\"\ncors_origins = [\"https://a.example\"]\ndatabase_url = \"postgres://app:hunter2@db/app\"\napi_key = \"k-file-0123456789abc\"\n",
    ),
    (
        "app.yaml",
        "port: 1001\nratio: 0.25\nlog_level: debug\ncors_origins:\n  - https://a.example\ndatabase_url: postgres://app:hunter2@db/app\napi_key: k-file-0123456789abc\n",
    ),
    (
        "app.yml",
        "{port: 1001, ratio: 0.25, log_level: debug, cors_origins: [https://a.example], database_url: 'postgres://app:hunter2@db/app', api_key: k-file-0123456789abc}\n",
    ),
    (
        "app.json",
        r#"{"port": 1001, "ratio": 0.25, "log_level": "debug", "cors_origins": ["https://a.example"], "database_url": "postgres://app:hunter2@db/app", "api_key": "k-file-0123456789abc"}"#,
    ),
];

#[test]
fn every_format_gives_the_same_settings_and_names_its_file() {
    for (name, text) in FILES {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join(name), text).unwrap();
        let loaded = loader_in::<Settings>(dir.path(), &[("ASYNCGATE_CONFIG_FILE", name)])
            .load()
            .unwrap_or_else(|r| panic!("{name}: {r}"));
        assert_eq!(loaded.port, 1001, "{name}");
        assert_eq!(loaded.ratio, 0.25, "{name}");
        assert_eq!(loaded.log_level, LogLevel::Debug, "{name}");
        assert_eq!(loaded.cors_origins, ["https://a.example"], "{name}");
        assert!(
            loaded.warnings().is_empty(),
            "{name}: {:?}",
            loaded.warnings()
        );
        let source = loaded
            .resolution()
            .settings()
            .find(|(f, _)| f.name() == "port")
            .and_then(|(_, r)| r.source().cloned());
        let Some(Source::File { key, path }) = source else {
            panic!("{name}: {source:?}")
        };
        assert_eq!(key, "port");
        assert!(path.ends_with(name), "{name}: {}", path.display());
        // What `check` shows: the password and the secret are not in it.
        let report = loaded.validate().unwrap().report();
        let shown = format!(
            "{}\n{}",
            report.detailed(),
            serde_json::to_string(&report).unwrap()
        );
        assert!(!shown.contains("hunter2"), "{name}: {shown}");
        assert!(!shown.contains("k-file-0123456789abc"), "{name}: {shown}");
    }
}

#[test]
fn unknown_keys_warn_with_a_suggestion_in_every_format() {
    for (name, text) in [("c.yaml", "prot: 1\n"), ("c.json", r#"{"prot": 1}"#)] {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join(name), text).unwrap();
        let loaded = loader_in::<Settings>(dir.path(), &[("ASYNCGATE_CONFIG_FILE", name)])
            .load()
            .unwrap();
        let warnings: Vec<&str> = loaded.warnings().iter().map(|w| w.message()).collect();
        assert!(
            warnings
                .iter()
                .any(|w| w.starts_with("unknown key `prot` in config file")
                    && w.ends_with("(did you mean `port`?)")),
            "{name}: {warnings:?}"
        );
    }
}

/// YAML 1.1's booleans are not ours: `no` for a string setting stays the
/// string `no` (the "Norway problem"); for a boolean setting, `on` and
/// `no` mean what they mean in an environment variable.
#[test]
fn yaml_reads_no_and_on_as_the_strings_they_are() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(
        dir.path().join("c.yaml"),
        "database_url: no\nallow_insecure_dev: on\nlog_level: info\n",
    )
    .unwrap();
    let loaded = loader_in::<Settings>(dir.path(), &[("ASYNCGATE_CONFIG_FILE", "c.yaml")])
        .load()
        .unwrap();
    assert_eq!(loaded.database_url.as_deref(), Some("no"));
    assert!(loaded.allow_insecure_dev);
}

#[test]
fn bad_files_are_refused_with_the_file_and_the_place() {
    let cases: [(&str, &[u8], &[&str]); 7] = [
        (
            "c.yaml",
            b"port: 1\nport: 2\n",
            &["c.yaml", "not valid YAML", "line 2", "given twice"],
        ),
        (
            "c.yaml",
            b"mode: 0755\n",
            &["c.yaml", "line 1, column 7", "leading zero"],
        ),
        (
            "c.yaml",
            b"a: 1\n---\nb: 2\n",
            &["c.yaml", "a second document"],
        ),
        (
            "c.json",
            b"{\"port\": 1, \"port\": 2}",
            &["c.json", "not valid JSON", "line 1", "given twice"],
        ),
        (
            "c.json",
            "\u{feff}{}".as_bytes(),
            &["c.json", "byte-order mark"],
        ),
        (
            "c.json",
            b"{\"port\": 1\xff}",
            &["c.json", "not valid UTF-8"],
        ),
        (
            "c.ini",
            b"port = 1\n",
            &[
                "c.ini",
                "has the extension `.ini`",
                ".toml, .yaml, .yml or .json",
            ],
        ),
    ];
    for (name, bytes, says) in cases {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join(name), bytes).unwrap();
        let report = loader_in::<Settings>(dir.path(), &[("ASYNCGATE_CONFIG_FILE", name)])
            .load()
            .unwrap_err();
        let text: String = report
            .errors()
            .map(|e| format!("{e} {}", e.remedy().unwrap_or("")))
            .collect();
        for said in says {
            assert!(text.contains(said), "{name}: `{said}` not in {text}");
        }
    }
}

/// Several files, in order: a later file wins per setting, each value's
/// source names its file, and each file's unknown keys are reported.
#[test]
fn several_config_files_layer_in_order() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(
        dir.path().join("config.yaml"),
        "port: 1001\nratio: 0.25\nlog_level: debug\n",
    )
    .unwrap();
    fs::write(
        dir.path().join("config.prod.json"),
        r#"{"port": 2002, "prot": 1}"#,
    )
    .unwrap();
    let source = |loaded: &asyncgate_config::Loaded<Settings>, name: &str| {
        loaded
            .resolution()
            .settings()
            .find(|(f, _)| f.name() == name)
            .and_then(|(_, r)| r.source().cloned())
    };
    let check = |loaded: asyncgate_config::Loaded<Settings>| {
        assert_eq!(loaded.port, 2002, "the later file wins");
        assert_eq!(loaded.ratio, 0.25, "the earlier file still sets the rest");
        let Some(Source::File { path, .. }) = source(&loaded, "port") else {
            panic!()
        };
        assert!(path.ends_with("config.prod.json"));
        let Some(Source::File { path, .. }) = source(&loaded, "ratio") else {
            panic!()
        };
        assert!(path.ends_with("config.yaml"));
        assert!(
            loaded.warnings().iter().any(|w| w
                .message()
                .starts_with("unknown key `prot` in config file")
                && w.message().contains("config.prod.json")),
            "{:?}",
            loaded.warnings()
        );
    };
    // Through the variable: paths separated by commas.
    let env = [("ASYNCGATE_CONFIG_FILE", "config.yaml, config.prod.json")];
    check(loader_in::<Settings>(dir.path(), &env).load().unwrap());
    // Through the loader.
    check(
        loader_in::<Settings>(dir.path(), &[])
            .config_files(["config.yaml", "config.prod.json"])
            .load()
            .unwrap(),
    );
    // A missing file in the list is an error that names it.
    let env = [("ASYNCGATE_CONFIG_FILE", "config.yaml,config.staging.yaml")];
    let report = loader_in::<Settings>(dir.path(), &env).load().unwrap_err();
    assert!(
        report.to_string().contains("config.staging.yaml"),
        "{report}"
    );
}
