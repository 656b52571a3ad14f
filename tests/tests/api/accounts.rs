//! AC-1 to AC-6, PL-15: a client signs up from a booking confirmation, verifies their
//! email, logs in and out; what is refused, and that nothing tells whether an email has
//! an account.

use serde_json::{Value, json};

use clientele_application::accounts::AccountError;

use crate::dump::every_row;
use crate::helpers::{Reply, TestApp, spawn_app};

/// The value of `token=` in the newest outbox email of `kind` to `to`, read under the
/// API (staff see these links without their token).
pub(crate) async fn token_in_email(t: &TestApp, kind: &str, to: &str) -> Option<String> {
    let rows = every_row(&t.storage).await;
    rows.iter()
        .filter(|(table, row)| table == "outbox_emails" && row.contains(kind) && row.contains(to))
        .filter_map(|(_, row)| {
            let start = row.find("token=")? + "token=".len();
            let token: String = row[start..]
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-'))
                .collect();
            Some(token)
        })
        .next_back()
}

/// A booking for a new client with `email`: the sign-up token of its confirmation.
pub(crate) async fn booked(t: &TestApp, email: &str, at: &str) -> String {
    let service = t.create_service(&format!("Massage {at}")).await;
    let reply = t
        .post(
            "/v1/appointments",
            &t.owner,
            json!({ "appointment_type_id": service, "starts_at": at,
                    "client": { "email": email, "first_name": "Ana", "last_name": "Silva" } }),
        )
        .await;
    reply.assert_status(201);
    token_in_email(t, "booking_confirmation", email)
        .await
        .expect("a sign-up link in the confirmation")
}

pub(crate) fn sign_up_body(token: &str, email: &str, password: &str) -> Value {
    json!({ "token": token, "email": email, "password": password,
            "terms_version": "2026-01", "privacy_version": "v3" })
}

pub(crate) async fn business_id(t: &TestApp) -> String {
    t.get("/v1/business", &t.owner).await.str("/id")
}

pub(crate) async fn log_in(t: &TestApp, business: &str, email: &str, password: &str) -> Reply {
    t.call(
        poem::http::Method::POST,
        "/v1/account/login",
        None,
        Some(json!({ "business_id": business, "email": email, "password": password })),
    )
    .await
}

/// POST without a token (the account routes that take none).
pub(crate) async fn post_open(t: &TestApp, path: &str, body: Value) -> Reply {
    t.call(poem::http::Method::POST, path, None, Some(body))
        .await
}

/// Signs `email` up from the confirmation `token` (password "correct horse battery").
pub(crate) async fn sign_up(t: &TestApp, token: &str, email: &str) {
    post_open(
        t,
        "/v1/account/sign-up",
        sign_up_body(token, email, "correct horse battery"),
    )
    .await
    .assert_status(202);
}

#[tokio::test]
async fn ac_1_ac_3_ac_4_a_client_signs_up_after_a_booking_verifies_and_logs_in_and_out() {
    // Arrange
    let t = spawn_app().await;
    let token = booked(&t, "ana@example.com", "2026-12-01T09:00:00Z").await;
    let business = business_id(&t).await;
    let post = poem::http::Method::POST;

    // Act: sign up, verify, log in.
    let signed = post_open(
        &t,
        "/v1/account/sign-up",
        sign_up_body(&token, "ana@example.com", "correct horse battery"),
    )
    .await;
    let verification = token_in_email(&t, "account_verification", "ana@example.com")
        .await
        .expect("a verification link");
    let verified = post_open(&t, "/v1/account/verify", json!({ "token": verification })).await;
    let again = post_open(&t, "/v1/account/verify", json!({ "token": verification })).await;
    let session = log_in(&t, &business, "ANA@example.com ", "correct horse battery").await;

    // Assert
    signed.assert_status(202);
    verified.assert_status(200);
    assert!(verified.at("/verified_at").is_string());
    assert_eq!(verified.at("/terms_version"), &json!("2026-01"));
    again.assert_problem(422);
    session.assert_status(200);
    let bearer = session.str("/token");
    assert!(bearer.starts_with("cls_"));
    let me = t.get("/v1/me/account", &bearer).await;
    me.assert_status(200);
    assert_eq!(me.at("/email"), &json!("ana@example.com"));
    // PL-15: a session is not a staff token, nor a staff token a session.
    t.get("/v1/clients", &bearer).await.assert_problem(401);
    t.get("/v1/me/account", &t.owner).await.assert_problem(401);
    // Staff never see the links' tokens.
    let emails = t.get("/v1/emails", &t.owner).await;
    assert!(!emails.body.to_string().contains(&verification));
    assert!(!emails.body.to_string().contains(&token));
    // Logout ends the session.
    t.call(post, "/v1/me/logout", Some(&bearer), None)
        .await
        .assert_status(204);
    t.get("/v1/me/account", &bearer).await.assert_problem(401);
}

