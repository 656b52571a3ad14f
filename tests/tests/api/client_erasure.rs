//! CL-22: anonymising a client: a marker planted in every personal field survives nowhere
//! in the database, while the business's records stay.

use std::time::Duration;

use base64::Engine as _;
use clientele_application::client_imports::ImportPolicy;
use serde_json::{Value, json};

use crate::dump::rows_holding;
use crate::helpers::{Reply, TestApp, spawn_app};

/// In every personal value of the test, and nowhere else.
const MARKER: &str = "kqzv";
/// The digits of the planted phone number.
const PHONE_DIGITS: &str = "98765432";

async fn created(app: &TestApp, path: &str, body: Value) -> Value {
    let reply = app.post(path, &app.owner, body).await;
    assert!((200..300).contains(&reply.status), "{path}: {reply:?}");
    reply.body
}

/// POST with an idempotency key, so that the answer is stored.
async fn once(app: &TestApp, path: &str, key: &str, body: Value) -> Value {
    let reply = Reply::of(
        app.client
            .post(path)
            .header("authorization", format!("Bearer {}", app.owner))
            .header("idempotency-key", key)
            .body_json(&body)
            .send()
            .await,
    )
    .await;
    assert!((200..300).contains(&reply.status), "{path}: {reply:?}");
    reply.body
}

async fn version(app: &TestApp, client: &str) -> Value {
    app.get(&format!("/v1/clients/{client}"), &app.owner)
        .await
        .at("/version")
        .clone()
}

/// A client with a marked record of every kind; their id.
async fn marked_client(t: &TestApp) -> String {
    let field = created(
        t,
        "/v1/custom-fields",
        json!({ "name": "Favourite", "kind": "text" }),
    )
    .await;
    let service = t.create_service("Massage").await;
    let book = |key: &'static str, first: &str, email: &str, at: &str| {
        once(
            t,
            "/v1/appointments",
            key,
            json!({ "appointment_type_id": service, "starts_at": at,
                    "client": { "first_name": first, "last_name": "Silvakqzv", "email": email } }),
        )
    };
    let ana = book(
        "book-ana",
        "Annakqzv",
        "ana.kqzv@example.com",
        "2026-12-01T09:00:00Z",
    )
    .await["client"]["id"]
        .as_str()
        .expect("a client")
        .to_owned();
    let twin = book(
        "book-twin",
        "Twinkqzv",
        "twin.kqzv@example.com",
        "2026-12-02T09:00:00Z",
    )
    .await["client"]["id"]
        .as_str()
        .expect("a client")
        .to_owned();
    created(
        t,
        &format!("/v1/clients/{ana}/merge"),
        json!({ "version": version(t, &ana).await, "absorb": [twin] }),
    )
    .await;
    let mut values = serde_json::Map::new();
    values.insert(
        field["id"].as_str().expect("an id").to_owned(),
        json!("Kqzv tea"),
    );
    t.patch(
        &format!("/v1/clients/{ana}"),
        &t.owner,
        json!({ "version": version(t, &ana).await, "email": "ana2.kqzv@example.com",
                "phone": "06 98 76 54 32", "client_notes": "Likes kqzv", "custom_fields": values }),
    )
    .await
    .assert_status(200);
    created(
        t,
        &format!("/v1/clients/{ana}/notes"),
        json!({ "text": "Note kqzv" }),
    )
    .await;
    let content = base64::engine::general_purpose::STANDARD.encode("%PDF-1.4 kqzv");
    created(
        t,
        &format!("/v1/clients/{ana}/documents"),
        json!({ "name": "kqzv.pdf", "content_type": "application/pdf", "content_base64": content }),
    )
    .await;
    created(
        t,
        &format!("/v1/clients/{ana}/cards"),
        json!({ "number": "4242 4242 4242 4242", "exp_month": 12, "exp_year": 2030, "cvc": "123" }),
    )
    .await;
    let preference = created(t, "/v1/marketing-preferences", json!({ "name": "News" })).await;
    t.put(
        &format!("/v1/clients/{ana}/marketing"),
        &t.owner,
        json!({ "preference_id": preference["id"], "opted_in": true }),
    )
    .await
    .assert_status(200);
    let product = created(
        t,
        "/v1/products",
        json!({ "name": "Pack", "kind": "package", "appointments": 5, "price": "250.00" }),
    )
    .await;
    let sale = once(
        t,
        "/v1/orders",
        "order-ana",
        json!({ "product_id": product["id"], "client_id": ana, "method": "manual" }),
    )
    .await;
    let code = sale["code"]["id"].as_str().expect("a code");
    t.patch(
        &format!("/v1/codes/{code}"),
        &t.owner,
        json!({ "version": sale["code"]["version"], "assigned_to": "gift.kqzv@example.com" }),
    )
    .await
    .assert_status(200);
    let kind = created(
        t,
        "/v1/membership-types",
        json!({ "name": "Monthly", "rate": "49.90", "period_unit": "month", "payment_method": "manual" }),
    )
    .await;
    created(
        t,
        "/v1/memberships",
        json!({ "client_id": ana, "type_id": kind["id"], "payment_method": "manual",
                "start_date": chrono::Utc::now().date_naive().to_string() }),
    )
    .await;
    let file = "First Name,Last Name,Email\nAnnakqzv,Silvakqzv,ana2.kqzv@example.com\n";
    t.post_bytes(
        "/v1/client-imports",
        &t.owner,
        "text/csv",
        file.as_bytes().to_vec(),
    )
    .await
    .assert_status(202);
    let policy = ImportPolicy {
        batch: 100,
        lease: chrono::TimeDelta::minutes(2),
    };
    while t.app.import_clients_step(policy).await.expect("a step") {}
    // A client account made with her email, logged in once.
    let rows = crate::dump::every_row(&t.storage).await;
    let confirmation = rows
        .iter()
        .find(|(table, row)| table == "outbox_emails" && row.contains("sign-up?token="))
        .map(|(_, row)| row.clone())
        .expect("a confirmation with a sign-up link");
    let start = confirmation.find("token=").expect("a token") + "token=".len();
    let token: String = confirmation[start..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-'))
        .collect();
    let signed = t
        .call(
            poem::http::Method::POST,
            "/v1/account/sign-up",
            None,
            Some(json!({ "token": token, "email": "ana2.kqzv@example.com",
                         "password": "correct horse battery", "terms_version": "1",
                         "privacy_version": "1" })),
        )
        .await;
    signed.assert_status(202);
    let business = t.get("/v1/business", &t.owner).await.str("/id");
    let business = clientele_domain::BusinessId::from_uuid(business.parse().expect("an id"));
    t.app
        .log_in(
            business,
            "ana2.kqzv@example.com",
            "correct horse battery",
            Some("198.51.100.7"),
        )
        .await
        .expect("a login");
    ana
}

