//! AC-7, AC-9, AC-12, AP-3, ME-12: what a client account changes itself (its
//! appointments within the business's notice, its memberships), and staff's assignment
//! of appointments to accounts.

use chrono::{Duration, SecondsFormat, Utc};
use serde_json::json;

use crate::accounts::{seen, staff_book, token_in_email, verified_session};
use crate::helpers::{TestApp, spawn_app};

/// An instant `hours` from the real now (the API's clock), as RFC 3339.
fn in_hours(hours: i64) -> String {
    (Utc::now() + Duration::hours(hours)).to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// Ana's verified account (signed up from the confirmation of a booking staff made for
/// her): its session.
async fn ana(t: &TestApp, at: &str) -> (String, String) {
    let booked = staff_book(t, "ana@example.com", at).await;
    let link = token_in_email(t, "booking_confirmation", "ana@example.com")
        .await
        .expect("a sign-up link");
    (verified_session(t, &link, "ana@example.com").await, booked)
}

fn version_of(reply: &crate::helpers::Reply) -> serde_json::Value {
    reply.at("/version").clone()
}

#[tokio::test]
async fn ap_3_ac_7_an_account_reschedules_and_cancels_its_appointments_until_the_notice() {
    let t = spawn_app().await;
    let (session, first) = ana(&t, &in_hours(72)).await;
    let soon = staff_book(&t, "ana@example.com", &in_hours(5)).await;
    let bea = staff_book(&t, "bea@example.com", &in_hours(72)).await;
    assert_eq!(seen(&t, &session).await.len(), 2);
    let mine = t.get("/v1/me/appointments", &session).await;
    let version = mine
        .at("/items")
        .as_array()
        .expect("items")
        .iter()
        .find(|a| a["id"] == json!(first))
        .map(|a| a["version"].clone())
        .expect("the first appointment");

    // Reschedule, two days further: the end follows the service's duration.
    let moved = t
        .post(
            &format!("/v1/me/appointments/{first}/reschedule"),
            &session,
            json!({ "version": version, "starts_at": in_hours(120) }),
        )
        .await;
    moved.assert_status(200);
    let staff_view = t.get(&format!("/v1/appointments/{first}"), &t.owner).await;
    assert_eq!(staff_view.at("/starts_at"), moved.at("/starts_at"));
    assert_eq!(staff_view.at("/version"), moved.at("/version"));

    // Within the notice (24 hours by default), before or after: refused, unchanged.
    t.post(
        &format!("/v1/me/appointments/{first}/reschedule"),
        &session,
        json!({ "version": version_of(&moved), "starts_at": in_hours(3) }),
    )
    .await
    .assert_problem(409);
    let soon_version = t
        .get(&format!("/v1/appointments/{soon}"), &t.owner)
        .await
        .at("/version")
        .clone();
    t.post(
        &format!("/v1/me/appointments/{soon}/cancel"),
        &session,
        json!({ "version": soon_version }),
    )
    .await
    .assert_problem(409);
    // A stale version, and another client's appointment (not found, as if absent).
    t.post(
        &format!("/v1/me/appointments/{first}/cancel"),
        &session,
        json!({ "version": version }),
    )
    .await
    .assert_problem(409);
    t.post(
        &format!("/v1/me/appointments/{bea}/cancel"),
        &session,
        json!({ "version": 1 }),
    )
    .await
    .assert_problem(404);

    // With a notice of 2 hours, the appointment in 5 hours can be cancelled; the
    // cancellation is emailed.
    let business = t.get("/v1/business", &t.owner).await;
    assert_eq!(business.at("/client_change_notice_hours"), &json!(24));
    t.patch(
        "/v1/business",
        &t.owner,
        json!({ "version": version_of(&business), "client_change_notice_hours": 9000 }),
    )
    .await
    .assert_problem(400);
    t.patch(
        "/v1/business",
        &t.owner,
        json!({ "version": version_of(&business), "client_change_notice_hours": 2 }),
    )
    .await
    .assert_status(200);
    let cancelled = t
        .post(
            &format!("/v1/me/appointments/{soon}/cancel"),
            &session,
            json!({ "version": soon_version }),
        )
        .await;
    cancelled.assert_status(200);
    assert_eq!(cancelled.at("/status"), &json!("cancelled"));
    let emails = t.get("/v1/emails", &t.owner).await;
    assert!(
        emails
            .at("/items")
            .as_array()
            .expect("items")
            .iter()
            .any(|e| e["kind"] == json!("cancellation") && e["to"] == json!("ana@example.com")),
        "the cancellation is emailed"
    );
    // Cancelled: nothing more to change.
    t.post(
        &format!("/v1/me/appointments/{soon}/reschedule"),
        &session,
        json!({ "version": cancelled.at("/version"), "starts_at": in_hours(200) }),
    )
    .await
    .assert_problem(409);
}

#[tokio::test]
async fn ac_9_ac_12_staff_assign_one_appointment_and_assign_all_only_to_the_one_account() {
    let t = spawn_app().await;
    let (session, first) = ana(&t, &in_hours(72)).await;
    // A client with another email: her bookings are assigned to no account.
    let other = staff_book(&t, "ana.silva@example.com", &in_hours(80)).await;
    let second = staff_book(&t, "ana.silva@example.com", &in_hours(90)).await;
    let view = t.get(&format!("/v1/appointments/{other}"), &t.owner).await;
    assert!(view.body.get("account_id").is_none(), "AC-12: no account");
    let client = view.str("/client_id");
    let account = t.get("/v1/me/account", &session).await.str("/id");
    assert_eq!(
        t.get(&format!("/v1/appointments/{first}"), &t.owner)
            .await
            .str("/account_id"),
        account,
        "AC-12: the account shows on the appointment"
    );

    // Assign all before any is assigned: 409, and nothing changes.
    let all = format!("/v1/clients/{client}/appointments/account");
    let refused = t
        .post(&all, &t.owner, json!({ "email": "ana@example.com" }))
        .await;
    refused.assert_problem(409);
    assert!(refused.str("/detail").contains("assign one first"));
    // Unknown account: 422 on `email`.
    let unknown = t
        .put(
            &format!("/v1/appointments/{other}/account"),
            &t.owner,
            json!({ "version": view.at("/version"), "email": "nobody@example.com" }),
        )
        .await;
    unknown.assert_problem(422);
    assert_eq!(unknown.problem_fields(), ["email"]);

    // Assign one, then all: the account sees the three.
    let assigned = t
        .put(
            &format!("/v1/appointments/{other}/account"),
            &t.owner,
            json!({ "version": view.at("/version"), "email": "ANA@example.com" }),
        )
        .await;
    assigned.assert_status(200);
    assert_eq!(assigned.str("/account_id"), account);
    let done = t
        .post(&all, &t.owner, json!({ "email": "ana@example.com" }))
        .await;
    done.assert_status(200);
    assert_eq!(done.at("/assigned"), &json!(1));
    let mut expected = vec![first.clone(), other.clone(), second.clone()];
    expected.sort();
    assert_eq!(seen(&t, &session).await, expected);

    // Another account on one of them: assign all is refused, naming why.
    let bea_booking = staff_book(&t, "bea@example.com", &in_hours(100)).await;
    let link = token_in_email(&t, "booking_confirmation", "bea@example.com")
        .await
        .expect("a link");
    let bea = verified_session(&t, &link, "bea@example.com").await;
    let _ = bea_booking;
    let current = t.get(&format!("/v1/appointments/{second}"), &t.owner).await;
    t.put(
        &format!("/v1/appointments/{second}/account"),
        &t.owner,
        json!({ "version": current.at("/version"), "email": "bea@example.com" }),
    )
    .await
    .assert_status(200);
    assert!(seen(&t, &bea).await.contains(&second));
    let spanning = t
        .post(&all, &t.owner, json!({ "email": "ana@example.com" }))
        .await;
    spanning.assert_problem(409);
    assert!(spanning.str("/detail").contains("more than one account"));

    // Unassigned: no account sees it any more.
    let current = t.get(&format!("/v1/appointments/{second}"), &t.owner).await;
    let cleared = t
        .put(
            &format!("/v1/appointments/{second}/account"),
            &t.owner,
            json!({ "version": current.at("/version") }),
        )
        .await;
    cleared.assert_status(200);
    assert!(cleared.body.get("account_id").is_none());
    assert!(!seen(&t, &bea).await.contains(&second));
}

#[tokio::test]
async fn me_12_ac_7_an_account_manages_the_memberships_of_its_verified_email() {
    let t = spawn_app().await;
    let (session, booked) = ana(&t, &in_hours(72)).await;
    let client = t
        .get(&format!("/v1/appointments/{booked}"), &t.owner)
        .await
        .str("/client_id");
    let kind = crate::billing::membership_type(&t, "card").await;
    t.post(
        &format!("/v1/clients/{client}/cards"),
        &t.owner,
        json!({ "number": crate::billing::SUCCEEDS, "exp_month": 12, "exp_year": 2099,
                "cvc": "123" }),
    )
    .await
    .assert_status(201);
    let today = Utc::now().date_naive().to_string();
    let membership = t
        .post(
            "/v1/memberships",
            &t.owner,
            json!({ "client_id": client, "type_id": kind, "start_date": today,
                    "payment_method": "card" }),
        )
        .await;
    membership.assert_status(201);
    let id = membership.str("/id");
    // Someone else's membership.
    let others =
        crate::billing::card_membership(&t, &kind, crate::billing::SUCCEEDS, json!({})).await;

    let mine = t.get("/v1/me/memberships", &session).await;
    mine.assert_status(200);
    let ids: Vec<&str> = mine
        .at("/items")
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|m| m["id"].as_str())
        .collect();
    assert_eq!(ids, [id.as_str()]);
    assert_eq!(mine.at("/items/0/type_name"), &json!("Gold"));
    assert!(mine.body["items"][0].get("client_id").is_none());
    t.get(&format!("/v1/me/memberships/{id}/charges"), &session)
        .await
        .assert_status(200);
    t.get(&format!("/v1/me/memberships/{others}"), &session)
        .await
        .assert_problem(404);
    t.post(
        &format!("/v1/me/memberships/{others}/cancel"),
        &session,
        json!({}),
    )
    .await
    .assert_problem(404);

    let cancelled = t
        .post(
            &format!("/v1/me/memberships/{id}/cancel"),
            &session,
            json!({}),
        )
        .await;
    cancelled.assert_status(200);
    assert_eq!(cancelled.at("/status"), &json!("cancelled"));
    let staff = t.get(&format!("/v1/memberships/{id}"), &t.owner).await;
    assert_eq!(staff.at("/status"), &json!("cancelled"));
    let back = t
        .post(
            &format!("/v1/me/memberships/{id}/reactivate"),
            &session,
            json!({}),
        )
        .await;
    back.assert_status(200);
    assert_eq!(back.at("/status"), &json!("active"));
    let others_status = t.get(&format!("/v1/memberships/{others}"), &t.owner).await;
    assert_eq!(others_status.at("/status"), &json!("active"));
}

