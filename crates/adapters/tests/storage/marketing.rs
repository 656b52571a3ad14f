//! Marketing preferences and clients' consents (CL-13, CL-10, PL-26).

use chrono::{DateTime, Duration, Utc};

use clientele_adapters::SeaStorage;
use clientele_adapters::testing::fresh_storage;
use clientele_domain::marketing::{
    ConsentChange, ConsentSource, MarketingPreference, PreferenceName,
};
use clientele_domain::{
    AuditId, BusinessId, Client, ClientId, ClientSort, MarketingPreferenceId, SiteScope, StaffId,
    Version,
};
use clientele_ports::storage::ClientQuery;
use clientele_ports::{Storage, StorageError};

use crate::helpers::{
    all_pages, base_time, business_with_site, client, client_with_email, ids, insert_clients,
    new_uuid, query,
};

fn preference(business: BusinessId, name: &str) -> MarketingPreference {
    MarketingPreference {
        id: MarketingPreferenceId::from_uuid(new_uuid()),
        business_id: business,
        name: PreferenceName::parse(name).unwrap(),
        created_at: base_time(),
        version: Version::initial(),
    }
}

async fn insert_preferences(storage: &SeaStorage, preferences: &[MarketingPreference]) {
    let mut tx = storage.begin().await.unwrap();
    for preference in preferences {
        tx.insert_preference(preference).await.unwrap();
    }
    tx.commit().await.unwrap();
}

fn consent(
    client: &Client,
    preference: MarketingPreferenceId,
    opted_in: bool,
    at: DateTime<Utc>,
) -> ConsentChange {
    ConsentChange {
        id: AuditId::from_uuid(new_uuid()),
        business_id: client.business_id(),
        client_id: client.id(),
        preference_id: preference,
        opted_in,
        source: ConsentSource::Staff,
        actor: None,
        at,
    }
}

async fn record_consents(storage: &SeaStorage, changes: &[ConsentChange]) {
    let mut tx = storage.begin().await.unwrap();
    for change in changes {
        tx.record_consent(change).await.unwrap();
    }
    tx.commit().await.unwrap();
}

#[tokio::test]
async fn cl_13_a_marketing_preference_round_trips_and_lists_by_id_in_pages() {
    // Arrange
    let (storage, _db) = fresh_storage().await;
    let (business, _) = business_with_site(&storage).await;
    let preferences = [
        preference(business.id, "Newsletter"),
        preference(business.id, "Promotions été"),
        preference(business.id, "SMS"),
    ];
    insert_preferences(&storage, &preferences).await;
    let mut by_id = preferences.to_vec();
    by_id.sort_by_key(|p| p.id);

    // Act
    let mut tx = storage.read().await.unwrap();
    let stored = tx.preference(business.id, preferences[1].id).await.unwrap();
    let first_page = tx.preferences(business.id, None, 2).await.unwrap();
    let second_page = tx
        .preferences(business.id, Some(first_page[1].id), 2)
        .await
        .unwrap();

    // Assert
    assert_eq!(stored, Some(preferences[1].clone()));
    assert_eq!(first_page, by_id[..2].to_vec());
    assert_eq!(second_page, by_id[2..].to_vec());
}

#[tokio::test]
async fn cl_13_a_preference_name_that_differs_only_by_case_or_accents_is_a_duplicate_preference_name()
 {
    // Arrange
    let (storage, _db) = fresh_storage().await;
    let (business, _) = business_with_site(&storage).await;
    let summer = preference(business.id, "Promotions été");
    insert_preferences(&storage, std::slice::from_ref(&summer)).await;

    // Act: the failure inside a transaction that goes on and commits.
    let mut tx = storage.begin().await.unwrap();
    let inserted = tx
        .insert_preference(&preference(business.id, "PROMOTIONS ETE"))
        .await;
    let other = preference(business.id, "Newsletter");
    tx.insert_preference(&other).await.unwrap();
    tx.commit().await.unwrap();

    // Assert
    assert!(matches!(
        inserted,
        Err(StorageError::Duplicate("preference_name"))
    ));
    let mut tx = storage.read().await.unwrap();
    let mut expected = vec![summer, other];
    expected.sort_by_key(|p| p.id);
    assert_eq!(
        tx.preferences(business.id, None, 10).await.unwrap(),
        expected
    );
}

