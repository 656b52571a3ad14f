//! PL-7 and issue 16 hole 10: the served OpenAPI document says what the server accepts
//! and answers, closely enough for a generated client to use it.

use poem::http::Method;
use serde_json::Value;

use crate::helpers::{TestApp, spawn_app};

async fn document(app: &TestApp) -> Value {
    let reply = app.call(Method::GET, "/openapi.json", None, None).await;
    reply.assert_status(200);
    reply.body
}

fn schema<'a>(document: &'a Value, name: &str) -> &'a Value {
    document
        .pointer(&format!("/components/schemas/{name}"))
        .unwrap_or_else(|| panic!("schema {name}"))
}

fn operations(document: &Value) -> impl Iterator<Item = (String, &Value)> {
    document["paths"]
        .as_object()
        .expect("paths")
        .iter()
        .flat_map(|(path, item)| {
            item.as_object()
                .expect("path item")
                .iter()
                .map(move |(method, op)| (format!("{} {path}", method.to_uppercase()), op))
        })
}

fn statuses(operation: &Value) -> Vec<String> {
    operation["responses"]
        .as_object()
        .expect("responses")
        .keys()
        .cloned()
        .collect()
}

#[tokio::test]
async fn pl_7_fields_that_null_clears_are_nullable() {
    let app = spawn_app().await;
    let document = document(&app).await;

    for name in ["ClientChangesParams", "NewClientParams"] {
        let properties = &schema(&document, name)["properties"];
        for field in ["email", "phone", "client_notes"] {
            assert_eq!(properties[field]["nullable"], true, "{name}.{field}");
        }
        assert_eq!(
            properties["custom_fields"]["additionalProperties"]["nullable"], true,
            "{name}: a custom field's value is cleared with null"
        );
    }
    let changes = &schema(&document, "ClientChangesParams");
    assert_eq!(changes["required"], serde_json::json!(["version"]));
    assert_ne!(changes["properties"]["version"]["nullable"], true);
}

#[tokio::test]
async fn pl_7_request_bodies_refuse_unknown_fields_in_the_document_as_on_the_server() {
    let app = spawn_app().await;
    let document = document(&app).await;

    for name in [
        "NewClientParams",
        "BookingParams",
        "BookingClientParams",
        "SiteParams",
    ] {
        assert_eq!(
            schema(&document, name)["additionalProperties"],
            false,
            "{name}"
        );
    }
    let site = app.main_site().await;
    let refused = app
        .put(
            &format!("/v1/sites/{site}"),
            &app.owner,
            serde_json::json!({"version": 1, "name": "Main", "colour": "red"}),
        )
        .await;
    refused.assert_problem(400);
}

#[tokio::test]
async fn pl_7_optional_query_lists_are_not_required_and_days_are_dates() {
    let app = spawn_app().await;
    let document = document(&app).await;

    let parameters = document
        .pointer("/paths/~1v1~1clients/get/parameters")
        .and_then(Value::as_array)
        .expect("list_clients parameters");
    for name in ["labels_any", "labels_all", "field"] {
        let parameter = parameters
            .iter()
            .find(|p| p["name"] == name)
            .unwrap_or_else(|| panic!("{name}"));
        assert_eq!(parameter["required"], false, "{name}");
    }
    let since = &schema(&document, "ClientView")["properties"]["client_since"];
    assert_eq!(since["format"], "date");
    assert!(
        !document.to_string().contains("naive-date"),
        "no non-standard date format is left"
    );
}

#[tokio::test]
async fn pl_7_money_fields_state_their_pattern_and_an_example() {
    let app = spawn_app().await;
    let document = document(&app).await;

    for (name, field) in [
        ("AppointmentTypeView", "price"),
        ("NewAppointmentTypeParams", "price"),
        ("AppointmentView", "paid"),
        ("RefundParams", "amount"),
        ("PaymentView", "amount"),
    ] {
        let property = &schema(&document, name)["properties"][field];
        assert_eq!(
            property["pattern"], "^[0-9]+(\\.[0-9]+)?$",
            "{name}.{field}"
        );
        assert_eq!(property["example"], "60.00", "{name}.{field}");
    }
    for name in [
        "NewClientParams",
        "ClientChangesParams",
        "BookingParams",
        "Problem",
    ] {
        assert!(
            schema(&document, name)["example"].is_object(),
            "{name} has an example"
        );
    }
}

