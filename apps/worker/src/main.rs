//! `clientele-worker`: wires the adapters into the application and runs the jobs, once or
//! until SIGTERM (PL-16, PL-17). Same configuration as the API.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use clap::{Parser, Subcommand};

use clientele_adapters::{DEFAULT_DATABASE_URL, FixedClock, SeaStorage, SystemClock, UuidV7Ids};
use clientele_application::{Clientele, Config};
use clientele_ports::Clock;

/// Clientele's background worker: billing, dunning, expiry and the email outbox.
#[derive(Debug, Parser)]
#[command(version)]
struct Args {
    #[command(subcommand)]
    command: Command,
    /// Database URL: sqlite://PATH (created on first run) or postgres://…
    #[arg(long, global = true, env = "DATABASE_URL", default_value = DEFAULT_DATABASE_URL)]
    database_url: String,
    /// Apply pending migrations on start.
    #[arg(long, global = true, env = "CLIENTELE_MIGRATE", default_value_t = true, action = clap::ArgAction::Set)]
    migrate: bool,
    /// Freeze "now" at this instant (RFC 3339), for tests and rehearsals.
    #[arg(long, global = true, env = "CLIENTELE_NOW")]
    now: Option<DateTime<Utc>>,
    /// Seconds between passes in `run`.
    #[arg(
        long,
        global = true,
        env = "CLIENTELE_WORKER_INTERVAL",
        default_value_t = 5
    )]
    interval: u64,
    /// Most items one job handles in one pass.
    #[arg(
        long,
        global = true,
        env = "CLIENTELE_WORKER_BATCH",
        default_value_t = 100
    )]
    batch: u64,
    /// Log filter, e.g. `info` or `clientele_worker=debug`.
    #[arg(long, global = true, env = "CLIENTELE_LOG", default_value = "info")]
    log: String,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run passes until SIGTERM or Ctrl-C, then exit 0 (for a process supervisor).
    Run,
    /// Run one pass and exit.
    Once,
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let args = Args::parse();
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::new(&args.log))
        .with_writer(std::io::stderr)
        .init();
    match work(args).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            tracing::error!("{error}");
            eprintln!("clientele-worker: {error}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn work(args: Args) -> Result<(), Box<dyn std::error::Error>> {
    let storage = SeaStorage::connect(&args.database_url).await?;
    if args.migrate {
        storage.migrate().await?;
    }
    let clock: Arc<dyn Clock> = match args.now {
        Some(now) => Arc::new(FixedClock::new(now)),
        None => Arc::new(SystemClock),
    };
    let app = Clientele::new(
        Arc::new(storage),
        clock,
        Arc::new(UuidV7Ids),
        Config::default(),
    );
    match args.command {
        Command::Once => {
            let report = clientele_worker::run_pass(&app, args.batch).await?;
            tracing::info!(?report, "pass done");
        }
        Command::Run => {
            clientele_worker::run_until(
                &app,
                Duration::from_secs(args.interval.max(1)),
                args.batch,
                clientele_adapters::signals::shutdown()?,
            )
            .await;
        }
    }
    Ok(())
}
