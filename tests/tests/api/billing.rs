//! ME-6 to ME-9, ME-21: the billing run over memberships made through the API, run as of
//! given instants (the worker's `--now`), with the stub card processor's journal as the
//! processor's own record of what it took.

use std::collections::BTreeSet;
use std::sync::Arc;

use chrono::{DateTime, Days, Months, NaiveDate, TimeDelta, Utc};
use serde_json::{Value, json};
use uuid::Uuid;

use clientele_adapters::ChargeJournal;

use clientele_application::billing::{BillingPolicy, BillingReport};
use clientele_domain::payment::ProcessorKind;
use clientele_domain::{BusinessId, MembershipId, Money};
use clientele_ports::Storage;
use clientele_ports::payments::ChargeRecord;
use clientele_ports::storage::{Charge, ChargeId, ChargeStatus};

use crate::helpers::{Reply, TestApp, spawn_app};

pub const SUCCEEDS: &str = "4242 4242 4242 4242";
pub const DECLINED: &str = "4000 0000 0000 0002";
const TIMES_OUT: &str = "4000 0000 0000 0119";

/// The instant the tests start from: now, so that memberships made today are due.
pub fn now() -> DateTime<Utc> {
    Utc::now()
}

fn today() -> NaiveDate {
    now().date_naive()
}

/// The start of `day` (UTC, the business's zone), plus an hour.
fn on(day: NaiveDate) -> DateTime<Utc> {
    day.and_hms_opt(1, 0, 0).expect("a time").and_utc()
}

/// Steps of the billing run as of `at` until nothing is due; their reports summed.
pub async fn bill(t: &TestApp, at: DateTime<Utc>, journal: &Arc<ChargeJournal>) -> BillingReport {
    bill_with(t, at, journal, &BillingPolicy::default()).await
}

async fn bill_with(
    t: &TestApp,
    at: DateTime<Utc>,
    journal: &Arc<ChargeJournal>,
    policy: &BillingPolicy,
) -> BillingReport {
    let app = t.billing_at(at, journal);
    let mut total = BillingReport::default();
    for _ in 0..100 {
        let step = app.bill_memberships(policy).await.expect("a billing step");
        if step.claimed == 0 {
            return total;
        }
        total += step;
    }
    panic!("the billing run never ran out of due memberships");
}

async fn client(t: &TestApp) -> String {
    t.create_client(
        &t.owner,
        json!({ "first_name": "Ana", "last_name": "Silva",
                "email": format!("ana-{}@example.com", Uuid::new_v4().simple()) }),
    )
    .await["id"]
        .as_str()
        .expect("an id")
        .to_owned()
}

pub async fn membership_type(t: &TestApp, payment: &str) -> String {
    let reply = t
        .post(
            "/v1/membership-types",
            &t.owner,
            json!({ "name": "Gold", "rate": "49.90", "period_unit": "month",
                    "payment_method": payment }),
        )
        .await;
    reply.assert_status(201);
    reply.str("/id")
}

/// A monthly membership starting today, paid with the test card `number`; its id.
pub async fn card_membership(t: &TestApp, kind: &str, number: &str, extra: Value) -> String {
    let client = client(t).await;
    t.post(
        &format!("/v1/clients/{client}/cards"),
        &t.owner,
        json!({ "number": number, "exp_month": 12, "exp_year": 2099, "cvc": "123" }),
    )
    .await
    .assert_status(201);
    let mut body = json!({ "client_id": client, "type_id": kind,
                           "start_date": today().to_string(), "payment_method": "card" });
    if let (Some(body), Some(extra)) = (body.as_object_mut(), extra.as_object()) {
        body.extend(extra.clone());
    }
    let reply = t.post("/v1/memberships", &t.owner, body).await;
    reply.assert_status(201);
    reply.str("/id")
}

async fn detail(t: &TestApp, id: &str) -> Value {
    let reply = t.get(&format!("/v1/memberships/{id}"), &t.owner).await;
    reply.assert_status(200);
    reply.body
}

/// The statuses of a membership's charges, oldest first.
fn charge_statuses(detail: &Value) -> Vec<String> {
    let mut statuses: Vec<String> = detail["recent_charges"]
        .as_array()
        .expect("charges")
        .iter()
        .map(|c| c["status"].as_str().expect("a status").to_owned())
        .collect();
    statuses.reverse();
    statuses
}

