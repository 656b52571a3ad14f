//! ME-11: every change of a membership made by staff or by its client is kept, field by
//! field, with who made it and when: the membership's history.

use chrono::{DateTime, NaiveDate, Utc};

use crate::audit::FieldChange;
use crate::ids::{AuditId, BusinessId, MembershipId, StaffId};

use super::Membership;

/// Who changed a membership.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChangedBy {
    Staff(StaffId),
    /// The client, through the signed self-service link (ME-12).
    Client,
}

/// One field of a membership changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MembershipAudit {
    pub id: AuditId,
    pub business_id: BusinessId,
    pub membership_id: MembershipId,
    pub by: ChangedBy,
    pub at: DateTime<Utc>,
    pub change: FieldChange,
}

fn day(day: Option<NaiveDate>) -> Option<String> {
    day.map(|d| d.to_string())
}

impl Membership {
    /// The fields of the membership that differ from `before`, in a fixed order: what a
    /// change by staff or the client did, for its audit (ME-11).
    pub fn changes_since(&self, before: &Membership) -> Vec<FieldChange> {
        let fields: [(&str, Option<String>, Option<String>); 12] = [
            (
                "type",
                Some(before.type_id.to_string()),
                Some(self.type_id.to_string()),
            ),
            (
                "rate",
                Some(before.rate.describe()),
                Some(self.rate.describe()),
            ),
            (
                "status",
                Some(before.status.as_str().to_owned()),
                Some(self.status.as_str().to_owned()),
            ),
            (
                "reason",
                before.status.reason().map(|r| r.as_str().to_owned()),
                self.status.reason().map(|r| r.as_str().to_owned()),
            ),
            (
                "start_date",
                day(Some(before.start_date)),
                day(Some(self.start_date)),
            ),
            ("end_date", day(before.end_date), day(self.end_date)),
            (
                "next_billing_date",
                day(Some(before.next_billing_date)),
                day(Some(self.next_billing_date)),
            ),
            (
                "paused_until",
                day(before.paused_until),
                day(self.paused_until),
            ),
            (
                "cancelled_on",
                day(before.cancelled_on),
                day(self.cancelled_on),
            ),
            (
                "payment_method",
                Some(before.payment_method.describe()),
                Some(self.payment_method.describe()),
            ),
            (
                "period",
                Some(before.schedule.period().to_string()),
                Some(self.schedule.period().to_string()),
            ),
            (
                "anchor",
                Some(before.schedule.anchor().to_string()),
                Some(self.schedule.anchor().to_string()),
            ),
        ];
        fields
            .into_iter()
            .filter(|(_, old, new)| old != new)
            .map(|(field, old, new)| FieldChange {
                field: field.to_owned(),
                old,
                new,
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::membership::Pause;
    use crate::membership::tests::{day, membership};

    #[test]
    fn me_11_a_change_is_audited_field_by_field_and_nothing_else() {
        let today = day(2027, 1, 15);
        let created = membership(today);
        let mut paused = created.clone();
        paused.pause(Pause::Periods(1), today).unwrap();
        let mut cancelled = created.clone();
        cancelled.cancel(today).unwrap();

        let fields = |changes: &[FieldChange]| -> Vec<String> {
            changes.iter().map(|c| c.field.clone()).collect()
        };
        assert_eq!(fields(&paused.changes_since(&created)), ["paused_until"]);
        let changes = cancelled.changes_since(&created);
        assert_eq!(fields(&changes), ["status", "cancelled_on"]);
        assert_eq!(changes[0].old.as_deref(), Some("active"));
        assert_eq!(changes[0].new.as_deref(), Some("cancelled"));
        assert!(created.changes_since(&created).is_empty());
    }
}
