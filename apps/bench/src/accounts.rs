//! AC-4, AC-7: a client account at scale. Its appointments (`GET /v1/me/appointments`
//! for an account with many) and logins through HTTP: how many the argon2id hash lets
//! through on this machine, and what they do to other requests' latency meanwhile.

use std::error::Error;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use chrono::{DateTime, Duration as Days, Utc};
use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, Statement};
use serde_json::json;

use clientele_application::Clientele;
use clientele_application::accounts::SignUpRequest;
use clientele_application::appointments::{BookingClientInput, BookingInput};
use clientele_domain::Actor;
use clientele_domain::account::SignUpInput;
use clientele_domain::appointment::AppointmentTypeInput;

use crate::http::Http;
use crate::measure::{Percentiles, Runs};

/// The bench account's email and password.
pub const EMAIL: &str = "ana.account@bench.example";
pub const PASSWORD: &str = "correct horse battery staple";

/// The `token=` of the newest outbox email of `kind`.
async fn token_in_outbox(
    connection: &DatabaseConnection,
    backend: DbBackend,
    kind: &str,
) -> Result<String, Box<dyn Error>> {
    let mark = if backend == DbBackend::Postgres {
        "$1"
    } else {
        "?"
    };
    let row = connection
        .query_one_raw(Statement::from_sql_and_values(
            backend,
            format!(
                "SELECT text_body FROM outbox_emails WHERE kind = {mark} \
                 ORDER BY created_at DESC, id DESC LIMIT 1"
            ),
            [kind.into()],
        ))
        .await?
        .ok_or("no such email")?;
    let text: String = row.try_get("", "text_body")?;
    let start = text.find("token=").ok_or("no token in the email")? + "token=".len();
    Ok(text[start..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-'))
        .collect())
}

/// A verified account with `appointments` appointments, all booked by staff with its
/// email (AC-8 c) from `first` on, one a day.
pub async fn seed(
    app: &Clientele,
    owner: &Actor,
    connection: &DatabaseConnection,
    backend: DbBackend,
    appointments: usize,
    first: DateTime<Utc>,
) -> Result<(), Box<dyn Error>> {
    let service = app
        .create_appointment_type(
            owner,
            &AppointmentTypeInput {
                name: "Massage".to_owned(),
                duration_minutes: 60,
                price: "60.00".to_owned(),
                currency: None,
            },
        )
        .await?;
    let book = |day: i64| BookingInput {
        appointment_type: service.id,
        site: None,
        staff: None,
        starts_at: first + Days::days(day),
        ends_at: None,
        client: BookingClientInput {
            email: Some(EMAIL.to_owned()),
            first_name: Some("Ana".to_owned()),
            last_name: Some("Silva".to_owned()),
            ..BookingClientInput::default()
        },
        code: None,
    };
    app.book_appointment(owner, &book(0), None).await?;
    let token = token_in_outbox(connection, backend, "booking_confirmation").await?;
    app.sign_up(&SignUpRequest {
        token,
        fields: SignUpInput {
            email: EMAIL.to_owned(),
            password: PASSWORD.to_owned(),
            terms_version: "1".to_owned(),
            privacy_version: "1".to_owned(),
        },
    })
    .await?;
    let token = token_in_outbox(connection, backend, "account_verification").await?;
    app.verify_account(&token).await?;
    for day in 1..appointments {
        app.book_appointment(owner, &book(day as i64), None).await?;
    }
    Ok(())
}

/// `GET path` with `bearer`, `runs` times after a warm-up: its latencies, and the
/// items of the last page.
pub async fn timed_get(
    http: &Http,
    path: &str,
    bearer: &str,
    runs: Runs,
) -> Result<(Percentiles, usize), Box<dyn Error>> {
    let mut items = 0;
    let mut times = Vec::with_capacity(runs.iterations);
    for i in 0..runs.warmup + runs.iterations {
        let started = Instant::now();
        let response = http
            .client()
            .get(http.at(path))
            .bearer_auth(bearer)
            .send()
            .await?;
        let status = response.status();
        let body = response.bytes().await?;
        let elapsed = started.elapsed();
        if !status.is_success() {
            return Err(format!("{path}: {status}").into());
        }
        if i >= runs.warmup {
            times.push(elapsed);
        }
        let page: serde_json::Value = serde_json::from_slice(&body)?;
        items = page["items"].as_array().map_or(0, Vec::len);
    }
    Ok((Percentiles::of(&mut times), items))
}

/// What logins did for `seconds`.
#[derive(Debug, Clone, Copy)]
pub struct LoginRun {
    pub logins_per_second: f64,
    /// The other request's latency alone, then while the logins ran.
    pub alone: Percentiles,
    pub under_logins: Percentiles,
}

/// `GET path` with `bearer` one after another until `stop`: its latencies.
async fn probe(
    http: Arc<Http>,
    path: String,
    bearer: String,
    stop: Arc<AtomicBool>,
) -> Result<Vec<Duration>, String> {
    let mut times = Vec::new();
    while !stop.load(Ordering::Relaxed) {
        let started = Instant::now();
        let response = (http
            .client()
            .get(http.at(&path))
            .bearer_auth(&bearer)
            .send()
            .await)
            .map_err(|e| e.to_string())?;
        let ok = response.status().is_success();
        response.bytes().await.map_err(|e| e.to_string())?;
        if !ok {
            return Err(format!("{path} failed while probing"));
        }
        times.push(started.elapsed());
    }
    Ok(times)
}

/// Logins by `concurrency` clients at once for `seconds`, while one other client reads
/// `probe_path` (with `bearer`) in a loop; and that read alone for as long, before.
pub async fn logins(
    http: Arc<Http>,
    business: uuid::Uuid,
    probe_path: &str,
    bearer: &str,
    concurrency: usize,
    seconds: u64,
) -> Result<LoginRun, Box<dyn Error>> {
    let run_probe = |stop: Arc<AtomicBool>| {
        tokio::spawn(probe(
            http.clone(),
            probe_path.to_owned(),
            bearer.to_owned(),
            stop,
        ))
    };
    let stop = Arc::new(AtomicBool::new(false));
    let alone = run_probe(stop.clone());
    tokio::time::sleep(Duration::from_secs(seconds)).await;
    stop.store(true, Ordering::Relaxed);
    let mut alone = alone.await??;

    let stop = Arc::new(AtomicBool::new(false));
    let done = Arc::new(AtomicU64::new(0));
    let body = json!({ "business_id": business, "email": EMAIL, "password": PASSWORD }).to_string();
    let mut workers = Vec::new();
    for _ in 0..concurrency {
        let (http, stop, done, body) = (http.clone(), stop.clone(), done.clone(), body.clone());
        workers.push(tokio::spawn(async move {
            while !stop.load(Ordering::Relaxed) {
                let response = http
                    .client()
                    .post(http.at("/v1/account/login"))
                    .header("content-type", "application/json")
                    .body(body.clone())
                    .send()
                    .await
                    .map_err(|e| e.to_string())?;
                if !response.status().is_success() {
                    return Err(format!("login: {}", response.status()));
                }
                response.bytes().await.map_err(|e| e.to_string())?;
                done.fetch_add(1, Ordering::Relaxed);
            }
            Ok::<(), String>(())
        }));
    }
    // Let the logins saturate the hash before probing.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let started = Instant::now();
    let counted_from = done.load(Ordering::Relaxed);
    let probing = run_probe(stop.clone());
    tokio::time::sleep(Duration::from_secs(seconds)).await;
    let logins = done.load(Ordering::Relaxed) - counted_from;
    let elapsed = started.elapsed();
    stop.store(true, Ordering::Relaxed);
    let mut under = probing.await??;
    for worker in workers {
        worker.await??;
    }
    Ok(LoginRun {
        logins_per_second: logins as f64 / elapsed.as_secs_f64(),
        alone: Percentiles::of(&mut alone),
        under_logins: Percentiles::of(&mut under),
    })
}
