//! Replicas that start together all start: five replicas with different
//! ids, started at the same moment on a fresh host (one claim directory,
//! one embedded task store), each serve tasks. CI runs 5 rounds;
//! `ASYNCGATE_START_RACE_ROUNDS=25 cargo test -p asyncgate-server --test
//! start_race` is the long profile.

mod common;

use std::time::{Duration, Instant};

use common::{API_KEY, Server, Started, request};

const REPLICAS: usize = 5;

fn rounds() -> usize {
    std::env::var("ASYNCGATE_START_RACE_ROUNDS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(5)
}

/// Creates a task on `server` until its store answers: 201, or a failure
/// after 10 s (or as soon as the server has exited).
fn serves_tasks(server: &mut Server) -> Result<(), String> {
    let auth = format!("Bearer {API_KEY}");
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if let Ok(Some(status)) = server.child.try_wait() {
            return Err(format!("exited ({status}) before serving tasks"));
        }
        let (status, _, body) = request(
            server.addr,
            "POST",
            "/v1/tasks",
            &[("Authorization", auth.as_str())],
            r#"{"job":"race"}"#,
        );
        if status == 201 {
            return Ok(());
        }
        if Instant::now() > deadline {
            return Err(format!("no task created within 10 s: {status} {body}"));
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn five_replicas_started_at_once_on_a_fresh_host_all_serve() {
    for round in 0..rounds() {
        let dir = tempfile::tempdir().unwrap();
        let ids: Vec<String> = (0..REPLICAS)
            .map(|i| format!("race-{round}-replica-{i}"))
            .collect();
        let started: Vec<Started> = std::thread::scope(|s| {
            let handles: Vec<_> = ids
                .iter()
                .map(|id| {
                    let dir = dir.path();
                    s.spawn(move || {
                        Server::try_start(
                            dir,
                            &[
                                ("ASYNCGATE_INSTANCE_ID", id.as_str()),
                                ("ASYNCGATE_API_KEY", API_KEY),
                            ],
                        )
                    })
                })
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
        for (id, started) in ids.iter().zip(started) {
            match started {
                Started::Serving(mut server) => {
                    if let Err(why) = serves_tasks(&mut server) {
                        let (_, log) = server.wait_exit(Duration::from_secs(2));
                        panic!("round {round}: {id} {why}:\n{log}");
                    }
                }
                Started::Exited { code, log } => {
                    panic!("round {round}: {id} exited ({code:?}):\n{log}")
                }
            }
        }
    }
}
