//! Clientele's HTTP API: poem + poem-openapi routes under `/v1`, the OpenAPI document at
//! `/openapi.json` and Swagger UI at `/docs` (PL-7), `/health` and `/ready` (PL-22).
//!
//! This crate is a thin inbound adapter: it parses requests into commands, calls one use
//! case of `clientele-application`, and maps results and errors to HTTP. It must not talk
//! to the database or hold business rules.

pub mod envelope;
pub mod gate;
pub mod idempotency;
pub mod problem;
pub mod routes;
pub mod security;
pub mod text;

use poem::{Endpoint, EndpointExt, Route};
use poem_openapi::OpenApiService;

use clientele_application::Clientele;

pub use gate::{Gate, HttpLimits};

/// The OpenAPI service with every route, for serving or for writing the document.
pub fn openapi(app: &Clientele) -> OpenApiService<routes::Apis, ()> {
    OpenApiService::new(routes::apis(app), "Clientele", env!("CARGO_PKG_VERSION")).description(
        "Client management for appointment businesses: clients, sites, staff and their \
         tokens. Authenticate with `Authorization: Bearer <token>`. Errors are \
         `application/problem+json` (RFC 9457).",
    )
}

/// The whole HTTP application: API, documentation, request ids, logs, the gate (limits
/// and tokens checked before bodies are read) and problem errors.
pub fn router(app: Clientele, limits: HttpLimits) -> impl Endpoint {
    let api = openapi(&app);
    let document = api.spec();
    let spec = api.spec_endpoint();
    let docs = api.swagger_ui();
    let routes = Route::new()
        .nest("/", api)
        .at("/openapi.json", spec)
        .nest("/docs", docs);
    Gate::new(routes, app, &document, limits).around(envelope::envelope)
}
