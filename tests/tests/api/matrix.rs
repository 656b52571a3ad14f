//! PL-13, PL-14, PL-15, PL-26: who may call what. Every operation of the served document
//! is called by each of eight callers, each time on records of its own (so that one caller's
//! change never decides the next one's answer), and the statuses must be those of the
//! table below. An operation without a row fails the test: a new route states who may
//! call it before it lands.
//!
//! Callers: the owner (the operator, on `/v1/operator/...`); an admin and a staff member
//! of the main site; a staff member of another site only ("far"); the owner of another
//! business ("other"); no token; a token that does not exist; a client account's session
//! ("client", PL-15), which reaches `/v1/me/...` only, about its own records (for those
//! operations the records' client has the account's email). The records are the main
//! site's. Reading the table: 404 where a caller may not know a record exists, 403 where
//! the record is known but the role does not allow the change; the other business's
//! owner changes its own business with the main business's `version` (409), and books
//! with a service and a client it does not have (422).

use std::collections::BTreeMap;
use std::fmt::Write as _;

use poem::http::Method;
use serde_json::{Value, json};

use crate::helpers::{OPERATOR_TOKEN, TestApp, spawn_app};

/// The callers, in the order of each row.
const CALLERS: [&str; 8] = [
    "owner",
    "admin",
    "staff",
    "other site",
    "other business",
    "no token",
    "bad token",
    "client",
];

/// The email of the client account that calls as "client".
const CLIENT_EMAIL: &str = "member.client@example.com";
/// The client's place in [`CALLERS`].
const CLIENT: usize = 7;

