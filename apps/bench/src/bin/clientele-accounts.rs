//! `clientele-accounts`: a client account at scale, on a fresh database. Seeds a verified
//! account with N appointments, then times `GET /v1/me/appointments` through HTTP and
//! logins (argon2id) while another request is timed, and prints them as Markdown.

use std::error::Error;
use std::sync::Arc;

use chrono::{NaiveTime, Utc};
use clap::Parser;
use sea_orm::DbBackend;

use clientele_adapters::{Argon2Hasher, DatabaseBackend, SeaStorage, SystemClock, UuidV7Ids};
use clientele_application::cursor::Cursors;
use clientele_application::{Clientele, Config};
use clientele_bench::accounts::{self, EMAIL, PASSWORD};
use clientele_bench::http::Http;
use clientele_bench::measure::Runs;
use clientele_ports::Storage;

#[derive(Debug, Parser)]
#[command(version)]
struct Args {
    /// A fresh database (e.g. `sqlite://./accounts.db?mode=rwc`).
    #[arg(long, env = "DATABASE_URL")]
    database_url: String,
    /// Appointments of the account.
    #[arg(long, default_value_t = 1000)]
    appointments: usize,
    #[arg(long, default_value_t = 300)]
    iterations: usize,
    #[arg(long, default_value_t = 30)]
    warmup: usize,
    /// Logins at once.
    #[arg(long, default_value_t = 4)]
    concurrency: usize,
    /// How long logins run (and the other request alone, before).
    #[arg(long, default_value_t = 10)]
    seconds: u64,
}

/// As in production (the api and worker binaries use it too).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error>> {
    let args = Args::parse();
    let storage = SeaStorage::connect(&args.database_url).await?;
    storage.migrate().await?;
    let backend = match storage.backend() {
        DatabaseBackend::Sqlite => DbBackend::Sqlite,
        DatabaseBackend::Postgres => DbBackend::Postgres,
    };
    let connection = storage.connection().clone();
    let cursors = Cursors::load(&storage).await?;
    let storage: Arc<dyn Storage> = Arc::new(storage);
    let app = Clientele::new(
        storage.clone(),
        Arc::new(SystemClock),
        Arc::new(UuidV7Ids),
        Config::default(),
        cursors,
    )
    .with_password_hasher(Arc::new(Argon2Hasher));
    let boot = app
        .bootstrap(None)
        .await?
        .ok_or("the database has a business already: give a fresh one")?;
    let owner = app.authenticate(&boot.owner_token).await?;
    let first = Utc::now().date_naive().and_time(NaiveTime::MIN).and_utc();
    eprintln!("seeding an account with {} appointments", args.appointments);
    accounts::seed(&app, &owner, &connection, backend, args.appointments, first).await?;
    let session = app
        .log_in(boot.business, EMAIL, PASSWORD, None)
        .await?
        .token;
    let http = Arc::new(Http::start(&app, &owner).await?);
    let runs = Runs {
        warmup: args.warmup,
        iterations: args.iterations.max(1),
    };
    println!(
        "| request (account with {} appointments) | items | p50 ms | p95 ms | p99 ms |",
        args.appointments
    );
    println!("| --- | ---: | ---: | ---: | ---: |");
    for path in [
        "/v1/me/appointments",
        "/v1/me/appointments?limit=100",
        "/v1/me/account",
    ] {
        let (times, items) = accounts::timed_get(&http, path, &session, runs).await?;
        println!(
            "| `GET {path}` | {items} | {:.2} | {:.2} | {:.2} |",
            times.p50, times.p95, times.p99
        );
    }
    let probe = "/v1/me/appointments?limit=100";
    let run = accounts::logins(
        http.clone(),
        boot.business.as_uuid(),
        probe,
        &session,
        args.concurrency,
        args.seconds,
    )
    .await?;
    println!();
    println!(
        "| logins at once | logins/s | `GET {probe}` p50 / p99 alone (ms) | while logging in (ms) | p99 ratio |"
    );
    println!("| ---: | ---: | ---: | ---: | ---: |");
    println!(
        "| {} | {:.1} | {:.2} / {:.2} | {:.2} / {:.2} | {:.2} |",
        args.concurrency,
        run.logins_per_second,
        run.alone.p50,
        run.alone.p99,
        run.under_logins.p50,
        run.under_logins.p99,
        run.under_logins.p99 / run.alone.p99
    );
    Ok(())
}
