//! Test helpers for the asyncgate workspace (not published).
//!
//! [`database_url`] gives the PostgreSQL tests a database: the one named by
//! `ASYNCGATE_TEST_DATABASE_URL` (as `.ci/run` exports), else a throwaway
//! cluster started once per test process when PostgreSQL is installed.
//! Where neither is possible, the build scripts of the crates with such
//! tests set `cfg(asyncgate_no_postgres)`, and the tests are marked
//! ignored with the reason: reported as skipped, never as passed.
#![forbid(unsafe_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;

pub mod build;
pub mod probe;

/// Why a PostgreSQL test is ignored where it cannot run.
pub const NO_POSTGRES: &str =
    "needs PostgreSQL: install it (pg_ctl) or set ASYNCGATE_TEST_DATABASE_URL";

/// `.ci/pg-cluster`, the script that starts and stops throwaway clusters.
fn cluster_script() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../.ci/pg-cluster")
}

/// The database for this test process: the given URL, else one throwaway
/// cluster shared by the process's tests (stopped and removed when the
/// process exits). Panics where PostgreSQL is missing: a test that calls
/// this is marked `#[cfg_attr(asyncgate_no_postgres, ignore = "...")]`,
/// so it runs only where the build script found a way to a database.
pub fn database_url() -> String {
    static URL: OnceLock<String> = OnceLock::new();
    URL.get_or_init(|| {
        if let Some(url) = probe::given_url(std::env::var(probe::DATABASE_URL_VAR).ok()) {
            return url;
        }
        match probe::pg_bin_dir(std::env::var_os("PATH").as_deref()) {
            Some(_) => start_process_cluster(),
            None => panic!("PostgreSQL is missing: {NO_POSTGRES}"),
        }
    })
    .clone()
}

/// Starts a cluster in a new directory, and a watcher that stops it and
/// removes the directory once this process has exited.
fn start_process_cluster() -> String {
    let dir = tempfile::Builder::new()
        .prefix("asyncgate-test-pg-")
        .tempdir()
        .expect("a directory for the test cluster")
        .keep();
    let cluster = Cluster::new(dir);
    let url = cluster.up();
    let watcher = format!(
        "while kill -0 {pid} 2>/dev/null; do sleep 1; done; '{script}' stop '{dir}' >/dev/null 2>&1; rm -rf '{dir}'",
        pid = std::process::id(),
        script = cluster_script().display(),
        dir = cluster.dir.display(),
    );
    // Not waited for: it must outlive this process, and init reaps it.
    #[allow(clippy::zombie_processes)]
    Command::new("sh")
        .args(["-c", &watcher])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("the test cluster's watcher");
    // The watcher owns the cluster now.
    std::mem::forget(cluster);
    url
}

/// A port no socket is bound to now.
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

/// A throwaway PostgreSQL cluster of a test's own (to restart it, say):
/// stopped when dropped.
#[derive(Debug)]
pub struct Cluster {
    dir: PathBuf,
    port: u16,
    /// `max_connections`, when not the script's default (400).
    max_connections: Option<u32>,
    /// Removed after the cluster stops, when the cluster made it.
    _temp: Option<tempfile::TempDir>,
}

impl Cluster {
    /// A cluster in `dir`, on a free port, not yet started.
    pub fn new(dir: PathBuf) -> Cluster {
        Cluster {
            dir,
            port: free_port(),
            max_connections: None,
            _temp: None,
        }
    }

    /// A started cluster in a directory of its own (removed when it is
    /// dropped), and its URL.
    pub fn start() -> (Cluster, String) {
        Cluster::start_with(None)
    }

    /// [`Cluster::start`] with a cluster that takes at most
    /// `max_connections` sessions.
    pub fn start_limited(max_connections: u32) -> (Cluster, String) {
        Cluster::start_with(Some(max_connections))
    }

    fn start_with(max_connections: Option<u32>) -> (Cluster, String) {
        let temp = tempfile::tempdir().expect("a directory for the cluster");
        let mut cluster = Cluster::new(temp.path().to_owned());
        cluster.max_connections = max_connections;
        cluster._temp = Some(temp);
        // The port was free when chosen; another test may bind it before
        // the server does: then the server starts again on another.
        for _ in 0..2 {
            match cluster.try_up() {
                Ok(url) => return (cluster, url),
                Err(log) if log.contains("already in use") => cluster.port = free_port(),
                Err(log) => panic!("{log}"),
            }
        }
        let url = cluster.up();
        (cluster, url)
    }

    /// Runs `.ci/pg-cluster <command> DIR [PORT]`.
    pub fn script(&self, command: &str) -> std::process::Output {
        let mut cmd = Command::new(cluster_script());
        cmd.arg(command).arg(&self.dir);
        if command == "start" {
            cmd.arg(self.port.to_string());
        }
        if let Some(max) = self.max_connections {
            cmd.env("PG_MAX_CONNECTIONS", max.to_string());
        }
        cmd.output().expect(".ci/pg-cluster runs")
    }

    /// Starts (initialising on first use) the cluster; returns its URL.
    pub fn up(&self) -> String {
        self.try_up().unwrap_or_else(|log| panic!("{log}"))
    }

    /// [`Cluster::up`], or the server's log when it did not start.
    fn try_up(&self) -> Result<String, String> {
        let out = self.script("start");
        if !out.status.success() {
            return Err(String::from_utf8_lossy(&out.stderr).into_owned());
        }
        Ok(String::from_utf8(out.stdout)
            .expect("a URL")
            .trim()
            .to_owned())
    }

    /// Stops the cluster (fast shutdown).
    pub fn down(&self) {
        let out = self.script("stop");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let _ = self.script("stop");
    }
}
