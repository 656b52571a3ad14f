//! CO-1 to CO-12, AC-10, PL-16: products, sales, codes, redemption in bookings, the
//! ledger, orders and their export, through the HTTP API (and the use cases for the
//! concurrency proofs).

use serde_json::{Value, json};
use tokio::task::JoinSet;

use clientele_application::appointments::{AppointmentError, BookingClientInput, BookingInput};
use clientele_domain::AppointmentTypeId;

use crate::helpers::{Reply, TestApp, spawn_app};

/// A service of `price`; returns its id.
async fn service(app: &TestApp, name: &str, price: &str) -> String {
    let reply = app
        .post(
            "/v1/appointment-types",
            &app.owner,
            json!({ "name": name, "duration_minutes": 60, "price": price }),
        )
        .await;
    reply.assert_status(201);
    reply.str("/id")
}

async fn product(app: &TestApp, body: Value) -> Value {
    let reply = app.post("/v1/products", &app.owner, body).await;
    reply.assert_status(201);
    reply.body
}

async fn product_id(app: &TestApp, body: Value) -> String {
    product(app, body).await["id"]
        .as_str()
        .expect("an id")
        .to_owned()
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

/// Sells `product` to `client`, paid at the desk; returns the reply.
async fn sell(app: &TestApp, token: &str, product: &str, client: &str) -> Reply {
    app.post(
        "/v1/orders",
        token,
        json!({ "product_id": product, "client_id": client, "method": "manual" }),
    )
    .await
}

async fn book(app: &TestApp, kind: &str, email: &str, code: &str) -> Reply {
    app.post(
        "/v1/appointments",
        &app.owner,
        json!({ "appointment_type_id": kind, "starts_at": "2027-01-10T09:00:00Z",
                "client": { "email": email, "first_name": "Guest", "last_name": "Guest" },
                "code": code }),
    )
    .await
}

async fn code(app: &TestApp, id: &str) -> Value {
    let reply = app.get(&format!("/v1/codes/{id}"), &app.owner).await;
    reply.assert_status(200);
    reply.body
}

async fn ledger_reasons(app: &TestApp, id: &str) -> Vec<(String, Value)> {
    let reply = app.get(&format!("/v1/codes/{id}/ledger"), &app.owner).await;
    reply.assert_status(200);
    reply
        .at("/items")
        .as_array()
        .expect("items")
        .iter()
        .map(|e| {
            let change = if e["change_appointments"].is_null() {
                e["change_value"].clone()
            } else {
                e["change_appointments"].clone()
            };
            (e["reason"].as_str().expect("reason").to_owned(), change)
        })
        .collect()
}

/// A 5-massage package (massages only) sold to Ana; returns (massage, package, code id,
/// code text, client id).
async fn ana_with_a_package(app: &TestApp) -> (String, String, String, String, String) {
    let massage = service(app, "Massage", "60.00").await;
    let package = product_id(
        app,
        json!({ "name": "Five massages", "kind": "package", "appointments": 5,
                "price": "250.00", "appointment_type_ids": [massage] }),
    )
    .await;
    let ana = client(app, "ana@example.com").await;
    let sold = sell(app, &app.owner, &package, &ana).await;
    sold.assert_status(201);
    (
        massage,
        package,
        sold.str("/code/id"),
        sold.str("/code/text"),
        ana,
    )
}

#[tokio::test]
async fn co_1_co_2_a_product_is_described_revised_in_place_and_archived() {
    let app = spawn_app().await;
    let massage = service(&app, "Massage", "60.00").await;
    let created = product(
        &app,
        json!({ "name": "Monthly two", "kind": "subscription", "appointments": 2,
                "period_unit": "month", "price": "90.00", "appointment_type_ids": [massage] }),
    )
    .await;
    let id = created["id"].as_str().expect("id");

    assert_eq!(
        (
            &created["kind"],
            &created["period_every"],
            &created["rollover"]
        ),
        (&json!("subscription"), &json!(1), &json!(false))
    );
    let revised = app
        .put(
            &format!("/v1/products/{id}"),
            &app.owner,
            json!({ "version": created["version"], "name": "Monthly three", "kind": "subscription",
                    "appointments": 3, "period_unit": "month", "price": "120.00" }),
        )
        .await;
    revised.assert_status(200);
    assert_eq!(
        revised.at("/appointment_type_ids"),
        &json!([]),
        "every type"
    );
    app.put(
        &format!("/v1/products/{id}"),
        &app.owner,
        json!({ "version": revised.at("/version"), "name": "Gift", "kind": "package",
                "appointments": 3, "price": "1.00" }),
    )
    .await
    .assert_problem(409);
    let archived = app
        .post(
            &format!("/v1/products/{id}/archive"),
            &app.owner,
            json!({ "version": revised.at("/version") }),
        )
        .await;
    archived.assert_status(200);
    assert_eq!(archived.at("/archived"), &json!(true));
    let listed = app.get("/v1/products", &app.owner).await;
    assert_eq!(
        listed.at("/items"),
        &json!([]),
        "archived products are not listed"
    );
    let with_archived = app.get("/v1/products?archived=true", &app.owner).await;
    assert_eq!(with_archived.str("/items/0/id"), id);
}

#[tokio::test]
async fn co_1_a_product_with_faults_is_refused_field_by_field_and_only_by_admins() {
    let app = spawn_app().await;
    let staff = app
        .staff_token("staff", "sam@example.com", &[&app.main_site().await])
        .await;
    let unknown_type = "0193a000-0000-7000-8000-000000000001";

    let reply = app
        .post(
            "/v1/products",
            &app.owner,
            json!({ "name": " ", "kind": "gift_certificate", "value": "-5", "price": "10",
                    "currency": "USD", "appointment_type_ids": [unknown_type] }),
        )
        .await;

    reply.assert_problem(422);
    let mut fields = reply.problem_fields();
    fields.sort();
    assert_eq!(
        fields,
        ["appointment_type_ids", "currency", "name", "value"],
        "{:#}",
        reply.body
    );
    app.post(
        "/v1/products",
        &staff,
        json!({ "name": "Pack", "kind": "package", "appointments": 3, "price": "10" }),
    )
    .await
    .assert_problem(403);
}

#[tokio::test]
async fn co_3_a_sale_makes_one_order_and_one_unguessable_code_whatever_the_retries() {
    let app = spawn_app().await;
    let (_, package, _, _, ana) = ana_with_a_package(&app).await;
    let body = json!({ "product_id": package, "client_id": ana, "method": "manual",
                       "payment_type": "cash" });
    let send = || {
        app.client
            .post("/v1/orders")
            .header("authorization", format!("Bearer {}", app.owner))
            .header("Idempotency-Key", "sale-1")
            .body_json(&body)
            .send()
    };

    let first = Reply::of(send().await).await;
    let again = Reply::of(send().await).await;

    first.assert_status(201);
    assert_eq!(first.body, again.body, "a retry gets the same answer");
    let text = first.str("/code/text");
    assert_eq!(text.len(), 19, "16 characters in groups of four: {text}");
    assert!(
        text.chars()
            .all(|c| c == '-' || "23456789ABCDEFGHJKMNPQRSTUVWXYZ".contains(c))
    );
    assert_eq!(
        (
            first.at("/code/remaining_appointments"),
            first.at("/code/assigned_to")
        ),
        (&json!(5), &json!("ana@example.com")),
        "AC-10: a package is assigned to its buyer's email"
    );
    assert_eq!(first.at("/order/paid"), &json!("250.00"));
    let codes = app
        .get(&format!("/v1/clients/{ana}/codes"), &app.owner)
        .await;
    assert_eq!(
        codes.at("/items").as_array().map(Vec::len),
        Some(2),
        "the first sale and this one: {:#}",
        codes.body
    );
}

#[tokio::test]
async fn co_3_a_declined_card_sells_nothing() {
    let app = spawn_app().await;
    let (_, package, _, _, ana) = ana_with_a_package(&app).await;
    let card = app
        .post(
            &format!("/v1/clients/{ana}/cards"),
            &app.owner,
            json!({ "number": "4000 0000 0000 0002", "exp_month": 12, "exp_year": 2030, "cvc": "123" }),
        )
        .await
        .str("/id");

    app.post(
        "/v1/orders",
        &app.owner,
        json!({ "product_id": package, "client_id": ana, "method": "card", "payment_method_id": card }),
    )
    .await
    .assert_problem(422);

    let orders = app
        .get(&format!("/v1/orders?client_id={ana}"), &app.owner)
        .await;
    assert_eq!(orders.at("/items").as_array().map(Vec::len), Some(1));
}

#[tokio::test]
async fn co_9_co_12_a_booking_takes_one_appointment_and_its_cancellation_gives_it_back() {
    let app = spawn_app().await;
    let (massage, _, code_id, text, _) = ana_with_a_package(&app).await;
    let typed = text.to_lowercase().replace('-', " ");

    let booked = book(&app, &massage, "ana@example.com", &typed).await;

    booked.assert_status(201);
    assert_eq!(
        (
            booked.at("/appointment/covered"),
            booked.at("/appointment/payment_status"),
            booked.at("/appointment/code_id")
        ),
        (&json!("60.00"), &json!("paid"), &json!(code_id))
    );
    assert_eq!(
        code(&app, &code_id).await["remaining_appointments"],
        json!(4)
    );
    let appointment = booked.str("/appointment/id");
    app.post(
        &format!("/v1/appointments/{appointment}/cancel"),
        &app.owner,
        json!({ "version": booked.at("/appointment/version") }),
    )
    .await
    .assert_status(200);
    assert_eq!(
        code(&app, &code_id).await["remaining_appointments"],
        json!(5)
    );
    assert_eq!(
        ledger_reasons(&app, &code_id).await,
        [
            ("purchase".to_owned(), json!(5)),
            ("redemption".to_owned(), json!(-1)),
            ("give_back".to_owned(), json!(1)),
        ]
    );
}

#[tokio::test]
async fn co_9_a_money_certificate_pays_what_it_holds_and_leaves_the_rest_due() {
    let app = spawn_app().await;
    let massage = service(&app, "Massage", "60.00").await;
    let gift = product_id(
        &app,
        json!({ "name": "Gift 100", "kind": "gift_certificate", "value": "100.00", "price": "100.00" }),
    )
    .await;
    let giver = client(&app, "giver@example.com").await;
    let sold = sell(&app, &app.owner, &gift, &giver).await;
    sold.assert_status(201);
    assert_eq!(
        sold.at("/code/assigned_to"),
        &Value::Null,
        "a gift is given away"
    );
    let text = sold.str("/code/text");

    let first = book(&app, &massage, "friend@example.com", &text).await;
    let second = book(&app, &massage, "friend@example.com", &text).await;
    let third = book(&app, &massage, "friend@example.com", &text).await;

    first.assert_status(201);
    second.assert_status(201);
    assert_eq!(
        (
            second.at("/appointment/covered"),
            second.at("/appointment/payment_status")
        ),
        (&json!("40.00"), &json!("unpaid"))
    );
    let appointment = second.str("/appointment/id");
    let in_person = app
        .post(
            &format!("/v1/appointments/{appointment}/payments/in-person"),
            &app.owner,
            json!({}),
        )
        .await;
    in_person.assert_status(200);
    assert_eq!(
        in_person.at("/appointment/paid"),
        &json!("20.00"),
        "the difference"
    );
    third.assert_problem(409);
    assert_eq!(
        code(&app, &sold.str("/code/id")).await["remaining_value"],
        json!("0.00")
    );
}

#[tokio::test]
async fn co_9_co_11_a_code_is_refused_when_it_cannot_pay_and_nothing_is_booked() {
    let app = spawn_app().await;
    let (massage, package, code_id, text, ana) = ana_with_a_package(&app).await;
    let facial = service(&app, "Facial", "40.00").await;
    let other = app.other_business("Elsewhere").await;
    let bruno = client(&app, "bruno@example.com").await;
    let brunos = sell(&app, &app.owner, &package, &bruno)
        .await
        .str("/code/text");

    book(&app, &facial, "ana@example.com", &text)
        .await
        .assert_problem(409);
    book(&app, &massage, "ana@example.com", &brunos)
        .await
        .assert_problem(409);
    book(&app, &massage, "ana@example.com", "2222-2222-2222-2222")
        .await
        .assert_problem(422);
    book(&app, &massage, "ana@example.com", "not a code")
        .await
        .assert_problem(422);
    let other_kind = app
        .post(
            "/v1/appointment-types",
            &other,
            json!({ "name": "Massage", "duration_minutes": 60, "price": "60.00" }),
        )
        .await
        .str("/id");
    let elsewhere = app
        .post(
            "/v1/appointments",
            &other,
            json!({ "appointment_type_id": other_kind, "starts_at": "2027-01-10T09:00:00Z",
                    "client": { "email": "ana@example.com" }, "code": text }),
        )
        .await;
    elsewhere.assert_problem(422);
    let cancelled = app
        .post(
            &format!("/v1/codes/{code_id}/cancel"),
            &app.owner,
            json!({ "version": code(&app, &code_id).await["version"] }),
        )
        .await;
    cancelled.assert_status(200);
    book(&app, &massage, "ana@example.com", &text)
        .await
        .assert_problem(409);

    let appointments = app
        .get(&format!("/v1/clients/{ana}/card"), &app.owner)
        .await;
    assert_eq!(
        appointments.at("/appointments"),
        &json!([]),
        "nothing booked"
    );
    assert_eq!(
        code(&app, &code_id).await["remaining_appointments"],
        json!(5)
    );
}

#[tokio::test]
async fn co_5_an_edit_is_audited_and_one_that_would_break_a_renewal_is_refused() {
    let app = spawn_app().await;
    let (_, _, code_id, _, ana) = ana_with_a_package(&app).await;
    let monthly = product_id(
        &app,
        json!({ "name": "Monthly", "kind": "subscription", "appointments": 2,
                "period_unit": "month", "price": "90.00" }),
    )
    .await;
    app.post(
        "/v1/membership-types",
        &app.owner,
        json!({ "name": "Monthly", "rate": "90.00", "period_unit": "month",
                "payment_method": "manual", "appointments_product_id": monthly }),
    )
    .await
    .assert_status(201);
    let subscription = sell(&app, &app.owner, &monthly, &ana).await.str("/code/id");
    let version = code(&app, &code_id).await["version"].clone();

    let edited = app
        .patch(
            &format!("/v1/codes/{code_id}"),
            &app.owner,
            json!({ "version": version, "remaining": "7", "expires_on": "2027-06-30",
                    "assigned_to": "ana.lima@example.com" }),
        )
        .await;

    edited.assert_status(200);
    assert_eq!(
        (
            edited.at("/remaining_appointments"),
            edited.at("/expires_on"),
            edited.at("/assigned_to")
        ),
        (
            &json!(7),
            &json!("2027-06-30"),
            &json!("ana.lima@example.com")
        )
    );
    let audit = app
        .get(&format!("/v1/codes/{code_id}/audit"), &app.owner)
        .await;
    let changes: Vec<(String, Value, Value)> = audit
        .body
        .as_array()
        .expect("a list")
        .iter()
        .map(|c| {
            (
                c["field"].as_str().expect("field").to_owned(),
                c["old_value"].clone(),
                c["new_value"].clone(),
            )
        })
        .collect();
    assert_eq!(
        changes,
        [
            ("remaining".into(), json!("5"), json!("7")),
            ("expires_on".into(), Value::Null, json!("2027-06-30")),
            (
                "assigned_to".into(),
                json!("ana@example.com"),
                json!("ana.lima@example.com")
            ),
        ]
    );
    assert_eq!(
        ledger_reasons(&app, &code_id).await.last(),
        Some(&("staff_edit".to_owned(), json!(2)))
    );
    for bad in [json!("-1"), json!("two"), json!("1.5")] {
        app.patch(
            &format!("/v1/codes/{code_id}"),
            &app.owner,
            json!({ "version": edited.at("/version"), "remaining": bad }),
        )
        .await
        .assert_problem(422);
    }
    let renewal = app
        .patch(
            &format!("/v1/codes/{subscription}"),
            &app.owner,
            json!({ "version": code(&app, &subscription).await["version"], "expires_on": "2027-01-31" }),
        )
        .await;
    renewal.assert_problem(409);
    assert!(
        renewal.str("/detail").contains("renewal"),
        "{:#}",
        renewal.body
    );
}

#[tokio::test]
async fn co_4_ac_10_a_code_added_by_staff_has_no_order_and_can_be_assigned() {
    let app = spawn_app().await;
    let (_, package, _, _, _) = ana_with_a_package(&app).await;
    let staff = app
        .staff_token("staff", "sam@example.com", &[&app.main_site().await])
        .await;

    let given = app
        .post(
            "/v1/codes",
            &staff,
            json!({ "product_id": package, "assigned_to": "Desk.Gift@Example.com" }),
        )
        .await;

    given.assert_status(201);
    assert_eq!(
        (
            given.at("/order_id"),
            given.at("/client_id"),
            given.at("/assigned_to")
        ),
        (&Value::Null, &Value::Null, &json!("Desk.Gift@Example.com"))
    );
    assert_eq!(
        ledger_reasons(&app, &given.str("/id")).await,
        [("grant".to_owned(), json!(5))]
    );
    let found = app
        .post(
            "/v1/codes/lookup",
            &staff,
            json!({ "text": given.str("/text").to_lowercase() }),
        )
        .await;
    assert_eq!(found.str("/id"), given.str("/id"));
}

#[tokio::test]
async fn co_6_cancelling_an_order_cancels_its_code_and_refunds_it_for_owners_only() {
    let app = spawn_app().await;
    let (massage, package, cash_code, _, ana) = ana_with_a_package(&app).await;
    let card = app
        .post(
            &format!("/v1/clients/{ana}/cards"),
            &app.owner,
            json!({ "number": "4242 4242 4242 4242", "exp_month": 12, "exp_year": 2030, "cvc": "123" }),
        )
        .await
        .str("/id");
    let sold = app
        .post(
            "/v1/orders",
            &app.owner,
            json!({ "product_id": package, "client_id": ana, "method": "card", "payment_method_id": card }),
        )
        .await;
    sold.assert_status(201);
    let (order, text) = (sold.str("/order/id"), sold.str("/code/text"));
    let cash_order = code(&app, &cash_code).await["order_id"]
        .as_str()
        .expect("an order")
        .to_owned();
    let staff = app
        .staff_token("staff", "sam@example.com", &[&app.main_site().await])
        .await;

    app.post(
        &format!("/v1/orders/{order}/cancel"),
        &staff,
        json!({ "refund": true }),
    )
    .await
    .assert_problem(403);
    let no_cash_refund = app
        .post(
            &format!("/v1/orders/{cash_order}/cancel"),
            &app.owner,
            json!({ "refund": true }),
        )
        .await;
    let cancelled = app
        .post(
            &format!("/v1/orders/{order}/cancel"),
            &app.owner,
            json!({ "refund": true }),
        )
        .await;

    no_cash_refund.assert_problem(422);
    assert_eq!(
        code(&app, &cash_code).await["status"],
        json!("active"),
        "a refusal cancels nothing"
    );
    cancelled.assert_status(200);
    assert_eq!(
        (
            cancelled.at("/order/status"),
            cancelled.at("/order/refunded"),
            cancelled.at("/code/status")
        ),
        (&json!("cancelled"), &json!("250.00"), &json!("cancelled"))
    );
    book(&app, &massage, "ana@example.com", &text)
        .await
        .assert_problem(409);
    app.post(&format!("/v1/orders/{order}/cancel"), &app.owner, json!({}))
        .await
        .assert_problem(409);
}

#[tokio::test]
async fn co_8_orders_are_listed_with_filters_and_exported_without_codes_added_by_staff() {
    let app = spawn_app().await;
    let (_, package, _, _, ana) = ana_with_a_package(&app).await;
    let gift = product_id(
        &app,
        json!({ "name": "=HYPERLINK(\"x\")", "kind": "gift_certificate", "appointments": 1,
                "price": "60.00" }),
    )
    .await;
    let bruno = client(&app, "bruno@example.com").await;
    sell(&app, &app.owner, &gift, &bruno)
        .await
        .assert_status(201);
    app.post("/v1/codes", &app.owner, json!({ "product_id": package }))
        .await
        .assert_status(201);
    let (main, far) = (app.main_site().await, app.create_site("Far").await);
    let admin = app
        .staff_token("admin", "adi@example.com", &[&main, &far])
        .await;
    let staff = app.staff_token("staff", "sam@example.com", &[&main]).await;

    let gifts = app
        .get("/v1/orders?kind=gift_certificate", &app.owner)
        .await;
    let of_ana = app
        .get(&format!("/v1/orders?client_id={ana}"), &staff)
        .await;
    let of_package = app
        .get(&format!("/v1/orders?product_id={package}"), &app.owner)
        .await;
    let none_yet = app.get("/v1/orders?until=2020-01-01", &app.owner).await;

    assert_eq!(gifts.str("/items/0/client_email"), "bruno@example.com");
    assert_eq!(gifts.at("/items").as_array().map(Vec::len), Some(1));
    assert_eq!(of_ana.at("/items").as_array().map(Vec::len), Some(1));
    assert_eq!(of_package.str("/items/0/product_name"), "Five massages");
    assert_eq!(none_yet.at("/items"), &json!([]));
    app.get("/v1/orders", &staff).await.assert_problem(403);
    app.get("/v1/orders", &admin).await.assert_status(200);
    app.get("/v1/orders/export", &staff)
        .await
        .assert_problem(403);
    let export = app
        .client
        .get("/v1/orders/export")
        .header("authorization", format!("Bearer {admin}"))
        .send()
        .await;
    export.assert_status_is_ok();
    export.assert_content_type("text/csv; charset=utf-8");
    let csv = export.0.into_body().into_string().await.expect("text");
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(
        lines.len(),
        3,
        "a header and two orders, not the staff's code: {csv}"
    );
    assert!(lines[0].starts_with("order_id,ordered_at,status,client_id,"));
    assert!(
        lines[1].contains("\"'=HYPERLINK(\"\"x\"\")\""),
        "a formula is written as text: {}",
        lines[1]
    );
}

#[tokio::test]
async fn pl_16_codes_past_their_last_day_expire_once_with_a_ledger_entry() {
    let app = spawn_app().await;
    let (_, _, code_id, _, _) = ana_with_a_package(&app).await;
    app.patch(
        &format!("/v1/codes/{code_id}"),
        &app.owner,
        json!({ "version": code(&app, &code_id).await["version"], "expires_on": "2020-01-31" }),
    )
    .await
    .assert_status(200);

    let first = app.app.expire_codes(10).await.expect("a run");
    let second = app.app.expire_codes(10).await.expect("a run");

    assert_eq!((first, second), (1, 0));
    let expired = code(&app, &code_id).await;
    assert_eq!(
        (&expired["status"], &expired["remaining_appointments"]),
        (&json!("expired"), &json!(0))
    );
    assert_eq!(
        ledger_reasons(&app, &code_id).await.last(),
        Some(&("expiry".to_owned(), json!(-5)))
    );
}

/// 100 bookings at once with a 10-appointment code.
async fn race(app: &TestApp, kind: &str, text: &str, bookings: usize) -> (usize, Vec<String>) {
    let actor = app.app.authenticate(&app.owner).await.expect("owner");
    let kind: AppointmentTypeId = serde_json::from_value(json!(kind)).expect("an id");
    let mut tasks = JoinSet::new();
    for i in 0..bookings {
        let (use_cases, actor, text) = (app.app.clone(), actor.clone(), text.to_owned());
        tasks.spawn(async move {
            let input = BookingInput {
                appointment_type: kind,
                site: None,
                staff: None,
                starts_at: "2027-01-10T09:00:00Z".parse().expect("a time"),
                ends_at: None,
                client: BookingClientInput {
                    email: Some(format!("guest{i}@example.com")),
                    first_name: Some("Guest".into()),
                    last_name: Some(format!("{i}")),
                    ..BookingClientInput::default()
                },
                code: Some(text),
            };
            use_cases.book_appointment(&actor, &input, None).await
        });
    }
    let mut booked = 0;
    let mut refusals = Vec::new();
    for outcome in tasks.join_all().await {
        match outcome {
            Ok(_) => booked += 1,
            Err(AppointmentError::CodeRefused(why)) => refusals.push(why),
            Err(other) => panic!("a booking failed otherwise: {other:?}"),
        }
    }
    (booked, refusals)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn co_9_of_100_concurrent_bookings_with_a_10_appointment_code_exactly_10_succeed() {
    let app = spawn_app().await;
    let massage = service(&app, "Massage", "60.00").await;
    let gift = product_id(
        &app,
        json!({ "name": "Ten", "kind": "gift_certificate", "appointments": 10, "price": "500.00" }),
    )
    .await;
    let buyer = client(&app, "buyer@example.com").await;
    let sold = sell(&app, &app.owner, &gift, &buyer).await;

    let (booked, refusals) = race(&app, &massage, &sold.str("/code/text"), 100).await;

    assert_eq!((booked, refusals.len()), (10, 90));
    assert!(
        refusals.iter().all(|why| why.contains("nothing left")),
        "{refusals:?}"
    );
    let ledger = ledger_reasons(&app, &sold.str("/code/id")).await;
    let sum: i64 = ledger
        .iter()
        .map(|(_, d)| d.as_i64().expect("a count"))
        .sum();
    assert_eq!((ledger.len(), sum), (11, 0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn co_9_concurrent_partial_uses_never_overdraw_a_money_certificate() {
    let app = spawn_app().await;
    let massage = service(&app, "Massage", "60.00").await;
    let gift = product_id(&app, json!({ "name": "Gift 250", "kind": "gift_certificate", "value": "250.00", "price": "250.00" })).await;
    let buyer = client(&app, "buyer@example.com").await;
    let sold = sell(&app, &app.owner, &gift, &buyer).await;

    let (booked, _) = race(&app, &massage, &sold.str("/code/text"), 12).await;

    assert_eq!(booked, 5, "four full prices and one partial (10.00)");
    let left = code(&app, &sold.str("/code/id")).await;
    assert_eq!(left["remaining_value"], json!("0.00"));
}

#[tokio::test]
async fn cl_10_the_client_list_shows_who_holds_an_active_package_gift_or_subscription() {
    let app = spawn_app().await;
    let (_, _, code_id, _, ana) = ana_with_a_package(&app).await;
    let bruno = client(&app, "bruno@example.com").await;
    let gift = product_id(
        &app,
        json!({ "name": "Gift", "kind": "gift_certificate", "appointments": 1, "price": "60.00" }),
    )
    .await;
    sell(&app, &app.owner, &gift, &bruno)
        .await
        .assert_status(201);

    assert_eq!(holding(&app, "package").await, [ana]);
    assert_eq!(holding(&app, "gift_certificate").await, [bruno]);
    assert!(holding(&app, "subscription").await.is_empty());
    app.post(
        &format!("/v1/codes/{code_id}/cancel"),
        &app.owner,
        json!({ "version": code(&app, &code_id).await["version"] }),
    )
    .await
    .assert_status(200);
    assert!(
        holding(&app, "package").await.is_empty(),
        "a cancelled code is not held"
    );
}

async fn holding(app: &TestApp, kind: &str) -> Vec<String> {
    app.all_client_ids(&format!("/v1/clients?site=all&holding={kind}"), &app.owner)
        .await
}

#[tokio::test]
async fn co_2_co_7_a_product_edit_changes_what_its_codes_cover_never_their_balance() {
    let app = spawn_app().await;
    let (massage, package, code_id, text, _) = ana_with_a_package(&app).await;
    let facial = service(&app, "Facial", "40.00").await;
    book(&app, &massage, "ana@example.com", &text)
        .await
        .assert_status(201);
    book(&app, &facial, "ana@example.com", &text)
        .await
        .assert_problem(409);
    let stored = app
        .get(&format!("/v1/products/{package}"), &app.owner)
        .await;

    app.put(
        &format!("/v1/products/{package}"),
        &app.owner,
        json!({ "version": stored.at("/version"), "name": "Five treatments", "kind": "package",
                "appointments": 8, "price": "200.00" }),
    )
    .await
    .assert_status(200);

    assert_eq!(
        code(&app, &code_id).await["remaining_appointments"],
        json!(4)
    );
    let facial_booked = book(&app, &facial, "ana@example.com", &text).await;
    facial_booked.assert_status(201);
    assert_eq!(facial_booked.at("/appointment/covered"), &json!("40.00"));
    let active = app
        .get(&format!("/v1/products/{package}/codes"), &app.owner)
        .await;
    active.assert_status(200);
    assert_eq!(
        (
            active.str("/items/0/id"),
            active.at("/items/0/remaining_appointments")
        ),
        (code_id, &json!(3))
    );
}

/// The event types of the deliveries an endpoint has, sorted.
async fn delivered_types(app: &TestApp, endpoint: &str) -> Vec<String> {
    let log = app
        .get(
            &format!("/v1/webhook-endpoints/{endpoint}/deliveries"),
            &app.owner,
        )
        .await;
    log.assert_status(200);
    let mut types: Vec<String> = log
        .at("/items")
        .as_array()
        .expect("deliveries")
        .iter()
        .map(|d| d["event_type"].as_str().expect("a type").to_owned())
        .collect();
    types.sort();
    types
}

#[tokio::test]
async fn co_9_pl_24_a_booking_with_a_code_sends_code_redeemed_and_appointment_booked_to_who_wants_them()
 {
    let app = crate::helpers::spawn_app_for_webhooks().await;
    let (massage, _, _, text, _) = ana_with_a_package(&app).await;
    let mut endpoints = Vec::new();
    for events in [
        json!(["code.redeemed", "appointment.booked"]),
        json!(["appointment.booked"]),
        json!(["client.created"]),
    ] {
        let made = app
            .post(
                "/v1/webhook-endpoints",
                &app.owner,
                json!({ "url": "https://hooks.example.com/in", "events": events }),
            )
            .await;
        made.assert_status(201);
        endpoints.push(made.str("/endpoint/id"));
    }

    book(&app, &massage, "ana@example.com", &text)
        .await
        .assert_status(201);

    assert_eq!(
        delivered_types(&app, &endpoints[0]).await,
        ["appointment.booked", "code.redeemed"]
    );
    assert_eq!(
        delivered_types(&app, &endpoints[1]).await,
        ["appointment.booked"]
    );
    assert!(delivered_types(&app, &endpoints[2]).await.is_empty());
}
