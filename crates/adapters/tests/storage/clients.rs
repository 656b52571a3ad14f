//! Clients: round trips, sites, keyset pages in every order, scope, lookup by email and
//! activity (CL-1, CL-4, CL-9, PL-14).

use chrono::{DateTime, Duration, NaiveDate};
use clientele_domain::ClientParts;

use clientele_adapters::SeaStorage;
use clientele_adapters::testing::fresh_storage;
use clientele_domain::client::ClientInput;
use clientele_domain::paging::Activity;
use clientele_domain::{Business, Client, ClientId, ClientSort, NewClient, SiteScope};
use clientele_ports::storage::ClientQuery;
use clientele_ports::{Storage, StorageError};

use crate::helpers::{
    all_pages, appointment, base_time, booking, business_with_site, client, client_with_email,
    client_with_id, ids, insert_appointments, insert_clients, new_uuid, query, site, stored_client,
};

fn names(clients: &[Client]) -> Vec<String> {
    clients
        .iter()
        .map(|c| format!("{} {}", c.first_name().as_str(), c.last_name().as_str()))
        .collect()
}

#[tokio::test]
async fn cl_1_a_client_round_trips_equal_with_accents_contact_details_sites_and_microseconds() {
    // Arrange
    let (storage, _db) = fresh_storage().await;
    let (business, paris) = business_with_site(&storage).await;
    let lyon = site(business.id, "Lyon Part-Dieu");
    let mut tx = storage.begin().await.unwrap();
    tx.insert_site(&lyon).await.unwrap();
    tx.commit().await.unwrap();
    let new = NewClient::parse(&ClientInput {
        first_name: "Françoise-Hélène".into(),
        last_name: "d'Ançay Łukowska".into(),
        email: Some("F.Ancay@Exemple.FR".into()),
        phone: Some("+33 (0)6 12.34-56/78".into()),
        sites: None,
        client_notes: Some("Préfère le matin.\nAllergique à la lavande.".into()),
        custom_fields: Default::default(),
    })
    .unwrap();
    let created = base_time() + Duration::microseconds(1);
    let mut client = Client::create(
        ClientId::from_uuid(new_uuid()),
        business.id,
        new,
        vec![lyon.id, paris.id],
        created,
        NaiveDate::from_ymd_opt(2026, 11, 23).unwrap(),
    );
    client = Client::restore(ClientParts {
        banned: true,
        ..client.into_parts()
    });
    client = Client::restore(ClientParts {
        has_account: true,
        ..client.into_parts()
    });
    client = Client::restore(ClientParts {
        admin_updated_at: created + Duration::microseconds(999_999),
        ..client.into_parts()
    });

    // Act
    insert_clients(&storage, std::slice::from_ref(&client)).await;
    let stored = stored_client(&storage, &client).await;

    // Assert
    assert_eq!(stored, Some(client));
}

#[tokio::test]
async fn a_clients_instants_round_trip_equal_on_both_sides_of_the_database_epochs() {
    // Arrange: PostgreSQL counts microseconds from 2000-01-01, Unix from 1970-01-01; a
    // client's instants read back from either side of both, to the microsecond.
    let (storage, _db) = fresh_storage().await;
    let (business, paris) = business_with_site(&storage).await;
    let at = |text: &str| DateTime::parse_from_rfc3339(text).unwrap().to_utc();
    let cases = [
        (
            "1969-12-31T23:59:59.000001Z",
            "1999-12-31T23:59:59.999999Z",
            "2000-01-01T00:00:00Z",
        ),
        (
            "1970-01-01T00:00:00.000001Z",
            "2000-01-01T00:00:00.000001Z",
            "9999-12-31T23:59:59.999999Z",
        ),
    ];
    for (created, updated, admin_updated) in cases {
        let mut client = client(business.id, "Ana", "Lima", &[paris.id]);
        client = Client::restore(ClientParts {
            created_at: at(created),
            ..client.into_parts()
        });
        client = Client::restore(ClientParts {
            updated_at: at(updated),
            ..client.into_parts()
        });
        client = Client::restore(ClientParts {
            admin_updated_at: at(admin_updated),
            ..client.into_parts()
        });

        // Act
        insert_clients(&storage, std::slice::from_ref(&client)).await;
        let stored = stored_client(&storage, &client).await;

        // Assert
        assert_eq!(stored, Some(client), "{created} {updated} {admin_updated}");
    }
}