#[tokio::test]
async fn cl_13_opting_in_then_out_keeps_both_changes_newest_first_and_the_current_state_is_the_last()
 {
    // Arrange
    let (storage, _db) = fresh_storage().await;
    let (business, paris) = business_with_site(&storage).await;
    let ana = client(business.id, "Ana", "Silva", &[paris.id]);
    insert_clients(&storage, std::slice::from_ref(&ana)).await;
    let mut preferences = [
        preference(business.id, "Newsletter"),
        preference(business.id, "SMS"),
    ];
    preferences.sort_by_key(|p| p.id);
    insert_preferences(&storage, &preferences).await;
    let staff_member = StaffId::from_uuid(new_uuid());
    let opt_in = ConsentChange {
        actor: Some(staff_member),
        ..consent(&ana, preferences[0].id, true, base_time())
    };
    let opt_out = ConsentChange {
        source: ConsentSource::Client,
        ..consent(
            &ana,
            preferences[0].id,
            false,
            base_time() + Duration::minutes(5),
        )
    };
    let sms = ConsentChange {
        source: ConsentSource::Import,
        ..consent(
            &ana,
            preferences[1].id,
            true,
            base_time() + Duration::minutes(1),
        )
    };

    // Act
    record_consents(&storage, &[opt_in.clone(), sms.clone()]).await;
    record_consents(&storage, std::slice::from_ref(&opt_out)).await;
    let mut tx = storage.read().await.unwrap();
    let history = tx.consent_history(business.id, ana.id(), 10).await.unwrap();
    let limited = tx.consent_history(business.id, ana.id(), 1).await.unwrap();
    let current = tx.consents_of_client(business.id, ana.id()).await.unwrap();

    // Assert
    assert_eq!(history, vec![opt_out.clone(), sms.clone(), opt_in]);
    assert_eq!(limited, vec![opt_out]);
    assert_eq!(
        current,
        vec![(preferences[0].id, false), (preferences[1].id, true)]
    );
}

#[tokio::test]
async fn cl_13_opted_in_emails_list_only_opted_in_clients_with_an_email_in_pages() {
    // Arrange
    let (storage, _db) = fresh_storage().await;
    let (business, paris) = business_with_site(&storage).await;
    let at = base_time();
    let ana = client_with_email(business.id, "Ana", "Ana.Silva@Example.com", &[paris.id], at);
    let bruno = client_with_email(business.id, "Bruno", "bruno@example.com", &[paris.id], at);
    let carla = client_with_email(business.id, "Carla", "carla@example.com", &[paris.id], at);
    let dora = client_with_email(business.id, "Dora", "dora@example.com", &[paris.id], at);
    let no_email = client(business.id, "Eva", "Lima", &[paris.id]);
    let opted_out = client_with_email(business.id, "Fabio", "fabio@example.com", &[paris.id], at);
    let other_list = client_with_email(business.id, "Gil", "gil@example.com", &[paris.id], at);
    let all = [
        ana.clone(),
        bruno.clone(),
        carla.clone(),
        dora.clone(),
        no_email.clone(),
        opted_out.clone(),
        other_list.clone(),
    ];
    insert_clients(&storage, &all).await;
    let newsletter = preference(business.id, "Newsletter");
    let sms = preference(business.id, "SMS");
    insert_preferences(&storage, &[newsletter.clone(), sms.clone()]).await;
    let later = at + Duration::minutes(1);
    record_consents(
        &storage,
        &[
            consent(&ana, newsletter.id, true, at),
            consent(&bruno, newsletter.id, true, at),
            consent(&carla, newsletter.id, true, at),
            consent(&dora, newsletter.id, true, at),
            consent(&no_email, newsletter.id, true, at),
            consent(&opted_out, newsletter.id, true, at),
            consent(&opted_out, newsletter.id, false, later),
            consent(&other_list, sms.id, true, at),
        ],
    )
    .await;
    let mut expected: Vec<(ClientId, String)> = [&ana, &bruno, &carla, &dora]
        .into_iter()
        .map(|c| (c.id(), c.email().as_ref().unwrap().as_str().to_owned()))
        .collect();
    expected.sort();

    // Act
    let mut tx = storage.read().await.unwrap();
    let mut pages = Vec::new();
    let mut after = None;
    loop {
        let page = tx
            .opted_in_emails(business.id, newsletter.id, &SiteScope::All, after, 3)
            .await
            .unwrap();
        assert!(page.len() <= 3, "a page holds at most its limit");
        let Some((last, _)) = page.last() else { break };
        after = Some(*last);
        let full = page.len() == 3;
        pages.push(page);
        if !full {
            break;
        }
    }

    // Assert
    assert_eq!(pages.len(), 2);
    assert_eq!(pages.concat(), expected);
    assert!(
        expected
            .iter()
            .any(|(_, email)| email == "Ana.Silva@Example.com")
    );
}

