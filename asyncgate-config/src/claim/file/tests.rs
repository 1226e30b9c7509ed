use std::os::unix::fs::{MetadataExt, PermissionsExt};

use super::*;
use crate::claim::Trust;

fn block_on<F: std::future::Future>(f: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .expect("a current-thread runtime")
        .block_on(f)
}

fn id(text: &str) -> InstanceId {
    text.parse().unwrap()
}

fn store_error(result: Result<Box<dyn HeldClaim>, ClaimError>) -> String {
    match result {
        Err(ClaimError::Store { reason, .. }) => reason,
        Err(other) => panic!("expected a store error, got {other}"),
        Ok(_) => panic!("expected a store error, got a claim"),
    }
}

/// A temporary directory only its owner can use, as a claim directory must
/// be (`tempfile` makes them 0755).
fn private_dir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o700)).unwrap();
    dir
}

fn is_root() -> bool {
    current_uid().is_ok_and(|uid| uid == 0)
}

#[test]
fn lock_files_are_named_by_the_id_itself() {
    let dir = private_dir();
    let store = FileStore::new(dir.path()).unwrap();
    assert_eq!(
        store.lock_path(&id("web-1:a.b_c")),
        dir.path().join("web-1:a.b_c.lock")
    );
    // Two ids whose old 64-bit hashes collided no longer share anything.
    let a = block_on(store.acquire(&id("worker-a"))).unwrap();
    let b = block_on(store.acquire(&id("worker-b"))).unwrap();
    assert_eq!((a.epoch(), b.epoch()), (1, 1));
    let long = "x".repeat(MAX_ID_LEN + 1);
    assert!(store_error(block_on(store.acquire(&id(&long)))).contains("at most 245"));
}

#[test]
fn second_claimant_is_refused_and_epochs_grow() {
    let dir = private_dir();
    let store = FileStore::new(dir.path()).unwrap();
    let worker = id("worker-a1b2c3d4");
    let first = block_on(store.acquire(&worker)).unwrap();
    assert_eq!(first.epoch(), 1);
    match block_on(store.acquire(&worker)) {
        Err(ClaimError::Held {
            holder: Some(holder),
            epoch: 1,
            ..
        }) => assert_eq!(holder.pid, std::process::id()),
        other => panic!("{other:?}"),
    }
    let listed = block_on(store.list()).unwrap();
    assert_eq!(listed.len(), 1);
    assert!(listed[0].live);
    assert_eq!(listed[0].trust, Trust::Verified);
    block_on(first.release()).unwrap();
    assert!(!block_on(store.list()).unwrap()[0].live);
    let second = block_on(store.acquire(&worker)).unwrap();
    assert_eq!(second.epoch(), 2);
    drop(second);
    assert_eq!(
        block_on(store.acquire(&worker)).unwrap().epoch(),
        3,
        "dropping releases too"
    );
}

#[test]
fn contenders_get_exactly_one_holder_per_round() {
    let dir = private_dir();
    let store = FileStore::new(dir.path()).unwrap();
    let worker = id("worker-contended");
    for round in 0..100 {
        let results: Vec<Result<Box<dyn HeldClaim>, ClaimError>> = std::thread::scope(|s| {
            let handles: Vec<_> = (0..20)
                .map(|_| s.spawn(|| block_on(store.acquire(&worker))))
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
        let holders = results.iter().filter(|r| r.is_ok()).count();
        let others: Vec<String> = results
            .iter()
            .filter_map(|r| r.as_ref().err())
            .filter(|e| !matches!(e, ClaimError::Held { .. }))
            .map(ToString::to_string)
            .collect();
        assert_eq!(holders, 1, "round {round}: {others:?}");
        for result in results {
            match result {
                Ok(held) => assert_eq!(held.epoch(), round + 1),
                Err(ClaimError::Held { .. }) => {}
                Err(other) => panic!("round {round}: {other}"),
            }
        }
    }
}

#[test]
fn the_claim_directory_is_created_private() {
    let parent = private_dir();
    let dir = parent.path().join("claims");
    FileStore::new(&dir).unwrap();
    assert_eq!(std::fs::metadata(&dir).unwrap().mode() & 0o777, 0o700);
}

#[test]
fn a_directory_others_can_write_is_refused_with_the_fix() {
    let dir = private_dir();
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o777)).unwrap();
    let err = FileStore::new(dir.path()).unwrap_err().to_string();
    assert!(
        err.contains("can be read or written by other users (mode 777)"),
        "{err}"
    );
    assert!(
        err.contains(&format!("chmod 700 {}", dir.path().display())),
        "{err}"
    );
}