#[tokio::test]
async fn ac_4_a_wrong_password_and_an_unknown_email_are_answered_alike() {
    let t = spawn_app().await;
    let token = booked(&t, "ana@example.com", "2026-12-01T09:00:00Z").await;
    let business = business_id(&t).await;
    sign_up(&t, &token, "ana@example.com").await;

    let wrong = log_in(&t, &business, "ana@example.com", "wrong horse battery").await;
    let unknown = log_in(&t, &business, "bea@example.com", "correct horse battery").await;
    let malformed = log_in(&t, &business, "not an email", "correct horse battery").await;

    wrong.assert_problem(401);
    for other in [&unknown, &malformed] {
        assert_eq!(other.status, wrong.status);
        assert_eq!(other.at("/detail"), wrong.at("/detail"));
        assert_eq!(other.at("/type"), wrong.at("/type"));
    }
    // An unverified account can log in (AC-3).
    log_in(&t, &business, "ana@example.com", "correct horse battery")
        .await
        .assert_status(200);
}

#[tokio::test]
async fn ac_1_bad_sign_ups_are_refused_and_create_nothing() {
    // Arrange
    let t = spawn_app().await;
    let token = booked(&t, "ana@example.com", "2026-12-01T09:00:00Z").await;
    let other = booked(&t, "bea@example.com", "2026-12-02T09:00:00Z").await;
    let attempt = |body: Value| post_open(&t, "/v1/account/sign-up", body);

    // Act and assert: a changed or missing token, a short or common password, missing
    // agreements: 422 each.
    let mut changed = token.clone();
    changed.replace_range(10..11, if &token[10..11] == "A" { "B" } else { "A" });
    for (body, field) in [
        (
            sign_up_body(&changed, "ana@example.com", "correct horse battery"),
            None,
        ),
        (
            sign_up_body("", "ana@example.com", "correct horse battery"),
            None,
        ),
        (
            sign_up_body(&token, "ana@example.com", "short"),
            Some("password"),
        ),
        (
            sign_up_body(&token, "ana@example.com", "Password123"),
            Some("password"),
        ),
        (
            json!({ "token": token, "email": "ana@example.com", "password": "correct horse battery",
                    "terms_version": "", "privacy_version": "" }),
            Some("terms_version"),
        ),
    ] {
        let reply = attempt(body).await;
        reply.assert_problem(422);
        if let Some(field) = field {
            assert!(
                reply.problem_fields().contains(&field.to_owned()),
                "{reply:?}"
            );
        }
    }
    attempt(json!({ "email": "ana@example.com" }))
        .await
        .assert_problem(400);
    assert_eq!(
        token_in_email(&t, "account_verification", "ana@example.com").await,
        None
    );

    // One account per confirmation; an email that has one is told by email only.
    attempt(sign_up_body(
        &token,
        "ana@example.com",
        "correct horse battery",
    ))
    .await
    .assert_status(202);
    attempt(sign_up_body(
        &token,
        "other@example.com",
        "correct horse battery",
    ))
    .await
    .assert_problem(422);
    let taken = attempt(sign_up_body(
        &other,
        "ana@example.com",
        "another horse battery",
    ))
    .await;
    taken.assert_status(202);
    let told = every_row(&t.storage).await.into_iter().any(|(table, row)| {
        table == "outbox_emails"
            && row.contains("account_exists")
            && row.contains("ana@example.com")
    });
    assert!(told, "the email that has an account is told so");
    let business = business_id(&t).await;
    log_in(&t, &business, "ana@example.com", "another horse battery")
        .await
        .assert_problem(401);
}