#[tokio::test]
async fn ac_8_a_ac_11_ac_12_a_client_books_logged_in_for_their_profile_which_gets_the_check_mark() {
    let t = spawn_app().await;
    let (session, first) = ana(&t, &in_hours(72)).await;
    let profile = t
        .get(&format!("/v1/appointments/{first}"), &t.owner)
        .await
        .str("/client_id");
    let marked = || t.all_client_ids("/v1/clients?site=all&has_account=true", &t.owner);
    assert!(
        !marked().await.contains(&profile),
        "no booking logged in yet"
    );

    // AC-11: the profile's details prefill the booking, with its stored card.
    t.post(
        &format!("/v1/clients/{profile}/cards"),
        &t.owner,
        json!({ "number": crate::billing::SUCCEEDS, "exp_month": 12, "exp_year": 2099,
                "cvc": "123" }),
    )
    .await
    .assert_status(201);
    let autofill = t.get("/v1/me/autofill", &session).await;
    autofill.assert_status(200);
    assert_eq!(autofill.at("/email"), &json!("ana@example.com"));
    assert_eq!(autofill.at("/first_name"), &json!("Ana"));
    assert_eq!(autofill.at("/last_name"), &json!("Silva"));
    assert_eq!(autofill.at("/cards/0/last4"), &json!("4242"));

    // AC-8 a: booked logged in, for that profile, assigned to the account.
    let service = t.create_service("Facial").await;
    let booked = t
        .post(
            "/v1/me/appointments",
            &session,
            json!({ "appointment_type_id": service, "starts_at": in_hours(96) }),
        )
        .await;
    booked.assert_status(201);
    let id = booked.str("/id");
    let staff_view = t.get(&format!("/v1/appointments/{id}"), &t.owner).await;
    assert_eq!(staff_view.str("/client_id"), profile);
    let account = t.get("/v1/me/account", &session).await.str("/id");
    assert_eq!(staff_view.str("/account_id"), account);
    assert!(seen(&t, &session).await.contains(&id));
    // AC-12, CL-10: the profile now has the check mark and the filter finds it.
    assert!(marked().await.contains(&profile));
    let emails = t.get("/v1/emails", &t.owner).await;
    let confirmations = (emails.at("/items").as_array().expect("items").iter())
        .filter(|e| e["kind"] == json!("booking_confirmation"))
        .count();
    assert_eq!(confirmations, 2, "the booking logged in is confirmed too");

    // Bad bookings: an unknown service, a start before its end… nothing is booked.
    t.post(
        "/v1/me/appointments",
        &session,
        json!({ "appointment_type_id": uuid::Uuid::nil(), "starts_at": in_hours(96) }),
    )
    .await
    .assert_problem(422);
    t.post(
        "/v1/me/appointments",
        &session,
        json!({ "appointment_type_id": service, "starts_at": in_hours(96),
                "site_id": uuid::Uuid::nil() }),
    )
    .await
    .assert_problem(422);
    assert_eq!(seen(&t, &session).await.len(), 2);
}

