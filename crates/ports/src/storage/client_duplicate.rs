//! CL-19: the lookups that find a client's likely duplicates, and the pairs staff said
//! are not one person.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use clientele_domain::client_duplicate::{Block, DuplicateKeys};
use clientele_domain::{BusinessId, ClientId};

use super::StorageError;

#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait ClientDuplicateRepository: Send {
    /// CL-19: the keys of the business's clients that `block` holds (each client at most
    /// once), at most `limit` of them in no stated order: one index range each.
    async fn duplicate_candidates(
        &mut self,
        business: BusinessId,
        block: &Block,
        limit: u32,
    ) -> Result<Vec<DuplicateKeys>, StorageError>;

    /// Remembers that the business's clients `a` and `b` are not one person. Doing it
    /// twice changes nothing; `NotFound` if either client is absent.
    async fn dismiss_duplicate(
        &mut self,
        business: BusinessId,
        a: ClientId,
        b: ClientId,
        at: DateTime<Utc>,
    ) -> Result<(), StorageError>;

    /// Forgets that `a` and `b` were said not to be one person; whether they were.
    async fn undismiss_duplicate(
        &mut self,
        business: BusinessId,
        a: ClientId,
        b: ClientId,
    ) -> Result<bool, StorageError>;

    /// The clients said not to be the same person as the business's client `id`.
    async fn dismissed_duplicates(
        &mut self,
        business: BusinessId,
        id: ClientId,
    ) -> Result<Vec<ClientId>, StorageError>;
}
