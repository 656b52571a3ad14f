//! The businesses (tenants, PL-26) and the record of the platform's first start (PL-13).

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use clientele_domain::{Business, BusinessId, Version};

use super::StorageError;

/// Businesses and the bootstrap record. A business is its own scope: these methods take
/// its id, not a business to search in.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait BusinessRepository: Send {
    /// MUST return `Duplicate("business")` if the id is taken.
    async fn insert_business(&mut self, business: &Business) -> Result<(), StorageError>;

    /// The business, or `None`.
    async fn business(&mut self, id: BusinessId) -> Result<Option<Business>, StorageError>;

    /// Stores `business` if the stored version is `expected`. MUST return
    /// `VersionConflict` if it is not and `NotFound` if there is no such business.
    async fn update_business(
        &mut self,
        business: &Business,
        expected: Version,
    ) -> Result<(), StorageError>;

    /// Every business (for the worker's jobs), ordered by id, strictly after `after`, at
    /// most `limit`.
    async fn businesses(
        &mut self,
        after: Option<BusinessId>,
        limit: u32,
    ) -> Result<Vec<Business>, StorageError>;

    /// Records that the platform's first start created `business`. MUST return
    /// `Duplicate("bootstrap")` when a first start was already recorded, so that of
    /// several processes starting at once on an empty database exactly one bootstraps.
    async fn record_bootstrap(
        &mut self,
        business: BusinessId,
        at: DateTime<Utc>,
    ) -> Result<(), StorageError>;

    /// The business the first start created, if one was recorded.
    async fn bootstrap_business(&mut self) -> Result<Option<BusinessId>, StorageError>;
}
