//! PL-4, PL-11, PL-13: several processes (here, tasks on several threads) acting at once on
//! one database coordinate through it alone.

use std::sync::Arc;

use serde_json::json;
use tokio::task::JoinSet;

use clientele_adapters::testing::fresh_storage;
use clientele_adapters::{SystemClock, UuidV7Ids};
use clientele_application::clients::ClientError;
use clientele_application::cursor::Cursors;
use clientele_application::tokens::TokenError;
use clientele_application::{Clientele, Config};
use clientele_domain::client::ClientChangesInput;
use clientele_domain::{ClientId, PageLimit, TokenId, Version};

use crate::helpers::spawn_app;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn pl_13_of_several_first_starts_at_once_exactly_one_bootstraps() {
    let (storage, _db) = fresh_storage().await;
    let app = Clientele::new(
        Arc::new(storage),
        Arc::new(SystemClock),
        Arc::new(UuidV7Ids),
        Config::default(),
        Cursors::ephemeral(),
    );
    let mut starts = JoinSet::new();
    for _ in 0..6 {
        let app = app.clone();
        starts.spawn(async move { app.bootstrap(None).await });
    }

    let outcomes: Vec<_> = starts.join_all().await;

    let bootstrapped: Vec<_> = outcomes
        .into_iter()
        .filter_map(|o| o.expect("bootstrap does not fail"))
        .collect();
    assert_eq!(bootstrapped.len(), 1);
    let owner = app
        .authenticate(&bootstrapped[0].owner_token)
        .await
        .expect("the winner's token works");
    assert_eq!(owner.business_id, bootstrapped[0].business);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn pl_11_of_concurrent_updates_based_on_one_version_exactly_one_wins() {
    let app = spawn_app().await;
    let client = app
        .create_client(
            &app.owner,
            json!({ "first_name": "Ana", "last_name": "Silva" }),
        )
        .await;
    let id: ClientId = serde_json::from_value(client["id"].clone()).expect("an id");
    let actor = app.app.authenticate(&app.owner).await.expect("owner");
    let mut updates = JoinSet::new();
    for i in 0..8 {
        let (use_cases, actor) = (app.app.clone(), actor.clone());
        updates.spawn(async move {
            let change = ClientChangesInput {
                email: Some(Some(format!("ana{i}@example.com"))),
                ..Default::default()
            };
            use_cases
                .update_client(&actor, id, Version::initial(), &change)
                .await
        });
    }

    let outcomes = updates.join_all().await;

    let won: Vec<_> = outcomes.iter().filter_map(|o| o.as_ref().ok()).collect();
    let conflicts = outcomes
        .iter()
        .filter(|o| matches!(o, Err(ClientError::VersionConflict)))
        .count();
    assert_eq!(won.len(), 1, "{outcomes:?}");
    assert_eq!(conflicts, 7, "{outcomes:?}");
    let stored = app
        .get(
            &format!("/v1/clients/{}", client["id"].as_str().expect("id")),
            &app.owner,
        )
        .await;
    assert_eq!(stored.at("/version"), &json!(2));
    assert_eq!(
        stored.at("/email"),
        &json!(won[0].email().as_ref().map(|e| e.as_str()))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn pl_13_of_two_owner_tokens_revoked_at_once_one_stays() {
    let app = spawn_app().await;
    let actor = app.app.authenticate(&app.owner).await.expect("owner");
    app.post("/v1/tokens", &app.owner, json!({ "label": "spare" }))
        .await
        .assert_status(201);
    let tokens = app.get("/v1/tokens", &app.owner).await;
    let ids: Vec<TokenId> = tokens
        .at("/items")
        .as_array()
        .expect("items")
        .iter()
        .map(|t| serde_json::from_value(t["id"].clone()).expect("an id"))
        .collect();
    assert_eq!(ids.len(), 2);
    let mut revocations = JoinSet::new();
    for id in ids {
        let (app, actor) = (app.app.clone(), actor.clone());
        revocations.spawn(async move { app.revoke_token(&actor, id).await });
    }

    let outcomes = revocations.join_all().await;

    let revoked = outcomes.iter().filter(|o| o.is_ok()).count();
    let refused = outcomes
        .iter()
        .filter(|o| matches!(o, Err(TokenError::LastOwnerToken)))
        .count();
    assert_eq!((revoked, refused), (1, 1), "{outcomes:?}");
    let left = app
        .app
        .list_tokens(&actor, PageLimit::default(), None)
        .await;
    assert_eq!(left.expect("listed").items.len(), 1);
}