#[tokio::test]
async fn updating_an_absent_client_is_not_found() {
    // Arrange
    let (storage, _db) = fresh_storage().await;
    let (business, paris) = business_with_site(&storage).await;
    let never_stored = client(business.id, "Ana", "Silva", &[paris.id]);

    // Act
    let mut tx = storage.begin().await.unwrap();
    let outcome = tx
        .update_client(&never_stored, never_stored.version())
        .await;

    // Assert
    assert!(matches!(outcome, Err(StorageError::NotFound)));
}

#[tokio::test]
async fn an_update_replaces_the_clients_sites() {
    // Arrange
    let (storage, _db) = fresh_storage().await;
    let (business, paris) = business_with_site(&storage).await;
    let lyon = site(business.id, "Lyon");
    let mut tx = storage.begin().await.unwrap();
    tx.insert_site(&lyon).await.unwrap();
    tx.commit().await.unwrap();
    let original = client(business.id, "Ana", "Silva", &[paris.id]);
    insert_clients(&storage, std::slice::from_ref(&original)).await;
    let mut moved = original.clone();
    moved = Client::restore(ClientParts {
        sites: vec![lyon.id],
        ..moved.into_parts()
    });
    moved = Client::restore(ClientParts {
        version: original.version().next(),
        ..moved.into_parts()
    });

    // Act
    let mut tx = storage.begin().await.unwrap();
    tx.update_client(&moved, original.version()).await.unwrap();
    tx.commit().await.unwrap();

    // Assert
    assert_eq!(stored_client(&storage, &original).await, Some(moved));
    let mut tx = storage.read().await.unwrap();
    let paris_only = ClientQuery {
        site: Some(paris.id),
        ..query(SiteScope::All, ClientSort::LastName)
    };
    assert!(
        tx.clients(business.id, &paris_only)
            .await
            .unwrap()
            .is_empty()
    );
}

/// Eight clients with ties on both names (so the id decides) and on creation instants,
/// accented names, and ids that do not follow insertion order.
async fn clients_for_sorting(storage: &SeaStorage) -> (Business, Vec<Client>) {
    let (business, paris) = business_with_site(storage).await;
    let mut id_pool: Vec<ClientId> = (0..8).map(|_| ClientId::from_uuid(new_uuid())).collect();
    id_pool.reverse();
    let t = base_time();
    let people = [
        ("Émile", "Zola", t, t + Duration::seconds(5)),
        ("emile", "zola", t, t + Duration::seconds(3)),
        (
            "Ana",
            "Dupont",
            t + Duration::microseconds(1),
            t + Duration::seconds(3),
        ),
        (
            "Zoé",
            "Dupont",
            t + Duration::seconds(1),
            t + Duration::seconds(1),
        ),
        (
            "ana",
            "dupont",
            t + Duration::microseconds(1),
            t + Duration::seconds(8),
        ),
        (
            "Łukasz",
            "Ołówek",
            t + Duration::seconds(2),
            t + Duration::seconds(3),
        ),
        ("Bruno", "Élan", t, t + Duration::seconds(2)),
        (
            "Chloé",
            "Martin",
            t + Duration::seconds(3),
            t + Duration::microseconds(500),
        ),
    ];
    let clients: Vec<Client> = people
        .iter()
        .zip(id_pool)
        .map(|((first, last, created, admin_updated), id)| {
            let mut c = client_with_id(id, business.id, first, last, &[paris.id], *created);
            c = Client::restore(ClientParts {
                admin_updated_at: *admin_updated,
                ..c.into_parts()
            });
            c
        })
        .collect();
    insert_clients(storage, &clients).await;
    (business, clients)
}

/// The order CL-4 defines, computed here independently of the database.
fn expected_order(sort: ClientSort, clients: &[Client]) -> Vec<ClientId> {
    let mut sorted = clients.to_vec();
    sorted.sort_by_key(|c| match sort {
        ClientSort::LastName => (c.last_name().key(), c.first_name().key(), None, c.id()),
        ClientSort::FirstName => (c.first_name().key(), c.last_name().key(), None, c.id()),
        ClientSort::CreatedAt => (String::new(), String::new(), Some(c.created_at()), c.id()),
        ClientSort::AdminUpdatedAt => (
            String::new(),
            String::new(),
            Some(c.admin_updated_at()),
            c.id(),
        ),
    });
    ids(&sorted)
}

