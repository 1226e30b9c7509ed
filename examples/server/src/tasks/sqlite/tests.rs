use super::*;

fn partition(id: &str, epoch: u64) -> Partition {
    Partition {
        id: id.parse().unwrap(),
        epoch,
    }
}

const LIMITS: LeaseLimits = LeaseLimits {
    max_ttl: Duration::from_secs(60),
    max_renewals: 2,
    max_lifetime: Duration::from_secs(600),
};

#[cfg(unix)]
#[test]
fn the_local_store_and_its_journal_files_are_readable_by_their_owner_only() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("tasks.sqlite3");
    let me = partition("node-a", 1);
    let store = SqliteFile::open(&path, &me).unwrap();
    store.create(&me, "{\"secret\":\"payload\"}").unwrap();
    for name in ["tasks.sqlite3", "tasks.sqlite3-wal", "tasks.sqlite3-shm"] {
        let file = dir.path().join(name);
        if let Ok(meta) = std::fs::metadata(&file) {
            assert_eq!(meta.permissions().mode() & 0o777, 0o600, "{name}");
        } else {
            assert_ne!(name, "tasks.sqlite3", "the store file exists");
        }
    }
    drop(store);
    // A store file others can read is refused, with the fix.
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
    let Err(TaskError::Store(why)) = SqliteFile::open(&path, &me) else {
        panic!("a 0644 store file must be refused");
    };
    assert!(
        why.contains("mode 0644") && why.contains("chmod 600"),
        "{why}"
    );
}

#[test]
fn local_store_leases_completes_once_and_requeues_without_an_attempt() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("tasks.sqlite3");
    let me = partition("node-a", 3);
    let store = SqliteFile::open(&path, &me).unwrap();
    let task = store.create(&me, "{\"n\":1}").unwrap();
    let lease = store
        .lease("w1", Duration::from_millis(1))
        .unwrap()
        .unwrap();
    assert_eq!(lease.task_id, task);
    assert_eq!(store.lease("w2", Duration::from_secs(5)).unwrap(), None);
    std::thread::sleep(Duration::from_millis(5));
    // Expired: it cannot be completed or renewed, and the sweep requeues it.
    assert!(!store.complete(lease.lease_id).unwrap());
    assert_eq!(
        store
            .renew(lease.lease_id, Duration::from_secs(5), LIMITS)
            .unwrap(),
        Renewed::Refused("the lease has expired")
    );
    let by: InstanceId = "node-a".parse().unwrap();
    assert_eq!(store.sweep(&me, &by, Duration::ZERO).unwrap(), 1);
    assert_eq!(store.sweep(&me, &by, Duration::ZERO).unwrap(), 0);
    let view = store.get(task).unwrap().unwrap();
    assert_eq!(
        (view.status.as_str(), view.attempt, view.requeues),
        ("queued", 0, 1)
    );
    // Leased again: renewals are bounded; completion happens once.
    let lease = store.lease("w2", Duration::from_secs(5)).unwrap().unwrap();
    assert!(lease.lease_id > 0);
    for _ in 0..2 {
        assert!(matches!(
            store
                .renew(lease.lease_id, Duration::from_secs(5), LIMITS)
                .unwrap(),
            Renewed::Until(_)
        ));
    }
    assert_eq!(
        store
            .renew(lease.lease_id, Duration::from_secs(5), LIMITS)
            .unwrap(),
        Renewed::Refused("the lease has had max_lease_renewals renewals")
    );
    assert!(store.complete(lease.lease_id).unwrap());
    assert!(!store.complete(lease.lease_id).unwrap());
    assert_eq!(store.get(task).unwrap().unwrap().status, "completed");
}

#[test]
fn a_stale_epoch_is_fenced_out_of_the_local_store() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("tasks.sqlite3");
    let old = partition("node-a", 1);
    let stale = SqliteFile::open(&path, &old).unwrap();
    // The same id claimed again at a later epoch by another process.
    let _new = SqliteFile::open(&path, &partition("node-a", 2)).unwrap();
    let by: InstanceId = "node-a".parse().unwrap();
    assert!(matches!(
        stale.create(&old, "{}"),
        Err(TaskError::Fenced(_))
    ));
    assert!(matches!(
        stale.sweep(&old, &by, Duration::ZERO),
        Err(TaskError::Fenced(_))
    ));
    // A later open never moves the recorded epoch back.
    let _late = SqliteFile::open(&path, &old).unwrap();
    assert!(matches!(
        stale.create(&old, "{}"),
        Err(TaskError::Fenced(_))
    ));
}