#[tokio::test]
async fn ac_6_with_accounts_off_no_sign_up_link_is_sent_and_sign_ups_and_logins_are_refused() {
    // Arrange: an account, and a confirmation not used yet; then accounts turned off.
    let t = spawn_app().await;
    let token = booked(&t, "ana@example.com", "2026-12-01T09:00:00Z").await;
    let unused = booked(&t, "bea@example.com", "2026-12-02T09:00:00Z").await;
    sign_up(&t, &token, "ana@example.com").await;
    let business = t.get("/v1/business", &t.owner).await;
    t.patch(
        "/v1/business",
        &t.owner,
        json!({ "version": business.at("/version"), "client_accounts_enabled": false }),
    )
    .await
    .assert_status(200);

    // Act
    let service = t.create_service("Facial").await;
    t.post(
        "/v1/appointments",
        &t.owner,
        json!({ "appointment_type_id": service, "starts_at": "2026-12-03T09:00:00Z",
                "client": { "email": "cara@example.com", "first_name": "Cara", "last_name": "Lopes" } }),
    )
    .await
    .assert_status(201);
    let sign_up = post_open(
        &t,
        "/v1/account/sign-up",
        sign_up_body(&unused, "bea@example.com", "correct horse battery"),
    )
    .await;
    let login = log_in(
        &t,
        &business.str("/id"),
        "ana@example.com",
        "correct horse battery",
    )
    .await;

    // Assert: bookings work; no link, no sign-up, no login.
    assert_eq!(
        token_in_email(&t, "booking_confirmation", "cara@example.com").await,
        None
    );
    sign_up.assert_problem(403);
    login.assert_problem(403);
}

#[tokio::test]
async fn ac_5_a_reset_link_sets_a_new_password_once_and_ends_every_session() {
    // Arrange: an account logged in.
    let t = spawn_app().await;
    let token = booked(&t, "ana@example.com", "2026-12-01T09:00:00Z").await;
    let business = business_id(&t).await;
    sign_up(&t, &token, "ana@example.com").await;
    let old_session = log_in(&t, &business, "ana@example.com", "correct horse battery")
        .await
        .str("/token");

    // Act: asked for by the client, and for an unknown email (answered alike).
    let asked = post_open(
        &t,
        "/v1/account/password-reset",
        json!({ "business_id": business, "email": "ana@example.com" }),
    )
    .await;
    let unknown = post_open(
        &t,
        "/v1/account/password-reset",
        json!({ "business_id": business, "email": "nobody@example.com" }),
    )
    .await;
    let link = token_in_email(&t, "password_reset", "ana@example.com")
        .await
        .expect("a reset link");
    let set = post_open(
        &t,
        "/v1/account/password",
        json!({ "token": link, "password": "a brand new secret" }),
    )
    .await;
    let reused = post_open(
        &t,
        "/v1/account/password",
        json!({ "token": link, "password": "another new secret" }),
    )
    .await;

    // Assert
    asked.assert_status(202);
    assert_eq!((unknown.status, &unknown.body), (asked.status, &asked.body));
    assert_eq!(
        token_in_email(&t, "password_reset", "nobody@example.com").await,
        None
    );
    set.assert_status(204);
    reused.assert_problem(422);
    t.get("/v1/me/account", &old_session)
        .await
        .assert_problem(401);
    log_in(&t, &business, "ana@example.com", "correct horse battery")
        .await
        .assert_problem(401);
    log_in(&t, &business, "ana@example.com", "a brand new secret")
        .await
        .assert_status(200);
}

