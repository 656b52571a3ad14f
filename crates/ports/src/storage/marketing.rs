//! Marketing preferences and clients' consents (CL-13).

use async_trait::async_trait;

use clientele_domain::marketing::{ConsentChange, MarketingPreference};
use clientele_domain::{BusinessId, ClientId, MarketingPreferenceId, SiteScope};

use super::StorageError;

/// CL-13: marketing preferences (names unique per business, compared by their key),
/// clients' current consents, and the ledger of every change (never updated, never
/// deleted).
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait MarketingRepository: Send {
    /// MUST return `Duplicate("preference_name")` if the business has a preference of that
    /// name and `Duplicate("preference")` if the id is taken.
    async fn insert_preference(
        &mut self,
        preference: &MarketingPreference,
    ) -> Result<(), StorageError>;

    /// The business's preference, or `None`.
    async fn preference(
        &mut self,
        business: BusinessId,
        id: MarketingPreferenceId,
    ) -> Result<Option<MarketingPreference>, StorageError>;

    /// Preferences ordered by id, strictly after `after`, at most `limit`.
    async fn preferences(
        &mut self,
        business: BusinessId,
        after: Option<MarketingPreferenceId>,
        limit: u32,
    ) -> Result<Vec<MarketingPreference>, StorageError>;

    /// Appends `change` to the ledger and makes it the client's current consent for its
    /// preference, both or neither. MUST return `Duplicate("consent")` if the change's id
    /// is taken and `NotFound` if the business has no such client or preference.
    async fn record_consent(&mut self, change: &ConsentChange) -> Result<(), StorageError>;

    /// A client's current consent per preference (the preferences never answered are
    /// absent), ordered by preference id.
    async fn consents_of_client(
        &mut self,
        business: BusinessId,
        client: ClientId,
    ) -> Result<Vec<(MarketingPreferenceId, bool)>, StorageError>;

    /// A client's ledger, newest first (ties by id, descending), at most `limit`.
    async fn consent_history(
        &mut self,
        business: BusinessId,
        client: ClientId,
        limit: u32,
    ) -> Result<Vec<ConsentChange>, StorageError>;

    /// The clients opted in to `preference` that have an email: (client id, email as
    /// typed), ordered by client id, strictly after `after`, at most `limit`. With a
    /// scope of some sites, MUST return only clients of one of them (PL-14).
    async fn opted_in_emails(
        &mut self,
        business: BusinessId,
        preference: MarketingPreferenceId,
        scope: &SiteScope,
        after: Option<ClientId>,
        limit: u32,
    ) -> Result<Vec<(ClientId, String)>, StorageError>;
}
