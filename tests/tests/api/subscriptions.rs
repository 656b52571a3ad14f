//! ME-1, ME-2, ME-17, CO-10: a membership type linked to a subscription product and
//! billed on a fixed day; selling the product starts a membership (with the pro-rated
//! days of a mid-cycle start on its order); each paid period refreshes the membership's
//! code, and cancelling ends it at the renewal it will not have.

use chrono::NaiveDate;
use serde_json::{Value, json};

use crate::helpers::{Reply, TestApp, spawn_app};
use crate::test_clock::{SUCCEEDS, move_clock, test_business, tokyo_noon, work};

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("a day")
}

async fn created(t: &TestApp, token: &str, path: &str, body: Value) -> String {
    let reply = t.post(path, token, body).await;
    reply.assert_status(201);
    reply.str("/id")
}

/// A monthly subscription product of four appointments at 31.00.
async fn monthly_four(t: &TestApp, token: &str) -> String {
    created(
        t,
        token,
        "/v1/products",
        json!({ "name": "Monthly four", "kind": "subscription", "appointments": 4,
                "period_unit": "month", "price": "31.00" }),
    )
    .await
}

/// A client with a stored card that succeeds: (client id, card id).
async fn client_with_card(t: &TestApp, token: &str, email: &str) -> (String, String) {
    let client = t
        .create_client(
            token,
            json!({ "first_name": "Ana", "last_name": "Silva", "email": email }),
        )
        .await["id"]
        .as_str()
        .expect("an id")
        .to_owned();
    let card = created(
        t,
        token,
        &format!("/v1/clients/{client}/cards"),
        json!({ "number": SUCCEEDS, "exp_month": 12, "exp_year": 2099, "cvc": "123" }),
    )
    .await;
    (client, card)
}

async fn sell_by_card(t: &TestApp, token: &str, product: &str, client: &str, card: &str) -> Reply {
    t.post(
        "/v1/orders",
        token,
        json!({ "product_id": product, "client_id": client, "method": "card",
                "payment_method_id": card }),
    )
    .await
}

async fn get(t: &TestApp, token: &str, path: &str) -> Value {
    let reply = t.get(path, token).await;
    reply.assert_status(200);
    reply.body
}

async fn act(t: &TestApp, token: &str, membership: &str, action: &str) -> Value {
    let version = get(t, token, &format!("/v1/memberships/{membership}")).await["version"].clone();
    let reply = t
        .post(
            &format!("/v1/memberships/{membership}/{action}"),
            token,
            json!({ "version": version }),
        )
        .await;
    reply.assert_status(200);
    reply.body
}

async fn last_ledger_entry(t: &TestApp, token: &str, code: &str) -> (String, Value) {
    let ledger = get(t, token, &format!("/v1/codes/{code}/ledger")).await;
    let last = ledger["items"]
        .as_array()
        .and_then(|items| items.last())
        .expect("an entry")
        .clone();
    (
        last["reason"].as_str().expect("a reason").to_owned(),
        last["change_appointments"].clone(),
    )
}

#[tokio::test]
async fn me_1_me_17_a_type_names_the_subscription_product_and_fixed_day_it_bills_on() {
    let t = spawn_app().await;
    let token = t.owner.clone();
    let monthly = monthly_four(&t, &token).await;
    let package = created(
        &t,
        &token,
        "/v1/products",
        json!({ "name": "Five", "kind": "package", "appointments": 5, "price": "100.00" }),
    )
    .await;
    let base = json!({ "name": "Club", "rate": "31.00", "period_unit": "month",
                       "payment_method": "card" });
    let with = |extra: Value| {
        let mut body = base.clone();
        for (key, value) in extra.as_object().expect("an object") {
            body[key] = value.clone();
        }
        body
    };
    for (bad, field) in [
        (
            json!({ "appointments_product_id": package }),
            "appointments_product_id",
        ),
        (
            json!({ "appointments_product_id": monthly, "period_every": 2 }),
            "appointments_product_id",
        ),
        (
            json!({ "appointments_product_id": uuid::Uuid::new_v4() }),
            "appointments_product_id",
        ),
        (json!({ "fixed_day": "Mon" }), "fixed_day"),
        (json!({ "fixed_day": "32" }), "fixed_day"),
    ] {
        let reply = t
            .post("/v1/membership-types", &token, with(bad.clone()))
            .await;
        reply.assert_problem(422);
        assert!(
            reply.body.to_string().contains(field),
            "{bad}: {:#}",
            reply.body
        );
    }
    t.post(
        "/v1/membership-types",
        &token,
        with(json!({ "prorate": true })),
    )
    .await
    .assert_problem(422);

    let reply = t
        .post(
            "/v1/membership-types",
            &token,
            with(
                json!({ "appointments_product_id": monthly, "fixed_day": "1",
                         "prorate": true }),
            ),
        )
        .await;
    reply.assert_status(201);
    assert_eq!(
        (
            reply.at("/appointments_product_id"),
            reply.at("/fixed_day"),
            reply.at("/prorate")
        ),
        (&json!(monthly), &json!("1"), &json!(true))
    );
    let plain = t.post("/v1/membership-types", &token, base.clone()).await;
    assert_eq!(
        (plain.at("/fixed_day"), plain.at("/prorate")),
        (&Value::Null, &json!(false))
    );
}