#[tokio::test]
async fn ac_5_staff_only_trigger_the_reset_email_and_never_see_its_link() {
    let t = spawn_app().await;
    let token = booked(&t, "ana@example.com", "2026-12-01T09:00:00Z").await;
    sign_up(&t, &token, "ana@example.com").await;

    let sent = t
        .post(
            "/v1/client-accounts/password-reset",
            &t.owner,
            json!({ "email": "ana@example.com" }),
        )
        .await;

    sent.assert_status(202);
    let link = token_in_email(&t, "password_reset", "ana@example.com")
        .await
        .expect("a reset link");
    let emails = t.get("/v1/emails", &t.owner).await;
    assert!(emails.body.to_string().contains("password_reset"));
    assert!(!emails.body.to_string().contains(&link));
    t.post(
        "/v1/client-accounts/password-reset",
        &t.owner,
        json!({ "email": "not an email" }),
    )
    .await
    .assert_problem(422);
}

#[tokio::test]
async fn pl_16_the_worker_purges_ended_sessions_and_used_tokens_and_keeps_live_ones() {
    let t = spawn_app().await;
    let token = booked(&t, "ana@example.com", "2026-12-01T09:00:00Z").await;
    let business = business_id(&t).await;
    let post = poem::http::Method::POST;
    sign_up(&t, &token, "ana@example.com").await;
    let verification = token_in_email(&t, "account_verification", "ana@example.com")
        .await
        .expect("a verification link");
    post_open(&t, "/v1/account/verify", json!({ "token": verification }))
        .await
        .assert_status(200);
    let ended = log_in(&t, &business, "ana@example.com", "correct horse battery")
        .await
        .str("/token");
    let live = log_in(&t, &business, "ana@example.com", "correct horse battery")
        .await
        .str("/token");
    t.call(post, "/v1/me/logout", Some(&ended), None)
        .await
        .assert_status(204);
    let count = |table: &'static str| {
        let storage = t.storage.clone();
        async move {
            every_row(&storage)
                .await
                .iter()
                .filter(|(t, _)| t == table)
                .count()
        }
    };
    assert_eq!(
        (
            count("client_sessions").await,
            count("account_tokens").await
        ),
        (2, 1)
    );

    let purged = t.app.purge_account_secrets(100).await.expect("a purge");

    assert_eq!(
        purged, 2,
        "the ended session and the used verification token"
    );
    assert_eq!(
        (
            count("client_sessions").await,
            count("account_tokens").await
        ),
        (1, 0)
    );
    t.get("/v1/me/account", &live).await.assert_status(200);
    assert_eq!(t.app.purge_account_secrets(100).await.expect("a purge"), 0);
}

/// A signed-up account's business id.
async fn with_account(t: &TestApp) -> String {
    let token = booked(t, "ana@example.com", "2026-12-01T09:00:00Z").await;
    sign_up(t, &token, "ana@example.com").await;
    business_id(t).await
}

#[tokio::test]
async fn ac_4_failures_for_one_email_hold_its_logins_back_with_retry_after_alike_for_unknown_emails()
 {
    let t = spawn_app().await;
    let business = with_account(&t).await;

    for email in ["ana@example.com", "nobody@example.com"] {
        for _ in 0..10 {
            log_in(&t, &business, email, "wrong horse battery")
                .await
                .assert_problem(401);
        }
        let held = log_in(&t, &business, email, "correct horse battery").await;
        held.assert_problem(429);
        let seconds: u64 = held
            .retry_after
            .as_deref()
            .and_then(|s| s.parse().ok())
            .expect("Retry-After");
        assert!((1..=15 * 60).contains(&seconds), "{seconds}");
    }
}

