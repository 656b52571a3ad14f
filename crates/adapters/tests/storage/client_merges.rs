//! CL-17, CL-23: a merge moves a client's records (appointments, codes, consents and
//! their history) to the kept profile and takes the absorbed one out of the list; its
//! undoing brings the profile back whole, with its records.

use chrono::Duration;

use clientele_adapters::testing::fresh_storage;
use clientele_domain::client_merge::{self, ClientMerge};
use clientele_domain::marketing::{
    ConsentChange, ConsentSource, MarketingPreference, PreferenceName,
};
use clientele_domain::{AuditId, MarketingPreferenceId, MergeId, StaffId, Version};
use clientele_ports::Storage;

use crate::helpers::{
    appointment, base_time, booking, client, granted_code, insert_appointments, insert_codes,
    insert_products, new_uuid, package, stored_client,
};

#[tokio::test]
async fn cl_17_cl_23_a_merge_moves_each_kind_of_record_and_its_undoing_moves_them_back() {
    // Arrange: the kept profile and a duplicate, each with an appointment; the duplicate
    // also with a code and a consent the kept profile does not have.
    let (storage, _db) = fresh_storage().await;
    let world = booking(&storage).await;
    let (business, kept) = (world.business.id, world.client.clone());
    let dup = client(business, "Anna", "Silva", &[world.site.id]);
    let newsletter = MarketingPreference {
        id: MarketingPreferenceId::from_uuid(new_uuid()),
        business_id: business,
        name: PreferenceName::parse("Newsletter").unwrap(),
        created_at: base_time(),
        version: Version::initial(),
    };
    let consent = ConsentChange {
        id: AuditId::from_uuid(new_uuid()),
        business_id: business,
        client_id: dup.id(),
        preference_id: newsletter.id,
        opted_in: true,
        source: ConsentSource::Staff,
        actor: None,
        at: base_time(),
    };
    let mut tx = storage.begin().await.unwrap();
    tx.insert_client(&dup).await.unwrap();
    tx.insert_preference(&newsletter).await.unwrap();
    tx.record_consent(&consent).await.unwrap();
    tx.commit().await.unwrap();
    let kept_visit = appointment(&world, kept.id(), base_time() + Duration::days(1));
    let dup_visit = appointment(&world, dup.id(), base_time() + Duration::days(2));
    insert_appointments(&storage, &[kept_visit.clone(), dup_visit.clone()]).await;
    let product = package(business);
    insert_products(&storage, std::slice::from_ref(&product)).await;
    let staff = StaffId::from_uuid(new_uuid());
    let (code, first) = granted_code(&product, Some(&dup), staff, base_time());
    insert_codes(&storage, &[(code.clone(), first)]).await;
    let now = base_time() + Duration::days(3);
    let (merged, added) = client_merge::merged(&kept, std::slice::from_ref(&dup), now);
    let merge = ClientMerge {
        id: MergeId::from_uuid(new_uuid()),
        business_id: business,
        kept_id: kept.id(),
        absorbed_ids: vec![dup.id()],
        added,
        staff_id: staff,
        at: now,
        undone_at: None,
    };

    // Act: the merge.
    let mut tx = storage.begin().await.unwrap();
    tx.insert_client_merge(&merge).await.unwrap();
    tx.absorb_client(&merge, &dup, 0).await.unwrap();
    tx.update_client(&merged, kept.version()).await.unwrap();
    tx.commit().await.unwrap();

    // Assert: everything is the kept profile's; the duplicate points at it.
    let mut tx = storage.read().await.unwrap();
    let visits = tx
        .appointments_of_client(business, kept.id(), None, 10)
        .await
        .unwrap();
    assert_eq!(visits.len(), 2);
    let codes = tx
        .codes_of_client(business, kept.id(), None, 10)
        .await
        .unwrap();
    assert_eq!(
        codes.iter().map(|c| c.id()).collect::<Vec<_>>(),
        [code.id()]
    );
    assert_eq!(
        tx.consents_of_client(business, kept.id()).await.unwrap(),
        [(newsletter.id, true)]
    );
    assert_eq!(
        tx.consent_history(business, kept.id(), 10)
            .await
            .unwrap()
            .len(),
        1
    );
    assert_eq!(tx.client(business, dup.id()).await.unwrap(), None);
    assert_eq!(
        tx.merged_into(business, dup.id()).await.unwrap(),
        Some((merge.id, kept.id()))
    );
    assert_eq!(
        tx.client_merge(business, merge.id).await.unwrap(),
        Some(merge.clone())
    );
    drop(tx);

    // Act: its undoing.
    let mut undone = merge.clone();
    undone.undo(now + Duration::days(1)).unwrap();
    let mut tx = storage.begin().await.unwrap();
    tx.restore_absorbed(&undone).await.unwrap();
    tx.record_merge_undone(&undone).await.unwrap();
    let twice = tx.record_merge_undone(&undone).await;
    tx.commit().await.unwrap();

    // Assert: the duplicate is back as it was, with its records.
    assert_eq!(stored_client(&storage, &dup).await, Some(dup.clone()));
    let mut tx = storage.read().await.unwrap();
    let dup_visits = tx
        .appointments_of_client(business, dup.id(), None, 10)
        .await
        .unwrap();
    assert_eq!(
        dup_visits.iter().map(|a| a.id()).collect::<Vec<_>>(),
        [dup_visit.id()]
    );
    let kept_visits = tx
        .appointments_of_client(business, kept.id(), None, 10)
        .await
        .unwrap();
    assert_eq!(
        kept_visits.iter().map(|a| a.id()).collect::<Vec<_>>(),
        [kept_visit.id()]
    );
    let codes = tx
        .codes_of_client(business, dup.id(), None, 10)
        .await
        .unwrap();
    assert_eq!(
        codes.iter().map(|c| c.id()).collect::<Vec<_>>(),
        [code.id()]
    );
    assert_eq!(
        tx.consents_of_client(business, dup.id()).await.unwrap(),
        [(newsletter.id, true)]
    );
    assert!(
        tx.consents_of_client(business, kept.id())
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(tx.merged_into(business, dup.id()).await.unwrap(), None);
    assert!(matches!(
        twice,
        Err(clientele_ports::StorageError::VersionConflict)
    ));
}
