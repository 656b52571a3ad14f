//! The API's client as progenitor generates it from the served OpenAPI document, kept in
//! `docs/openapi.json` (a test of `clientele-tests` checks that the file is the served
//! document). If this crate does not build, generated clients cannot use the API.

progenitor::generate_api!(spec = "../../docs/openapi.json", interface = Builder);
