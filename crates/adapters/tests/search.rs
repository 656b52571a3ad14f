//! CL-5 to CL-8 on a real database (SQLite by default, PostgreSQL with
//! `CLIENTELE_TEST_DATABASE_URL`): what the indexed search returns is exactly what the
//! domain's rule ([`ClientSearch::matches`]) finds, exact matches first, page after page.

use chrono::{DateTime, Duration, TimeZone as _, Utc};

use clientele_adapters::testing::fresh_storage;
use clientele_adapters::{SeaStorage, UuidV7Ids};
use clientele_domain::business::BusinessName;
use clientele_domain::client::{ClientChanges, ClientChangesInput, ClientInput};
use clientele_domain::search::ClientSearch;
use clientele_domain::site::{SiteDetails, SiteInput};
use clientele_domain::{
    Business, BusinessId, BusinessSettings, Client, ClientId, ClientSort, Currency, NewClient,
    Site, SiteId, SiteScope, TimeZone, Version,
};
use clientele_ports::storage::ClientQuery;
use clientele_ports::{IdGenerator, Storage};

fn at(minutes: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 22, 10, 0, 0).unwrap() + Duration::minutes(minutes)
}

async fn business_with_site(storage: &SeaStorage) -> (BusinessId, SiteId) {
    let business = Business {
        id: BusinessId::from_uuid(UuidV7Ids.new_id()),
        name: BusinessName::parse("Spa Lumière").unwrap(),
        settings: BusinessSettings::new(
            TimeZone::parse("Europe/Paris").unwrap(),
            Currency::parse("EUR").unwrap(),
        ),
        mode: clientele_domain::test_clock::BusinessMode::Live,
        created_at: at(0),
        updated_at: at(0),
        version: Version::initial(),
    };
    let details = SiteDetails::parse(&SiteInput {
        name: "Opéra".into(),
        address: None,
    })
    .unwrap();
    let site = Site::new(
        SiteId::from_uuid(UuidV7Ids.new_id()),
        business.id,
        details,
        at(0),
    );
    let mut tx = storage.begin().await.unwrap();
    tx.insert_business(&business).await.unwrap();
    tx.insert_site(&site).await.unwrap();
    tx.commit().await.unwrap();
    (business.id, site.id)
}

/// (first name, last name, email, phone as typed)
const PEOPLE: &[(&str, &str, Option<&str>, Option<&str>)] = &[
    (
        "Marie-Claire",
        "de la Cruz",
        Some("mc.cruz@orange.fr"),
        Some("06 12 34 56 78"),
    ),
    (
        "Marie",
        "Cruz",
        Some("marie.cruz@gmail.com"),
        Some("0612345678"),
    ),
    ("Marie", "Dupont", None, Some("+33 6 12 34 56 78")),
    ("Claire", "Marie", Some("claire@marie.fr"), None),
    (
        "Zoé",
        "Müller",
        Some("zoe_muller@free.fr"),
        Some("+41 79 123 45 67"),
    ),
    (
        "Zoe",
        "Mullerova",
        Some("zm%1@free.fr"),
        Some("(555) 123-4567"),
    ),
    (
        "Jean Pierre",
        "Martin",
        Some("jp.martin@laposte.net"),
        Some("06.98.76.54.32"),
    ),
    ("Jean-Pierre", "Martinez", Some("JPM@Outlook.com"), None),
    (
        "Jean",
        "Martin",
        Some("jean.martin@gmail.com"),
        Some("0698765432"),
    ),
    (
        "Anne Sophie",
        "Le Goff",
        Some("asl@gmail.com"),
        Some("07 11 22 33 44"),
    ),
    (
        "Élodie",
        "N'Diaye",
        Some("elodie.ndiaye@yahoo.fr"),
        Some("0711223344"),
    ),
    (
        "Gaëlle",
        "van der Berg",
        Some("gaelle@vdb.nl"),
        Some("+31 6 12345678"),
    ),
    (
        "Martin",
        "Bernard",
        Some("martin.b@gmail.com"),
        Some("01 23 45 67 89"),
    ),
    ("Núñez", "Da Silva", None, None),
    ("Ana", "Silva", Some("ana@silva.pt"), Some("912 345 678")),
    // Several inner words and email parts with the same start: found once each.
    (
        "Anne-Marie",
        "de la Lande-Lamy",
        Some("lala.lamy@lalande.fr"),
        Some("06 66 06 66 06"),
    ),
];

/// A client of `business` at `site` from `input`, created `minutes` after [`at`]'s start.
fn client(business: BusinessId, site: SiteId, input: &ClientInput, minutes: i64) -> Client {
    let when = at(minutes);
    Client::create(
        ClientId::from_uuid(UuidV7Ids.new_id()),
        business,
        NewClient::parse(input).unwrap(),
        vec![site],
        when,
        when.date_naive(),
    )
}