/// The expected status of each operation for each caller, in the order of [`CALLERS`].
#[rustfmt::skip]
const MATRIX: &[(&str, [u16; 8])] = &[
    //                                                   owner admin staff far  other none   bad client
    ("DELETE /v1/clients/{id}",                           [  409,  409,  403,  403,  404,  401,  401,  401]),
    ("DELETE /v1/clients/{id}/duplicates/{other_id}/dismissal", [  204,  204,  204,  404,  404,  401,  401,  401]),
    ("DELETE /v1/labels/{id}",                            [  204,  204,  403,  403,  404,  401,  401,  401]),
    ("DELETE /v1/sites/{id}",                             [  204,  403,  403,  403,  404,  401,  401,  401]),
    ("DELETE /v1/staff/{id}",                             [  204,  403,  403,  403,  404,  401,  401,  401]),
    ("DELETE /v1/tokens/{id}",                            [  204,  404,  404,  404,  404,  401,  401,  401]),
    ("DELETE /v1/webhook-endpoints/{id}",                 [  204,  204,  403,  403,  404,  401,  401,  401]),
    ("GET /health",                                       [  200,  200,  200,  200,  200,  200,  200,  200]),
    ("GET /ready",                                        [  200,  200,  200,  200,  200,  200,  200,  200]),
    ("GET /v1/appointment-types",                         [  200,  200,  200,  200,  200,  401,  401,  401]),
    ("GET /v1/appointment-types/{id}",                    [  200,  200,  200,  200,  404,  401,  401,  401]),
    ("GET /v1/appointments/{id}",                         [  200,  200,  200,  404,  404,  401,  401,  401]),
    ("GET /v1/appointments/{id}/attendance",              [  200,  200,  200,  404,  404,  401,  401,  401]),
    ("GET /v1/appointments/{id}/payments",                [  200,  200,  200,  404,  404,  401,  401,  401]),
    ("GET /v1/business",                                  [  200,  403,  403,  403,  200,  401,  401,  401]),
    ("GET /v1/client-duplicates",                         [  200,  200,  200,  200,  200,  401,  401,  401]),
    ("GET /v1/client-imports/{id}",                       [  200,  200,  403,  403,  404,  401,  401,  401]),
    ("GET /v1/client-imports/{id}/report",                [  200,  200,  403,  403,  404,  401,  401,  401]),
    ("GET /v1/client-imports/{id}/rows",                  [  200,  200,  403,  403,  404,  401,  401,  401]),
    ("GET /v1/client-merges/{id}",                        [  200,  200,  200,  404,  404,  401,  401,  401]),
    ("GET /v1/clients",                                   [  200,  200,  200,  200,  200,  401,  401,  401]),
    ("GET /v1/clients/export",                            [  200,  200,  403,  403,  200,  401,  401,  401]),
    ("GET /v1/clients/{id}",                              [  200,  200,  200,  404,  404,  401,  401,  401]),
    ("GET /v1/clients/{id}/audit",                        [  200,  200,  200,  404,  404,  401,  401,  401]),
    ("GET /v1/clients/{id}/card",                         [  200,  200,  200,  404,  404,  401,  401,  401]),
    ("GET /v1/clients/{id}/cards",                        [  200,  200,  200,  404,  404,  401,  401,  401]),
    ("GET /v1/clients/{id}/codes",                        [  200,  200,  200,  404,  404,  401,  401,  401]),
    ("GET /v1/clients/{id}/credits",                      [  200,  200,  200,  404,  404,  401,  401,  401]),
    ("GET /v1/clients/{id}/data",                         [  200,  200,  403,  403,  404,  401,  401,  401]),
    ("GET /v1/clients/{id}/documents/{document_id}/content", [  200,  200,  200,  404,  404,  401,  401,  401]),
    ("GET /v1/clients/{id}/duplicates",                   [  200,  200,  200,  404,  404,  401,  401,  401]),
    ("GET /v1/clients/{id}/marketing",                    [  200,  200,  200,  404,  404,  401,  401,  401]),
    ("GET /v1/clients/{id}/memberships",                  [  200,  200,  200,  404,  404,  401,  401,  401]),
    ("GET /v1/codes/{id}",                                [  200,  200,  200,  404,  404,  401,  401,  401]),
    ("GET /v1/codes/{id}/audit",                          [  200,  200,  200,  404,  404,  401,  401,  401]),
    ("GET /v1/codes/{id}/ledger",                         [  200,  200,  200,  404,  404,  401,  401,  401]),
    ("GET /v1/custom-fields",                             [  200,  200,  200,  200,  200,  401,  401,  401]),
    ("GET /v1/custom-fields/{id}",                        [  200,  200,  200,  200,  404,  401,  401,  401]),
    ("GET /v1/emails",                                    [  200,  200,  403,  403,  200,  401,  401,  401]),
    ("GET /v1/labels",                                    [  200,  200,  200,  200,  200,  401,  401,  401]),
    ("GET /v1/marketing-preferences",                     [  200,  200,  200,  200,  200,  401,  401,  401]),
    ("GET /v1/marketing-preferences/{id}/opted-in",       [  200,  200,  403,  403,  404,  401,  401,  401]),
    ("GET /v1/me",                                        [  200,  200,  200,  200,  200,  401,  401,  401]),
    ("GET /v1/me/account",                                [  401,  401,  401,  401,  401,  401,  401,  200]),
    ("GET /v1/me/appointments",                           [  401,  401,  401,  401,  401,  401,  401,  200]),
    ("GET /v1/me/autofill",                               [  401,  401,  401,  401,  401,  401,  401,  200]),
    ("GET /v1/me/codes",                                  [  401,  401,  401,  401,  401,  401,  401,  200]),
    ("GET /v1/me/memberships",                            [  401,  401,  401,  401,  401,  401,  401,  200]),
    ("GET /v1/me/memberships/{id}",                       [  401,  401,  401,  401,  401,  401,  401,  200]),
    ("GET /v1/me/memberships/{id}/charges",               [  401,  401,  401,  401,  401,  401,  401,  200]),
    ("GET /v1/membership-types",                          [  200,  200,  200,  200,  200,  401,  401,  401]),
    ("GET /v1/membership-types/{id}",                     [  200,  200,  200,  200,  404,  401,  401,  401]),
    ("GET /v1/memberships",                               [  200,  403,  403,  403,  200,  401,  401,  401]),
    ("GET /v1/memberships/counts",                        [  200,  200,  200,  200,  200,  401,  401,  401]),
    ("GET /v1/memberships/export",                        [  200,  403,  403,  403,  200,  401,  401,  401]),
    ("GET /v1/memberships/{id}",                          [  200,  200,  200,  404,  404,  401,  401,  401]),
    ("GET /v1/memberships/{id}/charges",                  [  200,  200,  200,  404,  404,  401,  401,  401]),
    ("GET /v1/memberships/{id}/history",                  [  200,  200,  200,  404,  404,  401,  401,  401]),
    ("GET /v1/operator/businesses",                       [  200,  401,  401,  401,  401,  401,  401,  401]),
    ("GET /v1/orders",                                    [  200,  403,  403,  403,  200,  401,  401,  401]),
    ("GET /v1/orders/export",                             [  200,  403,  403,  403,  200,  401,  401,  401]),
    ("GET /v1/orders/{id}",                               [  200,  200,  200,  404,  404,  401,  401,  401]),
    ("GET /v1/products",                                  [  200,  200,  200,  200,  200,  401,  401,  401]),
    ("GET /v1/products/{id}",                             [  200,  200,  200,  200,  404,  401,  401,  401]),
    ("GET /v1/products/{id}/codes",                       [  200,  403,  403,  403,  404,  401,  401,  401]),
    ("GET /v1/self-service/{link}/membership",            [  200,  200,  200,  200,  200,  200,  200,  200]),
    ("GET /v1/self-service/{link}/membership/charges",    [  200,  200,  200,  200,  200,  200,  200,  200]),
    ("GET /v1/sites",                                     [  200,  200,  200,  200,  200,  401,  401,  401]),
    ("GET /v1/sites/{id}",                                [  200,  403,  403,  403,  404,  401,  401,  401]),
    ("GET /v1/staff",                                     [  200,  403,  403,  403,  200,  401,  401,  401]),
    ("GET /v1/staff/{id}",                                [  200,  403,  403,  403,  404,  401,  401,  401]),
    ("GET /v1/tokens",                                    [  200,  200,  200,  200,  200,  401,  401,  401]),
    ("GET /v1/webhook-endpoints",                         [  200,  200,  403,  403,  200,  401,  401,  401]),
    ("GET /v1/webhook-endpoints/{id}",                    [  200,  200,  403,  403,  404,  401,  401,  401]),
    ("GET /v1/webhook-endpoints/{id}/deliveries",         [  200,  200,  403,  403,  404,  401,  401,  401]),
    ("GET /v1/webhook-endpoints/{id}/deliveries/{delivery_id}", [  200,  200,  403,  403,  404,  401,  401,  401]),
    ("PATCH /v1/business",                                [  200,  403,  403,  403,  409,  401,  401,  401]),
    ("PATCH /v1/clients/{id}",                            [  200,  200,  200,  404,  404,  401,  401,  401]),
    ("PATCH /v1/codes/{id}",                              [  200,  200,  200,  404,  404,  401,  401,  401]),
    ("PATCH /v1/custom-fields/{id}",                      [  200,  200,  403,  403,  404,  401,  401,  401]),
    ("PATCH /v1/memberships/{id}",                        [  200,  200,  200,  404,  404,  401,  401,  401]),
    ("PATCH /v1/webhook-endpoints/{id}",                  [  200,  200,  403,  403,  404,  401,  401,  401]),
    ("POST /v1/account/login",                            [  401,  401,  401,  401,  401,  401,  401,  401]),
    ("POST /v1/account/password",                         [  422,  422,  422,  422,  422,  422,  422,  422]),
    ("POST /v1/account/password-reset",                   [  202,  202,  202,  202,  202,  202,  202,  202]),
    ("POST /v1/account/sign-up",                          [  422,  422,  422,  422,  422,  422,  422,  422]),
    ("POST /v1/account/verify",                           [  422,  422,  422,  422,  422,  422,  422,  422]),
    ("POST /v1/appointment-types",                        [  201,  201,  403,  403,  201,  401,  401,  401]),
    ("POST /v1/appointments",                             [  201,  201,  201,  422,  422,  401,  401,  401]),
    ("POST /v1/appointments/{id}/cancel",                 [  200,  200,  200,  404,  404,  401,  401,  401]),
    ("POST /v1/appointments/{id}/invoice",                [  200,  200,  200,  404,  404,  401,  401,  401]),
    ("POST /v1/appointments/{id}/payments/card",          [  200,  200,  200,  404,  404,  401,  401,  401]),
    ("POST /v1/appointments/{id}/payments/in-person",     [  200,  200,  200,  404,  404,  401,  401,  401]),
    ("POST /v1/appointments/{id}/refunds",                [  200,  200,  403,  403,  404,  401,  401,  401]),
    ("POST /v1/appointments/{id}/reschedule",             [  200,  200,  200,  404,  404,  401,  401,  401]),
    ("POST /v1/business/test-clock",                      [  409,  403,  403,  403,  409,  401,  401,  401]),
    ("POST /v1/client-accounts/password-reset",           [  202,  202,  202,  202,  202,  401,  401,  401]),
    ("POST /v1/client-deletions",                         [  200,  200,  403,  403,  200,  401,  401,  401]),
    ("POST /v1/client-imports",                           [  202,  202,  403,  403,  202,  401,  401,  401]),
    ("POST /v1/client-merges/{id}/undo",                  [  200,  200,  200,  404,  404,  401,  401,  401]),
    ("POST /v1/clients",                                  [  201,  201,  201,  201,  201,  401,  401,  401]),
    ("POST /v1/clients/{id}/anonymise",                   [  200,  200,  403,  403,  404,  401,  401,  401]),
    ("POST /v1/clients/{id}/appointments/account",        [  409,  409,  409,  404,  404,  401,  401,  401]),
    ("POST /v1/clients/{id}/ban",                         [  200,  200,  403,  403,  404,  401,  401,  401]),
    ("POST /v1/clients/{id}/cards",                       [  201,  201,  201,  404,  404,  401,  401,  401]),
    ("POST /v1/clients/{id}/credits",                     [  201,  201,  201,  404,  404,  401,  401,  401]),
    ("POST /v1/clients/{id}/documents",                   [  201,  201,  201,  404,  404,  401,  401,  401]),
    ("POST /v1/clients/{id}/labels",                      [  200,  200,  200,  404,  404,  401,  401,  401]),
    ("POST /v1/clients/{id}/merge",                       [  200,  200,  200,  404,  404,  401,  401,  401]),
    ("POST /v1/clients/{id}/notes",                       [  201,  201,  201,  404,  404,  401,  401,  401]),
    ("POST /v1/clients/{id}/unban",                       [  200,  200,  403,  403,  404,  401,  401,  401]),
    ("POST /v1/codes",                                    [  201,  201,  201,  422,  422,  401,  401,  401]),
    ("POST /v1/codes/lookup",                             [  200,  200,  200,  404,  404,  401,  401,  401]),
    ("POST /v1/codes/{id}/cancel",                        [  200,  200,  403,  403,  404,  401,  401,  401]),
    ("POST /v1/credits/{id}/revoke",                      [  200,  200,  200,  404,  404,  401,  401,  401]),
    ("POST /v1/custom-fields",                            [  201,  201,  403,  403,  201,  401,  401,  401]),
    ("POST /v1/labels",                                   [  201,  201,  403,  403,  201,  401,  401,  401]),
    ("POST /v1/marketing-preferences",                    [  201,  403,  403,  403,  201,  401,  401,  401]),
    ("POST /v1/me/appointments",                          [  401,  401,  401,  401,  401,  401,  401,  201]),
    ("POST /v1/me/appointments/{id}/cancel",              [  401,  401,  401,  401,  401,  401,  401,  200]),
    ("POST /v1/me/appointments/{id}/reschedule",          [  401,  401,  401,  401,  401,  401,  401,  200]),
    ("POST /v1/me/logout",                                [  401,  401,  401,  401,  401,  401,  401,  204]),
    ("POST /v1/me/memberships/{id}/cancel",               [  401,  401,  401,  401,  401,  401,  401,  200]),
    ("POST /v1/me/memberships/{id}/pause",                [  401,  401,  401,  401,  401,  401,  401,  200]),
    ("POST /v1/me/memberships/{id}/reactivate",           [  401,  401,  401,  401,  401,  401,  401,  200]),
    ("POST /v1/me/memberships/{id}/resume",               [  401,  401,  401,  401,  401,  401,  401,  200]),
    ("POST /v1/membership-types",                         [  201,  201,  403,  403,  201,  401,  401,  401]),
    ("POST /v1/memberships",                              [  201,  201,  201,  404,  404,  401,  401,  401]),
    ("POST /v1/memberships/{id}/cancel",                  [  200,  200,  200,  404,  404,  401,  401,  401]),
    ("POST /v1/memberships/{id}/mandate",                 [  409,  409,  409,  404,  404,  401,  401,  401]),
    ("POST /v1/memberships/{id}/pause",                   [  200,  200,  200,  404,  404,  401,  401,  401]),
    ("POST /v1/memberships/{id}/payments",                [  200,  200,  200,  404,  404,  401,  401,  401]),
    ("POST /v1/memberships/{id}/reactivate",              [  200,  200,  200,  404,  404,  401,  401,  401]),
    ("POST /v1/memberships/{id}/resume",                  [  200,  200,  200,  404,  404,  401,  401,  401]),
    ("POST /v1/operator/businesses",                      [  201,  401,  401,  401,  401,  401,  401,  401]),
    ("POST /v1/orders",                                   [  201,  201,  201,  422,  422,  401,  401,  401]),
    ("POST /v1/orders/{id}/cancel",                       [  200,  200,  403,  403,  404,  401,  401,  401]),
    ("POST /v1/products",                                 [  201,  201,  403,  403,  201,  401,  401,  401]),
    ("POST /v1/products/{id}/archive",                    [  200,  200,  403,  403,  404,  401,  401,  401]),
    ("POST /v1/self-service/{link}/membership/cancel",    [  200,  200,  200,  200,  200,  200,  200,  200]),
    ("POST /v1/self-service/{link}/membership/pause",     [  200,  200,  200,  200,  200,  200,  200,  200]),
    ("POST /v1/self-service/{link}/membership/reactivate", [  200,  200,  200,  200,  200,  200,  200,  200]),
    ("POST /v1/self-service/{link}/membership/resume",    [  200,  200,  200,  200,  200,  200,  200,  200]),
    ("POST /v1/sites",                                    [  201,  403,  403,  403,  201,  401,  401,  401]),
    ("POST /v1/staff",                                    [  201,  403,  403,  403,  201,  401,  401,  401]),
    ("POST /v1/tokens",                                   [  201,  403,  403,  403,  201,  401,  401,  401]),
    ("POST /v1/webhook-endpoints",                        [  201,  201,  403,  403,  201,  401,  401,  401]),
    ("POST /v1/webhook-endpoints/{id}/deliveries/{delivery_id}/replay", [  201,  201,  403,  403,  404,  401,  401,  401]),
    ("POST /v1/webhook-endpoints/{id}/replay",            [  200,  200,  403,  403,  404,  401,  401,  401]),
    ("POST /v1/webhook-endpoints/{id}/rotate-secret",     [  200,  200,  403,  403,  404,  401,  401,  401]),
    ("PUT /v1/appointment-types/{id}",                    [  200,  200,  403,  403,  404,  401,  401,  401]),
    ("PUT /v1/appointments/{id}/account",                 [  200,  200,  200,  404,  404,  401,  401,  401]),
    ("PUT /v1/appointments/{id}/attendance",              [  200,  200,  200,  404,  404,  401,  401,  401]),
    ("PUT /v1/clients/{id}/duplicates/{other_id}/dismissal", [  204,  204,  204,  404,  404,  401,  401,  401]),
    ("PUT /v1/clients/{id}/marketing",                    [  200,  200,  200,  404,  404,  401,  401,  401]),
    ("PUT /v1/labels/{id}",                               [  200,  200,  403,  403,  404,  401,  401,  401]),
    ("PUT /v1/me/memberships/{id}/card",                  [  401,  401,  401,  401,  401,  401,  401,  409]),
    ("PUT /v1/me/memberships/{id}/mandate",               [  401,  401,  401,  401,  401,  401,  401,  409]),
    ("PUT /v1/membership-types/{id}",                     [  200,  200,  403,  403,  404,  401,  401,  401]),
    ("PUT /v1/memberships/{id}/card",                     [  409,  409,  409,  404,  404,  401,  401,  401]),
    ("PUT /v1/products/{id}",                             [  200,  200,  403,  403,  404,  401,  401,  401]),
    ("PUT /v1/self-service/{link}/membership/card",       [  409,  409,  409,  409,  409,  409,  409,  409]),
    ("PUT /v1/self-service/{link}/membership/mandate",    [  409,  409,  409,  409,  409,  409,  409,  409]),
    ("PUT /v1/sites/{id}",                                [  200,  403,  403,  403,  404,  401,  401,  401]),
    ("PUT /v1/staff/{id}",                                [  200,  403,  403,  403,  404,  401,  401,  401]),
];

