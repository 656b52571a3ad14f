//! `clientele-api`: wires the adapters into the application and serves HTTP. This is the
//! only place where the API's concrete types are chosen (configuration by environment
//! variables, PL-21).

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use clap::Parser;
use poem::Server;
use poem::listener::TcpListener;

use clientele_adapters::{
    Argon2Hasher, DEFAULT_BLOB_DIR, DEFAULT_DATABASE_URL, FixedClock, FsBlobStore, SeaStorage,
    StubProcessors, SystemClock, UuidV7Ids,
};
use clientele_application::cursor::Cursors;
use clientele_application::{Clientele, Config};
use clientele_ports::Clock;

/// Clientele's HTTP API: clients, sites, staff and tokens, with OpenAPI at /openapi.json
/// and Swagger UI at /docs.
#[derive(Debug, Parser)]
#[command(version)]
struct Args {
    /// Database URL: sqlite://PATH (created on first run) or postgres://…
    #[arg(long, env = "DATABASE_URL", default_value = DEFAULT_DATABASE_URL)]
    database_url: String,
    /// Address to listen on.
    #[arg(long, env = "CLIENTELE_BIND", default_value = "127.0.0.1:8080")]
    bind: String,
    /// Apply pending migrations on start.
    #[arg(long, env = "CLIENTELE_MIGRATE", default_value_t = true, action = clap::ArgAction::Set)]
    migrate: bool,
    /// Owner token of the default business created on the first start (≥ 16 characters);
    /// a random one is printed when unset.
    #[arg(long, env = "CLIENTELE_BOOTSTRAP_TOKEN", hide_env_values = true)]
    bootstrap_token: Option<String>,
    /// Platform operator token: enables /v1/operator (creating businesses).
    #[arg(long, env = "CLIENTELE_OPERATOR_TOKEN", hide_env_values = true)]
    operator_token: Option<String>,
    /// Where clients reach this deployment: the base of the links in emails.
    #[arg(
        long,
        env = "CLIENTELE_PUBLIC_URL",
        default_value = "http://127.0.0.1:8080"
    )]
    public_url: String,
    /// Development only: webhook endpoints may be plain http to localhost (PL-24).
    #[arg(long, env = "CLIENTELE_WEBHOOKS_TO_LOCALHOST", default_value_t = false)]
    webhooks_to_localhost: bool,
    /// Where the content of client documents is kept (a folder, created as needed).
    #[arg(long, env = "CLIENTELE_BLOB_DIR", default_value = DEFAULT_BLOB_DIR)]
    blob_dir: String,
    /// Freeze "now" at this instant (RFC 3339), for tests and rehearsals.
    #[arg(long, env = "CLIENTELE_NOW")]
    now: Option<DateTime<Utc>>,
    /// The key that seals list cursors (64 hex digits); by default one kept in the
    /// database, made on the first start and shared by every process using it.
    #[arg(long, env = "CLIENTELE_CURSOR_KEY", hide_env_values = true)]
    cursor_key: Option<String>,
    /// The largest request body, in bytes (a document upload may be up to 14 MiB
    /// whatever this says). A larger body is refused with a 413.
    #[arg(
        long,
        env = "CLIENTELE_MAX_BODY_BYTES",
        default_value_t = clientele_api::gate::DEFAULT_MAX_BODY_BYTES,
        value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..)
    )]
    max_body_bytes: usize,
    /// The stub card processor's record of the charges it received (ME-9): a file shared
    /// by every api and worker process naming it; in memory when unset.
    #[arg(long, env = "CLIENTELE_STUB_JOURNAL")]
    stub_journal: Option<PathBuf>,
    /// Milliseconds the stub card processor takes to answer a charge (for benchmarks).
    #[arg(long, env = "CLIENTELE_STUB_LATENCY_MS", default_value_t = 0)]
    stub_latency_ms: u64,
    /// Log filter, e.g. `info` or `clientele_api=debug`.
    #[arg(long, env = "CLIENTELE_LOG", default_value = "info")]
    log: String,
    /// Without a command: serve the API.
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, clap::Subcommand)]
enum Command {
    /// Import clients from a CSV file (CL-15), as `POST /v1/client-imports` does, with a
    /// progress bar; prints the counts and writes the per-row report if asked.
    Import(ImportArgs),
}

#[derive(Debug, clap::Args)]
struct ImportArgs {
    /// The CSV file (UTF-8, comma or semicolon, a header row).
    file: PathBuf,
    /// A staff token of an owner or admin of the business to import into.
    #[arg(long, env = "CLIENTELE_TOKEN", hide_env_values = true)]
    token: String,
    /// Report what would be done; change nothing.
    #[arg(long)]
    dry_run: bool,
    /// Leave clients already in the list as they are (by default their details are
    /// updated from the file).
    #[arg(long)]
    skip_existing: bool,
    /// How dates that are not YYYY-MM-DD are read.
    #[arg(long, value_enum, default_value_t = Dates::Dmy)]
    dates: Dates,
    /// `<header>=<column>` for each column to import (`#3=email` names the third
    /// column); by default the mapping is proposed from the headers.
    #[arg(long = "map", value_parser = mapping_pair)]
    map: Vec<(String, String)>,
    /// The site new clients go to (by default the token's current site).
    #[arg(long)]
    site: Option<uuid::Uuid>,
    /// Write the per-row report (CSV) to this file.
    #[arg(long)]
    report: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum Dates {
    /// Day, month, year (31/12/2026).
    Dmy,
    /// Month, day, year (12/31/2026).
    Mdy,
}

fn mapping_pair(pair: &str) -> Result<(String, String), String> {
    pair.split_once('=')
        .map(|(header, column)| (header.to_owned(), column.to_owned()))
        .ok_or_else(|| "expected <header>=<column>".to_owned())
}

/// As in production (the api and worker binaries use it too).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let args = Args::parse();
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::new(&args.log))
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();
    let done = match &args.command {
        Some(Command::Import(import)) => import_clients(&args, import).await,
        None => serve(args).await,
    };
    match done {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            tracing::error!("{error}");
            eprintln!("clientele-api: {error}");
            std::process::ExitCode::FAILURE
        }
    }
}