#[tokio::test]
async fn cl_4_keyset_pages_of_two_return_every_client_once_in_each_order() {
    // Arrange
    let (storage, _db) = fresh_storage().await;
    let (business, clients) = clients_for_sorting(&storage).await;

    for sort in [
        ClientSort::LastName,
        ClientSort::FirstName,
        ClientSort::CreatedAt,
        ClientSort::AdminUpdatedAt,
    ] {
        // Act
        let paged = all_pages(&storage, business.id, query(SiteScope::All, sort), 2).await;
        let mut tx = storage.read().await.unwrap();
        let whole = tx
            .clients(business.id, &query(SiteScope::All, sort))
            .await
            .unwrap();

        // Assert
        assert_eq!(ids(&paged), expected_order(sort, &clients), "{sort:?}");
        assert_eq!(ids(&whole), ids(&paged), "{sort:?}: one page or many");
    }
}

#[tokio::test]
async fn cl_4_accented_names_sort_with_their_folded_key_and_ties_fall_back_to_the_id() {
    // Arrange
    let (storage, _db) = fresh_storage().await;
    let (business, clients) = clients_for_sorting(&storage).await;
    let by_name = |first: &str| {
        clients
            .iter()
            .find(|c| c.first_name().as_str() == first)
            .unwrap()
    };
    let (ana, ana_lower) = (by_name("Ana"), by_name("ana"));
    let (emile, emile_lower) = (by_name("Émile"), by_name("emile"));

    // Act
    let paged = all_pages(
        &storage,
        business.id,
        query(SiteScope::All, ClientSort::LastName),
        3,
    )
    .await;

    // Assert: Élan between Dupont and Martin, Ołówek between Martin and Zola; within a
    // tie of both keys the smaller id comes first.
    let (first_ana, second_ana) = if ana.id() < ana_lower.id() {
        ("Ana Dupont", "ana dupont")
    } else {
        ("ana dupont", "Ana Dupont")
    };
    let (first_emile, second_emile) = if emile.id() < emile_lower.id() {
        ("Émile Zola", "emile zola")
    } else {
        ("emile zola", "Émile Zola")
    };
    assert_eq!(
        names(&paged),
        [
            first_ana,
            second_ana,
            "Zoé Dupont",
            "Bruno Élan",
            "Chloé Martin",
            "Łukasz Ołówek",
            first_emile,
            second_emile,
        ]
    );
}

#[tokio::test]
async fn pl_14_scope_only_hides_clients_of_other_sites_and_lists_each_client_once() {
    // Arrange
    let (storage, _db) = fresh_storage().await;
    let (business, paris) = business_with_site(&storage).await;
    let lyon = site(business.id, "Lyon");
    let nice = site(business.id, "Nice");
    let mut tx = storage.begin().await.unwrap();
    tx.insert_site(&lyon).await.unwrap();
    tx.insert_site(&nice).await.unwrap();
    tx.commit().await.unwrap();
    let in_paris = client(business.id, "Ana", "Paris", &[paris.id]);
    let in_lyon = client(business.id, "Bruno", "Lyon", &[lyon.id]);
    let in_both = client(business.id, "Chloé", "Both", &[paris.id, lyon.id]);
    insert_clients(
        &storage,
        &[in_paris.clone(), in_lyon.clone(), in_both.clone()],
    )
    .await;
    let mut lyon_scope = vec![lyon.id, nice.id];
    lyon_scope.sort();

    // Act
    let mut tx = storage.read().await.unwrap();
    let scoped = tx
        .clients(
            business.id,
            &query(SiteScope::Only(lyon_scope), ClientSort::LastName),
        )
        .await
        .unwrap();
    let nothing = tx
        .clients(
            business.id,
            &query(SiteScope::Only(vec![]), ClientSort::LastName),
        )
        .await
        .unwrap();
    let paris_of_all = tx
        .clients(
            business.id,
            &ClientQuery {
                site: Some(paris.id),
                ..query(SiteScope::All, ClientSort::LastName)
            },
        )
        .await
        .unwrap();
    let paris_within_lyon_scope = tx
        .clients(
            business.id,
            &ClientQuery {
                site: Some(paris.id),
                ..query(SiteScope::Only(vec![lyon.id]), ClientSort::LastName)
            },
        )
        .await
        .unwrap();

    // Assert
    assert_eq!(scoped, vec![in_both.clone(), in_lyon]);
    assert!(nothing.is_empty());
    assert_eq!(paris_of_all, vec![in_both.clone(), in_paris]);
    assert_eq!(paris_within_lyon_scope, vec![in_both]);
}

