//! The storage adapter against a real database: SQLite by default, PostgreSQL when
//! `CLIENTELE_TEST_DATABASE_URL=postgres://…/NAME`. Every test gets its own fresh, migrated
//! database from `clientele_adapters::testing`.

use chrono::{DateTime, Duration, NaiveDate, TimeZone as _, Utc};
use uuid::Uuid;

use clientele_adapters::testing::{fresh_database, fresh_storage};
use clientele_adapters::{DatabaseBackend, SeaStorage, UuidV7Ids};
use clientele_domain::appointment::{
    Appointment, AppointmentType, AppointmentTypeDetails, AppointmentTypeInput, Attendance,
    NewAppointment, Slot,
};
use clientele_domain::audit::{AttendanceChange, ClientAuditAction, ClientAuditEntry};
use clientele_domain::business::BusinessName;
use clientele_domain::client::{ClientChanges, ClientInput};
use clientele_domain::custom_field::{
    CustomField, CustomFieldChangesInput, CustomFieldDetails, CustomFieldInput, CustomFieldType,
};
use clientele_domain::document::{ClientDocument, DocumentInput, NewDocument};
use clientele_domain::email::{EmailContent, EmailKind, OutgoingEmail};
use clientele_domain::label::{Label, LabelDetails, LabelFilter, LabelInput};
use clientele_domain::marketing::{
    ConsentChange, ConsentSource, MarketingPreference, PreferenceName,
};
use clientele_domain::note::{ClientNote, NoteText};
use clientele_domain::paging::Activity;
use clientele_domain::payment::{
    Invoice, Payment, PaymentDirection, PaymentMeans, PaymentMethod, PaymentType, ProcessorKind,
};
use clientele_domain::site::{SiteDetails, SiteInput};
use clientele_domain::staff::{StaffDetails, StaffInput};
use clientele_domain::token::TokenLabel;
use clientele_domain::{
    ApiToken, AppointmentId, AppointmentTypeId, AuditId, Business, BusinessId, BusinessSettings,
    Client, ClientId, ClientSort, Currency, CustomFieldId, DocumentId, EmailAddress, EmailId,
    InvoiceId, LabelId, MarketingPreferenceId, Money, NewClient, NoteId, PaymentId,
    PaymentMethodId, Site, SiteId, SiteScope, StaffId, StaffMember, TimeZone, TokenId, Version,
};
use clientele_ports::storage::{
    ClientQuery, EmailState, IdempotencyRecord, OutboxEmail, StoredResponse,
};
use clientele_ports::{IdGenerator, Storage, StorageError};

// ---------------------------------------------------------------------------------------
// Fixtures

fn new_uuid() -> Uuid {
    UuidV7Ids.new_id()
}

/// 2026-11-22 10:00:00.123456 UTC: an instant with microseconds.
fn base_time() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 22, 10, 0, 0).unwrap() + Duration::microseconds(123_456)
}

fn business() -> Business {
    Business {
        id: BusinessId::from_uuid(new_uuid()),
        name: BusinessName::parse("Spa Lumière").unwrap(),
        settings: BusinessSettings::new(
            TimeZone::parse("Europe/Paris").unwrap(),
            Currency::parse("EUR").unwrap(),
        ),
        created_at: base_time(),
        updated_at: base_time(),
        version: Version::initial(),
    }
}

fn site(business: BusinessId, name: &str) -> Site {
    let details = SiteDetails::parse(&SiteInput {
        name: name.into(),
        address: Some("12 rue de la Paix, Paris".into()),
    })
    .unwrap();
    Site::new(
        SiteId::from_uuid(new_uuid()),
        business,
        details,
        base_time(),
    )
}

fn staff(business: BusinessId, email: &str, role: &str, sites: &[SiteId]) -> StaffMember {
    let details = StaffDetails::parse(&StaffInput {
        name: "Inès Moreau".into(),
        email: email.into(),
        role: role.into(),
        sites: sites.to_vec(),
    })
    .unwrap();
    StaffMember::new(
        StaffId::from_uuid(new_uuid()),
        business,
        details,
        base_time(),
    )
}

fn token(business: BusinessId, staff: StaffId) -> ApiToken {
    ApiToken {
        id: TokenId::from_uuid(new_uuid()),
        business_id: business,
        staff_id: staff,
        label: TokenLabel::parse("front desk tablet").unwrap(),
        prefix: "ab12cd".into(),
        created_at: base_time(),
    }
}

fn client_with_id(
    id: ClientId,
    business: BusinessId,
    first: &str,
    last: &str,
    sites: &[SiteId],
    at: DateTime<Utc>,
) -> Client {
    let new = NewClient::parse(&ClientInput {
        first_name: first.into(),
        last_name: last.into(),
        ..ClientInput::default()
    })
    .unwrap();
    Client::create(id, business, new, sites.to_vec(), at, at.date_naive())
}

fn client(business: BusinessId, first: &str, last: &str, sites: &[SiteId]) -> Client {
    let id = ClientId::from_uuid(new_uuid());
    client_with_id(id, business, first, last, sites, base_time())
}

/// A business with one site, stored and committed.
async fn business_with_site(storage: &SeaStorage) -> (Business, Site) {
    let business = business();
    let site = site(business.id, "Paris Opéra");
    let mut tx = storage.begin().await.unwrap();
    tx.insert_business(&business).await.unwrap();
    tx.insert_site(&site).await.unwrap();
    tx.commit().await.unwrap();
    (business, site)
}

async fn insert_clients(storage: &SeaStorage, clients: &[Client]) {
    let mut tx = storage.begin().await.unwrap();
    for client in clients {
        tx.insert_client(client).await.unwrap();
    }
    tx.commit().await.unwrap();
}

async fn stored_client(storage: &SeaStorage, client: &Client) -> Option<Client> {
    let mut tx = storage.read().await.unwrap();
    tx.client(client.business_id, client.id).await.unwrap()
}

fn query(scope: SiteScope, sort: ClientSort) -> ClientQuery {
    ClientQuery {
        scope,
        site: None,
        labels: None,
        opted_in: None,
        custom_fields: Vec::new(),
        banned: None,
        has_account: None,
        activity: None,
        search: None,
        past_exact_matches: false,
        sort,
        after: None,
        limit: 500,
    }
}

/// Every page of `query` in pages of `page_size`, each page read from the cursor of the
/// previous page's last client.
async fn all_pages(
    storage: &SeaStorage,
    business: BusinessId,
    mut query: ClientQuery,
    page_size: u32,
) -> Vec<Client> {
    query.limit = page_size;
    let mut seen = Vec::new();
    loop {
        let mut tx = storage.read().await.unwrap();
        let page = tx.clients(business, &query).await.unwrap();
        assert!(
            page.len() <= page_size as usize,
            "a page holds at most its limit"
        );
        let Some(last) = page.last() else { break };
        query.after = Some(query.sort.key_of(last));
        let full = page.len() == page_size as usize;
        assert!(
            page.iter().all(|client| !seen.contains(client)),
            "a client is listed twice: the pages go round in circles"
        );
        seen.extend(page);
        if !full {
            break;
        }
    }
    seen
}

fn ids(clients: &[Client]) -> Vec<ClientId> {
    clients.iter().map(|c| c.id).collect()
}

fn names(clients: &[Client]) -> Vec<String> {
    clients
        .iter()
        .map(|c| format!("{} {}", c.first_name.as_str(), c.last_name.as_str()))
        .collect()
}

// ---------------------------------------------------------------------------------------
// Connecting and migrating

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

// ---------------------------------------------------------------------------------------
// Transactions

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

// ---------------------------------------------------------------------------------------
// Businesses and bootstrap

#[tokio::test]
async fn a_business_round_trips_updates_with_its_version_and_lists_by_id() {
    // Also: a conflict or a duplicate leaves the transaction usable, so the update made
    // before them in the same transaction still commits (PostgreSQL would otherwise abort
    // the transaction at the first error).
    // Arrange
    let (storage, _db) = fresh_storage().await;
    let first = business();
    let second = business();
    let mut tx = storage.begin().await.unwrap();
    tx.insert_business(&first).await.unwrap();
    tx.insert_business(&second).await.unwrap();
    tx.commit().await.unwrap();
    let mut changed = first.clone();
    changed.apply(
        clientele_domain::business::SettingsChanges {
            time_zone: Some(TimeZone::parse("America/Montreal").unwrap()),
            currency: Some(Currency::parse("CAD").unwrap()),
            merge_on_identical_name: Some(true),
            ..Default::default()
        },
        base_time() + Duration::minutes(1),
    );

    // Act
    let mut tx = storage.begin().await.unwrap();
    tx.update_business(&changed, first.version).await.unwrap();
    let stale = tx.update_business(&changed, first.version).await;
    let duplicate = tx.insert_business(&first).await;
    tx.commit().await.unwrap();

    // Assert
    assert!(matches!(stale, Err(StorageError::VersionConflict)));
    assert!(matches!(
        duplicate,
        Err(StorageError::Duplicate("business"))
    ));
    let mut tx = storage.read().await.unwrap();
    assert_eq!(tx.business(first.id).await.unwrap(), Some(changed.clone()));
    let all = tx.businesses(None, 10).await.unwrap();
    assert_eq!(all, vec![changed, second.clone()]);
    assert_eq!(
        tx.businesses(Some(first.id), 10).await.unwrap(),
        vec![second]
    );
}

#[tokio::test]
async fn record_bootstrap_twice_is_a_duplicate_bootstrap() {
    // Arrange
    let (storage, _db) = fresh_storage().await;
    let first = BusinessId::from_uuid(new_uuid());
    let mut tx = storage.begin().await.unwrap();
    assert_eq!(tx.bootstrap_business().await.unwrap(), None);
    tx.record_bootstrap(first, base_time()).await.unwrap();
    tx.commit().await.unwrap();

    // Act
    let mut tx = storage.begin().await.unwrap();
    let second = tx
        .record_bootstrap(BusinessId::from_uuid(new_uuid()), base_time())
        .await;
    // The duplicate leaves the transaction usable (on PostgreSQL too).
    let recorded = tx.bootstrap_business().await.unwrap();
    tx.commit().await.unwrap();

    // Assert
    assert!(matches!(second, Err(StorageError::Duplicate("bootstrap"))));
    assert_eq!(recorded, Some(first));
    let mut tx = storage.read().await.unwrap();
    assert_eq!(tx.bootstrap_business().await.unwrap(), Some(first));
}

// ---------------------------------------------------------------------------------------
// Clients

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
    client.banned = true;
    client.has_account = true;
    client.admin_updated_at = created + Duration::microseconds(999_999);

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
        client.created_at = at(created);
        client.updated_at = at(updated);
        client.admin_updated_at = at(admin_updated);

        // Act
        insert_clients(&storage, std::slice::from_ref(&client)).await;
        let stored = stored_client(&storage, &client).await;

        // Assert
        assert_eq!(stored, Some(client), "{created} {updated} {admin_updated}");
    }
}

#[tokio::test]
async fn a_read_sees_one_snapshot_while_a_write_commits_beside_it() {
    // Arrange: a read has seen the client; then a rename is committed beside it.
    let (storage, _db) = fresh_storage().await;
    let (business, paris) = business_with_site(&storage).await;
    let original = client(business.id, "Ana", "Silva", &[paris.id]);
    insert_clients(&storage, std::slice::from_ref(&original)).await;
    let mut read = storage.read().await.unwrap();
    let seen = read.client(business.id, original.id).await.unwrap();
    let mut renamed = original.clone();
    renamed.last_name = clientele_domain::PersonName::parse("last_name", "Souza").unwrap();
    renamed.version = original.version.next();
    let mut write = storage.begin().await.unwrap();
    write
        .update_client(&renamed, original.version)
        .await
        .unwrap();
    write.commit().await.unwrap();

    // Act
    let seen_again = read.client(business.id, original.id).await.unwrap();
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
    first_edit.last_name = clientele_domain::PersonName::parse("last_name", "Souza").unwrap();
    first_edit.version = original.version.next();
    let mut tx = storage.begin().await.unwrap();
    tx.update_client(&first_edit, original.version)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let mut stale_edit = original.clone();
    stale_edit.first_name = clientele_domain::PersonName::parse("first_name", "Anna").unwrap();
    stale_edit.version = original.version.next();

    // Act
    let mut tx = storage.begin().await.unwrap();
    let outcome = tx.update_client(&stale_edit, original.version).await;
    tx.commit().await.unwrap();

    // Assert
    assert!(matches!(outcome, Err(StorageError::VersionConflict)));
    assert_eq!(stored_client(&storage, &original).await, Some(first_edit));
}

