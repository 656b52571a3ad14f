//! CL-25: a data access request returns everything held about a client, and only to
//! owners and admins who see the client.

use serde_json::{Value, json};

use crate::helpers::{Reply, TestApp, spawn_app};

async fn created(app: &TestApp, path: &str, body: Value) -> Value {
    let reply = app.post(path, &app.owner, body).await;
    assert!((200..300).contains(&reply.status), "{path}: {reply:?}");
    reply.body
}

fn ids(reply: &Reply, pointer: &str) -> Vec<Value> {
    (reply.at(pointer).as_array().cloned().unwrap_or_default())
        .iter()
        .map(|item| item["id"].clone())
        .collect()
}

#[tokio::test]
async fn cl_25_one_call_returns_the_profile_and_every_record_held_about_the_client() {
    // Arrange: a client with an appointment paid in person, a code, a credit, a consent
    // and a note; and another client, whose records must not show.
    let app = spawn_app().await;
    let site = app.main_site().await;
    let ana = app
        .create_client(
            &app.owner,
            json!({ "first_name": "Ana", "last_name": "Silva", "email": "ana@example.com" }),
        )
        .await;
    let bea = app
        .create_client(
            &app.owner,
            json!({ "first_name": "Bea", "last_name": "Costa" }),
        )
        .await;
    let (ana_id, bea_id) = (ana["id"].as_str().unwrap(), bea["id"].as_str().unwrap());
    let kind = app.create_service("Massage").await;
    let visit = json!(app.book_for(&kind, ana_id, "2026-12-01T09:00:00Z").await);
    app.book_for(&kind, bea_id, "2026-12-01T10:00:00Z").await;
    let visit_id = visit.as_str().unwrap();
    let paid = created(
        &app,
        &format!("/v1/appointments/{visit_id}/payments/in-person"),
        json!({}),
    )
    .await;
    let product = created(
        &app,
        "/v1/products",
        json!({ "name": "Pack", "kind": "package", "appointments": 5, "price": "250.00" }),
    )
    .await["id"]
        .clone();
    let code = created(
        &app,
        "/v1/codes",
        json!({ "product_id": product, "client_id": ana_id }),
    )
    .await;
    created(
        &app,
        &format!("/v1/clients/{ana_id}/credits"),
        json!({ "count": 1 }),
    )
    .await;
    let preference = created(
        &app,
        "/v1/marketing-preferences",
        json!({ "name": "Newsletter" }),
    )
    .await;
    app.put(
        &format!("/v1/clients/{ana_id}/marketing"),
        &app.owner,
        json!({ "preference_id": preference["id"], "opted_in": true }),
    )
    .await
    .assert_status(200);
    let note = created(
        &app,
        &format!("/v1/clients/{ana_id}/notes"),
        json!({ "text": "Prefers mornings." }),
    )
    .await;
    let admin = app
        .staff_token("admin", "admin@example.com", &[&site])
        .await;
    let staff = app
        .staff_token("staff", "staff@example.com", &[&site])
        .await;
    let other = app.other_business("Elsewhere").await;
    let path = format!("/v1/clients/{ana_id}/data");

    // Act
    let data = app.get(&path, &admin).await;
    let by_staff = app.get(&path, &staff).await;
    let by_other = app.get(&path, &other).await;

    // Assert
    data.assert_status(200);
    assert_eq!(data.at("/client/email"), &json!("ana@example.com"));
    assert_eq!(ids(&data, "/appointments"), std::slice::from_ref(&visit));
    assert_eq!(
        data.at("/payments").as_array().map(Vec::len),
        Some(1),
        "{paid:#}"
    );
    assert_eq!(data.at("/payments/0/appointment_id"), &visit);
    assert_eq!(ids(&data, "/codes"), [code["id"].clone()]);
    assert_eq!(data.at("/credits").as_array().map(Vec::len), Some(1));
    assert_eq!(
        data.at("/consent_history/0/preference_id"),
        &preference["id"]
    );
    assert_eq!(ids(&data, "/notes"), [note["id"].clone()]);
    assert!(
        data.at("/memberships")
            .as_array()
            .is_some_and(Vec::is_empty)
    );
    by_staff.assert_problem(403);
    by_other.assert_problem(404);
}
