//! `client_audit` rows ↔ [`ClientAuditEntry`] and `attendance_changes` rows ↔
//! [`AttendanceChange`].

use sea_orm::ActiveValue::Set;

use clientele_domain::audit::{AttendanceChange, ClientAuditAction, ClientAuditEntry};
use clientele_ports::StorageError;

use super::appointment::attendance;
use super::{corrupt, instant};
use crate::storage::entities::{attendance_changes, client_audit};

impl TryFrom<client_audit::Model> for ClientAuditEntry {
    type Error = StorageError;

    fn try_from(row: client_audit::Model) -> Result<Self, Self::Error> {
        Ok(Self {
            id: row.id.into(),
            business_id: row.business_id.into(),
            client_id: row.client_id.into(),
            actor: row.actor_id.into(),
            at: row.at,
            action: ClientAuditAction::parse(&row.action).ok_or_else(|| {
                corrupt(
                    "client_audit",
                    "action",
                    format!("`{}` is no action", row.action),
                )
            })?,
            field: row.field,
            old_value: row.old_value,
            new_value: row.new_value,
        })
    }
}

pub(crate) fn client_audit_row(entry: &ClientAuditEntry) -> client_audit::ActiveModel {
    client_audit::ActiveModel {
        business_id: Set(entry.business_id.as_uuid()),
        id: Set(entry.id.as_uuid()),
        client_id: Set(entry.client_id.as_uuid()),
        actor_id: Set(entry.actor.as_uuid()),
        at: Set(instant(entry.at)),
        action: Set(entry.action.as_str().to_owned()),
        field: Set(entry.field.clone()),
        old_value: Set(entry.old_value.clone()),
        new_value: Set(entry.new_value.clone()),
    }
}

impl TryFrom<attendance_changes::Model> for AttendanceChange {
    type Error = StorageError;

    fn try_from(row: attendance_changes::Model) -> Result<Self, Self::Error> {
        const T: &str = "attendance_changes";
        Ok(Self {
            id: row.id.into(),
            business_id: row.business_id.into(),
            appointment_id: row.appointment_id.into(),
            from: attendance(T, "from_attendance", &row.from_attendance)?,
            to: attendance(T, "to_attendance", &row.to_attendance)?,
            actor: row.actor_id.into(),
            at: row.at,
        })
    }
}

pub(crate) fn attendance_change_row(change: &AttendanceChange) -> attendance_changes::ActiveModel {
    attendance_changes::ActiveModel {
        business_id: Set(change.business_id.as_uuid()),
        id: Set(change.id.as_uuid()),
        appointment_id: Set(change.appointment_id.as_uuid()),
        from_attendance: Set(change.from.as_str().to_owned()),
        to_attendance: Set(change.to.as_str().to_owned()),
        actor_id: Set(change.actor.as_uuid()),
        at: Set(instant(change.at)),
    }
}
