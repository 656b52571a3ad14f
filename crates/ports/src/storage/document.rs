//! What the documents on clients' cards are (AP-9). Their bytes are the blob store's
//! (`crate::blobs`), not storage's.

use async_trait::async_trait;

use clientele_domain::document::ClientDocument;
use clientele_domain::{BusinessId, ClientId, DocumentId};

use super::StorageError;

/// AP-9: documents on clients. Never updated or deleted.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait DocumentRepository: Send {
    /// MUST return `Duplicate("document")` if the id is taken and `NotFound` if the
    /// business has no such client.
    async fn insert_document(&mut self, document: &ClientDocument) -> Result<(), StorageError>;

    /// The business's document, or `None`.
    async fn document(
        &mut self,
        business: BusinessId,
        id: DocumentId,
    ) -> Result<Option<ClientDocument>, StorageError>;

    /// A client's documents, newest first (ties by id, descending), at most `limit`.
    async fn documents_of_client(
        &mut self,
        business: BusinessId,
        client: ClientId,
        limit: u32,
    ) -> Result<Vec<ClientDocument>, StorageError>;
}
