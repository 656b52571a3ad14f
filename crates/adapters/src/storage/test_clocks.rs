//! `TestClockRepository` over a [`SeaTransaction`]: the clocks of test businesses
//! (`businesses.test_clock`, `test_clock_worked_to`), PL-25.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

use clientele_domain::{Business, BusinessId};
use clientele_ports::StorageError;
use clientele_ports::storage::TestClockRepository;

use super::conversions::instant;
use super::entities::businesses;
use super::{SeaTransaction, unexpected};

#[async_trait]
impl TestClockRepository for SeaTransaction {
    async fn businesses_behind_their_clock(
        &mut self,
        real: DateTime<Utc>,
        limit: u32,
    ) -> Result<Vec<Business>, StorageError> {
        use businesses::Column as B;
        businesses::Entity::find()
            .filter(B::TestMode.eq(true))
            .filter(B::TestClock.gt(instant(real)))
            .filter(Expr::col(B::TestClock).gt(Expr::col(B::TestClockWorkedTo)))
            .order_by_asc(B::Id)
            .limit(u64::from(limit))
            .all(&self.txn)
            .await
            .map_err(unexpected)?
            .into_iter()
            .map(Business::try_from)
            .collect()
    }

    async fn record_clock_work(
        &mut self,
        business: BusinessId,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<bool, StorageError> {
        use businesses::Column as B;
        let result = businesses::Entity::update_many()
            .col_expr(B::TestClockWorkedTo, Expr::value(instant(to)))
            .filter(B::Id.eq(business.as_uuid()))
            .filter(B::TestMode.eq(true))
            .filter(B::TestClockWorkedTo.eq(instant(from)))
            .exec(&self.txn)
            .await
            .map_err(unexpected)?;
        Ok(result.rows_affected > 0)
    }
}
