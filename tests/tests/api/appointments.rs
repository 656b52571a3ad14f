//! AP-1 to AP-5 and CL-20: services, booking, rescheduling, cancelling, attendance, bans.

use serde_json::{Value, json};

use crate::helpers::{TestApp, spawn_app};

const START: &str = "2026-12-01T09:00:00Z";

async fn massage(app: &TestApp) -> String {
    let reply = app
        .post(
            "/v1/appointment-types",
            &app.owner,
            json!({ "name": "Massage", "duration_minutes": 60, "price": "60.00" }),
        )
        .await;
    reply.assert_status(201);
    reply.str("/id")
}

async fn book(app: &TestApp, kind: &str, client: Value) -> crate::helpers::Reply {
    app.post(
        "/v1/appointments",
        &app.owner,
        json!({ "appointment_type_id": kind, "starts_at": START, "client": client }),
    )
    .await
}

async fn emails(app: &TestApp) -> Vec<Value> {
    let reply = app.get("/v1/emails", &app.owner).await;
    reply.assert_status(200);
    reply.at("/items").as_array().cloned().unwrap_or_default()
}

#[tokio::test]
async fn ap_1_a_service_has_a_duration_and_a_price_in_the_business_currency() {
    let app = spawn_app().await;

    let created = app
        .post(
            "/v1/appointment-types",
            &app.owner,
            json!({ "name": "Facial", "duration_minutes": 45, "price": "49.90" }),
        )
        .await;
    let bad = app
        .post(
            "/v1/appointment-types",
            &app.owner,
            json!({ "name": " ", "duration_minutes": 0, "price": "-5", "currency": "XXX1" }),
        )
        .await;

    created.assert_status(201);
    assert_eq!(created.at("/price"), &json!("49.90"));
    assert_eq!(created.at("/currency"), &json!("EUR"));
    assert_eq!(created.at("/duration_minutes"), &json!(45));
    bad.assert_problem(422);
    assert_eq!(
        bad.problem_fields(),
        ["name", "duration_minutes", "currency"]
    );
}

#[tokio::test]
async fn pl_13_staff_may_not_change_the_service_catalogue() {
    let app = spawn_app().await;
    let site = app.main_site().await;
    let staff = app.staff_token("staff", "s@example.com", &[&site]).await;

    let reply = app
        .post(
            "/v1/appointment-types",
            &staff,
            json!({ "name": "Facial", "duration_minutes": 45, "price": "49.90" }),
        )
        .await;

    reply.assert_problem(403);
}

#[tokio::test]
async fn ap_2_cl_2_booking_by_email_creates_the_client_once_and_queues_a_confirmation() {
    let app = spawn_app().await;
    let kind = massage(&app).await;

    let first = book(
        &app,
        &kind,
        json!({ "email": "ana@example.com", "first_name": "Ana", "last_name": "Silva" }),
    )
    .await;
    let second = book(&app, &kind, json!({ "email": "  ANA@Example.com " })).await;

    first.assert_status(201);
    assert_eq!(first.at("/client_created"), &json!(true));
    assert_eq!(first.at("/confirmation_queued"), &json!(true));
    assert_eq!(
        first.at("/appointment/ends_at"),
        &json!("2026-12-01T10:00:00+00:00")
    );
    assert_eq!(first.at("/appointment/price"), &json!("60.00"));
    assert_eq!(first.at("/appointment/payment_status"), &json!("unpaid"));
    assert_eq!(first.at("/appointment/attendance"), &json!("booked"));
    second.assert_status(201);
    assert_eq!(second.at("/client_created"), &json!(false));
    assert_eq!(second.at("/client/id"), first.at("/client/id"));
    assert_eq!(app.all_client_ids("/v1/clients", &app.owner).await.len(), 1);
    let sent = emails(&app).await;
    assert_eq!(sent.len(), 2);
    assert_eq!(sent[0]["kind"], "booking_confirmation");
    assert_eq!(sent[0]["to"], "ana@example.com");
    assert_eq!(sent[0]["status"], "pending");
    assert!(sent[0]["text"].as_str().unwrap_or("").contains("Massage"));
}

#[tokio::test]
async fn ap_2_a_booking_that_ends_before_it_starts_is_refused_and_nothing_is_stored() {
    let app = spawn_app().await;
    let kind = massage(&app).await;

    let reply = app
        .post(
            "/v1/appointments",
            &app.owner,
            json!({
                "appointment_type_id": kind,
                "starts_at": START,
                "ends_at": START,
                "client": { "email": "ana@example.com", "first_name": "Ana", "last_name": "Silva" },
            }),
        )
        .await;

    reply.assert_problem(422);
    assert_eq!(reply.problem_fields(), ["ends_at"]);
    assert!(
        app.all_client_ids("/v1/clients", &app.owner)
            .await
            .is_empty()
    );
    assert!(emails(&app).await.is_empty());
}

