//! CL-15: clients stored a batch at a time (`insert_clients`) and looked up a batch of
//! keys at a time (`clients_by_emails`, `clients_by_names`), as the import does.

use clientele_adapters::SeaStorage;
use clientele_adapters::testing::fresh_storage;
use clientele_domain::client::ClientInput;
use clientele_domain::custom_field::{
    CustomField, CustomFieldDetails, CustomFieldInput, CustomFieldType,
};
use clientele_domain::label::Label;
use clientele_domain::search::ClientSearch;
use clientele_domain::text::name_key;
use clientele_domain::{
    Business, Client, ClientId, ClientSort, CustomFieldId, NewClient, Site, SiteScope,
};
use clientele_ports::storage::ClientQuery;
use clientele_ports::{Storage, StorageError};

use crate::helpers::{
    all_pages, base_time, business_with_site, client, ids, label, new_uuid, query, site,
    stored_client,
};

/// More clients than one statement holds (every table is written in several).
const MANY: usize = 2_500;

/// A business with two sites, two labels and a text custom field, stored.
async fn furnished(storage: &SeaStorage) -> (Business, [Site; 2], [Label; 2], CustomField) {
    let (business, paris) = business_with_site(storage).await;
    let lyon = site(business.id, "Lyon");
    let labels = [
        label(business.id, "VIP", "#ffaa00"),
        label(business.id, "Fidèle", "#00aaff"),
    ];
    let details = CustomFieldDetails::parse(&CustomFieldInput {
        name: "Allergies".into(),
        field_type: CustomFieldType::Text,
        options: None,
    })
    .unwrap();
    let field = CustomField::new(
        CustomFieldId::from_uuid(new_uuid()),
        business.id,
        details,
        base_time(),
    );
    let mut tx = storage.begin().await.unwrap();
    tx.insert_site(&lyon).await.unwrap();
    for label in &labels {
        tx.insert_label(label).await.unwrap();
    }
    tx.insert_custom_field(&field).await.unwrap();
    tx.commit().await.unwrap();
    (business, [paris, lyon], labels, field)
}

/// The `n`th client of a varied batch: some with an email, a phone, both sites, labels
/// or a custom value, some with none of them.
fn varied(
    n: usize,
    business: &Business,
    sites: &[Site; 2],
    labels: &[Label; 2],
    field: &CustomField,
) -> Client {
    let new = NewClient::parse(&ClientInput {
        first_name: format!("Zoé{n}"),
        last_name: format!("Núñez-{}", n % 97),
        email: (!n.is_multiple_of(3)).then(|| format!("Zoe.{n}@Exemple.fr")),
        phone: (!n.is_multiple_of(4))
            .then(|| format!("06 12 {:02} {:02} {:02}", n % 100, n / 100 % 100, n % 7)),
        ..ClientInput::default()
    })
    .unwrap();
    let site_ids = match n % 2 {
        0 => vec![sites[0].id, sites[1].id],
        _ => vec![sites[1].id],
    };
    let at = base_time() + chrono::Duration::seconds(n as i64);
    let id = ClientId::from_uuid(new_uuid());
    let mut parts =
        Client::create(id, business.id, new, site_ids, at, at.date_naive()).into_parts();
    parts.labels = labels.iter().take(n % 3).map(|l| l.id).collect();
    parts.labels.sort();
    if n.is_multiple_of(5) {
        let value = field.parse_value(&format!("Pollen {n}")).unwrap();
        parts.custom_fields.insert(field.id, value);
    }
    Client::restore(parts)
}

fn by_id(mut clients: Vec<Client>) -> Vec<Client> {
    clients.sort_by_key(Client::id);
    clients
}

/// The clients a search for `text` finds in the business: one page is enough here.
async fn searched(storage: &SeaStorage, business: &Business, text: &str) -> Vec<ClientId> {
    let query = ClientQuery {
        search: Some(ClientSearch::parse("search", text).unwrap()),
        ..ClientQuery::unfiltered(SiteScope::All, ClientSort::LastName, 50)
    };
    let mut tx = storage.read().await.unwrap();
    ids(&tx.clients(business.id, &query).await.unwrap())
}

