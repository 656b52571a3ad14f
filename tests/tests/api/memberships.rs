//! ME-1, ME-2, ME-4, ME-10, ME-11, ME-18 to ME-20: membership types and memberships, staff
//! side, through the HTTP API. Dates are relative to today (the business is on UTC).

use chrono::{Days, NaiveDate, Utc};
use serde_json::{Value, json};

use crate::helpers::{Reply, TestApp, spawn_app};

fn today() -> NaiveDate {
    Utc::now().date_naive()
}

fn later(days: u64) -> String {
    (today() + Days::new(days)).to_string()
}

fn earlier(days: u64) -> String {
    (today() - Days::new(days)).to_string()
}

/// A monthly type paid by `payment`; returns its id.
async fn membership_type(app: &TestApp, name: &str, payment: &str) -> String {
    let reply = app
        .post(
            "/v1/membership-types",
            &app.owner,
            json!({ "name": name, "rate": "49.90", "period_unit": "month",
                    "payment_method": payment }),
        )
        .await;
    reply.assert_status(201);
    reply.str("/id")
}

async fn client(app: &TestApp, email: &str) -> String {
    app.create_client(
        &app.owner,
        json!({ "first_name": "Ana", "last_name": "Silva", "email": email }),
    )
    .await["id"]
        .as_str()
        .expect("an id")
        .to_owned()
}

async fn create(app: &TestApp, body: Value) -> Reply {
    app.post("/v1/memberships", &app.owner, body).await
}

/// A manual membership of `kind` for `client` starting today; returns it.
async fn membership(app: &TestApp, client: &str, kind: &str) -> Value {
    let reply = create(
        app,
        json!({ "client_id": client, "type_id": kind, "start_date": later(0),
                "payment_method": "manual" }),
    )
    .await;
    reply.assert_status(201);
    reply.body
}

async fn get(app: &TestApp, id: &str) -> Value {
    let reply = app.get(&format!("/v1/memberships/{id}"), &app.owner).await;
    reply.assert_status(200);
    reply.body
}

async fn count_of_client(app: &TestApp, client: &str) -> usize {
    let reply = app
        .get(&format!("/v1/clients/{client}/memberships"), &app.owner)
        .await;
    reply.assert_status(200);
    reply.body["items"].as_array().expect("items").len()
}

#[tokio::test]
async fn me_1_types_are_created_listed_read_and_revised() {
    let app = spawn_app().await;
    let id = membership_type(&app, "Monthly massage", "manual").await;
    let list = app.get("/v1/membership-types", &app.owner).await;
    list.assert_status(200);
    assert_eq!(list.body["items"][0]["id"], json!(id));
    let read = app
        .get(&format!("/v1/membership-types/{id}"), &app.owner)
        .await;
    read.assert_status(200);
    assert_eq!(read.str("/rate"), "49.90");
    let body = json!({ "version": 1, "name": "Monthly spa", "rate": "59.00",
                       "period_unit": "month", "payment_method": "manual" });
    let revised = app
        .put(
            &format!("/v1/membership-types/{id}"),
            &app.owner,
            body.clone(),
        )
        .await;
    revised.assert_status(200);
    assert_eq!(
        (revised.str("/name"), revised.body["version"].clone()),
        ("Monthly spa".to_owned(), json!(2))
    );
    app.put(&format!("/v1/membership-types/{id}"), &app.owner, body)
        .await
        .assert_problem(409);
}

#[tokio::test]
async fn me_1_zero_negative_and_foreign_rates_are_refused() {
    let app = spawn_app().await;
    let id = membership_type(&app, "Monthly massage", "manual").await;
    let currency = app
        .get(&format!("/v1/membership-types/{id}"), &app.owner)
        .await
        .str("/currency");
    let other = if currency == "USD" { "EUR" } else { "USD" };
    for (rate, currency) in [("0.00", None), ("-5.00", None), ("10.00", Some(other))] {
        let mut body = json!({ "name": "Bad", "rate": rate, "period_unit": "month",
                               "payment_method": "manual" });
        if let Some(currency) = currency {
            body["currency"] = json!(currency);
        }
        app.post("/v1/membership-types", &app.owner, body)
            .await
            .assert_problem(422);
    }
    let list = app.get("/v1/membership-types", &app.owner).await;
    assert_eq!(list.body["items"].as_array().map(Vec::len), Some(1));
}