#[tokio::test]
async fn ap_2_unknown_services_staff_clients_and_incomplete_new_clients_are_refused() {
    let app = spawn_app().await;
    let kind = massage(&app).await;
    let unknown = uuid::Uuid::now_v7().to_string();

    let no_type = book(
        &app,
        &unknown,
        json!({ "email": "a@example.com", "first_name": "A", "last_name": "B" }),
    )
    .await;
    let no_client = book(&app, &kind, json!({ "client_id": unknown })).await;
    let nameless = book(&app, &kind, json!({ "email": "new@example.com" })).await;
    let nobody = book(&app, &kind, json!({})).await;
    let no_staff = app
        .post(
            "/v1/appointments",
            &app.owner,
            json!({ "appointment_type_id": kind, "starts_at": START, "staff_id": unknown,
                    "client": { "email": "a@example.com", "first_name": "A", "last_name": "B" } }),
        )
        .await;

    no_type.assert_problem(422);
    assert_eq!(no_type.problem_fields(), ["appointment_type_id"]);
    no_client.assert_problem(422);
    nameless.assert_problem(422);
    assert_eq!(
        nameless.problem_fields(),
        ["client.first_name", "client.last_name"]
    );
    nobody.assert_problem(422);
    no_staff.assert_problem(422);
    assert_eq!(no_staff.problem_fields(), ["staff_id"]);
    assert!(
        app.all_client_ids("/v1/clients", &app.owner)
            .await
            .is_empty()
    );
}

#[tokio::test]
async fn cl_20_banned_email_cannot_book_until_unbanned_and_both_are_audited() {
    let app = spawn_app().await;
    let kind = massage(&app).await;
    let client = app
        .create_client(
            &app.owner,
            json!({ "first_name": "Ana", "last_name": "Silva", "email": "Ana@Example.com" }),
        )
        .await;
    let id = client["id"].as_str().expect("id").to_owned();
    let booked = book(&app, &kind, json!({ "client_id": id })).await;
    booked.assert_status(201);

    app.post(&format!("/v1/clients/{id}/ban"), &app.owner, json!({}))
        .await
        .assert_status(200);
    let by_email = book(&app, &kind, json!({ "email": "  ana@EXAMPLE.com " })).await;
    let by_id = book(&app, &kind, json!({ "client_id": id })).await;
    let existing = app
        .get(
            &format!("/v1/appointments/{}", booked.str("/appointment/id")),
            &app.owner,
        )
        .await;

    by_email.assert_problem(422);
    assert!(by_email.str("/detail").contains("banned"));
    by_id.assert_problem(422);
    assert_eq!(existing.at("/status"), &json!("scheduled"));

    app.post(&format!("/v1/clients/{id}/unban"), &app.owner, json!({}))
        .await
        .assert_status(200);
    book(&app, &kind, json!({ "email": "ana@example.com" }))
        .await
        .assert_status(201);
    let audit = app
        .get(&format!("/v1/clients/{id}/audit"), &app.owner)
        .await;
    let actions: Vec<&str> = audit
        .body
        .as_array()
        .expect("entries")
        .iter()
        .filter_map(|e| e["action"].as_str())
        .collect();
    assert_eq!(actions, ["unbanned", "banned"]);
}

#[tokio::test]
async fn cl_20_staff_may_not_ban() {
    let app = spawn_app().await;
    let site = app.main_site().await;
    let staff = app.staff_token("staff", "s@example.com", &[&site]).await;
    let client = app
        .create_client(
            &app.owner,
            json!({ "first_name": "Ana", "last_name": "Silva" }),
        )
        .await;

    let reply = app
        .post(
            &format!("/v1/clients/{}/ban", client["id"].as_str().expect("id")),
            &staff,
            json!({}),
        )
        .await;

    reply.assert_problem(403);
}

