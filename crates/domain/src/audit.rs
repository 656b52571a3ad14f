//! Audit trails: who changed what and when. Clients (CL-14: bans for now, every profile
//! change with the client-list issue) and appointment attendance (AP-4).

use chrono::{DateTime, Utc};

use crate::appointment::Attendance;
use crate::ids::{AppointmentId, AuditId, BusinessId, ClientId, StaffId};

/// Something that happened to a client.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClientAuditAction {
    Banned,
    Unbanned,
    /// A profile field changed (`field`, `old_value` → `new_value`).
    Updated,
}

impl ClientAuditAction {
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Banned => "banned",
            Self::Unbanned => "unbanned",
            Self::Updated => "updated",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        match raw {
            "banned" => Some(Self::Banned),
            "unbanned" => Some(Self::Unbanned),
            "updated" => Some(Self::Updated),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientAuditEntry {
    pub id: AuditId,
    pub business_id: BusinessId,
    pub client_id: ClientId,
    /// The staff member who acted.
    pub actor: StaffId,
    pub at: DateTime<Utc>,
    pub action: ClientAuditAction,
    /// For `Updated`: which field, and its values before and after (`None`: empty).
    pub field: Option<String>,
    pub old_value: Option<String>,
    pub new_value: Option<String>,
}

/// One field of a client profile that differs between two versions of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldChange {
    pub field: &'static str,
    pub old: Option<String>,
    pub new: Option<String>,
}

/// CL-14: the profile fields that differ from `before` to `after`, in a fixed order.
/// Sites and labels are written as their sorted ids, comma-separated.
pub fn client_changes(before: &crate::Client, after: &crate::Client) -> Vec<FieldChange> {
    fn ids<T: std::fmt::Display>(ids: &[T]) -> Option<String> {
        (!ids.is_empty()).then(|| ids.iter().map(T::to_string).collect::<Vec<_>>().join(","))
    }
    let fields = [
        (
            "first_name",
            Some(before.first_name.as_str().to_owned()),
            Some(after.first_name.as_str().to_owned()),
        ),
        (
            "last_name",
            Some(before.last_name.as_str().to_owned()),
            Some(after.last_name.as_str().to_owned()),
        ),
        (
            "email",
            before.email.as_ref().map(|e| e.as_str().to_owned()),
            after.email.as_ref().map(|e| e.as_str().to_owned()),
        ),
        (
            "phone",
            before.phone.as_ref().map(|p| p.as_typed().to_owned()),
            after.phone.as_ref().map(|p| p.as_typed().to_owned()),
        ),
        (
            "client_notes",
            before.client_notes.as_ref().map(|n| n.as_str().to_owned()),
            after.client_notes.as_ref().map(|n| n.as_str().to_owned()),
        ),
        ("sites", ids(&before.sites), ids(&after.sites)),
        ("labels", ids(&before.labels), ids(&after.labels)),
    ];
    fields
        .into_iter()
        .filter(|(_, old, new)| old != new)
        .map(|(field, old, new)| FieldChange { field, old, new })
        .collect()
}

/// AP-4: one change of an appointment's attendance.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttendanceChange {
    pub id: AuditId,
    pub business_id: BusinessId,
    pub appointment_id: AppointmentId,
    pub from: Attendance,
    pub to: Attendance,
    pub actor: StaffId,
    pub at: DateTime<Utc>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::client::{ClientChanges, ClientChangesInput, ClientInput, NewClient};
    use crate::ids::{BusinessId, ClientId, SiteId};
    use chrono::TimeZone;
    use uuid::Uuid;

    #[test]
    fn cl_14_the_changes_of_a_profile_are_listed_field_by_field() {
        let now = Utc.with_ymd_and_hms(2026, 11, 22, 10, 0, 0).unwrap();
        let new = NewClient::parse(&ClientInput {
            first_name: "Ana".into(),
            last_name: "Silva".into(),
            email: Some("ana@example.com".into()),
            ..Default::default()
        })
        .unwrap();
        let before = crate::Client::create(
            ClientId::from_uuid(Uuid::from_u128(1)),
            BusinessId::from_uuid(Uuid::from_u128(2)),
            new,
            vec![SiteId::from_uuid(Uuid::from_u128(3))],
            now,
            now.date_naive(),
        );
        let mut after = before.clone();
        after.apply(
            ClientChanges::parse(&ClientChangesInput {
                last_name: Some("Souza".into()),
                email: Some(None),
                phone: Some(Some("0612345678".into())),
                ..Default::default()
            })
            .unwrap(),
            now,
        );

        let changes = client_changes(&before, &after);

        assert_eq!(
            changes,
            [
                FieldChange {
                    field: "last_name",
                    old: Some("Silva".into()),
                    new: Some("Souza".into())
                },
                FieldChange {
                    field: "email",
                    old: Some("ana@example.com".into()),
                    new: None
                },
                FieldChange {
                    field: "phone",
                    old: None,
                    new: Some("0612345678".into())
                },
            ]
        );
        assert!(client_changes(&after, &after).is_empty());
    }
}
