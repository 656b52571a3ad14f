//! What happened to clients and to appointments' attendance: append-only ledgers.

use async_trait::async_trait;

use clientele_domain::audit::{AttendanceChange, ClientAuditEntry};
use clientele_domain::{AppointmentId, BusinessId, ClientId};

use super::StorageError;

/// The audit trail of clients and the attendance changes of appointments. Entries are
/// never updated or deleted.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait AuditRepository: Send {
    /// Appends an entry. MUST return `Duplicate("client_audit")` if its id is taken.
    async fn record_client_audit(&mut self, entry: &ClientAuditEntry) -> Result<(), StorageError>;

    /// A client's audit trail, newest first (ties by id, descending), at most `limit`.
    async fn client_audit(
        &mut self,
        business: BusinessId,
        client: ClientId,
        limit: u32,
    ) -> Result<Vec<ClientAuditEntry>, StorageError>;

    /// Appends a change. MUST return `Duplicate("attendance_change")` if its id is taken.
    async fn record_attendance_change(
        &mut self,
        change: &AttendanceChange,
    ) -> Result<(), StorageError>;

    /// An appointment's attendance changes, oldest first (ties by id), all of them.
    async fn attendance_changes(
        &mut self,
        business: BusinessId,
        appointment: AppointmentId,
    ) -> Result<Vec<AttendanceChange>, StorageError>;
}