#[tokio::test]
async fn cl_10_the_opted_in_filter_lists_only_clients_opted_in_to_that_preference() {
    // Arrange
    let (storage, _db) = fresh_storage().await;
    let (business, paris) = business_with_site(&storage).await;
    let ana = client(business.id, "Ana", "Silva", &[paris.id]);
    let bruno = client(business.id, "Bruno", "Costa", &[paris.id]);
    let carla = client(business.id, "Carla", "Dias", &[paris.id]);
    let dora = client(business.id, "Dora", "Alves", &[paris.id]);
    insert_clients(
        &storage,
        &[ana.clone(), bruno.clone(), carla.clone(), dora.clone()],
    )
    .await;
    let newsletter = preference(business.id, "Newsletter");
    let sms = preference(business.id, "SMS");
    insert_preferences(&storage, &[newsletter.clone(), sms.clone()]).await;
    let at = base_time();
    record_consents(
        &storage,
        &[
            consent(&ana, newsletter.id, true, at),
            consent(&bruno, newsletter.id, true, at),
            consent(&bruno, newsletter.id, false, at + Duration::minutes(1)),
            consent(&carla, sms.id, true, at),
            consent(&dora, newsletter.id, true, at),
        ],
    )
    .await;
    let opted_in = ClientQuery {
        opted_in: Some(newsletter.id),
        ..query(SiteScope::All, ClientSort::LastName)
    };

    // Act
    let listed = all_pages(&storage, business.id, opted_in, 1).await;

    // Assert: by last name, Dora Alves before Ana Silva.
    assert_eq!(ids(&listed), vec![dora.id(), ana.id()]);
}

#[tokio::test]
async fn pl_26_preferences_and_consents_of_another_business_are_invisible_and_unusable() {
    // Arrange
    let (storage, _db) = fresh_storage().await;
    let (owner, owner_site) = business_with_site(&storage).await;
    let newsletter = preference(owner.id, "Newsletter");
    insert_preferences(&storage, std::slice::from_ref(&newsletter)).await;
    let ana = client_with_email(
        owner.id,
        "Ana",
        "ana@example.com",
        &[owner_site.id],
        base_time(),
    );
    insert_clients(&storage, std::slice::from_ref(&ana)).await;
    let opt_in = consent(&ana, newsletter.id, true, base_time());
    record_consents(&storage, std::slice::from_ref(&opt_in)).await;
    let (other, other_site) = business_with_site(&storage).await;
    // The same name is free in another business.
    let other_newsletter = preference(other.id, "newsletter");
    insert_preferences(&storage, std::slice::from_ref(&other_newsletter)).await;
    let bruno = client(other.id, "Bruno", "Costa", &[other_site.id]);
    insert_clients(&storage, std::slice::from_ref(&bruno)).await;

    // Act and Assert: reads
    let mut tx = storage.begin().await.unwrap();
    assert_eq!(tx.preference(other.id, newsletter.id).await.unwrap(), None);
    assert_eq!(
        tx.preferences(other.id, None, 10).await.unwrap(),
        vec![other_newsletter.clone()]
    );
    assert_eq!(
        tx.consents_of_client(other.id, ana.id()).await.unwrap(),
        vec![]
    );
    assert_eq!(
        tx.consent_history(other.id, ana.id(), 10).await.unwrap(),
        vec![]
    );
    assert_eq!(
        tx.opted_in_emails(other.id, newsletter.id, &SiteScope::All, None, 10)
            .await
            .unwrap(),
        vec![]
    );
    let filtered = ClientQuery {
        opted_in: Some(newsletter.id),
        ..query(SiteScope::All, ClientSort::LastName)
    };
    assert_eq!(tx.clients(other.id, &filtered).await.unwrap(), vec![]);

    // Act and Assert: writes across businesses find nothing, and the transaction goes on.
    let foreign_preference = ConsentChange {
        business_id: other.id,
        ..consent(&bruno, newsletter.id, true, base_time())
    };
    assert!(matches!(
        tx.record_consent(&foreign_preference).await,
        Err(StorageError::NotFound)
    ));
    let foreign_client = ConsentChange {
        business_id: other.id,
        ..consent(&ana, other_newsletter.id, true, base_time())
    };
    assert!(matches!(
        tx.record_consent(&foreign_client).await,
        Err(StorageError::NotFound)
    ));
    let own = consent(&bruno, other_newsletter.id, true, base_time());
    tx.record_consent(&own).await.unwrap();
    tx.commit().await.unwrap();
    let mut tx = storage.read().await.unwrap();
    assert_eq!(
        tx.consent_history(other.id, bruno.id(), 10).await.unwrap(),
        vec![own]
    );
    assert_eq!(
        tx.opted_in_emails(owner.id, newsletter.id, &SiteScope::All, None, 10)
            .await
            .unwrap(),
        vec![(ana.id(), "ana@example.com".to_owned())]
    );
    assert_eq!(
        tx.consent_history(owner.id, ana.id(), 10).await.unwrap(),
        vec![opt_in]
    );
}
