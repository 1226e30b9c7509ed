//! A loader whose environment is injected reads no ambient file: neither
//! the `.env` of the working directory (a developer's copy of
//! `.env.example` in the package root) nor a config file that only the
//! process environment names.

mod common;

use std::process::Command;

use common::Settings;

/// Runs [`in_a_directory_with_a_dotenv`] in a directory that holds a `.env`
/// and a config file, with the process environment naming that file.
#[test]
fn loaders_with_an_injected_environment_read_no_ambient_file() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join(".env"),
        "ASYNCGATE_PORT=9999\nASYNCGATE_ENV=production\n",
    )
    .unwrap();
    std::fs::write(dir.path().join("config.toml"), "port = 7777\n").unwrap();
    let output = Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "in_a_directory_with_a_dotenv",
            "--ignored",
            "--test-threads=1",
        ])
        .current_dir(dir.path())
        .env_clear()
        .env("ASYNCGATE_CONFIG_FILE", "config.toml")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(stdout.contains("1 passed"), "{stdout}");
}

#[test]
#[ignore = "run by loaders_with_an_injected_environment_read_no_ambient_file, in a directory of its own"]
fn in_a_directory_with_a_dotenv() {
    assert!(
        std::path::Path::new(".env").exists(),
        "run in the wrong directory"
    );
    let env = [("ASYNCGATE_INSTANCE_ID", "worker-a1b2c3d4")];
    // Injected: neither the `.env` nor the config file the process names.
    let loaded = Settings::loader().env(env).load().unwrap();
    assert_eq!(loaded.port, 8080);
    assert!(loaded.resolution().environment().is_development());
    assert!(loaded.resolution().settings().all(|(_, r)| {
        r.source()
            .is_none_or(|s| s.kind() != "dotenv" && s.kind() != "file")
    }));
    // Asked for: `.env` of the working directory, or of a named directory.
    let asked = Settings::loader().env(env).dotenv(true).load().unwrap();
    assert_eq!(asked.port, 9999);
    let dir = Settings::loader().env(env).current_dir(".").load().unwrap();
    assert_eq!(dir.port, 9999);
    // Named by the injected environment: the config file is read.
    let named = Settings::loader()
        .env([
            ("ASYNCGATE_INSTANCE_ID", "worker-a1b2c3d4"),
            ("ASYNCGATE_CONFIG_FILE", "config.toml"),
        ])
        .load()
        .unwrap();
    assert_eq!(named.port, 7777);
    // The process's own sources: `.env` (below the real environment) and the file it names.
    let process = Settings::load().unwrap_or_else(|report| panic!("{report}"));
    assert_eq!(process.port, 9999);
}
