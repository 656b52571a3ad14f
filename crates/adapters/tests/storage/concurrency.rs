//! Transactions side by side: a dropped transaction leaves nothing, a read keeps its
//! snapshot, and a stale version is a conflict (PL-6, PL-11).

use chrono::Duration;
use clientele_domain::{Client, ClientParts};

use clientele_adapters::testing::fresh_storage;
use clientele_domain::appointment::Slot;
use clientele_ports::{Storage, StorageError};

use crate::helpers::{
    appointment, base_time, booking, business, business_with_site, client, insert_appointments,
    insert_clients, site, stored_appointment, stored_client,
};

#[tokio::test]
async fn pl_6_a_transaction_dropped_without_commit_leaves_nothing() {
    // Arrange
    let (storage, _db) = fresh_storage().await;
    let business = business();
    let site = site(business.id, "Lyon");

    // Act
    {
        let mut tx = storage.begin().await.unwrap();
        tx.insert_business(&business).await.unwrap();
        tx.insert_site(&site).await.unwrap();
        drop(tx);
    }

    // Assert
    let mut tx = storage.read().await.unwrap();
    assert_eq!(tx.business(business.id).await.unwrap(), None);
    assert_eq!(tx.site(business.id, site.id).await.unwrap(), None);
}

#[tokio::test]
async fn a_read_sees_one_snapshot_while_a_write_commits_beside_it() {
    // Arrange: a read has seen the client; then a rename is committed beside it.
    let (storage, _db) = fresh_storage().await;
    let (business, paris) = business_with_site(&storage).await;
    let original = client(business.id, "Ana", "Silva", &[paris.id]);
    insert_clients(&storage, std::slice::from_ref(&original)).await;
    let mut read = storage.read().await.unwrap();
    let seen = read.client(business.id, original.id()).await.unwrap();
    let mut renamed = original.clone();
    renamed = Client::restore(ClientParts {
        last_name: clientele_domain::PersonName::parse("last_name", "Souza").unwrap(),
        ..renamed.into_parts()
    });
    renamed = Client::restore(ClientParts {
        version: original.version().next(),
        ..renamed.into_parts()
    });
    let mut write = storage.begin().await.unwrap();
    write
        .update_client(&renamed, original.version())
        .await
        .unwrap();
    write.commit().await.unwrap();

    // Act
    let seen_again = read.client(business.id, original.id()).await.unwrap();
    drop(read);

    // Assert: the read's snapshot holds; a new read sees the rename.
    assert_eq!(seen, Some(original.clone()));
    assert_eq!(seen_again, Some(original.clone()));
    assert_eq!(stored_client(&storage, &original).await, Some(renamed));
}

#[tokio::test]
async fn pl_11_a_stale_version_is_a_conflict_and_changes_nothing() {
    // Arrange
    let (storage, _db) = fresh_storage().await;
    let (business, paris) = business_with_site(&storage).await;
    let original = client(business.id, "Ana", "Silva", &[paris.id]);
    insert_clients(&storage, std::slice::from_ref(&original)).await;
    let mut first_edit = original.clone();
    first_edit = Client::restore(ClientParts {
        last_name: clientele_domain::PersonName::parse("last_name", "Souza").unwrap(),
        ..first_edit.into_parts()
    });
    first_edit = Client::restore(ClientParts {
        version: original.version().next(),
        ..first_edit.into_parts()
    });
    let mut tx = storage.begin().await.unwrap();
    tx.update_client(&first_edit, original.version())
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let mut stale_edit = original.clone();
    stale_edit = Client::restore(ClientParts {
        first_name: clientele_domain::PersonName::parse("first_name", "Anna").unwrap(),
        ..stale_edit.into_parts()
    });
    stale_edit = Client::restore(ClientParts {
        version: original.version().next(),
        ..stale_edit.into_parts()
    });

    // Act
    let mut tx = storage.begin().await.unwrap();
    let outcome = tx.update_client(&stale_edit, original.version()).await;
    tx.commit().await.unwrap();

    // Assert
    assert!(matches!(outcome, Err(StorageError::VersionConflict)));
    assert_eq!(stored_client(&storage, &original).await, Some(first_edit));
}

#[tokio::test]
async fn pl_11_a_stale_appointment_version_is_a_conflict_and_changes_nothing() {
    // Arrange
    let (storage, _db) = fresh_storage().await;
    let world = booking(&storage).await;
    let t = base_time();
    let original = appointment(&world, world.client.id(), t + Duration::days(1));
    insert_appointments(&storage, std::slice::from_ref(&original)).await;
    let mut moved = original.clone();
    moved
        .reschedule(
            Slot::new(
                t + Duration::days(3),
                t + Duration::days(3) + Duration::hours(1),
            )
            .unwrap(),
            t + Duration::minutes(1),
        )
        .unwrap();
    let mut tx = storage.begin().await.unwrap();
    tx.update_appointment(&moved, original.version())
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let mut stale = original.clone();
    stale.cancel(t + Duration::minutes(2)).unwrap();
    let never_stored = appointment(&world, world.client.id(), t);

    // Act
    let mut tx = storage.begin().await.unwrap();
    let conflict = tx.update_appointment(&stale, original.version()).await;
    let absent = tx
        .update_appointment(&never_stored, never_stored.version())
        .await;
    tx.commit().await.unwrap();

    // Assert
    assert!(matches!(conflict, Err(StorageError::VersionConflict)));
    assert!(matches!(absent, Err(StorageError::NotFound)));
    assert_eq!(stored_appointment(&storage, &original).await, Some(moved));
}