#[tokio::test]
async fn ac_4_an_attacker_elsewhere_cannot_lock_a_client_out_of_an_address_they_used() {
    let t = spawn_app().await;
    let business = with_account(&t).await;
    let business = clientele_domain::BusinessId::from_uuid(business.parse().expect("an id"));
    let (home, attacker) = (Some("198.51.100.7"), Some("203.0.113.9"));
    t.app
        .log_in(business, "ana@example.com", "correct horse battery", home)
        .await
        .expect("a first login from home");

    for _ in 0..10 {
        let failed = t
            .app
            .log_in(business, "ana@example.com", "guess guess guess", attacker)
            .await;
        assert!(
            matches!(failed, Err(AccountError::BadCredentials)),
            "{failed:?}"
        );
    }
    let attacker_again = t
        .app
        .log_in(
            business,
            "ana@example.com",
            "correct horse battery",
            attacker,
        )
        .await;
    let from_home = t
        .app
        .log_in(business, "ana@example.com", "correct horse battery", home)
        .await;

    assert!(
        matches!(attacker_again, Err(AccountError::Throttled(_))),
        "{attacker_again:?}"
    );
    assert!(from_home.is_ok(), "{from_home:?}");
}

#[tokio::test]
async fn ac_4_ten_thousand_attempts_from_one_address_are_cut_short() {
    let t = spawn_app().await;
    let business = with_account(&t).await;
    let business = clientele_domain::BusinessId::from_uuid(business.parse().expect("an id"));
    let address = Some("203.0.113.9");

    let mut refused = 0;
    let mut throttled = 0;
    for n in 0..10_000 {
        match t
            .app
            .log_in(
                business,
                &format!("guess{n}@example.com"),
                "guess guess guess",
                address,
            )
            .await
        {
            Err(AccountError::BadCredentials) => refused += 1,
            Err(AccountError::Throttled(_)) => throttled += 1,
            other => panic!("{other:?}"),
        }
    }

    assert_eq!((refused, throttled), (20, 9_980));
    let real = t
        .app
        .log_in(
            business,
            "ana@example.com",
            "correct horse battery",
            address,
        )
        .await;
    assert!(
        matches!(real, Err(AccountError::Throttled(_))),
        "the address waits, whoever it is"
    );
    assert!(
        t.app
            .log_in(
                business,
                "ana@example.com",
                "correct horse battery",
                Some("198.51.100.7")
            )
            .await
            .is_ok()
    );
}

/// Signs up and verifies an account with `email` from the confirmation `token`; logs in.
pub(crate) async fn verified_session(t: &TestApp, token: &str, email: &str) -> String {
    sign_up(t, token, email).await;
    let link = token_in_email(t, "account_verification", email)
        .await
        .expect("a verification link");
    post_open(t, "/v1/account/verify", json!({ "token": link }))
        .await
        .assert_status(200);
    log_in(t, &business_id(t).await, email, "correct horse battery")
        .await
        .str("/token")
}

/// The ids of the appointments an account sees.
pub(crate) async fn seen(t: &TestApp, session: &str) -> Vec<String> {
    let reply = t.get("/v1/me/appointments", session).await;
    reply.assert_status(200);
    let mut ids: Vec<String> = (reply.at("/items").as_array().cloned().unwrap_or_default())
        .iter()
        .map(|a| a["id"].as_str().expect("an id").to_owned())
        .collect();
    ids.sort();
    ids
}

/// Staff book for a client (found by email or created): the appointment's id.
pub(crate) async fn staff_book(t: &TestApp, email: &str, at: &str) -> String {
    let service = t.create_service(&format!("Service {at}")).await;
    let reply = t
        .post(
            "/v1/appointments",
            &t.owner,
            json!({ "appointment_type_id": service, "starts_at": at,
                    "client": { "email": email, "first_name": "Ana", "last_name": "Silva" } }),
        )
        .await;
    reply.assert_status(201);
    reply.str("/appointment/id")
}

