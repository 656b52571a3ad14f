//! CL-16, CL-24: the client list exported as CSV and as an Excel workbook: the list's
//! filters and order, CL-16's membership columns, a column per custom field, every page.

use std::io::Cursor;

use calamine::{Data, Reader as _, Xlsx};
use futures::StreamExt as _;
use serde_json::json;

use crate::billing::membership_type;
use crate::helpers::{TestApp, spawn_app};
use crate::membership_export::bytes;

async fn client(t: &TestApp, last_name: &str, extra: serde_json::Value) -> String {
    let mut body = json!({ "first_name": "Ana", "last_name": last_name,
                           "email": format!("{last_name}@example.com") });
    for (key, value) in extra.as_object().expect("an object") {
        body[key] = value.clone();
    }
    t.create_client(&t.owner, body).await["id"]
        .as_str()
        .expect("an id")
        .to_owned()
}

async fn membership(t: &TestApp, client: &str, kind: &str) -> String {
    let reply = t
        .post(
            "/v1/memberships",
            &t.owner,
            json!({ "client_id": client, "type_id": kind, "payment_method": "manual",
                    "start_date": chrono::Utc::now().date_naive().to_string() }),
        )
        .await;
    reply.assert_status(201);
    reply.str("/id")
}

fn csv_records(body: Vec<u8>) -> Vec<Vec<String>> {
    csv::Reader::from_reader(Cursor::new(body))
        .records()
        .map(|record| {
            record
                .expect("a record")
                .iter()
                .map(str::to_owned)
                .collect()
        })
        .collect()
}

#[tokio::test]
async fn cl_16_cl_24_the_filtered_list_exports_with_membership_and_custom_field_columns() {
    let t = spawn_app().await;
    let tier = t
        .post(
            "/v1/custom-fields",
            &t.owner,
            json!({ "name": "=Tier", "kind": "choice", "options": ["Gold", "Silver"] }),
        )
        .await
        .str("/id");
    let kind = membership_type(&t, "manual").await;
    let cruz = client(
        &t,
        "cruz",
        json!({ "custom_fields": { tier.clone(): "Gold" } }),
    )
    .await;
    let lima = client(&t, "lima", json!({ "phone": "06 12 34 56 78" })).await;
    let nunes = client(&t, "=nunes", json!({})).await;
    // Cruz: one cancelled and one active membership; Lima: one cancelled only.
    let old = membership(&t, &cruz, &kind).await;
    membership(&t, &cruz, &kind).await;
    let lapsed = membership(&t, &lima, &kind).await;
    for id in [&old, &lapsed] {
        t.post(
            &format!("/v1/memberships/{id}/cancel"),
            &t.owner,
            json!({ "version": 1 }),
        )
        .await
        .assert_status(200);
    }

    let (status, content_type, disposition, body) =
        bytes(&t, "/v1/clients/export?site=all", &t.owner).await;

    assert_eq!(status, 200);
    assert_eq!(content_type, "text/csv; charset=utf-8");
    assert_eq!(disposition, "attachment; filename=\"clients.csv\"");
    let header = String::from_utf8(body.clone()).expect("UTF-8");
    assert!(
        header.starts_with(
            "client_id,first_name,last_name,email,phone,client_since,memberships,\
             active_memberships,membership_type,membership_rate,membership_status,\
             member_since,'=Tier\n"
        ),
        "{header}"
    );
    let rows = csv_records(body);
    let by_id = |id: &str| {
        rows.iter()
            .find(|row| row[0] == id)
            .unwrap_or_else(|| panic!("{id} in {rows:?}"))
            .clone()
    };
    let today = chrono::Utc::now().date_naive().to_string();
    assert_eq!(rows.len(), 3);
    assert_eq!(
        by_id(&cruz)[1..],
        [
            "Ana",
            "cruz",
            "cruz@example.com",
            "",
            &today,
            "2",
            "1",
            "Gold",
            "49.90",
            "active",
            &today,
            "Gold"
        ],
        "the active membership is shown"
    );
    assert_eq!(
        by_id(&lima)[4..12],
        [
            "06 12 34 56 78",
            &today,
            "1",
            "0",
            "Gold",
            "49.90",
            "cancelled",
            &today
        ],
        "no active one: the most recent"
    );
    assert_eq!(
        by_id(&nunes)[2..12],
        [
            "'=nunes",
            "'=nunes@example.com",
            "",
            &today,
            "0",
            "0",
            "",
            "",
            "",
            ""
        ],
        "a formula is neutralised; no membership, no membership columns"
    );

    let (_, _, _, members) = bytes(
        &t,
        "/v1/clients/export?site=all&has_membership=true",
        &t.owner,
    )
    .await;
    let members: Vec<String> = csv_records(members)
        .into_iter()
        .map(|row| row[0].clone())
        .collect();
    assert_eq!(members, [cruz], "the list's filters hold");
}

/// The ids of the whole list `query` asks for, page by page through the list route.
async fn listed(t: &TestApp, query: &str) -> Vec<String> {
    let mut ids = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let after = cursor.map(|c| format!("&cursor={c}")).unwrap_or_default();
        let page = t
            .get(&format!("/v1/clients?{query}&limit=1000{after}"), &t.owner)
            .await;
        page.assert_status(200);
        let items = page.at("/items").as_array().expect("items").clone();
        ids.extend(
            items
                .iter()
                .map(|c| c["id"].as_str().expect("an id").to_owned()),
        );
        cursor = page.body["next_cursor"].as_str().map(str::to_owned);
        if cursor.is_none() {
            return ids;
        }
    }
}

