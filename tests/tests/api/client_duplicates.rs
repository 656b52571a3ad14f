//! CL-19: duplicate suggestions for a client and for the whole list, and "not the same
//! person" remembered.

use poem::http::Method;
use serde_json::{Value, json};

use crate::helpers::{Reply, TestApp, spawn_app};

async fn client(app: &TestApp, body: Value) -> String {
    app.create_client(&app.owner, body).await["id"]
        .as_str()
        .expect("an id")
        .to_owned()
}

async fn suggestions(app: &TestApp, token: &str, id: &str) -> Reply {
    let reply = app
        .get(&format!("/v1/clients/{id}/duplicates"), token)
        .await;
    reply.assert_status(200);
    reply
}

/// `(client id, reasons)` of each suggestion, in order.
fn found(reply: &Reply) -> Vec<(String, Vec<String>)> {
    reply
        .at("/items")
        .as_array()
        .expect("items")
        .iter()
        .map(|s| {
            let reasons = s["reasons"].as_array().expect("reasons").iter();
            (
                s["client"]["id"].as_str().expect("an id").to_owned(),
                reasons
                    .map(|r| r.as_str().expect("a reason").to_owned())
                    .collect(),
            )
        })
        .collect()
}

async fn dismissal(app: &TestApp, method: Method, id: &str, other: &str) -> Reply {
    let path = format!("/v1/clients/{id}/duplicates/{other}/dismissal");
    app.call(method, &path, Some(&app.owner), None).await
}

#[tokio::test]
async fn cl_19_suggestions_name_each_likely_duplicate_with_its_reasons_likeliest_first() {
    // Arrange: one person entered five ways, and a stranger.
    let t = spawn_app().await;
    let anna = client(
        &t,
        json!({
            "first_name": "Anna", "last_name": "Martin",
            "email": "anna.martin@example.com", "phone": "+33 6 12 34 56 78",
        }),
    )
    .await;
    let same_email = client(
        &t,
        json!({
            "first_name": "A.", "last_name": "M.", "email": "Anna.Martin@Example.com",
        }),
    )
    .await;
    let same_phone_and_name = client(
        &t,
        json!({
            "first_name": "Anna", "last_name": "Martin", "phone": "+33612345678",
        }),
    )
    .await;
    let typo = client(&t, json!({ "first_name": "Ana", "last_name": "Martin" })).await;
    let swapped = client(&t, json!({ "first_name": "Martin", "last_name": "Anna" })).await;
    let accents = client(&t, json!({ "first_name": "ANNA", "last_name": "Mârtin" })).await;
    client(&t, json!({ "first_name": "Paul", "last_name": "Martin" })).await;

    // Act
    let reply = suggestions(&t, &t.owner, &anna).await;

    // Assert: strongest evidence first; the stranger is not there.
    let found = found(&reply);
    let scores: Vec<u64> = (reply.at("/items").as_array().expect("items").iter())
        .map(|s| s["score"].as_u64().expect("a score"))
        .collect();
    assert!(scores.windows(2).all(|w| w[0] >= w[1]), "{scores:?}");
    assert_eq!(found.len(), 5, "{found:?}");
    assert_eq!(
        found[0],
        (
            same_phone_and_name,
            vec!["same_phone".into(), "same_name".into()]
        )
    );
    assert_eq!(found[1], (same_email, vec!["same_email".into()]));
    assert_eq!(found[2], (accents, vec!["same_name".into()]));
    assert_eq!(found[3], (swapped, vec!["swapped_names".into()]));
    assert_eq!(found[4], (typo, vec!["similar_name".into()]));
}

#[tokio::test]
async fn cl_19_a_nickname_is_a_reason() {
    let t = spawn_app().await;
    let bob = client(&t, json!({ "first_name": "Bob", "last_name": "Dylan" })).await;
    let robert = client(&t, json!({ "first_name": "Robert", "last_name": "Dylan" })).await;

    let found = found(&suggestions(&t, &t.owner, &bob).await);

    assert_eq!(found, [(robert, vec!["nickname".to_owned()])]);
}

