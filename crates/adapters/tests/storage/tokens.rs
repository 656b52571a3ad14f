//! API tokens: found by hash, listed per member, deleted once.

use clientele_adapters::testing::fresh_storage;
use clientele_ports::{Storage, StorageError};

use crate::helpers::{business_with_site, staff, token};

#[tokio::test]
async fn tokens_are_found_by_hash_listed_per_member_and_deleted_once() {
    // Arrange
    let (storage, _db) = fresh_storage().await;
    let (business, _) = business_with_site(&storage).await;
    let ines = staff(business.id, "ines@example.com", "owner", &[]);
    let bruno = staff(business.id, "bruno@example.com", "owner", &[]);
    let first = token(business.id, ines.id);
    let second = token(business.id, ines.id);
    let brunos = token(business.id, bruno.id);
    let mut tx = storage.begin().await.unwrap();
    tx.insert_staff(&ines).await.unwrap();
    tx.insert_staff(&bruno).await.unwrap();
    tx.insert_token(&first, "hash-1").await.unwrap();
    tx.insert_token(&second, "hash-2").await.unwrap();
    tx.insert_token(&brunos, "hash-3").await.unwrap();
    tx.commit().await.unwrap();

    // Act
    let mut tx = storage.begin().await.unwrap();
    let duplicate = tx
        .insert_token(&token(business.id, bruno.id), "hash-1")
        .await;
    drop(tx);
    let mut tx = storage.begin().await.unwrap();
    let by_hash = tx.token_by_hash(business.id, "hash-2").await.unwrap();
    let ines_tokens = tx
        .tokens(business.id, Some(ines.id), None, 10)
        .await
        .unwrap();
    let after_first = tx
        .tokens(business.id, None, Some(first.id), 1)
        .await
        .unwrap();
    tx.delete_token(business.id, first.id).await.unwrap();
    let again = tx.delete_token(business.id, first.id).await;
    tx.commit().await.unwrap();

    // Assert
    assert!(matches!(duplicate, Err(StorageError::Duplicate("token"))));
    assert_eq!(by_hash, Some(second.clone()));
    assert_eq!(ines_tokens, vec![first, second.clone()]);
    assert_eq!(after_first, vec![second]);
    assert!(matches!(again, Err(StorageError::NotFound)));
}
