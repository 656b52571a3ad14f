//! Idempotency keys (PL-10): a retried request replays the response of its first one.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use clientele_domain::BusinessId;

use super::StorageError;

/// The response given to the first request with an idempotency key (PL-10), replayed to
/// every repeat. Opaque to storage.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredResponse {
    pub status: u16,
    pub body: String,
}

/// An idempotency key of a business and what it was first used for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdempotencyRecord {
    pub business_id: BusinessId,
    pub key: String,
    /// What the key was used for (e.g. `refund:<appointment id>`).
    pub operation: String,
    /// A hash of the first request's body: a repeat with another body is refused.
    pub fingerprint: String,
    /// `None` while the first request is in progress.
    pub response: Option<StoredResponse>,
    pub created_at: DateTime<Utc>,
}

/// The idempotency keys of a business, unique per business.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait IdempotencyRepository: Send {
    /// The business's record of `key`, or `None`.
    async fn idempotency_record(
        &mut self,
        business: BusinessId,
        key: &str,
    ) -> Result<Option<IdempotencyRecord>, StorageError>;

    /// MUST return `Duplicate("idempotency_key")` if the business already has the key, so
    /// that of two concurrent first requests exactly one proceeds.
    async fn insert_idempotency_record(
        &mut self,
        record: &IdempotencyRecord,
    ) -> Result<(), StorageError>;

    /// Stores the response of a key's first request. MUST return `NotFound` if absent.
    async fn complete_idempotency_record(
        &mut self,
        business: BusinessId,
        key: &str,
        response: &StoredResponse,
    ) -> Result<(), StorageError>;

    /// Forgets a key (its first request failed on our side and may be retried). An absent
    /// key is no error.
    async fn delete_idempotency_record(
        &mut self,
        business: BusinessId,
        key: &str,
    ) -> Result<(), StorageError>;
}
