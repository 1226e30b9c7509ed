//! Instance claims with the file-lock store, with real processes: a second
//! live replica with the same id is refused, exactly one of many contenders
//! wins, a successor takes over at once after SIGTERM or kill -9.

mod common;

use std::time::{Duration, Instant};

use common::{API_KEY, Server, Started, get, run, start_many};

fn env<'a>(id: &'a str, claim_dir: &'a str) -> Vec<(&'static str, &'a str)> {
    vec![
        ("ASYNCGATE_INSTANCE_ID", id),
        ("ASYNCGATE_API_KEY", API_KEY),
        ("ASYNCGATE_CLAIM_DIR", claim_dir),
    ]
}

#[test]
fn a_second_live_replica_with_the_same_id_is_refused_and_the_first_is_unaffected() {
    let dir = tempfile::tempdir().unwrap();
    let claims = dir.path().join("shared-claims").display().to_string();
    let a = Server::start(dir.path(), &env("test-1", &claims));
    let Started::Exited { code, log } = Server::try_start(dir.path(), &env("test-1", &claims))
    else {
        panic!("B must not serve while A holds test-1");
    };
    assert_eq!(code, Some(75), "{log}");
    let host = hostname();
    assert!(
        log.contains(&format!(
            "instance_id 'test-1' is already claimed by pid {} on {host} since ",
            a.pid()
        )),
        "{log}"
    );
    assert!(
        log.contains("give every replica its own ASYNCGATE_INSTANCE_ID"),
        "{log}"
    );
    assert!(
        !log.contains("Listening on"),
        "refused before binding: {log}"
    );
    // A keeps serving.
    assert_eq!(get(a.addr, "/v1/config", &[]).0, 200);
    // `asyncgate claims` shows the holder.
    let out = run(dir.path(), &env("test-1", &claims), &["claims"]);
    let listing = String::from_utf8(out.stdout).unwrap();
    let line = listing
        .lines()
        .find(|l| l.starts_with("test-1"))
        .unwrap_or_else(|| panic!("{listing}"));
    assert!(
        line.contains(" yes ") && line.contains(&format!("pid {}", a.pid())),
        "{line}"
    );
    let (code, _) = a.terminate();
    assert_eq!(code, Some(0));
    let out = run(dir.path(), &env("test-1", &claims), &["claims"]);
    assert!(
        String::from_utf8(out.stdout)
            .unwrap()
            .lines()
            .any(|l| l.starts_with("test-1") && l.contains(" no "))
    );
}

#[test]
fn twenty_contenders_one_holder_per_round() {
    let dir = tempfile::tempdir().unwrap();
    let claims = dir.path().join("shared-claims").display().to_string();
    let env = env("contended-1", &claims);
    for round in 1..=100u64 {
        let started = start_many(dir.path(), &env, 20);
        let mut holders = Vec::new();
        for s in started {
            match s {
                Started::Serving(server) => holders.push(server),
                Started::Exited { code, log } => assert_eq!(code, Some(75), "round {round}: {log}"),
            }
        }
        assert_eq!(holders.len(), 1, "round {round}: exactly one holder");
        let holder = holders.pop().unwrap();
        assert_eq!(holder.epoch(), round, "epochs grow by one per holder");
        let (code, _) = holder.terminate();
        assert_eq!(code, Some(0));
    }
}

#[test]
fn after_sigterm_a_successor_acquires_at_once_with_the_next_epoch() {
    let dir = tempfile::tempdir().unwrap();
    let claims = dir.path().join("shared-claims").display().to_string();
    let a = Server::start(dir.path(), &env("successor-1", &claims));
    let epoch = a.epoch();
    let (code, log) = a.terminate();
    assert_eq!(code, Some(0));
    assert!(log.contains("Released the instance claim"), "{log}");
    let b = Server::start(dir.path(), &env("successor-1", &claims));
    assert_eq!(b.epoch(), epoch + 1);
}

#[test]
fn after_kill_9_the_file_claim_is_free_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let claims = dir.path().join("shared-claims").display().to_string();
    let a = Server::start(dir.path(), &env("killed-1", &claims));
    let epoch = a.epoch();
    a.signal("KILL");
    let (code, _) = a.wait_exit(Duration::from_secs(10));
    assert_eq!(code, None, "killed by a signal");
    let started = Instant::now();
    let b = Server::start(dir.path(), &env("killed-1", &claims));
    assert_eq!(b.epoch(), epoch + 1);
    eprintln!(
        "takeover after kill -9 (file store): {:?}",
        started.elapsed()
    );
}