/// The business every call is about, and its callers.
struct World {
    app: TestApp,
    main_site: String,
    /// The token of each of [`CALLERS`] (none for "no token").
    tokens: Vec<Option<String>>,
}

impl World {
    async fn new() -> Self {
        let app = spawn_app().await;
        let main_site = app.main_site().await;
        let far_site = app.create_site("Far site").await;
        let admin = app
            .staff_token("admin", "admin@example.com", &[&main_site])
            .await;
        let staff = app
            .staff_token("staff", "staff@example.com", &[&main_site])
            .await;
        let far = app
            .staff_token("staff", "far@example.com", &[&far_site])
            .await;
        let other = app.other_business("Other business").await;
        let client = client_session(&app).await;
        let tokens = [
            Some(app.owner.clone()),
            Some(admin),
            Some(staff),
            Some(far),
            Some(other),
            None,
            Some("clt_00000000000000000000000000000000_0000".to_owned()),
            Some(client),
        ]
        .into();
        Self {
            app,
            main_site,
            tokens,
        }
    }

    async fn created(&self, path: &str, body: Value) -> Value {
        let reply = self.app.post(path, &self.app.owner, body).await;
        assert!(
            (200..300).contains(&reply.status),
            "setting up {path}: {reply:?}"
        );
        reply.body
    }
}

