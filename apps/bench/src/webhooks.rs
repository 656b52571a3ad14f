//! PL-24: webhook deliveries at scale. A business of its own with `endpoints` endpoints,
//! each pointing at a receiver in this process; `events` events written through the
//! storage port, one delivery of each to every endpoint; then several workers (each its
//! own application on the same database, as separate worker processes would be) deliver
//! everything, and the receiver counts what it got.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use poem::listener::TcpListener;
use poem::{EndpointExt, Route, Server, handler, post};
use serde_json::json;
use thiserror::Error;

use clientele_application::businesses::NewBusinessInput;
use clientele_application::webhook_deliveries::{DeliveryPolicy, DeliveryReport};
use clientele_application::{Clientele, auth::Operator};
use clientele_domain::webhook::{EndpointInput, EventType, WebhookDelivery, WebhookEvent};
use clientele_domain::{Actor, BusinessId, WebhookDeliveryId, WebhookEndpointId, WebhookEventId};
use clientele_ports::{IdGenerator, Storage, StorageError};

#[derive(Debug, Error)]
pub enum WebhookBenchError {
    #[error("storage: {0}")]
    Storage(#[from] StorageError),
    #[error("{0}")]
    Other(String),
}

fn other(error: impl std::fmt::Display) -> WebhookBenchError {
    WebhookBenchError::Other(error.to_string())
}

/// A receiver on 127.0.0.1 that answers 200 after `delay`, counting the requests.
pub struct Receiver {
    pub port: u16,
    pub received: Arc<AtomicU64>,
}

#[handler]
async fn receive(
    poem::web::Data(state): poem::web::Data<&(Arc<AtomicU64>, Duration)>,
    _body: String,
) -> &'static str {
    let (count, delay) = state;
    if !delay.is_zero() {
        tokio::time::sleep(*delay).await;
    }
    count.fetch_add(1, Ordering::Relaxed);
    "ok"
}

impl Receiver {
    pub async fn start(delay: Duration) -> Result<Self, WebhookBenchError> {
        // A free port, taken by the server right after.
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|listener| listener.local_addr())
            .map_err(other)?
            .port();
        let received = Arc::new(AtomicU64::new(0));
        let app = Route::new()
            .at("/*path", post(receive))
            .data((received.clone(), delay));
        let server = Server::new(TcpListener::bind(format!("127.0.0.1:{port}")));
        tokio::spawn(async move {
            let _ = server.run(app).await;
        });
        Ok(Self { port, received })
    }
}

/// The bench's business with `count` endpoints at `receiver`, each wanting
/// `client.created`.
pub async fn found(
    app: &Clientele,
    name: &str,
    receiver: &Receiver,
    count: usize,
) -> Result<(BusinessId, Vec<WebhookEndpointId>), WebhookBenchError> {
    let founded = app
        .create_business(
            Operator,
            &NewBusinessInput {
                name: name.to_owned(),
                time_zone: Some("UTC".to_owned()),
                currency: Some("EUR".to_owned()),
                site_name: None,
                owner_name: "Webhook Owner".to_owned(),
                owner_email: "owner@webhooks.example".to_owned(),
                test_mode: false,
            },
        )
        .await
        .map_err(other)?;
    let owner = Actor::for_staff(&founded.owner);
    let mut endpoints = Vec::with_capacity(count);
    for n in 0..count {
        let input = EndpointInput {
            url: format!("http://127.0.0.1:{}/e{n}", receiver.port),
            events: vec![EventType::ClientCreated.as_str().to_owned()],
            description: None,
        };
        let made = app
            .create_webhook_endpoint(&owner, &input)
            .await
            .map_err(other)?;
        endpoints.push(made.endpoint.id());
    }
    Ok((founded.business.id, endpoints))
}

/// Writes `events` client events, each delivered to every one of `endpoints`, in
/// transactions of 50 events; how many deliveries.
pub async fn fill(
    storage: &dyn Storage,
    ids: &dyn IdGenerator,
    business: BusinessId,
    endpoints: &[WebhookEndpointId],
    events: usize,
    now: DateTime<Utc>,
) -> Result<u64, WebhookBenchError> {
    let mut deliveries = 0;
    for chunk in (0..events).collect::<Vec<_>>().chunks(50) {
        let mut tx = storage.begin().await?;
        for n in chunk {
            // About the size of a client's view.
            let data = json!({
                "id": uuid::Uuid::from_u128(*n as u128), "first_name": "Ana",
                "last_name": format!("Lima {n}"), "email": format!("ana{n}@example.com"),
                "phone": "+33 6 12 34 56 78", "sites": [], "labels": [], "custom_fields": {},
                "banned": false, "has_account": false, "client_since": "2026-12-07",
                "created_at": now, "updated_at": now, "admin_updated_at": now, "version": 1,
            });
            let event = WebhookEvent::new(
                WebhookEventId::from_uuid(ids.new_id()),
                business,
                EventType::ClientCreated,
                now,
                data,
            );
            let batch: Vec<WebhookDelivery> = endpoints
                .iter()
                .map(|endpoint| {
                    WebhookDelivery::new(
                        WebhookDeliveryId::from_uuid(ids.new_id()),
                        &event,
                        *endpoint,
                        now,
                    )
                })
                .collect();
            deliveries += batch.len() as u64;
            tx.insert_webhook_event(&event, &batch).await?;
        }
        tx.commit().await?;
    }
    Ok(deliveries)
}

/// What a run did and how long it took.
#[derive(Debug, Clone, Copy)]
pub struct Run {
    pub report: DeliveryReport,
    pub received: u64,
    pub took: Duration,
}

impl Run {
    pub fn per_second(&self) -> f64 {
        self.received as f64 / self.took.as_secs_f64().max(1e-9)
    }
}

/// Delivers until the receiver has `expected` requests, with `workers` applications at
/// once, each a clone of `app` by `policy`.
pub async fn deliver(
    app: &Clientele,
    workers: usize,
    policy: DeliveryPolicy,
    receiver: &Receiver,
    expected: u64,
) -> Result<Run, WebhookBenchError> {
    let started = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..workers.max(1) {
        let app = app.clone().with_delivery_policy(policy);
        let received = receiver.received.clone();
        tasks.spawn(async move {
            let mut total = DeliveryReport::default();
            while received.load(Ordering::Relaxed) < expected {
                let step = app.deliver_webhooks().await.map_err(other)?;
                if step.claimed == 0 {
                    // Every head is the other worker's for now.
                    tokio::time::sleep(Duration::from_millis(1)).await;
                }
                total += step;
            }
            Ok::<_, WebhookBenchError>(total)
        });
    }
    let mut report = DeliveryReport::default();
    for done in tasks.join_all().await {
        let done = done?;
        report += done;
    }
    Ok(Run {
        report,
        received: receiver.received.load(Ordering::Relaxed),
        took: started.elapsed(),
    })
}