/// The blob files holding the marker.
fn marked_files(t: &TestApp) -> Vec<std::path::PathBuf> {
    t.blob_dir
        .files()
        .into_iter()
        .filter(|f| std::fs::read(f).is_ok_and(|b| b.windows(4).any(|w| w == MARKER.as_bytes())))
        .collect()
}

#[tokio::test]
async fn cl_22_after_anonymising_no_marker_survives_anywhere_and_the_records_stay() {
    // Arrange
    let t = spawn_app().await;
    let ana = marked_client(&t).await;
    let planted = rows_holding(&t.storage, MARKER).await;
    let tables: std::collections::BTreeSet<&str> =
        planted.iter().map(|(t, _)| t.as_str()).collect();
    for table in [
        "clients",
        "client_search_terms",
        "client_notes",
        "client_documents",
        "client_audit",
        "client_field_values",
        "outbox_emails",
        "idempotency_keys",
        "codes",
        "code_audit",
        "client_merge_absorbed",
        "client_import_chunks",
        "client_import_rows",
        "client_accounts",
    ] {
        assert!(
            tables.contains(table),
            "the marker is planted in {table}: {tables:?}"
        );
    }
    assert!(!marked_files(&t).is_empty());
    assert!(!rows_holding(&t.storage, PHONE_DIGITS).await.is_empty());

    // Act
    let reply = t
        .post(&format!("/v1/clients/{ana}/anonymise"), &t.owner, json!({}))
        .await;

    // Assert: no marker in any row or file; the records stay with the anonymised profile.
    reply.assert_status(200);
    assert_eq!(reply.at("/first_name"), &json!("Anonymised"));
    assert_eq!(rows_holding(&t.storage, MARKER).await, []);
    assert_eq!(rows_holding(&t.storage, PHONE_DIGITS).await, []);
    assert_eq!(marked_files(&t), Vec::<std::path::PathBuf>::new());
    let data = t.get(&format!("/v1/clients/{ana}/data"), &t.owner).await;
    data.assert_status(200);
    assert_eq!(data.at("/appointments").as_array().map(Vec::len), Some(2));
    assert_eq!(data.at("/codes").as_array().map(Vec::len), Some(1));
    assert_eq!(data.at("/memberships").as_array().map(Vec::len), Some(1));
    assert_eq!(data.at("/notes"), &json!([]));
    assert_eq!(data.at("/audit/0/action"), &json!("anonymised"));

    // Twice: nothing more to do.
    tokio::time::sleep(Duration::from_millis(5)).await;
    let again = t
        .post(&format!("/v1/clients/{ana}/anonymise"), &t.owner, json!({}))
        .await;
    again.assert_status(200);
    assert_eq!(again.at("/version"), reply.at("/version"));
}

#[tokio::test]
async fn cl_22_only_owners_and_admins_anonymise_a_client_they_see() {
    let t = spawn_app().await;
    let site = t.main_site().await;
    let ana = t
        .create_client(
            &t.owner,
            json!({ "first_name": "Ana", "last_name": "Silva" }),
        )
        .await["id"]
        .as_str()
        .expect("an id")
        .to_owned();
    let staff = t.staff_token("staff", "staff@example.com", &[&site]).await;
    let path = format!("/v1/clients/{ana}/anonymise");

    t.post(&path, &staff, json!({})).await.assert_problem(403);
    let absent = format!("/v1/clients/{}/anonymise", uuid::Uuid::now_v7());
    t.post(&absent, &t.owner, json!({}))
        .await
        .assert_problem(404);
    assert_eq!(
        t.get(&format!("/v1/clients/{ana}"), &t.owner)
            .await
            .at("/first_name"),
        &json!("Ana")
    );
}
