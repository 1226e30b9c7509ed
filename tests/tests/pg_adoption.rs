//! `PgStore::adopt`: a live holder's partition is never adopted; a dead
//! one's is, by exactly one contender, at epoch + 1, and listed with its
//! adopter; the original id started again takes it back at once, and the
//! adopter's fence then fails. Needs PostgreSQL (`ASYNCGATE_TEST_DATABASE_URL`,
//! or a throwaway cluster when PostgreSQL is installed; ignored otherwise).
use std::time::Duration;

use asyncgate_config::InstanceId;
use asyncgate_config::claim::{ClaimError, ClaimStore, PgStore};
use asyncgate_test_support::database_url;

fn id(name: &str) -> InstanceId {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    format!("{name}-{}-{nanos}", std::process::id())
        .parse()
        .unwrap()
}

/// Whether `epoch` still fences writes to `partition`'s id.
async fn fence_holds(
    store: &PgStore,
    partition: &InstanceId,
    epoch: u64,
) -> Result<(), ClaimError> {
    let mut client = store.client().await?;
    let tx = client.transaction().await.unwrap();
    let result = PgStore::fence(&tx, partition, epoch).await;
    tx.rollback().await.unwrap();
    result
}

#[test]
#[cfg_attr(
    asyncgate_no_postgres,
    ignore = "needs PostgreSQL: install it (pg_ctl) or set ASYNCGATE_TEST_DATABASE_URL"
)]
fn adoption_takes_only_dead_partitions_once_and_gives_them_back() {
    let url = database_url();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let store = PgStore::connect(&url, Duration::from_secs(2))
            .await
            .unwrap();
        let dead = id("adopt-dead");
        let (a, b) = (id("adopter-a"), id("adopter-b"));

        // A live holder keeps its partition.
        let held = store.acquire(&dead).await.unwrap();
        assert!(store.adopt(&dead, &a).await.unwrap().is_none());
        // An id nobody ever claimed has no partition to adopt.
        assert!(store.adopt(&id("never"), &a).await.unwrap().is_none());

        // Its holder goes away (released: its lease ends now).
        let first_epoch = held.epoch();
        held.release().await.unwrap();

        // Two contenders at once: exactly one adopts, at epoch + 1.
        let (ra, rb) = tokio::join!(store.adopt(&dead, &a), store.adopt(&dead, &b));
        let mut won: Vec<_> = [ra.unwrap(), rb.unwrap()].into_iter().flatten().collect();
        assert_eq!(won.len(), 1, "exactly one adopter");
        let adopted = won.pop().unwrap();
        assert_eq!(adopted.partition().epoch, first_epoch + 1);
        assert!(
            fence_holds(&store, &dead, adopted.partition().epoch)
                .await
                .is_ok()
        );
        assert!(fence_holds(&store, &dead, first_epoch).await.is_err());
        let listed = store.list().await.unwrap();
        let row = listed
            .iter()
            .find(|c| c.instance_id == dead.as_str())
            .unwrap();
        let adopter = row.adopted_by.clone().unwrap();
        assert!(adopter == a.as_str() || adopter == b.as_str());
        assert!(asyncgate_config::claim::table(&listed).contains(&format!("adopted by {adopter}")));

        // The original id starts again: it takes its partition back at
        // once, and the adopter's fence fails from then on.
        let back = store.acquire(&dead).await.unwrap();
        assert_eq!(back.epoch(), first_epoch + 2);
        let adopted_epoch = adopted.partition().epoch;
        assert!(matches!(
            fence_holds(&store, &dead, adopted_epoch).await,
            Err(ClaimError::Lost { .. })
        ));
        // The adopter learns it at its next renew (a third of the ttl).
        let mut watch = adopted.watch();
        tokio::time::timeout(Duration::from_secs(3), watch.wait())
            .await
            .expect("the adopter learns that its adoption ended");
        let listed = store.list().await.unwrap();
        let row = listed
            .iter()
            .find(|c| c.instance_id == dead.as_str())
            .unwrap();
        assert_eq!(row.adopted_by, None);
        assert!(row.live);
        back.release().await.unwrap();
    });
}