#[tokio::test]
async fn me_2_numbers_are_sequential_under_concurrent_creation() {
    let app = spawn_app().await;
    let kind = membership_type(&app, "Monthly massage", "manual").await;
    let client = client(&app, "ana@example.com").await;
    let replies = futures::future::join_all((0..10).map(|_| {
        create(
            &app,
            json!({ "client_id": client, "type_id": kind, "start_date": later(0),
                    "payment_method": "manual" }),
        )
    }))
    .await;
    let mut numbers: Vec<String> = replies
        .iter()
        .map(|reply| {
            reply.assert_status(201);
            reply.str("/number")
        })
        .collect();
    numbers.sort();
    let first = membership(&app, &client, &kind).await;
    numbers.push(first["number"].as_str().expect("a number").to_owned());
    let mut distinct = numbers.clone();
    distinct.dedup();
    assert_eq!(distinct.len(), 11, "{numbers:?}");
    let tails: Vec<u64> = numbers
        .iter()
        .map(|n| {
            n.trim_start_matches(|c: char| !c.is_ascii_digit())
                .parse()
                .expect("digits")
        })
        .collect();
    assert_eq!(tails, (1..=11).collect::<Vec<u64>>());
    assert_eq!(count_of_client(&app, &client).await, 11);
}

#[tokio::test]
async fn me_2_bad_creations_are_refused_and_create_nothing() {
    let app = spawn_app().await;
    let kind = membership_type(&app, "Monthly massage", "manual").await;
    let client = client(&app, "ana@example.com").await;
    let base = json!({ "client_id": client, "type_id": kind, "start_date": later(0),
                       "payment_method": "manual" });
    let with = |field: &str, value: Value| {
        let mut body = base.clone();
        body[field] = value;
        body
    };
    let bad = [
        with("first_billing_date", json!(earlier(3))),
        with("end_date", json!(earlier(1))),
        with("rate", json!("0.00")),
        with("rate", json!("-1.00")),
        with("currency", json!("JPY")),
        with("payment_method", json!("direct_debit")),
    ];
    for body in bad {
        let mut body = body;
        if body.get("currency").is_some() {
            body["rate"] = json!("10");
        }
        create(&app, body).await.assert_problem(422);
    }
    assert_eq!(count_of_client(&app, &client).await, 0);
    // The next one still gets the first number: the refused ones gave theirs back.
    let created = membership(&app, &client, &kind).await;
    assert!(created["number"].as_str().expect("a number").ends_with('1'));
}

#[tokio::test]
async fn me_4_moving_next_billing_date_moves_the_anchor() {
    let app = spawn_app().await;
    let kind = membership_type(&app, "Monthly massage", "manual").await;
    let client = client(&app, "ana@example.com").await;
    let created = membership(&app, &client, &kind).await;
    let id = created["id"].as_str().expect("an id");
    assert_eq!(created["next_billing_date"], json!(later(0)));
    let moved = app
        .patch(
            &format!("/v1/memberships/{id}"),
            &app.owner,
            json!({ "version": 1, "next_billing_date": later(5) }),
        )
        .await;
    moved.assert_status(200);
    assert_eq!(
        (
            moved.body["next_billing_date"].clone(),
            moved.body["version"].clone()
        ),
        (json!(later(5)), json!(2))
    );
    assert_eq!(get(&app, id).await["next_billing_date"], json!(later(5)));
}