/// The kinds of the business's emails, oldest first.
async fn email_kinds(t: &TestApp) -> Vec<String> {
    let reply = t.get("/v1/emails", &t.owner).await;
    reply.assert_status(200);
    let mut kinds: Vec<String> = reply.body["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|e| e["kind"].as_str().expect("a kind").to_owned())
        .collect();
    kinds.reverse();
    kinds
}

async fn business_id(t: &TestApp) -> BusinessId {
    let reply = t.get("/v1/business", &t.owner).await;
    reply.assert_status(200);
    BusinessId::from_uuid(reply.str("/id").parse().expect("a uuid"))
}

fn month_after(day: NaiveDate, months: u32) -> NaiveDate {
    day.checked_add_months(Months::new(months)).expect("a date")
}

#[tokio::test]
async fn me_7_me_9_a_due_membership_is_charged_once_and_moves_to_its_next_period() {
    let t = spawn_app().await;
    let journal = Arc::new(ChargeJournal::in_memory());
    let kind = membership_type(&t, "card").await;
    let id = card_membership(&t, &kind, SUCCEEDS, json!({})).await;

    let first = bill(&t, now(), &journal).await;
    let again = bill(&t, now(), &journal).await;

    assert_eq!((first.claimed, first.charged), (1, 1));
    assert_eq!(
        again,
        BillingReport::default(),
        "nothing due any more today"
    );
    let detail = detail(&t, &id).await;
    assert_eq!(charge_statuses(&detail), ["succeeded"]);
    assert_eq!(detail["recent_charges"][0]["period_start"], json!(today()));
    assert_eq!(detail["next_billing_date"], json!(month_after(today(), 1)));
    assert_eq!(detail["status"], json!("active"));
    assert_eq!(email_kinds(&t).await, ["membership_receipt"]);
    let key = format!("membership-{id}-{}", today().format("%Y%m%d"));
    assert!(matches!(
        journal.get(&key),
        Ok(Some(ChargeRecord::Charged(_)))
    ));
}

#[tokio::test]
async fn me_7_missed_periods_are_charged_in_order_up_to_the_catch_up_limit() {
    let t = spawn_app().await;
    let journal = Arc::new(ChargeJournal::in_memory());
    let kind = membership_type(&t, "card").await;
    let id = card_membership(&t, &kind, SUCCEEDS, json!({})).await;

    // The worker was down for five months: six periods started, three are charged.
    let report = bill(&t, on(month_after(today(), 5)), &journal).await;

    assert_eq!(report.charged, 3);
    let detail = detail(&t, &id).await;
    let periods: Vec<Value> = detail["recent_charges"]
        .as_array()
        .expect("charges")
        .iter()
        .rev()
        .map(|c| c["period_start"].clone())
        .collect();
    assert_eq!(
        periods,
        [3, 4, 5].map(|m| json!(month_after(today(), m))).to_vec()
    );
    assert_eq!(detail["next_billing_date"], json!(month_after(today(), 6)));
}

#[tokio::test]
async fn me_8_a_declined_card_is_retried_1_3_and_5_days_later_then_cancelled() {
    let t = spawn_app().await;
    let journal = Arc::new(ChargeJournal::in_memory());
    let kind = membership_type(&t, "card").await;
    let id = card_membership(&t, &kind, DECLINED, json!({})).await;

    let first = bill(&t, now(), &journal).await;
    let status = detail(&t, &id).await;
    let mut later = Vec::new();
    for days in [1, 2, 3, 4, 5] {
        later.push(
            bill(&t, on(today() + Days::new(days)), &journal)
                .await
                .declined,
        );
    }

    assert_eq!(first.declined, 1);
    assert_eq!(
        (status["status"].clone(), status["reason"].clone()),
        (json!("needs_attention"), json!("payment_failed"))
    );
    assert_eq!(later, [1, 0, 1, 0, 1], "retried on days 1, 3 and 5 only");
    let detail = detail(&t, &id).await;
    assert_eq!(detail["status"], json!("cancelled"));
    assert_eq!(charge_statuses(&detail), ["declined"; 4]);
    assert_eq!(
        email_kinds(&t).await,
        ["payment_failed", "membership_cancelled"]
    );
}

#[tokio::test]
async fn me_8_me_9_a_transient_failure_stays_pending_and_is_sent_again_under_its_key() {
    let t = spawn_app().await;
    let journal = Arc::new(ChargeJournal::in_memory());
    let kind = membership_type(&t, "card").await;
    let id = card_membership(&t, &kind, TIMES_OUT, json!({})).await;

    let first = bill(&t, now(), &journal).await;
    let soon = bill(&t, now() + TimeDelta::minutes(1), &journal).await;
    let later = bill(&t, now() + TimeDelta::minutes(11), &journal).await;

    assert_eq!((first.transient, first.declined), (1, 0));
    assert_eq!(soon.claimed, 0, "tried again in ten minutes, not at once");
    assert_eq!((later.reconciled, later.transient), (1, 1));
    let detail = detail(&t, &id).await;
    assert_eq!(
        charge_statuses(&detail),
        ["pending"],
        "one attempt, still open"
    );
    assert_eq!(
        detail["status"],
        json!("active"),
        "not counted as a decline"
    );
    assert!(email_kinds(&t).await.is_empty());
}

/// Stores a pending charge of the membership's period starting today, as a worker that
/// died after storing it (move 1) would have left it.
async fn pending_charge_of(t: &TestApp, id: &str) -> Charge {
    let charge = Charge {
        id: ChargeId::from_uuid(Uuid::now_v7()),
        business_id: business_id(t).await,
        membership_id: MembershipId::from_uuid(id.parse().expect("a uuid")),
        period_start: today(),
        idempotency_key: format!("membership-{id}-{}", today().format("%Y%m%d")),
        amount: Money::parse(
            "amount",
            "49.90",
            clientele_domain::Currency::parse("EUR").unwrap(),
        )
        .expect("money"),
        processor: ProcessorKind::StubCard,
        payment_type: None,
        reference: None,
        message: None,
        attempt: 1,
        status: ChargeStatus::Pending,
        created_at: now(),
        settled_at: None,
    };
    let mut tx = t.storage.begin().await.expect("a transaction");
    let stored = tx
        .insert_charges(std::slice::from_ref(&charge))
        .await
        .expect("stored");
    tx.commit().await.expect("committed");
    assert_eq!(stored, [charge.id]);
    charge
}

#[tokio::test]
async fn me_9_a_charge_left_pending_by_a_crash_is_reconciled_before_anything_is_charged() {
    let t = spawn_app().await;
    let journal = Arc::new(ChargeJournal::in_memory());
    let kind = membership_type(&t, "card").await;
    // One whose charge reached the processor before the crash, one whose did not.
    let reached = card_membership(&t, &kind, SUCCEEDS, json!({})).await;
    let lost = card_membership(&t, &kind, SUCCEEDS, json!({})).await;
    let charge = pending_charge_of(&t, &reached).await;
    pending_charge_of(&t, &lost).await;
    let taken = journal
        .answer_once(&charge.idempotency_key, charge.amount, || {
            Ok("ch_before_the_crash".to_owned())
        })
        .expect("the journal")
        .expect("charged before the crash");

    // The worker that died held its claim until the lease ran out.
    let report = bill(&t, now(), &journal).await;

    assert_eq!((report.reconciled, report.charged), (2, 2));
    for id in [&reached, &lost] {
        let detail = detail(&t, id).await;
        assert_eq!(charge_statuses(&detail), ["succeeded"], "{id}");
        assert_eq!(detail["next_billing_date"], json!(month_after(today(), 1)));
    }
    assert_eq!(
        journal.get(&charge.idempotency_key).expect("the journal"),
        Some(ChargeRecord::Charged(taken))
    );
    assert_eq!(email_kinds(&t).await.len(), 2, "one receipt each");
}

#[tokio::test]
async fn me_21_a_manual_payer_gets_reminders_and_is_never_charged() {
    let t = spawn_app().await;
    let journal = Arc::new(ChargeJournal::in_memory());
    let kind = membership_type(&t, "manual").await;
    let client = client(&t).await;
    let reply = t
        .post(
            "/v1/memberships",
            &t.owner,
            json!({ "client_id": client, "type_id": kind, "start_date": today().to_string(),
                    "payment_method": "manual" }),
        )
        .await;
    reply.assert_status(201);
    let id = reply.str("/id");

    let first = bill(&t, now(), &journal).await;
    let next_day = bill(&t, on(today() + Days::new(1)), &journal).await;

    assert_eq!((first.reminded, next_day.reminded), (1, 1));
    let detail = detail(&t, &id).await;
    assert_eq!(detail["recent_charges"], json!([]), "nothing charged");
    assert_eq!(detail["reason"], json!("payment_failed"));
    assert_eq!(
        email_kinds(&t).await,
        ["payment_reminder", "payment_reminder"]
    );
}

#[tokio::test]
async fn me_6_a_membership_expires_the_day_after_its_end_date() {
    let t = spawn_app().await;
    let journal = Arc::new(ChargeJournal::in_memory());
    let kind = membership_type(&t, "card").await;
    let end = today() + Days::new(10);
    let id = card_membership(&t, &kind, SUCCEEDS, json!({ "end_date": end.to_string() })).await;

    let first = bill(&t, now(), &journal).await;
    let on_end = bill(&t, on(end), &journal).await;
    let after = bill(&t, on(end + Days::new(1)), &journal).await;

    assert_eq!(first.charged, 1);
    assert_eq!(on_end.claimed, 0);
    assert_eq!(after.expired, 1);
    assert_eq!(detail(&t, &id).await["status"], json!("expired"));
}

#[tokio::test]
async fn me_7_me_9_workers_billing_at_once_charge_each_membership_once() {
    let t = spawn_app().await;
    let journal = Arc::new(ChargeJournal::in_memory());
    let kind = membership_type(&t, "card").await;
    let mut ids = BTreeSet::new();
    for _ in 0..12 {
        ids.insert(card_membership(&t, &kind, SUCCEEDS, json!({})).await);
    }
    let policy = BillingPolicy {
        batch: 5,
        ..BillingPolicy::default()
    };

    let (a, b, c) = tokio::join!(
        bill_with(&t, now(), &journal, &policy),
        bill_with(&t, now(), &journal, &policy),
        bill_with(&t, now(), &journal, &policy),
    );

    assert_eq!(a.charged + b.charged + c.charged, 12);
    assert_eq!(a.claimed + b.claimed + c.claimed, 12, "claims are disjoint");
    for id in &ids {
        assert_eq!(
            charge_statuses(&detail(&t, id).await),
            ["succeeded"],
            "{id}"
        );
    }
}

/// Records a payment of the membership with the request's `Idempotency-Key`.
async fn record_payment(t: &TestApp, id: &str, key: &str, body: Value) -> Reply {
    Reply::of(
        t.client
            .post(format!("/v1/memberships/{id}/payments"))
            .header("authorization", format!("Bearer {}", t.owner))
            .header("Idempotency-Key", key)
            .body_json(&body)
            .send()
            .await,
    )
    .await
}

#[tokio::test]
async fn me_13_a_recorded_payment_pays_the_outstanding_period_once_and_reactivates() {
    let t = spawn_app().await;
    let journal = Arc::new(ChargeJournal::in_memory());
    let kind = membership_type(&t, "card").await;
    let id = card_membership(&t, &kind, DECLINED, json!({})).await;
    bill(&t, now(), &journal).await;
    let version = detail(&t, &id).await["version"].clone();

    let body = json!({ "payment_type": "cash", "version": version });
    let first = record_payment(&t, &id, "cash-1", body.clone()).await;
    let again = record_payment(&t, &id, "cash-1", body).await;
    let next_day = bill(&t, on(today() + Days::new(1)), &journal).await;

    first.assert_status(200);
    assert_eq!(first.body, again.body, "a retry records nothing more");
    assert_eq!(first.str("/charge/status"), "succeeded");
    assert_eq!(first.body["charge"]["period_start"], json!(today()));
    let detail = detail(&t, &id).await;
    assert_eq!(detail["status"], json!("active"));
    assert_eq!(detail["next_billing_date"], json!(month_after(today(), 1)));
    assert_eq!(charge_statuses(&detail), ["declined", "succeeded"]);
    assert_eq!(next_day.claimed, 0, "the retry is off once paid");
    assert_eq!(
        email_kinds(&t).await,
        ["payment_failed", "membership_receipt"]
    );
}

#[tokio::test]
async fn me_13_a_payment_with_an_unknown_type_or_with_nothing_due_is_refused() {
    let t = spawn_app().await;
    let journal = Arc::new(ChargeJournal::in_memory());
    let kind = membership_type(&t, "card").await;
    let id = card_membership(&t, &kind, SUCCEEDS, json!({})).await;
    let version = detail(&t, &id).await["version"].clone();

    let unknown = record_payment(
        &t,
        &id,
        "pay-1",
        json!({ "payment_type": "bitcoin", "version": version }),
    )
    .await;
    bill(&t, now(), &journal).await;
    let version = detail(&t, &id).await["version"].clone();
    let paid_already = record_payment(
        &t,
        &id,
        "pay-2",
        json!({ "payment_type": "cash", "version": version }),
    )
    .await;
    let stale = record_payment(&t, &id, "pay-3", json!({ "version": 1 })).await;

    unknown.assert_problem(422);
    assert_eq!(unknown.problem_fields(), ["payment_type"]);
    paid_already.assert_problem(409);
    stale.assert_problem(409);
    assert_eq!(charge_statuses(&detail(&t, &id).await), ["succeeded"]);
}

#[tokio::test]
async fn me_14_switching_processors_moves_card_memberships_to_needing_a_card() {
    let t = spawn_app().await;
    let journal = Arc::new(ChargeJournal::in_memory());
    let card_type = membership_type(&t, "card").await;
    let manual_type = membership_type(&t, "manual").await;
    let by_card = card_membership(&t, &card_type, SUCCEEDS, json!({})).await;
    let client = client(&t).await;
    let manual = t
        .post(
            "/v1/memberships",
            &t.owner,
            json!({ "client_id": client, "type_id": manual_type,
                    "start_date": today().to_string(), "payment_method": "manual" }),
        )
        .await
        .str("/id");
    let business = t.get("/v1/business", &t.owner).await;

    t.patch(
        "/v1/business",
        &t.owner,
        json!({ "version": business.body["version"], "active_processor": "manual" }),
    )
    .await
    .assert_status(200);
    let manual_after_switch = detail(&t, &manual).await["status"].clone();
    let report = bill(&t, now(), &journal).await;

    let moved = detail(&t, &by_card).await;
    assert_eq!(
        (moved["status"].clone(), moved["reason"].clone()),
        (json!("needs_attention"), json!("payment_method_invalid"))
    );
    assert_eq!(
        manual_after_switch,
        json!("active"),
        "a manual payer is not moved"
    );
    assert_eq!(
        report.charged, 0,
        "a card of another processor is not charged"
    );
    assert_eq!(charge_statuses(&moved), Vec::<String>::new());
    let listed = t
        .get("/v1/memberships?status=payment_method_invalid", &t.owner)
        .await;
    listed.assert_status(200);
    assert_eq!(listed.body["items"].as_array().map(Vec::len), Some(1));
}

#[tokio::test]
async fn me_8_a_business_may_cancel_at_the_first_decline_or_retry_on_its_own_days() {
    let t = spawn_app().await;
    let journal = Arc::new(ChargeJournal::in_memory());
    let business = t.get("/v1/business", &t.owner).await;
    assert_eq!(
        business.body["dunning"],
        json!({ "policy": "retry", "retry_days": [1, 3, 5], "after_retries": "cancel" })
    );
    let bad = t
        .patch(
            "/v1/business",
            &t.owner,
            json!({ "version": business.body["version"],
                    "dunning": { "policy": "retry", "retry_days": [5, 2] } }),
        )
        .await;
    let set = t
        .patch(
            "/v1/business",
            &t.owner,
            json!({ "version": business.body["version"],
                    "dunning": { "policy": "cancel_immediately" } }),
        )
        .await;
    let kind = membership_type(&t, "card").await;
    let id = card_membership(&t, &kind, DECLINED, json!({})).await;

    let report = bill(&t, now(), &journal).await;

    bad.assert_problem(422);
    assert_eq!(bad.problem_fields(), ["dunning"]);
    set.assert_status(200);
    assert_eq!(
        set.body["dunning"],
        json!({ "policy": "cancel_immediately" })
    );
    assert_eq!(report.declined, 1);
    assert_eq!(detail(&t, &id).await["status"], json!("cancelled"));
    assert_eq!(
        email_kinds(&t).await,
        ["payment_failed", "membership_cancelled"]
    );
}