/// Adoption on the embedded store: the dead owner's expired leases make
/// it a candidate; the adopter enters at a higher epoch, which fences
/// the dead owner's epoch out; the owner back at a higher one fences
/// the adopter out.
#[test]
fn local_store_finds_candidates_and_fences_by_the_highest_epoch() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("tasks.sqlite3");
    let (dead, peer) = (partition("node-a", 1), partition("node-b", 1));
    let store = SqliteFile::open(&path, &dead).unwrap();
    let peers = SqliteFile::open(&path, &peer).unwrap();
    store.create(&dead, "{}").unwrap();
    let lease = store
        .lease("w1", Duration::from_millis(1))
        .unwrap()
        .unwrap();
    assert!(peers.has_leased("node-a").unwrap());
    std::thread::sleep(Duration::from_millis(5));
    let except = ["node-b".to_owned()];
    assert_eq!(
        peers
            .owners_with_expired_leases(&except, Duration::ZERO)
            .unwrap(),
        ["node-a"]
    );
    assert!(
        peers
            .owners_with_expired_leases(&except, Duration::from_secs(60))
            .unwrap()
            .is_empty(),
        "within the grace"
    );
    // node-b adopts node-a at epoch 2: node-a's epoch 1 is fenced out.
    let adopted = partition("node-a", 2);
    peers.enter(&adopted).unwrap();
    assert!(matches!(
        store.sweep(&dead, &dead.id, Duration::ZERO),
        Err(TaskError::Fenced(_))
    ));
    assert_eq!(peers.sweep(&adopted, &peer.id, Duration::ZERO).unwrap(), 1);
    assert!(!peers.has_leased("node-a").unwrap());
    assert!(!peers.complete(lease.lease_id).unwrap(), "requeued");
    // node-a back at epoch 3: the adoption's epoch 2 is fenced out.
    let back = partition("node-a", 3);
    let _ = SqliteFile::open(&path, &back).unwrap();
    assert!(matches!(
        peers.sweep(&adopted, &peer.id, Duration::ZERO),
        Err(TaskError::Fenced(_))
    ));
}

/// A host whose uptime, wall clock and boot a test sets.
#[derive(Debug)]
struct FakeHost {
    boot: std::sync::Mutex<String>,
    uptime_ms: std::sync::atomic::AtomicI64,
    wall_ms: std::sync::atomic::AtomicI64,
}

impl FakeHost {
    /// Up for an hour, on 2026-12-04.
    fn new() -> Arc<FakeHost> {
        Arc::new(FakeHost {
            boot: std::sync::Mutex::new("boot-1".to_owned()),
            uptime_ms: 3_600_000.into(),
            wall_ms: 1_796_000_000_000.into(),
        })
    }

    /// Time passes: uptime and wall clock both move on.
    fn pass(&self, ms: i64) {
        use std::sync::atomic::Ordering::SeqCst;
        self.uptime_ms.fetch_add(ms, SeqCst);
        self.wall_ms.fetch_add(ms, SeqCst);
    }

    /// The wall clock is stepped; uptime does not move.
    fn step_wall(&self, ms: i64) {
        self.wall_ms
            .fetch_add(ms, std::sync::atomic::Ordering::SeqCst);
    }

    /// The host restarts after `down_ms`, its wall clock then off by `skew_ms`.
    fn reboot(&self, down_ms: i64, skew_ms: i64) {
        use std::sync::atomic::Ordering::SeqCst;
        let mut boot = self.boot.lock().unwrap();
        *boot = format!("{boot}+1");
        drop(boot);
        self.uptime_ms.store(5_000, SeqCst);
        self.wall_ms.fetch_add(down_ms + 5_000 + skew_ms, SeqCst);
    }
}

impl HostTime for FakeHost {
    fn boot_id(&self) -> Option<String> {
        Some(self.boot.lock().unwrap().clone())
    }
    fn uptime_ms(&self) -> Option<i64> {
        Some(self.uptime_ms.load(std::sync::atomic::Ordering::SeqCst))
    }
    fn wall_ms(&self) -> i64 {
        self.wall_ms.load(std::sync::atomic::Ordering::SeqCst)
    }
}

