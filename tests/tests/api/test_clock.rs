//! PL-25: the test clock through the API: a test business moves its "now" forward, and
//! the worker's jobs then do what they would have done on each day in between.

use chrono::{DateTime, Days, Months, NaiveDate, TimeDelta, Utc};
use serde_json::{Value, json};
use uuid::Uuid;

use clientele_application::jobs::{ExecutionOutcome, Job};

use crate::helpers::{OPERATOR_TOKEN, TestApp, spawn_app};

pub const ZONE: &str = "Asia/Tokyo";
pub const SUCCEEDS: &str = "4242 4242 4242 4242";
pub const DECLINED: &str = "4000 0000 0000 0002";

/// Founds a business in test mode (in Tokyo, nine hours ahead of UTC); its owner token.
pub async fn test_business(t: &TestApp) -> String {
    let reply = t
        .post(
            "/v1/operator/businesses",
            OPERATOR_TOKEN,
            json!({ "name": "Rehearsal spa", "time_zone": ZONE, "test_mode": true,
                    "owner": { "name": "Test owner", "email": "owner@rehearsal.example" } }),
        )
        .await;
    reply.assert_status(201);
    assert_eq!(reply.body["business"]["mode"], json!("test"));
    reply.str("/owner_token/secret")
}

/// Tokyo's calendar day at `at`.
pub fn tokyo_day(at: DateTime<Utc>) -> NaiveDate {
    (at + TimeDelta::hours(9)).date_naive()
}

/// Noon in Tokyo on `day`.
pub fn tokyo_noon(day: NaiveDate) -> DateTime<Utc> {
    day.and_hms_opt(3, 0, 0).expect("a time").and_utc()
}

/// Moves the business's clock to `to`.
pub async fn move_clock(t: &TestApp, token: &str, to: DateTime<Utc>) -> Value {
    let reply = t
        .post(
            "/v1/business/test-clock",
            token,
            json!({ "now": to.to_rfc3339() }),
        )
        .await;
    reply.assert_status(200);
    reply.body
}

/// What a worker pass does, job by job until each is idle (emails stay queued: the test
/// app has no sender); how many test-clock days were worked.
pub async fn work(t: &TestApp) -> u64 {
    let mut days = 0;
    for job in [Job::BillMemberships, Job::WorkTestClocks, Job::ExpireCodes] {
        for _ in 0..100_000 {
            match t.app.run_job_step(job).await.expect("a job step") {
                ExecutionOutcome::TaskCompleted if job == Job::WorkTestClocks => days += 1,
                ExecutionOutcome::TaskCompleted => {}
                ExecutionOutcome::EmptyQueue => break,
            }
        }
    }
    days
}

/// A membership of type `kind` from `start`, paid with the test card `card`, for a new
/// client: its id and the client's email.
pub async fn card_membership(
    t: &TestApp,
    token: &str,
    kind: &str,
    card: &str,
    start: NaiveDate,
) -> (String, String) {
    let email = format!("ana-{}@example.com", Uuid::new_v4().simple());
    let client = t
        .create_client(
            token,
            json!({ "first_name": "Ana", "last_name": "Silva", "email": email }),
        )
        .await["id"]
        .as_str()
        .expect("an id")
        .to_owned();
    t.post(
        &format!("/v1/clients/{client}/cards"),
        token,
        json!({ "number": card, "exp_month": 12, "exp_year": 2099, "cvc": "123" }),
    )
    .await
    .assert_status(201);
    let reply = t
        .post(
            "/v1/memberships",
            token,
            json!({ "client_id": client, "type_id": kind, "start_date": start.to_string(),
                    "payment_method": "card" }),
        )
        .await;
    reply.assert_status(201);
    (reply.str("/id"), email)
}

/// A membership type paid by card, billed every `unit` (`month`, `year`…).
pub async fn card_type(t: &TestApp, token: &str, unit: &str) -> String {
    let reply = t
        .post(
            "/v1/membership-types",
            token,
            json!({ "name": format!("Gold {unit}"), "rate": "49.90", "period_unit": unit,
                    "payment_method": "card" }),
        )
        .await;
    reply.assert_status(201);
    reply.str("/id")
}

