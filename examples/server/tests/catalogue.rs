//! The bad-input catalogue: well over a hundred bad inputs across the
//! environment, `.env`, the TOML file, `_FILE` secrets and HTTP, each run
//! through the real binary. Every case asserts the exit code (or status),
//! that the message names the input (variable, file or route), and that a
//! canary secret appears nowhere in any output.

mod common;

use std::ffi::OsString;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::os::unix::ffi::OsStringExt;
use std::path::Path;
use std::time::Duration;

use common::{API_KEY, BIN, Server, get};

/// Put into the wrong places by the cases below; must never be shown.
const CANARY: &str = "Canary-Catalogue-S3cret-77";

/// One bad input: what the process gets, and what must come out.
struct Case {
    name: String,
    env: Vec<(String, OsString)>,
    files: Vec<(&'static str, Vec<u8>)>,
    /// `check` exits 1 for an invalid configuration (start would exit 78).
    code: i32,
    /// Each must appear in the output: the input named.
    names: Vec<String>,
}

fn case(name: impl Into<String>, env: &[(&str, &str)], names: &[&str]) -> Case {
    Case {
        name: name.into(),
        env: env
            .iter()
            .map(|(k, v)| ((*k).to_owned(), OsString::from(*v)))
            .collect(),
        files: Vec::new(),
        code: 1,
        names: names.iter().map(|n| (*n).to_owned()).collect(),
    }
}

fn with_files(mut case: Case, files: Vec<(&'static str, Vec<u8>)>) -> Case {
    case.files = files;
    case
}

/// Integer settings of the reference server and the values they refuse.
const INTEGERS: [&str; 16] = [
    "PORT",
    "DEFAULT_LEASE_TTL_SECONDS",
    "MAX_LEASE_TTL_SECONDS",
    "LEASE_SWEEP_INTERVAL_SECONDS",
    "DEFAULT_MAX_ATTEMPTS",
    "DEFAULT_RETRY_BACKOFF_SECONDS",
    "MAX_RETRY_BACKOFF_SECONDS",
    "DEFAULT_LIST_LIMIT",
    "MAX_LIST_LIMIT",
    "RECEIPT_RETENTION_DAYS",
    "TASK_RETENTION_DAYS",
    "CLAIM_TTL_MS",
    "HTTP_HEADER_TIMEOUT_MS",
    "HTTP_MAX_CONNECTIONS",
    "SHUTDOWN_TIMEOUT_MS",
    "DEBUG",
];

fn cases() -> Vec<Case> {
    let mut cases = Vec::new();
    // Environment: integers that do not parse, are negative, overflow, or
    // hold the secret by mistake.
    for setting in &INTEGERS[..15] {
        let var = format!("ASYNCGATE_{setting}");
        for value in ["abc", "-1", "99999999999999999999999", "1.5", CANARY] {
            let mut env = vec![(var.as_str(), value)];
            // The lease ttl is the PostgreSQL claim store's: read when it is chosen.
            if *setting == "CLAIM_TTL_MS" {
                env.push(("ASYNCGATE_CLAIM_STORE", "postgres"));
            }
            cases.push(case(format!("{var}={value}"), &env, &[&var]));
        }
    }
    // Booleans, enums and the environment.
    for (var, values) in [
        ("ASYNCGATE_DEBUG", &["maybe", CANARY][..]),
        ("ASYNCGATE_ALLOW_INSECURE_DEV", &["sometimes", CANARY]),
        ("ASYNCGATE_ENV", &["prod-eu", CANARY, "qa"]),
        ("ASYNCGATE_LOG_LEVEL", &["verbose", CANARY]),
        ("ASYNCGATE_RECEIPT_MODE", &["mixed", CANARY]),
        ("ASYNCGATE_CLAIM_STORE", &["redis", CANARY]),
    ] {
        for value in values {
            cases.push(case(format!("{var}={value}"), &[(var, value)], &[var]));
        }
    }
    // Instance ids that break the rules.
    let long = "x".repeat(300);
    for value in ["a b", "-leading", "naïve", long.as_str(), "id/with/slashes"] {
        cases.push(case(
            format!("ASYNCGATE_INSTANCE_ID={}", &value[..value.len().min(20)]),
            &[("ASYNCGATE_INSTANCE_ID", value)],
            &["ASYNCGATE_INSTANCE_ID"],
        ));
    }
    // Values that only `start` used to refuse.
    for (var, value) in [
        ("ASYNCGATE_HOST", "not a host!"),
        ("ASYNCGATE_CLAIM_TTL_MS", "18446744073709551615"),
        ("ASYNCGATE_CLAIM_TTL_MS", "10"),
        ("ASYNCGATE_HTTP_MAX_CONNECTIONS", "0"),
        ("ASYNCGATE_CLAIM_DIR", "/dev/null"),
    ] {
        let mut env = vec![(var, value)];
        if var == "ASYNCGATE_CLAIM_TTL_MS" {
            env.push(("ASYNCGATE_CLAIM_STORE", "postgres"));
        }
        cases.push(case(format!("{var}={value}"), &env, &[var]));
    }
    // A value that is not UTF-8.
    let mut not_utf8 = case("ASYNCGATE_PORT not UTF-8", &[], &["ASYNCGATE_PORT"]);
    not_utf8.env.push((
        "ASYNCGATE_PORT".to_owned(),
        OsString::from_vec(vec![0x38, 0xff, 0x30]),
    ));
    cases.push(not_utf8);
    let mut not_utf8 = case(
        "ASYNCGATE_CONFIG_FILE not UTF-8",
        &[],
        &["ASYNCGATE_CONFIG_FILE"],
    );
    not_utf8.env.push((
        "ASYNCGATE_CONFIG_FILE".to_owned(),
        OsString::from_vec(vec![b'c', 0xfe]),
    ));
    cases.push(not_utf8);

    // .env
    let dotenv = |text: &[u8]| vec![(".env", text.to_vec())];
    cases.push(with_files(
        case(
            ".env line with the secret that does not parse",
            &[],
            &[".env", "ASYNCGATE_API_KEY"],
        ),
        dotenv(format!("ASYNCGATE_API_KEY={CANARY} trailing\n").as_bytes()),
    ));
    cases.push(with_files(
        case(".env not UTF-8", &[], &[".env"]),
        dotenv(b"ASYNCGATE_PORT=\xff\n"),
    ));
    cases.push(with_files(
        case(".env bad port", &[], &[".env", "ASYNCGATE_PORT"]),
        dotenv(b"ASYNCGATE_PORT=eighty\n"),
    ));
    cases.push(with_files(
        case(
            ".env unclosed quote",
            &[],
            &[".env", "ASYNCGATE_DATABASE_URL"],
        ),
        dotenv(format!("ASYNCGATE_DATABASE_URL='{CANARY}\n").as_bytes()),
    ));
    cases.push(with_files(
        case(".env too large", &[], &[".env", "1024 KiB"]),
        dotenv(&b"A=1\n".repeat(300_000)),
    ));

    // TOML file
    let toml = |text: &[u8]| vec![("c.toml", text.to_vec())];
    let file_env = [("ASYNCGATE_CONFIG_FILE", "c.toml")];
    for (name, text, named) in [
        ("TOML syntax", b"port = \n".to_vec(), "c.toml"),
        ("TOML wrong type", b"port = \"eighty\"\n".to_vec(), "port"),
        (
            "TOML secret in a number",
            format!("port = '{CANARY}'\n").into_bytes(),
            "port",
        ),
        ("TOML not UTF-8", b"port = \xff\n".to_vec(), "c.toml"),
        ("TOML too large", vec![b'#'; 2 * 1024 * 1024], "1024 KiB"),
        (
            "TOML negative",
            b"max_list_limit = -5\n".to_vec(),
            "max_list_limit",
        ),
    ] {
        cases.push(with_files(case(name, &file_env, &[named]), toml(&text)));
    }
    cases.push(case(
        "TOML missing",
        &file_env,
        &["c.toml", "does not exist"],
    ));
    cases.push(case(
        "TOML is a device",
        &[("ASYNCGATE_CONFIG_FILE", "/dev/zero")],
        &["/dev/zero", "device"],
    ));

    // _FILE secrets
    let key_file = [("ASYNCGATE_API_KEY_FILE", "./key")];
    for (name, bytes, named) in [
        ("secret file empty", b"".to_vec(), "is empty"),
        (
            "secret file with whitespace",
            format!(" {CANARY}\n").into_bytes(),
            "whitespace",
        ),
        ("secret file too large", vec![b'k'; 100 * 1024], "64 KiB"),
        ("secret file not UTF-8", b"\xff\xfe".to_vec(), "UTF-8"),
    ] {
        cases.push(with_files(
            case(name, &key_file, &["ASYNCGATE_API_KEY_FILE", named]),
            vec![("key", bytes)],
        ));
    }
    cases.push(case(
        "secret file missing",
        &[("ASYNCGATE_API_KEY_FILE", "./nope/key")],
        &["ASYNCGATE_API_KEY_FILE", "does not exist"],
    ));
    cases.push(case(
        "secret file is a directory",
        &[("ASYNCGATE_API_KEY_FILE", "/tmp")],
        &["ASYNCGATE_API_KEY_FILE", "directory"],
    ));
    cases.push(case(
        "secret in the _FILE variable",
        &[("ASYNCGATE_API_KEY_FILE", CANARY)],
        &["ASYNCGATE_API_KEY_FILE", "not shown"],
    ));
    cases.push(case(
        "secret and _FILE both set",
        &[
            ("ASYNCGATE_API_KEY_FILE", "./key"),
            ("ASYNCGATE_API_KEY", CANARY),
        ],
        &["ASYNCGATE_API_KEY_FILE", "ASYNCGATE_API_KEY"],
    ));
    cases.push(case(
        "secret with surrounding whitespace",
        &[("ASYNCGATE_API_KEY", &format!("{CANARY} "))],
        &["ASYNCGATE_API_KEY", "whitespace"],
    ));
    cases.push(case(
        "production without a secret",
        &[
            ("ASYNCGATE_ENV", "production"),
            ("ASYNCGATE_INSTANCE_ID", "prod-node-7f3c9e21"),
        ],
        &["ASYNCGATE_API_KEY", "required in production"],
    ));
    cases
}

fn run_case(dir: &Path, case: &Case) -> (i32, String) {
    for (name, bytes) in &case.files {
        std::fs::write(dir.join(name), bytes).unwrap();
    }
    let out = std::process::Command::new(BIN)
        .env_clear()
        .current_dir(dir)
        .env("ASYNCGATE_CLAIM_DIR", dir.join("claims"))
        .envs(case.env.iter().map(|(k, v)| (k, v)))
        .arg("check")
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.code().unwrap_or(-1), text)
}

#[test]
fn every_bad_input_exits_names_the_input_and_shows_no_secret() {
    let cases = cases();
    assert!(cases.len() >= 100, "only {} cases", cases.len());
    let mut failures = Vec::new();
    for case in &cases {
        let dir = tempfile::tempdir().unwrap();
        let (code, text) = run_case(dir.path(), case);
        if code != case.code {
            failures.push(format!(
                "{}: exit {code}, expected {}\n{text}",
                case.name, case.code
            ));
        }
        for name in &case.names {
            if !text.contains(name.as_str()) {
                failures.push(format!("{}: `{name}` not named\n{text}", case.name));
            }
        }
        for part in [CANARY, &CANARY[8..], "S3cret-77"] {
            if text.contains(part) {
                failures.push(format!("{}: `{part}` leaked\n{text}", case.name));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n\n")
    );
}

/// `start` refuses what `check` refuses, with exit 78, before binding.
#[test]
fn start_exits_78_for_what_check_refuses() {
    let dir = tempfile::tempdir().unwrap();
    for env in [
        &[("ASYNCGATE_HOST", "not a host!")][..],
        &[
            ("ASYNCGATE_CLAIM_STORE", "postgres"),
            ("ASYNCGATE_CLAIM_TTL_MS", "18446744073709551615"),
        ],
        &[("ASYNCGATE_CLAIM_DIR", "/dev/null")],
    ] {
        let out = std::process::Command::new(BIN)
            .env_clear()
            .current_dir(dir.path())
            .envs(env.iter().copied())
            .env("ASYNCGATE_API_KEY", API_KEY)
            .arg("start")
            .output()
            .unwrap();
        assert_eq!(
            out.status.code(),
            Some(78),
            "{env:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

/// `env | head -1` and `check >/dev/full`: no panic.
#[test]
fn closed_pipes_end_quietly_and_a_full_disk_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = std::process::Command::new(BIN)
        .env_clear()
        .current_dir(dir.path())
        .args(["env", "--format", "dotenv"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = child.stdout.take().unwrap();
    let mut first = [0u8; 16];
    stdout.read_exact(&mut first).unwrap();
    drop(stdout); // the reader leaves, as `head -1` does
    let out = child.wait_with_output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!String::from_utf8_lossy(&out.stderr).contains("panicked"));

    let full = std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .unwrap();
    let out = std::process::Command::new(BIN)
        .env_clear()
        .current_dir(dir.path())
        .arg("check")
        .stdout(full)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("cannot write the output") && !stderr.contains("panicked"),
        "{stderr}"
    );
}

/// A request path, its headers, and the status it must get.
type HttpCase = (String, Vec<(&'static str, String)>, u16);

/// HTTP: bad credentials and malformed requests get the right status, and
/// no response or log line carries the key or a presented token.
#[test]
fn bad_http_requests_get_clear_statuses_and_no_secret() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path(), &[("ASYNCGATE_API_KEY", API_KEY)]);
    let mut cases: Vec<HttpCase> = Vec::new();
    for path in ["/v1/instance", "/v1/tasks", "/v1/anything", "/v1/"] {
        cases.push((path.to_owned(), vec![], 401));
        cases.push((
            path.to_owned(),
            vec![("Authorization", format!("Bearer {CANARY}"))],
            401,
        ));
        cases.push((
            path.to_owned(),
            vec![("Authorization", format!("Basic {CANARY}"))],
            401,
        ));
        cases.push((
            path.to_owned(),
            vec![("Authorization", "Bearer".to_owned())],
            401,
        ));
        cases.push((
            path.to_owned(),
            vec![("Authorization", format!("bearer {API_KEY}x"))],
            401,
        ));
        cases.push((
            path.to_owned(),
            vec![("Authorization", format!("Bearer {}", &API_KEY[..10]))],
            401,
        ));
    }
    cases.push((
        "/v1/instance".to_owned(),
        vec![("Authorization", format!("Bearer {API_KEY}"))],
        200,
    ));
    cases.push(("/nowhere".to_owned(), vec![], 404));
    let mut failures = Vec::new();
    for (path, headers, expected) in &cases {
        let headers: Vec<(&str, &str)> = headers.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let (status, response_headers, body) = get(server.addr, path, &headers);
        if status != *expected {
            failures.push(format!("{path} {headers:?}: {status}, expected {expected}"));
        }
        if status == 401 && common::header(&response_headers, "www-authenticate").is_none() {
            failures.push(format!("{path}: 401 without WWW-Authenticate"));
        }
        if body.contains(CANARY) || body.contains(API_KEY) {
            failures.push(format!("{path}: a secret in the body"));
        }
    }
    // Malformed requests: the server answers 4xx or closes; it keeps serving.
    for raw in [
        "GARBAGE\r\n\r\n".to_owned(),
        format!(
            "GET /v1/config HTTP/1.1\r\nHost: x\r\nX-Big: {}\r\n\r\n",
            "a".repeat(200_000)
        ),
        "GET /v1/config HTTP/9.9\r\nHost: x\r\n\r\n".to_owned(),
    ] {
        let mut stream = TcpStream::connect(server.addr).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(5)))
            .unwrap();
        let _ = stream.write_all(raw.as_bytes());
        let mut reply = Vec::new();
        let _ = stream.read_to_end(&mut reply);
        let reply = String::from_utf8_lossy(&reply);
        if !(reply.is_empty() || reply.starts_with("HTTP/1.1 4")) {
            failures.push(format!(
                "malformed request answered: {}",
                &reply[..reply.len().min(80)]
            ));
        }
    }
    assert_eq!(
        get(server.addr, "/healthz", &[]).0,
        200,
        "the server keeps serving"
    );
    let (code, log) = server.terminate();
    assert_eq!(code, Some(0));
    assert!(
        !log.contains(CANARY) && !log.contains(API_KEY),
        "a secret in the log"
    );
    assert!(cases.len() >= 25);
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
