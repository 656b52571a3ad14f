//! The notes on clients' cards (CL-12).

use async_trait::async_trait;

use clientele_domain::note::ClientNote;
use clientele_domain::{BusinessId, ClientId};

use super::StorageError;

/// CL-12: notes on clients. Never updated or deleted.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait NoteRepository: Send {
    /// MUST return `Duplicate("note")` if the id is taken and `NotFound` if the business
    /// has no such client.
    async fn insert_note(&mut self, note: &ClientNote) -> Result<(), StorageError>;

    /// A client's notes, newest first (ties by id, descending), at most `limit`.
    async fn notes_of_client(
        &mut self,
        business: BusinessId,
        client: ClientId,
        limit: u32,
    ) -> Result<Vec<ClientNote>, StorageError>;
}