#[tokio::test]
async fn updating_an_absent_client_is_not_found() {
    // Arrange
    let (storage, _db) = fresh_storage().await;
    let (business, paris) = business_with_site(&storage).await;
    let never_stored = client(business.id, "Ana", "Silva", &[paris.id]);

    // Act
    let mut tx = storage.begin().await.unwrap();
    let outcome = tx.update_client(&never_stored, never_stored.version).await;

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
    moved.sites = vec![lyon.id];
    moved.version = original.version.next();

    // Act
    let mut tx = storage.begin().await.unwrap();
    tx.update_client(&moved, original.version).await.unwrap();
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
            c.admin_updated_at = *admin_updated;
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
        ClientSort::LastName => (c.last_name.key(), c.first_name.key(), None, c.id),
        ClientSort::FirstName => (c.first_name.key(), c.last_name.key(), None, c.id),
        ClientSort::CreatedAt => (String::new(), String::new(), Some(c.created_at), c.id),
        ClientSort::AdminUpdatedAt => {
            (String::new(), String::new(), Some(c.admin_updated_at), c.id)
        }
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
            .find(|c| c.first_name.as_str() == first)
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
    let (first_ana, second_ana) = if ana.id < ana_lower.id {
        ("Ana Dupont", "ana dupont")
    } else {
        ("ana dupont", "Ana Dupont")
    };
    let (first_emile, second_emile) = if emile.id < emile_lower.id {
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

// ---------------------------------------------------------------------------------------
// Tenancy

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
    assert_eq!(tx.client(other.id, owner_client.id).await.unwrap(), None);
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
    forged_client.business_id = other.id;
    let mut forged_site = owner_site.clone();
    forged_site.business_id = other.id;
    let mut forged_member = member.clone();
    forged_member.business_id = other.id;
    forged_member.sites = vec![];
    assert!(matches!(
        tx.update_client(&forged_client, owner_client.version).await,
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
        tx.client(owner.id, owner_client.id).await.unwrap(),
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

// ---------------------------------------------------------------------------------------
// Sites

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

// ---------------------------------------------------------------------------------------
// Staff and tokens

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

// ---------------------------------------------------------------------------------------
// Clients by email

fn client_with_email(
    business: BusinessId,
    first: &str,
    email: &str,
    sites: &[SiteId],
    at: DateTime<Utc>,
) -> Client {
    let new = NewClient::parse(&ClientInput {
        first_name: first.into(),
        last_name: "Silva".into(),
        email: Some(email.into()),
        ..ClientInput::default()
    })
    .unwrap();
    let id = ClientId::from_uuid(new_uuid());
    Client::create(id, business, new, sites.to_vec(), at, at.date_naive())
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

// ---------------------------------------------------------------------------------------
// Appointment types and appointments

fn eur(amount: &str) -> Money {
    Money::parse("amount", amount, Currency::parse("EUR").unwrap()).unwrap()
}

fn appointment_type(business: BusinessId, name: &str, price: &str) -> AppointmentType {
    let details = AppointmentTypeDetails::parse(
        &AppointmentTypeInput {
            name: name.into(),
            duration_minutes: 90,
            price: price.into(),
            currency: None,
        },
        Currency::parse("EUR").unwrap(),
    )
    .unwrap();
    AppointmentType::new(
        AppointmentTypeId::from_uuid(new_uuid()),
        business,
        details,
        base_time(),
    )
}

/// What an appointment refers to, stored and committed: a business with a site, a client
/// of that site and a service.
struct Booking {
    business: Business,
    site: Site,
    client: Client,
    service: AppointmentType,
}

async fn booking(storage: &SeaStorage) -> Booking {
    let (business, site) = business_with_site(storage).await;
    let client = client(business.id, "Ana", "Silva", &[site.id]);
    let service = appointment_type(business.id, "Massage 90 min", "60.50");
    let mut tx = storage.begin().await.unwrap();
    tx.insert_client(&client).await.unwrap();
    tx.insert_appointment_type(&service).await.unwrap();
    tx.commit().await.unwrap();
    Booking {
        business,
        site,
        client,
        service,
    }
}

fn appointment(booking: &Booking, client: ClientId, starts_at: DateTime<Utc>) -> Appointment {
    let slot = Slot::for_service(starts_at, None, booking.service.duration).unwrap();
    Appointment::book(
        AppointmentId::from_uuid(new_uuid()),
        booking.business.id,
        NewAppointment {
            client_id: client,
            appointment_type: booking.service.id,
            site_id: booking.site.id,
            staff_id: None,
            slot,
            price: booking.service.price,
        },
        base_time(),
    )
}

async fn insert_appointments(storage: &SeaStorage, appointments: &[Appointment]) {
    let mut tx = storage.begin().await.unwrap();
    for appointment in appointments {
        tx.insert_appointment(appointment).await.unwrap();
    }
    tx.commit().await.unwrap();
}

async fn stored_appointment(
    storage: &SeaStorage,
    appointment: &Appointment,
) -> Option<Appointment> {
    let mut tx = storage.read().await.unwrap();
    tx.appointment(appointment.business_id, appointment.id)
        .await
        .unwrap()
}

#[tokio::test]
async fn an_appointment_type_round_trips_equal_with_cents_and_updates_with_its_version() {
    // Arrange
    let (storage, _db) = fresh_storage().await;
    let (business, _) = business_with_site(&storage).await;
    let massage = appointment_type(business.id, "Massage 90 min", "60.55");
    let facial = appointment_type(business.id, "Soin visage", "0.01");
    let mut tx = storage.begin().await.unwrap();
    tx.insert_appointment_type(&massage).await.unwrap();
    tx.insert_appointment_type(&facial).await.unwrap();
    tx.commit().await.unwrap();
    let mut changed = massage.clone();
    changed.replace(
        AppointmentTypeDetails::parse(
            &AppointmentTypeInput {
                name: "Massage 60 min".into(),
                duration_minutes: 60,
                price: "999999999.99".into(),
                currency: Some("CHF".into()),
            },
            Currency::parse("EUR").unwrap(),
        )
        .unwrap(),
        base_time() + Duration::microseconds(1),
    );

    // Act
    let mut tx = storage.begin().await.unwrap();
    let stored = tx.appointment_type(business.id, massage.id).await.unwrap();
    let duplicate = tx.insert_appointment_type(&massage).await;
    tx.update_appointment_type(&changed, massage.version)
        .await
        .unwrap();
    let stale = tx.update_appointment_type(&changed, massage.version).await;
    let absent = tx
        .update_appointment_type(
            &appointment_type(business.id, "Never stored", "1"),
            Version::initial(),
        )
        .await;
    tx.commit().await.unwrap();

    // Assert
    assert_eq!(stored, Some(massage.clone()));
    assert!(matches!(
        duplicate,
        Err(StorageError::Duplicate("appointment_type"))
    ));
    assert!(matches!(stale, Err(StorageError::VersionConflict)));
    assert!(matches!(absent, Err(StorageError::NotFound)));
    let mut tx = storage.read().await.unwrap();
    let mut expected = vec![changed.clone(), facial];
    expected.sort_by_key(|t| t.id);
    assert_eq!(
        tx.appointment_types(business.id, None, 10).await.unwrap(),
        expected
    );
    assert_eq!(
        tx.appointment_types(business.id, Some(expected[0].id), 10)
            .await
            .unwrap(),
        vec![expected[1].clone()]
    );
    assert_eq!(
        tx.appointment_type(business.id, massage.id).await.unwrap(),
        Some(changed)
    );
}

#[tokio::test]
async fn an_appointment_round_trips_equal_with_cents_microseconds_staff_and_cancellation() {
    // Arrange
    let (storage, _db) = fresh_storage().await;
    let world = booking(&storage).await;
    let t = base_time();
    let mut attended = appointment(
        &world,
        world.client.id,
        t + Duration::days(1) + Duration::microseconds(7),
    );
    attended.staff_id = Some(StaffId::from_uuid(new_uuid()));
    attended.paid = eur("60.49");
    attended.refunded = eur("0.01");
    attended
        .set_attendance(Attendance::CheckedIn, t + Duration::microseconds(999_999))
        .unwrap();
    let mut cancelled = appointment(&world, world.client.id, t + Duration::days(2));
    cancelled
        .cancel(t + Duration::seconds(1) + Duration::microseconds(654_321))
        .unwrap();

    // Act
    insert_appointments(&storage, &[attended.clone(), cancelled.clone()]).await;
    let mut tx = storage.begin().await.unwrap();
    let read = tx
        .appointment(world.business.id, attended.id)
        .await
        .unwrap();
    let locked = tx
        .appointment_for_update(world.business.id, cancelled.id)
        .await
        .unwrap();
    let duplicate = tx.insert_appointment(&attended).await;
    let absent = tx
        .appointment_for_update(world.business.id, AppointmentId::from_uuid(new_uuid()))
        .await
        .unwrap();
    tx.commit().await.unwrap();

    // Assert
    assert_eq!(read, Some(attended));
    assert_eq!(locked, Some(cancelled));
    assert!(matches!(
        duplicate,
        Err(StorageError::Duplicate("appointment"))
    ));
    assert_eq!(absent, None);
}

#[tokio::test]
async fn pl_11_a_stale_appointment_version_is_a_conflict_and_changes_nothing() {
    // Arrange
    let (storage, _db) = fresh_storage().await;
    let world = booking(&storage).await;
    let t = base_time();
    let original = appointment(&world, world.client.id, t + Duration::days(1));
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
    tx.update_appointment(&moved, original.version)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let mut stale = original.clone();
    stale.cancel(t + Duration::minutes(2)).unwrap();
    let never_stored = appointment(&world, world.client.id, t);

    // Act
    let mut tx = storage.begin().await.unwrap();
    let conflict = tx.update_appointment(&stale, original.version).await;
    let absent = tx
        .update_appointment(&never_stored, never_stored.version)
        .await;
    tx.commit().await.unwrap();

    // Assert
    assert!(matches!(conflict, Err(StorageError::VersionConflict)));
    assert!(matches!(absent, Err(StorageError::NotFound)));
    assert_eq!(stored_appointment(&storage, &original).await, Some(moved));
}

#[tokio::test]
async fn ap_8_the_database_refuses_a_refund_larger_than_what_was_paid() {
    // Arrange
    let (storage, _db) = fresh_storage().await;
    let world = booking(&storage).await;
    let mut original = appointment(&world, world.client.id, base_time() + Duration::days(1));
    original.paid = eur("20.00");
    insert_appointments(&storage, std::slice::from_ref(&original)).await;
    let mut over_refunded = original.clone();
    over_refunded.refunded = eur("20.01");
    over_refunded.version = original.version.next();
    let mut new_over_refunded = appointment(&world, world.client.id, base_time());
    new_over_refunded.refunded = eur("0.01");

    // Act
    let mut tx = storage.begin().await.unwrap();
    let updated = tx
        .update_appointment(&over_refunded, original.version)
        .await;
    let inserted = tx.insert_appointment(&new_over_refunded).await;
    // The refusals leave the transaction usable (on PostgreSQL too).
    let within = tx
        .appointment(world.business.id, original.id)
        .await
        .unwrap();
    tx.commit().await.unwrap();

    // Assert
    assert!(matches!(updated, Err(StorageError::Unexpected(_))));
    assert!(matches!(inserted, Err(StorageError::Unexpected(_))));
    assert_eq!(within, Some(original.clone()));
    assert_eq!(
        stored_appointment(&storage, &original).await,
        Some(original)
    );
    assert_eq!(stored_appointment(&storage, &new_over_refunded).await, None);
}

#[tokio::test]
async fn appointments_of_a_client_list_latest_first_in_keyset_pages() {
    // Arrange
    let (storage, _db) = fresh_storage().await;
    let world = booking(&storage).await;
    let other_client = client(world.business.id, "Bruno", "Martin", &[world.site.id]);
    insert_clients(&storage, std::slice::from_ref(&other_client)).await;
    let t = base_time();
    let mine: Vec<Appointment> = [3, 1, 1, 2, 5, 1]
        .iter()
        .map(|days| appointment(&world, world.client.id, t + Duration::days(*days)))
        .collect();
    let theirs = appointment(&world, other_client.id, t + Duration::days(4));
    let mut all = mine.clone();
    all.push(theirs);
    insert_appointments(&storage, &all).await;
    let mut expected = mine.clone();
    expected.sort_by_key(|a| std::cmp::Reverse((a.slot.starts_at(), a.id)));

    // Act
    let mut tx = storage.read().await.unwrap();
    let whole = tx
        .appointments_of_client(world.business.id, world.client.id, None, 100)
        .await
        .unwrap();
    let mut paged = Vec::new();
    let mut after = None;
    loop {
        let page = tx
            .appointments_of_client(world.business.id, world.client.id, after, 2)
            .await
            .unwrap();
        assert!(page.len() <= 2, "a page holds at most its limit");
        let Some(last) = page.last() else { break };
        after = Some((last.slot.starts_at(), last.id));
        paged.extend(page);
    }

    // Assert
    assert_eq!(whole, expected);
    assert_eq!(paged, expected);
}

#[tokio::test]
async fn pl_26_appointments_and_services_of_another_business_are_invisible_and_untouchable() {
    // Arrange
    let (storage, _db) = fresh_storage().await;
    let world = booking(&storage).await;
    let original = appointment(&world, world.client.id, base_time() + Duration::days(1));
    insert_appointments(&storage, std::slice::from_ref(&original)).await;
    let (other, _) = business_with_site(&storage).await;
    let mut forged = original.clone();
    forged.business_id = other.id;
    forged.version = original.version.next();
    let mut forged_service = world.service.clone();
    forged_service.business_id = other.id;

    // Act and Assert
    let mut tx = storage.begin().await.unwrap();
    assert_eq!(tx.appointment(other.id, original.id).await.unwrap(), None);
    assert_eq!(
        tx.appointment_for_update(other.id, original.id)
            .await
            .unwrap(),
        None
    );
    assert!(
        tx.appointments_of_client(other.id, world.client.id, None, 10)
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        tx.appointment_type(other.id, world.service.id)
            .await
            .unwrap(),
        None
    );
    assert!(
        tx.appointment_types(other.id, None, 10)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(matches!(
        tx.update_appointment(&forged, original.version).await,
        Err(StorageError::NotFound)
    ));
    assert!(matches!(
        tx.update_appointment_type(&forged_service, world.service.version)
            .await,
        Err(StorageError::NotFound)
    ));
    tx.commit().await.unwrap();
    assert_eq!(
        stored_appointment(&storage, &original).await,
        Some(original)
    );
}

#[tokio::test]
async fn a_site_with_appointments_cannot_be_deleted() {
    // Arrange
    let (storage, _db) = fresh_storage().await;
    let world = booking(&storage).await;
    let elsewhere = site(world.business.id, "Lyon");
    let mut tx = storage.begin().await.unwrap();
    tx.insert_site(&elsewhere).await.unwrap();
    tx.commit().await.unwrap();
    // The client belongs to Lyon, the appointment takes place in Paris.
    let mut moved = world.client.clone();
    moved.sites = vec![elsewhere.id];
    moved.version = world.client.version.next();
    let mut tx = storage.begin().await.unwrap();
    tx.update_client(&moved, world.client.version)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    insert_appointments(
        &storage,
        &[appointment(&world, world.client.id, base_time())],
    )
    .await;

    // Act
    let mut tx = storage.begin().await.unwrap();
    let outcome = tx.delete_site(world.business.id, world.site.id).await;
    tx.commit().await.unwrap();

    // Assert
    assert!(matches!(outcome, Err(StorageError::InUse("appointments"))));
    let mut tx = storage.read().await.unwrap();
    assert!(
        tx.site(world.business.id, world.site.id)
            .await
            .unwrap()
            .is_some()
    );
}

// ---------------------------------------------------------------------------------------
// Audit trails

#[tokio::test]
async fn a_clients_audit_trail_lists_newest_first_and_attendance_changes_oldest_first() {
    // Arrange
    let (storage, _db) = fresh_storage().await;
    let world = booking(&storage).await;
    let other_client = client(world.business.id, "Bruno", "Martin", &[world.site.id]);
    insert_clients(&storage, std::slice::from_ref(&other_client)).await;
    let attended = appointment(&world, world.client.id, base_time());
    let other_appointment = appointment(&world, other_client.id, base_time());
    insert_appointments(&storage, &[attended.clone(), other_appointment.clone()]).await;
    let actor = StaffId::from_uuid(new_uuid());
    let t = base_time();
    let audit = |client: ClientId, at: DateTime<Utc>, action| {
        // CL-14: a profile change carries its field and values; a ban carries none.
        let updated = action == ClientAuditAction::Updated;
        ClientAuditEntry {
            id: AuditId::from_uuid(new_uuid()),
            business_id: world.business.id,
            client_id: client,
            actor,
            at,
            action,
            field: updated.then(|| "email".to_owned()),
            old_value: updated.then(|| "Ana@Example.com".to_owned()),
            new_value: None,
        }
    };
    let entries = vec![
        audit(world.client.id, t, ClientAuditAction::Banned),
        audit(
            world.client.id,
            t + Duration::seconds(2),
            ClientAuditAction::Banned,
        ),
        audit(
            world.client.id,
            t + Duration::microseconds(1),
            ClientAuditAction::Unbanned,
        ),
        audit(
            world.client.id,
            t + Duration::seconds(3),
            ClientAuditAction::Unbanned,
        ),
        audit(
            world.client.id,
            t + Duration::seconds(3),
            ClientAuditAction::Updated,
        ),
    ];
    let not_theirs = audit(
        other_client.id,
        t + Duration::days(1),
        ClientAuditAction::Banned,
    );
    let change = |appointment: AppointmentId, at: DateTime<Utc>, from, to| AttendanceChange {
        id: AuditId::from_uuid(new_uuid()),
        business_id: world.business.id,
        appointment_id: appointment,
        from,
        to,
        actor,
        at,
    };
    use Attendance::{Booked, CheckedIn, NoShow};
    let changes = vec![
        change(attended.id, t + Duration::seconds(2), NoShow, CheckedIn),
        change(attended.id, t, Booked, NoShow),
        change(attended.id, t + Duration::seconds(2), CheckedIn, NoShow),
    ];
    let other_change = change(other_appointment.id, t, Booked, CheckedIn);
    let mut tx = storage.begin().await.unwrap();
    for entry in entries.iter().chain([&not_theirs]) {
        tx.record_client_audit(entry).await.unwrap();
    }
    for change in changes.iter().chain([&other_change]) {
        tx.record_attendance_change(change).await.unwrap();
    }
    tx.commit().await.unwrap();
    let mut newest_first = entries.clone();
    newest_first.sort_by_key(|e| std::cmp::Reverse((e.at, e.id)));
    let mut oldest_first = changes.clone();
    oldest_first.sort_by_key(|c| (c.at, c.id));

    // Act
    let mut tx = storage.read().await.unwrap();
    let trail = tx
        .client_audit(world.business.id, world.client.id, 10)
        .await
        .unwrap();
    let latest_two = tx
        .client_audit(world.business.id, world.client.id, 2)
        .await
        .unwrap();
    let attendance = tx
        .attendance_changes(world.business.id, attended.id)
        .await
        .unwrap();
    let elsewhere = tx
        .client_audit(BusinessId::from_uuid(new_uuid()), world.client.id, 10)
        .await
        .unwrap();

    // Assert
    assert_eq!(trail, newest_first);
    assert_eq!(latest_two, newest_first[..2]);
    assert_eq!(attendance, oldest_first);
    assert!(elsewhere.is_empty());
}

// ---------------------------------------------------------------------------------------
// Outbox

fn outgoing(business: BusinessId, to: &str, created_at: DateTime<Utc>) -> OutgoingEmail {
    OutgoingEmail {
        id: EmailId::from_uuid(new_uuid()),
        business_id: business,
        kind: EmailKind::BookingConfirmation,
        to: EmailAddress::parse("to", to).unwrap(),
        content: EmailContent {
            subject: "Your appointment at Spa Lumière is confirmed".into(),
            text: "Hello Ana,\n\nYour appointment is confirmed.\n".into(),
            html: "<p>Hello Ana,</p>\n<p>Spa &lt;Lumière&gt;</p>".into(),
        },
        created_at,
    }
}

async fn enqueue(storage: &SeaStorage, emails: &[OutgoingEmail]) {
    let mut tx = storage.begin().await.unwrap();
    for email in emails {
        tx.enqueue_email(email).await.unwrap();
    }
    tx.commit().await.unwrap();
}

async fn claim(
    storage: &SeaStorage,
    business: BusinessId,
    now: DateTime<Utc>,
    lease_until: DateTime<Utc>,
    limit: u32,
) -> Vec<OutboxEmail> {
    let mut tx = storage.begin().await.unwrap();
    let claimed = tx
        .claim_due_emails(business, now, lease_until, limit)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    claimed
}

fn pending(email: &OutgoingEmail, attempts: u32, next_attempt_at: DateTime<Utc>) -> OutboxEmail {
    OutboxEmail {
        email: email.clone(),
        state: EmailState::Pending {
            attempts,
            next_attempt_at,
        },
    }
}

#[tokio::test]
async fn pl_18_an_enqueued_email_is_listed_pending_newest_first() {
    // Arrange
    let (storage, _db) = fresh_storage().await;
    let (business, _) = business_with_site(&storage).await;
    let t = base_time();
    let mut emails: Vec<OutgoingEmail> = (0..3)
        .map(|i| {
            outgoing(
                business.id,
                "Ana@Example.com",
                t + Duration::microseconds(i),
            )
        })
        .collect();
    emails[1].kind = EmailKind::Refund;

    // Act
    enqueue(&storage, &emails).await;
    let mut tx = storage.read().await.unwrap();
    let listed = tx.emails(business.id, None, 10).await.unwrap();
    let after_newest = tx
        .emails(business.id, Some(listed[0].email.id), 1)
        .await
        .unwrap();
    let elsewhere = tx
        .emails(BusinessId::from_uuid(new_uuid()), None, 10)
        .await
        .unwrap();

    // Assert
    let mut newest_first: Vec<OutboxEmail> =
        emails.iter().map(|e| pending(e, 0, e.created_at)).collect();
    newest_first.sort_by_key(|e| std::cmp::Reverse(e.email.id));
    assert_eq!(listed, newest_first);
    assert_eq!(after_newest, newest_first[1..2]);
    assert!(elsewhere.is_empty());
}

#[tokio::test]
async fn pl_18_a_claimed_email_is_leased_until_its_claim_runs_out() {
    // Arrange
    let (storage, _db) = fresh_storage().await;
    let (business, _) = business_with_site(&storage).await;
    let now = base_time();
    let lease_until = now + Duration::minutes(5);
    let due_first = outgoing(business.id, "a@example.com", now - Duration::minutes(2));
    let due_second = outgoing(business.id, "b@example.com", now - Duration::minutes(1));
    let not_due = outgoing(business.id, "c@example.com", now + Duration::hours(1));
    // Enqueued out of order: the claim goes by due time, not by insertion.
    enqueue(&storage, &[not_due, due_second.clone(), due_first.clone()]).await;

    // Act
    let first = claim(&storage, business.id, now, lease_until, 1).await;
    let second = claim(&storage, business.id, now, lease_until, 10).await;
    let while_leased = claim(
        &storage,
        business.id,
        now + Duration::minutes(4),
        lease_until,
        10,
    )
    .await;
    let after_lease = claim(
        &storage,
        business.id,
        lease_until,
        lease_until + Duration::minutes(5),
        10,
    )
    .await;

    // Assert
    assert_eq!(first, vec![pending(&due_first, 1, due_first.created_at)]);
    assert_eq!(second, vec![pending(&due_second, 1, due_second.created_at)]);
    assert!(while_leased.is_empty());
    assert_eq!(
        after_lease,
        vec![
            pending(&due_first, 2, due_first.created_at),
            pending(&due_second, 2, due_second.created_at),
        ]
    );
}

#[tokio::test]
async fn pl_18_a_sent_or_failed_email_is_never_claimed_again() {
    // Arrange
    let (storage, _db) = fresh_storage().await;
    let (business, _) = business_with_site(&storage).await;
    let now = base_time();
    let sent = outgoing(business.id, "a@example.com", now - Duration::minutes(1));
    let failed = outgoing(business.id, "b@example.com", now - Duration::minutes(1));
    enqueue(&storage, &[sent.clone(), failed.clone()]).await;
    claim(&storage, business.id, now, now + Duration::minutes(5), 10).await;
    let sent_at = now + Duration::seconds(1) + Duration::microseconds(1);
    let absent = EmailId::from_uuid(new_uuid());

    // Act
    let mut tx = storage.begin().await.unwrap();
    tx.mark_email_sent(business.id, sent.id, sent_at)
        .await
        .unwrap();
    // A NUL from an SMTP server is stored (replaced) rather than failing on PostgreSQL.
    tx.mark_email_failed(business.id, failed.id, "550 mailbox\0 unavailable")
        .await
        .unwrap();
    let sent_absent = tx.mark_email_sent(business.id, absent, sent_at).await;
    let retry_absent = tx
        .mark_email_retry(business.id, absent, now, "421 later")
        .await;
    let failed_absent = tx.mark_email_failed(business.id, absent, "550").await;
    let sent_elsewhere = tx
        .mark_email_sent(BusinessId::from_uuid(new_uuid()), sent.id, sent_at)
        .await;
    tx.commit().await.unwrap();
    let later = claim(
        &storage,
        business.id,
        now + Duration::days(1),
        now + Duration::days(2),
        10,
    )
    .await;

    // Assert
    assert!(matches!(sent_absent, Err(StorageError::NotFound)));
    assert!(matches!(retry_absent, Err(StorageError::NotFound)));
    assert!(matches!(failed_absent, Err(StorageError::NotFound)));
    assert!(matches!(sent_elsewhere, Err(StorageError::NotFound)));
    assert!(later.is_empty());
    let mut tx = storage.read().await.unwrap();
    let mut listed = tx.emails(business.id, None, 10).await.unwrap();
    listed.sort_by_key(|e| e.email.id);
    let mut expected = vec![
        OutboxEmail {
            email: sent,
            state: EmailState::Sent { at: sent_at },
        },
        OutboxEmail {
            email: failed,
            state: EmailState::Failed {
                attempts: 1,
                last_error: "550 mailbox\u{FFFD} unavailable".into(),
            },
        },
    ];
    expected.sort_by_key(|e| e.email.id);
    assert_eq!(listed, expected);
}

#[tokio::test]
async fn pl_18_a_retried_email_is_due_again_at_its_next_attempt_only() {
    // Arrange
    let (storage, _db) = fresh_storage().await;
    let (business, _) = business_with_site(&storage).await;
    let now = base_time();
    let email = outgoing(business.id, "a@example.com", now - Duration::minutes(1));
    enqueue(&storage, std::slice::from_ref(&email)).await;
    claim(&storage, business.id, now, now + Duration::minutes(5), 10).await;
    let next_attempt_at = now + Duration::minutes(10);

    // Act
    let mut tx = storage.begin().await.unwrap();
    tx.mark_email_retry(
        business.id,
        email.id,
        next_attempt_at,
        "421 try again later",
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let mut tx = storage.read().await.unwrap();
    let listed = tx.emails(business.id, None, 10).await.unwrap();
    drop(tx);
    let too_early = claim(
        &storage,
        business.id,
        next_attempt_at - Duration::microseconds(1),
        next_attempt_at + Duration::minutes(5),
        10,
    )
    .await;
    let when_due = claim(
        &storage,
        business.id,
        next_attempt_at,
        next_attempt_at + Duration::minutes(5),
        10,
    )
    .await;

    // Assert: the claim was released, yet the email waits for its next attempt.
    assert_eq!(listed, vec![pending(&email, 1, next_attempt_at)]);
    assert!(too_early.is_empty());
    assert_eq!(when_due, vec![pending(&email, 2, next_attempt_at)]);
}

#[tokio::test]
async fn pl_18_two_transactions_claiming_at_once_get_disjoint_emails() {
    // Arrange
    let (storage, _db) = fresh_storage().await;
    if storage.backend() == DatabaseBackend::Sqlite {
        // SQLite's write transactions do not overlap at all: a second BEGIN IMMEDIATE
        // waits for the first to end, so there is no "at once" to test.
        return;
    }
    let (business, _) = business_with_site(&storage).await;
    let now = base_time();
    let emails: Vec<OutgoingEmail> = (0..4)
        .map(|i| {
            outgoing(
                business.id,
                "a@example.com",
                now - Duration::seconds(10 - i),
            )
        })
        .collect();
    enqueue(&storage, &emails).await;
    let lease_until = now + Duration::minutes(5);

    // Act
    let mut first = storage.begin().await.unwrap();
    let mut second = storage.begin().await.unwrap();
    let claimed_first = first
        .claim_due_emails(business.id, now, lease_until, 2)
        .await
        .unwrap();
    // Without SKIP LOCKED this would wait for the first transaction forever.
    let claimed_second = tokio::time::timeout(
        std::time::Duration::from_secs(10),
        second.claim_due_emails(business.id, now, lease_until, 10),
    )
    .await
    .expect("the second claim must skip the rows the first one holds")
    .unwrap();
    first.commit().await.unwrap();
    second.commit().await.unwrap();

    // Assert
    let ids =
        |claimed: &[OutboxEmail]| -> Vec<EmailId> { claimed.iter().map(|e| e.email.id).collect() };
    assert_eq!(ids(&claimed_first), vec![emails[0].id, emails[1].id]);
    assert_eq!(ids(&claimed_second), vec![emails[2].id, emails[3].id]);
    let third = claim(&storage, business.id, now, lease_until, 10).await;
    assert!(third.is_empty());
}

// ---------------------------------------------------------------------------------------
// Payments, invoices and idempotency keys

fn payment_type(name: &str) -> PaymentType {
    PaymentType::parse(name).unwrap()
}

fn card(business: BusinessId, client: ClientId, last4: &str, at: DateTime<Utc>) -> PaymentMethod {
    PaymentMethod {
        id: PaymentMethodId::from_uuid(new_uuid()),
        business_id: business,
        client_id: client,
        processor: ProcessorKind::StubCard,
        token: format!("tok_ok_{}", new_uuid().simple()),
        brand: "visa".into(),
        last4: last4.into(),
        created_at: at,
    }
}

/// A charge of `amount` on `appointment` by card, with the processor's `reference`.
fn card_charge(appointment: &Appointment, amount: &str, reference: &str) -> Payment {
    Payment {
        id: PaymentId::from_uuid(new_uuid()),
        business_id: appointment.business_id,
        appointment_id: appointment.id,
        client_id: appointment.client_id,
        direction: PaymentDirection::Charge,
        amount: eur(amount),
        processor: ProcessorKind::StubCard,
        means: PaymentMeans::Card {
            brand: "visa".into(),
            last4: "4242".into(),
        },
        reference: reference.into(),
        refund_of: None,
        refunded: eur("0"),
        actor: StaffId::from_uuid(new_uuid()),
        created_at: base_time(),
    }
}

fn manual_charge(appointment: &Appointment, amount: &str, kind: &str, reference: &str) -> Payment {
    Payment {
        processor: ProcessorKind::Manual,
        means: PaymentMeans::Manual(payment_type(kind)),
        ..card_charge(appointment, amount, reference)
    }
}

/// A refund of `amount` of `charge`, by the charge's processor and means.
fn refund_of(charge: &Payment, amount: &str, reference: &str) -> Payment {
    Payment {
        id: PaymentId::from_uuid(new_uuid()),
        direction: PaymentDirection::Refund,
        amount: eur(amount),
        reference: reference.into(),
        refund_of: Some(charge.id),
        refunded: eur("0"),
        ..charge.clone()
    }
}

fn invoice(appointment: &Appointment, number: &str, amount: &str, at: DateTime<Utc>) -> Invoice {
    Invoice {
        id: InvoiceId::from_uuid(new_uuid()),
        business_id: appointment.business_id,
        appointment_id: appointment.id,
        client_id: appointment.client_id,
        number: number.into(),
        amount: eur(amount),
        created_at: at,
    }
}

fn idempotency_record(business: BusinessId, key: &str) -> IdempotencyRecord {
    IdempotencyRecord {
        business_id: business,
        key: key.into(),
        operation: "refund:appointment".into(),
        fingerprint: "9f86d081884c7d65".into(),
        response: None,
        created_at: base_time(),
    }
}

/// A stored booking with one stored appointment of its client.
async fn booked_appointment(storage: &SeaStorage) -> (Booking, Appointment) {
    let world = booking(storage).await;
    let appointment = appointment(&world, world.client.id, base_time() + Duration::days(1));
    insert_appointments(storage, std::slice::from_ref(&appointment)).await;
    (world, appointment)
}

async fn insert_payments(storage: &SeaStorage, payments: &[Payment]) {
    let mut tx = storage.begin().await.unwrap();
    for payment in payments {
        tx.insert_payment(payment).await.unwrap();
    }
    tx.commit().await.unwrap();
}

async fn stored_payments(storage: &SeaStorage, appointment: &Appointment) -> Vec<Payment> {
    let mut tx = storage.read().await.unwrap();
    tx.payments_of_appointment(appointment.business_id, appointment.id)
        .await
        .unwrap()
}

#[tokio::test]
async fn pl_20_business_settings_round_trip_with_the_active_processor_and_payment_types() {
    // Arrange
    let (storage, _db) = fresh_storage().await;
    let original = business();
    let mut tx = storage.begin().await.unwrap();
    tx.insert_business(&original).await.unwrap();
    tx.commit().await.unwrap();
    let mut changed = original.clone();
    changed.apply(
        clientele_domain::business::SettingsChanges {
            active_processor: Some(ProcessorKind::Manual),
            payment_types: Some(vec![payment_type("voucher"), payment_type("cash")]),
            ..Default::default()
        },
        base_time() + Duration::minutes(1),
    );
    let mut emptied = changed.clone();
    emptied.apply(
        clientele_domain::business::SettingsChanges {
            payment_types: Some(Vec::new()),
            ..Default::default()
        },
        base_time() + Duration::minutes(2),
    );

    // Act
    let mut tx = storage.read().await.unwrap();
    let inserted = tx.business(original.id).await.unwrap();
    drop(tx);
    let mut tx = storage.begin().await.unwrap();
    tx.update_business(&changed, original.version)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let mut tx = storage.read().await.unwrap();
    let updated = tx.business(original.id).await.unwrap();
    drop(tx);
    let mut tx = storage.begin().await.unwrap();
    tx.update_business(&emptied, changed.version).await.unwrap();
    tx.commit().await.unwrap();
    let mut tx = storage.read().await.unwrap();
    let without_types = tx.business(original.id).await.unwrap();

    // Assert: the defaults of a new business, then each change, read back equal.
    let defaults = inserted.unwrap();
    assert_eq!(defaults.settings.active_processor, ProcessorKind::StubCard);
    assert_eq!(
        defaults.settings.payment_types,
        ["cash", "cheque", "bank_transfer"]
            .map(payment_type)
            .to_vec()
    );
    assert_eq!(defaults, original);
    assert_eq!(updated, Some(changed));
    assert_eq!(without_types, Some(emptied));
}

#[tokio::test]
async fn a_payment_method_round_trips_and_a_clients_cards_list_oldest_first() {
    // Arrange
    let (storage, _db) = fresh_storage().await;
    let world = booking(&storage).await;
    let other_client = client(world.business.id, "Léa", "Dubois", &[world.site.id]);
    insert_clients(&storage, std::slice::from_ref(&other_client)).await;
    let newer = card(
        world.business.id,
        world.client.id,
        "4242",
        base_time() + Duration::days(1),
    );
    let older = card(world.business.id, world.client.id, "0002", base_time());
    let not_theirs = card(world.business.id, other_client.id, "9995", base_time());

    // Act
    let mut tx = storage.begin().await.unwrap();
    for method in [&newer, &older, &not_theirs] {
        tx.insert_payment_method(method).await.unwrap();
    }
    let duplicate = tx.insert_payment_method(&newer).await;
    tx.commit().await.unwrap();

    // Assert
    assert!(matches!(
        duplicate,
        Err(StorageError::Duplicate("payment_method"))
    ));
    let mut tx = storage.read().await.unwrap();
    assert_eq!(
        tx.payment_method(world.business.id, newer.id)
            .await
            .unwrap(),
        Some(newer.clone())
    );
    assert_eq!(
        tx.payment_methods_of_client(world.business.id, world.client.id)
            .await
            .unwrap(),
        vec![older, newer]
    );
    assert_eq!(
        tx.payment_method(world.business.id, PaymentMethodId::from_uuid(new_uuid()))
            .await
            .unwrap(),
        None
    );
}

#[tokio::test]
async fn card_and_manual_payments_and_a_refund_round_trip_equal_newest_first() {
    // Arrange
    let (storage, _db) = fresh_storage().await;
    let (_world, booked) = booked_appointment(&storage).await;
    let deposit = card_charge(&booked, "20.55", "ch_deposit");
    let mut remainder = manual_charge(&booked, "40", "cash", "man_remainder");
    remainder.created_at = base_time() + Duration::minutes(5);
    let mut refund = refund_of(&deposit, "0.01", "re_deposit");
    refund.created_at = base_time() + Duration::minutes(10);

    // Act
    insert_payments(
        &storage,
        &[deposit.clone(), remainder.clone(), refund.clone()],
    )
    .await;

    // Assert
    assert_eq!(
        stored_payments(&storage, &booked).await,
        vec![refund, remainder, deposit]
    );
}

#[tokio::test]
async fn payments_made_at_the_same_instant_list_by_id_descending() {
    // Arrange
    let (storage, _db) = fresh_storage().await;
    let (_world, booked) = booked_appointment(&storage).await;
    let first = card_charge(&booked, "10", "ch_a");
    let second = card_charge(&booked, "10", "ch_b");

    // Act
    insert_payments(&storage, &[second.clone(), first.clone()]).await;

    // Assert: UUIDv7 ids, so the later id is the newer payment.
    assert_eq!(
        stored_payments(&storage, &booked).await,
        vec![second, first]
    );
}

#[tokio::test]
async fn the_same_processor_direction_and_reference_twice_is_a_duplicate_payment() {
    // Arrange
    let (storage, _db) = fresh_storage().await;
    let (_world, booked) = booked_appointment(&storage).await;
    let charge = card_charge(&booked, "20", "ch_same");
    insert_payments(&storage, std::slice::from_ref(&charge)).await;
    let retried = card_charge(&booked, "20", "ch_same");
    let same_id = Payment {
        reference: "ch_other".into(),
        ..charge.clone()
    };
    // The same reference in another direction or from another processor is another record.
    let refund = refund_of(&charge, "5", "ch_same");
    let manual = manual_charge(&booked, "20", "cash", "ch_same");

    // Act
    let mut tx = storage.begin().await.unwrap();
    let twice = tx.insert_payment(&retried).await;
    let taken_id = tx.insert_payment(&same_id).await;
    // The refusals leave the transaction usable (on PostgreSQL too).
    tx.insert_payment(&refund).await.unwrap();
    tx.insert_payment(&manual).await.unwrap();
    tx.commit().await.unwrap();

    // Assert
    assert!(matches!(twice, Err(StorageError::Duplicate("payment"))));
    assert!(matches!(taken_id, Err(StorageError::Duplicate("payment"))));
    let mut stored = stored_payments(&storage, &booked).await;
    stored.sort_by_key(|p| p.id);
    let mut expected = vec![charge, refund, manual];
    expected.sort_by_key(|p| p.id);
    assert_eq!(stored, expected);
}

#[tokio::test]
async fn ap_8_a_charge_records_its_refunds_and_the_database_refuses_more_than_its_amount() {
    // Arrange
    let (storage, _db) = fresh_storage().await;
    let (_world, booked) = booked_appointment(&storage).await;
    let charge = card_charge(&booked, "60.50", "ch_full");
    insert_payments(&storage, std::slice::from_ref(&charge)).await;
    let usd = Money::parse("amount", "1", Currency::parse("USD").unwrap()).unwrap();

    // Act
    let mut tx = storage.begin().await.unwrap();
    tx.set_payment_refunded(booked.business_id, charge.id, eur("25.25"))
        .await
        .unwrap();
    let beyond = tx
        .set_payment_refunded(booked.business_id, charge.id, eur("60.51"))
        .await;
    let other_currency = tx
        .set_payment_refunded(booked.business_id, charge.id, usd)
        .await;
    let absent = tx
        .set_payment_refunded(
            booked.business_id,
            PaymentId::from_uuid(new_uuid()),
            eur("1"),
        )
        .await;
    // The refusals leave the transaction usable (on PostgreSQL too).
    let within = tx
        .payments_of_appointment(booked.business_id, booked.id)
        .await
        .unwrap();
    tx.commit().await.unwrap();

    // Assert
    assert!(matches!(beyond, Err(StorageError::Unexpected(_))));
    assert!(matches!(other_currency, Err(StorageError::Unexpected(_))));
    assert!(matches!(absent, Err(StorageError::NotFound)));
    let refunded = Payment {
        refunded: eur("25.25"),
        ..charge
    };
    assert_eq!(within, vec![refunded.clone()]);
    assert_eq!(stored_payments(&storage, &booked).await, vec![refunded]);
}

#[tokio::test]
async fn ap_8_the_database_refuses_a_new_charge_refunded_beyond_its_amount() {
    // Arrange
    let (storage, _db) = fresh_storage().await;
    let (_world, booked) = booked_appointment(&storage).await;
    let over_refunded = Payment {
        refunded: eur("20.01"),
        ..card_charge(&booked, "20", "ch_over")
    };
    let zero = card_charge(&booked, "0", "ch_zero");

    // Act
    let mut tx = storage.begin().await.unwrap();
    let over = tx.insert_payment(&over_refunded).await;
    let nothing = tx.insert_payment(&zero).await;
    tx.commit().await.unwrap();

    // Assert
    assert!(matches!(over, Err(StorageError::Unexpected(_))));
    assert!(matches!(nothing, Err(StorageError::Unexpected(_))));
    assert!(stored_payments(&storage, &booked).await.is_empty());
}

#[tokio::test]
async fn an_invoice_round_trips_oldest_first_and_a_number_is_taken_once_per_business() {
    // Arrange
    let (storage, _db) = fresh_storage().await;
    let (_world, booked) = booked_appointment(&storage).await;
    let (_other_world, other_booked) = booked_appointment(&storage).await;
    let later = invoice(
        &booked,
        "2026-0002",
        "40.00",
        base_time() + Duration::hours(1),
    );
    let first = invoice(&booked, "2026-0001", "60.50", base_time());
    let same_number = invoice(&booked, "2026-0001", "1", base_time());
    let same_id = Invoice {
        number: "2026-0003".into(),
        ..first.clone()
    };
    // Another business numbers its invoices on its own.
    let elsewhere = invoice(&other_booked, "2026-0001", "60.50", base_time());

    // Act
    let mut tx = storage.begin().await.unwrap();
    tx.insert_invoice(&later).await.unwrap();
    tx.insert_invoice(&first).await.unwrap();
    let number_taken = tx.insert_invoice(&same_number).await;
    let id_taken = tx.insert_invoice(&same_id).await;
    tx.insert_invoice(&elsewhere).await.unwrap();
    tx.commit().await.unwrap();

    // Assert
    assert!(matches!(
        number_taken,
        Err(StorageError::Duplicate("invoice"))
    ));
    assert!(matches!(id_taken, Err(StorageError::Duplicate("invoice"))));
    let mut tx = storage.read().await.unwrap();
    assert_eq!(
        tx.invoices_of_appointment(booked.business_id, booked.id)
            .await
            .unwrap(),
        vec![first, later]
    );
    assert_eq!(
        tx.invoices_of_appointment(other_booked.business_id, other_booked.id)
            .await
            .unwrap(),
        vec![elsewhere]
    );
}

#[tokio::test]
async fn pl_10_an_idempotency_key_is_stored_once_completed_and_forgotten() {
    // Arrange
    let (storage, _db) = fresh_storage().await;
    let (business, _site) = business_with_site(&storage).await;
    let record = idempotency_record(business.id, "3f1c-refund-1");
    let response = StoredResponse {
        status: 201,
        body: r#"{"id":"p1","amount":"20.00"}"#.into(),
    };

    // Act and Assert
    let mut tx = storage.begin().await.unwrap();
    tx.insert_idempotency_record(&record).await.unwrap();
    let again = tx
        .insert_idempotency_record(&IdempotencyRecord {
            fingerprint: "another body".into(),
            ..record.clone()
        })
        .await;
    assert!(matches!(
        again,
        Err(StorageError::Duplicate("idempotency_key"))
    ));
    // The refusal leaves the transaction usable (on PostgreSQL too).
    assert_eq!(
        tx.idempotency_record(business.id, &record.key)
            .await
            .unwrap(),
        Some(record.clone())
    );
    tx.commit().await.unwrap();

    let mut tx = storage.begin().await.unwrap();
    tx.complete_idempotency_record(business.id, &record.key, &response)
        .await
        .unwrap();
    let absent = tx
        .complete_idempotency_record(business.id, "never-used", &response)
        .await;
    tx.commit().await.unwrap();
    assert!(matches!(absent, Err(StorageError::NotFound)));
    let mut tx = storage.read().await.unwrap();
    assert_eq!(
        tx.idempotency_record(business.id, &record.key)
            .await
            .unwrap(),
        Some(IdempotencyRecord {
            response: Some(response),
            ..record.clone()
        })
    );
    drop(tx);

    let mut tx = storage.begin().await.unwrap();
    tx.delete_idempotency_record(business.id, &record.key)
        .await
        .unwrap();
    tx.delete_idempotency_record(business.id, &record.key)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let mut tx = storage.read().await.unwrap();
    assert_eq!(
        tx.idempotency_record(business.id, &record.key)
            .await
            .unwrap(),
        None
    );
    drop(tx);
    // A forgotten key may be used again.
    let mut tx = storage.begin().await.unwrap();
    tx.insert_idempotency_record(&record).await.unwrap();
    tx.commit().await.unwrap();
}

#[tokio::test]
async fn pl_26_cards_payments_invoices_and_idempotency_keys_of_another_business_are_invisible() {
    // Arrange
    let (storage, _db) = fresh_storage().await;
    let (world, booked) = booked_appointment(&storage).await;
    let (other, _) = business_with_site(&storage).await;
    let method = card(world.business.id, world.client.id, "4242", base_time());
    let charge = card_charge(&booked, "20", "ch_1");
    let bill = invoice(&booked, "2026-0001", "60.50", base_time());
    let record = idempotency_record(world.business.id, "shared-key");
    let mut tx = storage.begin().await.unwrap();
    tx.insert_payment_method(&method).await.unwrap();
    tx.insert_payment(&charge).await.unwrap();
    tx.insert_invoice(&bill).await.unwrap();
    tx.insert_idempotency_record(&record).await.unwrap();
    tx.commit().await.unwrap();
    let response = StoredResponse {
        status: 200,
        body: "{}".into(),
    };

    // Act and Assert
    let mut tx = storage.begin().await.unwrap();
    assert_eq!(tx.payment_method(other.id, method.id).await.unwrap(), None);
    assert!(
        tx.payment_methods_of_client(other.id, world.client.id)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        tx.payments_of_appointment(other.id, booked.id)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        tx.invoices_of_appointment(other.id, booked.id)
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        tx.idempotency_record(other.id, &record.key).await.unwrap(),
        None
    );
    assert!(matches!(
        tx.set_payment_refunded(other.id, charge.id, eur("20"))
            .await,
        Err(StorageError::NotFound)
    ));
    assert!(matches!(
        tx.complete_idempotency_record(other.id, &record.key, &response)
            .await,
        Err(StorageError::NotFound)
    ));
    tx.delete_idempotency_record(other.id, &record.key)
        .await
        .unwrap();
    // The other business may use the same key for itself.
    tx.insert_idempotency_record(&idempotency_record(other.id, &record.key))
        .await
        .unwrap();
    tx.commit().await.unwrap();

    let mut tx = storage.read().await.unwrap();
    assert_eq!(
        tx.payments_of_appointment(world.business.id, booked.id)
            .await
            .unwrap(),
        vec![charge]
    );
    assert_eq!(
        tx.idempotency_record(world.business.id, &record.key)
            .await
            .unwrap(),
        Some(record)
    );
}

// ---------------------------------------------------------------------------------------
// Contact card: notes and documents

fn note(client: &Client, text: &str, at: DateTime<Utc>) -> ClientNote {
    ClientNote {
        id: NoteId::from_uuid(new_uuid()),
        business_id: client.business_id,
        client_id: client.id,
        author: StaffId::from_uuid(new_uuid()),
        text: NoteText::parse("text", text).unwrap(),
        created_at: at,
    }
}

fn document(client: &Client, name: &str, size_bytes: u64, at: DateTime<Utc>) -> ClientDocument {
    let new = NewDocument::parse(DocumentInput {
        name,
        content_type: "application/pdf",
        size_bytes,
    })
    .unwrap();
    ClientDocument {
        id: DocumentId::from_uuid(new_uuid()),
        business_id: client.business_id,
        client_id: client.id,
        name: new.name,
        content_type: new.content_type,
        size_bytes: new.size_bytes,
        uploaded_by: StaffId::from_uuid(new_uuid()),
        created_at: at,
    }
}

#[tokio::test]
async fn cl_12_ap_9_notes_and_documents_round_trip_equal_newest_first_per_client() {
    // Arrange
    let (storage, _db) = fresh_storage().await;
    let (business, site) = business_with_site(&storage).await;
    let ana = client(business.id, "Ana", "Silva", &[site.id]);
    let bruno = client(business.id, "Bruno", "Martin", &[site.id]);
    insert_clients(&storage, &[ana.clone(), bruno.clone()]).await;
    let t = base_time();
    let notes = vec![
        note(&ana, "Première visite.\nAllergique aux noix\t(sévère)", t),
        note(&ana, "Second", t + Duration::seconds(5)),
        note(&ana, "Same instant", t + Duration::seconds(5)),
        note(&ana, "Microsecond later", t + Duration::microseconds(1)),
    ];
    let theirs = note(&bruno, "Not Ana's", t + Duration::days(1));
    let documents = [
        document(&ana, "Consentement – Lévy.pdf", 10 * 1024 * 1024, t),
        document(&ana, "scan.pdf", 0, t + Duration::seconds(1)),
    ];
    let their_document = document(&bruno, "theirs.pdf", 3, t + Duration::days(1));

    // Act
    let mut tx = storage.begin().await.unwrap();
    for n in notes.iter().chain([&theirs]) {
        tx.insert_note(n).await.unwrap();
    }
    for d in documents.iter().chain([&their_document]) {
        tx.insert_document(d).await.unwrap();
    }
    tx.commit().await.unwrap();

    // Assert
    let mut tx = storage.read().await.unwrap();
    let mut expected_notes = notes.clone();
    expected_notes.sort_by_key(|n| std::cmp::Reverse((n.created_at, n.id)));
    assert_eq!(
        tx.notes_of_client(business.id, ana.id, 50).await.unwrap(),
        expected_notes
    );
    assert_eq!(
        tx.notes_of_client(business.id, ana.id, 2).await.unwrap(),
        expected_notes[..2]
    );
    assert_eq!(
        tx.documents_of_client(business.id, ana.id, 50)
            .await
            .unwrap(),
        vec![documents[1].clone(), documents[0].clone()]
    );
    assert_eq!(
        tx.document(business.id, documents[0].id).await.unwrap(),
        Some(documents[0].clone())
    );
    assert_eq!(
        tx.documents_of_client(business.id, bruno.id, 50)
            .await
            .unwrap(),
        vec![their_document]
    );
}

#[tokio::test]
async fn pl_26_notes_and_documents_of_another_business_are_invisible_and_cannot_be_attached() {
    // Arrange
    let (storage, _db) = fresh_storage().await;
    let (business, site) = business_with_site(&storage).await;
    let (other, _) = business_with_site(&storage).await;
    let ana = client(business.id, "Ana", "Silva", &[site.id]);
    insert_clients(&storage, std::slice::from_ref(&ana)).await;
    let kept_note = note(&ana, "Mine", base_time());
    let kept_document = document(&ana, "mine.pdf", 4, base_time());
    let mut tx = storage.begin().await.unwrap();
    tx.insert_note(&kept_note).await.unwrap();
    tx.insert_document(&kept_document).await.unwrap();
    tx.commit().await.unwrap();
    // Ana's id under the other business: no such client there.
    let mut stranger = note(&ana, "Theirs", base_time());
    stranger.business_id = other.id;
    let mut stranger_document = document(&ana, "theirs.pdf", 4, base_time());
    stranger_document.business_id = other.id;

    // Act
    let mut tx = storage.begin().await.unwrap();
    let note_outcome = tx.insert_note(&stranger).await;
    let document_outcome = tx.insert_document(&stranger_document).await;
    let duplicate_note = tx.insert_note(&kept_note).await;
    let duplicate_document = tx.insert_document(&kept_document).await;
    // The transaction is still usable after the refused writes (savepoints).
    tx.insert_note(&note(&ana, "After", base_time()))
        .await
        .unwrap();
    tx.commit().await.unwrap();

    // Assert
    assert!(matches!(note_outcome, Err(StorageError::NotFound)));
    assert!(matches!(document_outcome, Err(StorageError::NotFound)));
    assert!(matches!(
        duplicate_note,
        Err(StorageError::Duplicate("note"))
    ));
    assert!(matches!(
        duplicate_document,
        Err(StorageError::Duplicate("document"))
    ));
    let mut tx = storage.read().await.unwrap();
    assert!(
        tx.notes_of_client(other.id, ana.id, 50)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        tx.documents_of_client(other.id, ana.id, 50)
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(tx.document(other.id, kept_document.id).await.unwrap(), None);
    assert_eq!(
        tx.notes_of_client(business.id, ana.id, 50)
            .await
            .unwrap()
            .len(),
        2
    );
}

#[tokio::test]
async fn pl_18_a_late_retry_or_failure_never_undoes_a_send() {
    // Arrange: a worker whose lease ran out reports after another worker sent the email.
    let (storage, _db) = fresh_storage().await;
    let (business, _) = business_with_site(&storage).await;
    let now = base_time();
    let email = outgoing(business.id, "a@example.com", now - Duration::minutes(1));
    enqueue(&storage, std::slice::from_ref(&email)).await;
    claim(&storage, business.id, now, now + Duration::minutes(5), 10).await;
    let sent_at = now + Duration::seconds(1);
    let mut tx = storage.begin().await.unwrap();
    tx.mark_email_sent(business.id, email.id, sent_at)
        .await
        .unwrap();
    tx.commit().await.unwrap();

    // Act
    let mut tx = storage.begin().await.unwrap();
    let retry = tx
        .mark_email_retry(business.id, email.id, now, "421 later")
        .await;
    let failed = tx.mark_email_failed(business.id, email.id, "550").await;
    tx.commit().await.unwrap();

    // Assert
    assert!(retry.is_ok() && failed.is_ok());
    let mut tx = storage.read().await.unwrap();
    let listed = tx.emails(business.id, None, 10).await.unwrap();
    assert_eq!(listed[0].state, EmailState::Sent { at: sent_at });
}

// ---------------------------------------------------------------------------------------
// Labels

fn label(business: BusinessId, name: &str, colour: &str) -> Label {
    let details = LabelDetails::parse(&LabelInput {
        name: name.into(),
        colour: colour.into(),
    })
    .unwrap();
    Label::new(
        LabelId::from_uuid(new_uuid()),
        business,
        details,
        base_time(),
    )
}

async fn insert_labels(storage: &SeaStorage, labels: &[Label]) {
    let mut tx = storage.begin().await.unwrap();
    for label in labels {
        tx.insert_label(label).await.unwrap();
    }
    tx.commit().await.unwrap();
}

/// A business with one site and two labels, "VIP" and "Fidèle", stored.
async fn business_with_two_labels(storage: &SeaStorage) -> (Business, Site, Label, Label) {
    let (business, site) = business_with_site(storage).await;
    let (vip, loyal) = (
        label(business.id, "VIP", "#ffaa00"),
        label(business.id, "Fidèle", "#00aa00"),
    );
    insert_labels(storage, &[vip.clone(), loyal.clone()]).await;
    (business, site, vip, loyal)
}

fn sorted_ids<T: Ord + Copy>(ids: &[T]) -> Vec<T> {
    let mut ids = ids.to_vec();
    ids.sort();
    ids
}

fn labelled(query: ClientQuery, filter: LabelFilter) -> ClientQuery {
    ClientQuery {
        labels: Some(filter),
        ..query
    }
}

#[tokio::test]
async fn cl_11_a_label_round_trips_lists_by_id_in_pages_and_updates_with_its_version() {
    // Arrange
    let (storage, _db) = fresh_storage().await;
    let (business, _) = business_with_site(&storage).await;
    let labels = [
        label(business.id, "VIP", "#FFAA00"),
        label(business.id, "Fidèle", "#00aa00"),
        label(business.id, "Nouveau", "#0000ff"),
    ];
    insert_labels(&storage, &labels).await;
    let mut by_id = labels.to_vec();
    by_id.sort_by_key(|l| l.id);
    let mut renamed = labels[0].clone();
    renamed.replace(
        LabelDetails::parse(&LabelInput {
            name: "Très VIP".into(),
            colour: "#123456".into(),
        })
        .unwrap(),
        base_time() + Duration::microseconds(7),
    );

    // Act
    let mut tx = storage.read().await.unwrap();
    let stored = tx.label(business.id, labels[0].id).await.unwrap();
    let first_page = tx.labels(business.id, None, 2).await.unwrap();
    let second_page = tx
        .labels(business.id, Some(first_page[1].id), 2)
        .await
        .unwrap();
    drop(tx);
    let mut tx = storage.begin().await.unwrap();
    tx.update_label(&renamed, labels[0].version).await.unwrap();
    let stale = tx.update_label(&renamed, labels[0].version).await;
    tx.commit().await.unwrap();

    // Assert
    assert_eq!(stored, Some(labels[0].clone()));
    assert_eq!(stored.unwrap().colour.as_str(), "#ffaa00");
    assert_eq!(first_page, by_id[..2].to_vec());
    assert_eq!(second_page, by_id[2..].to_vec());
    assert!(matches!(stale, Err(StorageError::VersionConflict)));
    let mut tx = storage.read().await.unwrap();
    assert_eq!(
        tx.label(business.id, renamed.id).await.unwrap(),
        Some(renamed)
    );
}

#[tokio::test]
async fn cl_11_a_label_name_that_differs_only_by_case_or_accents_is_a_duplicate_label_name() {
    // Arrange
    let (storage, _db) = fresh_storage().await;
    let (business, _) = business_with_site(&storage).await;
    let loyal = label(business.id, "Fidèle", "#00aa00");
    let vip = label(business.id, "VIP", "#ffaa00");
    insert_labels(&storage, &[loyal.clone(), vip.clone()]).await;
    let mut renamed = vip.clone();
    renamed.replace(
        LabelDetails::parse(&LabelInput {
            name: "FIDELE".into(),
            colour: "#ffaa00".into(),
        })
        .unwrap(),
        base_time() + Duration::minutes(1),
    );

    // Act: each failure inside a transaction that goes on and commits.
    let mut tx = storage.begin().await.unwrap();
    let inserted = tx
        .insert_label(&label(business.id, "fidele", "#000000"))
        .await;
    let updated = tx.update_label(&renamed, vip.version).await;
    let other = label(business.id, "Nouveau", "#0000ff");
    tx.insert_label(&other).await.unwrap();
    tx.commit().await.unwrap();

    // Assert
    assert!(matches!(
        inserted,
        Err(StorageError::Duplicate("label_name"))
    ));
    assert!(matches!(
        updated,
        Err(StorageError::Duplicate("label_name"))
    ));
    let mut tx = storage.read().await.unwrap();
    assert_eq!(tx.label(business.id, loyal.id).await.unwrap(), Some(loyal));
    assert_eq!(tx.label(business.id, vip.id).await.unwrap(), Some(vip));
    assert_eq!(tx.label(business.id, other.id).await.unwrap(), Some(other));
}

#[tokio::test]
async fn cl_11_a_clients_labels_round_trip_through_insert_update_get_and_list() {
    // Arrange
    let (storage, _db) = fresh_storage().await;
    let (business, paris) = business_with_site(&storage).await;
    let (vip, loyal, new) = (
        label(business.id, "VIP", "#ffaa00"),
        label(business.id, "Fidèle", "#00aa00"),
        label(business.id, "Nouveau", "#0000ff"),
    );
    insert_labels(&storage, &[vip.clone(), loyal.clone(), new.clone()]).await;
    let mut original = client(business.id, "Ana", "Silva", &[paris.id]);
    original.labels = sorted_ids(&[vip.id, new.id]);
    let plain = client(business.id, "Bruno", "Costa", &[paris.id]);
    insert_clients(&storage, &[original.clone(), plain.clone()]).await;
    let inserted = stored_client(&storage, &original).await;
    let mut relabelled = original.clone();
    assert!(relabelled.change_labels(&[loyal.id], &[new.id], base_time() + Duration::minutes(1)));

    // Act
    let mut tx = storage.begin().await.unwrap();
    tx.update_client(&relabelled, original.version)
        .await
        .unwrap();
    tx.commit().await.unwrap();

    // Assert
    assert_eq!(inserted, Some(original));
    assert_eq!(
        stored_client(&storage, &relabelled).await,
        Some(relabelled.clone())
    );
    assert_eq!(relabelled.labels, sorted_ids(&[vip.id, loyal.id]));
    let mut tx = storage.read().await.unwrap();
    let listed = tx
        .clients(business.id, &query(SiteScope::All, ClientSort::LastName))
        .await
        .unwrap();
    assert_eq!(listed, vec![plain, relabelled]);
}

#[tokio::test]
async fn cl_10_any_of_and_all_of_label_filters_list_matching_clients_in_keyset_pages() {
    // Arrange
    let (storage, _db) = fresh_storage().await;
    let (business, paris) = business_with_site(&storage).await;
    let (vip, loyal, new) = (
        label(business.id, "VIP", "#ffaa00"),
        label(business.id, "Fidèle", "#00aa00"),
        label(business.id, "Nouveau", "#0000ff"),
    );
    insert_labels(&storage, &[vip.clone(), loyal.clone(), new.clone()]).await;
    let with = |first: &str, last: &str, labels: &[LabelId]| {
        let mut c = client(business.id, first, last, &[paris.id]);
        c.labels = sorted_ids(labels);
        c
    };
    let clients = vec![
        with("Ana", "Alves", &[vip.id]),
        with("Bruno", "Barros", &[vip.id, loyal.id]),
        with("Chloé", "Carvalho", &[loyal.id]),
        with("Diego", "Dias", &[vip.id, loyal.id, new.id]),
        with("Eva", "Esteves", &[]),
        with("Fábio", "Ferreira", &[new.id, loyal.id]),
        with("Gil", "Gomes", &[vip.id, loyal.id]),
    ];
    insert_clients(&storage, &clients).await;
    let by_name = query(SiteScope::All, ClientSort::LastName);
    let pick =
        |indexes: &[usize]| -> Vec<ClientId> { indexes.iter().map(|&i| clients[i].id).collect() };

    // Act
    let any_vip_or_new = all_pages(
        &storage,
        business.id,
        labelled(by_name.clone(), LabelFilter::AnyOf(vec![vip.id, new.id])),
        2,
    )
    .await;
    let all_vip_and_loyal = all_pages(
        &storage,
        business.id,
        labelled(
            by_name.clone(),
            LabelFilter::AllOf(vec![loyal.id, vip.id, vip.id]),
        ),
        2,
    )
    .await;
    let all_three = all_pages(
        &storage,
        business.id,
        labelled(
            by_name.clone(),
            LabelFilter::AllOf(vec![vip.id, loyal.id, new.id]),
        ),
        1,
    )
    .await;
    let any_of_none = all_pages(
        &storage,
        business.id,
        labelled(by_name.clone(), LabelFilter::AnyOf(vec![])),
        2,
    )
    .await;
    let all_of_none = all_pages(
        &storage,
        business.id,
        labelled(by_name.clone(), LabelFilter::AllOf(vec![])),
        3,
    )
    .await;
    let loyal_in_paris = all_pages(
        &storage,
        business.id,
        labelled(
            ClientQuery {
                site: Some(paris.id),
                ..query(SiteScope::Only(vec![paris.id]), ClientSort::FirstName)
            },
            LabelFilter::AnyOf(vec![loyal.id]),
        ),
        2,
    )
    .await;

    // Assert
    assert_eq!(ids(&any_vip_or_new), pick(&[0, 1, 3, 5, 6]));
    assert_eq!(ids(&all_vip_and_loyal), pick(&[1, 3, 6]));
    assert_eq!(ids(&all_three), pick(&[3]));
    assert!(any_of_none.is_empty());
    assert_eq!(ids(&all_of_none), pick(&[0, 1, 2, 3, 4, 5, 6]));
    assert_eq!(ids(&loyal_in_paris), pick(&[1, 2, 3, 5, 6]));
    // The listed clients carry all their labels, not only those filtered on.
    assert_eq!(all_three, vec![clients[3].clone()]);
    assert_eq!(any_vip_or_new[3], clients[5]);
}

#[tokio::test]
async fn cl_4_cl_10_a_label_list_in_name_order_follows_renames_and_pages_through_equal_names() {
    // Arrange: a label list in a name order is read from the label's own rows, which
    // carry the name keys: they must follow a rename, and equal names page by id.
    let (storage, _db) = fresh_storage().await;
    let (business, paris, vip, loyal) = business_with_two_labels(&storage).await;
    let with = |first: &str, last: &str, labels: &[LabelId]| {
        let mut c = client(business.id, first, last, &[paris.id]);
        c.labels = sorted_ids(labels);
        c
    };
    let mut clients = vec![
        with("Zoé", "Alves", &[vip.id]),
        with("Ana", "Silva", &[vip.id, loyal.id]),
        with("Ana", "Silva", &[vip.id]),
        with("Ana", "Silva", &[vip.id, loyal.id]),
        with("Bruno", "Costa", &[loyal.id]),
    ];
    insert_clients(&storage, &clients).await;
    let renamed = {
        let mut c = clients[0].clone();
        c.last_name = clientele_domain::PersonName::parse("last_name", "Zúñiga").unwrap();
        c.first_name = clientele_domain::PersonName::parse("first_name", "Aline").unwrap();
        c.version = c.version.next();
        c
    };
    let mut tx = storage.begin().await.unwrap();
    tx.update_client(&renamed, clients[0].version)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    clients[0] = renamed;
    let vip_only = LabelFilter::AnyOf(vec![vip.id]);
    let list = |sort, filter: &LabelFilter| labelled(query(SiteScope::All, sort), filter.clone());
    let mut silvas = ids(&clients[1..4]);
    silvas.sort_by_key(|id| id.as_uuid());

    // Act
    let by_last = all_pages(
        &storage,
        business.id,
        list(ClientSort::LastName, &vip_only),
        1,
    )
    .await;
    let by_first = all_pages(
        &storage,
        business.id,
        list(ClientSort::FirstName, &vip_only),
        2,
    )
    .await;
    let both = LabelFilter::AllOf(vec![vip.id, loyal.id]);
    let both_by_last = all_pages(&storage, business.id, list(ClientSort::LastName, &both), 1).await;
    let either = LabelFilter::AnyOf(vec![loyal.id, vip.id]);
    let either_by_first = all_pages(
        &storage,
        business.id,
        list(ClientSort::FirstName, &either),
        2,
    )
    .await;

    // Assert
    let expected_by_last: Vec<ClientId> = silvas.iter().copied().chain([clients[0].id]).collect();
    assert_eq!(ids(&by_last), expected_by_last);
    let expected_by_first: Vec<ClientId> =
        [clients[0].id].into_iter().chain(silvas.clone()).collect();
    assert_eq!(ids(&by_first), expected_by_first);
    let both_ids: Vec<ClientId> = silvas
        .iter()
        .copied()
        .filter(|id| *id != clients[2].id)
        .collect();
    assert_eq!(ids(&both_by_last), both_ids);
    assert_eq!(by_last.last(), Some(&clients[0]));
    // Aline Zúñiga, Ana Silva ×3 (each once, whatever labels it has), Bruno Costa.
    let either_ids: Vec<ClientId> = expected_by_first
        .into_iter()
        .chain([clients[4].id])
        .collect();
    assert_eq!(ids(&either_by_first), either_ids);
}

#[tokio::test]
async fn cl_4_cl_10_pl_14_site_lists_and_label_lists_of_a_site_follow_site_label_and_name_changes()
{
    // Arrange: a list of one site is read from the site's rows, a label list of one
    // site from the pairs of the label and the site; both carry the name keys and must
    // follow every change of a client's sites, labels and name, and the deletion of a
    // label.
    let (storage, _db) = fresh_storage().await;
    let (business, paris, vip, loyal) = business_with_two_labels(&storage).await;
    let lyon = site(business.id, "Lyon");
    let mut tx = storage.begin().await.unwrap();
    tx.insert_site(&lyon).await.unwrap();
    tx.commit().await.unwrap();
    let with = |first: &str, last: &str, sites: &[SiteId], labels: &[LabelId]| {
        let mut c = client(business.id, first, last, sites);
        c.labels = sorted_ids(labels);
        c
    };
    let mut clients = vec![
        with("Ana", "Silva", &[paris.id], &[vip.id]),
        with("Bruno", "Costa", &[paris.id, lyon.id], &[vip.id, loyal.id]),
        with("Carla", "Dias", &[lyon.id], &[vip.id]),
        with("Duarte", "Lima", &[paris.id], &[loyal.id]),
        with("Eva", "Alves", &[paris.id], &[vip.id, loyal.id]),
    ];
    insert_clients(&storage, &clients).await;
    let at = |site: &Site, sort, filter: &LabelFilter| ClientQuery {
        site: Some(site.id),
        ..labelled(query(SiteScope::All, sort), filter.clone())
    };
    let vip_only = LabelFilter::AnyOf(vec![vip.id]);
    // Every page, one client per page.
    let pages = |query: ClientQuery| all_pages(&storage, business.id, query, 1);
    let before = pages(at(&paris, ClientSort::LastName, &vip_only)).await;
    let site_list = |site: &Site, sort| ClientQuery {
        site: Some(site.id),
        ..query(SiteScope::All, sort)
    };
    let lyon_before = pages(site_list(&lyon, ClientSort::LastName)).await;
    // Bruno leaves Paris, Carla joins it and is renamed, Eva loses VIP.
    let change = |c: &Client, edit: &dyn Fn(&mut Client)| {
        let mut changed = c.clone();
        edit(&mut changed);
        changed.version = c.version.next();
        changed
    };
    let changed = [
        change(&clients[1], &|c| c.sites = vec![lyon.id]),
        change(&clients[2], &|c| {
            c.sites = sorted_ids(&[paris.id, lyon.id]);
            c.last_name = clientele_domain::PersonName::parse("last_name", "Abreu").unwrap();
        }),
        change(&clients[4], &|c| c.labels = vec![loyal.id]),
    ];
    let mut tx = storage.begin().await.unwrap();
    for (index, client) in [1, 2, 4].into_iter().zip(&changed) {
        tx.update_client(client, clients[index].version)
            .await
            .unwrap();
        clients[index] = client.clone();
    }
    tx.commit().await.unwrap();

    // Act
    let vip_by_last = pages(at(&paris, ClientSort::LastName, &vip_only)).await;
    let vip_by_first = pages(at(&paris, ClientSort::FirstName, &vip_only)).await;
    let either = LabelFilter::AnyOf(vec![vip.id, loyal.id]);
    let either_at_lyon = pages(at(&lyon, ClientSort::LastName, &either)).await;
    let both = LabelFilter::AllOf(vec![vip.id, loyal.id]);
    let both_at_lyon = pages(at(&lyon, ClientSort::FirstName, &both)).await;
    let lyon_by_last = pages(site_list(&lyon, ClientSort::LastName)).await;
    let paris_by_first = all_pages(
        &storage,
        business.id,
        site_list(&paris, ClientSort::FirstName),
        2,
    )
    .await;
    let outside_scope = {
        let mut tx = storage.read().await.unwrap();
        let query = ClientQuery {
            scope: SiteScope::Only(vec![lyon.id]),
            ..at(&paris, ClientSort::LastName, &vip_only)
        };
        tx.clients(business.id, &query).await.unwrap()
    };
    let mut tx = storage.begin().await.unwrap();
    tx.delete_label(business.id, loyal.id).await.unwrap();
    tx.commit().await.unwrap();
    let loyal_after_deletion = pages(at(
        &paris,
        ClientSort::LastName,
        &LabelFilter::AnyOf(vec![loyal.id]),
    ))
    .await;

    // Assert
    assert_eq!(
        ids(&before),
        vec![clients[4].id, clients[1].id, clients[0].id]
    );
    assert_eq!(ids(&lyon_before), vec![clients[1].id, clients[2].id]);
    // Lyon: Carla Abreu (renamed, now also in Paris), Bruno Costa (left Paris).
    assert_eq!(ids(&lyon_by_last), vec![clients[2].id, clients[1].id]);
    assert_eq!(lyon_by_last[1], clients[1]);
    // Paris by first name: Ana, Carla, Duarte, Eva.
    assert_eq!(
        ids(&paris_by_first),
        vec![clients[0].id, clients[2].id, clients[3].id, clients[4].id]
    );
    assert_eq!(ids(&vip_by_last), vec![clients[2].id, clients[0].id]);
    assert_eq!(
        vip_by_last[0], clients[2],
        "read whole, with its new name and sites"
    );
    assert_eq!(ids(&vip_by_first), vec![clients[0].id, clients[2].id]);
    assert_eq!(ids(&either_at_lyon), vec![clients[2].id, clients[1].id]);
    assert_eq!(ids(&both_at_lyon), vec![clients[1].id]);
    // The caller's scope still applies: of the VIPs at Paris, only the one also at Lyon.
    assert_eq!(ids(&outside_scope), vec![clients[2].id]);
    assert!(loyal_after_deletion.is_empty());
}

#[tokio::test]
async fn cl_11_deleting_a_label_takes_it_off_every_client() {
    // Arrange
    let (storage, _db) = fresh_storage().await;
    let (business, paris, vip, loyal) = business_with_two_labels(&storage).await;
    let mut ana = client(business.id, "Ana", "Silva", &[paris.id]);
    ana.labels = sorted_ids(&[vip.id, loyal.id]);
    let mut bruno = client(business.id, "Bruno", "Costa", &[paris.id]);
    bruno.labels = vec![vip.id];
    insert_clients(&storage, &[ana.clone(), bruno.clone()]).await;

    // Act
    let mut tx = storage.begin().await.unwrap();
    tx.delete_label(business.id, vip.id).await.unwrap();
    let again = tx.delete_label(business.id, vip.id).await;
    tx.commit().await.unwrap();

    // Assert
    assert!(matches!(again, Err(StorageError::NotFound)));
    ana.labels = vec![loyal.id];
    bruno.labels = vec![];
    assert_eq!(stored_client(&storage, &ana).await, Some(ana));
    assert_eq!(stored_client(&storage, &bruno).await, Some(bruno));
    let mut tx = storage.read().await.unwrap();
    assert_eq!(tx.label(business.id, vip.id).await.unwrap(), None);
    assert_eq!(tx.labels(business.id, None, 10).await.unwrap(), vec![loyal]);
    assert_eq!(
        tx.missing_labels(business.id, &[vip.id]).await.unwrap(),
        vec![vip.id]
    );
    let vip_clients = tx
        .clients(
            business.id,
            &labelled(
                query(SiteScope::All, ClientSort::LastName),
                LabelFilter::AnyOf(vec![vip.id]),
            ),
        )
        .await
        .unwrap();
    assert!(vip_clients.is_empty());
}

#[tokio::test]
async fn pl_26_labels_of_another_business_are_invisible_untouchable_and_unusable() {
    // Arrange
    let (storage, _db) = fresh_storage().await;
    let (owner, owner_site) = business_with_site(&storage).await;
    let vip = label(owner.id, "VIP", "#ffaa00");
    insert_labels(&storage, std::slice::from_ref(&vip)).await;
    let mut owner_client = client(owner.id, "Ana", "Silva", &[owner_site.id]);
    owner_client.labels = vec![vip.id];
    insert_clients(&storage, std::slice::from_ref(&owner_client)).await;
    let (other, other_site) = business_with_site(&storage).await;
    // The same name is free in another business.
    let other_vip = label(other.id, "vip", "#000000");
    insert_labels(&storage, std::slice::from_ref(&other_vip)).await;
    let other_client = client(other.id, "Bruno", "Costa", &[other_site.id]);
    insert_clients(&storage, std::slice::from_ref(&other_client)).await;
    let by_name = query(SiteScope::All, ClientSort::LastName);
    let mut forged = vip.clone();
    forged.business_id = other.id;

    // Act and Assert: reads
    let mut tx = storage.begin().await.unwrap();
    assert_eq!(tx.label(other.id, vip.id).await.unwrap(), None);
    assert_eq!(
        tx.labels(other.id, None, 10).await.unwrap(),
        vec![other_vip.clone()]
    );
    assert_eq!(
        tx.missing_labels(other.id, &[vip.id, other_vip.id])
            .await
            .unwrap(),
        vec![vip.id]
    );
    let with_owner_label = tx
        .clients(
            other.id,
            &labelled(by_name.clone(), LabelFilter::AnyOf(vec![vip.id])),
        )
        .await
        .unwrap();
    assert!(with_owner_label.is_empty());
    let owner_with_other_label = tx
        .clients(
            owner.id,
            &labelled(by_name.clone(), LabelFilter::AnyOf(vec![other_vip.id])),
        )
        .await
        .unwrap();
    assert!(owner_with_other_label.is_empty());

    // Act and Assert: writes aimed at the owner's label
    assert!(matches!(
        tx.update_label(&forged, vip.version).await,
        Err(StorageError::NotFound)
    ));
    assert!(matches!(
        tx.delete_label(other.id, vip.id).await,
        Err(StorageError::NotFound)
    ));
    tx.commit().await.unwrap();

    // The database refuses a client of one business carrying another's label.
    let mut stolen = client(other.id, "Chloé", "Dias", &[other_site.id]);
    stolen.labels = vec![vip.id];
    let mut tx = storage.begin().await.unwrap();
    assert!(tx.insert_client(&stolen).await.is_err());
    drop(tx);
    let mut relabelled = other_client.clone();
    relabelled.labels = vec![vip.id];
    relabelled.version = other_client.version.next();
    let mut tx = storage.begin().await.unwrap();
    assert!(
        tx.update_client(&relabelled, other_client.version)
            .await
            .is_err()
    );
    drop(tx);

    // Everything is untouched.
    let mut tx = storage.read().await.unwrap();
    assert_eq!(tx.label(owner.id, vip.id).await.unwrap(), Some(vip));
    assert_eq!(
        tx.client(owner.id, owner_client.id).await.unwrap(),
        Some(owner_client)
    );
    assert_eq!(
        tx.client(other.id, other_client.id).await.unwrap(),
        Some(other_client)
    );
    assert_eq!(tx.client(other.id, stolen.id).await.unwrap(), None);
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
    let mut cancelled = appointment(&world, cancelled_only.id, now - Duration::days(5));
    cancelled.cancel(now).unwrap();
    insert_appointments(
        &storage,
        &[
            appointment(&world, recent.id, now - Duration::days(5)),
            appointment(&world, long_ago.id, now - Duration::days(60)),
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
            clients.into_iter().map(|c| c.id).collect::<Vec<_>>()
        }
    };

    // Act
    let recent_30 = listed(Activity::recent(30, now).unwrap()).await;
    let recent_90 = listed(Activity::recent(90, now).unwrap()).await;
    let inactive_30 = listed(Activity::inactive(30, now).unwrap()).await;
    let inactive_14_at_creation = listed(Activity::inactive(14, base_time()).unwrap()).await;

    // Assert
    assert_eq!(recent_30, [recent.id]);
    assert_eq!(recent_90, [recent.id, long_ago.id]);
    // Sorted by first name: Bruno, Carla, Dora.
    assert_eq!(inactive_30, [long_ago.id, never.id, cancelled_only.id]);
    // Nobody is inactive for two weeks on the day they were created.
    assert!(inactive_14_at_creation.is_empty());
}

// ---------------------------------------------------------------------------------------
// Custom fields (CL-24)

fn custom_field(
    business: BusinessId,
    name: &str,
    field_type: CustomFieldType,
    options: &[&str],
) -> CustomField {
    let details = CustomFieldDetails::parse(&CustomFieldInput {
        name: name.into(),
        field_type,
        options: (!options.is_empty()).then(|| options.iter().map(|o| o.to_string()).collect()),
    })
    .unwrap();
    CustomField::new(
        CustomFieldId::from_uuid(new_uuid()),
        business,
        details,
        base_time(),
    )
}

async fn insert_custom_fields(storage: &SeaStorage, fields: &[CustomField]) {
    let mut tx = storage.begin().await.unwrap();
    for field in fields {
        tx.insert_custom_field(field).await.unwrap();
    }
    tx.commit().await.unwrap();
}

fn valued(mut client: Client, values: &[(&CustomField, &str)]) -> Client {
    for (field, raw) in values {
        client
            .custom_fields
            .insert(field.id, field.parse_value(raw).unwrap());
    }
    client
}

fn with_values(query: ClientQuery, values: &[(&CustomField, &str)]) -> ClientQuery {
    ClientQuery {
        custom_fields: values
            .iter()
            .map(|(field, raw)| (field.id, field.parse_value(raw).unwrap().key()))
            .collect(),
        ..query
    }
}

#[tokio::test]
async fn cl_24_a_custom_field_of_each_kind_round_trips_lists_by_id_in_pages_and_updates_with_its_version()
 {
    // Arrange
    let (storage, _db) = fresh_storage().await;
    let (business, _) = business_with_site(&storage).await;
    let fields = [
        custom_field(business.id, "Allergies", CustomFieldType::Text, &[]),
        custom_field(business.id, "Dépense", CustomFieldType::Number, &[]),
        custom_field(business.id, "Born", CustomFieldType::Date, &[]),
        custom_field(
            business.id,
            "Tier",
            CustomFieldType::Choice,
            &["Gold", "Crème", "Silver"],
        ),
    ];
    insert_custom_fields(&storage, &fields).await;
    let mut by_id = fields.to_vec();
    by_id.sort_by_key(|f| f.id);
    let mut revised = fields[3].clone();
    let details = revised
        .revise(&CustomFieldChangesInput {
            name: Some("Level".into()),
            options: Some(vec!["Gold".into(), "Platinum".into()]),
            ..Default::default()
        })
        .unwrap();
    revised.replace(details, base_time() + Duration::microseconds(7));

    // Act
    let mut tx = storage.read().await.unwrap();
    let stored: Vec<_> = {
        let mut stored = Vec::new();
        for field in &fields {
            stored.push(tx.custom_field(business.id, field.id).await.unwrap());
        }
        stored
    };
    let first_page = tx.custom_fields(business.id, None, 3).await.unwrap();
    let second_page = tx
        .custom_fields(business.id, Some(first_page[2].id), 3)
        .await
        .unwrap();
    let some = tx
        .custom_fields_with_ids(
            business.id,
            &[
                fields[3].id,
                fields[0].id,
                CustomFieldId::from_uuid(new_uuid()),
            ],
        )
        .await
        .unwrap();
    drop(tx);
    let mut tx = storage.begin().await.unwrap();
    tx.update_custom_field(&revised, fields[3].version)
        .await
        .unwrap();
    let stale = tx.update_custom_field(&revised, fields[3].version).await;
    tx.commit().await.unwrap();

    // Assert
    assert_eq!(stored, fields.iter().cloned().map(Some).collect::<Vec<_>>());
    assert_eq!(first_page, by_id[..3].to_vec());
    assert_eq!(second_page, by_id[3..].to_vec());
    assert_eq!(
        some,
        sorted_by_id(vec![fields[0].clone(), fields[3].clone()])
    );
    assert!(matches!(stale, Err(StorageError::VersionConflict)));
    let mut tx = storage.read().await.unwrap();
    let reread = tx.custom_field(business.id, revised.id).await.unwrap();
    assert_eq!(reread, Some(revised.clone()));
    assert_eq!(revised.kind.options(), ["Gold", "Platinum"]);
}

fn sorted_by_id(mut fields: Vec<CustomField>) -> Vec<CustomField> {
    fields.sort_by_key(|f| f.id);
    fields
}

#[tokio::test]
async fn cl_24_a_custom_field_name_that_differs_only_by_case_or_accents_is_a_duplicate_name() {
    // Arrange
    let (storage, _db) = fresh_storage().await;
    let (business, _) = business_with_site(&storage).await;
    let spend = custom_field(business.id, "Dépense", CustomFieldType::Number, &[]);
    let born = custom_field(business.id, "Born", CustomFieldType::Date, &[]);
    insert_custom_fields(&storage, &[spend.clone(), born.clone()]).await;
    let mut renamed = born.clone();
    let details = born
        .revise(&CustomFieldChangesInput {
            name: Some("DEPENSE".into()),
            ..Default::default()
        })
        .unwrap();
    renamed.replace(details, base_time() + Duration::minutes(1));

    // Act: each failure inside a transaction that goes on and commits.
    let mut tx = storage.begin().await.unwrap();
    let inserted = tx
        .insert_custom_field(&custom_field(
            business.id,
            "depense",
            CustomFieldType::Text,
            &[],
        ))
        .await;
    let updated = tx.update_custom_field(&renamed, born.version).await;
    let other = custom_field(business.id, "Notes", CustomFieldType::Text, &[]);
    tx.insert_custom_field(&other).await.unwrap();
    tx.commit().await.unwrap();

    // Assert
    assert!(matches!(
        inserted,
        Err(StorageError::Duplicate("custom_field_name"))
    ));
    assert!(matches!(
        updated,
        Err(StorageError::Duplicate("custom_field_name"))
    ));
    let mut tx = storage.read().await.unwrap();
    assert_eq!(
        tx.custom_fields(business.id, None, 10).await.unwrap(),
        sorted_by_id(vec![spend, born, other])
    );
}

#[tokio::test]
async fn cl_24_a_clients_custom_values_round_trip_exactly_through_insert_update_get_and_list() {
    // Arrange
    let (storage, _db) = fresh_storage().await;
    let (business, paris) = business_with_site(&storage).await;
    let (notes, spend, born, tier) = (
        custom_field(business.id, "Notes", CustomFieldType::Text, &[]),
        custom_field(business.id, "Spend", CustomFieldType::Number, &[]),
        custom_field(business.id, "Born", CustomFieldType::Date, &[]),
        custom_field(
            business.id,
            "Tier",
            CustomFieldType::Choice,
            &["Gold", "Crème"],
        ),
    );
    insert_custom_fields(
        &storage,
        &[notes.clone(), spend.clone(), born.clone(), tier.clone()],
    )
    .await;
    // A REAL would turn this amount into 1000000000000 on SQLite (STACK trap 2).
    let original = valued(
        client(business.id, "Ana", "Silva", &[paris.id]),
        &[
            (&notes, "Préfère le thé"),
            (&spend, "999999999999.9999"),
            (&born, "1990-05-17"),
            (&tier, "creme"),
        ],
    );
    let plain = client(business.id, "Bruno", "Costa", &[paris.id]);
    insert_clients(&storage, &[original.clone(), plain.clone()]).await;
    let inserted = stored_client(&storage, &original).await;
    let mut changed = original.clone();
    let mut changes = ClientChanges::default();
    changes
        .custom_fields
        .insert(spend.id, Some(spend.parse_value("12.50").unwrap()));
    changes.custom_fields.insert(born.id, None);
    assert!(changed.apply(changes, base_time() + Duration::minutes(1)));

    // Act
    let mut tx = storage.begin().await.unwrap();
    tx.update_client(&changed, original.version).await.unwrap();
    tx.commit().await.unwrap();

    // Assert
    assert_eq!(inserted.as_ref(), Some(&original));
    let inserted = inserted.unwrap();
    assert_eq!(
        inserted.custom_fields[&spend.id].text(),
        "999999999999.9999"
    );
    assert_eq!(inserted.custom_fields[&tier.id].text(), "Crème");
    let reread = stored_client(&storage, &changed).await.unwrap();
    assert_eq!(reread, changed);
    assert_eq!(reread.custom_fields[&spend.id].text(), "12.50");
    assert!(!reread.custom_fields.contains_key(&born.id));
    let mut tx = storage.read().await.unwrap();
    let listed = tx
        .clients(business.id, &query(SiteScope::All, ClientSort::LastName))
        .await
        .unwrap();
    assert_eq!(listed, vec![plain, changed]);
}

#[tokio::test]
async fn cl_24_cl_10_the_list_filters_on_custom_values_with_other_filters_in_keyset_pages() {
    // Arrange
    let (storage, _db) = fresh_storage().await;
    let (business, paris) = business_with_site(&storage).await;
    let (city, spend, tier) = (
        custom_field(business.id, "City", CustomFieldType::Text, &[]),
        custom_field(business.id, "Spend", CustomFieldType::Number, &[]),
        custom_field(
            business.id,
            "Tier",
            CustomFieldType::Choice,
            &["Gold", "Silver"],
        ),
    );
    insert_custom_fields(&storage, &[city.clone(), spend.clone(), tier.clone()]).await;
    let with = |first: &str, last: &str, values: &[(&CustomField, &str)]| {
        valued(client(business.id, first, last, &[paris.id]), values)
    };
    let mut clients = vec![
        with("Ana", "Alves", &[(&tier, "Gold"), (&city, "São Paulo")]),
        with("Bruno", "Barros", &[(&tier, "gold"), (&spend, "12.50")]),
        with("Chloé", "Carvalho", &[(&tier, "Silver"), (&spend, "12.5")]),
        with(
            "Diego",
            "Dias",
            &[(&tier, "GOLD"), (&spend, "12.500"), (&city, "sao paulo")],
        ),
        with("Eva", "Esteves", &[]),
        with("Fábio", "Ferreira", &[(&tier, "Gold"), (&spend, "13")]),
    ];
    clients[3].banned = true;
    insert_clients(&storage, &clients).await;
    let by_name = query(SiteScope::All, ClientSort::LastName);
    let pick =
        |indexes: &[usize]| -> Vec<ClientId> { indexes.iter().map(|&i| clients[i].id).collect() };

    // Act
    let gold = all_pages(
        &storage,
        business.id,
        with_values(by_name.clone(), &[(&tier, "GOLD")]),
        2,
    )
    .await;
    let spent = all_pages(
        &storage,
        business.id,
        with_values(by_name.clone(), &[(&spend, "12.5000")]),
        1,
    )
    .await;
    let gold_and_spent = all_pages(
        &storage,
        business.id,
        with_values(by_name.clone(), &[(&tier, "gold"), (&spend, "12.5")]),
        2,
    )
    .await;
    let gold_not_banned = all_pages(
        &storage,
        business.id,
        ClientQuery {
            banned: Some(false),
            ..with_values(
                query(SiteScope::Only(vec![paris.id]), ClientSort::FirstName),
                &[(&tier, "Gold")],
            )
        },
        2,
    )
    .await;
    let city = all_pages(
        &storage,
        business.id,
        with_values(by_name.clone(), &[(&city, "SAO PAULO")]),
        5,
    )
    .await;

    // Assert
    assert_eq!(ids(&gold), pick(&[0, 1, 3, 5]));
    assert_eq!(ids(&spent), pick(&[1, 2, 3]));
    assert_eq!(ids(&gold_and_spent), pick(&[1, 3]));
    assert_eq!(ids(&gold_not_banned), pick(&[0, 1, 5]));
    assert_eq!(ids(&city), pick(&[0, 3]));
    // The listed clients carry all their values, not only those filtered on.
    assert_eq!(gold_and_spent[1], clients[3]);
}

#[tokio::test]
async fn cl_24_storage_tells_whether_and_which_values_clients_have_for_a_field() {
    // Arrange
    let (storage, _db) = fresh_storage().await;
    let (business, paris) = business_with_site(&storage).await;
    let tier = custom_field(
        business.id,
        "Tier",
        CustomFieldType::Choice,
        &["Gold", "Silver", "Bronze"],
    );
    let unused = custom_field(business.id, "Unused", CustomFieldType::Text, &[]);
    insert_custom_fields(&storage, &[tier.clone(), unused.clone()]).await;
    insert_clients(
        &storage,
        &[
            valued(
                client(business.id, "Ana", "Alves", &[paris.id]),
                &[(&tier, "Gold")],
            ),
            valued(
                client(business.id, "Bruno", "Barros", &[paris.id]),
                &[(&tier, "gold")],
            ),
            valued(
                client(business.id, "Chloé", "Dias", &[paris.id]),
                &[(&tier, "Bronze")],
            ),
        ],
    )
    .await;
    let keys: Vec<String> = ["silver", "gold", "bronze", "platinum"]
        .map(String::from)
        .to_vec();

    // Act
    let mut tx = storage.read().await.unwrap();
    let used = tx
        .custom_value_keys_in_use(business.id, tier.id, &keys)
        .await
        .unwrap();
    let none_asked = tx
        .custom_value_keys_in_use(business.id, tier.id, &[])
        .await
        .unwrap();
    let tier_in_use = tx.custom_field_in_use(business.id, tier.id).await.unwrap();
    let unused_in_use = tx
        .custom_field_in_use(business.id, unused.id)
        .await
        .unwrap();

    // Assert
    assert_eq!(used, ["bronze", "gold"]);
    assert!(none_asked.is_empty());
    assert!(tier_in_use);
    assert!(!unused_in_use);
}

#[tokio::test]
async fn cl_24_values_and_names_whose_folded_key_outgrows_an_index_entry_are_stored_and_found() {
    // Arrange: folding turns each emoji into its English name, so these keys are
    // kilobytes long, more than a PostgreSQL btree entry holds.
    let (storage, _db) = fresh_storage().await;
    let (business, paris) = business_with_site(&storage).await;
    let long_name = "\u{1f92b}".repeat(100);
    let option = "\u{1f92b}".repeat(100);
    let note = custom_field(business.id, &long_name, CustomFieldType::Text, &[]);
    let mood = custom_field(
        business.id,
        "Mood",
        CustomFieldType::Choice,
        &[&option, "calm"],
    );
    insert_custom_fields(&storage, &[note.clone(), mood.clone()]).await;
    // 500 different emoji: a key that also compresses badly.
    let long_text: String = (0..500)
        .filter_map(|i| char::from_u32(0x1f300 + i))
        .collect();
    let almost = format!("{}\u{1f600}", &long_text[..long_text.len() - 4]);
    let ana = valued(
        client(business.id, "Ana", "Alves", &[paris.id]),
        &[(&note, &long_text), (&mood, &option)],
    );
    let bruno = valued(
        client(business.id, "Bruno", "Barros", &[paris.id]),
        &[(&note, &almost)],
    );
    insert_clients(&storage, &[ana.clone(), bruno.clone()]).await;
    let by_name = query(SiteScope::All, ClientSort::LastName);

    // Act
    let mut tx = storage.begin().await.unwrap();
    let same_name = tx
        .insert_custom_field(&custom_field(
            business.id,
            &long_name,
            CustomFieldType::Date,
            &[],
        ))
        .await;
    let found = tx
        .clients(
            business.id,
            &with_values(by_name.clone(), &[(&note, &long_text)]),
        )
        .await
        .unwrap();
    let by_option = tx
        .clients(
            business.id,
            &with_values(by_name.clone(), &[(&mood, &option)]),
        )
        .await
        .unwrap();
    let option_key = mood.parse_value(&option).unwrap().key();
    let used = tx
        .custom_value_keys_in_use(business.id, mood.id, &[option_key.clone(), "calm".into()])
        .await
        .unwrap();
    tx.commit().await.unwrap();

    // Assert
    let text_key = note.parse_value(&long_text).unwrap().key();
    assert!(
        text_key.len() > 3_000,
        "the key is long: {}",
        text_key.len()
    );
    assert!(
        option_key.len() > 1_000,
        "the key is long: {}",
        option_key.len()
    );
    assert!(matches!(
        same_name,
        Err(StorageError::Duplicate("custom_field_name"))
    ));
    assert_eq!(found, vec![ana.clone()]);
    assert_eq!(by_option, vec![ana.clone()]);
    assert_eq!(used, [option_key]);
    assert_eq!(stored_client(&storage, &bruno).await, Some(bruno));
}

#[tokio::test]
async fn pl_26_custom_fields_and_values_of_another_business_are_invisible_and_unusable() {
    // Arrange
    let (storage, _db) = fresh_storage().await;
    let (owner, owner_site) = business_with_site(&storage).await;
    let tier = custom_field(owner.id, "Tier", CustomFieldType::Choice, &["Gold"]);
    insert_custom_fields(&storage, std::slice::from_ref(&tier)).await;
    let owner_client = valued(
        client(owner.id, "Ana", "Silva", &[owner_site.id]),
        &[(&tier, "Gold")],
    );
    insert_clients(&storage, std::slice::from_ref(&owner_client)).await;
    let (other, other_site) = business_with_site(&storage).await;
    // The same name is free in another business.
    let other_tier = custom_field(other.id, "tier", CustomFieldType::Text, &[]);
    insert_custom_fields(&storage, std::slice::from_ref(&other_tier)).await;
    let mut forged = tier.clone();
    forged.business_id = other.id;

    // Act and Assert: reads
    let mut tx = storage.begin().await.unwrap();
    assert_eq!(tx.custom_field(other.id, tier.id).await.unwrap(), None);
    assert_eq!(
        tx.custom_fields(other.id, None, 10).await.unwrap(),
        vec![other_tier.clone()]
    );
    assert!(
        tx.custom_fields_with_ids(other.id, &[tier.id])
            .await
            .unwrap()
            .is_empty()
    );
    assert!(!tx.custom_field_in_use(other.id, tier.id).await.unwrap());
    let listed = tx
        .clients(
            other.id,
            &with_values(
                query(SiteScope::All, ClientSort::LastName),
                &[(&tier, "Gold")],
            ),
        )
        .await
        .unwrap();
    assert!(listed.is_empty());
    assert!(matches!(
        tx.update_custom_field(&forged, tier.version).await,
        Err(StorageError::NotFound)
    ));
    tx.commit().await.unwrap();

    // The database refuses a client of one business carrying another's field.
    let stolen = valued(
        client(other.id, "Chloé", "Dias", &[other_site.id]),
        &[(&tier, "Gold")],
    );
    let mut tx = storage.begin().await.unwrap();
    assert!(tx.insert_client(&stolen).await.is_err());
    drop(tx);
    assert_eq!(
        stored_client(&storage, &owner_client).await,
        Some(owner_client)
    );
}

// ---------------------------------------------------------------------------------------
// Marketing preferences and consents

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
        business_id: client.business_id,
        client_id: client.id,
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
    let history = tx.consent_history(business.id, ana.id, 10).await.unwrap();
    let limited = tx.consent_history(business.id, ana.id, 1).await.unwrap();
    let current = tx.consents_of_client(business.id, ana.id).await.unwrap();

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
        .map(|c| (c.id, c.email.as_ref().unwrap().as_str().to_owned()))
        .collect();
    expected.sort();

    // Act
    let mut tx = storage.read().await.unwrap();
    let mut pages = Vec::new();
    let mut after = None;
    loop {
        let page = tx
            .opted_in_emails(business.id, newsletter.id, after, 3)
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
    assert_eq!(ids(&listed), vec![dora.id, ana.id]);
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
        tx.consents_of_client(other.id, ana.id).await.unwrap(),
        vec![]
    );
    assert_eq!(
        tx.consent_history(other.id, ana.id, 10).await.unwrap(),
        vec![]
    );
    assert_eq!(
        tx.opted_in_emails(other.id, newsletter.id, None, 10)
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
        tx.consent_history(other.id, bruno.id, 10).await.unwrap(),
        vec![own]
    );
    assert_eq!(
        tx.opted_in_emails(owner.id, newsletter.id, None, 10)
            .await
            .unwrap(),
        vec![(ana.id, "ana@example.com".to_owned())]
    );
    assert_eq!(
        tx.consent_history(owner.id, ana.id, 10).await.unwrap(),
        vec![opt_in]
    );
}
