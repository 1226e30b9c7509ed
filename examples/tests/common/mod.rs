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

impl Server {
    /// Starts the server on 127.0.0.1 and a free port; waits for `Listening on`.
    pub fn start(dir: &Path, env: &[(&str, &str)]) -> Server {
        // Each test claims in its own directory unless it names one.
        let claim_dir = dir.join("claims").display().to_string();
        let mut all = vec![("ASYNCGATE_HOST", "127.0.0.1"), ("ASYNCGATE_PORT", "0"), ("ASYNCGATE_CLAIM_DIR", claim_dir.as_str())];
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
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let Ok(line) = rx.recv_timeout(deadline.saturating_duration_since(Instant::now()))
            else {
                let _ = child.kill();
                let status = child.wait();
                panic!(
                    "no `Listening on` line ({status:?}); log so far:\n{}",
                    early_log.join("\n")
                );
            };
            let addr = line
                .split("Listening on http://")
                .nth(1)
                .map(|a| a.trim().parse().unwrap());
            early_log.push(line);
            if let Some(addr) = addr {
                return Server {
                    child,
                    addr,
                    log: rx,
                    early_log,
                };
            }
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
    let mut stream = TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let mut request = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    request.push_str("\r\n");
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
