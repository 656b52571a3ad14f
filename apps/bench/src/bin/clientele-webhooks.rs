//! `clientele-webhooks`: webhook deliveries per second (PL-24). Makes a business of its
//! own with endpoints at a receiver in this process, writes events with a delivery to
//! each endpoint, then delivers them all with several workers and prints deliveries per
//! second. Run it on an empty database.

use std::error::Error;
use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use clap::Parser;

use clientele_adapters::{DatabaseBackend, FixedClock, HttpWebhookSender, SeaStorage, UuidV7Ids};
use clientele_application::cursor::Cursors;
use clientele_application::webhook_deliveries::DeliveryPolicy;
use clientele_application::{Clientele, Config};
use clientele_bench::webhooks::{self, Receiver};
use clientele_ports::Storage;

#[derive(Debug, Parser)]
#[command(version)]
struct Args {
    #[arg(long, env = "DATABASE_URL")]
    database_url: String,
    /// Endpoints, each receiving every event in order, one at a time.
    #[arg(long, default_value_t = 400)]
    endpoints: usize,
    /// Events, each delivered to every endpoint.
    #[arg(long, default_value_t = 50)]
    events: usize,
    #[arg(long, default_value_t = 2)]
    workers: usize,
    /// Deliveries one step claims (one per endpoint).
    #[arg(long, default_value_t = 200)]
    batch: u32,
    /// Attempts one worker has in flight at once.
    #[arg(long, default_value_t = 200)]
    in_flight: usize,
    /// Milliseconds the receiver takes to answer.
    #[arg(long, default_value_t = 0)]
    delay_ms: u64,
}

/// As in production (the api and worker binaries use it too).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error>> {
    let args = Args::parse();
    let storage = SeaStorage::connect(&args.database_url).await?;
    storage.migrate().await?;
    let engine = match storage.backend() {
        DatabaseBackend::Sqlite => "SQLite",
        DatabaseBackend::Postgres => "PostgreSQL",
    };
    let storage: Arc<dyn Storage> = Arc::new(storage);
    let now = Utc::now();
    let app = Clientele::new(
        storage.clone(),
        Arc::new(FixedClock::new(now)),
        Arc::new(UuidV7Ids),
        Config {
            webhooks_to_localhost: true,
            ..Config::default()
        },
        Cursors::ephemeral(),
    )
    .with_webhook_sender(Arc::new(HttpWebhookSender::new(true)?));
    let receiver = Receiver::start(Duration::from_millis(args.delay_ms)).await?;
    let name = format!("Webhook Bench {}", now.timestamp_millis());
    let (business, endpoints) = webhooks::found(&app, &name, &receiver, args.endpoints).await?;
    let deliveries = webhooks::fill(
        storage.as_ref(),
        &UuidV7Ids,
        business,
        &endpoints,
        args.events,
        now,
    )
    .await?;
    eprintln!(
        "{engine}: {deliveries} deliveries ({} events × {} endpoints), receiver answering after {} ms",
        args.events, args.endpoints, args.delay_ms
    );
    let policy = DeliveryPolicy {
        batch: args.batch,
        in_flight: args.in_flight,
        ..DeliveryPolicy::default()
    };
    let run = webhooks::deliver(&app, args.workers, policy, &receiver, deliveries).await?;
    println!(
        "{engine}: {} deliveries in {:.2} s with {} workers: {:.0} deliveries/s \
         (steps claimed {}, succeeded {}, retried {}, overtaken {})",
        run.received,
        run.took.as_secs_f64(),
        args.workers,
        run.per_second(),
        run.report.claimed,
        run.report.succeeded,
        run.report.retried,
        run.report.overtaken,
    );
    Ok(())
}
