//! CL-21: deleting clients for good: blocked while they hold something of value, and
//! then nothing of theirs left anywhere in the database.

use serde_json::{Value, json};

use crate::dump::rows_naming;
use crate::helpers::{Reply, TestApp, spawn_app};

async fn created(app: &TestApp, path: &str, body: Value) -> Value {
    let reply = app.post(path, &app.owner, body).await;
    assert!((200..300).contains(&reply.status), "{path}: {reply:?}");
    reply.body
}

async fn client(app: &TestApp, first: &str, last: &str) -> String {
    app.create_client(
        &app.owner,
        json!({ "first_name": first, "last_name": last, "email": format!("{first}@example.com") }),
    )
    .await["id"]
        .as_str()
        .expect("an id")
        .to_owned()
}

/// A package of 5 sold to `client` by hand: `(order id, code id)`.
async fn package(app: &TestApp, client: &str) -> (String, String) {
    let product = created(
        app,
        "/v1/products",
        json!({ "name": "Pack", "kind": "package", "appointments": 5, "price": "250.00" }),
    )
    .await;
    let sale = created(
        app,
        "/v1/orders",
        json!({ "product_id": product["id"], "client_id": client, "method": "manual" }),
    )
    .await;
    let id = |v: &Value| v.as_str().expect("an id").to_owned();
    (id(&sale["order"]["id"]), id(&sale["code"]["id"]))
}

/// A manual monthly membership of `client` starting today: its id.
async fn membership(app: &TestApp, client: &str) -> String {
    let kind = created(
        app,
        "/v1/membership-types",
        json!({ "name": "Monthly", "rate": "49.90", "period_unit": "month",
                "payment_method": "manual" }),
    )
    .await;
    let today = chrono::Utc::now().date_naive().to_string();
    created(
        app,
        "/v1/memberships",
        json!({ "client_id": client, "type_id": kind["id"], "start_date": today,
                "payment_method": "manual" }),
    )
    .await["id"]
        .as_str()
        .expect("an id")
        .to_owned()
}

async fn delete(app: &TestApp, token: &str, client: &str) -> Reply {
    app.delete(&format!("/v1/clients/{client}"), token).await
}

#[tokio::test]
async fn cl_21_a_client_holding_a_package_or_a_membership_is_not_deleted_and_told_why() {
    // Arrange
    let t = spawn_app().await;
    let ana = client(&t, "ana", "Silva").await;
    let (order, code) = package(&t, &ana).await;
    let membership = membership(&t, &ana).await;

    // Act
    let refused = delete(&t, &t.owner, &ana).await;

    // Assert: 409 naming both; the client is still there.
    refused.assert_problem(409);
    let mut blockers = refused.problem_fields();
    blockers.sort();
    let mut expected = vec![format!("codes/{code}"), format!("memberships/{membership}")];
    expected.sort();
    assert_eq!(blockers, expected);
    let detail = refused.str("/detail");
    assert!(
        detail.contains("an active package") && detail.contains("a membership (active)"),
        "{detail}"
    );
    t.get(&format!("/v1/clients/{ana}"), &t.owner)
        .await
        .assert_status(200);

    // Once both are over, the deletion goes through, once.
    created(
        &t,
        &format!("/v1/orders/{order}/cancel"),
        json!({ "refund": false }),
    )
    .await;
    created(
        &t,
        &format!("/v1/memberships/{membership}/cancel"),
        json!({ "version": 1 }),
    )
    .await;
    delete(&t, &t.owner, &ana).await.assert_status(204);
    t.get(&format!("/v1/clients/{ana}"), &t.owner)
        .await
        .assert_problem(404);
    delete(&t, &t.owner, &ana).await.assert_problem(404);
}

