//! `clientele-worker`: wires the adapters into the application and runs the jobs, once or
//! until SIGTERM (PL-16, PL-17). Same configuration as the API.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};
use clap::{Parser, Subcommand};

use clientele_adapters::email::{DEFAULT_EMAIL_DIR, DEFAULT_EMAIL_FROM};
use clientele_adapters::{
    DEFAULT_DATABASE_URL, EmailFrom, FileEmailSender, FixedClock, HttpWebhookSender, SeaStorage,
    SmtpEmailSender, StubProcessors, SystemClock, UuidV7Ids,
};
use clientele_api::ApiViews;
use clientele_application::billing::BillingPolicy;
use clientele_application::cursor::Cursors;
use clientele_application::outbox::OutboxPolicy;
use clientele_application::webhook_deliveries::DeliveryPolicy;
use clientele_application::{Clientele, Config};
use clientele_ports::{Clock, EmailSender};

/// Clientele's background worker: billing, dunning, expiry, the email outbox and webhook
/// deliveries.
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
    /// Folder the emails are written to, one `<id>.eml` file each, when no SMTP URL is set.
    #[arg(long, global = true, env = "CLIENTELE_EMAIL_DIR", default_value = DEFAULT_EMAIL_DIR)]
    email_dir: PathBuf,
    /// Send emails through this SMTP server instead of writing files:
    /// smtp://USER:PASSWORD@HOST:587?tls=required, smtps://USER:PASSWORD@HOST:465 or
    /// smtp://HOST:25 (no TLS).
    #[arg(
        long,
        global = true,
        env = "CLIENTELE_SMTP_URL",
        hide_env_values = true
    )]
    smtp_url: Option<String>,
    /// The From of every email.
    #[arg(long, global = true, env = "CLIENTELE_EMAIL_FROM", default_value = DEFAULT_EMAIL_FROM)]
    email_from: String,
    /// Seconds an email claimed by a worker stays reserved to it; after a crash its
    /// emails are sent by another worker once this runs out. Keep it longer than one
    /// send can take (the SMTP timeout, 60 s by default).
    #[arg(
        long,
        global = true,
        env = "CLIENTELE_EMAIL_LEASE_SECONDS",
        default_value_t = 300,
        value_parser = clap::value_parser!(u32).range(1..)
    )]
    email_lease_seconds: u32,
    /// The stub card processor's record of the charges it received (ME-9): a file shared
    /// by every api and worker process naming it; in memory when unset.
    #[arg(long, global = true, env = "CLIENTELE_STUB_JOURNAL")]
    stub_journal: Option<PathBuf>,
    /// Milliseconds the stub card processor takes to answer a charge (for benchmarks).
    #[arg(
        long,
        global = true,
        env = "CLIENTELE_STUB_LATENCY_MS",
        default_value_t = 0
    )]
    stub_latency_ms: u64,
    /// Seconds a membership claimed by a worker's billing stays reserved to it; after a
    /// crash, another worker takes it over (and reconciles its pending charge) once this
    /// runs out. Keep it longer than a billing step can take.
    #[arg(
        long,
        global = true,
        env = "CLIENTELE_BILLING_LEASE_SECONDS",
        default_value_t = 300,
        value_parser = clap::value_parser!(u32).range(1..)
    )]
    billing_lease_seconds: u32,
    /// Memberships one billing step claims.
    #[arg(
        long,
        global = true,
        env = "CLIENTELE_BILLING_BATCH",
        default_value_t = 200,
        value_parser = clap::value_parser!(u32).range(1..=5000)
    )]
    billing_batch: u32,
    /// Charges one billing step has in flight at the processor at once.
    #[arg(
        long,
        global = true,
        env = "CLIENTELE_BILLING_IN_FLIGHT",
        default_value_t = 100,
        value_parser = clap::value_parser!(u32).range(1..=1000)
    )]
    billing_in_flight: u32,
    /// Development only: webhook events may be delivered to localhost (PL-24), as the
    /// API's setting of the same name lets such endpoints be saved.
    #[arg(
        long,
        global = true,
        env = "CLIENTELE_WEBHOOKS_TO_LOCALHOST",
        default_value_t = false
    )]
    webhooks_to_localhost: bool,
    /// Seconds a webhook delivery claimed by a worker stays reserved to it; after a crash,
    /// another worker delivers it once this runs out. Keep it longer than a batch of
    /// attempts can take (each is cut after 10 s).
    #[arg(
        long,
        global = true,
        env = "CLIENTELE_WEBHOOK_LEASE_SECONDS",
        default_value_t = 120,
        value_parser = clap::value_parser!(u32).range(1..)
    )]
    webhook_lease_seconds: u32,
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
    // Created here, inside the runtime, and dropped at the end of this function, still
    // inside it: lettre's SMTP pool needs the runtime for both.
    let sender = email_sender(&args)?;
    let cursors = Cursors::load(&storage).await?;
    let processors = StubProcessors::configured(
        clock.clone(),
        args.stub_journal.as_deref(),
        Duration::from_millis(args.stub_latency_ms),
    )?;
    let app = Clientele::new(
        Arc::new(storage),
        clock,
        Arc::new(UuidV7Ids),
        Config {
            webhooks_to_localhost: args.webhooks_to_localhost,
            ..Config::default()
        },
        cursors,
    )
    .with_resource_views(Arc::new(ApiViews))
    .with_webhook_sender(Arc::new(HttpWebhookSender::new(
        args.webhooks_to_localhost,
    )?))
    .with_delivery_policy(DeliveryPolicy {
        lease: TimeDelta::seconds(i64::from(args.webhook_lease_seconds)),
        ..DeliveryPolicy::default()
    })
    .with_email_sender(sender)
    .with_processors(Arc::new(processors))
    .with_billing_policy(BillingPolicy {
        batch: args.billing_batch,
        lease: TimeDelta::seconds(i64::from(args.billing_lease_seconds)),
        in_flight: args.billing_in_flight as usize,
        ..BillingPolicy::default()
    })
    .with_outbox_policy(OutboxPolicy {
        lease: TimeDelta::seconds(i64::from(args.email_lease_seconds)),
        ..OutboxPolicy::default()
    });
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

/// The SMTP sender when a URL is configured, else the file sender (PL-18).
fn email_sender(args: &Args) -> Result<Arc<dyn EmailSender>, Box<dyn std::error::Error>> {
    let from = EmailFrom::parse(&args.email_from)?;
    match args.smtp_url.as_deref() {
        Some(url) if !url.trim().is_empty() => {
            tracing::info!(%from, "emails are sent through SMTP");
            Ok(Arc::new(SmtpEmailSender::new(url.trim(), from)?))
        }
        _ => {
            let sender = FileEmailSender::new(&args.email_dir, from)?;
            tracing::info!(dir = %sender.dir().display(), "emails are written to files");
            Ok(Arc::new(sender))
        }
    }
}
