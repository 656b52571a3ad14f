//! A business's sites (PL-14).

use async_trait::async_trait;

use clientele_domain::{BusinessId, Site, SiteId, SiteScope, Version};

use super::StorageError;

/// The sites of a business. Names are unique per business, compared by their key
/// (`SiteName::key`).
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait SiteRepository: Send {
    /// MUST return `Duplicate("site_name")` if the business has a site of that name and
    /// `Duplicate("site")` if the id is taken.
    async fn insert_site(&mut self, site: &Site) -> Result<(), StorageError>;

    /// The business's site, or `None`.
    async fn site(
        &mut self,
        business: BusinessId,
        id: SiteId,
    ) -> Result<Option<Site>, StorageError>;

    /// Sites in `scope` (none for an empty `Only`), ordered by id, strictly after
    /// `after`, at most `limit`.
    async fn sites(
        &mut self,
        business: BusinessId,
        scope: &SiteScope,
        after: Option<SiteId>,
        limit: u32,
    ) -> Result<Vec<Site>, StorageError>;

    /// Which of `ids` are not sites of the business: sorted, without repeats.
    async fn missing_sites(
        &mut self,
        business: BusinessId,
        ids: &[SiteId],
    ) -> Result<Vec<SiteId>, StorageError>;

    /// The business's oldest site (ties by id), its default; `None` if it has none.
    async fn first_site(&mut self, business: BusinessId) -> Result<Option<SiteId>, StorageError>;

    /// The optimistic update of the module's contract, plus `Duplicate("site_name")`.
    async fn update_site(&mut self, site: &Site, expected: Version) -> Result<(), StorageError>;

    /// MUST return `NotFound` if absent and `InUse("clients")`, `InUse("staff")` or
    /// `InUse("appointments")` while any belong to the site, also when they were attached
    /// by a concurrent transaction.
    async fn delete_site(&mut self, business: BusinessId, id: SiteId) -> Result<(), StorageError>;
}