#[tokio::test]
async fn ap_3_an_appointment_is_rescheduled_and_cancelled_based_on_its_version() {
    let app = spawn_app().await;
    let kind = massage(&app).await;
    let booked = book(
        &app,
        &kind,
        json!({ "email": "ana@example.com", "first_name": "Ana", "last_name": "Silva" }),
    )
    .await;
    let path = format!("/v1/appointments/{}", booked.str("/appointment/id"));

    let moved = app
        .post(
            &format!("{path}/reschedule"),
            &app.owner,
            json!({ "version": 1, "starts_at": "2026-12-02T14:30:00Z" }),
        )
        .await;
    let stale = app
        .post(
            &format!("{path}/cancel"),
            &app.owner,
            json!({ "version": 1 }),
        )
        .await;
    let cancelled = app
        .post(
            &format!("{path}/cancel"),
            &app.owner,
            json!({ "version": 2, "notify_client": true }),
        )
        .await;
    let again = app
        .post(
            &format!("{path}/cancel"),
            &app.owner,
            json!({ "version": 3 }),
        )
        .await;
    let move_cancelled = app
        .post(
            &format!("{path}/reschedule"),
            &app.owner,
            json!({ "version": 3, "starts_at": START }),
        )
        .await;

    moved.assert_status(200);
    assert_eq!(moved.at("/ends_at"), &json!("2026-12-02T15:30:00+00:00"));
    stale.assert_problem(409);
    cancelled.assert_status(200);
    assert_eq!(cancelled.at("/status"), &json!("cancelled"));
    again.assert_problem(409);
    move_cancelled.assert_problem(409);
    let kinds: Vec<Value> = emails(&app)
        .await
        .iter()
        .map(|e| e["kind"].clone())
        .collect();
    assert_eq!(
        kinds,
        [json!("cancellation"), json!("booking_confirmation")]
    );
}

#[tokio::test]
async fn ap_4_attendance_is_set_corrected_recorded_and_refused_on_a_cancelled_appointment() {
    let app = spawn_app().await;
    let kind = massage(&app).await;
    let booked = book(
        &app,
        &kind,
        json!({ "email": "ana@example.com", "first_name": "Ana", "last_name": "Silva" }),
    )
    .await;
    let path = format!("/v1/appointments/{}", booked.str("/appointment/id"));

    let checked_in = app
        .put(
            &format!("{path}/attendance"),
            &app.owner,
            json!({ "attendance": "checked_in" }),
        )
        .await;
    let corrected = app
        .put(
            &format!("{path}/attendance"),
            &app.owner,
            json!({ "attendance": "no_show" }),
        )
        .await;
    let history = app.get(&format!("{path}/attendance"), &app.owner).await;

    checked_in.assert_status(200);
    assert_eq!(checked_in.at("/attendance"), &json!("checked_in"));
    assert_eq!(corrected.at("/attendance"), &json!("no_show"));
    let changes: Vec<(Value, Value)> = history
        .body
        .as_array()
        .expect("changes")
        .iter()
        .map(|c| (c["from"].clone(), c["to"].clone()))
        .collect();
    assert_eq!(
        changes,
        [
            (json!("booked"), json!("checked_in")),
            (json!("checked_in"), json!("no_show")),
        ]
    );
    let version = corrected.at("/version").clone();
    app.post(
        &format!("{path}/cancel"),
        &app.owner,
        json!({ "version": version }),
    )
    .await
    .assert_status(200);
    app.put(
        &format!("{path}/attendance"),
        &app.owner,
        json!({ "attendance": "checked_in" }),
    )
    .await
    .assert_problem(409);
}

#[tokio::test]
async fn pl_26_pl_14_appointments_stay_within_their_business_and_sites() {
    let app = spawn_app().await;
    let kind = massage(&app).await;
    let booked = book(
        &app,
        &kind,
        json!({ "email": "ana@example.com", "first_name": "Ana", "last_name": "Silva" }),
    )
    .await;
    let path = format!("/v1/appointments/{}", booked.str("/appointment/id"));
    let other = app.other_business("Other").await;
    let annex = app.create_site("Annex").await;
    let annex_staff = app.staff_token("staff", "s@example.com", &[&annex]).await;

    app.get(&path, &other).await.assert_problem(404);
    app.get(&format!("/v1/appointment-types/{kind}"), &other)
        .await
        .assert_problem(404);
    app.post(
        "/v1/appointments",
        &other,
        json!({ "appointment_type_id": kind, "starts_at": START,
                "client": { "email": "x@example.com", "first_name": "X", "last_name": "Y" } }),
    )
    .await
    .assert_problem(422);
    // An appointment at another site answers as absent: its existence is not revealed.
    app.get(&path, &annex_staff).await.assert_problem(404);
    assert!(
        app.get("/v1/emails", &other)
            .await
            .at("/items")
            .as_array()
            .is_some_and(Vec::is_empty)
    );
}