#[tokio::test]
async fn me_2_me_17_co_10_a_sold_subscription_pays_its_pro_rated_days_and_renews_its_code() {
    let t = spawn_app().await;
    let token = test_business(&t).await;
    move_clock(&t, &token, tokyo_noon(day(2027, 1, 17))).await;
    let monthly = monthly_four(&t, &token).await;
    let (ana, card) = client_with_card(&t, &token, "ana@example.com").await;

    let unsold = sell_by_card(&t, &token, &monthly, &ana, &card).await;
    unsold.assert_problem(422);
    assert!(
        unsold.body.to_string().contains("membership type"),
        "{:#}",
        unsold.body
    );
    let manual_sale = json!({ "product_id": monthly, "client_id": ana, "method": "manual" });
    let club = created(
        &t,
        &token,
        "/v1/membership-types",
        json!({ "name": "Club", "rate": "31.00", "period_unit": "month",
                "payment_method": "card", "appointments_product_id": monthly,
                "fixed_day": "1", "prorate": true }),
    )
    .await;
    t.post("/v1/orders", &token, manual_sale.clone())
        .await
        .assert_problem(422);

    let sold = sell_by_card(&t, &token, &monthly, &ana, &card).await;

    sold.assert_status(201);
    assert_eq!(
        sold.at("/order/price"),
        &json!("46.00"),
        "31.00 + 15/31 of it"
    );
    assert_eq!(
        sold.at("/order/pro_rata"),
        &json!({ "fee": "31.00", "amount": "15.00", "from": "2027-01-17",
                 "until": "2027-02-01", "days": 15, "period_days": 31 })
    );
    let membership = sold.str("/order/membership_id");
    let code = sold.str("/code/id");
    let detail = get(&t, &token, &format!("/v1/memberships/{membership}")).await;
    assert_eq!(
        (
            &detail["status"],
            &detail["type_id"],
            &detail["next_billing_date"]
        ),
        (&json!("active"), &json!(club), &json!("2027-03-01")),
        "the sale paid January's last days and February"
    );
    assert_eq!(sold.at("/code/remaining_appointments"), &json!(4));

    // Two appointments used (as a staff edit), then March is paid: back to four.
    let version = get(&t, &token, &format!("/v1/codes/{code}")).await["version"].clone();
    t.patch(
        &format!("/v1/codes/{code}"),
        &token,
        json!({ "version": version, "remaining": "2" }),
    )
    .await
    .assert_status(200);
    move_clock(&t, &token, tokyo_noon(day(2027, 3, 1))).await;
    work(&t).await;
    let refreshed = get(&t, &token, &format!("/v1/codes/{code}")).await;
    assert_eq!(refreshed["remaining_appointments"], json!(4));
    assert_eq!(
        last_ledger_entry(&t, &token, &code).await,
        ("refresh".to_owned(), json!(2))
    );

    // Cancelled: usable until the renewal it will not have; reactivated: it goes on.
    act(&t, &token, &membership, "cancel").await;
    let ending = get(&t, &token, &format!("/v1/codes/{code}")).await;
    assert_eq!(
        (&ending["status"], &ending["expires_on"]),
        (&json!("active"), &json!("2027-03-31"))
    );
    act(&t, &token, &membership, "reactivate").await;
    let going_on = get(&t, &token, &format!("/v1/codes/{code}")).await;
    assert_eq!(going_on["expires_on"], Value::Null);
}

#[tokio::test]
async fn co_10_a_membership_created_by_staff_gets_its_code_with_its_first_paid_period() {
    let t = spawn_app().await;
    let token = test_business(&t).await;
    move_clock(&t, &token, tokyo_noon(day(2027, 1, 10))).await;
    let monthly = monthly_four(&t, &token).await;
    let kind = created(
        &t,
        &token,
        "/v1/membership-types",
        json!({ "name": "Club", "rate": "31.00", "period_unit": "month",
                "payment_method": "card", "appointments_product_id": monthly }),
    )
    .await;
    let (ana, _) = client_with_card(&t, &token, "ana@example.com").await;
    created(
        &t,
        &token,
        "/v1/memberships",
        json!({ "client_id": ana, "type_id": kind, "start_date": "2027-01-12",
                "payment_method": "card" }),
    )
    .await;
    let codes = format!("/v1/clients/{ana}/codes");
    assert_eq!(
        get(&t, &token, &codes).await["items"],
        json!([]),
        "nothing paid yet"
    );

    move_clock(&t, &token, tokyo_noon(day(2027, 1, 12))).await;
    work(&t).await;
    let first = get(&t, &token, &codes).await["items"].clone();
    assert_eq!(first.as_array().map(Vec::len), Some(1), "{first:#}");
    let code = first[0]["id"].as_str().expect("an id").to_owned();
    assert_eq!(
        (&first[0]["remaining_appointments"], &first[0]["product_id"]),
        (&json!(4), &json!(monthly))
    );
    assert_eq!(
        last_ledger_entry(&t, &token, &code).await,
        ("refresh".to_owned(), json!(4))
    );

    move_clock(&t, &token, tokyo_noon(day(2027, 2, 12))).await;
    work(&t).await;
    assert_eq!(
        get(&t, &token, &codes).await["items"]
            .as_array()
            .map(Vec::len),
        Some(1),
        "the same code is refreshed, not a second one issued"
    );
}