#[test]
fn claim_store_none_is_for_development_only() {
    let dir = tempfile::tempdir().unwrap();
    let dev = [
        ("ASYNCGATE_CLAIM_STORE", "none"),
        ("ASYNCGATE_API_KEY", API_KEY),
    ];
    let server = Server::start(dir.path(), &dev);
    let (code, _) = server.terminate();
    assert_eq!(code, Some(0));
    let prod = [
        ("ASYNCGATE_CLAIM_STORE", "none"),
        ("ASYNCGATE_ENV", "production"),
        ("ASYNCGATE_INSTANCE_ID", "prod-a1b2c3d4"),
        ("ASYNCGATE_API_KEY", API_KEY),
    ];
    let Started::Exited { code, log } = Server::try_start(dir.path(), &prod) else {
        panic!()
    };
    assert_eq!(code, Some(78));
    assert!(
        log.contains(
            "claim_store=none is allowed in development only, not in production environment"
        ),
        "{log}"
    );
}

fn hostname() -> String {
    let out = std::process::Command::new("hostname").output().unwrap();
    String::from_utf8(out.stdout).unwrap().trim().to_owned()
}

/// Without ASYNCGATE_CLAIM_DIR, every process of a user on this host uses
/// one claim directory, whatever its TMPDIR or XDG_RUNTIME_DIR: two
/// replicas with the same id still see each other.
#[test]
fn the_default_claim_directory_ignores_tmpdir_and_xdg_runtime_dir() {
    let dir = tempfile::tempdir().unwrap();
    let (a_tmp, b_tmp) = (dir.path().join("a"), dir.path().join("b"));
    std::fs::create_dir_all(&a_tmp).unwrap();
    std::fs::create_dir_all(&b_tmp).unwrap();
    // Unique per run: the default directory is shared by this user's processes.
    let id = format!(
        "tmpdir-test-{}-{}",
        std::process::id(),
        Instant::now().elapsed().as_nanos()
    );
    let start = |tmp: &std::path::Path| {
        let tmp = tmp.display().to_string();
        let mut child = common::command(
            dir.path(),
            &[
                ("ASYNCGATE_INSTANCE_ID", id.as_str()),
                ("ASYNCGATE_API_KEY", API_KEY),
                ("ASYNCGATE_HOST", "127.0.0.1"),
                ("ASYNCGATE_PORT", "0"),
                ("TMPDIR", tmp.as_str()),
                ("XDG_RUNTIME_DIR", tmp.as_str()),
            ],
        );
        child.arg("start").stderr(std::process::Stdio::piped());
        child.spawn().unwrap()
    };
    let mut a = start(&a_tmp);
    // Wait until A holds the claim.
    let lock = asyncgate_config::claim::FileStore::default_dir().join(format!("{id}.lock"));
    let held = (0..200).any(|_| {
        std::thread::sleep(Duration::from_millis(25));
        lock.exists()
    });
    assert!(held, "A never claimed {id} in {}", lock.display());
    let b = start(&b_tmp).wait_with_output().unwrap();
    assert_eq!(
        b.status.code(),
        Some(75),
        "{}",
        String::from_utf8_lossy(&b.stderr)
    );
    let stderr = String::from_utf8_lossy(&b.stderr);
    assert!(stderr.contains("is already claimed"), "{stderr}");
    let _ = a.kill();
    let _ = a.wait();
    let _ = std::fs::remove_file(lock);
}

/// In a container whose claim directory lies on its own layer, `check` and
/// `start` warn that replicas in other containers cannot see its claims.
#[test]
fn a_claim_directory_private_to_a_container_draws_a_warning_with_the_fix() {
    use asyncgate_config::claim::ContainerProbe;
    use asyncgate_server::settings::claim_dir_reach;
    let root = tempfile::tempdir().unwrap();
    std::fs::write(root.path().join(".dockerenv"), "").unwrap();
    std::fs::create_dir_all(root.path().join("proc/self")).unwrap();
    std::fs::write(
        root.path().join("proc/self/mountinfo"),
        "1 0 0:1 / / rw - overlay overlay rw\n2 1 8:1 /vol /shared rw - ext4 /dev/sda1 rw\n",
    )
    .unwrap();
    let probe = ContainerProbe::at(root.path());
    let finding = claim_dir_reach(std::path::Path::new("/tmp/asyncgate-claims-0"), &probe).unwrap();
    assert_eq!(finding.severity(), asyncgate_config::Severity::Warning);
    assert_eq!(finding.setting(), Some("claim_store.file.dir"));
    assert!(finding.message().contains("/tmp/asyncgate-claims-0, on this container's own filesystem (overlay at /; a container: /.dockerenv)"), "{}", finding.message());
    let remedy = finding.remedy().unwrap();
    assert!(
        remedy.contains("mount a volume") && remedy.contains("ASYNCGATE_CLAIM_STORE=postgres"),
        "{remedy}"
    );
    // On the shared volume: nothing to say.
    assert!(claim_dir_reach(std::path::Path::new("/shared/claims"), &probe).is_none());
}