#[tokio::test]
async fn pl_7_a_document_is_described_with_every_type_it_is_served_with() {
    let app = spawn_app().await;
    let document = document(&app).await;

    let content = document
        .pointer(
            "/paths/~1v1~1clients~1{id}~1documents~1{document_id}~1content/get/responses/200/content",
        )
        .and_then(Value::as_object)
        .expect("document content");
    for media_type in ["application/pdf", "image/png", "application/octet-stream"] {
        assert!(content.contains_key(media_type), "{media_type}");
    }
    assert!(!content.contains_key("text/html"));
}

#[tokio::test]
async fn pl_8_each_operation_lists_only_the_problems_it_can_answer() {
    let app = spawn_app().await;
    let document = document(&app).await;
    let by_name: std::collections::BTreeMap<String, Vec<String>> = operations(&document)
        .map(|(name, op)| (name, statuses(op)))
        .collect();
    // The operations that take a token: the others (a sign-up, a login) have none to
    // refuse.
    let secured: std::collections::BTreeSet<String> = operations(&document)
        .filter(|(_, op)| op.get("security").is_some())
        .map(|(name, _)| name)
        .collect();

    assert_eq!(by_name["GET /v1/me"], ["200", "401", "500"]);
    assert_eq!(by_name["GET /v1/labels"], ["200", "400", "401", "500"]);
    assert_eq!(
        by_name["POST /v1/account/password"],
        ["204", "400", "413", "415", "422", "500"]
    );
    assert!(secured.contains("GET /v1/me/account") && !secured.contains("POST /v1/account/login"));
    for status in ["400", "401", "404", "409", "413", "415", "422", "503"] {
        assert!(
            by_name["POST /v1/appointments/{id}/payments/card"].contains(&status.to_owned()),
            "a card charge may answer {status}"
        );
    }
    for (name, statuses) in &by_name {
        if name.starts_with("GET ") {
            for status in ["413", "415"] {
                assert!(!statuses.contains(&status.to_owned()), "{name}: {status}");
            }
        }
        if secured.contains(name) {
            assert!(statuses.contains(&"401".to_owned()), "{name}: 401");
        }
    }
}

#[tokio::test]
async fn pl_7_the_description_says_what_the_api_is_now() {
    let app = spawn_app().await;
    let document = document(&app).await;

    let description = document["info"]["description"]
        .as_str()
        .expect("description");
    for topic in [
        "appointments",
        "payments",
        "Idempotency-Key",
        "problem+json",
        "cursor",
    ] {
        assert!(description.contains(topic), "{topic}");
    }
    let docs = app.call(Method::GET, "/docs", None, None).await;
    let page = docs.body.as_str().unwrap_or_default();
    assert!(
        page.contains("\"additionalProperties\":false"),
        "Swagger UI shows the refined document"
    );
}

/// The served document, kept in `docs/openapi.json` for generated clients (the Rust one in
/// `tests/client` is built from it). `CLIENTELE_WRITE_OPENAPI=1` rewrites the file.
#[tokio::test]
async fn pl_7_docs_openapi_json_is_the_served_document() {
    let app = spawn_app().await;
    let served = document(&app).await;
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/openapi.json");

    if std::env::var_os("CLIENTELE_WRITE_OPENAPI").is_some() {
        let text = serde_json::to_string_pretty(&served).expect("json") + "\n";
        std::fs::write(&path, text).expect("docs/openapi.json written");
    }
    let kept: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap_or_default())
        .unwrap_or(Value::Null);

    assert!(
        kept == served,
        "docs/openapi.json is not the served document: run \
         `CLIENTELE_WRITE_OPENAPI=1 cargo test -p clientele-tests --test api docs_openapi` \
         and commit it"
    );
}