#[tokio::test]
async fn ac_8_appointments_reach_an_account_by_its_rules() {
    let t = spawn_app().await;
    // (b) Booked before the account existed, with its email: seen once it is verified;
    // another email's booking never.
    let before = staff_book(&t, "ana@example.com", "2026-12-01T09:00:00Z").await;
    let other = staff_book(&t, "bea@example.com", "2026-12-01T10:00:00Z").await;
    let link = token_in_email(&t, "booking_confirmation", "ana@example.com")
        .await
        .expect("a link");
    sign_up(&t, &link, "ana@example.com").await;
    let unverified = log_in(
        &t,
        &business_id(&t).await,
        "ana@example.com",
        "correct horse battery",
    )
    .await
    .str("/token");
    assert_eq!(
        seen(&t, &unverified).await,
        Vec::<String>::new(),
        "(b) not before verification"
    );
    let link = token_in_email(&t, "account_verification", "ana@example.com")
        .await
        .expect("a link");
    post_open(&t, "/v1/account/verify", json!({ "token": link }))
        .await
        .assert_status(200);
    assert_eq!(
        seen(&t, &unverified).await,
        std::slice::from_ref(&before),
        "(b) after verification"
    );

    // (c) Staff book with the account's email afterwards: seen at once.
    let later = staff_book(&t, "ana@example.com", "2026-12-05T09:00:00Z").await;
    let mut expected = vec![before.clone(), later.clone()];
    expected.sort();
    assert_eq!(seen(&t, &unverified).await, expected, "(c)");

    // The exception of (c): once that email's appointments belong to two accounts, a
    // new staff booking with it goes to neither.
    let bea_link = token_in_email(&t, "booking_confirmation", "bea@example.com")
        .await
        .expect("a link");
    let bea = verified_session(&t, &bea_link, "bea@example.com").await;
    assert_eq!(seen(&t, &bea).await, std::slice::from_ref(&other));
    let bea_profile = t
        .get(&format!("/v1/appointments/{other}"), &t.owner)
        .await
        .str("/client_id");
    let version = t
        .get(&format!("/v1/clients/{bea_profile}"), &t.owner)
        .await
        .at("/version")
        .clone();
    t.patch(
        &format!("/v1/clients/{bea_profile}"),
        &t.owner,
        json!({ "version": version, "email": "ana@example.com" }),
    )
    .await
    .assert_status(200);
    let spanning = staff_book(&t, "ana@example.com", "2026-12-06T09:00:00Z").await;
    assert!(
        !seen(&t, &unverified).await.contains(&spanning),
        "(c) exception"
    );
    assert!(!seen(&t, &bea).await.contains(&spanning), "(c) exception");
}

/// The hasher of the tests, counting its work.
#[derive(Default)]
struct Counting {
    hashes: std::sync::atomic::AtomicUsize,
    verifies: std::sync::atomic::AtomicUsize,
}

impl clientele_ports::PasswordHasher for Counting {
    fn hash(&self, password: &str) -> Result<String, clientele_ports::HashError> {
        self.hashes
            .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        clientele_adapters::Argon2Hasher.hash(password)
    }

    fn verify(&self, password: &str, hash: &str) -> bool {
        self.verifies
            .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        clientele_adapters::Argon2Hasher.verify(password, hash)
    }
}

