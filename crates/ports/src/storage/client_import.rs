//! CL-15: client imports and their reports, as the API starts them and the worker works
//! them batch by batch.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use clientele_domain::client_import::{ClientImport, RowReport};
use clientele_domain::{BusinessId, ImportId, Version};

use super::StorageError;

/// Client imports, each with the report of the rows read so far.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait ClientImportRepository: Send {
    /// Stores a new import. MUST return `Duplicate("client_import")` if the id is taken.
    async fn insert_client_import(&mut self, import: &ClientImport) -> Result<(), StorageError>;

    /// Stores piece `seq` (from 0) of the import's file.
    async fn insert_import_chunk(
        &mut self,
        business: BusinessId,
        import: ImportId,
        seq: u32,
        bytes: &[u8],
    ) -> Result<(), StorageError>;

    /// Pieces `from` to `to` (both included) of the import's file, in order; fewer past
    /// its end.
    async fn import_chunks(
        &mut self,
        business: BusinessId,
        import: ImportId,
        from: u32,
        to: u32,
    ) -> Result<Vec<Vec<u8>>, StorageError>;

    /// The business's import, or `None`.
    async fn client_import(
        &mut self,
        business: BusinessId,
        id: ImportId,
    ) -> Result<Option<ClientImport>, StorageError>;

    /// The oldest pending import of any business that no worker holds (its lease has run
    /// out by `now`), now held until `until`; `None` when there is none. Two workers
    /// never both get one import's lease.
    async fn claim_client_import(
        &mut self,
        now: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<Option<ClientImport>, StorageError>;

    /// Stores the import's progress and appends `rows` (each with the email key of its
    /// row, if any) to its report, if its stored version is `expected`: otherwise
    /// `VersionConflict` and nothing written (another worker recorded that batch).
    async fn record_import_batch(
        &mut self,
        import: &ClientImport,
        expected: Version,
        rows: &[(RowReport, Option<String>)],
    ) -> Result<(), StorageError>;

    /// The import's report from line `after` on (exclusive), in the file's order, at most
    /// `limit` rows.
    async fn import_rows(
        &mut self,
        business: BusinessId,
        import: ImportId,
        after: Option<u32>,
        limit: u32,
    ) -> Result<Vec<RowReport>, StorageError>;

    /// Whether an earlier row of the import had an email of this key.
    async fn import_saw_email(
        &mut self,
        business: BusinessId,
        import: ImportId,
        email_key: &str,
    ) -> Result<bool, StorageError>;
}
