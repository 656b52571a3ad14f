//! Businesses and the one-time bootstrap.

use chrono::Duration;

use clientele_adapters::testing::fresh_storage;
use clientele_domain::{BusinessId, Currency, TimeZone};
use clientele_ports::{Storage, StorageError};

use crate::helpers::{base_time, business, new_uuid};

#[tokio::test]
async fn a_business_round_trips_updates_with_its_version_and_lists_by_id() {
    // Also: a conflict or a duplicate leaves the transaction usable, so the update made
    // before them in the same transaction still commits (PostgreSQL would otherwise abort
    // the transaction at the first error).
    // Arrange
    let (storage, _db) = fresh_storage().await;
    let first = business();
    let second = business();
    let mut tx = storage.begin().await.unwrap();
    tx.insert_business(&first).await.unwrap();
    tx.insert_business(&second).await.unwrap();
    tx.commit().await.unwrap();
    let mut changed = first.clone();
    changed.apply(
        clientele_domain::business::SettingsChanges {
            time_zone: Some(TimeZone::parse("America/Montreal").unwrap()),
            currency: Some(Currency::parse("CAD").unwrap()),
            merge_on_identical_name: Some(true),
            ..Default::default()
        },
        base_time() + Duration::minutes(1),
    );

    // Act
    let mut tx = storage.begin().await.unwrap();
    tx.update_business(&changed, first.version).await.unwrap();
    let stale = tx.update_business(&changed, first.version).await;
    let duplicate = tx.insert_business(&first).await;
    tx.commit().await.unwrap();

    // Assert
    assert!(matches!(stale, Err(StorageError::VersionConflict)));
    assert!(matches!(
        duplicate,
        Err(StorageError::Duplicate("business"))
    ));
    let mut tx = storage.read().await.unwrap();
    assert_eq!(tx.business(first.id).await.unwrap(), Some(changed.clone()));
    let all = tx.businesses(None, 10).await.unwrap();
    assert_eq!(all, vec![changed, second.clone()]);
    assert_eq!(
        tx.businesses(Some(first.id), 10).await.unwrap(),
        vec![second]
    );
}

#[tokio::test]
async fn record_bootstrap_twice_is_a_duplicate_bootstrap() {
    // Arrange
    let (storage, _db) = fresh_storage().await;
    let first = BusinessId::from_uuid(new_uuid());
    let mut tx = storage.begin().await.unwrap();
    assert_eq!(tx.bootstrap_business().await.unwrap(), None);
    tx.record_bootstrap(first, base_time()).await.unwrap();
    tx.commit().await.unwrap();

    // Act
    let mut tx = storage.begin().await.unwrap();
    let second = tx
        .record_bootstrap(BusinessId::from_uuid(new_uuid()), base_time())
        .await;
    // The duplicate leaves the transaction usable (on PostgreSQL too).
    let recorded = tx.bootstrap_business().await.unwrap();
    tx.commit().await.unwrap();

    // Assert
    assert!(matches!(second, Err(StorageError::Duplicate("bootstrap"))));
    assert_eq!(recorded, Some(first));
    let mut tx = storage.read().await.unwrap();
    assert_eq!(tx.bootstrap_business().await.unwrap(), Some(first));
}
