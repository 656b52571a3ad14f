//! Products: every kind round trips with its coverage and validity, updates replace the
//! covered types, pages leave archived products out, tenancy (CO-1, CO-2, PL-26).

use chrono::Duration;

use clientele_adapters::testing::fresh_storage;
use clientele_domain::product::{Coverage, Period, PeriodUnit, ProductKind, Validity};
use clientele_domain::{ProductId, Version};
use clientele_ports::{Storage, StorageError};

use crate::helpers::{
    appointment_type, appointments, base_time, business_with_site, eur, insert_products, package,
    product,
};

#[tokio::test]
async fn co_1_every_product_kind_round_trips_with_its_coverage_and_validity() {
    // Arrange
    let (storage, _db) = fresh_storage().await;
    let (business, _) = business_with_site(&storage).await;
    let mut types = vec![
        appointment_type(business.id, "Massage", "60"),
        appointment_type(business.id, "Soin visage", "45"),
    ];
    let mut tx = storage.begin().await.unwrap();
    for kind in &types {
        tx.insert_appointment_type(kind).await.unwrap();
    }
    tx.commit().await.unwrap();
    types.sort_by_key(|t| t.id);
    let both = Coverage::Types(types.iter().map(|t| t.id).collect());
    let mut money_gift = product(
        business.id,
        "Bon cadeau 80 €",
        ProductKind::MoneyGift {
            value: eur("80.50"),
        },
        both.clone(),
    );
    money_gift.details.validity = Some(Validity::Days(365));
    let mut appointment_gift = product(
        business.id,
        "Bon cadeau massage",
        ProductKind::AppointmentGift {
            appointments: appointments(1),
        },
        Coverage::Types(vec![types[1].id]),
    );
    appointment_gift.details.validity = None;
    let subscription = product(
        business.id,
        "Abonnement",
        ProductKind::Subscription {
            appointments: appointments(4),
            period: Period {
                every: 3,
                unit: PeriodUnit::Month,
            },
            rollover: true,
        },
        Coverage::AllTypes,
    );
    let weekly = product(
        business.id,
        "Hebdo",
        ProductKind::Subscription {
            appointments: appointments(1000),
            period: Period {
                every: 1,
                unit: PeriodUnit::Week,
            },
            rollover: false,
        },
        both,
    );
    let all = [
        package(business.id),
        money_gift,
        appointment_gift,
        subscription,
        weekly,
    ];

    // Act
    insert_products(&storage, &all).await;
    let mut tx = storage.read().await.unwrap();
    let mut read = Vec::new();
    for product in &all {
        read.push(tx.product(business.id, product.id).await.unwrap());
    }

    // Assert
    let expected: Vec<_> = all.iter().cloned().map(Some).collect();
    assert_eq!(read, expected);
}

#[tokio::test]
async fn co_2_a_product_updates_with_its_version_and_its_covered_types_are_replaced() {
    // Arrange
    let (storage, _db) = fresh_storage().await;
    let (business, _) = business_with_site(&storage).await;
    let massage = appointment_type(business.id, "Massage", "60");
    let facial = appointment_type(business.id, "Soin visage", "45");
    let mut tx = storage.begin().await.unwrap();
    tx.insert_appointment_type(&massage).await.unwrap();
    tx.insert_appointment_type(&facial).await.unwrap();
    tx.commit().await.unwrap();
    let original = product(
        business.id,
        "Forfait",
        ProductKind::Package {
            appointments: appointments(5),
        },
        Coverage::Types(vec![massage.id]),
    );
    insert_products(&storage, std::slice::from_ref(&original)).await;
    let later = base_time() + Duration::microseconds(7);
    let mut details = original.details.clone();
    details.covers = Coverage::Types(vec![facial.id]);
    details.price = eur("450");
    let mut revised = original.clone();
    revised.revise(details, later).unwrap();
    let mut everything = revised.clone();
    let mut details = revised.details.clone();
    details.covers = Coverage::AllTypes;
    everything.revise(details, later).unwrap();
    everything.archive(later);

    // Act
    let mut tx = storage.begin().await.unwrap();
    let duplicate = tx.insert_product(&original).await;
    tx.update_product(&revised, original.version).await.unwrap();
    let after_revision = tx.product(business.id, original.id).await.unwrap();
    let stale = tx.update_product(&everything, original.version).await;
    tx.update_product(&everything, revised.version)
        .await
        .unwrap();
    let absent = tx
        .update_product(&package(business.id), Version::initial())
        .await;
    tx.commit().await.unwrap();
    let mut tx = storage.read().await.unwrap();
    let stored = tx.product(business.id, original.id).await.unwrap();

    // Assert
    assert!(matches!(duplicate, Err(StorageError::Duplicate("product"))));
    assert_eq!(after_revision, Some(revised));
    assert!(matches!(stale, Err(StorageError::VersionConflict)));
    assert!(matches!(absent, Err(StorageError::NotFound)));
    assert_eq!(stored, Some(everything));
}

