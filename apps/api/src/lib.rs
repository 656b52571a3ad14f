//! Clientele's HTTP API: poem + poem-openapi routes under `/v1`, the OpenAPI document at
//! `/openapi.json` and Swagger UI at `/docs` (PL-7), `/health` and `/ready` (PL-22).
//!
//! This crate is a thin inbound adapter: it parses requests into commands, calls one use
//! case of `clientele-application`, and maps results and errors to HTTP. It must not talk
//! to the database or hold business rules.

pub mod document;
pub mod envelope;
pub mod event_views;
pub mod export;
pub mod gate;
pub mod idempotency;
pub mod import_command;
pub mod json;
pub mod problem;
pub mod routes;
pub mod security;
pub mod text;

use poem::endpoint::make_sync;
use poem::web::Html;
use poem::{Endpoint, EndpointExt, Route};
use poem_openapi::OpenApiService;

use clientele_application::Clientele;

pub use event_views::ApiViews;
pub use gate::{Gate, HttpLimits};

/// The OpenAPI service with every route, for serving or for writing the document.
pub fn openapi(app: &Clientele) -> OpenApiService<routes::Apis, ()> {
    OpenApiService::new(routes::apis(app), "Clientele", env!("CARGO_PKG_VERSION"))
        .description(DESCRIPTION)
}

const DESCRIPTION: &str = "\
Client management for appointment businesses (spas, salons, studios, clinics, coaches): \
clients with search, filters, labels, custom fields, notes, documents, marketing consent \
and an audit trail; sites, staff, roles and API tokens; services, appointments, \
attendance, card, in-person and invoice payments and refunds; packages, gift \
certificates, subscriptions and memberships; imports, exports, merges, duplicates, deletion \
and erasure of clients; client accounts; the emails the business sends.

Authenticate with `Authorization: Bearer <token>` (a staff token; `/v1/operator/...` takes \
the operator's; `/v1/me/...` a client account's session, from `/v1/account/login`). A token \
sees one business and, below the owner's role, only its sites. \
Lists are pages: pass `next_cursor` back as `cursor`. Changes carry the `version` they are \
based on; a stale one is a 409. Payments accept an `Idempotency-Key` (1 to 255 visible \
ASCII characters): a retry with the same key gets the first answer. Bodies are JSON, at \
most 1 MiB unless an operation says otherwise. Every error is \
`application/problem+json` (RFC 9457), with the fields at fault under `errors`.";

/// The OpenAPI document served at `/openapi.json` and shown at `/docs`.
pub fn document(app: &Clientele) -> String {
    document::refine(&openapi(app).spec())
}

/// The whole HTTP application: API, documentation, request ids, logs, the gate (limits
/// and tokens checked before bodies are read) and problem errors.
pub fn router(app: Clientele, limits: HttpLimits) -> impl Endpoint {
    let api = openapi(&app);
    let original = api.spec();
    let document = document::refine(&original);
    // Swagger UI embeds the document: show the refined one.
    let docs_page = api.swagger_ui_html().replace(&original, &document);
    let served = document.clone();
    let spec = make_sync(move |_| {
        poem::Response::builder()
            .content_type("application/json; charset=utf-8")
            .body(served.clone())
    });
    let docs = make_sync(move |_| Html(docs_page.clone()));
    let routes = Route::new()
        .nest("/", api)
        .at("/openapi.json", spec)
        .at("/docs", docs);
    Gate::new(routes, app, &document, limits).around(envelope::envelope)
}
