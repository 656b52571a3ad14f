//! Sites: unique names, listing within scope, and deletion only when unused.

use chrono::Duration;

use clientele_adapters::testing::fresh_storage;
use clientele_domain::site::{SiteDetails, SiteInput};
use clientele_domain::{Site, SiteId, SiteScope};
use clientele_ports::{Storage, StorageError};

use crate::helpers::{base_time, business, business_with_site, client, new_uuid, site, staff};

#[tokio::test]
async fn a_site_name_that_differs_only_by_case_or_accents_is_a_duplicate_site_name() {
    // Arrange
    let (storage, _db) = fresh_storage().await;
    let (business, paris) = business_with_site(&storage).await;
    let lyon = site(business.id, "Lyon");
    let mut tx = storage.begin().await.unwrap();
    tx.insert_site(&lyon).await.unwrap();
    tx.commit().await.unwrap();
    let mut renamed = lyon.clone();
    renamed.replace(
        SiteDetails::parse(&SiteInput {
            name: "PARIS  opera".into(),
            address: None,
        })
        .unwrap(),
        base_time() + Duration::minutes(1),
    );

    // Act
    let mut tx = storage.begin().await.unwrap();
    let inserted = tx.insert_site(&site(business.id, "paris OPERA")).await;
    drop(tx);
    let mut tx = storage.begin().await.unwrap();
    let updated = tx.update_site(&renamed, lyon.version).await;
    drop(tx);

    // Assert
    assert!(matches!(
        inserted,
        Err(StorageError::Duplicate("site_name"))
    ));
    assert!(matches!(updated, Err(StorageError::Duplicate("site_name"))));
    let mut tx = storage.read().await.unwrap();
    assert_eq!(tx.site(business.id, paris.id).await.unwrap(), Some(paris));
    assert_eq!(tx.site(business.id, lyon.id).await.unwrap(), Some(lyon));
}

#[tokio::test]
async fn sites_list_by_id_within_scope_and_the_first_site_is_the_oldest() {
    // Arrange
    let (storage, _db) = fresh_storage().await;
    let business = business();
    let mut sites: Vec<Site> = ["C", "A", "B"]
        .iter()
        .enumerate()
        .map(|(i, name)| {
            let mut s = site(business.id, name);
            s.created_at = base_time() - Duration::seconds(i as i64);
            s.updated_at = s.created_at;
            s
        })
        .collect();
    let mut tx = storage.begin().await.unwrap();
    tx.insert_business(&business).await.unwrap();
    for s in &sites {
        tx.insert_site(s).await.unwrap();
    }
    tx.commit().await.unwrap();
    let oldest = sites[2].id;
    sites.sort_by_key(|s| s.id);
    let absent = SiteId::from_uuid(new_uuid());

    // Act
    let mut tx = storage.read().await.unwrap();
    let all = tx
        .sites(business.id, &SiteScope::All, None, 10)
        .await
        .unwrap();
    let after_first = tx
        .sites(business.id, &SiteScope::All, Some(sites[0].id), 1)
        .await
        .unwrap();
    let only = tx
        .sites(business.id, &SiteScope::Only(vec![sites[2].id]), None, 10)
        .await
        .unwrap();
    let none = tx
        .sites(business.id, &SiteScope::Only(vec![]), None, 10)
        .await
        .unwrap();
    let missing = tx
        .missing_sites(business.id, &[sites[1].id, absent])
        .await
        .unwrap();
    let first = tx.first_site(business.id).await.unwrap();

    // Assert
    assert_eq!(all, sites);
    assert_eq!(after_first, vec![sites[1].clone()]);
    assert_eq!(only, vec![sites[2].clone()]);
    assert!(none.is_empty());
    assert_eq!(missing, vec![absent]);
    assert_eq!(first, Some(oldest));
}

#[tokio::test]
async fn a_site_in_use_by_clients_or_staff_cannot_be_deleted() {
    // Arrange
    let (storage, _db) = fresh_storage().await;
    let (business, with_client) = business_with_site(&storage).await;
    let with_staff = site(business.id, "Lyon");
    let unused = site(business.id, "Nice");
    let mut tx = storage.begin().await.unwrap();
    tx.insert_site(&with_staff).await.unwrap();
    tx.insert_site(&unused).await.unwrap();
    tx.insert_client(&client(business.id, "Ana", "Silva", &[with_client.id]))
        .await
        .unwrap();
    tx.insert_staff(&staff(
        business.id,
        "ines@example.com",
        "staff",
        &[with_staff.id],
    ))
    .await
    .unwrap();
    tx.commit().await.unwrap();

    // Act
    let mut tx = storage.begin().await.unwrap();
    let client_site = tx.delete_site(business.id, with_client.id).await;
    let staff_site = tx.delete_site(business.id, with_staff.id).await;
    let unused_site = tx.delete_site(business.id, unused.id).await;
    let again = tx.delete_site(business.id, unused.id).await;
    tx.commit().await.unwrap();

    // Assert
    assert!(matches!(client_site, Err(StorageError::InUse("clients"))));
    assert!(matches!(staff_site, Err(StorageError::InUse("staff"))));
    unused_site.unwrap();
    assert!(matches!(again, Err(StorageError::NotFound)));
    let mut tx = storage.read().await.unwrap();
    assert!(
        tx.site(business.id, with_client.id)
            .await
            .unwrap()
            .is_some()
    );
    assert!(tx.site(business.id, with_staff.id).await.unwrap().is_some());
    assert!(tx.site(business.id, unused.id).await.unwrap().is_none());
}