#[tokio::test]
async fn cl_15_a_batch_of_clients_is_stored_whole_listed_and_searchable() {
    // Arrange
    let (storage, _db) = fresh_storage().await;
    let (business, sites, labels, field) = furnished(&storage).await;
    let clients: Vec<Client> = (0..MANY)
        .map(|n| varied(n, &business, &sites, &labels, &field))
        .collect();

    // Act
    let mut tx = storage.begin().await.unwrap();
    tx.insert_clients(&clients).await.unwrap();
    tx.commit().await.unwrap();

    // Assert: each client reads back whole (sites, labels, custom value), by id and by a
    // batch of email keys.
    for client in clients.iter().step_by(97) {
        assert_eq!(stored_client(&storage, client).await.as_ref(), Some(client));
    }
    let keys: Vec<String> = (clients.iter())
        .filter_map(|c| c.email().map(|e| e.key()))
        .collect();
    let mut tx = storage.read().await.unwrap();
    let found = tx.clients_by_emails(business.id, &keys).await.unwrap();
    drop(tx);
    let with_email = clients.iter().filter(|c| c.email().is_some()).cloned();
    assert_eq!(by_id(found), by_id(with_email.collect()));
    // The list holds them all, and the search finds them by name, email and phone (their
    // search terms were written), and by a site's and a label's filter.
    let listed = all_pages(
        &storage,
        business.id,
        query(SiteScope::All, ClientSort::LastName),
        500,
    )
    .await;
    assert_eq!(by_id(listed), by_id(clients.clone()));
    let phone = clients[1234].phone().unwrap().normalised().to_owned();
    for (text, expected) in [
        ("Zoé1234", clients[1234].id()),
        ("zoe.1235@exemple", clients[1235].id()),
        (&phone[..], clients[1234].id()),
    ] {
        assert_eq!(
            searched(&storage, &business, text).await,
            vec![expected],
            "{text}"
        );
    }
    let in_paris = ClientQuery {
        site: Some(sites[0].id),
        ..query(SiteScope::All, ClientSort::LastName)
    };
    let paris = all_pages(&storage, business.id, in_paris, 500).await;
    assert_eq!(paris.len(), MANY / 2);
    assert!(paris.iter().all(|c| c.sites().contains(&sites[0].id)));
}

#[tokio::test]
async fn cl_15_a_batch_with_a_taken_id_stores_none_of_its_clients() {
    // Arrange: a client stored, then a batch whose last client has its id.
    let (storage, _db) = fresh_storage().await;
    let (business, sites, labels, field) = furnished(&storage).await;
    let stored = varied(1, &business, &sites, &labels, &field);
    let mut tx = storage.begin().await.unwrap();
    tx.insert_client(&stored).await.unwrap();
    tx.commit().await.unwrap();
    let mut batch: Vec<Client> = (2..600)
        .map(|n| varied(n, &business, &sites, &labels, &field))
        .collect();
    let mut twin = varied(600, &business, &sites, &labels, &field).into_parts();
    twin.id = stored.id();
    batch.push(Client::restore(twin));

    // Act: the batch fails; the transaction goes on and commits.
    let mut tx = storage.begin().await.unwrap();
    let result = tx.insert_clients(&batch).await;
    tx.insert_client(&varied(601, &business, &sites, &labels, &field))
        .await
        .unwrap();
    tx.commit().await.unwrap();

    // Assert
    assert!(
        matches!(result, Err(StorageError::Duplicate("client"))),
        "{result:?}"
    );
    assert_eq!(stored_client(&storage, &batch[0]).await, None);
    assert_eq!(stored_client(&storage, &stored).await, Some(stored.clone()));
    let listed = all_pages(
        &storage,
        business.id,
        query(SiteScope::All, ClientSort::LastName),
        500,
    )
    .await;
    assert_eq!(
        listed.len(),
        2,
        "the stored client and the one after the failed batch"
    );
}

#[tokio::test]
async fn cl_15_clients_by_names_finds_clients_without_an_email_of_those_names_in_the_business() {
    // Arrange
    let (storage, _db) = fresh_storage().await;
    let (business, paris) = business_with_site(&storage).await;
    let (other, other_site) = business_with_site(&storage).await;
    let with_email = |first: &str, last: &str| {
        let new = NewClient::parse(&ClientInput {
            first_name: first.into(),
            last_name: last.into(),
            email: Some(format!("{first}@exemple.fr")),
            ..ClientInput::default()
        })
        .unwrap();
        let id = ClientId::from_uuid(new_uuid());
        Client::create(
            id,
            business.id,
            new,
            vec![paris.id],
            base_time(),
            base_time().date_naive(),
        )
    };
    let ana = client(business.id, "Ana", "Silva", &[paris.id]);
    let elodie = client(business.id, "Élodie", "Dupré", &[paris.id]);
    let bruno = client(business.id, "Bruno", "Silva", &[paris.id]);
    let ana_with_email = with_email("Ana", "Silva");
    let ana_elsewhere = client(other.id, "Ana", "Silva", &[other_site.id]);
    let mut tx = storage.begin().await.unwrap();
    tx.insert_clients(&[ana.clone(), elodie.clone(), bruno, ana_with_email])
        .await
        .unwrap();
    tx.insert_clients(&[ana_elsewhere]).await.unwrap();
    tx.commit().await.unwrap();

    // Act: the keys are the folded names.
    let names = [("Ana", "Silva"), ("ÉLODIE", "Dupré"), ("Silva", "Ana")]
        .map(|(first, last)| (name_key(first), name_key(last)));
    let mut tx = storage.read().await.unwrap();
    let found = tx.clients_by_names(business.id, &names).await.unwrap();
    let none = tx.clients_by_names(business.id, &[]).await.unwrap();

    // Assert
    assert_eq!(by_id(found), by_id(vec![ana, elodie]));
    assert!(none.is_empty());
}
