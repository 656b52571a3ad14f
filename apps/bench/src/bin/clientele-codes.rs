//! `clientele-codes`: codes at scale. `fill` adds the bench's products and N codes (most
//! with an order) to a business made by clientele-generate; `bench` times redeeming,
//! a client's codes, a product's pages and the orders export, and prints them as
//! Markdown.

use std::error::Error;
use std::sync::Arc;

use chrono::{DateTime, NaiveTime, Utc};
use clap::{Parser, Subcommand};
use sea_orm::{ConnectionTrait, DbBackend};

use clientele_adapters::{DatabaseBackend, SeaStorage, SystemClock, UuidV7Ids};
use clientele_application::cursor::Cursors;
use clientele_application::{Clientele, Config};
use clientele_bench::codes::{self, Fill};
use clientele_bench::http::Http;
use clientele_bench::measure::Runs;
use clientele_bench::setup::{self, SeededIds};
use clientele_domain::Actor;
use clientele_ports::Storage;

#[derive(Debug, Parser)]
#[command(version)]
struct Args {
    /// The database clientele-generate filled.
    #[arg(long, env = "DATABASE_URL")]
    database_url: String,
    /// The generated business.
    #[arg(long, default_value = "Bench Spa")]
    business_name: String,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Adds the bench's four products and `codes` codes to the business.
    Fill {
        #[arg(long, default_value_t = 1_000_000)]
        codes: u64,
        #[arg(long, default_value_t = 42)]
        seed: u64,
        /// Codes per transaction.
        #[arg(long, default_value_t = 1000)]
        batch: u64,
        /// Transactions written at once (useful on PostgreSQL only).
        #[arg(long, default_value_t = 1)]
        writers: usize,
        /// The latest purchase (RFC 3339); today at 00:00 UTC by default.
        #[arg(long)]
        now: Option<DateTime<Utc>>,
    },
    /// Times the code operations.
    Bench {
        #[arg(long, default_value_t = 300)]
        iterations: usize,
        #[arg(long, default_value_t = 30)]
        warmup: usize,
        /// Skip the export (it reads every order).
        #[arg(long)]
        no_export: bool,
    },
    /// Times the orders export alone.
    Export,
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
    let db_backend = match backend {
        DatabaseBackend::Sqlite => DbBackend::Sqlite,
        DatabaseBackend::Postgres => DbBackend::Postgres,
    };
    let connection = storage.connection().clone();
    let storage: Arc<dyn Storage> = Arc::new(storage);
    let app = Clientele::new(
        storage.clone(),
        Arc::new(SystemClock),
        Arc::new(UuidV7Ids),
        Config::default(),
        Cursors::ephemeral(),
    );
    let generated = setup::open(&app, &storage, &args.business_name).await?;
    let owner = &generated.owner;
    let products = codes::products(&app, owner).await?;
    let clients = codes::clients(&connection, db_backend, generated.business.id.as_uuid()).await?;
    match args.command {
        Command::Fill {
            codes: count,
            seed,
            batch,
            writers,
            now,
        } => {
            let now =
                now.unwrap_or_else(|| Utc::now().date_naive().and_time(NaiveTime::MIN).and_utc());
            eprintln!(
                "{}: adding {count} codes over {} clients",
                codes::engine(backend),
                clients.len()
            );
            let took = codes::fill(Fill {
                storage: storage.clone(),
                ids: Arc::new(SeededIds::new(seed)),
                owner,
                products: &products,
                clients: &clients,
                codes: count,
                batch: batch.max(1),
                writers,
                now,
            })
            .await?;
            if backend == DatabaseBackend::Postgres {
                connection.execute_unprepared("VACUUM ANALYZE").await?;
            }
            println!(
                "wrote {count} codes in {:.1} s ({:.0} codes/s)",
                took.as_secs_f64(),
                count as f64 / took.as_secs_f64().max(1e-9)
            );
        }
        Command::Bench {
            iterations,
            warmup,
            no_export,
        } => {
            let runs = Runs {
                warmup,
                iterations: iterations.max(1),
            };
            let package = &products[0];
            let kind = app
                .list_appointment_types(owner, clientele_domain::PageLimit::default(), None)
                .await?
                .items
                .first()
                .map(|t| t.id)
                .ok_or("the business has no appointment type")?;
            let usable = codes::active_codes(
                &connection,
                db_backend,
                package.id,
                runs.warmup + runs.iterations,
            )
            .await?;
            let mut figures = Vec::new();
            figures.extend(codes::bookings(&app, owner, kind, &usable, runs).await?);
            figures.push(codes::client_codes(&app, owner, &clients, runs, 11).await?);
            figures.push(codes::product_pages(&app, owner, &products, runs).await?);
            println!(
                "{}, {} clients; {} iterations after {} warm-up; times in ms\n",
                codes::engine(backend),
                clients.len(),
                runs.iterations,
                runs.warmup
            );
            println!("| case | p50 | p95 | p99 |\n| --- | ---: | ---: | ---: |");
            for f in &figures {
                println!(
                    "| {} | {:.2} | {:.2} | {:.2} |",
                    f.name, f.times.p50, f.times.p95, f.times.p99
                );
            }
            println!(
                "\nredeeming adds {:.2} ms at p50 and {:.2} ms at p99",
                figures[0].times.p50 - figures[1].times.p50,
                figures[0].times.p99 - figures[1].times.p99
            );
            if !no_export {
                export(&app, owner).await?;
            }
        }
        Command::Export => export(&app, owner).await?,
    }
    Ok(())
}

/// Times the whole orders export: through the use case alone, then through HTTP as CSV.
async fn export(app: &Clientele, owner: &Actor) -> Result<(), Box<dyn Error>> {
    let (rows, took) = codes::export_pages(app, owner).await?;
    println!(
        "orders export, the use case's pages alone: {rows} rows in {:.2} s = {:.0} rows/s",
        took.as_secs_f64(),
        rows as f64 / took.as_secs_f64().max(1e-9)
    );
    let http = Http::start(app, owner).await?;
    let export = codes::export(&http).await?;
    let rows = export.lines.saturating_sub(1);
    println!(
        "orders export as CSV through HTTP: {rows} rows, {:.1} MB in {:.2} s = {:.0} rows/s; \
         the heap grew {} KiB while it streamed",
        export.bytes as f64 / 1e6,
        export.elapsed.as_secs_f64(),
        rows as f64 / export.elapsed.as_secs_f64().max(1e-9),
        export.rss_growth_kib
    );
    Ok(())
}