#[tokio::test]
async fn cl_16_the_export_lists_what_the_list_lists_in_its_order_on_every_page() {
    let t = spawn_app().await;
    let label = t
        .post(
            "/v1/labels",
            &t.owner,
            json!({ "name": "VIP", "colour": "#ffaa00" }),
        )
        .await
        .str("/id");
    // More than an export's page (1,000), with last names and first names repeated so
    // that the orders' later columns decide; every third client has the label, every
    // fifth is edited after the others were created.
    let firsts = ["Ana", "Bruno", "Chloé", "Dan"];
    let (t, label) = (&t, &label);
    let ids: Vec<String> = futures::stream::iter(0..1003)
        .map(|n| async move {
            let id = t
                .create_client(
                    &t.owner,
                    json!({ "first_name": firsts[n % 4], "last_name": format!("client{:03}", n % 300) }),
                )
                .await["id"]
                .as_str()
                .expect("an id")
                .to_owned();
            if n % 3 == 0 {
                t.post(
                    &format!("/v1/clients/{id}/labels"),
                    &t.owner,
                    json!({ "add": [label] }),
                )
                .await
                .assert_status(200);
            }
            id
        })
        .buffer_unordered(8)
        .collect()
        .await;
    for (n, id) in ids.iter().step_by(5).enumerate() {
        let path = format!("/v1/clients/{id}");
        let version = t.get(&path, &t.owner).await.at("/version").clone();
        t.patch(
            &path,
            &t.owner,
            json!({ "version": version, "email": format!("edited{n}@example.com") }),
        )
        .await
        .assert_status(200);
    }

    for filter in ["site=all", &format!("site=all&labels_any={label}")] {
        for sort in ["last_name", "first_name", "created_at", "admin_updated_at"] {
            let query = format!("{filter}&sort={sort}");
            let (status, _, _, csv) =
                bytes(t, &format!("/v1/clients/export?{query}"), &t.owner).await;
            assert_eq!(status, 200);
            let exported: Vec<String> = csv_records(csv)
                .into_iter()
                .map(|row| row[0].clone())
                .collect();
            let expected = listed(t, &query).await;
            assert!(expected.len() > 300, "{query}: {}", expected.len());
            assert_eq!(
                exported, expected,
                "{query}: the list's clients in its order"
            );
        }
    }
}

#[tokio::test]
async fn cl_16_every_page_is_exported_as_a_workbook_too() {
    let t = spawn_app().await;
    // One more than an export's page.
    let expected: Vec<String> = (0..1001).map(|n| format!("client{n:04}")).collect();
    let t = &t;
    let created: Vec<u16> = futures::stream::iter(&expected)
        .map(|last| async move {
            t.post(
                "/v1/clients",
                &t.owner,
                json!({ "first_name": "Ana", "last_name": last }),
            )
            .await
            .status
        })
        .buffer_unordered(8)
        .collect()
        .await;
    assert!(created.iter().all(|status| *status == 201));

    let (status, _, disposition, xlsx) = bytes(
        t,
        "/v1/clients/export?site=all&sort=last_name&format=xlsx",
        &t.owner,
    )
    .await;

    assert_eq!(status, 200);
    assert_eq!(disposition, "attachment; filename=\"clients.xlsx\"");
    let mut workbook: Xlsx<_> = Xlsx::new(Cursor::new(xlsx)).expect("a workbook");
    let sheet = workbook
        .worksheet_range_at(0)
        .expect("a sheet")
        .expect("readable");
    assert_eq!(sheet.height(), 1002);
    assert_eq!(sheet.get((0, 0)), Some(&Data::String("client_id".into())));
    let last_names: Vec<String> = (1..1002)
        .map(|row| {
            sheet
                .get((row, 2))
                .map(|cell| cell.to_string())
                .unwrap_or_default()
        })
        .collect();
    assert_eq!(last_names, expected, "every page, in the list's order");
}

#[tokio::test]
async fn cl_16_a_search_is_exported_exact_matches_first_as_the_list_shows_it() {
    let t = spawn_app().await;
    for (first, last) in [
        ("Marie", "Durand"),
        ("Anne", "Marie"),
        ("Marielle", "Blanc"),
        ("Paul", "Roux"),
    ] {
        client(
            &t,
            last,
            json!({ "first_name": first, "email": format!("{first}.{last}@example.com") }),
        )
        .await;
    }

    let (status, _, _, csv) = bytes(&t, "/v1/clients/export?site=all&q=marie", &t.owner).await;

    assert_eq!(status, 200);
    let exported: Vec<String> = csv_records(csv)
        .into_iter()
        .map(|row| row[0].clone())
        .collect();
    let expected = listed(&t, "site=all&q=marie").await;
    assert_eq!(expected.len(), 3);
    assert_eq!(exported, expected);
}

#[tokio::test]
async fn cl_16_only_owners_and_admins_export_and_a_bad_filter_is_a_problem() {
    let t = spawn_app().await;
    let site = t.main_site().await;
    let staff = t.staff_token("staff", "staff@example.com", &[&site]).await;

    let (forbidden, ..) = bytes(&t, "/v1/clients/export", &staff).await;
    let (bad_days, ..) = bytes(&t, "/v1/clients/export?recent_days=2", &t.owner).await;
    let (bad_site, ..) = bytes(&t, "/v1/clients/export?site=nowhere", &t.owner).await;

    assert_eq!(forbidden, 403);
    assert_eq!(bad_days, 422);
    assert_eq!(bad_site, 400);
}
