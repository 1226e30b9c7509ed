//! The history-checked fault test (DESIGN §6): three replicas on a
//! PostgreSQL cluster of the test's own, a load generator whose workers
//! create tasks, lease them, and complete or abandon their leases, and
//! faults during the run:
//!
//! - kill -9 of a replica (restarted with the same id 2 s later);
//! - SIGSTOP of a replica past its claim ttl, then SIGCONT: it must exit 69
//!   (fenced out), and is restarted with the same id;
//! - a pod replacement: a replica killed and replaced by one with a new id;
//! - a PostgreSQL restart.
//!
//! Every request and response goes into a history; the store's requeues,
//! fenced writes and final tasks are read at the end; `history::check`
//! must find nothing. `the_originals_rule_strands_a_replaced_pods_tasks`
//! runs the original's rule (each replica sweeps only its own id, no
//! adoption) through a pod replacement and shows the stranded tasks.
//!
//! `on_one_host_partitions_hold_under_kill_and_replacement` runs the same
//! load and checker on one host (file claim store, the shared embedded
//! task store) through kill -9 and a pod replacement; without adoption the
//! checker finds the replaced replica's tasks stranded (tried by hand: 6
//! violations in one round).
//!
//! CI runs one round (`ASYNCGATE_FAULT_ROUNDS=1`, about 40 s, and 22 s
//! on one host). The long
//! profile: `ASYNCGATE_FAULT_ROUNDS=10 cargo test -p asyncgate-server
//! --test faults -- --nocapture` (with `ASYNCGATE_TEST_DATABASE_URL` set,
//! as `.ci/run` does; the test starts its own cluster either way).

mod common;
mod history;

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use common::{API_KEY, OwnCluster, Server, database_url, fresh_database, psql};
use history::{Call, Evidence, Op, Outcome, Requeue, Task, Write as Fenced};

/// The claim ttl of every replica, and the sweep interval.
const CLAIM_TTL_MS: i64 = 3000;
const SWEEP_S: i64 = 1;
/// ttl + sweep interval + 1 s: the longest an expired lease may wait.
const BOUND_MS: i64 = CLAIM_TTL_MS + SWEEP_S * 1000 + 1000;

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

/// One HTTP exchange with a deadline; `None` when no full answer came.
fn exchange(
    addr: SocketAddr,
    method: &str,
    path: &str,
    body: &str,
) -> Option<(u16, serde_json::Value)> {
    let mut stream = TcpStream::connect_timeout(&addr, Duration::from_secs(2)).ok()?;
    stream.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    stream
        .set_write_timeout(Some(Duration::from_secs(5)))
        .ok()?;
    let request = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nAuthorization: Bearer {API_KEY}\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).ok()?;
    let mut raw = String::new();
    stream.read_to_string(&mut raw).ok()?;
    let (head, body) = raw.split_once("\r\n\r\n")?;
    let status = head.split(' ').nth(1)?.parse().ok()?;
    let json = serde_json::from_str(body).unwrap_or(serde_json::Value::Null);
    Some((status, json))
}

/// xorshift64: the load generator's randomness, seeded per worker.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }
}

/// The replicas workers may talk to now.
type Live = Arc<RwLock<Vec<SocketAddr>>>;

fn record(history: &Mutex<Vec<Op>>, worker: &str, call: Call, outcome: Outcome, sent_ms: i64) {
    let op = Op {
        worker: worker.to_owned(),
        call,
        outcome,
        sent_ms,
        done_ms: now_ms(),
    };
    history.lock().unwrap().push(op);
}