#[tokio::test]
async fn cl_21_a_deleted_client_leaves_nothing_of_theirs_and_others_keep_everything() {
    // Arrange: Ana with a record of every kind (and a profile merged into hers); Bea with
    // an appointment and a note.
    let t = spawn_app().await;
    let ana = client(&t, "ana", "Silva").await;
    let twin = client(&t, "anna", "Silva").await;
    let bea = client(&t, "bea", "Costa").await;
    let service = t.create_service("Massage").await;
    let visit = t.book_for(&service, &ana, "2026-12-01T09:00:00Z").await;
    created(
        &t,
        &format!("/v1/appointments/{visit}/payments/in-person"),
        json!({}),
    )
    .await;
    t.book_for(&service, &bea, "2026-12-01T10:00:00Z").await;
    created(
        &t,
        &format!("/v1/clients/{bea}/notes"),
        json!({ "text": "Bea's note" }),
    )
    .await;
    created(
        &t,
        &format!("/v1/clients/{ana}/notes"),
        json!({ "text": "Ana's note" }),
    )
    .await;
    created(
        &t,
        &format!("/v1/clients/{ana}/documents"),
        json!({ "name": "form.pdf", "content_type": "application/pdf", "content_base64": "JVBERi0xLjQK" }),
    )
    .await;
    created(
        &t,
        &format!("/v1/clients/{ana}/cards"),
        json!({ "number": "4242 4242 4242 4242", "exp_month": 12, "exp_year": 2030, "cvc": "123" }),
    )
    .await;
    created(
        &t,
        &format!("/v1/clients/{ana}/credits"),
        json!({ "count": 1 }),
    )
    .await;
    let preference = created(&t, "/v1/marketing-preferences", json!({ "name": "News" })).await;
    t.put(
        &format!("/v1/clients/{ana}/marketing"),
        &t.owner,
        json!({ "preference_id": preference["id"], "opted_in": true }),
    )
    .await
    .assert_status(200);
    let label = created(
        &t,
        "/v1/labels",
        json!({ "name": "VIP", "colour": "#ffaa00" }),
    )
    .await;
    created(
        &t,
        &format!("/v1/clients/{ana}/labels"),
        json!({ "add": [label["id"]] }),
    )
    .await;
    let (order, _) = package(&t, &ana).await;
    created(
        &t,
        &format!("/v1/orders/{order}/cancel"),
        json!({ "refund": false }),
    )
    .await;
    let closed = membership(&t, &ana).await;
    created(
        &t,
        &format!("/v1/memberships/{closed}/cancel"),
        json!({ "version": 1 }),
    )
    .await;
    let version = t
        .get(&format!("/v1/clients/{ana}"), &t.owner)
        .await
        .at("/version")
        .clone();
    created(
        &t,
        &format!("/v1/clients/{ana}/merge"),
        json!({ "version": version, "absorb": [twin] }),
    )
    .await;
    assert!(!t.blob_dir.files().is_empty());

    // Act
    delete(&t, &t.owner, &ana).await.assert_status(204);

    // Assert: neither Ana's id nor her merged twin's is anywhere; her document's bytes
    // are gone; Bea has all she had.
    assert!(
        !rows_naming(&t.storage, &bea).await.is_empty(),
        "the search finds ids"
    );
    assert_eq!(rows_naming(&t.storage, &ana).await, []);
    assert_eq!(rows_naming(&t.storage, &twin).await, []);
    assert_eq!(t.blob_dir.files(), Vec::<std::path::PathBuf>::new());
    let data = t.get(&format!("/v1/clients/{bea}/data"), &t.owner).await;
    data.assert_status(200);
    assert_eq!(data.at("/appointments").as_array().map(Vec::len), Some(1));
    assert_eq!(data.at("/notes/0/text"), &json!("Bea's note"));
}

#[tokio::test]
async fn cl_21_a_bulk_deletion_reports_each_client() {
    // Arrange
    let t = spawn_app().await;
    let site = t.main_site().await;
    let gone = client(&t, "ana", "Silva").await;
    let held = client(&t, "bea", "Costa").await;
    let (_, code) = package(&t, &held).await;
    let absent = uuid::Uuid::now_v7().to_string();
    let staff = t.staff_token("staff", "staff@example.com", &[&site]).await;
    let body = json!({ "client_ids": [gone, held, absent, gone] });

    // Act
    let by_staff = t.post("/v1/client-deletions", &staff, body.clone()).await;
    let report = t.post("/v1/client-deletions", &t.owner, body).await;

    // Assert
    by_staff.assert_problem(403);
    report.assert_status(200);
    assert_eq!(
        report.at("/items"),
        &json!([
            { "client_id": gone, "outcome": "deleted", "blockers": [] },
            { "client_id": held, "outcome": "blocked", "blockers": [
                { "kind": "code", "id": code, "description": "an active package" },
            ] },
            { "client_id": absent, "outcome": "not_found", "blockers": [] },
        ])
    );
    t.get(&format!("/v1/clients/{held}"), &t.owner)
        .await
        .assert_status(200);
    t.get(&format!("/v1/clients/{gone}"), &t.owner)
        .await
        .assert_problem(404);
    let too_many: Vec<String> = (0..501).map(|_| uuid::Uuid::now_v7().to_string()).collect();
    for bad in [
        json!({ "client_ids": [] }),
        json!({ "client_ids": too_many }),
    ] {
        t.post("/v1/client-deletions", &t.owner, bad)
            .await
            .assert_problem(422);
    }
}

#[tokio::test]
async fn cl_21_cl_23_a_merge_kept_by_a_deleted_client_cannot_be_undone() {
    let t = spawn_app().await;
    let kept = client(&t, "ana", "Silva").await;
    let twin = client(&t, "anna", "Silva").await;
    let merged = created(
        &t,
        &format!("/v1/clients/{kept}/merge"),
        json!({ "version": 1, "absorb": [twin] }),
    )
    .await;
    let merge = merged["merge"]["id"].as_str().expect("a merge");

    delete(&t, &t.owner, &kept).await.assert_status(204);

    let undo = t
        .post(
            &format!("/v1/client-merges/{merge}/undo"),
            &t.owner,
            json!({}),
        )
        .await;
    undo.assert_problem(404);
    t.get(&format!("/v1/clients/{twin}"), &t.owner)
        .await
        .assert_problem(404);
}
