//! `membership_audit` rows ↔ [`MembershipAudit`] (ME-11).

use sea_orm::ActiveValue::Set;

use clientele_domain::StaffId;
use clientele_domain::audit::FieldChange;
use clientele_domain::membership::{ChangedBy, MembershipAudit};
use clientele_ports::StorageError;

use super::{corrupt, instant};
use crate::storage::entities::membership_audit;

impl TryFrom<membership_audit::Model> for MembershipAudit {
    type Error = StorageError;

    fn try_from(row: membership_audit::Model) -> Result<Self, Self::Error> {
        let by = match (row.changed_by.as_str(), row.staff_id) {
            ("staff", Some(staff)) => ChangedBy::Staff(StaffId::from_uuid(staff)),
            ("client", None) => ChangedBy::Client,
            _ => return Err(corrupt("membership_audit", "changed_by", "no such author")),
        };
        Ok(Self {
            id: row.id.into(),
            business_id: row.business_id.into(),
            membership_id: row.membership_id.into(),
            by,
            at: row.at,
            change: FieldChange {
                field: row.field,
                old: row.old_value,
                new: row.new_value,
            },
        })
    }
}

pub(crate) fn membership_audit_row(audit: &MembershipAudit) -> membership_audit::ActiveModel {
    let (changed_by, staff_id) = match audit.by {
        ChangedBy::Staff(staff) => ("staff", Some(staff.as_uuid())),
        ChangedBy::Client => ("client", None),
    };
    membership_audit::ActiveModel {
        business_id: Set(audit.business_id.as_uuid()),
        id: Set(audit.id.as_uuid()),
        membership_id: Set(audit.membership_id.as_uuid()),
        changed_by: Set(changed_by.to_owned()),
        staff_id: Set(staff_id),
        at: Set(instant(audit.at)),
        field: Set(audit.change.field.clone()),
        old_value: Set(audit.change.old.clone()),
        new_value: Set(audit.change.new.clone()),
    }
}