/// The application as configured: storage (migrated if asked), clock, cursors, payment
/// processors and blob store.
async fn application(args: &Args) -> Result<Clientele, Box<dyn std::error::Error>> {
    let storage = SeaStorage::connect(&args.database_url).await?;
    if args.migrate {
        storage.migrate().await?;
    }
    let clock: Arc<dyn Clock> = match args.now {
        Some(now) => Arc::new(FixedClock::new(now)),
        None => Arc::new(SystemClock),
    };
    let cursors = match &args.cursor_key {
        Some(key) => Cursors::from_key(
            &hex::decode(key.trim())
                .map_err(|_| "CLIENTELE_CURSOR_KEY must be 64 hex digits (32 bytes)")?,
        )?,
        None => Cursors::load(&storage).await?,
    };
    Ok(Clientele::new(
        Arc::new(storage),
        clock.clone(),
        Arc::new(UuidV7Ids),
        Config {
            operator_token: args.operator_token.clone(),
            public_url: args.public_url.clone(),
            webhooks_to_localhost: args.webhooks_to_localhost,
        },
        cursors,
    )
    .with_processors(Arc::new(StubProcessors::configured(
        clock,
        args.stub_journal.as_deref(),
        Duration::from_millis(args.stub_latency_ms),
    )?))
    .with_blob_store(Arc::new(FsBlobStore::new(&args.blob_dir)))
    .with_password_hasher(Arc::new(Argon2Hasher))
    .with_resource_views(Arc::new(clientele_api::ApiViews)))
}

/// `clientele-api import`: the import run here to its end; fails if the import did.
async fn import_clients(
    args: &Args,
    import: &ImportArgs,
) -> Result<(), Box<dyn std::error::Error>> {
    use clientele_api::import_command::{ImportCommand, run};
    use clientele_application::client_imports::ImportOptions;
    use clientele_domain::client_import::{DateOrder, ImportStatus, OnExisting};

    let app = application(args).await?;
    let actor = app.authenticate(&import.token).await?;
    let command = ImportCommand {
        file: import.file.clone(),
        options: ImportOptions {
            dry_run: import.dry_run,
            on_existing: match import.skip_existing {
                true => OnExisting::Skip,
                false => OnExisting::Update,
            },
            dates: match import.dates {
                Dates::Dmy => DateOrder::DayMonthYear,
                Dates::Mdy => DateOrder::MonthDayYear,
            },
            mapping: (!import.map.is_empty()).then(|| import.map.iter().cloned().collect()),
            site: import.site.map(clientele_domain::SiteId::from_uuid),
        },
        report: import.report.clone(),
        progress: true,
    };
    let done = run(&app, &actor, &command).await?;
    let p = &done.progress;
    println!(
        "import {}: {} of {} rows read: {} created, {} updated, {} skipped, {} invalid{}",
        done.id,
        p.read,
        done.total_rows,
        p.created,
        p.updated,
        p.skipped,
        p.invalid,
        if done.dry_run {
            " (dry run: nothing changed)"
        } else {
            ""
        }
    );
    if let Some(report) = &import.report {
        println!("report written to {}", report.display());
    }
    match (done.status, done.failure) {
        (ImportStatus::Failed, failure) => {
            Err(failure.unwrap_or_else(|| "the import failed".into()).into())
        }
        _ => Ok(()),
    }
}

async fn serve(args: Args) -> Result<(), Box<dyn std::error::Error>> {
    let app = application(&args).await?;
    if let Some(done) = app.bootstrap(args.bootstrap_token.as_deref()).await? {
        if done.token_was_configured {
            println!("Created the default business; its owner token is CLIENTELE_BOOTSTRAP_TOKEN.");
        } else {
            println!(
                "Created the default business. Its owner token is shown only this once:\n\n    {}\n\nUse it as `Authorization: Bearer <token>`.",
                done.owner_token
            );
        }
    }
    tracing::info!(bind = %args.bind, "serving; API docs at /docs");
    Server::new(TcpListener::bind(args.bind.as_str()))
        .run_with_graceful_shutdown(
            clientele_api::router(
                app,
                clientele_api::HttpLimits {
                    max_body_bytes: args.max_body_bytes,
                },
            ),
            clientele_adapters::signals::shutdown()?,
            Some(Duration::from_secs(10)),
        )
        .await?;
    Ok(())
}
