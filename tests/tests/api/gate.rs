//! PL-8, PL-26: what every request meets before its handler: a 405 with `Allow`, a 414 for
//! a long URI, a 413 for a large body (declared or not), and a token checked before the
//! body is read. Every answer is a problem.

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

use base64::Engine;
use poem::Body;
use poem::http::Method;
use serde_json::json;
use tokio::io::{AsyncRead, ReadBuf};

use crate::helpers::{OPERATOR_TOKEN, Reply, spawn_app, spawn_app_with};
use clientele_api::HttpLimits;

const MIB: usize = 1024 * 1024;

/// A body that fails as soon as anyone reads it: a request answered without the failure
/// was answered without reading its body.
struct Unreadable;

impl AsyncRead for Unreadable {
    fn poll_read(
        self: Pin<&mut Self>,
        _: &mut Context<'_>,
        _: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Poll::Ready(Err(io::Error::other("this body must not be read")))
    }
}

/// A client to create whose first name makes the body `bytes` long or a little more.
fn client_of_size(bytes: usize) -> serde_json::Value {
    json!({ "first_name": "A".repeat(bytes), "last_name": "Silva" })
}

#[tokio::test]
async fn pl_8_a_known_path_with_a_method_it_does_not_serve_is_a_405_problem_with_allow() {
    let app = spawn_app().await;

    let response = app
        .client
        .delete("/v1/clients")
        .header("authorization", format!("Bearer {}", app.owner))
        .send()
        .await;

    response.assert_header("allow", "GET, POST, HEAD");
    Reply::of(response).await.assert_problem(405);
}

#[tokio::test]
async fn pl_8_a_uri_longer_than_8_kib_is_a_414_problem() {
    let app = spawn_app().await;
    let long = format!("/v1/clients?q={}", "a".repeat(9 * 1024));
    let fine = format!("/v1/clients?q={}", "a".repeat(7 * 1024));

    let refused = app.get(&long, &app.owner).await;
    let served = app.get(&fine, &app.owner).await;

    refused.assert_problem(414);
    assert_ne!(served.status, 414);
}

#[tokio::test]
async fn pl_8_a_body_over_1_mib_is_a_413_problem_whether_its_length_is_declared_or_not() {
    let app = spawn_app().await;
    let auth = format!("Bearer {}", app.owner);

    let declared = app
        .post("/v1/clients", &app.owner, client_of_size(2 * MIB))
        .await;
    let streamed = app
        .client
        .post("/v1/clients")
        .header("authorization", &auth)
        .content_type("application/json")
        .body(Body::from_async_read(io::Cursor::new(vec![b' '; 2 * MIB])))
        .send()
        .await;
    let under = app
        .post("/v1/clients", &app.owner, client_of_size(MIB - 100))
        .await;

    declared.assert_problem(413);
    Reply::of(streamed).await.assert_problem(413);
    // Read and judged by the handler: a first name that long breaks a rule.
    under.assert_problem(422);
}

#[tokio::test]
async fn pl_8_the_body_limit_is_configurable() {
    let app = spawn_app_with(HttpLimits {
        max_body_bytes: 200,
    })
    .await;

    let over = app
        .post("/v1/clients", &app.owner, client_of_size(300))
        .await;
    let within = app
        .post("/v1/clients", &app.owner, client_of_size(10))
        .await;

    over.assert_problem(413);
    within.assert_status(201);
}

#[tokio::test]
async fn pl_8_a_document_upload_may_be_larger_than_the_body_limit() {
    let app = spawn_app().await;
    let client = app.create_client(&app.owner, client_of_size(3)).await;
    let content = base64::engine::general_purpose::STANDARD.encode(vec![7_u8; 2 * MIB]);

    let upload = app
        .post(
            &format!("/v1/clients/{}/documents", client["id"].as_str().unwrap()),
            &app.owner,
            json!({ "name": "scan.bin", "content_type": "application/octet-stream", "content_base64": content }),
        )
        .await;

    upload.assert_status(201);
}

#[tokio::test]
async fn pl_26_a_missing_or_bad_token_is_refused_before_the_body_is_read() {
    let app = spawn_app().await;
    let send = |path: &'static str, auth: Option<String>| {
        let mut request = app
            .client
            .post(path)
            .content_type("application/json")
            .body(Body::from_async_read(Unreadable));
        if let Some(auth) = auth {
            request = request.header("authorization", auth);
        }
        async move { Reply::of(request.send().await).await }
    };

    let bad_staff = send("/v1/clients", Some("Bearer clt_not-a-token".into())).await;
    let missing = send("/v1/clients", None).await;
    let bad_operator = send("/v1/operator/businesses", Some("Bearer wrong".into())).await;
    // The control: with a good token the body is read, and its failure shows.
    let good = send("/v1/clients", Some(format!("Bearer {}", app.owner))).await;
    let good_operator = send(
        "/v1/operator/businesses",
        Some(format!("Bearer {OPERATOR_TOKEN}")),
    )
    .await;

    bad_staff.assert_problem(401);
    missing.assert_problem(401);
    bad_operator.assert_problem(401);
    good.assert_problem(400);
    good_operator.assert_problem(400);
}

#[tokio::test]
async fn pl_8_an_unknown_route_is_still_a_404_and_an_open_route_needs_no_token() {
    let app = spawn_app().await;

    let unknown = app.call(Method::POST, "/v1/nothing", None, None).await;
    let health = app.call(Method::GET, "/health", None, None).await;

    unknown.assert_problem(404);
    health.assert_status(200);
}

#[tokio::test]
async fn pl_8_a_query_parameter_the_operation_does_not_take_is_a_400_problem_naming_it() {
    let app = spawn_app().await;
    let label = app
        .post(
            "/v1/labels",
            &app.owner,
            json!({ "name": "VIP", "colour": "#ffaa00" }),
        )
        .await
        .str("/id");

    let misspelt = app
        .get(&format!("/v1/clients?label_any={label}"), &app.owner)
        .await;
    let stranger = app
        .call(Method::GET, "/v1/clients?label_any=x", None, None)
        .await;
    let spelt = app
        .get(&format!("/v1/clients?labels_any={label}&q=ana"), &app.owner)
        .await;

    misspelt.assert_problem(400);
    assert_eq!(misspelt.problem_fields(), ["label_any"]);
    assert!(
        misspelt.str("/detail").contains("labels_any"),
        "it lists what it takes"
    );
    stranger.assert_problem(401);
    spelt.assert_status(200);
}
