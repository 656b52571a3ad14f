//! PL-24 under a crash: a real `clientele-worker run` process is SIGKILLed while an
//! endpoint holds its delivery unanswered; two workers started after it deliver every
//! event, in order. The promise that holds is at least once: the event that was in
//! flight at the kill arrives twice, with the same `webhook-id` for the receiver to drop
//! the repeat; every other event arrives exactly once.

use std::collections::BTreeMap;
use std::fs::File;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

use clientele_adapters::testing::fresh_storage;
use clientele_adapters::{SystemClock, UuidV7Ids};
use clientele_application::cursor::Cursors;
use clientele_application::{Clientele, Config};
use clientele_domain::Actor;
use clientele_domain::client::ClientInput;
use clientele_domain::webhook::{DeliveryStatus, EndpointInput};
use clientele_ports::Storage;

mod support;

use support::Scratch;

const EVENTS: usize = 6;

/// Kills the process when dropped (a test that fails leaves no worker behind).
struct Worker(Child);

impl Drop for Worker {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn start_worker(name: &str, database_url: &str, scratch: &Scratch) -> Worker {
    let log = File::create(scratch.path().join(format!("{name}.log"))).expect("a log");
    Command::new(env!("CARGO_BIN_EXE_clientele-worker"))
        .args(["run", "--interval", "1"])
        .env("DATABASE_URL", database_url)
        .env("CLIENTELE_EMAIL_DIR", scratch.emails())
        .env("CLIENTELE_WEBHOOKS_TO_LOCALHOST", "true")
        .env("CLIENTELE_WEBHOOK_LEASE_SECONDS", "2")
        .env("CLIENTELE_LOG", "info")
        .env("NO_COLOR", "1")
        .env_remove("CLIENTELE_NOW")
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .map(Worker)
        .expect("the worker starts")
}

/// The `webhook-id` of each request received, in order. The first request is read and
/// then held unanswered (until `hold` is cleared); the others are answered 200.
async fn receive(listener: TcpListener, ids: Arc<Mutex<Vec<String>>>, hold: Arc<AtomicBool>) {
    while let Ok((mut stream, _)) = listener.accept().await {
        let (ids, hold) = (ids.clone(), hold.clone());
        tokio::spawn(async move {
            let mut buffer = vec![0; 64 * 1024];
            let mut read = 0;
            loop {
                let Ok(n) = stream.read(&mut buffer[read..]).await else {
                    return;
                };
                if n == 0 {
                    return;
                }
                read += n;
                let text = String::from_utf8_lossy(&buffer[..read]).into_owned();
                let Some((head, body)) = text.split_once("\r\n\r\n") else {
                    continue;
                };
                let header = |name: &str| {
                    head.lines()
                        .find_map(|line| {
                            let (key, value) = line.split_once(':')?;
                            key.eq_ignore_ascii_case(name)
                                .then(|| value.trim().to_owned())
                        })
                        .unwrap_or_default()
                };
                if body.len() < header("content-length").parse().unwrap_or(0) {
                    continue;
                }
                let first = {
                    let mut ids = ids.lock().expect("ids");
                    ids.push(header("webhook-id"));
                    ids.len() == 1
                };
                while first && hold.load(Ordering::SeqCst) {
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
                let _ = stream
                    .write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\nconnection: close\r\n\r\n")
                    .await;
                return;
            }
        });
    }
}

async fn wait_for(what: &str, mut done: impl AsyncFnMut() -> bool) {
    let start = Instant::now();
    while !done().await {
        assert!(
            start.elapsed() < Duration::from_secs(90),
            "timed out: {what}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn pl_24_a_worker_killed_mid_delivery_leaves_the_event_to_arrive_again_with_its_id() {
    let (storage, database) = fresh_storage().await;
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("a port");
    let port = listener.local_addr().expect("an address").port();
    let ids = Arc::new(Mutex::new(Vec::new()));
    let hold = Arc::new(AtomicBool::new(true));
    tokio::spawn(receive(listener, ids.clone(), hold.clone()));

    let app = Clientele::new(
        Arc::new(storage.clone()),
        Arc::new(SystemClock),
        Arc::new(UuidV7Ids),
        Config {
            webhooks_to_localhost: true,
            ..Config::default()
        },
        Cursors::ephemeral(),
    );
    let boot = app
        .bootstrap(None)
        .await
        .expect("bootstrap")
        .expect("fresh");
    let owner: Actor = app
        .authenticate(&boot.owner_token)
        .await
        .expect("the owner");
    let endpoint = app
        .create_webhook_endpoint(
            &owner,
            &EndpointInput {
                url: format!("http://127.0.0.1:{port}/hooks"),
                events: vec!["client.created".to_owned()],
                description: None,
            },
        )
        .await
        .expect("an endpoint")
        .endpoint;
    for n in 0..EVENTS {
        let input = ClientInput {
            first_name: "Ana".to_owned(),
            last_name: format!("Lima {n}"),
            ..ClientInput::default()
        };
        app.create_client(&owner, &input).await.expect("a client");
    }
    let business = owner.business_id;
    let mut events = Vec::new();
    {
        let mut tx = storage.read().await.expect("read");
        let mut deliveries = tx
            .webhook_deliveries(business, endpoint.id(), None, 100)
            .await
            .expect("deliveries");
        deliveries.reverse();
        events.extend(deliveries.iter().map(|d| d.event_id.to_string()));
    }
    assert_eq!(events.len(), EVENTS);

    // The first worker posts the first event; the receiver holds it; the worker is killed.
    let scratch = Scratch::new();
    let mut first = start_worker("a", database.url(), &scratch);
    wait_for("the first request", async || {
        !ids.lock().expect("ids").is_empty()
    })
    .await;
    first.0.kill().expect("SIGKILL");
    first.0.wait().expect("reaped");
    hold.store(false, Ordering::SeqCst);

    // Two workers take over once the dead one's lease has run out.
    let _b = start_worker("b", database.url(), &scratch);
    let _c = start_worker("c", database.url(), &scratch);
    wait_for("every delivery succeeded", async || {
        let mut tx = storage.read().await.expect("read");
        let deliveries = tx
            .webhook_deliveries(business, endpoint.id(), None, 100)
            .await
            .expect("deliveries");
        deliveries
            .iter()
            .all(|d| d.status == DeliveryStatus::Succeeded)
    })
    .await;

    let received = ids.lock().expect("ids").clone();
    let mut counts = BTreeMap::new();
    for id in &received {
        *counts.entry(id.clone()).or_insert(0) += 1;
    }
    assert_eq!(
        counts.get(&events[0]),
        Some(&2),
        "the held event, again: {received:?}"
    );
    for id in &events[1..] {
        assert_eq!(counts.get(id), Some(&1), "{id} once: {received:?}");
    }
    // In order: the first arrivals follow the events' order.
    let mut firsts: Vec<&String> = Vec::new();
    for id in &received {
        if !firsts.contains(&id) {
            firsts.push(id);
        }
    }
    assert_eq!(firsts, events.iter().collect::<Vec<_>>());
}
