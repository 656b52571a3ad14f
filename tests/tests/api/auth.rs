//! PL-13: bearer tokens, roles, the first start, and token management.

use poem::http::Method;
use serde_json::json;

use crate::helpers::{OPERATOR_TOKEN, spawn_app};

#[tokio::test]
async fn pl_13_a_missing_token_is_a_401_problem() {
    let app = spawn_app().await;

    let reply = app.call(Method::GET, "/v1/clients", None, None).await;

    reply.assert_problem(401);
    assert!(reply.str("/detail").contains("Bearer"));
}

#[tokio::test]
async fn pl_13_a_wrong_token_is_a_401_problem() {
    let app = spawn_app().await;
    let forged = format!("{}x", app.owner);

    for token in [
        forged.as_str(),
        "clt_nonsense",
        "a-random-string-of-some-length",
    ] {
        app.get("/v1/clients", token).await.assert_problem(401);
    }
}

#[tokio::test]
async fn pl_13_the_first_start_creates_an_owner_whose_token_works() {
    let app = spawn_app().await;

    let me = app.get("/v1/me", &app.owner).await;

    me.assert_status(200);
    assert_eq!(me.at("/role"), &json!("owner"));
    assert!(app.owner.starts_with("clt_"));
}

#[tokio::test]
async fn pl_13_only_the_first_start_bootstraps() {
    let app = spawn_app().await;

    let again = app.app.bootstrap(None).await.expect("bootstrap runs");

    assert_eq!(again, None);
}

#[tokio::test]
async fn pl_13_a_configured_bootstrap_token_is_the_owner_token() {
    let (storage, _db) = clientele_adapters::testing::fresh_storage().await;
    let app = clientele_application::Clientele::new(
        std::sync::Arc::new(storage),
        std::sync::Arc::new(clientele_adapters::SystemClock),
        std::sync::Arc::new(clientele_adapters::UuidV7Ids),
        Default::default(),
        clientele_application::cursor::Cursors::ephemeral(),
    );
    let configured = "my-own-bootstrap-token-0123456789";

    let boot = app.bootstrap(Some(configured)).await.expect("bootstrap");

    assert!(boot.is_some_and(|b| b.token_was_configured && b.owner_token == configured));
    let actor = app.authenticate(configured).await.expect("the token works");
    assert_eq!(actor.role, clientele_domain::Role::Owner);
    assert!(
        app.authenticate("my-own-bootstrap-token-012345678")
            .await
            .is_err()
    );
}

#[tokio::test]
async fn pl_13_a_staff_member_may_neither_manage_staff_nor_read_settings() {
    let app = spawn_app().await;
    let site = app.main_site().await;
    let staff = app.staff_token("staff", "sam@example.com", &[&site]).await;

    app.get("/v1/staff", &staff).await.assert_problem(403);
    app.get("/v1/business", &staff).await.assert_problem(403);
    app.post("/v1/sites", &staff, json!({ "name": "Annex" }))
        .await
        .assert_problem(403);
}

#[tokio::test]
async fn pl_13_an_admin_may_not_manage_staff_or_settings_but_works_with_clients() {
    let app = spawn_app().await;
    let site = app.main_site().await;
    let admin = app.staff_token("admin", "ada@example.com", &[&site]).await;

    app.get("/v1/staff", &admin).await.assert_problem(403);
    app.patch(
        "/v1/business",
        &admin,
        json!({ "version": 1, "name": "Mine" }),
    )
    .await
    .assert_problem(403);
    app.post(
        "/v1/clients",
        &admin,
        json!({ "first_name": "Ana", "last_name": "Silva" }),
    )
    .await
    .assert_status(201);
}

#[tokio::test]
async fn pl_13_a_revoked_token_stops_working() {
    let app = spawn_app().await;
    let created = app
        .post("/v1/tokens", &app.owner, json!({ "label": "tablet" }))
        .await;
    created.assert_status(201);
    let secret = created.str("/secret");
    app.get("/v1/me", &secret).await.assert_status(200);

    app.delete(&format!("/v1/tokens/{}", created.str("/token/id")), &secret)
        .await
        .assert_status(204);

    app.get("/v1/me", &secret).await.assert_problem(401);
}

