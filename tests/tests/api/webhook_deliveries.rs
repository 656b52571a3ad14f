//! PL-24: events are delivered by the worker to a real receiver: signed with the
//! endpoint's secret (Standard Webhooks), in the order of the changes, retried with
//! backoff on the worker's "now" until given up (the endpoint is then disabled and the
//! owners told), logged attempt by attempt, and replayed with the same event id; two
//! workers deliver each event once; a worker that dies mid-delivery leaves it to be
//! delivered again once its lease runs out (at least once, same id).

use std::sync::Arc;

use chrono::{DateTime, TimeDelta, Utc};
use serde_json::json;

use clientele_adapters::{FixedClock, HttpWebhookSender};
use clientele_application::Clientele;
use clientele_application::webhook_deliveries::DeliveryPolicy;
use clientele_domain::webhook::{Signed, WebhookSecret, verify};
use clientele_ports::Storage as _;
use clientele_ports::storage::ClaimToken;

use crate::helpers::{TestApp, spawn_app_for_webhooks};
use crate::webhook_receiver::{Received, Receiver};

/// The app as a worker runs it at `at`, posting to this machine's receivers.
fn worker(t: &TestApp, at: DateTime<Utc>) -> Clientele {
    t.app
        .clone()
        .with_clock(Arc::new(FixedClock::new(at)))
        .with_webhook_sender(Arc::new(
            HttpWebhookSender::new(true).expect("an HTTP client"),
        ))
        .with_delivery_policy(DeliveryPolicy {
            timeout: std::time::Duration::from_secs(5),
            ..DeliveryPolicy::default()
        })
}

/// Runs delivery steps until none claims anything; how many attempts were made.
async fn deliver_all(worker: &Clientele) -> u32 {
    let mut attempts = 0;
    loop {
        let report = worker.deliver_webhooks().await.expect("a delivery step");
        if report.claimed == 0 {
            return attempts;
        }
        attempts += report.claimed;
    }
}

/// Subscribes `url` to `events`: the endpoint's id and secret.
async fn subscribe(t: &TestApp, url: &str, events: &[&str]) -> (String, WebhookSecret) {
    let made = t
        .post(
            "/v1/webhook-endpoints",
            &t.owner,
            json!({ "url": url, "events": events }),
        )
        .await;
    made.assert_status(201);
    let secret = WebhookSecret::parse(&made.str("/secret")).expect("a whsec_ secret");
    (made.str("/endpoint/id"), secret)
}

async fn new_client(t: &TestApp, first: &str) -> String {
    let made = t
        .post(
            "/v1/clients",
            &t.owner,
            json!({ "first_name": first, "last_name": "Lima" }),
        )
        .await;
    made.assert_status(201);
    made.str("/id")
}

fn later(seconds: i64) -> DateTime<Utc> {
    Utc::now() + TimeDelta::seconds(seconds)
}

/// The request's signature checks out under `secret`, as a receiver would check it.
#[track_caller]
fn assert_signed(request: &Received, secret: &WebhookSecret) {
    let signed = Signed {
        id: request.header("webhook-id").to_owned(),
        timestamp: request
            .header("webhook-timestamp")
            .parse()
            .expect("seconds"),
        signature: request.header("webhook-signature").to_owned(),
    };
    assert!(
        verify(
            secret,
            &signed,
            request.body.as_bytes(),
            signed.timestamp,
            300
        ),
        "the signature of {request:?} does not verify"
    );
}

