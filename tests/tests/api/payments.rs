//! AP-5 to AP-8, PL-10, PL-19, PL-20: cards, charges, invoices, payments in person,
//! refunds and idempotency keys.

use serde_json::{Value, json};
use tokio::task::JoinSet;

use clientele_application::idempotency::{Completion, Idempotent, KeptAnswer, fingerprint};
use clientele_application::payments::{PaymentError, RefundOptions};
use clientele_domain::AppointmentId;
use clientele_domain::payment::PaymentRuleError;

use crate::helpers::{Reply, TestApp, spawn_app};

const OK_CARD: &str = "4242 4242 4242 4242";
const DECLINED_CARD: &str = "4000 0000 0000 0002";
const NO_FUNDS_CARD: &str = "4000 0000 0000 9995";
const TIMEOUT_CARD: &str = "4000 0000 0000 0119";

/// A booked 60.00 massage for Ana; returns (appointment id, client id).
async fn booked(app: &TestApp) -> (String, String) {
    let kind = app
        .post(
            "/v1/appointment-types",
            &app.owner,
            json!({ "name": "Massage", "duration_minutes": 60, "price": "60.00" }),
        )
        .await
        .str("/id");
    let reply = app
        .post(
            "/v1/appointments",
            &app.owner,
            json!({ "appointment_type_id": kind, "starts_at": "2026-12-01T09:00:00Z",
                    "client": { "email": "ana@example.com", "first_name": "Ana", "last_name": "Silva" } }),
        )
        .await;
    reply.assert_status(201);
    (reply.str("/appointment/id"), reply.str("/client/id"))
}

async fn card(app: &TestApp, client: &str, number: &str) -> String {
    let reply = app
        .post(
            &format!("/v1/clients/{client}/cards"),
            &app.owner,
            json!({ "number": number, "exp_month": 12, "exp_year": 2030, "cvc": "123" }),
        )
        .await;
    reply.assert_status(201);
    reply.str("/id")
}

async fn charge(app: &TestApp, appointment: &str, card: &str, amount: Option<&str>) -> Reply {
    let mut body = json!({ "payment_method_id": card });
    if let Some(amount) = amount {
        body["amount"] = json!(amount);
    }
    app.post(
        &format!("/v1/appointments/{appointment}/payments/card"),
        &app.owner,
        body,
    )
    .await
}

