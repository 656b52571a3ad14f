//! PL-7, PL-8, PL-22: documentation, problem errors, health and request ids.

use poem::http::Method;
use serde_json::json;

use crate::helpers::spawn_app;

#[tokio::test]
async fn pl_7_the_openapi_document_is_generated_and_lists_the_v1_routes() {
    let app = spawn_app().await;

    let spec = app.call(Method::GET, "/openapi.json", None, None).await;

    spec.assert_status(200);
    assert_eq!(spec.at("/openapi"), &json!("3.0.0"));
    let paths = spec.at("/paths").as_object().expect("paths");
    for path in [
        "/v1/clients",
        "/v1/clients/{id}",
        "/v1/sites",
        "/v1/staff",
        "/v1/tokens",
        "/v1/business",
        "/v1/operator/businesses",
        "/health",
        "/ready",
    ] {
        assert!(paths.contains_key(path), "{path} is documented");
    }
    let client_view = spec.at("/components/schemas/ClientView/properties");
    for field in [
        "first_name",
        "last_name",
        "email",
        "phone",
        "sites",
        "version",
    ] {
        assert!(client_view.get(field).is_some(), "ClientView has {field}");
    }
}

#[tokio::test]
async fn pl_7_swagger_ui_is_served_at_docs() {
    let app = spawn_app().await;

    let docs = app.call(Method::GET, "/docs", None, None).await;

    docs.assert_status(200);
    assert!(docs.body.as_str().unwrap_or_default().contains("swagger"));
}

#[tokio::test]
async fn pl_22_health_and_ready_answer_when_the_database_is_migrated() {
    let app = spawn_app().await;

    let health = app.call(Method::GET, "/health", None, None).await;
    let ready = app.call(Method::GET, "/ready", None, None).await;

    health.assert_status(200);
    ready.assert_status(200);
    assert_eq!(ready.at("/status"), &json!("ok"));
}

#[tokio::test]
async fn pl_22_every_response_carries_a_request_id_and_echoes_a_sane_one() {
    let app = spawn_app().await;

    let made = app.call(Method::GET, "/health", None, None).await;
    let echoed = app
        .client
        .get("/health")
        .header("x-request-id", "abc-123")
        .send()
        .await;

    assert!(made.request_id.is_some_and(|id| !id.is_empty()));
    echoed.assert_header("x-request-id", "abc-123");
}

#[tokio::test]
async fn pl_8_an_unknown_route_is_a_404_problem() {
    let app = spawn_app().await;

    let reply = app.get("/v1/nothing-here", &app.owner).await;

    reply.assert_problem(404);
    assert_eq!(reply.at("/title"), &json!("Not Found"));
    assert!(
        reply
            .at("/type")
            .as_str()
            .unwrap_or_default()
            .starts_with("https://")
    );
}

#[tokio::test]
async fn pl_8_a_body_that_is_not_json_of_the_right_shape_is_a_400_problem() {
    let app = spawn_app().await;

    let wrong_shape = app
        .post("/v1/clients", &app.owner, json!({ "first_name": "Ana" }))
        .await;
    let unknown_field = app
        .post(
            "/v1/clients",
            &app.owner,
            json!({ "first_name": "Ana", "last_name": "Silva", "nickname": "A" }),
        )
        .await;

    wrong_shape.assert_problem(400);
    unknown_field.assert_problem(400);
}

#[tokio::test]
async fn pl_8_a_malformed_path_id_is_a_400_problem_naming_the_parameter() {
    let app = spawn_app().await;

    let reply = app.get("/v1/clients/not-a-uuid", &app.owner).await;

    reply.assert_problem(400);
    assert_eq!(reply.problem_fields(), ["id"]);
}

#[tokio::test]
async fn pl_23_a_number_or_boolean_where_text_is_expected_is_a_400_problem() {
    let app = spawn_app().await;

    for body in [
        json!({ "first_name": 123, "last_name": "Silva" }),
        json!({ "first_name": "Ana", "last_name": true }),
        json!({ "first_name": "Ana", "last_name": "Silva", "email": 5 }),
    ] {
        app.post("/v1/clients", &app.owner, body.clone())
            .await
            .assert_problem(400);
    }
    assert!(
        app.all_client_ids("/v1/clients", &app.owner)
            .await
            .is_empty()
    );
}