#[tokio::test]
async fn me_11_bad_edits_are_refused_and_change_nothing() {
    let app = spawn_app().await;
    let kind = membership_type(&app, "Monthly massage", "manual").await;
    let client = client(&app, "ana@example.com").await;
    let created = membership(&app, &client, &kind).await;
    let id = created["id"].as_str().expect("an id");
    let path = format!("/v1/memberships/{id}");
    for (body, status) in [
        (
            json!({ "version": 1, "next_billing_date": earlier(2) }),
            422,
        ),
        (json!({ "version": 1, "end_date": earlier(2) }), 422),
        (json!({ "version": 1, "rate": "0.00" }), 422),
        (json!({ "version": 7, "end_date": later(90) }), 409),
    ] {
        app.patch(&path, &app.owner, body)
            .await
            .assert_problem(status);
    }
    let after = get(&app, id).await;
    assert_eq!(
        (
            &after["version"],
            &after["next_billing_date"],
            after.get("end_date")
        ),
        (&json!(1), &json!(later(0)), None)
    );
}

#[tokio::test]
async fn me_10_cancel_then_reactivate() {
    let app = spawn_app().await;
    let kind = membership_type(&app, "Monthly massage", "manual").await;
    let client = client(&app, "ana@example.com").await;
    let id = membership(&app, &client, &kind).await["id"]
        .as_str()
        .expect("an id")
        .to_owned();
    let cancelled = app
        .post(
            &format!("/v1/memberships/{id}/cancel"),
            &app.owner,
            json!({ "version": 1 }),
        )
        .await;
    cancelled.assert_status(200);
    assert_eq!(cancelled.str("/status"), "cancelled");
    app.post(
        &format!("/v1/memberships/{id}/reactivate"),
        &app.owner,
        json!({ "version": 1 }),
    )
    .await
    .assert_problem(409);
    let back = app
        .post(
            &format!("/v1/memberships/{id}/reactivate"),
            &app.owner,
            json!({ "version": 2 }),
        )
        .await;
    back.assert_status(200);
    assert_eq!(
        (back.str("/status"), back.body["next_billing_date"].clone()),
        ("active".to_owned(), json!(later(0)))
    );
}

#[tokio::test]
async fn me_20_pause_and_resume() {
    let app = spawn_app().await;
    let kind = membership_type(&app, "Monthly massage", "manual").await;
    let client = client(&app, "ana@example.com").await;
    let id = membership(&app, &client, &kind).await["id"]
        .as_str()
        .expect("an id")
        .to_owned();
    let paused = app
        .post(
            &format!("/v1/memberships/{id}/pause"),
            &app.owner,
            json!({ "version": 1, "periods": 2 }),
        )
        .await;
    paused.assert_status(200);
    assert!(paused.body.get("paused_until").is_some());
    let resumed = app
        .post(
            &format!("/v1/memberships/{id}/resume"),
            &app.owner,
            json!({ "version": 2 }),
        )
        .await;
    resumed.assert_status(200);
    assert_eq!(resumed.body.get("paused_until"), None);
}

#[tokio::test]
async fn me_20_pausing_a_cancelled_membership_is_refused() {
    let app = spawn_app().await;
    let kind = membership_type(&app, "Monthly massage", "manual").await;
    let client = client(&app, "ana@example.com").await;
    let id = membership(&app, &client, &kind).await["id"]
        .as_str()
        .expect("an id")
        .to_owned();
    app.post(
        &format!("/v1/memberships/{id}/cancel"),
        &app.owner,
        json!({ "version": 1 }),
    )
    .await
    .assert_status(200);
    app.post(
        &format!("/v1/memberships/{id}/pause"),
        &app.owner,
        json!({ "version": 2, "until": later(30) }),
    )
    .await
    .assert_problem(409);
    let after = get(&app, &id).await;
    assert_eq!(
        (
            &after["version"],
            &after["status"],
            after.get("paused_until")
        ),
        (&json!(2), &json!("cancelled"), None)
    );
}