/// One worker: create tasks, lease them, and complete (60%), abandon (25%)
/// or complete too late (15%) each lease.
fn worker(n: u64, live: &Live, history: &Mutex<Vec<Op>>, stop: &AtomicBool) {
    let name = format!("w{n}");
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15 ^ (n + 1).wrapping_mul(0x2545_F491_4F6C_DD1D));
    while !stop.load(Ordering::Relaxed) {
        let addrs = live.read().unwrap().clone();
        if addrs.is_empty() {
            std::thread::sleep(Duration::from_millis(50));
            continue;
        }
        let addr = addrs[usize::try_from(rng.below(addrs.len() as u64)).unwrap_or(0)];
        let sent = now_ms();
        if rng.below(10) < 4 {
            let outcome = match exchange(addr, "POST", "/v1/tasks", r#"{"job":"fault-test"}"#) {
                Some((201, json)) => Outcome::Created {
                    task_id: json["task_id"].as_i64().unwrap(),
                },
                _ => Outcome::Unknown,
            };
            record(history, &name, Call::Create, outcome, sent);
            continue;
        }
        let ttl = 1 + rng.below(2);
        let body = format!(r#"{{"worker_id":"{name}","ttl_seconds":{ttl}}}"#);
        let (lease_id, outcome) = match exchange(addr, "POST", "/v1/leases", &body) {
            Some((200, json)) => {
                let lease_id = json["lease_id"].as_i64().unwrap();
                let task_id = json["task_id"].as_i64().unwrap();
                (Some(lease_id), Outcome::Leased { lease_id, task_id })
            }
            Some((204, _)) => (None, Outcome::Empty),
            _ => (None, Outcome::Unknown),
        };
        record(history, &name, Call::Lease, outcome, sent);
        let Some(lease_id) = lease_id else {
            std::thread::sleep(Duration::from_millis(20));
            continue;
        };
        let action = rng.below(20);
        if action < 5 {
            continue; // abandoned: its sweeper must requeue it
        }
        if action < 8 {
            std::thread::sleep(Duration::from_millis(ttl * 1000 + 300)); // too late
        } else {
            std::thread::sleep(Duration::from_millis(rng.below(200)));
        }
        let addrs = live.read().unwrap().clone();
        let Some(&addr) =
            addrs.get(usize::try_from(rng.below(addrs.len().max(1) as u64)).unwrap_or(0))
        else {
            continue;
        };
        let sent = now_ms();
        let outcome = match exchange(addr, "POST", &format!("/v1/leases/{lease_id}/complete"), "") {
            Some((200, _)) => Outcome::Completed,
            Some((409, _)) => Outcome::Refused,
            _ => Outcome::Unknown,
        };
        record(history, &name, Call::Complete { lease_id }, outcome, sent);
    }
}

/// A replica slot: its id and its process, restarted with the same id when
/// it exits (as Kubernetes restarts a container).
struct Slot {
    id: String,
    server: Option<Server>,
}

/// Where a fleet keeps its claims and tasks.
enum Backend {
    /// PostgreSQL at this URL: the claim lease table and the task tables.
    Postgres(String),
    /// One host: the file claim store, and the embedded task store that
    /// the replicas share (`tasks.sqlite3` in the fleet's claim directory).
    OneHost,
}

struct Fleet {
    backend: Backend,
    dir: tempfile::TempDir,
    slots: Vec<Slot>,
    live: Live,
    adoption: bool,
    exits: Vec<(String, Option<i32>)>,
}

impl Fleet {
    fn env(&self, id: &str) -> Vec<(&'static str, String)> {
        let mut env = match &self.backend {
            Backend::Postgres(url) => vec![
                ("ASYNCGATE_CLAIM_STORE", "postgres".to_owned()),
                ("ASYNCGATE_DATABASE_URL", url.clone()),
            ],
            // Server::try_start's default claim directory, one per fleet.
            Backend::OneHost => vec![("ASYNCGATE_CLAIM_STORE", "file".to_owned())],
        };
        env.extend([
            ("ASYNCGATE_CLAIM_TTL_MS", CLAIM_TTL_MS.to_string()),
            ("ASYNCGATE_INSTANCE_ID", id.to_owned()),
            ("ASYNCGATE_API_KEY", API_KEY.to_owned()),
            (
                "ASYNCGATE_LEASE_SWEEP_INTERVAL_SECONDS",
                SWEEP_S.to_string(),
            ),
            ("ASYNCGATE_PARTITION_ADOPTION", self.adoption.to_string()),
            ("ASYNCGATE_MAX_LEASE_TTL_SECONDS", "10".to_owned()),
            ("ASYNCGATE_DEFAULT_LEASE_TTL_SECONDS", "5".to_owned()),
        ]);
        env
    }