#[tokio::test]
async fn pl_24_events_are_delivered_signed_in_order_with_the_api_view_and_logged() {
    let t = spawn_app_for_webhooks().await;
    let receiver = Receiver::start(200).await;
    let (endpoint, secret) = subscribe(
        &t,
        &receiver.url("/hooks"),
        &["client.created", "client.updated"],
    )
    .await;
    let ana = new_client(&t, "Ana").await;
    t.patch(
        &format!("/v1/clients/{ana}"),
        &t.owner,
        json!({ "version": 1, "first_name": "Anna" }),
    )
    .await
    .assert_status(200);
    let bea = new_client(&t, "Bea").await;

    // One endpoint receives one event at a time: three steps for three events.
    assert_eq!(deliver_all(&worker(&t, later(1))).await, 3);
    let received = receiver.received();
    let seen: Vec<(String, String, String)> = received
        .iter()
        .map(|r| {
            let event = r.json();
            (
                event["type"].as_str().unwrap_or_default().to_owned(),
                event["data"]["id"].as_str().unwrap_or_default().to_owned(),
                event["data"]["first_name"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned(),
            )
        })
        .collect();
    assert_eq!(
        seen,
        [
            ("client.created".into(), ana.clone(), "Ana".into()),
            ("client.updated".into(), ana.clone(), "Anna".into()),
            ("client.created".into(), bea.clone(), "Bea".into()),
        ]
    );
    for request in &received {
        assert_eq!(request.path, "/hooks");
        assert_eq!(request.header("content-type"), "application/json");
        assert_signed(request, &secret);
        let event = request.json();
        assert_eq!(event["id"], json!(request.header("webhook-id")));
        assert_eq!(event["version"], json!(1));
        assert!(event["business_id"].is_string() && event["created_at"].is_string());
    }
    // The resource is the API's own view of it.
    let view = t.get(&format!("/v1/clients/{bea}"), &t.owner).await;
    assert_eq!(received[2].json()["data"], view.body);

    // The log: newest first, each succeeded at its first attempt, with its answer.
    let log = t
        .get(
            &format!("/v1/webhook-endpoints/{endpoint}/deliveries"),
            &t.owner,
        )
        .await;
    log.assert_status(200);
    let items = log.at("/items").as_array().expect("deliveries").clone();
    assert_eq!(items.len(), 3);
    assert_eq!(
        items[0]["event_id"],
        json!(received[2].header("webhook-id"))
    );
    for item in &items {
        assert_eq!(
            (
                &item["status"],
                &item["attempts"],
                &item["last_status_code"]
            ),
            (&json!("succeeded"), &json!(1), &json!(200))
        );
    }
    let one = t
        .get(
            &format!(
                "/v1/webhook-endpoints/{endpoint}/deliveries/{}",
                items[2]["id"].as_str().unwrap_or_default()
            ),
            &t.owner,
        )
        .await;
    one.assert_status(200);
    assert_eq!(one.at("/attempts/0/status_code"), &json!(200));
    assert_eq!(one.at("/attempts/0/succeeded"), &json!(true));
    assert_eq!(one.at("/attempts/0/response"), &json!("status 200"));
    assert!(one.at("/attempts/0/latency_ms").is_u64());
}

#[tokio::test]
async fn pl_24_a_replay_resends_the_same_event_id_and_body() {
    let t = spawn_app_for_webhooks().await;
    let receiver = Receiver::start(200).await;
    let since = Utc::now() - TimeDelta::seconds(1);
    let (endpoint, secret) = subscribe(&t, &receiver.url("/r"), &["client.created"]).await;
    new_client(&t, "Ana").await;
    new_client(&t, "Bea").await;
    deliver_all(&worker(&t, later(1))).await;
    let first = receiver.received();
    assert_eq!(first.len(), 2);

    let log = t
        .get(
            &format!("/v1/webhook-endpoints/{endpoint}/deliveries"),
            &t.owner,
        )
        .await;
    let oldest = log.str("/items/1/id");
    let replay = t
        .post(
            &format!("/v1/webhook-endpoints/{endpoint}/deliveries/{oldest}/replay"),
            &t.owner,
            json!({}),
        )
        .await;
    replay.assert_status(201);
    assert_eq!(replay.at("/replay_of"), &json!(oldest));
    assert_eq!(replay.at("/status"), &json!("pending"));
    deliver_all(&worker(&t, later(2))).await;
    let again = receiver.received();
    assert_eq!(again.len(), 3);
    assert_eq!(again[2].header("webhook-id"), first[0].header("webhook-id"));
    assert_eq!(again[2].body, first[0].body);
    assert_signed(&again[2], &secret);

    // Everything since a time, in order.
    let all = t
        .post(
            &format!("/v1/webhook-endpoints/{endpoint}/replay"),
            &t.owner,
            json!({ "since": since }),
        )
        .await;
    all.assert_status(200);
    assert_eq!(all.at("/replayed"), &json!(2));
    deliver_all(&worker(&t, later(3))).await;
    let ids: Vec<String> = receiver.received()[3..]
        .iter()
        .map(|r| r.header("webhook-id").to_owned())
        .collect();
    assert_eq!(
        ids,
        [
            first[0].header("webhook-id").to_owned(),
            first[1].header("webhook-id").to_owned()
        ]
    );
    // A time to come is refused.
    t.post(
        &format!("/v1/webhook-endpoints/{endpoint}/replay"),
        &t.owner,
        json!({ "since": later(3600) }),
    )
    .await
    .assert_problem(422);
}

#[tokio::test]
async fn pl_24_a_failing_endpoint_is_retried_with_backoff_in_order_then_disabled_and_the_owner_told()
 {
    let t = spawn_app_for_webhooks().await;
    let receiver = Receiver::start(500).await;
    let (endpoint, _) = subscribe(&t, &receiver.url("/down"), &["client.created"]).await;
    new_client(&t, "Ana").await;
    new_client(&t, "Bea").await;
    let log_path = format!("/v1/webhook-endpoints/{endpoint}/deliveries");

    let start = later(1);
    assert_eq!(deliver_all(&worker(&t, start)).await, 1);
    let log = t.get(&log_path, &t.owner).await;
    let head = log.at("/items/1").clone();
    assert_eq!(
        (
            &head["status"],
            &head["attempts"],
            &head["last_status_code"]
        ),
        (&json!("pending"), &json!(1), &json!(500))
    );
    let next: DateTime<Utc> = serde_json::from_value(head["next_attempt_at"].clone()).unwrap();
    let wait = (next - start).num_milliseconds();
    assert!(
        (15_000..=30_000).contains(&wait),
        "first retry after {wait} ms"
    );
    // Not before it is due; and the second event waits behind the first.
    assert_eq!(
        deliver_all(&worker(&t, start + TimeDelta::seconds(14))).await,
        0
    );

    // Worked at each due time, as a worker running for days would.
    let mut at = next;
    let mut attempts = 1;
    let mut delays = Vec::new();
    loop {
        assert_eq!(deliver_all(&worker(&t, at)).await, 1, "attempt at {at}");
        attempts += 1;
        let head = t.get(&log_path, &t.owner).await.at("/items/1").clone();
        if head["status"] == json!("failed") {
            break;
        }
        let next: DateTime<Utc> = serde_json::from_value(head["next_attempt_at"].clone()).unwrap();
        delays.push((next - at).num_seconds());
        at = next;
        assert!(attempts < 40, "never given up");
    }
    assert!(
        delays.windows(2).take(8).all(|w| w[1] >= w[0]),
        "delays grow: {delays:?}"
    );
    assert!(delays.iter().all(|d| *d <= 8 * 3600), "{delays:?}");
    let elapsed = at - start;
    assert!(
        elapsed > TimeDelta::days(2) && elapsed <= TimeDelta::days(3),
        "given up after {elapsed}"
    );
    // Every attempt was of the first event: the second never overtook it.
    let received = receiver.received();
    assert_eq!(received.len(), attempts);
    assert!(
        received
            .iter()
            .all(|r| r.header("webhook-id") == received[0].header("webhook-id"))
    );
    let attempts_logged = t
        .get(
            &format!(
                "{log_path}/{}",
                t.get(&log_path, &t.owner).await.str("/items/1/id")
            ),
            &t.owner,
        )
        .await;
    assert_eq!(
        attempts_logged.at("/attempts").as_array().map(Vec::len),
        Some(attempts)
    );

    // The endpoint is disabled with its reason, and the owner is told.
    let disabled = t
        .get(&format!("/v1/webhook-endpoints/{endpoint}"), &t.owner)
        .await;
    assert_eq!(disabled.at("/enabled"), &json!(false));
    assert!(
        disabled.str("/disabled_reason").contains("500"),
        "{:#}",
        disabled.body
    );
    let emails = t.get("/v1/emails", &t.owner).await;
    let kinds: Vec<&str> = emails
        .at("/items")
        .as_array()
        .expect("emails")
        .iter()
        .filter_map(|e| e["kind"].as_str())
        .collect();
    assert!(kinds.contains(&"webhook_endpoint_disabled"), "{kinds:?}");

    // Enabled again once it answers: the queued event goes out.
    receiver.answer(200);
    let version = disabled.at("/version").clone();
    t.patch(
        &format!("/v1/webhook-endpoints/{endpoint}"),
        &t.owner,
        json!({ "version": version, "enabled": true }),
    )
    .await
    .assert_status(200);
    assert_eq!(
        deliver_all(&worker(&t, at + TimeDelta::seconds(1))).await,
        1
    );
    let last = receiver.received();
    assert_ne!(
        last[last.len() - 1].header("webhook-id"),
        received[0].header("webhook-id")
    );
}

#[tokio::test]
async fn pl_24_a_redirect_is_an_answer_not_followed_and_not_a_success() {
    let t = spawn_app_for_webhooks().await;
    let receiver = Receiver::start(302).await;
    let (endpoint, _) = subscribe(&t, &receiver.url("/moved"), &["client.created"]).await;
    new_client(&t, "Ana").await;
    deliver_all(&worker(&t, later(1))).await;
    assert_eq!(receiver.received().len(), 1);
    let log = t
        .get(
            &format!("/v1/webhook-endpoints/{endpoint}/deliveries"),
            &t.owner,
        )
        .await;
    assert_eq!(log.at("/items/0/status"), &json!("pending"));
    assert_eq!(log.at("/items/0/last_status_code"), &json!(302));
}

#[tokio::test]
async fn pl_24_two_workers_deliver_each_event_once_and_in_order_per_endpoint() {
    let t = spawn_app_for_webhooks().await;
    let receiver = Receiver::start(200).await;
    for n in 0..4 {
        subscribe(&t, &receiver.url(&format!("/e{n}")), &["client.created"]).await;
    }
    let mut names = Vec::new();
    for n in 0..12 {
        let name = format!("Client{n}");
        new_client(&t, &name).await;
        names.push(name);
    }
    let at = later(1);
    let (a, b) = (worker(&t, at), worker(&t, at));
    let (one, two) = tokio::join!(deliver_all(&a), deliver_all(&b));
    assert_eq!(one + two, 48, "each delivery attempted once");
    let received = receiver.received();
    assert_eq!(received.len(), 48);
    for n in 0..4 {
        let path = format!("/e{n}");
        let order: Vec<String> = received
            .iter()
            .filter(|r| r.path == path)
            .map(|r| {
                r.json()["data"]["first_name"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned()
            })
            .collect();
        assert_eq!(order, names, "the order received by {path}");
    }
}

#[tokio::test]
async fn pl_24_a_worker_dying_mid_delivery_leaves_it_to_be_delivered_again_with_the_same_id() {
    let t = spawn_app_for_webhooks().await;
    let receiver = Receiver::start(200).await;
    subscribe(&t, &receiver.url("/again"), &["client.created"]).await;
    new_client(&t, "Ana").await;
    let at = later(1);
    // A worker claims the delivery and dies before recording anything.
    let lease = DeliveryPolicy::default().lease;
    {
        let mut tx = t.storage.begin().await.expect("a transaction");
        let claimed = tx
            .claim_due_deliveries(
                ClaimToken::from_uuid(uuid::Uuid::now_v7()),
                at,
                at + lease,
                10,
            )
            .await
            .expect("a claim");
        assert_eq!(claimed.len(), 1);
        tx.commit().await.expect("committed");
    }
    // Held while its lease lasts; delivered once it has run out.
    assert_eq!(
        deliver_all(&worker(&t, at + lease - TimeDelta::seconds(1))).await,
        0
    );
    assert_eq!(
        deliver_all(&worker(&t, at + lease + TimeDelta::seconds(1))).await,
        1
    );
    let received = receiver.received();
    assert_eq!(received.len(), 1);
    assert_eq!(received[0].json()["data"]["first_name"], json!("Ana"));
}

#[tokio::test]
async fn pl_24_a_rotation_while_deliveries_wait_signs_them_with_both_secrets() {
    let t = spawn_app_for_webhooks().await;
    let receiver = Receiver::start(503).await;
    let (endpoint, old) = subscribe(&t, &receiver.url("/rotating"), &["client.created"]).await;
    new_client(&t, "Ana").await;
    let start = later(1);
    deliver_all(&worker(&t, start)).await;
    let rotated = t
        .post(
            &format!("/v1/webhook-endpoints/{endpoint}/rotate-secret"),
            &t.owner,
            json!({ "version": 1 }),
        )
        .await;
    rotated.assert_status(200);
    let new = WebhookSecret::parse(&rotated.str("/secret")).expect("a whsec_ secret");

    // The retry, within the grace period: signed with both, each verifies.
    receiver.answer(200);
    deliver_all(&worker(&t, start + TimeDelta::minutes(10))).await;
    let retried = receiver.received().pop().expect("the retry");
    assert_eq!(
        retried.header("webhook-signature").matches("v1,").count(),
        2,
        "{retried:?}"
    );
    assert_signed(&retried, &old);
    assert_signed(&retried, &new);
}

#[tokio::test]
async fn pl_24_the_log_keeps_a_done_delivery_30_days_and_never_purges_a_pending_one() {
    let t = spawn_app_for_webhooks().await;
    let receiver = Receiver::start(200).await;
    let (endpoint, _) = subscribe(&t, &receiver.url("/kept"), &["client.created"]).await;
    new_client(&t, "Ana").await;
    deliver_all(&worker(&t, later(1))).await;
    receiver.answer(500);
    new_client(&t, "Bea").await;
    deliver_all(&worker(&t, later(2))).await;
    let log_path = format!("/v1/webhook-endpoints/{endpoint}/deliveries");
    assert_eq!(
        t.get(&log_path, &t.owner)
            .await
            .at("/items")
            .as_array()
            .map(Vec::len),
        Some(2)
    );

    let day = 24 * 3600;
    let early = worker(&t, later(29 * day))
        .purge_webhook_history(1000)
        .await;
    assert_eq!(early.expect("a purge"), 0);
    // Ana's delivery (done a month ago) and her event go; Bea's, still pending, stays.
    let late = worker(&t, later(31 * day))
        .purge_webhook_history(1000)
        .await;
    assert_eq!(late.expect("a purge"), 2);
    let log = t.get(&log_path, &t.owner).await;
    let items = log.at("/items").as_array().expect("deliveries").clone();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["status"], json!("pending"));
}
