//! `AuditRepository` over a [`SeaTransaction`]: the audit trail of clients (newest first)
//! and the attendance changes of appointments (oldest first).

use async_trait::async_trait;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

use clientele_domain::audit::{AttendanceChange, ClientAuditEntry};
use clientele_domain::{AppointmentId, BusinessId, ClientId};
use clientele_ports::StorageError;
use clientele_ports::storage::AuditRepository;

use super::conversions::{attendance_change_row, client_audit_row};
use super::entities::{attendance_changes, client_audit};
use super::{SeaTransaction, unexpected, unique_violation};

#[async_trait]
impl AuditRepository for SeaTransaction {
    async fn record_client_audit(&mut self, entry: &ClientAuditEntry) -> Result<(), StorageError> {
        self.guarded(&client_audit::Entity::insert(client_audit_row(entry)))
            .await
            .map_err(|err| match unique_violation(&err) {
                Some(_) => StorageError::Duplicate("client_audit"),
                None => unexpected(err),
            })?;
        Ok(())
    }

    async fn client_audit(
        &mut self,
        business: BusinessId,
        client: ClientId,
        limit: u32,
    ) -> Result<Vec<ClientAuditEntry>, StorageError> {
        client_audit::Entity::find()
            .filter(client_audit::Column::BusinessId.eq(business.as_uuid()))
            .filter(client_audit::Column::ClientId.eq(client.as_uuid()))
            .order_by_desc(client_audit::Column::At)
            .order_by_desc(client_audit::Column::Id)
            .limit(u64::from(limit))
            .all(&self.txn)
            .await
            .map_err(unexpected)?
            .into_iter()
            .map(ClientAuditEntry::try_from)
            .collect()
    }

    async fn record_attendance_change(
        &mut self,
        change: &AttendanceChange,
    ) -> Result<(), StorageError> {
        self.guarded(&attendance_changes::Entity::insert(attendance_change_row(
            change,
        )))
        .await
        .map_err(|err| match unique_violation(&err) {
            Some(_) => StorageError::Duplicate("attendance_change"),
            None => unexpected(err),
        })?;
        Ok(())
    }

    async fn attendance_changes(
        &mut self,
        business: BusinessId,
        appointment: AppointmentId,
    ) -> Result<Vec<AttendanceChange>, StorageError> {
        attendance_changes::Entity::find()
            .filter(attendance_changes::Column::BusinessId.eq(business.as_uuid()))
            .filter(attendance_changes::Column::AppointmentId.eq(appointment.as_uuid()))
            .order_by_asc(attendance_changes::Column::At)
            .order_by_asc(attendance_changes::Column::Id)
            .all(&self.txn)
            .await
            .map_err(unexpected)?
            .into_iter()
            .map(AttendanceChange::try_from)
            .collect()
    }
}