pub fn months(day: NaiveDate, n: u32) -> NaiveDate {
    day.checked_add_months(Months::new(n)).expect("a date")
}

pub async fn membership(t: &TestApp, token: &str, id: &str) -> Value {
    let reply = t.get(&format!("/v1/memberships/{id}"), token).await;
    reply.assert_status(200);
    reply.body
}

fn succeeded(detail: &Value) -> usize {
    detail["recent_charges"]
        .as_array()
        .expect("charges")
        .iter()
        .filter(|c| c["status"] == json!("succeeded"))
        .count()
}

#[tokio::test]
async fn pl_25_a_live_business_refuses_to_move_its_clock() {
    let t = spawn_app().await;
    let before = t.get("/v1/business", &t.owner).await;

    let reply = t
        .post(
            "/v1/business/test-clock",
            &t.owner,
            json!({ "now": (Utc::now() + TimeDelta::days(30)).to_rfc3339() }),
        )
        .await;

    reply.assert_problem(409);
    assert_eq!(before.body["mode"], json!("live"));
    assert_eq!(t.get("/v1/business", &t.owner).await.body, before.body);
}

#[tokio::test]
async fn pl_25_a_test_clock_only_moves_forward_and_only_by_its_owner() {
    let t = spawn_app().await;
    let token = test_business(&t).await;
    let later = Utc::now() + TimeDelta::days(40);
    move_clock(&t, &token, later).await;

    let back = t
        .post(
            "/v1/business/test-clock",
            &token,
            json!({ "now": (later - TimeDelta::days(1)).to_rfc3339() }),
        )
        .await;
    let malformed = t
        .post(
            "/v1/business/test-clock",
            &token,
            json!({ "now": "tomorrow" }),
        )
        .await;

    back.assert_problem(422);
    assert_eq!(back.problem_fields(), ["now"]);
    malformed.assert_problem(400);
    let business = t.get("/v1/business", &token).await;
    let moved_to: DateTime<Utc> = business
        .str("/test_clock/moved_to")
        .parse()
        .expect("an instant");
    assert_eq!(moved_to.timestamp(), later.timestamp());
}

#[tokio::test]
async fn pl_25_moving_the_clock_three_months_bills_every_period_and_dunning_in_between() {
    let t = spawn_app().await;
    let token = test_business(&t).await;
    let kind = card_type(&t, &token, "month").await;
    let today = tokyo_day(Utc::now());
    let (paying, _) = card_membership(&t, &token, &kind, SUCCEEDS, today).await;
    let (declined, _) = card_membership(&t, &token, &kind, DECLINED, today).await;
    let later = tokyo_noon(months(today, 3));

    let business = move_clock(&t, &token, later).await;
    let days = work(&t).await;

    assert_eq!(business["mode"], json!("test"));
    // Every Tokyo midnight from tomorrow to the day of the clock, and the clock itself.
    let midnights = (months(today, 3) - today).num_days() as u64;
    assert_eq!(days, midnights + 1);
    let paid = membership(&t, &token, &paying).await;
    assert_eq!(succeeded(&paid), 4, "today and three months after");
    assert_eq!(paid["next_billing_date"], json!(months(today, 4)));
    let dunned = membership(&t, &token, &declined).await;
    assert_eq!(
        dunned["status"],
        json!("cancelled"),
        "after retries 1, 3 and 5 days later"
    );
    assert_eq!(dunned["recent_charges"].as_array().map(Vec::len), Some(4));
    let business = t.get("/v1/business", &token).await;
    assert_eq!(
        business.body["test_clock"]["worked_to"],
        business.body["test_clock"]["moved_to"]
    );
    // Nothing is owed any more: another pass works no day and charges nothing.
    assert_eq!(work(&t).await, 0);
    assert_eq!(succeeded(&membership(&t, &token, &paying).await), 4);

    // One more month: only its days are worked.
    move_clock(&t, &token, later + Days::new(31)).await;
    assert_eq!(work(&t).await, 31 + 1);
    assert_eq!(succeeded(&membership(&t, &token, &paying).await), 5);
}
