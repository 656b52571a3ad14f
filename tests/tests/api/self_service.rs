//! ME-12: a client manages a membership through the signed link of a receipt or a
//! "payment failed" email, without logging in.

use std::sync::Arc;

use chrono::TimeDelta;
use serde_json::{Value, json};

use clientele_adapters::{ChargeJournal, FixedClock};
use clientele_domain::{BusinessId, MembershipId};

use crate::billing::{DECLINED, SUCCEEDS, bill, card_membership, membership_type, now};
use crate::helpers::{Reply, TestApp, spawn_app};

/// The self-service link of the latest email of `kind`, as a path of the API.
pub async fn link_in_email(t: &TestApp, kind: &str) -> String {
    let reply = t.get("/v1/emails", &t.owner).await;
    reply.assert_status(200);
    let text = reply.body["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|e| e["kind"] == json!(kind))
        .and_then(|e| e["text"].as_str())
        .expect("the email")
        .to_owned();
    let start = text.find("/v1/self-service/").expect("a self-service link");
    let path: String = text[start..]
        .chars()
        .take_while(|c| !c.is_whitespace())
        .collect();
    assert!(path.ends_with("/membership"), "{path}");
    path
}

pub async fn call(t: &TestApp, method: &str, path: &str, body: Option<Value>) -> Reply {
    let method = poem::http::Method::from_bytes(method.as_bytes()).expect("a method");
    t.call(method, path, None, body).await
}

fn statuses(page: &Value) -> Vec<String> {
    page["items"]
        .as_array()
        .expect("items")
        .iter()
        .rev()
        .map(|c| c["status"].as_str().expect("a status").to_owned())
        .collect()
}

#[tokio::test]
async fn me_12_a_receipt_links_to_the_membership_and_its_payments() {
    let t = spawn_app().await;
    let journal = Arc::new(ChargeJournal::in_memory());
    let kind = membership_type(&t, "card").await;
    let id = card_membership(&t, &kind, SUCCEEDS, json!({})).await;
    bill(&t, now(), &journal).await;

    let link = link_in_email(&t, "membership_receipt").await;
    let own = call(&t, "GET", &link, None).await;
    let charges = call(&t, "GET", &format!("{link}/charges"), None).await;

    own.assert_status(200);
    let staff_view = t.get(&format!("/v1/memberships/{id}"), &t.owner).await;
    assert_eq!(own.body["number"], staff_view.body["number"]);
    assert_eq!(own.body["status"], json!("active"));
    assert_eq!(own.body["type_name"], json!("Gold"));
    assert_eq!(own.body["payment_method"], json!("visa •••• 4242"));
    assert!(own.body.get("client_id").is_none(), "nothing staff-only");
    charges.assert_status(200);
    assert_eq!(statuses(&charges.body), ["succeeded"]);
}

#[tokio::test]
async fn me_12_after_a_failed_payment_a_new_card_pays_at_once_and_reactivates() {
    let t = spawn_app().await;
    let journal = Arc::new(ChargeJournal::in_memory());
    let kind = membership_type(&t, "card").await;
    let id = card_membership(&t, &kind, DECLINED, json!({})).await;
    bill(&t, now(), &journal).await;
    let link = link_in_email(&t, "payment_failed").await;
    let failed = call(&t, "GET", &link, None).await;

    let bad_card = call(
        &t,
        "PUT",
        &format!("{link}/card"),
        Some(json!({ "number": "1234", "exp_month": 12, "exp_year": 2099, "cvc": "123" })),
    )
    .await;
    let updated = call(
        &t,
        "PUT",
        &format!("{link}/card"),
        Some(json!({ "number": SUCCEEDS, "exp_month": 12, "exp_year": 2099, "cvc": "123" })),
    )
    .await;

    assert_eq!(failed.body["status"], json!("needs_attention"));
    assert_eq!(failed.body["reason"], json!("payment_failed"));
    bad_card.assert_problem(422);
    updated.assert_status(200);
    assert_eq!(
        updated.body["status"],
        json!("active"),
        "{:?}",
        updated.body
    );
    assert_eq!(updated.body["payment_method"], json!("visa •••• 4242"));
    let charges = call(&t, "GET", &format!("{link}/charges"), None).await;
    assert_eq!(statuses(&charges.body), ["declined", "succeeded"]);
    let detail = t.get(&format!("/v1/memberships/{id}"), &t.owner).await;
    assert_eq!(detail.body["status"], json!("active"));
    // The retry was the period's second attempt: its own key, charged once.
    let again = bill(&t, now(), &journal).await;
    assert_eq!(again.charged, 0);
}

#[tokio::test]
async fn me_12_the_client_cancels_and_reactivates_through_the_link() {
    let t = spawn_app().await;
    let journal = Arc::new(ChargeJournal::in_memory());
    let kind = membership_type(&t, "card").await;
    let id = card_membership(&t, &kind, SUCCEEDS, json!({})).await;
    bill(&t, now(), &journal).await;
    let link = link_in_email(&t, "membership_receipt").await;

    let cancelled = call(&t, "POST", &format!("{link}/cancel"), None).await;
    let twice = call(&t, "POST", &format!("{link}/cancel"), None).await;
    let reactivated = call(&t, "POST", &format!("{link}/reactivate"), None).await;

    cancelled.assert_status(200);
    assert_eq!(cancelled.body["status"], json!("cancelled"));
    twice.assert_problem(409);
    reactivated.assert_status(200);
    assert_eq!(reactivated.body["status"], json!("active"));
    assert!(reactivated.body.get("cancelled_on").is_none());
    // ME-11: both changes are the client's, in the membership's history.
    let history = t
        .get(&format!("/v1/memberships/{id}/history"), &t.owner)
        .await;
    let statuses: Vec<(Value, Value)> = history.body["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter(|e| e["field"] == json!("status"))
        .map(|e| (e["new"].clone(), e["changed_by"].clone()))
        .collect();
    assert_eq!(
        statuses,
        [
            (json!("active"), json!("client")),
            (json!("cancelled"), json!("client"))
        ]
    );
}

#[tokio::test]
async fn me_12_a_tampered_or_expired_link_is_refused_and_reveals_nothing() {
    let t = spawn_app().await;
    let journal = Arc::new(ChargeJournal::in_memory());
    let kind = membership_type(&t, "card").await;
    let id = card_membership(&t, &kind, SUCCEEDS, json!({})).await;
    bill(&t, now(), &journal).await;
    let link = link_in_email(&t, "membership_receipt").await;
    let token = link
        .trim_start_matches("/v1/self-service/")
        .trim_end_matches("/membership")
        .to_owned();
    let mut tampered: Vec<char> = token.chars().collect();
    tampered[10] = if tampered[10] == 'A' { 'B' } else { 'A' };
    let tampered: String = tampered.into_iter().collect();
    let business: BusinessId = BusinessId::from_uuid(
        t.get("/v1/business", &t.owner)
            .await
            .str("/id")
            .parse()
            .expect("a uuid"),
    );
    let membership = MembershipId::from_uuid(id.parse().expect("a uuid"));
    let old = t
        .app
        .clone()
        .with_clock(Arc::new(FixedClock::new(now() - TimeDelta::days(46))))
        .membership_link(business, membership);
    let expired = &old[old.find("/v1/self-service/").expect("a path")..];
    let number = t.get(&format!("/v1/memberships/{id}"), &t.owner).await.body["number"].clone();

    let refused = [
        (
            401,
            call(
                &t,
                "GET",
                &format!("/v1/self-service/{tampered}/membership"),
                None,
            )
            .await,
        ),
        (
            401,
            call(
                &t,
                "POST",
                &format!("/v1/self-service/{tampered}/membership/cancel"),
                None,
            )
            .await,
        ),
        (
            401,
            call(
                &t,
                "GET",
                "/v1/self-service/not-a-link/membership/charges",
                None,
            )
            .await,
        ),
        (403, call(&t, "GET", expired, None).await),
        (
            403,
            call(&t, "POST", &format!("{expired}/cancel"), None).await,
        ),
    ];

    for (status, reply) in &refused {
        reply.assert_problem(*status);
        let body = reply.body.to_string();
        assert!(!body.contains(&id), "{body}");
        assert!(!body.contains(number.as_str().expect("a number")), "{body}");
    }
    let detail = t.get(&format!("/v1/memberships/{id}"), &t.owner).await;
    assert_eq!(detail.body["status"], json!("active"), "nothing changed");
}

#[tokio::test]
async fn me_20_the_client_pauses_and_resumes_through_the_link() {
    let t = spawn_app().await;
    let journal = Arc::new(ChargeJournal::in_memory());
    let kind = membership_type(&t, "card").await;
    card_membership(&t, &kind, SUCCEEDS, json!({})).await;
    bill(&t, now(), &journal).await;
    let link = link_in_email(&t, "membership_receipt").await;

    let neither = call(&t, "POST", &format!("{link}/pause"), Some(json!({}))).await;
    let paused = call(
        &t,
        "POST",
        &format!("{link}/pause"),
        Some(json!({ "periods": 2 })),
    )
    .await;
    let resumed = call(&t, "POST", &format!("{link}/resume"), None).await;
    let again = call(&t, "POST", &format!("{link}/resume"), None).await;

    neither.assert_problem(422);
    paused.assert_status(200);
    assert!(paused.body["paused_until"].is_string(), "{:?}", paused.body);
    resumed.assert_status(200);
    assert!(resumed.body.get("paused_until").is_none());
    again.assert_problem(409);
}