async fn email_kinds(app: &TestApp) -> Vec<String> {
    app.get("/v1/emails", &app.owner)
        .await
        .at("/items")
        .as_array()
        .map(|items| {
            items
                .iter()
                .filter_map(|e| e["kind"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test]
async fn pl_19_a_stored_card_keeps_only_brand_last_four_and_a_token() {
    let app = spawn_app().await;
    let (_, client) = booked(&app).await;

    let stored = app
        .post(
            &format!("/v1/clients/{client}/cards"),
            &app.owner,
            json!({ "number": OK_CARD, "exp_month": 12, "exp_year": 2030, "cvc": "123" }),
        )
        .await;
    let bad = app
        .post(
            &format!("/v1/clients/{client}/cards"),
            &app.owner,
            json!({ "number": "4242 4242 4242 4241", "exp_month": 12, "exp_year": 2030, "cvc": "123" }),
        )
        .await;
    let listed = app
        .get(&format!("/v1/clients/{client}/cards"), &app.owner)
        .await;

    stored.assert_status(201);
    assert_eq!(stored.at("/brand"), &json!("visa"));
    assert_eq!(stored.at("/last4"), &json!("4242"));
    assert!(!stored.body.to_string().contains("4242424242424242"));
    assert!(!listed.body.to_string().contains("4242 4242"));
    bad.assert_problem(422);
}

#[tokio::test]
async fn pl_19_a_card_that_expired_in_2001_is_refused_and_says_so() {
    let app = spawn_app().await;
    let (_, client) = booked(&app).await;

    let reply = app
        .post(
            &format!("/v1/clients/{client}/cards"),
            &app.owner,
            json!({ "number": OK_CARD, "exp_month": 12, "exp_year": 2001, "cvc": "123" }),
        )
        .await;
    let listed = app
        .get(&format!("/v1/clients/{client}/cards"), &app.owner)
        .await;

    reply.assert_problem(422);
    assert!(
        reply
            .body
            .to_string()
            .contains("expired at the end of 12/2001"),
        "{:#}",
        reply.body
    );
    assert_eq!(listed.body, json!([]));
}

#[tokio::test]
async fn pl_23_an_amount_in_another_notation_than_plain_digits_is_refused_and_says_why() {
    let app = spawn_app().await;
    let (appointment, client) = booked(&app).await;
    let card = card(&app, &client, OK_CARD).await;

    for amount in ["1e1", "1_0", "+5", ".5", "5.", " ", "0x10"] {
        let reply = charge(&app, &appointment, &card, Some(amount)).await;
        reply.assert_problem(422);
        assert!(
            reply.body.to_string().contains("plain digits"),
            "{amount}: {:#}",
            reply.body
        );
    }
    let too_precise = charge(&app, &appointment, &card, Some("10.001")).await;
    let plain = charge(&app, &appointment, &card, Some("10.5")).await;

    too_precise.assert_problem(422);
    assert!(
        too_precise.body.to_string().contains("2 decimal"),
        "{:#}",
        too_precise.body
    );
    plain.assert_status(200);
    assert_eq!(plain.at("/appointment/paid"), &json!("10.50"));
}

#[tokio::test]
async fn ap_6_charging_a_stored_card_for_what_is_due_makes_the_appointment_paid() {
    let app = spawn_app().await;
    let (appointment, client) = booked(&app).await;
    let card = card(&app, &client, OK_CARD).await;

    let reply = charge(&app, &appointment, &card, None).await;

    reply.assert_status(200);
    assert_eq!(reply.at("/appointment/payment_status"), &json!("paid"));
    assert_eq!(reply.at("/appointment/paid"), &json!("60.00"));
    assert_eq!(reply.at("/recorded/0/card_last4"), &json!("4242"));
}

#[tokio::test]
async fn pl_20_test_cards_decline_or_fail_and_nothing_is_recorded() {
    let app = spawn_app().await;
    let (appointment, client) = booked(&app).await;

    for (number, status, words) in [
        (DECLINED_CARD, 422, "declined"),
        (NO_FUNDS_CARD, 422, "insufficient funds"),
        (TIMEOUT_CARD, 503, "try again"),
    ] {
        let card = card(&app, &client, number).await;
        let reply = charge(&app, &appointment, &card, None).await;
        reply.assert_problem(status);
        assert!(
            reply.str("/detail").contains(words),
            "{number}: {}",
            reply.body
        );
    }

    let payments = app
        .get(
            &format!("/v1/appointments/{appointment}/payments"),
            &app.owner,
        )
        .await;
    assert_eq!(payments.body, json!([]));
    let now = app
        .get(&format!("/v1/appointments/{appointment}"), &app.owner)
        .await;
    assert_eq!(now.at("/payment_status"), &json!("unpaid"));
}

#[tokio::test]
async fn ap_5_ap_6_a_deposit_then_the_rest_in_person_ends_paid_and_cannot_be_paid_again() {
    let app = spawn_app().await;
    let (appointment, client) = booked(&app).await;
    let card = card(&app, &client, OK_CARD).await;
    let in_person = format!("/v1/appointments/{appointment}/payments/in-person");

    let deposit = charge(&app, &appointment, &card, Some("20.00")).await;
    let unknown_type = app
        .post(&in_person, &app.owner, json!({ "payment_type": "bitcoin" }))
        .await;
    let rest = app
        .post(&in_person, &app.owner, json!({ "payment_type": "cash" }))
        .await;
    let again = app.post(&in_person, &app.owner, json!({})).await;
    let too_much = charge(&app, &appointment, &card, Some("1.00")).await;

    assert_eq!(
        deposit.at("/appointment/payment_status"),
        &json!("deposit_paid")
    );
    unknown_type.assert_problem(422);
    rest.assert_status(200);
    assert_eq!(rest.at("/appointment/payment_status"), &json!("paid"));
    assert_eq!(rest.at("/recorded/0/amount"), &json!("40.00"));
    assert_eq!(rest.at("/recorded/0/means"), &json!("cash"));
    again.assert_problem(409);
    too_much.assert_problem(409);
    let payments = app
        .get(
            &format!("/v1/appointments/{appointment}/payments"),
            &app.owner,
        )
        .await;
    assert_eq!(payments.body.as_array().map(Vec::len), Some(2));
}

#[tokio::test]
async fn ap_6_an_invoice_is_created_for_what_is_due_and_emailed() {
    let app = spawn_app().await;
    let (appointment, client) = booked(&app).await;
    let path = format!("/v1/appointments/{appointment}/invoice");

    let invoice = app.post(&path, &app.owner, json!({})).await;

    invoice.assert_status(200);
    assert_eq!(invoice.at("/amount"), &json!("60.00"));
    assert!(invoice.str("/number").starts_with("INV-"));
    assert_eq!(email_kinds(&app).await, ["invoice", "booking_confirmation"]);
    let card = card(&app, &client, OK_CARD).await;
    charge(&app, &appointment, &card, None)
        .await
        .assert_status(200);
    app.post(&path, &app.owner, json!({}))
        .await
        .assert_problem(409);
}

#[tokio::test]
async fn ap_6_a_processor_without_cards_refuses_to_store_one() {
    let app = spawn_app().await;
    let (_, client) = booked(&app).await;
    app.patch(
        "/v1/business",
        &app.owner,
        json!({ "version": 1, "active_processor": "manual" }),
    )
    .await
    .assert_status(200);

    let reply = app
        .post(
            &format!("/v1/clients/{client}/cards"),
            &app.owner,
            json!({ "number": OK_CARD, "exp_month": 12, "exp_year": 2030, "cvc": "123" }),
        )
        .await;

    reply.assert_problem(422);
    assert!(reply.str("/detail").contains("cards"));
}

#[tokio::test]
async fn ap_8_partial_refunds_follow_each_other_and_never_exceed_what_was_paid() {
    let app = spawn_app().await;
    let (appointment, client) = booked(&app).await;
    let card = card(&app, &client, OK_CARD).await;
    charge(&app, &appointment, &card, None)
        .await
        .assert_status(200);
    let refunds = format!("/v1/appointments/{appointment}/refunds");

    let first = app
        .post(&refunds, &app.owner, json!({ "amount": "25.00" }))
        .await;
    let second = app
        .post(
            &refunds,
            &app.owner,
            json!({ "amount": "25.00", "refund_email": true }),
        )
        .await;
    let above = app
        .post(&refunds, &app.owner, json!({ "amount": "10.01" }))
        .await;
    let rest = app
        .post(&refunds, &app.owner, json!({ "amount": "10.00" }))
        .await;
    let nothing_left = app
        .post(&refunds, &app.owner, json!({ "amount": "0.01" }))
        .await;

    assert_eq!(
        first.at("/appointment/payment_status"),
        &json!("partially_refunded")
    );
    assert_eq!(second.at("/appointment/refunded"), &json!("50.00"));
    above.assert_problem(422);
    assert_eq!(rest.at("/appointment/payment_status"), &json!("refunded"));
    nothing_left.assert_problem(422);
    assert_eq!(email_kinds(&app).await, ["refund", "booking_confirmation"]);
}

#[tokio::test]
async fn ap_7_cancelling_with_a_full_refund_gives_everything_back_and_emails_both_notices() {
    let app = spawn_app().await;
    let (appointment, client) = booked(&app).await;
    let card = card(&app, &client, OK_CARD).await;
    let paid = charge(&app, &appointment, &card, None).await;
    let version = paid.at("/appointment/version").clone();

    let cancelled = app
        .post(
            &format!("/v1/appointments/{appointment}/cancel"),
            &app.owner,
            json!({ "version": version, "refund": true, "notify_client": true, "refund_email": true }),
        )
        .await;

    cancelled.assert_status(200);
    assert_eq!(cancelled.at("/status"), &json!("cancelled"));
    assert_eq!(cancelled.at("/refunded"), &json!("60.00"));
    assert_eq!(cancelled.at("/payment_status"), &json!("refunded"));
    assert_eq!(
        email_kinds(&app).await,
        ["refund", "cancellation", "booking_confirmation"]
    );
}

#[tokio::test]
async fn ap_7_a_cancellation_whose_refund_the_processor_cannot_make_is_refused_as_a_whole() {
    let app = spawn_app().await;
    let (appointment, _) = booked(&app).await;
    let paid = app
        .post(
            &format!("/v1/appointments/{appointment}/payments/in-person"),
            &app.owner,
            json!({}),
        )
        .await;
    paid.assert_status(200);
    let version = paid.at("/appointment/version").clone();

    let reply = app
        .post(
            &format!("/v1/appointments/{appointment}/cancel"),
            &app.owner,
            json!({ "version": version, "refund": true, "notify_client": true }),
        )
        .await;

    reply.assert_problem(422);
    assert!(reply.str("/detail").contains("refunds"));
    let now = app
        .get(&format!("/v1/appointments/{appointment}"), &app.owner)
        .await;
    assert_eq!(now.at("/status"), &json!("scheduled"));
    assert_eq!(now.at("/payment_status"), &json!("paid"));
    assert_eq!(email_kinds(&app).await, ["booking_confirmation"]);
}

#[tokio::test]
async fn pl_10_a_repeated_key_replays_the_first_response_and_refunds_once() {
    let app = spawn_app().await;
    let (appointment, client) = booked(&app).await;
    let card = card(&app, &client, OK_CARD).await;
    charge(&app, &appointment, &card, None)
        .await
        .assert_status(200);
    let refund = |amount: &'static str| {
        app.client
            .post(format!("/v1/appointments/{appointment}/refunds"))
            .header("authorization", format!("Bearer {}", app.owner))
            .header("idempotency-key", "refund-1")
            .body_json(&json!({ "amount": amount }))
            .send()
    };

    let first = refund("10.00").await;
    first.assert_status_is_ok();
    let first_body: Value = first.json().await.value().deserialize();
    let second = refund("10.00").await;
    second.assert_status_is_ok();
    let second_body: Value = second.json().await.value().deserialize();
    let other_body = refund("20.00").await;

    assert_eq!(first_body, second_body);
    other_body.assert_status(poem::http::StatusCode::UNPROCESSABLE_ENTITY);
    let now = app
        .get(&format!("/v1/appointments/{appointment}"), &app.owner)
        .await;
    assert_eq!(now.at("/refunded"), &json!("10.00"));
}

#[tokio::test]
async fn pl_10_a_key_the_server_cannot_honour_is_refused_and_refunds_nothing() {
    let app = spawn_app().await;
    let (appointment, client) = booked(&app).await;
    let card = card(&app, &client, OK_CARD).await;
    charge(&app, &appointment, &card, None)
        .await
        .assert_status(200);
    let refund = |key: poem::http::HeaderValue| {
        app.client
            .post(format!("/v1/appointments/{appointment}/refunds"))
            .header("authorization", format!("Bearer {}", app.owner))
            .header("idempotency-key", key)
            .body_json(&json!({ "amount": "10.00" }))
            .send()
    };
    let not_ascii = poem::http::HeaderValue::from_bytes("remboursé-1".as_bytes()).expect("bytes");
    let too_long = poem::http::HeaderValue::from_str(&"k".repeat(256)).expect("ascii");

    let replies = [
        Reply::of(refund(not_ascii.clone()).await).await,
        Reply::of(refund(not_ascii).await).await,
        Reply::of(refund(too_long).await).await,
    ];

    for reply in &replies {
        reply.assert_problem(400);
    }
    let now = app
        .get(&format!("/v1/appointments/{appointment}"), &app.owner)
        .await;
    assert_eq!(now.at("/refunded"), &json!("0.00"));
}

#[tokio::test]
async fn pl_10_a_change_keeps_its_answer_in_its_own_transaction_so_a_crash_after_it_repeats_nothing()
 {
    // Arrange: a first request with a key claims it, as the API does.
    let app = spawn_app().await;
    let (appointment, _) = booked(&app).await;
    let actor = app.app.authenticate(&app.owner).await.expect("owner");
    let id: AppointmentId = serde_json::from_value(json!(appointment)).expect("an id");
    let (key, operation) = ("paid-1", format!("mark_paid:{appointment}"));
    let print = fingerprint(&operation, "{}");
    let start = || app.app.start_idempotent(&actor, key, &operation, &print);
    assert_eq!(start().await.expect("claimed"), Idempotent::Proceed);
    let answer = |outcome: &clientele_application::payments::PaymentOutcome| KeptAnswer {
        status: 200,
        body: format!("{} recorded", outcome.recorded.len()),
    };

    // Act: the change runs; the process then dies before anything else is recorded.
    app.app
        .mark_paid(&actor, id, None, key, Some(Completion::new(key, answer)))
        .await
        .expect("paid");
    let retried = start().await.expect("a retry");

    // Assert: the retry is answered from the record, and pays nothing again.
    assert_eq!(
        retried,
        Idempotent::Replay(KeptAnswer {
            status: 200,
            body: "1 recorded".into()
        })
    );
}

#[tokio::test]
async fn pl_10_a_booking_repeated_with_its_key_books_and_emails_once() {
    let app = spawn_app().await;
    let kind = app
        .post(
            "/v1/appointment-types",
            &app.owner,
            json!({ "name": "Massage", "duration_minutes": 60, "price": "60.00" }),
        )
        .await
        .str("/id");
    let body = json!({ "appointment_type_id": kind, "starts_at": "2026-12-01T09:00:00Z",
                       "client": { "email": "ana@example.com", "first_name": "Ana", "last_name": "Silva" } });
    let book = || {
        app.client
            .post("/v1/appointments")
            .header("authorization", format!("Bearer {}", app.owner))
            .header("idempotency-key", "booking-42")
            .body_json(&body)
            .send()
    };

    let first: Value = book().await.json().await.value().deserialize();
    let second: Value = book().await.json().await.value().deserialize();

    assert_eq!(first, second);
    assert_eq!(email_kinds(&app).await, ["booking_confirmation"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn ap_8_concurrent_refunds_never_exceed_what_was_paid() {
    let app = spawn_app().await;
    let (appointment, client) = booked(&app).await;
    let card = card(&app, &client, OK_CARD).await;
    charge(&app, &appointment, &card, None)
        .await
        .assert_status(200);
    let actor = app.app.authenticate(&app.owner).await.expect("owner");
    let id: AppointmentId = serde_json::from_value(json!(appointment)).expect("an id");
    let mut refunds = JoinSet::new();
    for i in 0..10 {
        let (use_cases, actor) = (app.app.clone(), actor.clone());
        refunds.spawn(async move {
            use_cases
                .refund_appointment(
                    &actor,
                    id,
                    "10.00",
                    RefundOptions::default(),
                    &format!("k{i}"),
                    None,
                )
                .await
        });
    }

    let outcomes = refunds.join_all().await;

    let made = outcomes.iter().filter(|o| o.is_ok()).count();
    let refused = outcomes
        .iter()
        .filter(|o| {
            matches!(
                o,
                Err(PaymentError::Rule(
                    PaymentRuleError::MoreThanRefundable { .. }
                ))
            )
        })
        .count();
    assert_eq!((made, refused), (6, 4), "{outcomes:?}");
    let now = app
        .get(&format!("/v1/appointments/{appointment}"), &app.owner)
        .await;
    assert_eq!(now.at("/refunded"), &json!("60.00"));
    let payments = app
        .get(
            &format!("/v1/appointments/{appointment}/payments"),
            &app.owner,
        )
        .await;
    assert_eq!(payments.body.as_array().map(Vec::len), Some(7));
}

#[tokio::test]
async fn ap_8_staff_refund_only_when_the_business_allows_it_owners_and_admins_always() {
    // Arrange: 60.00 paid by card.
    let app = spawn_app().await;
    let (appointment, client) = booked(&app).await;
    let card = card(&app, &client, OK_CARD).await;
    charge(&app, &appointment, &card, None)
        .await
        .assert_status(200);
    let site = app.main_site().await;
    let staff = app.staff_token("staff", "sam@example.com", &[&site]).await;
    let admin = app.staff_token("admin", "ada@example.com", &[&site]).await;
    let refunds = format!("/v1/appointments/{appointment}/refunds");
    let ten = json!({ "amount": "10.00" });
    let version = app
        .get(&format!("/v1/appointments/{appointment}"), &app.owner)
        .await
        .at("/version")
        .clone();

    // Act
    let by_staff = app.post(&refunds, &staff, ten.clone()).await;
    let cancel_by_staff = app
        .post(
            &format!("/v1/appointments/{appointment}/cancel"),
            &staff,
            json!({ "version": version, "refund": true }),
        )
        .await;
    let by_admin = app.post(&refunds, &admin, ten.clone()).await;
    let settings = app.get("/v1/business", &app.owner).await;
    app.patch(
        "/v1/business",
        &app.owner,
        json!({ "version": settings.at("/version"), "staff_may_refund": true }),
    )
    .await
    .assert_status(200);
    let by_staff_allowed = app.post(&refunds, &staff, ten).await;

    // Assert
    assert_eq!(settings.at("/staff_may_refund"), &json!(false));
    by_staff.assert_problem(403);
    cancel_by_staff.assert_problem(403);
    by_admin.assert_status(200);
    by_staff_allowed.assert_status(200);
    let now = app
        .get(&format!("/v1/appointments/{appointment}"), &app.owner)
        .await;
    assert_eq!(now.at("/refunded"), &json!("20.00"));
    assert_eq!(
        now.at("/status"),
        &json!("scheduled"),
        "the refused cancellation did nothing"
    );
}