#[tokio::test]
async fn clients_by_email_match_the_lower_cased_key_oldest_first_within_the_business() {
    // Arrange
    let (storage, _db) = fresh_storage().await;
    let (business, paris) = business_with_site(&storage).await;
    let (other, other_site) = business_with_site(&storage).await;
    let t = base_time();
    let newer = client_with_email(
        business.id,
        "Ana",
        "ana.silva@example.com",
        &[paris.id],
        t + Duration::seconds(1),
    );
    let older = client_with_email(business.id, "Anna", "ANA.Silva@Example.COM", &[paris.id], t);
    let someone_else = client_with_email(business.id, "Bruno", "bruno@example.com", &[], t);
    let accented = client_with_email(business.id, "Élodie", "Élodie@Exemple.fr", &[], t);
    let other_business = client_with_email(
        other.id,
        "Ana",
        "ana.silva@example.com",
        &[other_site.id],
        t,
    );
    insert_clients(
        &storage,
        &[
            newer.clone(),
            older.clone(),
            someone_else,
            accented.clone(),
            other_business.clone(),
        ],
    )
    .await;

    // Act
    let mut tx = storage.read().await.unwrap();
    let both = tx
        .clients_by_email(business.id, "ana.silva@example.com", 10)
        .await
        .unwrap();
    let first_only = tx
        .clients_by_email(business.id, "ana.silva@example.com", 1)
        .await
        .unwrap();
    let not_lower_cased = tx
        .clients_by_email(business.id, "ANA.SILVA@EXAMPLE.COM", 10)
        .await
        .unwrap();
    let with_accent = tx
        .clients_by_email(business.id, "élodie@exemple.fr", 10)
        .await
        .unwrap();
    let in_other = tx
        .clients_by_email(other.id, "ana.silva@example.com", 10)
        .await
        .unwrap();

    // Assert: clients come back whole, with their sites.
    assert_eq!(both, vec![older.clone(), newer]);
    assert_eq!(first_only, vec![older]);
    assert!(not_lower_cased.is_empty(), "callers pass the key itself");
    assert_eq!(with_accent, vec![accented]);
    assert_eq!(in_other, vec![other_business]);
}

#[tokio::test]
async fn cl_9_recent_and_inactive_clients_count_appointments_that_were_not_cancelled() {
    // Arrange: every client was created at base_time; "now" is 100 days later.
    let (storage, _db) = fresh_storage().await;
    let world = booking(&storage).await;
    let now = base_time() + Duration::days(100);
    let recent = world.client.clone();
    let long_ago = client(world.business.id, "Bruno", "Long", &[world.site.id]);
    let never = client(world.business.id, "Carla", "Never", &[world.site.id]);
    let cancelled_only = client(world.business.id, "Dora", "Cancelled", &[world.site.id]);
    insert_clients(
        &storage,
        &[long_ago.clone(), never.clone(), cancelled_only.clone()],
    )
    .await;
    let mut cancelled = appointment(&world, cancelled_only.id(), now - Duration::days(5));
    cancelled.cancel(now).unwrap();
    insert_appointments(
        &storage,
        &[
            appointment(&world, recent.id(), now - Duration::days(5)),
            appointment(&world, long_ago.id(), now - Duration::days(60)),
            cancelled,
        ],
    )
    .await;
    let listed = |activity| {
        let storage = storage.clone();
        let business = world.business.id;
        async move {
            let mut tx = storage.read().await.unwrap();
            let query = ClientQuery {
                activity: Some(activity),
                ..query(SiteScope::All, ClientSort::FirstName)
            };
            let clients = tx.clients(business, &query).await.unwrap();
            clients.into_iter().map(|c| c.id()).collect::<Vec<_>>()
        }
    };

    // Act
    let recent_30 = listed(Activity::recent(30, now).unwrap()).await;
    let recent_90 = listed(Activity::recent(90, now).unwrap()).await;
    let inactive_30 = listed(Activity::inactive(30, now).unwrap()).await;
    let inactive_14_at_creation = listed(Activity::inactive(14, base_time()).unwrap()).await;

    // Assert
    assert_eq!(recent_30, [recent.id()]);
    assert_eq!(recent_90, [recent.id(), long_ago.id()]);
    // Sorted by first name: Bruno, Carla, Dora.
    assert_eq!(
        inactive_30,
        [long_ago.id(), never.id(), cancelled_only.id()]
    );
    // Nobody is inactive for two weeks on the day they were created.
    assert!(inactive_14_at_creation.is_empty());
}