#[test]
fn a_directory_of_another_user_is_refused() {
    if !is_root() {
        return; // only root can make a directory belong to someone else
    }
    let dir = private_dir();
    // std's chown, not a `chown` process: a fork while another test holds
    // a claim would hold its lock until the child execs, and that test
    // would see a live replica.
    std::os::unix::fs::chown(dir.path(), Some(65534), None).unwrap();
    let err = FileStore::new(dir.path()).unwrap_err().to_string();
    assert!(
        err.contains("belongs to uid 65534, not to this process's uid 0"),
        "{err}"
    );
}

#[test]
fn a_planted_symlink_is_not_followed() {
    let dir = private_dir();
    let store = FileStore::new(dir.path().join("claims")).unwrap();
    let victim = dir.path().join("victim.txt");
    std::fs::write(&victim, "precious").unwrap();
    std::os::unix::fs::symlink(&victim, store.lock_path(&id("web-1"))).unwrap();
    let reason = store_error(block_on(store.acquire(&id("web-1"))));
    assert!(reason.contains("cannot open"), "{reason}");
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "precious");
}

#[test]
fn a_lock_file_that_is_not_ours_is_refused() {
    let dir = private_dir();
    let store = FileStore::new(dir.path()).unwrap();
    let path = store.lock_path(&id("web-1"));
    std::fs::write(dir.path().join("elsewhere"), "").unwrap();
    std::fs::hard_link(dir.path().join("elsewhere"), &path).unwrap();
    let reason = store_error(block_on(store.acquire(&id("web-1"))));
    assert!(reason.contains("(2 links)"), "{reason}");
}

#[test]
fn a_removed_lock_file_ends_the_holders_claim() {
    let dir = private_dir();
    let store = FileStore::new(dir.path())
        .unwrap()
        .check_every(Duration::from_millis(20));
    let worker = id("worker-removed");
    let first = block_on(store.acquire(&worker)).unwrap();
    let mut watch = first.watch();
    std::fs::remove_file(store.lock_path(&worker)).unwrap();
    // A successor can now lock a new file at the path; it waits out two
    // check intervals first ...
    let started = std::time::Instant::now();
    let second = block_on(store.acquire(&worker)).unwrap();
    assert!(
        started.elapsed() >= Duration::from_millis(40),
        "{:?}",
        started.elapsed()
    );
    // ... by which time the first holder has learned that it lost the claim.
    let lost = watch.get();
    assert!(
        lost.as_deref()
            .is_some_and(|r| r.contains("was removed or replaced")),
        "{lost:?}"
    );
    let reason =
        block_on(async { tokio::time::timeout(Duration::from_secs(5), watch.wait()).await })
            .expect("the holder notices within its interval");
    assert!(reason.contains("was removed or replaced"), "{reason}");
    assert_eq!(
        second.epoch(),
        2,
        "epochs continue from the high-water mark"
    );
}

