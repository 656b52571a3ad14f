//! Runs the cases: the product's `list_clients` and the raw SQL, interleaved (their order
//! alternating) with the same parameters, timed one call at a time. Checks once per
//! parameter set that both return the same clients in the same order.

use std::time::{Duration, Instant};

use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, DbErr, Statement};
use thiserror::Error;
use uuid::Uuid;

use clientele_adapters::DatabaseBackend;
use clientele_application::clients::{ClientError, ClientListRequest};
use clientele_application::{Clientele, Page};
use clientele_domain::{Actor, BusinessId, Client};

use crate::cases::{Case, Params, RawQuery};

#[derive(Debug, Error)]
pub enum MeasureError {
    #[error("the product failed on `{case}`: {source}")]
    Product {
        case: &'static str,
        #[source]
        source: ClientError,
    },
    #[error("the raw SQL failed on `{case}`: {source}\n{sql}")]
    Raw {
        case: &'static str,
        sql: String,
        #[source]
        source: DbErr,
    },
    #[error(
        "`{case}` returned different clients: the product's page ({product} clients, more: {more}) is not the raw query's ({raw} rows) for {params:?}; first ids: product {product_head:?}, raw {raw_head:?}"
    )]
    Mismatch {
        case: &'static str,
        params: Box<Params>,
        product: usize,
        more: bool,
        raw: usize,
        product_head: Vec<Uuid>,
        raw_head: Vec<Uuid>,
    },
}

/// How many iterations to run.
#[derive(Debug, Clone, Copy)]
pub struct Runs {
    pub warmup: usize,
    pub iterations: usize,
}

/// Latency percentiles, in milliseconds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Percentiles {
    pub p50: f64,
    pub p95: f64,
    pub p99: f64,
}

impl Percentiles {
    /// Nearest-rank percentiles of `samples` (which it sorts).
    pub fn of(samples: &mut [Duration]) -> Self {
        samples.sort();
        let at = |q: f64| -> f64 {
            if samples.is_empty() {
                return f64::NAN;
            }
            let rank = (q * samples.len() as f64).ceil() as usize;
            samples[rank.clamp(1, samples.len()) - 1].as_secs_f64() * 1000.0
        };
        Self {
            p50: at(0.50),
            p95: at(0.95),
            p99: at(0.99),
        }
    }
}

/// What one case measured.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub name: &'static str,
    pub parameter_sets: usize,
    /// Clients on the page, averaged over the measured iterations.
    pub mean_rows: f64,
    pub product: Percentiles,
    pub raw: Percentiles,
    /// The parameter sets whose slowest product call was slowest, worst first, with
    /// that call's time in ms (what the p99 is made of).
    pub slowest: Vec<(Params, f64)>,
}

/// How many of a case's slowest parameter sets [`Outcome::slowest`] keeps.
const SLOWEST: usize = 3;

/// The context every case runs in.
pub struct Bench<'a> {
    pub app: &'a Clientele,
    pub owner: &'a Actor,
    pub business: BusinessId,
    pub connection: &'a DatabaseConnection,
    pub backend: DatabaseBackend,
}

