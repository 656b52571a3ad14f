//! `clientele-bench`: times the client list of a generated business, the product's
//! `Clientele::list_clients` against the same page in raw SQL, and prints p50 / p95 / p99
//! per case as a Markdown table.

use std::error::Error;
use std::sync::Arc;

use clap::Parser;
use sea_orm::{ConnectionTrait, DbBackend, Statement};

use clientele_adapters::{DatabaseBackend, SeaStorage, SystemClock, UuidV7Ids};
use clientele_application::cursor::Cursors;
use clientele_application::{Clientele, Config};
use clientele_bench::cases::cases;
use clientele_bench::http::{self, Http};
use clientele_bench::measure::{Bench, Runs, markdown, slowest};
use clientele_bench::search_cases::samples;
use clientele_bench::setup;
use clientele_ports::Storage;

/// Benchmarks the client list against raw SQL on a database made by clientele-generate.
#[derive(Debug, Parser)]
#[command(version)]
struct Args {
    /// The database clientele-generate filled.
    #[arg(long, env = "DATABASE_URL")]
    database_url: String,
    /// Measured iterations per case.
    #[arg(long, default_value_t = 200)]
    iterations: usize,
    /// Iterations run first and not measured.
    #[arg(long, default_value_t = 20)]
    warmup: usize,
    /// Only the cases whose name contains this.
    #[arg(long)]
    only: Option<String>,
    /// The generated business.
    #[arg(long, default_value = "Bench Spa")]
    business_name: String,
    /// Also time the pages of 500 through HTTP (the API served from this process)
    /// against the product.
    #[arg(long)]
    http: bool,
    /// Also download the whole client export (CL-16) through HTTP, as CSV and as an
    /// Excel workbook.
    #[arg(long)]
    export: bool,
    /// Also import this many new clients from a CSV file (CL-15), through the use cases
    /// as the API and the worker run them.
    #[arg(long)]
    import: Option<u32>,
    /// Also time the duplicate suggestions (CL-19) of this many clients spread over the
    /// list.
    #[arg(long)]
    duplicates: Option<usize>,
}

/// A migration may leave gigabytes in SQLite's write-ahead log (the search terms of a
/// million clients), and until a write resets it every read is slower (list pages 4× at
/// a million clients). The product's own writes soon reset it; the bench writes nothing,
/// so it copies the log into the file first, from a pool of its own (the migrating pool
/// kept a reader that made the checkpoint wait).
async fn checkpoint(url: &str) -> Result<(), Box<dyn Error>> {
    let storage = SeaStorage::connect(url).await?;
    let row = storage
        .connection()
        .query_one_raw(Statement::from_string(
            DbBackend::Sqlite,
            "PRAGMA wal_checkpoint(TRUNCATE)",
        ))
        .await?;
    if let Some(row) = row {
        let busy: i64 = row.try_get_by_index(0)?;
        let frames: i64 = row.try_get_by_index(1)?;
        println!("SQLite checkpoint: busy {busy}, {frames} log frames left");
    }
    storage.connection().clone().close().await?;
    Ok(())
}

