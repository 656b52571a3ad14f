//! PL-25: the clocks of businesses in test mode, as the worker walks them day by day.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use clientele_domain::{Business, BusinessId};

use super::StorageError;

/// The work owed to test businesses whose clock was moved forward.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait TestClockRepository: Send {
    /// Test businesses whose clock is ahead both of the work done for them and of
    /// `real`, by id, at most `limit`.
    async fn businesses_behind_their_clock(
        &mut self,
        real: DateTime<Utc>,
        limit: u32,
    ) -> Result<Vec<Business>, StorageError>;

    /// Records that the work of test business `business` is done up to `to`, provided
    /// it was done up to `from`: false (nothing written) when it was not, e.g. another
    /// worker did that day meanwhile.
    async fn record_clock_work(
        &mut self,
        business: BusinessId,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<bool, StorageError>;
}