/// The session of a verified client account with [`CLIENT_EMAIL`], signed up from the
/// confirmation of a booking staff made for it.
async fn client_session(app: &TestApp) -> String {
    crate::accounts::staff_book(app, CLIENT_EMAIL, "2031-03-01T09:00:00Z").await;
    let link = crate::accounts::token_in_email(app, "booking_confirmation", CLIENT_EMAIL)
        .await
        .expect("a sign-up link");
    crate::accounts::verified_session(app, &link, CLIENT_EMAIL).await
}

/// A new session of the client account.
async fn client_login(app: &TestApp) -> String {
    let business = crate::accounts::business_id(app).await;
    crate::accounts::log_in(app, &business, CLIENT_EMAIL, "correct horse battery")
        .await
        .str("/token")
}

/// Records of the main site made for one call, by the owner.
struct Records {
    n: usize,
    client: String,
    membership_type: String,
    /// Active; `cancelled` is cancelled and `paused` paused, for their reactivation and
    /// resumption.
    membership: String,
    cancelled: String,
    paused: String,
    /// The self-service links of `membership`, `cancelled` and `paused` (ME-12).
    link: String,
    cancelled_link: String,
    paused_link: String,
    /// A credit issued to `client` by hand (ME-16).
    credit: String,
    appointment_type: String,
    appointment: String,
    paid_appointment: String,
    card: String,
    label: String,
    field: String,
    preference: String,
    document: String,
    site: String,
    staff: String,
    staff_email: String,
    token: String,
    product: String,
    code: String,
    code_text: String,
    order: String,
    /// A client import (CL-15).
    import: String,
    /// For the merge and duplicate dismissal operations only (CL-17, CL-19): another
    /// client of the main site, and a merge of two more.
    duplicate: String,
    merge: String,
    /// For the webhook endpoint operations only (PL-24): an endpoint, and the delivery
    /// to it of the creation of `client`.
    webhook: String,
    delivery: String,
}

