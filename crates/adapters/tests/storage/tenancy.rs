//! Tenancy: a business never sees or changes another business's records (PL-26).

use clientele_adapters::testing::fresh_storage;
use clientele_domain::{Client, ClientParts};
use clientele_domain::{ClientSort, SiteScope};
use clientele_ports::{Storage, StorageError};

use crate::helpers::{business_with_site, client, query, staff, token};

#[tokio::test]
async fn pl_26_a_business_never_sees_or_changes_another_business_records_by_their_ids() {
    // Arrange
    let (storage, _db) = fresh_storage().await;
    let (owner, owner_site) = business_with_site(&storage).await;
    let member = staff(owner.id, "ines@example.com", "admin", &[owner_site.id]);
    let owner_token = token(owner.id, member.id);
    let owner_client = client(owner.id, "Ana", "Silva", &[owner_site.id]);
    let mut tx = storage.begin().await.unwrap();
    tx.insert_staff(&member).await.unwrap();
    tx.insert_token(&owner_token, "hash-of-secret")
        .await
        .unwrap();
    tx.insert_client(&owner_client).await.unwrap();
    tx.commit().await.unwrap();
    let (other, other_site) = business_with_site(&storage).await;
    let all = SiteScope::All;

    // Act and Assert: reads
    let mut tx = storage.begin().await.unwrap();
    assert_eq!(tx.client(other.id, owner_client.id()).await.unwrap(), None);
    assert_eq!(tx.site(other.id, owner_site.id).await.unwrap(), None);
    assert_eq!(tx.staff_member(other.id, member.id).await.unwrap(), None);
    assert_eq!(tx.token(other.id, owner_token.id).await.unwrap(), None);
    assert_eq!(
        tx.token_by_hash(other.id, "hash-of-secret").await.unwrap(),
        None
    );
    let other_clients = tx
        .clients(other.id, &query(all.clone(), ClientSort::LastName))
        .await
        .unwrap();
    assert!(other_clients.is_empty());
    let other_sites = tx.sites(other.id, &all, None, 10).await.unwrap();
    assert_eq!(other_sites, vec![other_site]);
    assert!(tx.staff(other.id, None, 10).await.unwrap().is_empty());
    assert!(
        tx.tokens(other.id, None, None, 10)
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(tx.count_owners(other.id).await.unwrap(), 0);
    assert_eq!(
        tx.missing_sites(other.id, &[owner_site.id]).await.unwrap(),
        vec![owner_site.id]
    );

    // Act and Assert: writes aimed at the other business's ids
    let mut forged_client = owner_client.clone();
    forged_client = Client::restore(ClientParts {
        business_id: other.id,
        ..forged_client.into_parts()
    });
    let mut forged_site = owner_site.clone();
    forged_site.business_id = other.id;
    let mut forged_member = member.clone();
    forged_member.business_id = other.id;
    forged_member.sites = vec![];
    assert!(matches!(
        tx.update_client(&forged_client, owner_client.version())
            .await,
        Err(StorageError::NotFound)
    ));
    assert!(matches!(
        tx.update_site(&forged_site, owner_site.version).await,
        Err(StorageError::NotFound)
    ));
    assert!(matches!(
        tx.update_staff(&forged_member, member.version).await,
        Err(StorageError::NotFound)
    ));
    assert!(matches!(
        tx.delete_site(other.id, owner_site.id).await,
        Err(StorageError::NotFound)
    ));
    assert!(matches!(
        tx.delete_staff(other.id, member.id).await,
        Err(StorageError::NotFound)
    ));
    assert!(matches!(
        tx.delete_token(other.id, owner_token.id).await,
        Err(StorageError::NotFound)
    ));
    tx.commit().await.unwrap();

    // The owner's records are untouched.
    let mut tx = storage.read().await.unwrap();
    assert_eq!(
        tx.client(owner.id, owner_client.id()).await.unwrap(),
        Some(owner_client)
    );
    assert_eq!(
        tx.site(owner.id, owner_site.id).await.unwrap(),
        Some(owner_site)
    );
    assert_eq!(
        tx.staff_member(owner.id, member.id).await.unwrap(),
        Some(member)
    );
    assert_eq!(
        tx.token_by_hash(owner.id, "hash-of-secret").await.unwrap(),
        Some(owner_token)
    );
}

#[tokio::test]
async fn pl_26_two_businesses_may_use_the_same_site_name_and_staff_email() {
    // Arrange
    let (storage, _db) = fresh_storage().await;
    let (first, _) = business_with_site(&storage).await;
    let (second, _) = business_with_site(&storage).await;

    // Act
    let mut tx = storage.begin().await.unwrap();
    tx.insert_staff(&staff(first.id, "ines@example.com", "owner", &[]))
        .await
        .unwrap();
    tx.insert_staff(&staff(second.id, "ines@example.com", "owner", &[]))
        .await
        .unwrap();
    tx.commit().await.unwrap();

    // Assert (both businesses already hold a site named "Paris Opéra")
    let mut tx = storage.read().await.unwrap();
    assert_eq!(tx.count_owners(first.id).await.unwrap(), 1);
    assert_eq!(tx.count_owners(second.id).await.unwrap(), 1);
}
