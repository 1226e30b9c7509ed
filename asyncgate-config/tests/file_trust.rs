//! Files only their owner can read or plant: a `.env` or config file that
//! another user could have written is refused (naming the file, its owner
//! and mode, and the fix), and the claim store keeps its files private.
#![cfg(unix)]

mod common;

use std::fs;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::Path;

use common::{Settings, loader_in};

fn chmod(path: &Path, mode: u32) {
    fs::set_permissions(path, fs::Permissions::from_mode(mode)).unwrap();
}

fn is_root() -> bool {
    fs::metadata("/proc/self").is_ok_and(|m| m.uid() == 0)
}

#[test]
fn a_dotenv_writable_by_others_is_refused_with_the_fix() {
    let dir = tempfile::tempdir().unwrap();
    let env_file = dir.path().join(".env");
    fs::write(&env_file, "ASYNCGATE_ALLOW_INSECURE_DEV=true\n").unwrap();
    for (mode, who) in [
        (0o664, "its group"),
        (0o646, "others"),
        (0o666, "its group and others"),
    ] {
        chmod(&env_file, mode);
        let report = loader_in::<Settings>(dir.path(), &[]).load().unwrap_err();
        let error = report.errors().next().unwrap();
        assert!(
            error
                .message()
                .contains(&format!("is writable by {who} (mode {mode:04o}")),
            "{}",
            error.message()
        );
        assert!(error.message().contains(&env_file.display().to_string()));
        assert!(
            error.remedy().unwrap().contains("chmod go-w"),
            "{:?}",
            error.remedy()
        );
    }
    // Its owner's, not writable by others: read.
    chmod(&env_file, 0o644);
    let loaded = loader_in::<Settings>(dir.path(), &[]).load().unwrap();
    assert!(loaded.allow_insecure_dev);
}

#[test]
fn a_config_file_writable_by_others_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("config.toml");
    fs::write(&file, "port = 9000\n").unwrap();
    chmod(&file, 0o666);
    let report = loader_in::<Settings>(dir.path(), &[("ASYNCGATE_CONFIG_FILE", "config.toml")])
        .load()
        .unwrap_err();
    let error = report.errors().next().unwrap();
    assert!(
        error.message().contains(
            "(named by ASYNCGATE_CONFIG_FILE) is writable by its group and others (mode 0666"
        ),
        "{}",
        error.message()
    );
    assert!(error.remedy().unwrap().contains("chmod go-w"));
}

#[test]
fn a_dotenv_planted_by_another_user_is_refused() {
    if !is_root() {
        println!("skipped: planting a file as another user needs root");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let env_file = dir.path().join(".env");
    fs::write(&env_file, "ASYNCGATE_ALLOW_INSECURE_DEV=true\n").unwrap();
    chmod(&env_file, 0o644);
    // `nobody` plants it (uid 65534): chown, as root.
    let status = std::process::Command::new("chown")
        .arg("65534")
        .arg(&env_file)
        .status()
        .unwrap();
    assert!(status.success());
    let report = loader_in::<Settings>(dir.path(), &[]).load().unwrap_err();
    let message = report.errors().next().unwrap().message().to_owned();
    assert!(
        message.contains(
            "is owned by uid 65534 (mode 0644), neither this process's user (uid 0) nor root"
        ),
        "{message}"
    );
    assert!(!report.to_string().contains("insecure"), "{report}");
}

#[cfg(feature = "claims")]
#[test]
fn the_claim_directory_must_be_private_and_its_files_are() {
    use asyncgate_config::claim::FileStore;
    let dir = tempfile::tempdir().unwrap();
    let shared = dir.path().join("shared");
    fs::create_dir(&shared).unwrap();
    chmod(&shared, 0o755);
    let err = FileStore::new(&shared).unwrap_err();
    assert!(
        err.to_string()
            .contains("can be read or written by other users (mode 755): run `chmod 700"),
        "{err}"
    );
    assert!(FileStore::check_dir(&shared).is_err());

    // A store it creates is private, and so is every file in it.
    let private = dir.path().join("claims");
    let store = FileStore::new(&private).unwrap();
    assert_eq!(
        fs::metadata(&private).unwrap().permissions().mode() & 0o777,
        0o700
    );
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let validated = Settings::loader()
            .env([("ASYNCGATE_INSTANCE_ID", "worker-a1b2c3d4")])
            .load()
            .unwrap()
            .validate()
            .unwrap();
        let claimed = validated.claim(&store).await.unwrap();
        let files: Vec<_> = fs::read_dir(&private)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        assert!(
            files
                .iter()
                .any(|f| f.extension().is_some_and(|e| e == "epoch")),
            "{files:?}"
        );
        for file in &files {
            let mode = fs::metadata(file).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600, "{}", file.display());
        }
        drop(claimed);
    });
}