#[tokio::test]
async fn me_18_quick_view_counts_match_the_lists() {
    let app = spawn_app().await;
    let manual = membership_type(&app, "Monthly massage", "manual").await;
    let debit = membership_type(&app, "Monthly by debit", "direct_debit").await;
    let client = client(&app, "ana@example.com").await;
    // Needs a mandate; due today but not active, so not in `payment_due`.
    create(
        &app,
        json!({ "client_id": client, "type_id": debit, "start_date": later(0),
                "payment_method": "direct_debit" }),
    )
    .await
    .assert_status(201);
    // Due today, ending in three days.
    create(
        &app,
        json!({ "client_id": client, "type_id": manual, "start_date": later(0),
                "end_date": later(3), "payment_method": "manual" }),
    )
    .await
    .assert_status(201);
    // Due in a month: in no view.
    create(
        &app,
        json!({ "client_id": client, "type_id": manual, "start_date": later(0),
                "first_billing_date": later(30), "payment_method": "manual" }),
    )
    .await
    .assert_status(201);
    let counts = app.get("/v1/memberships/counts", &app.owner).await;
    counts.assert_status(200);
    assert_eq!(
        counts.body,
        json!({ "needs_mandate": 1, "payment_failed": 0, "ending_soon": 1, "payment_due": 1 })
    );
    for view in [
        "needs_mandate",
        "payment_failed",
        "ending_soon",
        "payment_due",
    ] {
        let list = app
            .get(&format!("/v1/memberships?view={view}"), &app.owner)
            .await;
        list.assert_status(200);
        assert_eq!(
            list.body["items"]
                .as_array()
                .map(|items| items.len() as u64),
            counts.body[view].as_u64(),
            "{view}"
        );
    }
    let all = app.get("/v1/memberships?limit=2", &app.owner).await;
    all.assert_status(200);
    let cursor = all.str("/next_cursor");
    let rest = app
        .get(
            &format!("/v1/memberships?limit=2&cursor={cursor}"),
            &app.owner,
        )
        .await;
    rest.assert_status(200);
    assert_eq!(rest.body["items"].as_array().map(Vec::len), Some(1));
    let of_type = app
        .get(
            &format!("/v1/memberships?type_id={manual}&status=active"),
            &app.owner,
        )
        .await;
    assert_eq!(of_type.body["items"].as_array().map(Vec::len), Some(2));
    let ending = app
        .get(
            &format!(
                "/v1/memberships?ends_from={}&ends_until={}",
                later(0),
                later(5)
            ),
            &app.owner,
        )
        .await;
    assert_eq!(ending.body["items"].as_array().map(Vec::len), Some(1));
}

#[tokio::test]
async fn me_19_detail_shows_number_status_and_charges() {
    let app = spawn_app().await;
    let kind = membership_type(&app, "Monthly massage", "manual").await;
    let client = client(&app, "ana@example.com").await;
    let created = membership(&app, &client, &kind).await;
    let detail = get(&app, created["id"].as_str().expect("an id")).await;
    assert_eq!(detail["number"], created["number"]);
    assert_eq!(detail["member_since"], json!(later(0)));
    assert_eq!(detail["status"], json!("active"));
    assert_eq!(detail["payment_method_summary"], json!("manual"));
    assert_eq!(detail["recent_charges"], json!([]));
    assert_eq!(detail["up_to_date"], json!(true));
}

#[tokio::test]
async fn me_2_a_card_membership_uses_the_clients_stored_card() {
    let app = spawn_app().await;
    let kind = membership_type(&app, "Monthly by card", "card").await;
    let client = client(&app, "ana@example.com").await;
    let body = json!({ "client_id": client, "type_id": kind, "start_date": later(0),
                       "payment_method": "card" });
    let without = create(&app, body.clone()).await;
    without.assert_problem(422);
    assert_eq!(without.problem_fields(), ["card_id"]);
    app.post(
        &format!("/v1/clients/{client}/cards"),
        &app.owner,
        json!({ "number": "4242 4242 4242 4242", "exp_month": 12, "exp_year": 2030,
                "cvc": "123" }),
    )
    .await
    .assert_status(201);
    let created = create(&app, body).await;
    created.assert_status(201);
    assert_eq!(
        (created.str("/payment_method"), created.str("/status")),
        ("card".to_owned(), "active".to_owned())
    );
    assert!(created.str("/payment_method_summary").ends_with("4242"));
}