#[test]
fn a_first_claim_does_not_wait_and_writes_the_high_water_mark() {
    let dir = private_dir();
    let store = FileStore::new(dir.path()).unwrap();
    let started = std::time::Instant::now();
    let held = block_on(store.acquire(&id("fresh-1"))).unwrap();
    assert!(
        started.elapsed() < Duration::from_millis(500),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(
        std::fs::read_to_string(dir.path().join("fresh-1.epoch")).unwrap(),
        "1"
    );
    drop(held);
    std::fs::write(dir.path().join("fresh-2.epoch"), "not a number").unwrap();
    assert!(store_error(block_on(store.acquire(&id("fresh-2")))).contains("is not an epoch"));
}

#[test]
fn forged_and_corrupt_records_are_refused() {
    let dir = private_dir();
    let store = FileStore::new(dir.path()).unwrap();
    let worker = id("worker-forged");
    let path = store.lock_path(&worker);
    let forged = |epoch: u64| {
        format!(
            r#"{{"instance_id":"worker-forged","host":"prod-db-01","pid":1,"since_unix":0,"epoch":{epoch}}}"#
        )
    };
    std::fs::write(&path, forged(u64::MAX)).unwrap();
    assert!(store_error(block_on(store.acquire(&worker))).contains("an epoch never wraps"));
    std::fs::write(&path, "not json at all").unwrap();
    assert!(store_error(block_on(store.acquire(&worker))).contains("forged or corrupt"));
    std::fs::write(&path, forged(7).replace("worker-forged", "someone-else")).unwrap();
    assert!(store_error(block_on(store.acquire(&worker))).contains("forged or corrupt"));
    // A plausible forged record is continued (epochs only grow) ...
    std::fs::write(&path, forged(999)).unwrap();
    assert_eq!(block_on(store.acquire(&worker)).unwrap().epoch(), 1000);
    // ... and a forged lower one cannot take epochs back.
    std::fs::write(&path, forged(3)).unwrap();
    assert_eq!(block_on(store.acquire(&worker)).unwrap().epoch(), 1001);
}

#[test]
fn claims_says_what_it_could_verify() {
    let dir = private_dir();
    let store = FileStore::new(dir.path()).unwrap();
    std::fs::write(
        store.lock_path(&id("spoofed")),
        r#"{"instance_id":"spoofed","host":"prod-db-01","pid":1,"since_unix":0,"epoch":999}"#,
    )
    .unwrap();
    std::fs::write(store.lock_path(&id("garbage")), "\u{0}\u{1}").unwrap();
    let held = block_on(store.acquire(&id("mine"))).unwrap();
    let listed = block_on(store.list()).unwrap();
    let trust: Vec<(&str, &Trust)> = listed
        .iter()
        .map(|c| (c.instance_id.as_str(), &c.trust))
        .collect();
    assert_eq!(
        trust,
        [
            ("garbage", &Trust::Unreadable),
            ("mine", &Trust::Verified),
            (
                "spoofed",
                &Trust::AsRecorded("written by a holder naming host prod-db-01".to_owned())
            ),
        ]
    );
    let table = crate::claim::table(&listed);
    assert!(
        table.contains("(as recorded, not verified: written by a holder naming host prod-db-01)"),
        "{table}"
    );
    drop(held);
}

/// A replica that is gone (its lock is free) can be adopted, at the next
/// epoch, by exactly one peer; one that is alive, or never claimed, cannot.
#[test]
fn a_dead_replicas_id_is_adopted_once_at_the_next_epoch() {
    let dir = private_dir();
    let store = FileStore::new(dir.path()).unwrap();
    let (gone, alive, peer) = (id("worker-gone"), id("worker-alive"), id("worker-peer"));
    assert!(store.adopt(&id("worker-never"), &peer).unwrap().is_none());
    let _alive = block_on(store.acquire(&alive)).unwrap();
    assert!(store.adopt(&alive, &peer).unwrap().is_none(), "held: alive");
    // Gone: the kernel freed its lock (a clean stop and kill -9 look alike).
    let first = block_on(store.acquire(&gone)).unwrap();
    assert_eq!(first.epoch(), 1);
    drop(first);
    let adopted = store.adopt(&gone, &peer).unwrap().expect("adoptable");
    assert_eq!(adopted.partition().id, gone);
    assert_eq!(adopted.partition().epoch, 2);
    assert!(
        store.adopt(&gone, &id("worker-other")).unwrap().is_none(),
        "one adopter"
    );
    let listed = block_on(store.list()).unwrap();
    let info = listed
        .iter()
        .find(|c| c.instance_id == "worker-gone")
        .unwrap();
    assert!(info.live);
    assert_eq!(info.adopted_by.as_deref(), Some("worker-peer"));
    block_on(adopted.release()).unwrap();
    let listed = block_on(store.list()).unwrap();
    let info = listed
        .iter()
        .find(|c| c.instance_id == "worker-gone")
        .unwrap();
    assert_eq!(info.adopted_by, None, "a released adoption is history");
}

/// A store checking every 20 ms, and `name`'s claim, taken once and
/// dropped (a dead replica), adopted by `worker-peer`.
fn adopted_by_a_peer(
    name: &str,
) -> (
    tempfile::TempDir,
    FileStore,
    InstanceId,
    crate::claim::Adopted,
) {
    let dir = private_dir();
    let store = FileStore::new(dir.path())
        .unwrap()
        .check_every(Duration::from_millis(20));
    let gone = id(name);
    drop(block_on(store.acquire(&gone)).unwrap());
    let adopted = store.adopt(&gone, &id("worker-peer")).unwrap().unwrap();
    (dir, store, gone, adopted)
}

/// The adopted id starting again takes its partition back: the adoption's
/// watch fires, its lock goes, the id holds the next epoch; and the wait
/// is bounded by two check intervals.
#[test]
fn the_adopted_id_starting_again_takes_it_back() {
    let (_dir, store, gone, adopted) = adopted_by_a_peer("worker-back");
    let peer = id("worker-peer");
    let mut watch = adopted.watch();
    let started = std::time::Instant::now();
    let back = block_on(store.acquire(&gone)).expect("taken back");
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(back.epoch(), 3, "past the adoption's epoch 2");
    let reason =
        block_on(async { tokio::time::timeout(Duration::from_secs(5), watch.wait()).await })
            .expect("the adopter learns it");
    assert!(reason.contains("taken back"), "{reason}");
    assert!(
        !store.take_back_path(&gone).exists(),
        "the request is removed"
    );
    // The adopter cannot take it again while the id holds it.
    assert!(store.adopt(&gone, &peer).unwrap().is_none());
    // A plain holder is still refused: only an adoption is taken back.
    assert!(matches!(
        block_on(store.acquire(&gone)),
        Err(ClaimError::Held { .. })
    ));
}

/// The wait for a take-back runs on Tokio's blocking pool: on a
/// current-thread runtime, other tasks keep running meanwhile.
#[test]
fn taking_back_does_not_stop_the_runtimes_other_tasks() {
    use std::sync::atomic::{AtomicUsize, Ordering};
    let (_dir, store, gone, _adopted) = adopted_by_a_peer("worker-busy");
    let ticks = Arc::new(AtomicUsize::new(0));
    let (back, waited, ticked) = block_on(async {
        let counter = ticks.clone();
        let ticker = tokio::spawn(async move {
            loop {
                tokio::time::sleep(Duration::from_millis(1)).await;
                counter.fetch_add(1, Ordering::Relaxed);
            }
        });
        let started = std::time::Instant::now();
        let back = store.acquire(&gone).await;
        let ticked = ticks.load(Ordering::Relaxed);
        ticker.abort();
        (back, started.elapsed(), ticked)
    });
    assert_eq!(back.expect("taken back").epoch(), 3);
    // The claim polls every 10 ms until the adopter lets go.
    assert!(waited >= Duration::from_millis(10), "{waited:?}");
    assert!(
        ticked >= 3,
        "{ticked} ticks in {waited:?}: the runtime was blocked"
    );
}

/// A take-back request left by a process that died does not end the next
/// adoption at once.
#[test]
fn a_stale_take_back_request_is_cleared_by_the_next_adoption() {
    let dir = private_dir();
    let store = FileStore::new(dir.path())
        .unwrap()
        .check_every(Duration::from_millis(10));
    let (gone, peer) = (id("worker-stale"), id("worker-peer"));
    drop(block_on(store.acquire(&gone)).unwrap());
    std::fs::write(store.take_back_path(&gone), "worker-peer").unwrap();
    std::thread::sleep(store.take_back_wait() + Duration::from_millis(50));
    let adopted = store.adopt(&gone, &peer).unwrap().unwrap();
    std::thread::sleep(Duration::from_millis(100));
    assert!(!adopted.watch().is_set(), "{:?}", adopted.watch().get());
}

/// A forged record cannot write control characters to the operator's
/// terminal through `claims`.
#[test]
fn the_claims_table_escapes_what_records_say() {
    let dir = private_dir();
    let store = FileStore::new(dir.path()).unwrap();
    let (gone, peer) = (id("worker-forged"), id("worker-peer"));
    drop(block_on(store.acquire(&gone)).unwrap());
    let _adopted = store.adopt(&gone, &peer).unwrap().unwrap();
    let mut claims = block_on(store.list()).unwrap();
    claims[0].adopted_by = Some("evil\u{1b}[2J".to_owned());
    let table = crate::claim::table(&claims);
    assert!(!table.contains('\u{1b}'), "{table:?}");
    assert!(table.contains("adopted by evil\\u{1b}[2J"), "{table}");
}
