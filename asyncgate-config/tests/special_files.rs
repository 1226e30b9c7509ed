//! Files a load is pointed at that are not regular files, or are too
//! large: each is a clear error naming the variable and the file, never a
//! hang or unbounded memory.
#![cfg(target_os = "linux")]

mod common;

use std::time::{Duration, Instant};

use common::{Settings, loader_in};

fn errors_for(dir: &std::path::Path, env: &[(&str, &str)]) -> Vec<String> {
    let started = Instant::now();
    let report = loader_in::<Settings>(dir, env).load().unwrap_err();
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "the load must not wait"
    );
    report.errors().map(|f| f.to_string()).collect()
}

#[test]
fn a_fifo_is_refused_without_waiting_for_a_writer() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("config.fifo");
    assert!(
        std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap()
            .success()
    );
    let fifo = fifo.to_str().unwrap();
    let errors = errors_for(dir.path(), &[("ASYNCGATE_CONFIG_FILE", fifo)]);
    assert!(
        errors[0].contains("is a FIFO, not a regular file"),
        "{errors:?}"
    );
    assert!(errors[0].contains("ASYNCGATE_CONFIG_FILE"), "{errors:?}");
    let errors = errors_for(dir.path(), &[("ASYNCGATE_API_KEY_FILE", fifo)]);
    assert!(
        errors[0].contains("is a FIFO, not a regular file"),
        "{errors:?}"
    );
}

#[test]
fn devices_are_refused_for_every_file_variable() {
    let dir = tempfile::tempdir().unwrap();
    for var in ["ASYNCGATE_CONFIG_FILE", "ASYNCGATE_API_KEY_FILE"] {
        for device in ["/dev/zero", "/dev/urandom"] {
            let errors = errors_for(dir.path(), &[(var, device)]);
            assert!(
                errors[0].contains("is a device, not a regular file"),
                "{var}={device}: {errors:?}"
            );
            assert!(errors[0].contains(var), "{errors:?}");
        }
    }
}

#[test]
fn a_dotenv_that_is_a_device_or_too_large_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    std::os::unix::fs::symlink("/dev/zero", dir.path().join(".env")).unwrap();
    let errors = errors_for(dir.path(), &[]);
    assert!(
        errors[0].contains(".env: it is a device, not a regular file"),
        "{errors:?}"
    );

    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join(".env"), "A=1\n".repeat(300_000)).unwrap();
    let errors = errors_for(dir.path(), &[]);
    assert!(
        errors[0].contains("is larger than 1024 KiB, the most accepted"),
        "{errors:?}"
    );
}

#[test]
fn oversized_config_and_secret_files_name_the_limit() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("big.toml"), vec![b'#'; 2 * 1024 * 1024]).unwrap();
    std::fs::write(dir.path().join("big.key"), vec![b'k'; 100 * 1024]).unwrap();
    let errors = errors_for(dir.path(), &[("ASYNCGATE_CONFIG_FILE", "big.toml")]);
    assert!(errors[0].contains("is larger than 1024 KiB"), "{errors:?}");
    let errors = errors_for(dir.path(), &[("ASYNCGATE_API_KEY_FILE", "big.key")]);
    assert!(errors[0].contains("is larger than 64 KiB"), "{errors:?}");
}

#[test]
fn many_unknown_names_are_listed_up_to_a_limit_then_counted() {
    let dir = tempfile::tempdir().unwrap();
    let toml: String = (0..5000).map(|i| format!("unknown_{i} = {i}\n")).collect();
    std::fs::write(dir.path().join("c.toml"), toml).unwrap();
    let env: Vec<(String, String)> = (0..500)
        .map(|i| (format!("ASYNCGATE_UNKNOWN_{i}"), "1".to_owned()))
        .chain([("ASYNCGATE_CONFIG_FILE".to_owned(), "c.toml".to_owned())])
        .collect();
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let loaded = loader_in::<Settings>(dir.path(), &env).load().unwrap();
    let warnings: Vec<&str> = loaded.warnings().iter().map(|w| w.message()).collect();
    assert_eq!(warnings.len(), 21, "{warnings:?}");
    assert_eq!(
        warnings[20],
        "and 5480 more unknown variables or keys (only the first 20 are listed)"
    );
}

/// Found by the fuzzer: `$NAME` substitutions that double a value per line
/// would exhaust memory from a 1 KB `.env`; refused before expanding.
#[test]
fn a_dotenv_whose_substitutions_explode_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let mut text = String::from("ASYNCGATE_X=0123456789abcdef\n");
    for _ in 0..60 {
        text.push_str("ASYNCGATE_X=$ASYNCGATE_X$ASYNCGATE_X\n");
    }
    std::fs::write(dir.path().join(".env"), text).unwrap();
    let errors = errors_for(dir.path(), &[]);
    assert!(
        errors[0].contains("would expand to more than 1024 KiB"),
        "{errors:?}"
    );
}
