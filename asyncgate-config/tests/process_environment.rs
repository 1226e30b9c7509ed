//! Loading from the real process environment (through std's copy of it):
//! the same load as the environment injected as a map, from the main
//! thread and from another.
//!
//! `main` re-executes this binary with a crafted environment (nothing
//! calls `set_var`; no libtest harness, `harness = false`), and the child
//! loads on its main thread, then on a second one.

use std::ffi::OsString;
use std::process::Command;

use asyncgate_config::{Environment, GateConfig, InstanceId, SecretString};

const CHILD: &str = "ASYNCGATE_PROCESS_ENV_CHILD";

#[derive(GateConfig, Debug)]
#[gate(prefix = "GOOD")]
#[allow(dead_code)]
struct Good {
    #[gate(environment, default = "development")]
    env: Environment,
    #[gate(instance_id, default = "good-1")]
    instance_id: InstanceId,
    #[gate(default = 8080)]
    port: u16,
    tags: Vec<String>,
    #[gate(secret)]
    token: SecretString,
    database_url: String,
}

#[derive(GateConfig, Debug)]
#[gate(prefix = "BAD")]
#[allow(dead_code)]
struct Bad {
    #[gate(environment, default = "development")]
    env: Environment,
    #[gate(instance_id, default = "bad-1")]
    instance_id: InstanceId,
    #[gate(default = 8080)]
    port: u16,
    name: String,
    workers: u16,
}

/// The crafted environment: what the loads read, among many variables they
/// do not (a namespace's Kubernetes service links).
fn environment() -> Vec<(OsString, OsString)> {
    let mut vars: Vec<(OsString, OsString)> = [
        ("KUBERNETES_SERVICE_HOST", "10.96.0.1"),
        ("HOSTNAME", "svc-7d9f8b6c5d-x2x9k"),
        ("GOOD_ENV", "production"),
        // Empty counts as unset: the default applies.
        ("GOOD_PORT", ""),
        // `=` inside a value belongs to the value.
        ("GOOD_TAGS", "a=b,c"),
        ("GOOD_TOKEN", "t-0123456789"),
        ("GOOD_DATABASE_URL", "postgres://app:pw@db:5432/app"),
        ("BAD_ENV", "staging"),
        ("BAD_PROT", "9000"),
        ("BAD_WORKERS", "many"),
        // A repeated name cannot be set through `Command`; the unit tests
        // of the snapshot cover it.
    ]
    .into_iter()
    .map(|(n, v)| (n.into(), v.into()))
    .collect();
    for i in 0..300 {
        vars.push((
            format!("SERVICE_{i}_PORT").into(),
            format!("tcp://10.0.{i}.1:80").into(),
        ));
    }
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStringExt;
        // Not UTF-8: a value a setting reads, and a name (never ours).
        vars.push(("BAD_NAME".into(), OsString::from_vec(vec![b'x', 0xff])));
        vars.push((OsString::from_vec(b"GOOD_\xff".to_vec()), "1".into()));
    }
    #[cfg(not(unix))]
    vars.push(("BAD_NAME".into(), "".into()));
    vars
}

/// Everything a load tells: each setting's value and source, the id, the
/// detection trace, the findings; or the whole report.
fn render<T: GateConfig>(
    load: Result<asyncgate_config::Loaded<T>, asyncgate_config::Report>,
) -> String {
    match load {
        Ok(loaded) => {
            let resolution = loaded.resolution();
            let mut out = format!(
                "id {} ({:?}, {:?})\ntrace {:?}\n",
                resolution.instance_id(),
                resolution.instance_id_origin(),
                resolution.platform(),
                resolution.detection_trace()
            );
            for (field, record) in resolution.settings() {
                let source = record.source().map(ToString::to_string);
                out += &format!("{} = {:?} from {source:?}\n", field.name(), record.value());
            }
            for warning in loaded.warnings() {
                out += &format!("warning: {}\n", warning.message());
            }
            out
        }
        Err(report) => report.to_string(),
    }
}

/// Both structs loaded from the process environment, or from a copy of it
/// injected as a map.
fn loads(injected: bool) -> (String, String) {
    fn one<T: GateConfig>(injected: bool) -> String {
        let mut loader = T::loader().dotenv(false).seed(1);
        if injected {
            loader = loader.env(std::env::vars_os());
        }
        render(loader.load())
    }
    (one::<Good>(injected), one::<Bad>(injected))
}

fn child() {
    let (good, bad) = loads(false);

    // What a user relies on.
    let expected_in_good = [
        "id svc-7d9f8b6c5d-x2x9k (Detected, Some(Kubernetes))",
        "port = Some(\"8080\") from Some(\"default\")",
        "tags = Some(\"a=b,c\") from Some(\"environment variable GOOD_TAGS\")",
        "token = Some(\"[redacted]\")",
        "postgres://app:[redacted]@db:5432/app",
    ];
    for expected in expected_in_good {
        assert!(good.contains(expected), "{expected} not in:\n{good}");
    }
    assert!(
        !good.contains("t-0123456789") && !good.contains(":pw@"),
        "{good}"
    );
    let expected_in_bad = [
        "BAD_NAME is set but its value is not valid UTF-8",
        "invalid value for `workers` (u16)",
        "unknown variable BAD_PROT is ignored (did you mean BAD_PORT?)",
    ];
    for expected in expected_in_bad {
        assert!(bad.contains(expected), "{expected} not in:\n{bad}");
    }

    // From a second thread too (as under `#[tokio::main]`): the same loads.
    let (good_threaded, bad_threaded) = std::thread::spawn(|| loads(false))
        .join()
        .expect("a thread");
    assert_eq!(good, good_threaded);
    assert_eq!(bad, bad_threaded);
    let (good_injected, bad_injected) = loads(true);
    assert_eq!(good, good_injected);
    assert_eq!(bad, bad_injected);
}

fn main() {
    if std::env::var_os(CHILD).is_some() {
        child();
        return;
    }
    // `cargo test` passes libtest's flags: a listing asks for no run.
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    let output = Command::new(std::env::current_exe().expect("this test's binary"))
        .env_clear()
        .envs(environment())
        .env(CHILD, "1")
        .output()
        .expect("re-run this test");
    assert!(
        output.status.success(),
        "the child failed ({}):\n{}{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    println!("process environment: the same loads as from an injected copy, from any thread");
}