#[tokio::test]
async fn co_1_products_page_by_id_and_leave_archived_ones_out_unless_asked() {
    // Arrange
    let (storage, _db) = fresh_storage().await;
    let (business, _) = business_with_site(&storage).await;
    let mut all: Vec<_> = (0..5).map(|_| package(business.id)).collect();
    all.sort_by_key(|p| p.id);
    for archived in [1, 3] {
        all[archived].archive(base_time());
    }
    insert_products(&storage, &all).await;
    let on_sale: Vec<_> = all.iter().filter(|p| !p.archived).cloned().collect();

    // Act
    let mut pages = Vec::new();
    for archived in [false, true] {
        let mut seen = Vec::new();
        let mut after: Option<ProductId> = None;
        loop {
            let mut tx = storage.read().await.unwrap();
            let page = tx.products(business.id, archived, after, 2).await.unwrap();
            assert!(page.len() <= 2);
            let Some(last) = page.last() else { break };
            after = Some(last.id);
            seen.extend(page);
        }
        pages.push(seen);
    }

    // Assert
    assert_eq!(pages, vec![on_sale, all]);
}

#[tokio::test]
async fn pl_26_a_business_never_sees_or_changes_another_business_products() {
    // Arrange
    let (storage, _db) = fresh_storage().await;
    let (owner, _) = business_with_site(&storage).await;
    let (other, _) = business_with_site(&storage).await;
    let owned = package(owner.id);
    insert_products(&storage, std::slice::from_ref(&owned)).await;
    let foreign_type = appointment_type(owner.id, "Massage", "60");
    let mut tx = storage.begin().await.unwrap();
    tx.insert_appointment_type(&foreign_type).await.unwrap();
    tx.commit().await.unwrap();
    let mut forged = owned.clone();
    forged.business_id = other.id;
    forged.archive(base_time());
    let mut covering_foreign = package(other.id);
    covering_foreign.details.covers = Coverage::Types(vec![foreign_type.id]);

    // Act
    let mut tx = storage.begin().await.unwrap();
    let read = tx.product(other.id, owned.id).await.unwrap();
    let listed = tx.products(other.id, true, None, 10).await.unwrap();
    let changed = tx.update_product(&forged, owned.version).await;
    tx.commit().await.unwrap();
    let mut tx = storage.begin().await.unwrap();
    let foreign_covered = tx.insert_product(&covering_foreign).await;
    drop(tx);
    let mut tx = storage.read().await.unwrap();
    let kept = tx.product(owner.id, owned.id).await.unwrap();

    // Assert
    assert_eq!(read, None);
    assert!(listed.is_empty());
    assert!(matches!(changed, Err(StorageError::NotFound)));
    assert!(matches!(foreign_covered, Err(StorageError::Unexpected(_))));
    assert_eq!(kept, Some(owned));
}