impl Records {
    async fn new(world: &World, n: usize, operation: &str) -> Self {
        let site = &world.main_site;
        let new_client = |last: String| async move {
            world
                .created(
                    "/v1/clients",
                    json!({ "first_name": "Ana", "last_name": last, "sites": [site] }),
                )
                .await["id"]
                .as_str()
                .expect("client")
                .to_owned()
        };
        let (duplicate, merge) = if operation.contains("merge") || operation.contains("duplicates/")
        {
            let duplicate = new_client(format!("Lima {n} bis")).await;
            let kept = new_client(format!("Kept {n}")).await;
            let absorbed = new_client(format!("Absorbed {n}")).await;
            let merged = world
                .created(
                    &format!("/v1/clients/{kept}/merge"),
                    json!({ "version": 1, "absorb": [absorbed] }),
                )
                .await;
            let merge = merged["merge"]["id"].as_str().expect("a merge").to_owned();
            (duplicate, merge)
        } else {
            (String::new(), String::new())
        };
        let webhook = if operation.contains("/v1/webhook-endpoints") {
            world
                .created(
                    "/v1/webhook-endpoints",
                    json!({ "url": format!("https://hooks{n}.example.com/in"),
                            "events": ["client.created"] }),
                )
                .await["endpoint"]["id"]
                .as_str()
                .expect("an endpoint")
                .to_owned()
        } else {
            String::new()
        };
        let client = world
            .created(
                "/v1/clients",
                json!({
                    "first_name": "Ana",
                    "last_name": format!("Lima {n}"),
                    "email": if operation.contains(" /v1/me/") {
                        CLIENT_EMAIL.to_owned()
                    } else {
                        format!("ana{n}@example.com")
                    },
                    "sites": [site],
                }),
            )
            .await["id"]
            .as_str()
            .expect("client")
            .to_owned();
        let delivery = if webhook.is_empty() {
            String::new()
        } else {
            let log = world
                .app
                .get(
                    &format!("/v1/webhook-endpoints/{webhook}/deliveries"),
                    &world.app.owner,
                )
                .await;
            log.str("/items/0/id")
        };
        let appointment_type = world
            .created(
                "/v1/appointment-types",
                json!({ "name": format!("Massage {n}"), "duration_minutes": 60, "price": "60.00" }),
            )
            .await["id"]
            .as_str()
            .expect("type")
            .to_owned();
        let booking = json!({
            "appointment_type_id": appointment_type,
            "site_id": site,
            "starts_at": "2031-03-04T10:00:00Z",
            "client": { "client_id": client },
        });
        let appointment =
            world.created("/v1/appointments", booking.clone()).await["appointment"]["id"]
                .as_str()
                .expect("appointment")
                .to_owned();
        let paid_appointment =
            world.created("/v1/appointments", booking).await["appointment"]["id"]
                .as_str()
                .expect("appointment")
                .to_owned();
        let card = world
            .created(
                &format!("/v1/clients/{client}/cards"),
                json!({ "number": "4242 4242 4242 4242", "exp_month": 12, "exp_year": 2030, "cvc": "123" }),
            )
            .await["id"]
            .as_str()
            .expect("card")
            .to_owned();
        world
            .created(
                &format!("/v1/appointments/{paid_appointment}/payments/card"),
                json!({ "payment_method_id": card }),
            )
            .await;
        let id = |value: Value| value["id"].as_str().expect("id").to_owned();
        let label = id(world
            .created(
                "/v1/labels",
                json!({ "name": format!("Label {n}"), "colour": "#ffaa00" }),
            )
            .await);
        let field = id(world
            .created(
                "/v1/custom-fields",
                json!({ "name": format!("Field {n}"), "kind": "text" }),
            )
            .await);
        let preference = id(world
            .created(
                "/v1/marketing-preferences",
                json!({ "name": format!("Preference {n}") }),
            )
            .await);
        let document = id(world
            .created(
                &format!("/v1/clients/{client}/documents"),
                json!({ "name": "consent.pdf", "content_type": "application/pdf", "content_base64": "JVBERi0xLjQK" }),
            )
            .await);
        let new_site = id(world
            .created("/v1/sites", json!({ "name": format!("Site {n}") }))
            .await);
        let staff_email = format!("member{n}@example.com");
        let staff = id(world
            .created(
                "/v1/staff",
                json!({ "name": "Member", "email": staff_email, "role": "staff", "sites": [site] }),
            )
            .await);
        let token = world
            .created(
                "/v1/tokens",
                json!({ "label": "front desk", "staff_id": staff }),
            )
            .await["token"]["id"]
            .as_str()
            .expect("token")
            .to_owned();
        let product = id(world
            .created(
                "/v1/products",
                json!({ "name": format!("Pack {n}"), "kind": "package", "appointments": 5, "price": "250.00" }),
            )
            .await);
        let sold = world
            .created(
                "/v1/orders",
                json!({ "product_id": product, "client_id": client, "method": "manual" }),
            )
            .await;
        let text = |pointer: &str| {
            sold.pointer(pointer)
                .and_then(Value::as_str)
                .expect(pointer)
                .to_owned()
        };
        let (order, code, code_text) = (text("/order/id"), text("/code/id"), text("/code/text"));
        let membership_type = id(world
            .created(
                "/v1/membership-types",
                json!({ "name": format!("Monthly {n}"), "rate": "49.00", "period_unit": "month",
                        "payment_method": "manual" }),
            )
            .await);
        let today = chrono::Utc::now().date_naive().to_string();
        let new_membership = || {
            world.created(
                "/v1/memberships",
                json!({ "client_id": client, "type_id": membership_type, "start_date": today,
                        "payment_method": "manual" }),
            )
        };
        let membership = id(new_membership().await);
        let cancelled = id(new_membership().await);
        world
            .created(
                &format!("/v1/memberships/{cancelled}/cancel"),
                json!({ "version": 1 }),
            )
            .await;
        let paused = id(new_membership().await);
        world
            .created(
                &format!("/v1/memberships/{paused}/pause"),
                json!({ "version": 1, "periods": 1 }),
            )
            .await;
        let business = clientele_domain::BusinessId::from_uuid(
            world
                .app
                .get("/v1/business", &world.app.owner)
                .await
                .str("/id")
                .parse()
                .expect("a uuid"),
        );
        let link_of = |membership: &str| {
            let url = world.app.app.membership_link(
                business,
                clientele_domain::MembershipId::from_uuid(membership.parse().expect("a uuid")),
            );
            url.rsplit('/').nth(1).expect("a token").to_owned()
        };
        let (link, cancelled_link, paused_link) =
            (link_of(&membership), link_of(&cancelled), link_of(&paused));
        let credit = world
            .created(
                &format!("/v1/clients/{client}/credits"),
                json!({ "count": 1 }),
            )
            .await["items"][0]["id"]
            .as_str()
            .expect("a credit")
            .to_owned();
        let import = world
            .app
            .post_bytes(
                "/v1/client-imports",
                &world.app.owner,
                "text/csv",
                b"Full name\nAna Lima\n".to_vec(),
            )
            .await
            .str("/id");
        Self {
            n,
            client,
            membership_type,
            membership,
            cancelled,
            paused,
            link,
            cancelled_link,
            paused_link,
            credit,
            appointment_type,
            appointment,
            paid_appointment,
            card,
            label,
            field,
            preference,
            document,
            site: new_site,
            staff,
            staff_email,
            token,
            product,
            code,
            code_text,
            order,
            import,
            duplicate,
            merge,
            webhook,
            delivery,
        }
    }

