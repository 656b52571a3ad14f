//! The blob port: where the bytes of client documents (AP-9) are kept, apart from the
//! database rows that describe them. Adapter: a folder on the file system.
//!
//! Contracts only: this module must not depend on the file system, an object store SDK or
//! storage.

use async_trait::async_trait;
use thiserror::Error;

use clientele_domain::{BusinessId, DocumentId};

/// Why a blob operation failed.
#[derive(Debug, Error)]
pub enum BlobError {
    /// The key is not one this port accepts (see [`BlobStore`]); nothing was done.
    #[error("invalid blob key `{0}`")]
    InvalidKey(String),
    /// The store failed (disk full, permissions, network…).
    #[error("blob store failure: {0}")]
    Io(#[from] std::io::Error),
}

/// The key of a document's bytes: `<business id>/<document id>`.
pub fn document_key(business: BusinessId, document: DocumentId) -> String {
    format!("{business}/{document}")
}

/// Keeps byte strings under keys.
///
/// Keys are `<business id>/<document id>` ([`document_key`]): relative, `/`-separated,
/// never containing `..`. Implementations MUST refuse any other key shape that would
/// escape their root with [`BlobError::InvalidKey`].
///
/// - `put` MUST store all of `bytes` or nothing: a reader never sees half a blob, even
///   after a crash mid-write. It overwrites an existing blob of the same key.
/// - `get` returns `None` when no blob has the key.
/// - `delete` of an absent key is `Ok` (deleting is idempotent).
///
/// Implementations MUST be safe to call from several tasks and processes at once.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait BlobStore: Send + Sync {
    async fn put(&self, key: &str, bytes: &[u8]) -> Result<(), BlobError>;

    async fn get(&self, key: &str) -> Result<Option<Vec<u8>>, BlobError>;

    async fn delete(&self, key: &str) -> Result<(), BlobError>;
}
