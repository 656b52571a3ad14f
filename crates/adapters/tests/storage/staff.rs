//! Staff members: unique emails, their sites, and what deleting one removes.

use chrono::Duration;

use clientele_adapters::testing::fresh_storage;
use clientele_domain::staff::{StaffDetails, StaffInput};
use clientele_ports::{Storage, StorageError};

use crate::helpers::{base_time, business_with_site, site, staff, token};

#[tokio::test]
async fn a_staff_email_that_differs_only_by_case_is_a_duplicate_staff_email() {
    // Arrange
    let (storage, _db) = fresh_storage().await;
    let (business, _) = business_with_site(&storage).await;
    let mut tx = storage.begin().await.unwrap();
    tx.insert_staff(&staff(business.id, "Ines@Example.com", "owner", &[]))
        .await
        .unwrap();
    tx.commit().await.unwrap();

    // Act
    let mut tx = storage.begin().await.unwrap();
    let outcome = tx
        .insert_staff(&staff(business.id, "ines@example.COM", "admin", &[]))
        .await;

    // Assert
    assert!(matches!(
        outcome,
        Err(StorageError::Duplicate("staff_email"))
    ));
}

#[tokio::test]
async fn a_staff_member_round_trips_with_sites_and_an_update_replaces_them() {
    // Arrange
    let (storage, _db) = fresh_storage().await;
    let (business, paris) = business_with_site(&storage).await;
    let lyon = site(business.id, "Lyon");
    let mut tx = storage.begin().await.unwrap();
    tx.insert_site(&lyon).await.unwrap();
    tx.commit().await.unwrap();
    let member = staff(
        business.id,
        "ines@example.com",
        "admin",
        &[paris.id, lyon.id],
    );
    let owner = staff(business.id, "owner@example.com", "owner", &[]);
    let mut tx = storage.begin().await.unwrap();
    tx.insert_staff(&member).await.unwrap();
    tx.insert_staff(&owner).await.unwrap();
    tx.commit().await.unwrap();
    let mut changed = member.clone();
    changed.replace(
        StaffDetails::parse(&StaffInput {
            name: "Inès Moreau-Blanc".into(),
            email: "ines.moreau@example.com".into(),
            role: "staff".into(),
            sites: vec![lyon.id],
        })
        .unwrap(),
        base_time() + Duration::minutes(1),
    );

    // Act
    let mut tx = storage.begin().await.unwrap();
    let stored = tx.staff_member(business.id, member.id).await.unwrap();
    tx.update_staff(&changed, member.version).await.unwrap();
    let stale = tx.update_staff(&changed, member.version).await;
    tx.commit().await.unwrap();

    // Assert
    assert_eq!(stored, Some(member));
    assert!(matches!(stale, Err(StorageError::VersionConflict)));
    let mut tx = storage.read().await.unwrap();
    let mut expected = vec![changed, owner];
    expected.sort_by_key(|m| m.id);
    assert_eq!(tx.staff(business.id, None, 10).await.unwrap(), expected);
    assert_eq!(
        tx.staff(business.id, Some(expected[0].id), 10)
            .await
            .unwrap(),
        vec![expected[1].clone()]
    );
    assert_eq!(tx.count_owners(business.id).await.unwrap(), 1);
}

#[tokio::test]
async fn deleting_a_staff_member_removes_their_tokens_and_frees_their_sites() {
    // Arrange
    let (storage, _db) = fresh_storage().await;
    let (business, paris) = business_with_site(&storage).await;
    let leaving = staff(business.id, "leaving@example.com", "staff", &[paris.id]);
    let staying = staff(business.id, "staying@example.com", "owner", &[]);
    let leaving_token = token(business.id, leaving.id);
    let staying_token = token(business.id, staying.id);
    let mut tx = storage.begin().await.unwrap();
    tx.insert_staff(&leaving).await.unwrap();
    tx.insert_staff(&staying).await.unwrap();
    tx.insert_token(&leaving_token, "hash-leaving")
        .await
        .unwrap();
    tx.insert_token(&staying_token, "hash-staying")
        .await
        .unwrap();
    tx.commit().await.unwrap();

    // Act
    let mut tx = storage.begin().await.unwrap();
    tx.delete_staff(business.id, leaving.id).await.unwrap();
    let again = tx.delete_staff(business.id, leaving.id).await;
    tx.commit().await.unwrap();

    // Assert
    assert!(matches!(again, Err(StorageError::NotFound)));
    let mut tx = storage.begin().await.unwrap();
    assert_eq!(tx.token(business.id, leaving_token.id).await.unwrap(), None);
    assert_eq!(
        tx.token_by_hash(business.id, "hash-leaving").await.unwrap(),
        None
    );
    assert_eq!(
        tx.tokens(business.id, None, None, 10).await.unwrap(),
        vec![staying_token]
    );
    tx.delete_site(business.id, paris.id).await.unwrap();
}
