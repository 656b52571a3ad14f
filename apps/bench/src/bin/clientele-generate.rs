//! `clientele-generate`: migrates a database and fills it with one business (three sites,
//! twelve labels, four services, an owner) and N realistic clients with their
//! appointments, written through the product's storage port. Deterministic for a seed.

use std::error::Error;
use std::sync::Arc;
use std::time::Instant;

use chrono::{DateTime, Duration, NaiveTime, Utc};
use clap::Parser;
use sea_orm::{ConnectionTrait, DatabaseConnection};

use clientele_adapters::{DatabaseBackend, FixedClock, SeaStorage};
use clientele_application::cursor::Cursors;
use clientele_application::{Clientele, Config};
use clientele_bench::load::{LoadPlan, Loader};
use clientele_bench::population::{Population, Setting};
use clientele_bench::setup::{self, SeededIds};
use clientele_ports::Storage;

/// Fills a Clientele database with a realistic client base for benchmarks.
#[derive(Debug, Parser)]
#[command(version)]
struct Args {
    /// sqlite://PATH?mode=rwc (created if missing) or postgres://USER@HOST/DATABASE.
    #[arg(long, env = "DATABASE_URL")]
    database_url: String,
    /// How many clients to generate.
    #[arg(long)]
    clients: u64,
    /// The seed: the same seed (and --now) gives the same data.
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// The business to create (refused if the database already has it).
    #[arg(long, default_value = "Bench Spa")]
    business_name: String,
    /// The end of the generated history (RFC 3339); today at 00:00 UTC by default.
    #[arg(long)]
    now: Option<DateTime<Utc>>,
    /// Clients per transaction.
    #[arg(long, default_value_t = 1000)]
    batch: usize,
    /// Transactions written at once (useful on PostgreSQL only).
    #[arg(long, default_value_t = 1)]
    writers: usize,
}

/// As in production (the api and worker binaries use it too).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error>> {
    let args = Args::parse();
    let now = args
        .now
        .unwrap_or_else(|| Utc::now().date_naive().and_time(NaiveTime::MIN).and_utc());
    let started = Instant::now();

    let storage = SeaStorage::connect(&args.database_url).await?;
    storage.migrate().await?;
    let backend = storage.backend();
    let connection = storage.connection().clone();
    let storage: Arc<dyn Storage> = Arc::new(storage);

    // The business, its sites, labels and services exist before the first client.
    let founding_day = now - Duration::days(5 * 365 + 30);
    let app = Clientele::new(
        storage.clone(),
        Arc::new(FixedClock::new(founding_day)),
        Arc::new(SeededIds::new(args.seed)),
        Config::default(),
        Cursors::ephemeral(),
    );
    let founded = setup::found(&app, &args.business_name).await?;
    eprintln!(
        "created `{}` ({}): {} sites, {} labels, {} services; generating {} clients (seed {}, now {})",
        founded.business.name.as_str(),
        founded.business.id.as_uuid(),
        founded.sites.len(),
        founded.labels.len(),
        founded.services.len(),
        args.clients,
        args.seed,
        now.to_rfc3339(),
    );

    let setting = Setting {
        business: founded.business.id,
        time_zone: founded.business.settings.time_zone,
        sites: founded.sites.iter().map(|(s, w)| (s.id, *w)).collect(),
        labels: founded.labels.iter().map(|(l, w)| (l.id, *w)).collect(),
        services: founded.services.clone(),
        now,
    };
    let plan = LoadPlan {
        clients: args.clients,
        batch: args.batch,
        writers: args.writers,
        progress_every: (args.clients / 20).clamp(1_000, 50_000),
    };
    let loader = Loader::new(storage, plan);
    let mut population = Population::new(args.seed, setting);
    // PostgreSQL keeps the plans of its foreign-key checks for the life of a connection:
    // made on empty tables, they scan whole tables and each insert gets slower than the
    // last. Production's autovacuum re-analyses as tables grow (it is off on the benchmark
    // machines), so the generator does the same: ANALYZE after the first batches, then
    // every ANALYZE_EVERY clients, and at the end (VACUUM ANALYZE) for the bench.
    let stages = stages(args.clients, backend, args.batch as u64);
    for stage in stages {
        loader.load(&mut population, stage).await?;
        if backend == DatabaseBackend::Postgres {
            analyze(&connection).await?;
        }
    }
    if backend == DatabaseBackend::Postgres {
        // What autovacuum would have done by now: the visibility map lets searches
        // read the name indexes alone (index-only scans).
        connection.execute_unprepared("VACUUM ANALYZE").await?;
    }
    let report = loader.report();

    let total = started.elapsed();
    let records = report.clients + report.appointments;
    println!(
        "wrote {} clients and {} appointments in {:.1} s ({:.0} clients/s, {:.0} clients+appointments/s); total with setup and migrations {:.1} s",
        report.clients,
        report.appointments,
        report.elapsed.as_secs_f64(),
        report.clients_per_second(),
        records as f64 / report.elapsed.as_secs_f64().max(1e-9),
        total.as_secs_f64(),
    );
    println!(
        "business `{}` {}; owner token (shown once): {}",
        founded.business.name.as_str(),
        founded.business.id.as_uuid(),
        founded.owner_token
    );
    Ok(())
}

/// How often PostgreSQL's statistics are refreshed during the load, in clients.
const ANALYZE_EVERY: u64 = 100_000;

/// The sizes of the load's stages: on PostgreSQL a short first one (two batches), then
/// stages of `ANALYZE_EVERY`; on SQLite one stage (its foreign-key checks use the parent's
/// key directly, whatever the statistics).
fn stages(clients: u64, backend: DatabaseBackend, batch: u64) -> Vec<u64> {
    if backend == DatabaseBackend::Sqlite {
        return vec![clients];
    }
    let first = clients.min(2 * batch.max(1));
    let mut stages = vec![first];
    let mut remaining = clients - first;
    while remaining > 0 {
        let stage = remaining.min(ANALYZE_EVERY);
        stages.push(stage);
        remaining -= stage;
    }
    stages
}

/// Refreshes the planner's statistics of every table of the database.
async fn analyze(connection: &DatabaseConnection) -> Result<(), sea_orm::DbErr> {
    connection.execute_unprepared("ANALYZE").await.map(|_| ())
}
