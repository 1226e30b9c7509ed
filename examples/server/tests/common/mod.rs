//! Running the real `asyncgate` binary: with a cleared environment (only
//! what a test passes), in a temporary working directory, never touching
//! the test process's own environment.
#![allow(dead_code, unreachable_pub)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

pub const BIN: &str = env!("CARGO_BIN_EXE_asyncgate");

/// A secret that must never appear in any output.
pub const API_KEY: &str = "canary-api-key-5e1f2a9b";

pub fn command(dir: &Path, env: &[(&str, &str)]) -> Command {
    let mut cmd = Command::new(BIN);
    cmd.env_clear()
        .current_dir(dir)
        .envs(env.iter().copied())
        .stdin(Stdio::null());
    cmd
}

pub fn run(dir: &Path, env: &[(&str, &str)], args: &[&str]) -> Output {
    command(dir, env)
        .args(args)
        .output()
        .expect("run asyncgate")
}

/// `asyncgate check --format json`: exit code and parsed output.
pub fn check_json(dir: &Path, env: &[(&str, &str)]) -> (i32, serde_json::Value) {
    let out = run(dir, env, &["check", "--format", "json"]);
    let json = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "{e}: {}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (out.status.code().unwrap_or(-1), json)
}

/// A running `asyncgate start`, killed when dropped.
pub struct Server {
    pub child: Child,
    pub addr: SocketAddr,
    pub log: mpsc::Receiver<String>,
    pub early_log: Vec<String>,
}

/// How a `start` ended up: serving, or exited.
pub enum Started {
    Serving(Server),
    Exited { code: Option<i32>, log: String },
}

impl Server {
    /// Starts the server on 127.0.0.1 and a free port; waits for `Listening on`.
    pub fn start(dir: &Path, env: &[(&str, &str)]) -> Server {
        match Server::try_start(dir, env) {
            Started::Serving(server) => server,
            Started::Exited { code, log } => {
                panic!("asyncgate exited ({code:?}) instead of serving:\n{log}")
            }
        }
    }

    /// Starts the server; returns once it serves or exits.
    pub fn try_start(dir: &Path, env: &[(&str, &str)]) -> Started {
        // Each test claims in its own directory unless it names one.
        let claim_dir = dir.join("claims").display().to_string();
        let mut all = vec![
            ("ASYNCGATE_HOST", "127.0.0.1"),
            ("ASYNCGATE_PORT", "0"),
            ("ASYNCGATE_CLAIM_DIR", claim_dir.as_str()),
        ];
        all.extend_from_slice(env);
        let mut child = command(dir, &all)
            .arg("start")
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let stderr = child.stderr.take().unwrap();
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let mut early_log = Vec::new();
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            match rx.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
                Ok(line) => {
                    let addr = line
                        .split("Listening on http://")
                        .nth(1)
                        .map(|a| a.trim().parse().unwrap());
                    early_log.push(line);
                    if let Some(addr) = addr {
                        return Started::Serving(Server {
                            child,
                            addr,
                            log: rx,
                            early_log,
                        });
                    }
                }
                Err(mpsc::RecvTimeoutError::Disconnected) => {
                    let code = child.wait().unwrap().code();
                    return Started::Exited {
                        code,
                        log: early_log.join("\n"),
                    };
                }
                Err(mpsc::RecvTimeoutError::Timeout) => {
                    let _ = child.kill();
                    let status = child.wait();
                    panic!(
                        "no `Listening on` line ({status:?}); log so far:\n{}",
                        early_log.join("\n")
                    );
                }
            }
        }
    }

    /// The claim epoch from the `Claimed instance ID: <id> (epoch N, ...)` line.
    pub fn epoch(&self) -> u64 {
        self.early_log
            .iter()
            .find_map(|l| l.split("(epoch ").nth(1))
            .and_then(|rest| rest.split(',').next())
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| panic!("no epoch in:\n{}", self.early_log.join("\n")))
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    pub fn signal(&self, signal: &str) {
        let status = Command::new("kill")
            .args([&format!("-{signal}"), &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success(), "kill -{signal}");
    }

    /// Waits for the process to exit by itself; the exit code and the rest of the log.
    pub fn wait_exit(mut self, timeout: Duration) -> (Option<i32>, String) {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                std::thread::sleep(Duration::from_millis(50));
                let rest: Vec<String> = self.log.try_iter().collect();
                return (
                    status.code(),
                    [self.early_log.join("\n"), rest.join("\n")].join("\n"),
                );
            }
            assert!(Instant::now() < deadline, "still running after {timeout:?}");
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Sends SIGTERM and returns the exit code and the rest of the log.
    pub fn terminate(mut self) -> (Option<i32>, String) {
        let status = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
        let code = self.child.wait().unwrap().code();
        let rest: Vec<String> = self.log.try_iter().collect();
        (
            code,
            [self.early_log.join("\n"), rest.join("\n")].join("\n"),
        )
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A minimal HTTP/1.1 GET: status, headers (lowercase names), body.
pub fn get(
    addr: SocketAddr,
    path: &str,
    headers: &[(&str, &str)],
) -> (u16, Vec<(String, String)>, String) {
    request(addr, "GET", path, headers, "")
}

/// A minimal HTTP/1.1 request with a body: status, headers, body.
pub fn request(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> (u16, Vec<(String, String)>, String) {
    let mut stream = TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let mut request = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    request.push_str("\r\n");
    request.push_str(body);
    stream.write_all(request.as_bytes()).unwrap();
    let mut raw = String::new();
    stream.read_to_string(&mut raw).unwrap();
    let (head, body) = raw.split_once("\r\n\r\n").unwrap();
    let mut lines = head.lines();
    let status = lines
        .next()
        .unwrap()
        .split(' ')
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    let headers = lines
        .filter_map(|l| l.split_once(": "))
        .map(|(k, v)| (k.to_ascii_lowercase(), v.to_owned()))
        .collect();
    (status, headers, body.to_owned())
}

pub fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

#[allow(unused_imports)]
pub use asyncgate_test_support::{Cluster as OwnCluster, database_url};

/// Runs one SQL query with psql and returns its unaligned output.
pub fn psql(url: &str, sql: &str) -> String {
    let out = Command::new("psql")
        .args([url, "-v", "ON_ERROR_STOP=1", "-tAc", sql])
        .output()
        .expect("psql");
    assert!(
        out.status.success(),
        "psql failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap().trim().to_owned()
}

/// Starts `n` servers with the same environment at once; waits until each
/// serves or exits.
pub fn start_many(dir: &Path, env: &[(&str, &str)], n: usize) -> Vec<Started> {
    std::thread::scope(|s| {
        let handles: Vec<_> = (0..n)
            .map(|_| s.spawn(|| Server::try_start(dir, env)))
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    })
}

/// A database of this test's own on the shared server (dropped first if a
/// previous run left it); returns its URL.
pub fn fresh_database(url: &str, name: &str) -> String {
    psql(url, &format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
    psql(url, &format!("CREATE DATABASE {name}"));
    match url.rsplit_once('/') {
        Some((base, _)) => format!("{base}/{name}"),
        None => panic!("unexpected database URL {url}"),
    }
}