/// As in production (the api and worker binaries use it too).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error>> {
    let args = Args::parse();
    let migrating = SeaStorage::connect(&args.database_url).await?;
    migrating.migrate().await?;
    migrating.connection().clone().close().await?;
    if DatabaseBackend::of_url(&args.database_url) == Some(DatabaseBackend::Sqlite) {
        checkpoint(&args.database_url).await?;
    }
    let storage = SeaStorage::connect(&args.database_url).await?;
    let backend = storage.backend();
    let dyn_storage: Arc<dyn Storage> = Arc::new(storage.clone());
    let app = Clientele::new(
        dyn_storage.clone(),
        Arc::new(SystemClock),
        Arc::new(UuidV7Ids),
        Config::default(),
        Cursors::ephemeral(),
    );
    let generated = setup::open(&app, &dyn_storage, &args.business_name).await?;

    let db_backend = match backend {
        DatabaseBackend::Sqlite => DbBackend::Sqlite,
        DatabaseBackend::Postgres => DbBackend::Postgres,
    };
    let placeholder = match backend {
        DatabaseBackend::Sqlite => "?",
        DatabaseBackend::Postgres => "$1",
    };
    let count = storage
        .connection()
        .query_one_raw(Statement::from_sql_and_values(
            db_backend,
            format!("SELECT COUNT(*) AS n FROM clients WHERE business_id = {placeholder}"),
            [generated.business.id.as_uuid().into()],
        ))
        .await?
        .map(|row| row.try_get::<i64>("", "n"))
        .transpose()?
        .unwrap_or(0);

    let version_sql = match backend {
        DatabaseBackend::Sqlite => "SELECT sqlite_version() AS v",
        DatabaseBackend::Postgres => "SELECT current_setting('server_version') AS v",
    };
    let version = storage
        .connection()
        .query_one_raw(Statement::from_string(db_backend, version_sql))
        .await?
        .map(|row| row.try_get::<String>("", "v"))
        .transpose()?
        .unwrap_or_default();

    let sites: Vec<_> = generated.sites.iter().map(|s| s.id).collect();
    let labels: Vec<_> = generated.labels.iter().map(|l| l.id).collect();
    let bench = Bench {
        app: &app,
        owner: &generated.owner,
        business: generated.business.id,
        connection: storage.connection(),
        backend,
    };
    let runs = Runs {
        warmup: args.warmup,
        iterations: args.iterations.max(1),
    };
    eprintln!(
        "{backend:?}: `{}` with {count} clients; {} warm-up and {} measured iterations per case",
        generated.business.name.as_str(),
        runs.warmup,
        runs.iterations
    );
    let mut outcomes = Vec::new();
    let samples = samples(storage.connection(), backend, generated.business.id, 40).await?;
    let chosen = cases(&sites, &labels, &samples).into_iter().filter(|case| {
        args.only
            .as_deref()
            .is_none_or(|only| case.name.contains(only))
    });
    let http = match args.http {
        true => Some(Http::start(&app, &generated.owner).await?),
        false => None,
    };
    let mut through_http = Vec::new();
    for case in chosen {
        eprintln!("  {} …", case.name);
        outcomes.push(bench.run(&case, runs).await?);
        if let Some(http) = http.as_ref().filter(|_| case.name.contains("page of 500")) {
            eprintln!("  {} through HTTP …", case.name);
            through_http.push(http::run(&bench, http, &case, runs).await?);
        }
    }
    println!(
        "{backend:?} {version}, {count} clients, {} iterations after {} warm-up; times in ms\n",
        runs.iterations, runs.warmup
    );
    print!("{}", markdown(&outcomes));
    println!("\nSlowest parameter sets (their slowest product call):\n");
    print!("{}", slowest(&outcomes));
    if !through_http.is_empty() {
        println!("\nThrough HTTP (times in ms):\n");
        print!("{}", http::markdown(&through_http));
    }
    if args.export {
        let http = match http {
            Some(http) => http,
            None => Http::start(&app, &generated.owner).await?,
        };
        eprintln!("  the client export …");
        let (rows, took) = clientele_bench::imports::export_pages(&app, &generated.owner).await?;
        println!(
            "\nThe client export's pages through the use cases alone: {rows} rows in {:.2} s ({:.0} rows/s)",
            took.as_secs_f64(),
            rows as f64 / took.as_secs_f64()
        );
        let (rows, table) = http.export_table("/v1/clients/export?site=all").await?;
        println!("\nThe client export through HTTP, {rows} clients:\n");
        print!("{table}");
    }
    if let Some(n) = args.duplicates {
        eprintln!("  duplicate suggestions for {n} clients …");
        let run = clientele_bench::duplicates::run(
            &app,
            &generated.owner,
            storage.connection(),
            backend,
            n,
        )
        .await?;
        println!(
            "\nDuplicate suggestions (CL-19) for {} clients: p50 {:.2} ms, p95 {:.2} ms, \
             p99 {:.2} ms, slowest {:.2} ms; {:.1} suggestions per client",
            run.clients,
            run.times.p50,
            run.times.p95,
            run.times.p99,
            run.slowest_ms,
            run.mean_found
        );
    }
    if let Some(rows) = args.import {
        eprintln!("  an import of {rows} clients …");
        let run = clientele_bench::imports::run(&app, &generated.owner, rows).await?;
        println!(
            "\nAn import of {} new clients: {} created; file accepted in {:.2} s; all in \
             {:.2} s: {:.0} rows/s; memory growth {:.1} MB",
            run.rows,
            run.created,
            run.accepted.as_secs_f64(),
            run.total.as_secs_f64(),
            f64::from(run.rows) / run.total.as_secs_f64(),
            run.rss_growth_kib as f64 / 1024.0
        );
    }
    Ok(())
}