#[tokio::test]
async fn pl_13_tokens_are_listed_without_their_secret() {
    let app = spawn_app().await;

    let list = app.get("/v1/tokens", &app.owner).await;

    list.assert_status(200);
    let first = &list.at("/items").as_array().expect("items")[0];
    assert!(first.get("secret").is_none());
    assert!(!list.body.to_string().contains(&app.owner));
}

#[tokio::test]
async fn pl_13_only_the_owner_issues_tokens_even_for_oneself() {
    let app = spawn_app().await;
    let site = app.main_site().await;
    let admin = app.staff_token("admin", "ada@example.com", &[&site]).await;
    let staff = app.staff_token("staff", "sam@example.com", &[&site]).await;

    let by_admin = app
        .post("/v1/tokens", &admin, json!({ "label": "spare" }))
        .await;
    let by_staff = app
        .post("/v1/tokens", &staff, json!({ "label": "spare" }))
        .await;

    by_admin.assert_problem(403);
    by_staff.assert_problem(403);
    let mine = app.get("/v1/tokens", &staff).await;
    mine.assert_status(200);
    assert_eq!(mine.at("/items").as_array().expect("items").len(), 1);
}

#[tokio::test]
async fn pl_13_a_staff_member_cannot_revoke_someone_elses_token() {
    let app = spawn_app().await;
    let site = app.main_site().await;
    let staff = app.staff_token("staff", "sam@example.com", &[&site]).await;
    let owners = app.get("/v1/tokens", &app.owner).await;
    let owner_token_id = owners.str("/items/0/id");

    let reply = app
        .delete(&format!("/v1/tokens/{owner_token_id}"), &staff)
        .await;

    reply.assert_problem(404);
    app.get("/v1/me", &app.owner).await.assert_status(200);
}

#[tokio::test]
async fn pl_13_the_last_owner_token_cannot_be_revoked() {
    let app = spawn_app().await;
    let first = app.get("/v1/tokens", &app.owner).await.str("/items/0/id");

    let alone = app.delete(&format!("/v1/tokens/{first}"), &app.owner).await;

    alone.assert_problem(409);
    assert!(alone.str("/detail").contains("last token of an owner"));
    app.get("/v1/me", &app.owner).await.assert_status(200);
    let spare = app
        .post("/v1/tokens", &app.owner, json!({ "label": "spare" }))
        .await
        .str("/secret");
    app.delete(&format!("/v1/tokens/{first}"), &app.owner)
        .await
        .assert_status(204);
    app.get("/v1/me", &spare).await.assert_status(200);
}

#[tokio::test]
async fn pl_13_the_holder_of_the_only_owner_token_is_neither_demoted_nor_removed() {
    let app = spawn_app().await;
    let me = app.get("/v1/me", &app.owner).await;
    let path = format!("/v1/staff/{}", me.str("/id"));
    let other = app
        .post(
            "/v1/staff",
            &app.owner,
            json!({ "name": "Olga", "email": "olga@example.com", "role": "owner" }),
        )
        .await;
    other.assert_status(201);
    let demote =
        json!({ "version": 1, "name": "Owner", "email": "owner@example.com", "role": "admin" });

    app.put(&path, &app.owner, demote.clone())
        .await
        .assert_problem(409);
    app.delete(&path, &app.owner).await.assert_problem(409);

    let token = app
        .post(
            "/v1/tokens",
            &app.owner,
            json!({ "label": "olga", "staff_id": other.str("/id") }),
        )
        .await;
    token.assert_status(201);
    app.put(&path, &app.owner, demote).await.assert_status(200);
    app.get("/v1/me", &token.str("/secret"))
        .await
        .assert_status(200);
}

#[tokio::test]
async fn pl_26_operator_routes_need_the_operator_token() {
    let app = spawn_app().await;
    let body = json!({ "name": "Other", "owner": { "name": "O", "email": "o@example.com" } });

    app.call(
        Method::POST,
        "/v1/operator/businesses",
        None,
        Some(body.clone()),
    )
    .await
    .assert_problem(401);
    app.post("/v1/operator/businesses", &app.owner, body.clone())
        .await
        .assert_problem(401);
    app.post("/v1/operator/businesses", OPERATOR_TOKEN, body)
        .await
        .assert_status(201);
}