    /// The path of `template` about these records.
    fn path(&self, method: &str, template: &str) -> String {
        let id = if template.starts_with("/v1/clients/") {
            &self.client
        } else if template == "/v1/appointments/{id}/refunds" {
            &self.paid_appointment
        } else if template.starts_with("/v1/appointments/") {
            &self.appointment
        } else if template.starts_with("/v1/appointment-types/") {
            &self.appointment_type
        } else if template.starts_with("/v1/labels/") {
            &self.label
        } else if template.starts_with("/v1/custom-fields/") {
            &self.field
        } else if template.starts_with("/v1/marketing-preferences/") {
            &self.preference
        } else if template.starts_with("/v1/sites/") {
            &self.site
        } else if template.starts_with("/v1/staff/") {
            &self.staff
        } else if template.starts_with("/v1/tokens/") {
            &self.token
        } else if template.starts_with("/v1/products/") {
            &self.product
        } else if template.starts_with("/v1/codes/{id}") {
            &self.code
        } else if template.starts_with("/v1/orders/{id}") {
            &self.order
        } else if template.starts_with("/v1/client-imports/") {
            &self.import
        } else if template.starts_with("/v1/client-merges/") {
            &self.merge
        } else if template.starts_with("/v1/credits/") {
            &self.credit
        } else if template.starts_with("/v1/membership-types/") {
            &self.membership_type
        } else if template == "/v1/memberships/{id}/reactivate" {
            &self.cancelled
        } else if template == "/v1/memberships/{id}/resume" {
            &self.paused
        } else if template.starts_with("/v1/memberships/{id}") {
            &self.membership
        } else if template == "/v1/self-service/{link}/membership/reactivate" {
            &self.cancelled_link
        } else if template == "/v1/self-service/{link}/membership/resume" {
            &self.paused_link
        } else if template.starts_with("/v1/self-service/{link}") {
            &self.link
        } else if template.starts_with("/v1/webhook-endpoints/") {
            &self.webhook
        } else if template.starts_with("/v1/me/appointments/{id}") {
            &self.appointment
        } else if template == "/v1/me/memberships/{id}/reactivate" {
            &self.cancelled
        } else if template == "/v1/me/memberships/{id}/resume" {
            &self.paused
        } else if template.starts_with("/v1/me/memberships/{id}") {
            &self.membership
        } else {
            assert!(!template.contains('{'), "no record for {method} {template}");
            ""
        };
        template
            .replace("{id}", id)
            .replace("{link}", id)
            .replace("{document_id}", &self.document)
            .replace("{other_id}", &self.duplicate)
            .replace("{delivery_id}", &self.delivery)
    }

