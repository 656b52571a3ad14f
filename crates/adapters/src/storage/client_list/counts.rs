//! The statistics a search is planned from: capped counts of its readings, each by the
//! reading's own index, all in one statement. What they say is read by
//! [`super::plan::found`].

use std::collections::HashMap;

use sea_orm::sea_query::{Alias, Expr, Query, SelectStatement, UnionType};
use sea_orm::{ColumnTrait, ConnectionTrait, DbBackend};

use clientele_domain::{BusinessId, ClientSort};
use clientele_ports::StorageError;

use super::plan::{self, Found, Reading};
use super::sql::{filtering, term_range};
use crate::storage::entities::clients;
use crate::storage::{SeaTransaction, unexpected};

/// The rows a reading's count reads, by its own index, up to one more than `cap`: one
/// per client for a name range; one per term for a term range, so a client whose value
/// holds the fragment twice counts twice. That bound plans as well as the exact count,
/// and reads the key alone: without `sql::last_in_range` counting 18,000 terms took 4 ms on
/// PostgreSQL instead of 7.
fn counted(
    backend: DbBackend,
    business: BusinessId,
    reading: &Reading,
    cap: usize,
) -> SelectStatement {
    let mut rows = match reading {
        Reading::Term(terms, prefix) => term_range(business, *terms, prefix),
        Reading::Equals(..) | Reading::Starts(..) | Reading::Extends(..) => Query::select()
            .from(clients::Entity)
            .and_where(clients::Column::BusinessId.eq(business.as_uuid()))
            .cond_where(filtering(backend, reading, true))
            .take(),
    };
    rows.expr(Expr::cust("1")).limit(cap as u64 + 1).take()
}

impl SeaTransaction {
    /// The counts of these readings, each up to one more than its cap, in one statement.
    async fn counts(
        &self,
        business: BusinessId,
        readings: &[(&Reading, usize)],
    ) -> Result<Vec<usize>, StorageError> {
        let backend = self.txn.get_database_backend();
        let mut counts = readings.iter().enumerate().map(|(n, (reading, cap))| {
            Query::select()
                .expr_as(
                    Expr::cust(format!("CAST({n} AS BIGINT)")),
                    Alias::new("probe"),
                )
                .expr_as(Expr::cust("COUNT(*)"), Alias::new("found"))
                .from_subquery(
                    counted(backend, business, reading, *cap),
                    Alias::new(format!("probe_{n}")),
                )
                .take()
        });
        let Some(mut statement) = counts.next() else {
            return Ok(Vec::new());
        };
        for count in counts {
            statement.union(UnionType::All, count);
        }
        let rows = self
            .txn
            .query_all_raw(backend.build(&statement))
            .await
            .map_err(unexpected)?;
        let mut counts = vec![0; readings.len()];
        for row in rows {
            let probe: i64 = row.try_get("", "probe").map_err(unexpected)?;
            let found: i64 = row.try_get("", "found").map_err(unexpected)?;
            if let Some(count) = counts.get_mut(probe as usize) {
                *count = found as usize;
            }
        }
        Ok(counts)
    }

    /// What the counts say of the readings of `branches` that need one
    /// ([`Reading::cap`]); a reading without a count is walked.
    pub(super) async fn found(
        &self,
        business: BusinessId,
        branches: &[Vec<Reading>],
        sort: ClientSort,
        terms_sorted: bool,
    ) -> Result<HashMap<Reading, Found>, StorageError> {
        let (known, to_count) = plan::to_count(branches, sort, terms_sorted);
        let counts = self.counts(business, &to_count).await?;
        Ok(plan::found(known, to_count, counts))
    }
}
