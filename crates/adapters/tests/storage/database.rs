//! Connecting to a database and migrating it.

use uuid::Uuid;

use clientele_adapters::SeaStorage;
use clientele_adapters::testing::{fresh_database, fresh_storage};
use clientele_ports::{Storage, StorageError};

use crate::helpers::business_with_site;

#[tokio::test]
async fn migrating_twice_is_a_no_op_and_leaves_the_storage_ready() {
    // Arrange
    let (storage, _db) = fresh_storage().await;
    let (business, _site) = business_with_site(&storage).await;

    // Act
    storage.migrate().await.unwrap();

    // Assert
    storage.ready().await.unwrap();
    let mut tx = storage.read().await.unwrap();
    assert_eq!(tx.business(business.id).await.unwrap(), Some(business));
}

#[tokio::test]
async fn storage_is_not_ready_until_the_database_is_migrated() {
    // Arrange
    let db = fresh_database().await;
    let storage = SeaStorage::connect(db.url()).await.unwrap();

    // Act
    let before = storage.ready().await;
    storage.migrate().await.unwrap();
    let after = storage.ready().await;

    // Assert
    assert!(matches!(before, Err(StorageError::Unexpected(_))));
    after.unwrap();
}

#[tokio::test]
async fn connecting_to_an_unsupported_database_is_a_clear_error() {
    let error = SeaStorage::connect("mysql://root@localhost/clientele")
        .await
        .unwrap_err();
    assert!(
        error
            .to_string()
            .contains("unsupported database URL scheme `mysql`")
    );
}

#[tokio::test]
async fn a_sqlite_database_is_created_with_its_directory() {
    // Arrange
    let dir = std::env::temp_dir()
        .join("clientele-tests")
        .join(Uuid::new_v4().simple().to_string());
    let url = format!("sqlite://{}/nested/clientele.db", dir.display());

    // Act
    let storage = SeaStorage::connect(&url).await.unwrap();
    storage.migrate().await.unwrap();

    // Assert
    storage.ready().await.unwrap();
    assert!(dir.join("nested/clientele.db").exists());
    storage.close().await.unwrap();
    std::fs::remove_dir_all(dir).unwrap();
}