/// Every client of [`PEOPLE`] three times over, so pages of a few hold ties on names.
fn people(business: BusinessId, site: SiteId) -> Vec<Client> {
    let mut clients = Vec::new();
    for round in 0..3_i64 {
        for (n, (first, last, email, phone)) in PEOPLE.iter().enumerate() {
            let input = ClientInput {
                first_name: (*first).into(),
                last_name: (*last).into(),
                email: email.map(|e| match round {
                    0 => e.to_string(),
                    _ => format!("{round}{e}"),
                }),
                phone: phone.map(Into::into),
                ..ClientInput::default()
            };
            clients.push(client(business, site, &input, round * 100 + n as i64));
        }
    }
    clients
}

/// Stores the clients, the first half in one batch (`insert_clients`, as the import
/// does) and the rest one by one (`insert_client`): the oracle holds for both.
async fn insert(storage: &SeaStorage, clients: &[Client]) {
    let (batch, single) = clients.split_at(clients.len() / 2);
    let mut tx = storage.begin().await.unwrap();
    tx.insert_clients(batch).await.unwrap();
    for client in single {
        tx.insert_client(client).await.unwrap();
    }
    tx.commit().await.unwrap();
}

fn search_query(search: &ClientSearch, sort: ClientSort, limit: u32) -> ClientQuery {
    ClientQuery {
        search: Some(search.clone()),
        ..ClientQuery::unfiltered(SiteScope::All, sort, limit)
    }
}

/// Every page of `query`, each from the position of the previous page's last client, as
/// the application's cursor does it.
async fn all_pages(
    storage: &SeaStorage,
    business: BusinessId,
    mut query: ClientQuery,
) -> Vec<ClientId> {
    let search = query.search.clone().unwrap();
    let mut ids = Vec::new();
    loop {
        let mut tx = storage.read().await.unwrap();
        let page = tx.clients(business, &query).await.unwrap();
        ids.extend(page.iter().map(|c| c.id()));
        match page.last() {
            Some(last) if page.len() == query.limit as usize => {
                query.past_exact_matches = !search.is_exact(last);
                query.after = Some(query.sort.key_of(last));
            }
            _ => return ids,
        }
    }
}

/// What the rule says `search` finds among `clients`, in list order.
fn expected(search: &ClientSearch, sort: ClientSort, clients: &[Client]) -> Vec<ClientId> {
    let mut found: Vec<&Client> = clients.iter().filter(|c| search.matches(c)).collect();
    found.sort_by_key(|c| (!search.is_exact(c), sort.key_of(c)));
    found.iter().map(|c| c.id()).collect()
}

/// Every page of the search for `raw` among `clients`, in three sorts and in pages of 7 and
/// 250, is what the rule finds, and it finds someone.
async fn each_page_is_what_the_rule_finds(
    storage: &SeaStorage,
    business: BusinessId,
    clients: &[Client],
    raw: &str,
) {
    let search = ClientSearch::parse("q", raw).unwrap();
    for sort in [
        ClientSort::LastName,
        ClientSort::FirstName,
        ClientSort::CreatedAt,
    ] {
        for limit in [7, 250] {
            let got = all_pages(storage, business, search_query(&search, sort, limit)).await;
            let want = expected(&search, sort, clients);
            assert!(!want.is_empty(), "q={raw:?}");
            assert_eq!(got, want, "q={raw:?} sort={sort:?} limit={limit}");
        }
    }
}