    /// The rows of a query on the fleet's task store, each column as text
    /// (empty for NULL).
    fn rows(&self, sql: &str) -> Vec<Vec<String>> {
        match &self.backend {
            Backend::Postgres(url) => psql(url, sql)
                .lines()
                .filter(|l| !l.is_empty())
                .map(|l| l.split('|').map(str::to_owned).collect())
                .collect(),
            Backend::OneHost => {
                let path = self.dir.path().join("claims").join("tasks.sqlite3");
                let db = rusqlite::Connection::open_with_flags(
                    &path,
                    rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY,
                )
                .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
                db.busy_timeout(Duration::from_secs(5)).unwrap();
                let mut query = db.prepare(sql).unwrap();
                let columns = query.column_count();
                query
                    .query_map([], |row| {
                        (0..columns)
                            .map(|i| {
                                Ok(match row.get_ref(i)? {
                                    rusqlite::types::ValueRef::Null => String::new(),
                                    rusqlite::types::ValueRef::Integer(n) => n.to_string(),
                                    other => other.as_str()?.to_owned(),
                                })
                            })
                            .collect::<rusqlite::Result<Vec<String>>>()
                    })
                    .unwrap()
                    .collect::<rusqlite::Result<Vec<_>>>()
                    .unwrap()
            }
        }
    }

    fn start(&self, id: &str) -> Option<Server> {
        let env = self.env(id);
        let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
        // A restart may find the id still held for a moment: retry briefly.
        let deadline =
            Instant::now() + Duration::from_millis(u64::try_from(CLAIM_TTL_MS * 3).unwrap_or(9000));
        loop {
            match Server::try_start(self.dir.path(), &env) {
                common::Started::Serving(server) => return Some(server),
                common::Started::Exited { code, log } => {
                    // 75: the id is still held (a restart racing its own lease); retry.
                    assert!(
                        code == Some(75) && Instant::now() < deadline,
                        "{id} cannot start ({code:?}):\n{log}"
                    );
                    std::thread::sleep(Duration::from_millis(200));
                }
            }
        }
    }

    fn publish(&self) {
        let addrs = self
            .slots
            .iter()
            .filter_map(|s| s.server.as_ref().map(|server| server.addr))
            .collect();
        *self.live.write().unwrap() = addrs;
    }

    /// Restarts every replica that exited by itself (recording its code).
    fn supervise(&mut self) {
        let mut changed = false;
        for i in 0..self.slots.len() {
            let exited = match self.slots[i].server.as_mut() {
                Some(server) => server.child.try_wait().unwrap().map(|s| s.code()),
                None => None,
            };
            if let Some(code) = exited {
                let id = self.slots[i].id.clone();
                self.exits.push((id.clone(), code));
                self.slots[i].server = self.start(&id);
                changed = true;
            }
        }
        if changed {
            self.publish();
        }
    }