#[tokio::test]
async fn cl_10_the_client_list_filters_on_memberships() {
    let app = spawn_app().await;
    let kind = membership_type(&app, "Gold", "manual").await;
    let member = client(&app, "member@example.com").await;
    let lapsed = client(&app, "lapsed@example.com").await;
    let never = client(&app, "never@example.com").await;
    membership(&app, &member, &kind).await;
    let old = membership(&app, &lapsed, &kind).await;
    let id = old["id"].as_str().expect("an id");
    app.post(
        &format!("/v1/memberships/{id}/cancel"),
        &app.owner,
        json!({ "version": 1 }),
    )
    .await
    .assert_status(200);
    let sorted = |mut ids: Vec<String>| {
        ids.sort();
        ids
    };

    let with = app
        .all_client_ids("/v1/clients?has_membership=true", &app.owner)
        .await;
    let without = app
        .all_client_ids("/v1/clients?has_membership=false", &app.owner)
        .await;
    let cancelled = app
        .all_client_ids("/v1/clients?membership_status=cancelled", &app.owner)
        .await;
    let open_and_lapsed = app
        .all_client_ids(
            "/v1/clients?membership_status=open&has_membership=false",
            &app.owner,
        )
        .await;

    assert_eq!(with, [member]);
    assert_eq!(sorted(without), sorted(vec![lapsed.clone(), never]));
    assert_eq!(cancelled, [lapsed]);
    assert!(open_and_lapsed.is_empty(), "filters combine");
}

/// The fields of a membership's history, newest first, each with who changed it.
async fn history(app: &TestApp, id: &str) -> Vec<(String, String, Value, Value)> {
    let reply = app
        .get(&format!("/v1/memberships/{id}/history"), &app.owner)
        .await;
    reply.assert_status(200);
    reply.body["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|e| {
            (
                e["field"].as_str().expect("a field").to_owned(),
                e["changed_by"].as_str().expect("an author").to_owned(),
                e["old"].clone(),
                e["new"].clone(),
            )
        })
        .collect()
}

#[tokio::test]
async fn me_11_every_change_is_in_the_history_with_who_made_it() {
    let app = spawn_app().await;
    let kind = membership_type(&app, "Monthly massage", "manual").await;
    let client = client(&app, "ana@example.com").await;
    let created = membership(&app, &client, &kind).await;
    let id = created["id"].as_str().expect("an id");
    app.patch(
        &format!("/v1/memberships/{id}"),
        &app.owner,
        json!({ "version": 1, "next_billing_date": later(5) }),
    )
    .await
    .assert_status(200);
    app.post(
        &format!("/v1/memberships/{id}/pause"),
        &app.owner,
        json!({ "version": 2, "periods": 1 }),
    )
    .await
    .assert_status(200);
    let refused = app
        .patch(
            &format!("/v1/memberships/{id}"),
            &app.owner,
            json!({ "version": 1, "next_billing_date": later(9) }),
        )
        .await;

    refused.assert_problem(409);
    let entries = history(&app, id).await;
    let fields: Vec<&str> = entries.iter().map(|e| e.0.as_str()).collect();
    assert_eq!(fields[0], "paused_until", "newest first: {entries:?}");
    assert!(fields[1..].contains(&"next_billing_date"), "{entries:?}");
    assert!(fields[1..].contains(&"anchor"), "{entries:?}");
    assert_eq!(fields.len(), 3, "nothing of the refused edit: {entries:?}");
    assert!(entries.iter().all(|e| e.1 == "staff"));
    let moved = entries
        .iter()
        .find(|e| e.0 == "next_billing_date")
        .expect("the move");
    assert_eq!(
        (moved.2.clone(), moved.3.clone()),
        (json!(later(0)), json!(later(5)))
    );
    let page = app
        .get(&format!("/v1/memberships/{id}/history?limit=2"), &app.owner)
        .await;
    let cursor = page.str("/next_cursor");
    let rest = app
        .get(
            &format!("/v1/memberships/{id}/history?limit=2&cursor={cursor}"),
            &app.owner,
        )
        .await;
    assert_eq!(rest.body["items"].as_array().map(Vec::len), Some(1));
}
