//! Labels and the label filters of the client list (CL-4, CL-10, CL-11, PL-26).

use chrono::Duration;
use clientele_domain::ClientParts;

use clientele_adapters::SeaStorage;
use clientele_adapters::testing::fresh_storage;
use clientele_domain::label::{Label, LabelDetails, LabelFilter, LabelInput};
use clientele_domain::{Business, Client, ClientId, ClientSort, LabelId, Site, SiteId, SiteScope};
use clientele_ports::storage::ClientQuery;
use clientele_ports::{Storage, StorageError};

use crate::helpers::{
    all_pages, base_time, business_with_site, client, ids, insert_clients, label, query, site,
    stored_client,
};

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
    original = Client::restore(ClientParts {
        labels: sorted_ids(&[vip.id, new.id]),
        ..original.into_parts()
    });
    let plain = client(business.id, "Bruno", "Costa", &[paris.id]);
    insert_clients(&storage, &[original.clone(), plain.clone()]).await;
    let inserted = stored_client(&storage, &original).await;
    let mut relabelled = original.clone();
    assert!(relabelled.change_labels(&[loyal.id], &[new.id], base_time() + Duration::minutes(1)));

    // Act
    let mut tx = storage.begin().await.unwrap();
    tx.update_client(&relabelled, original.version())
        .await
        .unwrap();
    tx.commit().await.unwrap();

    // Assert
    assert_eq!(inserted, Some(original));
    assert_eq!(
        stored_client(&storage, &relabelled).await,
        Some(relabelled.clone())
    );
    assert_eq!(relabelled.labels(), sorted_ids(&[vip.id, loyal.id]));
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
        c = Client::restore(ClientParts {
            labels: sorted_ids(labels),
            ..c.into_parts()
        });
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
        |indexes: &[usize]| -> Vec<ClientId> { indexes.iter().map(|&i| clients[i].id()).collect() };

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
        c = Client::restore(ClientParts {
            labels: sorted_ids(labels),
            ..c.into_parts()
        });
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
        c = Client::restore(ClientParts {
            last_name: clientele_domain::PersonName::parse("last_name", "Zúñiga").unwrap(),
            ..c.into_parts()
        });
        c = Client::restore(ClientParts {
            first_name: clientele_domain::PersonName::parse("first_name", "Aline").unwrap(),
            ..c.into_parts()
        });
        c = Client::restore(ClientParts {
            version: c.version().next(),
            ..c.into_parts()
        });
        c
    };
    let mut tx = storage.begin().await.unwrap();
    tx.update_client(&renamed, clients[0].version())
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
    let expected_by_last: Vec<ClientId> = silvas.iter().copied().chain([clients[0].id()]).collect();
    assert_eq!(ids(&by_last), expected_by_last);
    let expected_by_first: Vec<ClientId> = [clients[0].id()]
        .into_iter()
        .chain(silvas.clone())
        .collect();
    assert_eq!(ids(&by_first), expected_by_first);
    let both_ids: Vec<ClientId> = silvas
        .iter()
        .copied()
        .filter(|id| *id != clients[2].id())
        .collect();
    assert_eq!(ids(&both_by_last), both_ids);
    assert_eq!(by_last.last(), Some(&clients[0]));
    // Aline Zúñiga, Ana Silva ×3 (each once, whatever labels it has), Bruno Costa.
    let either_ids: Vec<ClientId> = expected_by_first
        .into_iter()
        .chain([clients[4].id()])
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
        c = Client::restore(ClientParts {
            labels: sorted_ids(labels),
            ..c.into_parts()
        });
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
    let change = |c: &Client, edit: &dyn Fn(&mut ClientParts)| {
        let mut parts = c.clone().into_parts();
        edit(&mut parts);
        parts.version = c.version().next();
        Client::restore(parts)
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
        tx.update_client(client, clients[index].version())
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
        vec![clients[4].id(), clients[1].id(), clients[0].id()]
    );
    assert_eq!(ids(&lyon_before), vec![clients[1].id(), clients[2].id()]);
    // Lyon: Carla Abreu (renamed, now also in Paris), Bruno Costa (left Paris).
    assert_eq!(ids(&lyon_by_last), vec![clients[2].id(), clients[1].id()]);
    assert_eq!(lyon_by_last[1], clients[1]);
    // Paris by first name: Ana, Carla, Duarte, Eva.
    assert_eq!(
        ids(&paris_by_first),
        vec![
            clients[0].id(),
            clients[2].id(),
            clients[3].id(),
            clients[4].id()
        ]
    );
    assert_eq!(ids(&vip_by_last), vec![clients[2].id(), clients[0].id()]);
    assert_eq!(
        vip_by_last[0], clients[2],
        "read whole, with its new name and sites"
    );
    assert_eq!(ids(&vip_by_first), vec![clients[0].id(), clients[2].id()]);
    assert_eq!(ids(&either_at_lyon), vec![clients[2].id(), clients[1].id()]);
    assert_eq!(ids(&both_at_lyon), vec![clients[1].id()]);
    // The caller's scope still applies: of the VIPs at Paris, only the one also at Lyon.
    assert_eq!(ids(&outside_scope), vec![clients[2].id()]);
    assert!(loyal_after_deletion.is_empty());
}

