//! ME-16: credits issued by hand, granted by paid periods, listed and revoked.

use std::sync::Arc;

use serde_json::json;

use clientele_adapters::ChargeJournal;
use clientele_application::billing::BillingPolicy;

use crate::helpers::{TestApp, spawn_app};

async fn client(t: &TestApp) -> String {
    t.create_client(
        &t.owner,
        json!({ "first_name": "Ana", "last_name": "Silva", "email": "ana@example.com" }),
    )
    .await["id"]
        .as_str()
        .expect("an id")
        .to_owned()
}

fn statuses(page: &serde_json::Value) -> Vec<String> {
    page["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|c| c["status"].as_str().expect("a status").to_owned())
        .collect()
}

#[tokio::test]
async fn me_16_staff_issue_list_and_revoke_credits() {
    let t = spawn_app().await;
    let client = client(&t).await;
    let path = format!("/v1/clients/{client}/credits");

    let issued = t.post(&path, &t.owner, json!({ "count": 2 })).await;
    let first = issued.str("/items/0/id");
    let revoked = t
        .post(
            &format!("/v1/credits/{first}/revoke"),
            &t.owner,
            json!({ "version": 1 }),
        )
        .await;
    let again = t
        .post(
            &format!("/v1/credits/{first}/revoke"),
            &t.owner,
            json!({ "version": 2 }),
        )
        .await;
    let stale = t
        .post(
            &format!("/v1/credits/{}/revoke", issued.str("/items/1/id")),
            &t.owner,
            json!({ "version": 7 }),
        )
        .await;
    let listed = t.get(&path, &t.owner).await;

    issued.assert_status(201);
    assert_eq!(statuses(&issued.body), ["active", "active"]);
    assert!(issued.body["items"][0]["issued_by"].is_string());
    revoked.assert_status(200);
    assert_eq!(revoked.str("/status"), "revoked");
    again.assert_problem(409);
    stale.assert_problem(409);
    listed.assert_status(200);
    let mut listed_statuses = statuses(&listed.body);
    listed_statuses.sort();
    assert_eq!(listed_statuses, ["active", "revoked"]);
}

#[tokio::test]
async fn me_16_a_count_out_of_range_or_an_unknown_client_is_refused() {
    let t = spawn_app().await;
    let client = client(&t).await;
    let path = format!("/v1/clients/{client}/credits");

    let none = t.post(&path, &t.owner, json!({ "count": 0 })).await;
    let too_many = t.post(&path, &t.owner, json!({ "count": 51 })).await;
    let unknown = t
        .post(
            &format!("/v1/clients/{}/credits", uuid::Uuid::now_v7()),
            &t.owner,
            json!({ "count": 1 }),
        )
        .await;

    none.assert_problem(422);
    assert_eq!(none.problem_fields(), ["count"]);
    too_many.assert_problem(422);
    unknown.assert_problem(404);
    assert_eq!(t.get(&path, &t.owner).await.body["items"], json!([]));
}

#[tokio::test]
async fn me_16_a_paid_period_grants_the_types_credits() {
    let t = spawn_app().await;
    let client = client(&t).await;
    let kind = t
        .post(
            "/v1/membership-types",
            &t.owner,
            json!({ "name": "Two treatments", "rate": "90.00", "period_unit": "month",
                    "credits": 2, "payment_method": "card" }),
        )
        .await
        .str("/id");
    t.post(
        &format!("/v1/clients/{client}/cards"),
        &t.owner,
        json!({ "number": "4242 4242 4242 4242", "exp_month": 12, "exp_year": 2099,
                "cvc": "123" }),
    )
    .await
    .assert_status(201);
    let today = chrono::Utc::now().date_naive();
    let membership = t
        .post(
            "/v1/memberships",
            &t.owner,
            json!({ "client_id": client, "type_id": kind, "start_date": today.to_string(),
                    "payment_method": "card" }),
        )
        .await
        .str("/id");
    let billing = t.billing_at(chrono::Utc::now(), &Arc::new(ChargeJournal::in_memory()));

    let report = billing
        .bill_memberships(&BillingPolicy::default())
        .await
        .expect("a billing step");
    let credits = t
        .get(&format!("/v1/clients/{client}/credits"), &t.owner)
        .await;

    assert_eq!(report.charged, 1);
    assert_eq!(statuses(&credits.body), ["active", "active"]);
    for credit in credits.body["items"].as_array().expect("items") {
        assert_eq!(credit["membership_id"], json!(membership));
        assert_eq!(credit["period_start"], json!(today));
    }
}