/// The same host, telling no uptime: the store falls back to the wall
/// clock, as it did before it had a clock of its own.
#[derive(Debug)]
struct WallOnly(Arc<FakeHost>);

impl HostTime for WallOnly {
    fn boot_id(&self) -> Option<String> {
        None
    }
    fn uptime_ms(&self) -> Option<i64> {
        None
    }
    fn wall_ms(&self) -> i64 {
        self.0.wall_ms()
    }
}

const HOUR_MS: i64 = 3_600_000;

/// One task leased for 30 s on a store opened on `host`.
fn leased_on(dir: &std::path::Path, host: Arc<dyn HostTime>) -> (SqliteFile, Partition, Lease) {
    let me = partition("node-a", 1);
    let store = SqliteFile::open_on(&dir.join("tasks.sqlite3"), &me, host).unwrap();
    store.create(&me, "{}").unwrap();
    let lease = store.lease("w", Duration::from_secs(30)).unwrap().unwrap();
    (store, me, lease)
}

#[test]
fn a_wall_clock_step_neither_expires_a_live_lease_nor_extends_a_dead_one() {
    let dir = tempfile::tempdir().unwrap();
    let host = FakeHost::new();
    let (store, me, lease) = leased_on(dir.path(), host.clone());
    // The wall clock jumps an hour ahead (NTP's first sync, `date -s`).
    host.step_wall(HOUR_MS);
    host.pass(1_000);
    assert_eq!(store.sweep(&me, &me.id, Duration::ZERO).unwrap(), 0);
    assert!(matches!(
        store
            .renew(lease.lease_id, Duration::from_secs(30), LIMITS)
            .unwrap(),
        Renewed::Until(_)
    ));
    // Stepped back two hours: the lease still ends 30 s after its renewal.
    host.step_wall(-2 * HOUR_MS);
    host.pass(31_000);
    assert_eq!(store.sweep(&me, &me.id, Duration::ZERO).unwrap(), 1);
}

/// The hazard the store's clock removes, shown on the wall clock itself.
#[test]
fn on_the_wall_clock_alone_a_step_forward_requeues_a_live_lease() {
    let dir = tempfile::tempdir().unwrap();
    let host = FakeHost::new();
    let (store, me, _lease) = leased_on(dir.path(), Arc::new(WallOnly(host.clone())));
    host.step_wall(HOUR_MS);
    assert_eq!(store.sweep(&me, &me.id, Duration::ZERO).unwrap(), 1);
}

#[test]
fn after_a_reboot_store_time_counts_the_downtime_and_never_goes_back() {
    let dir = tempfile::tempdir().unwrap();
    let host = FakeHost::new();
    let (store, me, lease) = leased_on(dir.path(), host.clone());
    host.pass(10_000);
    assert_eq!(store.sweep(&me, &me.id, Duration::ZERO).unwrap(), 0);
    let before = store.clock.now_ms();
    drop(store);
    // Down ten minutes, and the clock comes back a day slow (a dead RTC
    // battery): store time does not go back, and the lease's 20 s left
    // still run out.
    host.reboot(600_000, -24 * HOUR_MS);
    let store = SqliteFile::open_on(&dir.path().join("tasks.sqlite3"), &me, host.clone()).unwrap();
    assert!(store.clock.now_ms() >= before);
    assert_eq!(store.sweep(&me, &me.id, Duration::ZERO).unwrap(), 0);
    host.pass(21_000);
    assert_eq!(store.sweep(&me, &me.id, Duration::ZERO).unwrap(), 1);
    assert_eq!(store.get(lease.task_id).unwrap().unwrap().status, "queued");
    drop(store);
    // A reboot with a right clock: the downtime counts, as real time.
    let again = dir.path().join("again");
    std::fs::create_dir_all(&again).unwrap();
    let (store, me, _) = leased_on(&again, host.clone());
    host.reboot(HOUR_MS, 0);
    drop(store);
    let store = SqliteFile::open_on(&again.join("tasks.sqlite3"), &me, host).unwrap();
    assert_eq!(store.sweep(&me, &me.id, Duration::ZERO).unwrap(), 1);
}
