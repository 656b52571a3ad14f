//! `clientele-billing`: memberships at scale. `fill` makes a business of its own with N
//! card memberships all first billed on one day; `run` bills everything due as of an
//! instant with several workers at once and prints charges per second; `lists` times the
//! memberships list and its quick-view counts.

use std::error::Error;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, NaiveDate, Utc};
use clap::{Parser, Subcommand};
use sea_orm::ConnectionTrait;

use clientele_adapters::{DatabaseBackend, FixedClock, SeaStorage, StubProcessors, UuidV7Ids};
use clientele_application::billing::BillingPolicy;
use clientele_application::cursor::Cursors;
use clientele_application::{Clientele, Config};
use clientele_bench::billing::{self, Fill};
use clientele_bench::http::Http;
use clientele_bench::measure::Runs;
use clientele_bench::setup::{self, SeededIds};
use clientele_ports::Storage;

#[derive(Debug, Parser)]
#[command(version)]
struct Args {
    #[arg(long, env = "DATABASE_URL")]
    database_url: String,
    /// The bench's business (made by `fill`).
    #[arg(long, default_value = "Billing Bench")]
    business_name: String,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Makes the business and `memberships` monthly card memberships first billed on
    /// `start`.
    Fill {
        #[arg(long, default_value_t = 100_000)]
        memberships: u64,
        #[arg(long, default_value_t = 1)]
        per_client: u64,
        #[arg(long, default_value_t = 1000)]
        batch: u64,
        #[arg(long)]
        start: NaiveDate,
        #[arg(long, default_value_t = 42)]
        seed: u64,
    },
    /// Bills everything due at `now` with `workers` workers; prints charges per second.
    Run {
        #[arg(long)]
        now: DateTime<Utc>,
        #[arg(long, default_value_t = 2)]
        workers: usize,
        #[arg(long, default_value_t = 200)]
        batch: u32,
        #[arg(long, default_value_t = 100)]
        in_flight: usize,
        /// Milliseconds the stub card processor takes per charge.
        #[arg(long, default_value_t = 0)]
        latency_ms: u64,
    },
    /// The whole memberships export through HTTP, as CSV then as an Excel workbook: rows
    /// per second and the growth of the process's memory while it streams.
    Export,
    /// Times the list's first page and the quick-view counts.
    Lists {
        #[arg(long, default_value_t = 300)]
        iterations: usize,
        #[arg(long, default_value_t = 30)]
        warmup: usize,
    },
}

/// As in production (the api and worker binaries use it too).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error>> {
    let args = Args::parse();
    let storage = SeaStorage::connect(&args.database_url).await?;
    storage.migrate().await?;
    let backend = storage.backend();
    let connection = storage.connection().clone();
    let storage: Arc<dyn Storage> = Arc::new(storage);
    let app_at = |now: DateTime<Utc>| {
        Clientele::new(
            storage.clone(),
            Arc::new(FixedClock::new(now)),
            Arc::new(UuidV7Ids),
            Config::default(),
            Cursors::ephemeral(),
        )
    };
    let engine = match backend {
        DatabaseBackend::Sqlite => "SQLite",
        DatabaseBackend::Postgres => "PostgreSQL",
    };
    match args.command {
        Command::Fill {
            memberships,
            per_client,
            batch,
            start,
            seed,
        } => {
            let now = start.and_hms_opt(0, 0, 0).ok_or("a start date")?.and_utc();
            let app = app_at(now);
            let (owner, site, kind) = billing::found(&app, &args.business_name).await?;
            eprintln!("{engine}: adding {memberships} memberships");
            let took = billing::fill(Fill {
                storage: storage.clone(),
                ids: Arc::new(SeededIds::new(seed)),
                owner,
                site,
                kind,
                memberships,
                per_client: per_client.max(1),
                batch: batch.max(1),
                start,
                now,
            })
            .await?;
            if backend == DatabaseBackend::Postgres {
                connection.execute_unprepared("VACUUM ANALYZE").await?;
            }
            println!(
                "wrote {memberships} memberships in {:.1} s",
                took.as_secs_f64()
            );
        }
        Command::Run {
            now,
            workers,
            batch,
            in_flight,
            latency_ms,
        } => {
            let processors = StubProcessors::configured(
                Arc::new(FixedClock::new(now)),
                None,
                Duration::from_millis(latency_ms),
            )?;
            let app = app_at(now).with_processors(Arc::new(processors));
            let policy = BillingPolicy {
                batch,
                in_flight,
                ..BillingPolicy::default()
            };
            let run = billing::bill(&app, workers, &policy).await?;
            println!(
                "{engine}: {} charges ({} claimed) by {workers} workers in {:.2} s: {:.0} \
                 charges/s (batch {batch}, {in_flight} in flight, {latency_ms} ms a charge)",
                run.report.charged,
                run.report.claimed,
                run.took.as_secs_f64(),
                run.charges_per_second()
            );
        }
        Command::Export => {
            let app = app_at(Utc::now());
            let generated = setup::open(&app, &storage, &args.business_name).await?;
            let http = Http::start(&app, &generated.owner).await?;
            let (rows, table) = http.export_table("/v1/memberships/export").await?;
            println!("{engine}; {rows} memberships\n");
            print!("{table}");
        }
        Command::Lists { iterations, warmup } => {
            let app = app_at(Utc::now());
            let generated = setup::open(&app, &storage, &args.business_name).await?;
            let (page, counts) = billing::lists(
                &app,
                &generated.owner,
                Runs {
                    warmup,
                    iterations: iterations.max(1),
                },
            )
            .await?;
            println!("{engine}; {iterations} iterations after {warmup} warm-up; times in ms\n");
            println!("| case | p50 | p95 | p99 |\n| --- | ---: | ---: | ---: |");
            println!(
                "| memberships list, first page | {:.2} | {:.2} | {:.2} |",
                page.p50, page.p95, page.p99
            );
            println!(
                "| quick-view counts | {:.2} | {:.2} | {:.2} |",
                counts.p50, counts.p95, counts.p99
            );
        }
    }
    Ok(())
}
