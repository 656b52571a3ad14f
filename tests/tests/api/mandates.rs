//! ME-15: direct-debit mandates — requested by staff, set up by the client through the
//! emailed link, and what they allow the billing run to charge.

use std::sync::Arc;

use serde_json::json;

use clientele_adapters::{ChargeJournal, REFUSED_IBAN};

use crate::billing::{SUCCEEDS, bill, card_membership, membership_type, now};
use crate::helpers::{TestApp, spawn_app};
use crate::self_service::{call, link_in_email};

const IBAN: &str = "FR76 3000 6000 0112 3456 7890 189";

async fn direct_debit_membership(t: &TestApp) -> String {
    let kind = membership_type(t, "direct_debit").await;
    let client = t
        .create_client(
            &t.owner,
            json!({ "first_name": "Ana", "last_name": "Silva", "email": "ana@example.com" }),
        )
        .await["id"]
        .as_str()
        .expect("an id")
        .to_owned();
    let reply = t
        .post(
            "/v1/memberships",
            &t.owner,
            json!({ "client_id": client, "type_id": kind, "payment_method": "direct_debit",
                    "start_date": now().date_naive().to_string() }),
        )
        .await;
    reply.assert_status(201);
    reply.str("/id")
}

#[tokio::test]
async fn me_15_no_charge_until_the_client_sets_up_the_requested_mandate() {
    let t = spawn_app().await;
    let journal = Arc::new(ChargeJournal::in_memory());
    let id = direct_debit_membership(&t).await;
    let created = t.get(&format!("/v1/memberships/{id}"), &t.owner).await;
    let before_mandate = bill(&t, now(), &journal).await;

    let requested = t
        .post(
            &format!("/v1/memberships/{id}/mandate"),
            &t.owner,
            json!({ "version": 1 }),
        )
        .await;
    let link = link_in_email(&t, "mandate_request").await;
    let mandate = format!("{link}/mandate");
    let invalid = call(
        &t,
        "PUT",
        &mandate,
        Some(json!({ "iban": "FR76 3000 6000 0112 3456 7890 188", "account_holder": "Ana" })),
    )
    .await;
    let refused = call(
        &t,
        "PUT",
        &mandate,
        Some(json!({ "iban": REFUSED_IBAN, "account_holder": "Ana Silva" })),
    )
    .await;
    let still_nothing = bill(&t, now(), &journal).await;
    let active = call(
        &t,
        "PUT",
        &mandate,
        Some(json!({ "iban": IBAN, "account_holder": "Ana Silva" })),
    )
    .await;
    let charged = bill(&t, now(), &journal).await;

    assert_eq!(created.body["status"], json!("needs_attention"));
    assert_eq!(created.body["reason"], json!("needs_mandate"));
    assert_eq!(before_mandate.charged, 0);
    requested.assert_status(200);
    let summary = requested.str("/payment_method_summary");
    assert!(
        summary.starts_with("direct debit MD-") && summary.ends_with("(pending)"),
        "{summary}"
    );
    invalid.assert_problem(422);
    assert_eq!(invalid.problem_fields(), ["iban"]);
    refused.assert_status(200);
    assert_eq!(refused.body["reason"], json!("needs_mandate"));
    assert!(refused.str("/payment_method").ends_with("(failed)"));
    assert_eq!(still_nothing.charged, 0);
    active.assert_status(200);
    assert_eq!(active.body["status"], json!("active"), "{:?}", active.body);
    assert!(active.str("/payment_method").ends_with("(active)"));
    assert_eq!(charged.charged, 1);
    let charges = t
        .get(&format!("/v1/memberships/{id}/charges"), &t.owner)
        .await;
    assert_eq!(charges.body["items"][0]["status"], json!("succeeded"));
    let history = t
        .get(&format!("/v1/memberships/{id}/history"), &t.owner)
        .await;
    let by_client = history.body["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter(|e| e["changed_by"] == json!("client") && e["field"] == json!("payment_method"))
        .count();
    assert_eq!(by_client, 2, "the refused mandate, then the active one");
}

#[tokio::test]
async fn me_15_a_mandate_request_for_a_card_membership_is_refused() {
    let t = spawn_app().await;
    let kind = membership_type(&t, "card").await;
    let id = card_membership(&t, &kind, SUCCEEDS, json!({})).await;
    let before = t.get(&format!("/v1/memberships/{id}"), &t.owner).await;

    let refused = t
        .post(
            &format!("/v1/memberships/{id}/mandate"),
            &t.owner,
            json!({ "version": 1 }),
        )
        .await;

    refused.assert_problem(409);
    let after = t.get(&format!("/v1/memberships/{id}"), &t.owner).await;
    assert_eq!(after.body, before.body);
}
