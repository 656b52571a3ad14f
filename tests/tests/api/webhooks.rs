//! PL-24: webhook endpoints — subscribed by owners and admins, their secret shown once,
//! rotated with a grace, changed, disabled and removed; bad URLs and events refused.

use serde_json::json;

use crate::helpers::{TestApp, spawn_app};

/// An endpoint of the business: the creation's answer.
async fn subscribe(t: &TestApp, url: &str) -> crate::helpers::Reply {
    t.post(
        "/v1/webhook-endpoints",
        &t.owner,
        json!({ "url": url, "events": ["client.created", "appointment.booked"],
                "description": "CRM" }),
    )
    .await
}

#[tokio::test]
async fn pl_24_an_endpoint_is_subscribed_with_a_secret_shown_once() {
    let t = spawn_app().await;
    let made = subscribe(&t, "https://hooks.example.com/clientele").await;
    made.assert_status(201);
    let secret = made.str("/secret");
    assert!(secret.starts_with("whsec_"), "{secret}");
    let id = made.str("/endpoint/id");
    assert_eq!(
        made.at("/endpoint/events"),
        &json!(["client.created", "appointment.booked"])
    );
    assert_eq!(made.at("/endpoint/enabled"), &json!(true));

    // Read back: never the secret.
    let one = t
        .get(&format!("/v1/webhook-endpoints/{id}"), &t.owner)
        .await;
    one.assert_status(200);
    let list = t.get("/v1/webhook-endpoints", &t.owner).await;
    list.assert_status(200);
    assert_eq!(list.at("/items/0/id"), &json!(id));
    for reply in [&one, &list] {
        assert!(!reply.body.to_string().contains(&secret));
    }

    // Changed with its version; a stale version is a conflict.
    let path = format!("/v1/webhook-endpoints/{id}");
    let changed = t
        .patch(
            &path,
            &t.owner,
            json!({ "version": 1, "events": ["code.redeemed"], "description": "",
                    "enabled": false }),
        )
        .await;
    changed.assert_status(200);
    assert_eq!(changed.at("/events"), &json!(["code.redeemed"]));
    assert!(changed.body.get("description").is_none());
    assert_eq!(changed.at("/enabled"), &json!(false));
    t.patch(&path, &t.owner, json!({ "version": 1, "enabled": true }))
        .await
        .assert_problem(409);

    // Rotated: a new secret, the previous one signing for a day more.
    let rotated = t
        .post(
            &format!("{path}/rotate-secret"),
            &t.owner,
            json!({ "version": changed.at("/version") }),
        )
        .await;
    rotated.assert_status(200);
    let new_secret = rotated.str("/secret");
    assert!(new_secret.starts_with("whsec_") && new_secret != secret);
    assert!(
        rotated.body["endpoint"]
            .get("previous_secret_expires_at")
            .is_some()
    );

    // Removed.
    t.delete(&path, &t.owner).await.assert_status(204);
    t.get(&path, &t.owner).await.assert_problem(404);
}

#[tokio::test]
async fn pl_24_bad_endpoints_are_refused_and_nothing_is_subscribed() {
    let t = spawn_app().await;
    for (url, events) in [
        ("http://hooks.example.com/in", json!(["client.created"])),
        ("https://10.0.0.7/in", json!(["client.created"])),
        ("https://169.254.169.254/latest", json!(["client.created"])),
        ("https://127.0.0.1/in", json!(["client.created"])),
        ("not a url", json!(["client.created"])),
    ] {
        let refused = t
            .post(
                "/v1/webhook-endpoints",
                &t.owner,
                json!({ "url": url, "events": events }),
            )
            .await;
        refused.assert_problem(422);
        assert_eq!(refused.problem_fields(), ["url"], "{url}");
    }
    for events in [json!(["client.exploded"]), json!([])] {
        let refused = t
            .post(
                "/v1/webhook-endpoints",
                &t.owner,
                json!({ "url": "https://hooks.example.com/in", "events": events }),
            )
            .await;
        refused.assert_problem(422);
        assert_eq!(refused.problem_fields(), ["events"]);
    }
    let list = t.get("/v1/webhook-endpoints", &t.owner).await;
    assert_eq!(list.at("/items"), &json!([]));
}

#[tokio::test]
async fn pl_13_pl_24_staff_members_and_other_businesses_do_not_reach_endpoints() {
    let t = spawn_app().await;
    let id = subscribe(&t, "https://hooks.example.com/in")
        .await
        .str("/endpoint/id");
    let site = t.main_site().await;
    let staff = t.staff_token("staff", "staff@example.com", &[&site]).await;
    let admin = t.staff_token("admin", "admin@example.com", &[&site]).await;
    let other = t.other_business("Other").await;
    let path = format!("/v1/webhook-endpoints/{id}");
    t.get(&path, &staff).await.assert_problem(403);
    t.get(&path, &admin).await.assert_status(200);
    t.get(&path, &other).await.assert_problem(404);
    t.delete(&path, &other).await.assert_problem(404);
    t.get(&path, &t.owner).await.assert_status(200);
}