#[tokio::test]
async fn cl_5_to_cl_8_the_indexed_search_finds_what_the_rule_finds_in_every_page_size() {
    let (storage, _database) = fresh_storage().await;
    let (business, site) = business_with_site(&storage).await;
    let clients = people(business, site);
    insert(&storage, &clients).await;
    // Another business's twins are never found.
    let (other, other_site) = business_with_site(&storage).await;
    insert(&storage, &people(other, other_site)).await;

    let queries = [
        // CL-5: names, one word, several words, every split, accents and case.
        "marie",
        "MARIE",
        "mar",
        "cruz",
        "la cruz",
        "de la cruz",
        "marie cruz",
        "marie-claire",
        "claire",
        "claire de",
        "marie claire",
        "zoe",
        "Zoé",
        "müll",
        "jean pierre",
        "jean-pierre",
        "pierre martin",
        "jean martin",
        "martin",
        "n'diaye",
        "diaye",
        "elodie n",
        "anne sophie le",
        "sophie le goff",
        "da silva",
        "silva",
        "van der",
        "der berg",
        "berg",
        "nunez",
        // CL-6: phones in every format, two digits at least, anywhere in the number.
        "5678",
        "06 12 34 56 78",
        "0612345678",
        "+33 6 12",
        "33612345678",
        "12",
        "(555) 123",
        "79 123 45 67",
        "0711223344",
        "98.76",
        // CL-7: email fragments, with LIKE wildcards taken literally.
        "gmail",
        "@gmail.com",
        "free.fr",
        "zoe_m",
        "zm%1",
        "e_m",
        "%1",
        "jpm@outlook",
        // CL-8: a whole email, an exact match also found as a fragment.
        "marie.cruz@gmail.com",
        "JPM@Outlook.com",
        "1mc.cruz",
        // A fragment or a word start found several times in one client.
        "la",
        "lam",
        "a",
        "ma",
        "066",
        "6606",
        "sil",
        "gm",
        "fr",
        // Nothing.
        "xyz",
        "martine",
        "cruz marie",
    ];
    for raw in queries {
        let search = ClientSearch::parse("q", raw).unwrap();
        for sort in [ClientSort::LastName, ClientSort::CreatedAt] {
            let want = expected(&search, sort, &clients);
            for limit in [1000, 4, 1] {
                let got = all_pages(&storage, business, search_query(&search, sort, limit)).await;
                let describe = |ids: &[ClientId]| {
                    ids.iter()
                        .map(|id| {
                            let c = clients.iter().find(|c| c.id() == *id).unwrap();
                            format!(
                                "{} {} {:?} {:?}",
                                c.first_name().as_str(),
                                c.last_name().as_str(),
                                c.email().as_ref().map(|e| e.as_str()),
                                c.phone().as_ref().map(|p| p.normalised())
                            )
                        })
                        .collect::<Vec<_>>()
                };
                assert_eq!(
                    describe(&got),
                    describe(&want),
                    "q={raw:?} sort={sort:?} limit={limit}"
                );
            }
        }
    }
}

#[tokio::test]
async fn cl_5_cl_7_a_changed_name_email_or_phone_is_found_by_its_new_value_only() {
    let (storage, _database) = fresh_storage().await;
    let (business, site) = business_with_site(&storage).await;
    let mut clients = people(business, site);
    insert(&storage, &clients).await;
    let client = &mut clients[0];
    let version = client.version();
    let changes = ClientChanges::parse(&ClientChangesInput {
        last_name: Some("Lopez y Garcia".into()),
        email: Some(Some("nouvelle.adresse@exemple.fr".into())),
        phone: Some(Some("04 99 88 77 66".into())),
        ..ClientChangesInput::default()
    })
    .unwrap();
    assert!(client.apply(changes, at(1000)));
    let mut tx = storage.begin().await.unwrap();
    tx.update_client(client, version).await.unwrap();
    tx.commit().await.unwrap();

    for (raw, found) in [
        ("garcia", true),
        ("y garcia", true),
        ("exemple", true),
        ("99 88 77", true),
        ("mc.cruz@orange", false),
        ("marie-claire cruz", false),
    ] {
        let search = ClientSearch::parse("q", raw).unwrap();
        let ids = all_pages(
            &storage,
            business,
            search_query(&search, ClientSort::LastName, 50),
        )
        .await;
        assert_eq!(ids.contains(&clients[0].id()), found, "q={raw:?}");
        assert_eq!(
            ids,
            expected(&search, ClientSort::LastName, &clients),
            "q={raw:?}"
        );
    }
}

#[tokio::test]
async fn cl_10_search_combines_with_the_other_filters() {
    let (storage, _database) = fresh_storage().await;
    let (business, site) = business_with_site(&storage).await;
    let mut clients = people(business, site);
    for client in clients.iter_mut().step_by(2) {
        let _ = client.ban(at(500));
    }
    insert(&storage, &clients).await;
    let search = ClientSearch::parse("q", "marie").unwrap();

    let query = ClientQuery {
        banned: Some(false),
        ..search_query(&search, ClientSort::LastName, 2)
    };
    let got = all_pages(&storage, business, query).await;

    let unbanned: Vec<Client> = clients.into_iter().filter(|c| !c.banned()).collect();
    assert_eq!(got, expected(&search, ClientSort::LastName, &unbanned));
    assert!(!got.is_empty());
}

#[tokio::test]
async fn cl_1_cl_5_a_name_whose_folded_key_is_long_is_stored_and_found() {
    let (storage, _database) = fresh_storage().await;
    let (business, site) = business_with_site(&storage).await;
    // A hundred symbols that fold to their names: keys of hundreds of bytes, cut to
    // `text::MAX_KEY_BYTES` so that an index entry of two of them stays small.
    let name: String = std::iter::once('\u{FDFA}')
        .chain(('\u{1F300}'..).take(99))
        .collect();
    let input = ClientInput {
        first_name: name.clone(),
        last_name: name,
        ..ClientInput::default()
    };
    let client = client(business, site, &input, 0);
    insert(&storage, std::slice::from_ref(&client)).await;

    let search = ClientSearch::parse("q", "{salla llahu").unwrap();
    let found = all_pages(
        &storage,
        business,
        search_query(&search, ClientSort::LastName, 50),
    )
    .await;

    assert_eq!(found, [client.id()]);
}

