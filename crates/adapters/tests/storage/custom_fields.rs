//! Custom fields and the client values stored for them (CL-24, CL-10, PL-26).

use chrono::Duration;

use clientele_adapters::SeaStorage;
use clientele_adapters::testing::fresh_storage;
use clientele_domain::client::ClientChanges;
use clientele_domain::custom_field::{
    CustomField, CustomFieldChangesInput, CustomFieldDetails, CustomFieldInput, CustomFieldType,
};
use clientele_domain::{
    BusinessId, Client, ClientId, ClientParts, ClientSort, CustomFieldId, SiteScope,
};
use clientele_ports::storage::ClientQuery;
use clientele_ports::{Storage, StorageError};

use crate::helpers::{
    all_pages, base_time, business_with_site, client, ids, insert_clients, new_uuid, query,
    stored_client,
};

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

fn valued(client: Client, values: &[(&CustomField, &str)]) -> Client {
    let mut parts = client.into_parts();
    for (field, raw) in values {
        parts
            .custom_fields
            .insert(field.id, field.parse_value(raw).unwrap());
    }
    Client::restore(parts)
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
    tx.update_client(&changed, original.version())
        .await
        .unwrap();
    tx.commit().await.unwrap();

    // Assert
    assert_eq!(inserted.as_ref(), Some(&original));
    let inserted = inserted.unwrap();
    assert_eq!(
        inserted.custom_fields()[&spend.id].text(),
        "999999999999.9999"
    );
    assert_eq!(inserted.custom_fields()[&tier.id].text(), "Crème");
    let reread = stored_client(&storage, &changed).await.unwrap();
    assert_eq!(reread, changed);
    assert_eq!(reread.custom_fields()[&spend.id].text(), "12.50");
    assert!(!reread.custom_fields().contains_key(&born.id));
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
    clients[3] = Client::restore(ClientParts {
        banned: true,
        ..clients[3].clone().into_parts()
    });
    insert_clients(&storage, &clients).await;
    let by_name = query(SiteScope::All, ClientSort::LastName);
    let pick =
        |indexes: &[usize]| -> Vec<ClientId> { indexes.iter().map(|&i| clients[i].id()).collect() };

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