    /// A body that the owner could send to `operation`, about these records.
    fn body(&self, operation: &str, business_version: i64) -> Option<Value> {
        let n = self.n;
        let body = match operation {
            "POST /v1/operator/businesses" => json!({
                "name": format!("Business {n}"),
                "owner": { "name": "Owner", "email": format!("owner{n}@example.com") },
            }),
            // A file whose header names the column of full names (and no rows).
            "POST /v1/client-imports" => json!("Full name"),
            "PATCH /v1/business" => {
                json!({ "version": business_version, "name": format!("Spa {n}") })
            }
            "POST /v1/sites" => json!({ "name": format!("New site {n}") }),
            "PUT /v1/sites/{id}" => json!({ "version": 1, "name": format!("Renamed site {n}") }),
            "POST /v1/staff" => json!({
                "name": "New member",
                "email": format!("new{n}@example.com"),
                "role": "staff",
                "sites": [],
            }),
            "PUT /v1/staff/{id}" => json!({
                "version": 1,
                "name": "Renamed",
                "email": self.staff_email,
                "role": "staff",
                "sites": [],
            }),
            "POST /v1/tokens" => json!({ "label": "another" }),
            "POST /v1/clients" => json!({ "first_name": "Bea", "last_name": format!("New {n}") }),
            "PATCH /v1/clients/{id}" => json!({ "version": 1, "phone": null }),
            "POST /v1/clients/{id}/notes" => json!({ "text": "Prefers mornings." }),
            "POST /v1/clients/{id}/merge" => json!({ "version": 1, "absorb": [self.duplicate] }),
            "POST /v1/client-deletions" => json!({ "client_ids": [self.client] }),
            // Open routes: a link or a login that no caller's token changes.
            "POST /v1/account/sign-up" => json!({
                "token": "not-a-link", "email": format!("ana{n}@example.com"),
                "password": "correct horse battery", "terms_version": "1", "privacy_version": "1",
            }),
            "POST /v1/account/verify" => json!({ "token": "clv_not_a_token" }),
            "POST /v1/account/password" => {
                json!({ "token": "clv_not_a_token", "password": "correct horse battery" })
            }
            "POST /v1/account/password-reset" => {
                json!({ "business_id": uuid::Uuid::nil(), "email": "ana@example.com" })
            }
            "POST /v1/client-accounts/password-reset" => json!({ "email": "ana@example.com" }),
            "POST /v1/account/login" => json!({
                "business_id": uuid::Uuid::nil(), "email": "ana@example.com", "password": "correct horse battery",
            }),
            "POST /v1/clients/{id}/documents" => json!({
                "name": "form.pdf",
                "content_type": "application/pdf",
                "content_base64": "JVBERi0xLjQK",
            }),
            "POST /v1/clients/{id}/cards" => json!({
                "number": "4242 4242 4242 4242", "exp_month": 12, "exp_year": 2030, "cvc": "123",
            }),
            "POST /v1/clients/{id}/labels" => json!({ "add": [self.label] }),
            "PUT /v1/clients/{id}/marketing" => {
                json!({ "preference_id": self.preference, "opted_in": true })
            }
            "POST /v1/appointment-types" => json!({
                "name": format!("Facial {n}"), "duration_minutes": 30, "price": "40.00",
            }),
            "PUT /v1/appointment-types/{id}" => json!({
                "version": 1, "name": format!("Long massage {n}"), "duration_minutes": 90, "price": "80.00",
            }),
            "POST /v1/appointments" => json!({
                "appointment_type_id": self.appointment_type,
                "starts_at": "2031-03-05T10:00:00Z",
                "client": { "client_id": self.client },
            }),
            "POST /v1/appointments/{id}/reschedule" => {
                json!({ "version": 1, "starts_at": "2031-03-06T10:00:00Z" })
            }
            "POST /v1/appointments/{id}/cancel" => json!({ "version": 1 }),
            "PUT /v1/appointments/{id}/attendance" => json!({ "attendance": "checked_in" }),
            "POST /v1/appointments/{id}/payments/card" => {
                json!({ "payment_method_id": self.card })
            }
            "POST /v1/appointments/{id}/payments/in-person"
            | "POST /v1/appointments/{id}/invoice" => json!({}),
            "POST /v1/appointments/{id}/refunds" => json!({ "amount": "10.00" }),
            "POST /v1/labels" => json!({ "name": format!("New label {n}"), "colour": "#00aaff" }),
            "PUT /v1/labels/{id}" => {
                json!({ "version": 1, "name": format!("Renamed label {n}"), "colour": "#00aaff" })
            }
            "POST /v1/marketing-preferences" => json!({ "name": format!("New preference {n}") }),
            "POST /v1/custom-fields" => {
                json!({ "name": format!("New field {n}"), "kind": "number" })
            }
            "PATCH /v1/custom-fields/{id}" => {
                json!({ "version": 1, "name": format!("Renamed field {n}") })
            }
            "POST /v1/products" | "PUT /v1/products/{id}" => json!({
                "version": 1, "name": format!("Gift {n}"), "kind": "package", "appointments": 3,
                "price": "150.00",
            }),
            "POST /v1/products/{id}/archive" | "POST /v1/codes/{id}/cancel" => {
                json!({ "version": 1 })
            }
            "POST /v1/codes" => json!({ "product_id": self.product, "client_id": self.client }),
            "POST /v1/codes/lookup" => json!({ "text": self.code_text }),
            "PATCH /v1/codes/{id}" => json!({ "version": 1, "remaining": "3" }),
            "POST /v1/orders" => json!({
                "product_id": self.product, "client_id": self.client, "method": "manual",
            }),
            "POST /v1/orders/{id}/cancel" => json!({ "refund": false }),
            "POST /v1/membership-types" | "PUT /v1/membership-types/{id}" => json!({
                "version": 1, "name": format!("Yearly {n}"), "rate": "490.00",
                "period_unit": "year", "payment_method": "manual",
            }),
            "POST /v1/memberships" => json!({
                "client_id": self.client, "type_id": self.membership_type,
                "start_date": chrono::Utc::now().date_naive().to_string(),
                "payment_method": "manual",
            }),
            "PATCH /v1/memberships/{id}" => json!({ "version": 1, "end_date": "2099-12-31" }),
            "POST /v1/memberships/{id}/cancel" => json!({ "version": 1 }),
            "POST /v1/memberships/{id}/reactivate" | "POST /v1/memberships/{id}/resume" => {
                json!({ "version": 2 })
            }
            "POST /v1/memberships/{id}/pause" => json!({ "version": 1, "periods": 1 }),
            "POST /v1/memberships/{id}/payments" => json!({ "version": 1, "payment_type": "cash" }),
            "POST /v1/clients/{id}/credits" => json!({ "count": 1 }),
            "POST /v1/credits/{id}/revoke" => json!({ "version": 1 }),
            "POST /v1/business/test-clock" => json!({ "now": "2031-01-01T00:00:00Z" }),
            "PUT /v1/memberships/{id}/card" => json!({ "card_id": self.card, "version": 1 }),
            "POST /v1/memberships/{id}/mandate" => json!({ "version": 1 }),
            "POST /v1/self-service/{link}/membership/pause"
            | "POST /v1/me/memberships/{id}/pause" => json!({ "periods": 1 }),
            "POST /v1/me/appointments/{id}/reschedule" => {
                json!({ "version": 1, "starts_at": "2031-03-05T10:00:00Z" })
            }
            "POST /v1/me/appointments/{id}/cancel" => json!({ "version": 1 }),
            "POST /v1/webhook-endpoints" => json!({
                "url": format!("https://new{n}.example.com/in"), "events": ["code.redeemed"],
            }),
            "PATCH /v1/webhook-endpoints/{id}" => json!({ "version": 1, "description": "CRM" }),
            "POST /v1/webhook-endpoints/{id}/rotate-secret" => json!({ "version": 1 }),
            "POST /v1/webhook-endpoints/{id}/replay" => {
                json!({ "since": "2020-01-01T00:00:00Z" })
            }
            "POST /v1/me/appointments" => json!({
                "appointment_type_id": self.appointment_type,
                "starts_at": "2031-03-06T10:00:00Z",
            }),
            "PUT /v1/appointments/{id}/account" => json!({ "version": 1 }),
            "POST /v1/clients/{id}/appointments/account" => json!({ "email": CLIENT_EMAIL }),
            "PUT /v1/self-service/{link}/membership/mandate"
            | "PUT /v1/me/memberships/{id}/mandate" => json!({
                "iban": "FR76 3000 6000 0112 3456 7890 189", "account_holder": "Ana Lima",
            }),
            "PUT /v1/self-service/{link}/membership/card" | "PUT /v1/me/memberships/{id}/card" => {
                json!({
                    "number": "4242 4242 4242 4242", "exp_month": 12, "exp_year": 2099, "cvc": "123",
                })
            }
            _ => return None,
        };
        Some(body)
    }
}