#[tokio::test]
async fn cl_5_to_cl_7_a_name_or_fragment_thousands_of_clients_share_is_found_in_order_too() {
    let (storage, _database) = fresh_storage().await;
    let (business, site) = business_with_site(&storage).await;
    // More clients share "gmail", "06", the first name "anne" and its inner word
    // "prénom" than storage sorts at once: those are read walking the list's order.
    let clients: Vec<Client> = (0..2100_i64)
        .map(|n| {
            let input = ClientInput {
                first_name: format!("Anne-Prénom{}", n % 7),
                last_name: format!("Nom{:04}", (n * 7919) % 2100),
                email: Some(format!("n{n}@gmail.com")),
                phone: Some(format!("06 {:02} {:02} 00 00", n / 100, n % 100)),
                ..ClientInput::default()
            };
            client(business, site, &input, n)
        })
        .collect();
    insert(&storage, &clients).await;

    for raw in [
        "gmail",
        "0000",
        "n20",
        "anne",
        "prénom",
        "prénom3",
        "anne nom01",
        "prenom3 nom",
    ] {
        let search = ClientSearch::parse("q", raw).unwrap();
        for sort in [ClientSort::LastName, ClientSort::CreatedAt] {
            let got = all_pages(&storage, business, search_query(&search, sort, 250)).await;
            let want = expected(&search, sort, &clients);
            assert_eq!(got, want, "q={raw:?} sort={sort:?}");
        }
    }
}

#[tokio::test]
async fn cl_7_an_email_fragment_in_thousands_of_terms_is_read_from_its_head_in_order() {
    let (storage, _database) = fresh_storage().await;
    let (business, site) = business_with_site(&storage).await;
    // Each address holds "mor" 12 times: 7,200 terms start with "mor" and 6,600 with
    // "ormo", more than storage sorts from their range, so in last-name order these are
    // read from the head of the email terms (every term starting with "mor", or "orm").
    // A client is found once however many of its terms match. Others hold it once, in
    // the name part or the domain, or not at all; "Mor" is an exact match, listed first.
    let clients: Vec<Client> = (0..640_i64)
        .map(|n| {
            let email = match n % 16 {
                0 => format!("x{n}@amorce.fr"),
                1 => format!("n{n}@mail.fr"),
                2 => format!("mor{n}@mail.fr"),
                _ => format!("{}{n}@mail.fr", "mor".repeat(12)),
            };
            let input = ClientInput {
                first_name: format!("Prénom{}", n % 5),
                last_name: match n {
                    5 => "Mor".to_owned(),
                    _ => format!("Nom{:03}", (n * 7919) % 640),
                },
                email: Some(email),
                ..ClientInput::default()
            };
            client(business, site, &input, n)
        })
        .collect();
    insert(&storage, &clients).await;

    for raw in ["mor", "ormo", "rmormor", "mor1", "amor", "mail"] {
        each_page_is_what_the_rule_finds(&storage, business, &clients, raw).await;
    }
}

#[tokio::test]
async fn cl_5_branches_along_one_last_name_range_are_read_by_one_walk() {
    let (storage, _database) = fresh_storage().await;
    let (business, site) = business_with_site(&storage).await;
    // More than storage counts a first name to (5,000) are Sophies, so "sophie ler" walks
    // the last names from "ler" for them; the Anne-Sophies there, few, are read by the
    // same walk rather than a page of their own. Pauls there match neither; three are
    // exactly Sophie Ler, listed first.
    let names = (0..5_180_i64).map(|n| match n {
        0..5_001 => ("Sophie".to_owned(), format!("Nom{:04}", (n * 7919) % 5_001)),
        5_001..5_061 => ("Sophie".to_owned(), format!("Leroy{}", n % 7)),
        5_061..5_121 => (format!("Anne-Sophie{}", n % 3), format!("Lerouge{}", n % 5)),
        5_121..5_177 => ("Paul".to_owned(), format!("Lerner{}", n % 4)),
        _ => ("Sophie".to_owned(), "Ler".to_owned()),
    });
    let clients: Vec<Client> = names
        .enumerate()
        .map(|(n, (first_name, last_name))| {
            let input = ClientInput {
                first_name,
                last_name,
                ..ClientInput::default()
            };
            client(business, site, &input, n as i64)
        })
        .collect();
    insert(&storage, &clients).await;

    for raw in ["sophie ler", "sophie lero", "anne ler", "sophie lerou"] {
        each_page_is_what_the_rule_finds(&storage, business, &clients, raw).await;
    }
}