    /// Waits `d`, restarting replicas that exit meanwhile.
    fn run_for(&mut self, d: Duration) {
        let end = Instant::now() + d;
        while Instant::now() < end {
            self.supervise();
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Starts slot `i` again under its own id, as Kubernetes restarts a
    /// container.
    fn restart(&mut self, i: usize) {
        let id = self.slots[i].id.clone();
        self.slots[i].server = self.start(&id);
        self.publish();
    }

    /// A pod replacement: slot `i` is killed and a replica with a new id
    /// takes its place; the old id never comes back.
    fn replace(&mut self, i: usize, new_id: String) {
        drop(self.kill9(i));
        self.slots[i] = Slot {
            server: self.start(&new_id),
            id: new_id,
        };
        self.publish();
    }

    fn kill9(&mut self, i: usize) -> Server {
        let server = self.slots[i].server.take().unwrap();
        self.publish();
        server.signal("KILL");
        server
    }
}

/// Reads what the store holds: requeues, fenced writes, tasks.
fn evidence(fleet: &Fleet, ops: Vec<Op>, outages: Vec<(i64, i64)>) -> Evidence {
    let rows = |sql: &str| fleet.rows(sql);
    let int = |s: &str| s.parse::<i64>().unwrap();
    let postgres = matches!(fleet.backend, Backend::Postgres(_));
    let requeues_sql = if postgres {
        "SELECT id, lease_id, task_id, partition, epoch,
                (extract(epoch FROM lease_expired_at) * 1000)::bigint,
                (extract(epoch FROM requeued_at) * 1000)::bigint
           FROM asyncgate_requeues ORDER BY id"
    } else {
        "SELECT id, lease_id, task_id, partition, epoch, lease_expired_ms, requeued_ms
           FROM asyncgate_requeues ORDER BY id"
    };
    let requeues = rows(requeues_sql)
        .iter()
        .map(|r| Requeue {
            seq: int(&r[0]),
            lease_id: int(&r[1]),
            task_id: int(&r[2]),
            partition: r[3].clone(),
            epoch: int(&r[4]),
            lease_expired_ms: int(&r[5]),
            requeued_ms: int(&r[6]),
        })
        .collect::<Vec<_>>();
    let mut writes: Vec<Fenced> = requeues
        .iter()
        .map(|r| Fenced {
            seq: r.seq,
            kind: "requeue",
            partition: r.partition.clone(),
            epoch: r.epoch,
        })
        .collect();
    for (kind, sql) in [
        (
            "sweep",
            "SELECT id, instance_id, epoch FROM asyncgate_sweeps",
        ),
        (
            "create",
            "SELECT task_id, owner_instance, created_epoch FROM asyncgate_tasks",
        ),
    ] {
        writes.extend(rows(sql).iter().map(|r| Fenced {
            seq: int(&r[0]),
            kind,
            partition: r[1].clone(),
            epoch: int(&r[2]),
        }));
    }
    let tasks_sql = if postgres {
        "SELECT task_id, status, owner_instance,
                CASE WHEN status = 'leased' AND lease_expires_at < now()
                     THEN (extract(epoch FROM now() - lease_expires_at) * 1000)::bigint END
           FROM asyncgate_tasks"
            .to_owned()
    } else {
        let now = now_ms();
        format!(
            "SELECT task_id, status, owner_instance,
                    CASE WHEN status = 'leased' AND lease_expires_ms < {now}
                         THEN {now} - lease_expires_ms END
               FROM asyncgate_tasks"
        )
    };
    let tasks = rows(&tasks_sql)
        .iter()
        .map(|r| Task {
            task_id: int(&r[0]),
            status: r[1].clone(),
            owner: r[2].clone(),
            expired_for_ms: r.get(3).filter(|s| !s.is_empty()).map(|s| int(s)),
        })
        .collect();
    Evidence {
        ops,
        requeues,
        writes,
        tasks,
        bound_ms: BOUND_MS,
        outages,
    }
}

/// The two scenarios run one after the other: each measures how soon
/// leases are requeued, and would slow the other down on a 2-core machine.
static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

fn rounds() -> u32 {
    std::env::var("ASYNCGATE_FAULT_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1)
}

/// One round of faults on a fleet; returns when the store was down, if it was.
type Faults<'a> = dyn FnMut(&mut Fleet, u32) -> Option<(i64, i64)> + 'a;

/// Three replicas on `backend` under the load generator, `faults` run
/// once per round (returning when the store was down), then every lease
/// abandoned at the end left to expire; the history must check clean and
/// show that the run exercised completions, requeues and adoption.
fn checked_run(backend: Backend, faults: &mut Faults<'_>) {
    let _alone = ONE_AT_A_TIME
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let mut fleet = Fleet {
        backend,
        dir: tempfile::tempdir().unwrap(),
        slots: Vec::new(),
        live: Arc::new(RwLock::new(Vec::new())),
        adoption: true,
        exits: Vec::new(),
    };
    for id in ["replica-a", "replica-b", "replica-c"] {
        let server = fleet.start(id);
        fleet.slots.push(Slot {
            id: id.to_owned(),
            server,
        });
    }
    fleet.publish();
    let history = Arc::new(Mutex::new(Vec::new()));
    let stop = Arc::new(AtomicBool::new(false));
    let workers: Vec<_> = (0..6)
        .map(|n| {
            let (live, history, stop) = (
                Arc::clone(&fleet.live),
                Arc::clone(&history),
                Arc::clone(&stop),
            );
            std::thread::spawn(move || worker(n, &live, &history, &stop))
        })
        .collect();

    let mut outages = Vec::new();
    for round in 0..rounds() {
        outages.extend(faults(&mut fleet, round));
    }
    stop.store(true, Ordering::Relaxed);
    for w in workers {
        w.join().unwrap();
    }
    // Let every lease abandoned at the end expire and be swept.
    fleet.run_for(Duration::from_millis(
        u64::try_from(BOUND_MS + 3000).unwrap(),
    ));
    let ops = std::mem::take(&mut *history.lock().unwrap());
    let evidence = evidence(&fleet, ops, outages);
    let violations = history::check(&evidence);

    let count = |f: &dyn Fn(&Op) -> bool| evidence.ops.iter().filter(|op| f(op)).count();
    let by_adopters = fleet
        .rows("SELECT count(*) FROM asyncgate_requeues WHERE swept_by <> partition")[0][0]
        .clone();
    let slowest = evidence
        .requeues
        .iter()
        .map(|r| r.requeued_ms - r.lease_expired_ms)
        .max()
        .unwrap_or(0);
    eprintln!(
        "fault test: {} rounds, {} ops ({} created, {} leased, {} completed, {} refused, {} unknown), {} requeues ({} by adopters; slowest {slowest} ms after expiry, bound {BOUND_MS} ms), replica exits {:?}",
        rounds(),
        evidence.ops.len(),
        count(&|op| matches!(op.outcome, Outcome::Created { .. })),
        count(&|op| matches!(op.outcome, Outcome::Leased { .. })),
        count(&|op| matches!(op.outcome, Outcome::Completed)),
        count(&|op| matches!(op.outcome, Outcome::Refused)),
        count(&|op| matches!(op.outcome, Outcome::Unknown)),
        evidence.requeues.len(),
        by_adopters,
        fleet.exits,
    );
    // A late requeue is shown with its partition and epoch, and the outages.
    let explain = |v: &history::Violation| match v {
        history::Violation::RequeuedLate { lease_id, .. } => {
            let r = evidence.requeues.iter().find(|r| r.lease_id == *lease_id);
            format!("{v} ({r:?}; outages {:?})", evidence.outages)
        }
        _ => v.to_string(),
    };
    assert!(
        violations.is_empty(),
        "{} violations:\n{}",
        violations.len(),
        violations
            .iter()
            .map(explain)
            .collect::<Vec<_>>()
            .join("\n")
    );
    // The run did exercise what it claims to.
    assert!(count(&|op| matches!(op.outcome, Outcome::Completed)) > 50);
    assert!(!evidence.requeues.is_empty());
    assert!(
        by_adopters.parse::<u64>().unwrap() > 0,
        "no partition was ever adopted"
    );
}

#[test]
#[cfg_attr(
    asyncgate_no_postgres,
    ignore = "needs PostgreSQL: install it (pg_ctl) or set ASYNCGATE_TEST_DATABASE_URL"
)]
fn partitions_hold_under_kill_freeze_replacement_and_a_database_restart() {
    let (cluster, url) = OwnCluster::start();
    checked_run(Backend::Postgres(url), &mut |fleet, round| {
        fleet.run_for(Duration::from_secs(3));
        // kill -9, restarted with the same id 2 s later.
        drop(fleet.kill9(0));
        fleet.run_for(Duration::from_secs(2));
        fleet.restart(0);
        fleet.run_for(Duration::from_secs(3));

        // SIGSTOP past the ttl, then SIGCONT: fenced out, exit 69.
        let frozen = fleet.slots[1].server.take().unwrap();
        fleet.publish();
        frozen.signal("STOP");
        std::thread::sleep(Duration::from_millis(
            u64::try_from(CLAIM_TTL_MS).unwrap() + 1500,
        ));
        frozen.signal("CONT");
        let (code, log) = frozen.wait_exit(Duration::from_secs(15));
        assert_eq!(
            code,
            Some(69),
            "the frozen replica must exit 69 once it wakes:\n{log}"
        );
        fleet.restart(1);
        fleet.run_for(Duration::from_secs(3));

        // A pod replacement: the old id is gone for good, a new one starts.
        fleet.replace(2, format!("replica-c{}", round + 2));
        fleet.run_for(Duration::from_secs(4));

        // A PostgreSQL restart: while it is down, nobody can requeue.
        let down = now_ms();
        cluster.down();
        std::thread::sleep(Duration::from_millis(800));
        cluster.up();
        let outage = (down, now_ms());
        fleet.run_for(Duration::from_secs(4));
        Some(outage)
    });
    drop(cluster);
}

/// The same on one host, with the file claim store and the embedded task
/// store: kill -9 (restarted with the same id 2 s later) and a pod
/// replacement (a new id; a peer adopts the old one's partition). No
/// freeze: a frozen holder keeps its lock file (README), so its expired
/// leases wait until it wakes; no database restart: SQLite is a file.
#[test]
fn on_one_host_partitions_hold_under_kill_and_replacement() {
    checked_run(Backend::OneHost, &mut |fleet, round| {
        fleet.run_for(Duration::from_secs(3));
        drop(fleet.kill9(0));
        fleet.run_for(Duration::from_secs(2));
        fleet.restart(0);
        fleet.run_for(Duration::from_secs(3));
        fleet.replace(2, format!("replica-c{}", round + 2));
        fleet.run_for(Duration::from_secs(4));
        None
    });
}

/// A pod replacement under one rule: the old replica's tasks are leased
/// and abandoned, the old pod is killed and a new one (new id) starts;
/// returns the checker's verdict once ttl + sweep + 1 s has passed.
fn replacement(url: &str, adoption: bool) -> (Vec<history::Violation>, Vec<Task>, Option<i64>) {
    let mut fleet = Fleet {
        backend: Backend::Postgres(url.to_owned()),
        dir: tempfile::tempdir().unwrap(),
        slots: Vec::new(),
        live: Arc::new(RwLock::new(Vec::new())),
        adoption,
        exits: Vec::new(),
    };
    for id in ["orders-7d9f8-old", "orders-7d9f8-peer"] {
        let server = fleet.start(id);
        fleet.slots.push(Slot {
            id: id.to_owned(),
            server,
        });
    }
    let old = fleet.slots[0].server.as_ref().unwrap().addr;
    let mut ops = Vec::new();
    for _ in 0..5 {
        let sent = now_ms();
        let (status, json) = exchange(old, "POST", "/v1/tasks", "{}").unwrap();
        assert_eq!(status, 201);
        ops.push(Op {
            worker: "w".to_owned(),
            call: Call::Create,
            outcome: Outcome::Created {
                task_id: json["task_id"].as_i64().unwrap(),
            },
            sent_ms: sent,
            done_ms: now_ms(),
        });
        let (status, json) = exchange(
            old,
            "POST",
            "/v1/leases",
            r#"{"worker_id":"w","ttl_seconds":1}"#,
        )
        .unwrap();
        assert_eq!(status, 200);
        ops.push(Op {
            worker: "w".to_owned(),
            call: Call::Lease,
            outcome: Outcome::Leased {
                lease_id: json["lease_id"].as_i64().unwrap(),
                task_id: json["task_id"].as_i64().unwrap(),
            },
            sent_ms: sent,
            done_ms: now_ms(),
        });
    }
    // The pod is replaced: the old id never comes back.
    fleet.replace(0, "orders-7d9f8-new".to_owned());
    fleet.run_for(Duration::from_millis(
        u64::try_from(BOUND_MS + 2000).unwrap(),
    ));
    let evidence = evidence(&fleet, ops, Vec::new());
    // How long after its expiry the slowest lease was requeued.
    let recovery = evidence
        .requeues
        .iter()
        .map(|r| r.requeued_ms - r.lease_expired_ms)
        .max();
    (history::check(&evidence), evidence.tasks, recovery)
}

#[test]
#[cfg_attr(
    asyncgate_no_postgres,
    ignore = "needs PostgreSQL: install it (pg_ctl) or set ASYNCGATE_TEST_DATABASE_URL"
)]
fn the_originals_rule_strands_a_replaced_pods_tasks_and_adoption_does_not() {
    let url = database_url();
    let _alone = ONE_AT_A_TIME
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let pid = std::process::id();

    // The original's rule: each replica sweeps only its own id.
    let original = fresh_database(&url, &format!("faults_original_{pid}"));
    let (violations, tasks, _) = replacement(&original, false);
    let stranded: Vec<_> = violations
        .iter()
        .filter(|v| matches!(v, history::Violation::Stranded { .. }))
        .collect();
    assert_eq!(stranded.len(), 5, "{violations:?}");
    assert_eq!(violations.len(), 5, "only stranding: {violations:?}");
    assert!(
        tasks
            .iter()
            .all(|t| t.status == "leased" && t.owner == "orders-7d9f8-old")
    );

    // Ours: a live replica adopts the dead id's partition and requeues them.
    let ours = fresh_database(&url, &format!("faults_adoption_{pid}"));
    let (violations, tasks, recovery) = replacement(&ours, true);
    assert_eq!(violations, vec![]);
    eprintln!(
        "stranded-task recovery after a pod replacement: {recovery:?} ms after lease expiry (bound {BOUND_MS} ms)"
    );
    assert!(tasks.iter().all(|t| t.status == "queued"), "{tasks:?}");
    let adopters = psql(
        &ours,
        "SELECT DISTINCT swept_by FROM asyncgate_requeues WHERE partition = 'orders-7d9f8-old'",
    );
    assert!(
        !adopters.is_empty() && !adopters.contains("orders-7d9f8-old"),
        "{adopters}"
    );

    for db in [&original, &ours] {
        let name = db.rsplit('/').next().unwrap();
        psql(
            &url,
            &format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"),
        );
    }
}