impl Bench<'_> {
    fn statement(&self, query: &RawQuery) -> Statement {
        let backend = match self.backend {
            DatabaseBackend::Sqlite => DbBackend::Sqlite,
            DatabaseBackend::Postgres => DbBackend::Postgres,
        };
        Statement::from_sql_and_values(backend, query.sql_for(self.backend), query.values.clone())
    }

    async fn raw_ids(&self, case: &Case, query: &RawQuery) -> Result<Vec<Uuid>, MeasureError> {
        let failed = |source| MeasureError::Raw {
            case: case.name,
            sql: query.sql_for(self.backend),
            source,
        };
        let rows = self
            .connection
            .query_all_raw(self.statement(query))
            .await
            .map_err(failed)?;
        rows.iter()
            .map(|row| row.try_get::<Uuid>("", "id"))
            .collect::<Result<Vec<_>, _>>()
            .map_err(failed)
    }

    pub(crate) async fn timed_product(
        &self,
        case: &Case,
        request: &ClientListRequest,
    ) -> Result<(Page<Client>, Duration), MeasureError> {
        let started = Instant::now();
        let page = self.app.list_clients(self.owner, request).await;
        let elapsed = started.elapsed();
        let page = page.map_err(|source| MeasureError::Product {
            case: case.name,
            source,
        })?;
        Ok((page, elapsed))
    }

    async fn timed_raw(
        &self,
        case: &Case,
        query: &RawQuery,
    ) -> Result<(Vec<Uuid>, Duration), MeasureError> {
        let started = Instant::now();
        let ids = self.raw_ids(case, query).await;
        let elapsed = started.elapsed();
        Ok((ids?, elapsed))
    }

    /// Runs `case` and returns its percentiles.
    pub async fn run(&self, case: &Case, runs: Runs) -> Result<Outcome, MeasureError> {
        let mut product_times = Vec::with_capacity(runs.iterations);
        let mut raw_times = Vec::with_capacity(runs.iterations);
        let mut rows = 0usize;
        let mut checked = vec![false; case.params.len()];
        let mut worst = vec![Duration::ZERO; case.params.len()];
        for i in 0..runs.warmup + runs.iterations {
            let which = i % case.params.len();
            let params = &case.params[which];
            let request = (case.request)(params);
            let query = (case.raw)(self.backend, self.business, params);

            // Alternate which goes first, so that neither always finds the caches warmed
            // by the other.
            let (page, product_time, raw, raw_time) = if i % 2 == 0 {
                let (page, product_time) = self.timed_product(case, &request).await?;
                let (raw, raw_time) = self.timed_raw(case, &query).await?;
                (page, product_time, raw, raw_time)
            } else {
                let (raw, raw_time) = self.timed_raw(case, &query).await?;
                let (page, product_time) = self.timed_product(case, &request).await?;
                (page, product_time, raw, raw_time)
            };
            if !checked[which] {
                check_same(case, params, &page, &raw)?;
                checked[which] = true;
            }
            if i >= runs.warmup {
                product_times.push(product_time);
                worst[which] = worst[which].max(product_time);
                raw_times.push(raw_time);
                rows += page.items.len();
            }
        }
        let mut slowest: Vec<(usize, Duration)> = worst.into_iter().enumerate().collect();
        slowest.sort_by_key(|(_, time)| std::cmp::Reverse(*time));
        let slowest = slowest
            .into_iter()
            .take(SLOWEST)
            .map(|(which, time)| (case.params[which].clone(), time.as_secs_f64() * 1000.0))
            .collect();
        Ok(Outcome {
            name: case.name,
            slowest,
            parameter_sets: case.params.len(),
            mean_rows: rows as f64 / runs.iterations.max(1) as f64,
            product: Percentiles::of(&mut product_times),
            raw: Percentiles::of(&mut raw_times),
        })
    }
}

/// The product's page must be the raw query's rows in order, the raw query having one
/// row more exactly when the product says another page follows.
fn check_same(
    case: &Case,
    params: &Params,
    page: &Page<Client>,
    raw: &[Uuid],
) -> Result<(), MeasureError> {
    let product: Vec<Uuid> = page.items.iter().map(|c| c.id().as_uuid()).collect();
    let more = page.next_cursor.is_some();
    let expected_raw = product.len() + usize::from(more);
    if raw.len() == expected_raw && raw[..product.len()] == product[..] {
        return Ok(());
    }
    Err(MeasureError::Mismatch {
        case: case.name,
        params: Box::new(params.clone()),
        product: product.len(),
        more,
        raw: raw.len(),
        product_head: product.iter().take(3).copied().collect(),
        raw_head: raw.iter().take(3).copied().collect(),
    })
}

/// The figures as a Markdown table.
pub fn markdown(outcomes: &[Outcome]) -> String {
    let mut out = String::from(
        "| case | param. sets | rows | product p50 | product p95 | product p99 | raw p50 | raw p95 | raw p99 | product/raw p50 | product/raw p99 |\n\
         | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n",
    );
    for o in outcomes {
        out.push_str(&format!(
            "| {} | {} | {:.0} | {:.2} | {:.2} | {:.2} | {:.2} | {:.2} | {:.2} | {:.2} | {:.2} |\n",
            o.name,
            o.parameter_sets,
            o.mean_rows,
            o.product.p50,
            o.product.p95,
            o.product.p99,
            o.raw.p50,
            o.raw.p95,
            o.raw.p99,
            o.product.p50 / o.raw.p50,
            o.product.p99 / o.raw.p99,
        ));
    }
    out
}

/// Each case's slowest parameter sets, one line per case.
pub fn slowest(outcomes: &[Outcome]) -> String {
    let mut out = String::new();
    for o in outcomes {
        let sets: Vec<String> = o
            .slowest
            .iter()
            .map(|(params, ms)| format!("{} ({ms:.1} ms)", params.describe()))
            .collect();
        out.push_str(&format!("- {}: {}\n", o.name, sets.join(", ")));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_are_nearest_rank() {
        let mut samples: Vec<Duration> = (1..=100).map(Duration::from_millis).collect();
        let p = Percentiles::of(&mut samples);
        assert_eq!((p.p50, p.p95, p.p99), (50.0, 95.0, 99.0));
    }
}