#[tokio::test]
async fn ac_4_an_unknown_email_and_a_wrong_password_cost_the_same_hash_check() {
    // Arrange: an account; the app counting what its hasher does. (Wall-clock times of
    // the two refusals were ~4% apart alone, but the parallel suite on two cores skews
    // them either way past 25%: the work is what is compared.)
    let t = spawn_app().await;
    let business = with_account(&t).await;
    let business = clientele_domain::BusinessId::from_uuid(business.parse().expect("an id"));
    let counting = std::sync::Arc::new(Counting::default());
    let app = t.app.clone().with_password_hasher(counting.clone());
    let work = || {
        (
            counting.hashes.load(std::sync::atomic::Ordering::SeqCst),
            counting.verifies.load(std::sync::atomic::Ordering::SeqCst),
        )
    };
    // The first unknown email makes the dummy hash, once per process.
    let _ = app
        .log_in(business, "warm@example.com", "wrong horse battery", None)
        .await;

    // Act
    let before = work();
    let wrong = app
        .log_in(business, "ana@example.com", "wrong horse battery", None)
        .await;
    let after_wrong = work();
    let unknown = app
        .log_in(business, "nobody@example.com", "wrong horse battery", None)
        .await;
    let after_unknown = work();

    // Assert: one argon2id check each, no hash made; the same refusal.
    assert_eq!((after_wrong.0 - before.0, after_wrong.1 - before.1), (0, 1));
    assert_eq!(
        (
            after_unknown.0 - after_wrong.0,
            after_unknown.1 - after_wrong.1
        ),
        (0, 1)
    );
    assert!(
        matches!(wrong, Err(AccountError::BadCredentials)),
        "{wrong:?}"
    );
    assert!(
        matches!(unknown, Err(AccountError::BadCredentials)),
        "{unknown:?}"
    );
}

/// A code of `product` sold to `client` by hand: its id.
async fn sell(t: &TestApp, product: &str, client: &str) -> String {
    let sale = t
        .post(
            "/v1/orders",
            &t.owner,
            json!({ "product_id": product, "client_id": client, "method": "manual" }),
        )
        .await;
    sale.assert_status(201);
    sale.str("/code/id")
}

#[tokio::test]
async fn ac_10_an_account_sees_the_active_codes_bought_with_or_assigned_to_its_email() {
    // Arrange: Ana's account; a package sold to her profile, a gift certificate staff
    // assign to her email, a cancelled one, and Bea's package.
    let t = spawn_app().await;
    let token = booked(&t, "Ana@Example.com", "2026-12-01T09:00:00Z").await;
    let session = verified_session(&t, &token, "ana@example.com").await;
    let bea_token = booked(&t, "bea@example.com", "2026-12-02T09:00:00Z").await;
    let _ = bea_token;
    let clients = t.get("/v1/clients?site=all", &t.owner).await;
    let id_of = |email: &str| {
        clients
            .at("/items")
            .as_array()
            .expect("items")
            .iter()
            .find(|c| {
                c["email"]
                    .as_str()
                    .is_some_and(|e| e.eq_ignore_ascii_case(email))
            })
            .map(|c| c["id"].as_str().expect("an id").to_owned())
            .expect("a client")
    };
    let (ana, bea) = (id_of("ana@example.com"), id_of("bea@example.com"));
    let product = t
        .post(
            "/v1/products",
            &t.owner,
            json!({ "name": "Pack", "kind": "package", "appointments": 5, "price": "250.00" }),
        )
        .await
        .str("/id");
    let bought = sell(&t, &product, &ana).await;
    let cancelled = sell(&t, &product, &ana).await;
    let bea_code = sell(&t, &product, &bea).await;
    t.post(
        &format!("/v1/codes/{cancelled}/cancel"),
        &t.owner,
        json!({ "version": 1 }),
    )
    .await
    .assert_status(200);
    let gift = t
        .post(
            "/v1/codes",
            &t.owner,
            json!({ "product_id": product, "assigned_to": "ANA@example.com" }),
        )
        .await;
    gift.assert_status(201);
    let gift = gift.str("/id");

    // Act
    let mine = t.get("/v1/me/codes", &session).await;

    // Assert
    mine.assert_status(200);
    let mut ids: Vec<String> = mine
        .at("/items")
        .as_array()
        .expect("items")
        .iter()
        .map(|c| c["id"].as_str().expect("an id").to_owned())
        .collect();
    ids.sort();
    let mut expected = vec![bought, gift];
    expected.sort();
    assert_eq!(ids, expected);
    assert!(!ids.contains(&bea_code) && !ids.contains(&cancelled));
    assert_eq!(mine.at("/items/0/remaining_appointments"), &json!(5));
}