#[tokio::test]
async fn ac_8_a_an_account_whose_email_has_no_profile_books_for_a_new_one_once_verified() {
    let t = spawn_app().await;
    staff_book(&t, "zoe@example.com", &in_hours(72)).await;
    let link = token_in_email(&t, "booking_confirmation", "zoe@example.com")
        .await
        .expect("a sign-up link");
    // The login need not be the booking's email (AC-1): unverified, it books nothing.
    crate::accounts::sign_up(&t, &link, "zoe.lima@example.com").await;
    let business = crate::accounts::business_id(&t).await;
    let unverified = crate::accounts::log_in(
        &t,
        &business,
        "zoe.lima@example.com",
        "correct horse battery",
    )
    .await
    .str("/token");
    let service = t.create_service("Facial").await;
    let booking = json!({ "appointment_type_id": service, "starts_at": in_hours(96),
                          "first_name": "Zoé", "last_name": "Lima", "phone": "+33 6 12 34 56 78" });
    t.post("/v1/me/appointments", &unverified, booking.clone())
        .await
        .assert_problem(403);
    t.get("/v1/me/autofill", &unverified)
        .await
        .assert_problem(403);

    let verify = token_in_email(&t, "account_verification", "zoe.lima@example.com")
        .await
        .expect("a verification link");
    crate::accounts::post_open(&t, "/v1/account/verify", json!({ "token": verify }))
        .await
        .assert_status(200);
    let autofill = t.get("/v1/me/autofill", &unverified).await;
    assert!(autofill.body.get("first_name").is_none(), "no profile yet");
    let booked = t.post("/v1/me/appointments", &unverified, booking).await;
    booked.assert_status(201);
    let client = t
        .get(&format!("/v1/appointments/{}", booked.str("/id")), &t.owner)
        .await
        .str("/client_id");
    let profile = t.get(&format!("/v1/clients/{client}"), &t.owner).await;
    assert_eq!(profile.at("/email"), &json!("zoe.lima@example.com"));
    assert_eq!(profile.at("/first_name"), &json!("Zoé"));
    assert_eq!(profile.at("/has_account"), &json!(true));
}