#[tokio::test]
async fn cl_19_a_pair_said_not_to_be_one_person_is_not_suggested_again_until_taken_back() {
    // Arrange
    let t = spawn_app().await;
    let a = client(&t, json!({ "first_name": "Léa", "last_name": "Roux" })).await;
    let b = client(&t, json!({ "first_name": "Lea", "last_name": "Roux" })).await;
    assert_eq!(found(&suggestions(&t, &t.owner, &a).await).len(), 1);

    // Act: dismissed twice (idempotent), from one side.
    dismissal(&t, Method::PUT, &a, &b).await.assert_status(204);
    dismissal(&t, Method::PUT, &a, &b).await.assert_status(204);

    // Assert: neither side suggests the other, nor does the review queue.
    assert!(found(&suggestions(&t, &t.owner, &a).await).is_empty());
    assert!(found(&suggestions(&t, &t.owner, &b).await).is_empty());
    let queue = t.get("/v1/client-duplicates", &t.owner).await;
    queue.assert_status(200);
    assert_eq!(queue.at("/items"), &json!([]));

    // Taken back from the other side: suggested again.
    dismissal(&t, Method::DELETE, &b, &a)
        .await
        .assert_status(204);
    assert_eq!(found(&suggestions(&t, &t.owner, &a).await).len(), 1);
}

#[tokio::test]
async fn cl_19_bad_dismissals_are_refused() {
    let t = spawn_app().await;
    let a = client(&t, json!({ "first_name": "Léa", "last_name": "Roux" })).await;
    let absent = uuid::Uuid::now_v7().to_string();

    dismissal(&t, Method::PUT, &a, &a).await.assert_problem(422);
    dismissal(&t, Method::PUT, &a, &absent)
        .await
        .assert_problem(404);
    dismissal(&t, Method::PUT, &absent, &a)
        .await
        .assert_problem(404);
    t.get(&format!("/v1/clients/{absent}/duplicates"), &t.owner)
        .await
        .assert_problem(404);
}

#[tokio::test]
async fn cl_19_the_review_queue_names_each_pair_once_across_its_pages() {
    // Arrange: two pairs and a loner, looked at two clients per page.
    let t = spawn_app().await;
    for (first, last, email) in [
        ("Zoé", "Abel", "zoe@example.com"),
        ("Zoey", "Abel", "other@example.com"),
        ("Jean", "Blanc", "jb@example.com"),
        ("Jon", "Weiss", "jb@example.com"),
        ("Marc", "Petit", "marc@example.com"),
    ] {
        client(
            &t,
            json!({ "first_name": first, "last_name": last, "email": email }),
        )
        .await;
    }

    // Act
    let mut pairs = Vec::new();
    let mut cursor: Option<String> = None;
    let mut pages = 0;
    loop {
        let path = match &cursor {
            Some(c) => format!("/v1/client-duplicates?limit=2&cursor={c}"),
            None => "/v1/client-duplicates?limit=2".to_owned(),
        };
        let page = t.get(&path, &t.owner).await;
        page.assert_status(200);
        pages += 1;
        for pair in page.at("/items").as_array().expect("items") {
            let mut names = [
                pair["client"]["last_name"]
                    .as_str()
                    .expect("a name")
                    .to_owned(),
                pair["other"]["client"]["last_name"]
                    .as_str()
                    .expect("a name")
                    .to_owned(),
            ];
            names.sort();
            pairs.push((names, pair["other"]["reasons"].clone()));
        }
        match page.at("/next_cursor").as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => break,
        }
    }

    // Assert
    pairs.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(pages, 3);
    assert_eq!(
        pairs,
        [
            (
                [String::from("Abel"), "Abel".into()],
                json!(["similar_name"])
            ),
            (["Blanc".into(), "Weiss".into()], json!(["same_email"])),
        ]
    );
}

#[tokio::test]
async fn cl_19_pl_14_a_member_of_one_site_is_not_told_of_a_duplicate_at_another() {
    let t = spawn_app().await;
    let (paris, lyon) = (t.main_site().await, t.create_site("Lyon").await);
    let member = t.staff_token("staff", "staff@example.com", &[&paris]).await;
    let here = client(
        &t,
        json!({
            "first_name": "Ana", "last_name": "Lima", "email": "ana@example.com", "sites": [paris],
        }),
    )
    .await;
    client(
        &t,
        json!({
            "first_name": "Ana", "last_name": "Lima", "email": "ana@example.com", "sites": [lyon],
        }),
    )
    .await;

    assert!(found(&suggestions(&t, &member, &here).await).is_empty());
    assert_eq!(found(&suggestions(&t, &t.owner, &here).await).len(), 1);
    let queue = t.get("/v1/client-duplicates", &member).await;
    queue.assert_status(200);
    assert_eq!(queue.at("/items"), &json!([]));
}