/// Every operation of the served document, as `METHOD /path`, with whether it takes a
/// body.
async fn operations(app: &TestApp) -> Vec<(String, String, bool)> {
    let document = app
        .call(Method::GET, "/openapi.json", None, None)
        .await
        .body;
    let mut operations = Vec::new();
    for (path, item) in document["paths"].as_object().expect("paths") {
        for (method, operation) in item.as_object().expect("path item") {
            operations.push((
                method.to_uppercase(),
                path.clone(),
                operation.get("requestBody").is_some(),
            ));
        }
    }
    operations
}

fn render(table: &BTreeMap<String, [u16; 8]>) -> String {
    let mut out = String::new();
    for (operation, statuses) in table {
        let cells: Vec<String> = statuses.iter().map(|s| format!("{s:>5}")).collect();
        let _ = writeln!(
            out,
            "    ({:<52} [{}]),",
            format!("\"{operation}\","),
            cells.join(",")
        );
    }
    out
}

#[tokio::test]
async fn pl_13_pl_14_who_may_call_each_operation() {
    let world = World::new().await;
    let expected: BTreeMap<String, [u16; 8]> = MATRIX
        .iter()
        .map(|(operation, statuses)| ((*operation).to_owned(), *statuses))
        .collect();

    let mut actual = BTreeMap::new();
    let mut n = 0;
    for (method, path, takes_body) in operations(&world.app).await {
        let operation = format!("{method} {path}");
        let mut statuses = [0; 8];
        for (status, caller) in statuses.iter_mut().zip(&world.tokens) {
            n += 1;
            let records = Records::new(&world, n, &operation).await;
            let business_version = world
                .app
                .get("/v1/business", &world.app.owner)
                .await
                .at("/version")
                .as_i64()
                .unwrap_or_default();
            let body = records.body(&operation, business_version);
            assert_eq!(
                body.is_some(),
                takes_body,
                "{operation}: a body in Records::body exactly when it takes one"
            );
            let token = if path.starts_with("/v1/operator/")
                && caller.as_deref() == Some(&world.app.owner)
            {
                // The operator's routes: the owner's column holds the operator's token.
                Some(OPERATOR_TOKEN.to_owned())
            } else if operation == "POST /v1/me/logout" && caller == &world.tokens[CLIENT] {
                // A session of its own, so that the client's next calls stay logged in.
                Some(client_login(&world.app).await)
            } else {
                caller.clone()
            };
            let method = Method::from_bytes(method.as_bytes()).expect("method");
            *status = world
                .app
                .call(
                    method,
                    &records.path(&operation, &path),
                    token.as_deref(),
                    body,
                )
                .await
                .status;
        }
        actual.insert(operation, statuses);
    }

    let missing: Vec<&String> = actual
        .keys()
        .filter(|o| !expected.contains_key(*o))
        .collect();
    let gone: Vec<&String> = expected
        .keys()
        .filter(|o| !actual.contains_key(*o))
        .collect();
    assert!(
        missing.is_empty() && gone.is_empty() && actual == expected,
        "the matrix differs (callers: {CALLERS:?}).\nWithout a row: {missing:?}\nNo longer served: {gone:?}\nWhat the server answers:\n{}",
        render(&actual)
    );
}
