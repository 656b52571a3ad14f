//! CL-19: duplicate suggestions for one client, timed through the use case for clients
//! spread over the whole list in name order (common names and rare ones alike).

use std::error::Error;
use std::time::{Duration, Instant};

use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, Statement};
use uuid::Uuid;

use clientele_adapters::DatabaseBackend;
use clientele_application::Clientele;
use clientele_domain::{Actor, BusinessId, ClientId};

use crate::measure::Percentiles;

/// What the suggestions for `clients` clients took.
#[derive(Debug, Clone, Copy)]
pub struct DuplicatesRun {
    pub clients: usize,
    pub times: Percentiles,
    pub slowest_ms: f64,
    /// Suggestions per client, on average.
    pub mean_found: f64,
}

/// `n` clients of the business, evenly spread over the list in name order.
async fn spread(
    connection: &DatabaseConnection,
    backend: DatabaseBackend,
    business: BusinessId,
    n: usize,
) -> Result<Vec<ClientId>, Box<dyn Error>> {
    let (db, marks) = match backend {
        DatabaseBackend::Sqlite => (DbBackend::Sqlite, ("?", "?")),
        DatabaseBackend::Postgres => (DbBackend::Postgres, ("$1", "$2")),
    };
    let sql = format!(
        "SELECT id FROM (SELECT id, ROW_NUMBER() OVER (ORDER BY last_name_key, first_name_key, id) \
         AS r, COUNT(*) OVER () AS n FROM clients WHERE business_id = {}) t \
         WHERE r % (n / {} + 1) = 0",
        marks.0, marks.1
    );
    let rows = connection
        .query_all_raw(Statement::from_sql_and_values(
            db,
            sql,
            [business.as_uuid().into(), (n as i64).into()],
        ))
        .await?;
    rows.iter()
        .map(|row| Ok(ClientId::from_uuid(row.try_get::<Uuid>("", "id")?)))
        .collect()
}

/// Suggestions for `n` clients spread over the list, after one warm-up pass.
pub async fn run(
    app: &Clientele,
    owner: &Actor,
    connection: &DatabaseConnection,
    backend: DatabaseBackend,
    n: usize,
) -> Result<DuplicatesRun, Box<dyn Error>> {
    let clients = spread(connection, backend, owner.business_id, n).await?;
    for &id in &clients {
        app.duplicate_suggestions(owner, id).await?;
    }
    let mut times: Vec<Duration> = Vec::with_capacity(clients.len());
    let mut found = 0usize;
    for &id in &clients {
        let started = Instant::now();
        found += app.duplicate_suggestions(owner, id).await?.len();
        times.push(started.elapsed());
    }
    let slowest_ms = times.iter().max().map_or(0.0, |d| d.as_secs_f64() * 1000.0);
    Ok(DuplicatesRun {
        clients: clients.len(),
        times: Percentiles::of(&mut times),
        slowest_ms,
        mean_found: found as f64 / clients.len().max(1) as f64,
    })
}