#[tokio::test]
async fn cl_11_deleting_a_label_takes_it_off_every_client() {
    // Arrange
    let (storage, _db) = fresh_storage().await;
    let (business, paris, vip, loyal) = business_with_two_labels(&storage).await;
    let mut ana = client(business.id, "Ana", "Silva", &[paris.id]);
    ana = Client::restore(ClientParts {
        labels: sorted_ids(&[vip.id, loyal.id]),
        ..ana.into_parts()
    });
    let mut bruno = client(business.id, "Bruno", "Costa", &[paris.id]);
    bruno = Client::restore(ClientParts {
        labels: vec![vip.id],
        ..bruno.into_parts()
    });
    insert_clients(&storage, &[ana.clone(), bruno.clone()]).await;

    // Act
    let mut tx = storage.begin().await.unwrap();
    tx.delete_label(business.id, vip.id).await.unwrap();
    let again = tx.delete_label(business.id, vip.id).await;
    tx.commit().await.unwrap();

    // Assert
    assert!(matches!(again, Err(StorageError::NotFound)));
    ana = Client::restore(ClientParts {
        labels: vec![loyal.id],
        ..ana.into_parts()
    });
    bruno = Client::restore(ClientParts {
        labels: vec![],
        ..bruno.into_parts()
    });
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
    owner_client = Client::restore(ClientParts {
        labels: vec![vip.id],
        ..owner_client.into_parts()
    });
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
    stolen = Client::restore(ClientParts {
        labels: vec![vip.id],
        ..stolen.into_parts()
    });
    let mut tx = storage.begin().await.unwrap();
    assert!(tx.insert_client(&stolen).await.is_err());
    drop(tx);
    let mut relabelled = other_client.clone();
    relabelled = Client::restore(ClientParts {
        labels: vec![vip.id],
        ..relabelled.into_parts()
    });
    relabelled = Client::restore(ClientParts {
        version: other_client.version().next(),
        ..relabelled.into_parts()
    });
    let mut tx = storage.begin().await.unwrap();
    assert!(
        tx.update_client(&relabelled, other_client.version())
            .await
            .is_err()
    );
    drop(tx);

    // Everything is untouched.
    let mut tx = storage.read().await.unwrap();
    assert_eq!(tx.label(owner.id, vip.id).await.unwrap(), Some(vip));
    assert_eq!(
        tx.client(owner.id, owner_client.id()).await.unwrap(),
        Some(owner_client)
    );
    assert_eq!(
        tx.client(other.id, other_client.id()).await.unwrap(),
        Some(other_client)
    );
    assert_eq!(tx.client(other.id, stolen.id()).await.unwrap(), None);
}
