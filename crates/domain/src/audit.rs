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
    /// CL-17: other profiles were merged into this one (`new_value`: their ids).
    Merged,
    /// CL-23: a merge into this profile was undone (`old_value`: the ids it brought back).
    Unmerged,
    /// CL-22: the client's personal data was erased (the values of the entries before it
    /// too).
    Anonymised,
}

impl ClientAuditAction {
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Banned => "banned",
            Self::Unbanned => "unbanned",
            Self::Updated => "updated",
            Self::Merged => "merged",
            Self::Unmerged => "unmerged",
            Self::Anonymised => "anonymised",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        match raw {
            "banned" => Some(Self::Banned),
            "unbanned" => Some(Self::Unbanned),
            "updated" => Some(Self::Updated),
            "merged" => Some(Self::Merged),
            "unmerged" => Some(Self::Unmerged),
            "anonymised" => Some(Self::Anonymised),
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
    /// The field's name; for a custom field (CL-24) `custom_fields.<field id>`.
    pub field: String,
    pub old: Option<String>,
    pub new: Option<String>,
}

/// CL-14: the profile fields that differ from `before` to `after`, in a fixed order.
/// Sites and labels are written as their sorted ids, comma-separated; then each custom
/// field whose value differs (CL-24), by field id, with the values' text.
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
    let mut changes: Vec<FieldChange> = fields
        .into_iter()
        .filter(|(_, old, new)| old != new)
        .map(|(field, old, new)| FieldChange {
            field: field.to_owned(),
            old,
            new,
        })
        .collect();
    let custom_ids: std::collections::BTreeSet<_> = before
        .custom_fields
        .keys()
        .chain(after.custom_fields.keys())
        .collect();
    for id in custom_ids {
        let (old, new) = (before.custom_fields.get(id), after.custom_fields.get(id));
        if old != new {
            changes.push(FieldChange {
                field: crate::custom_field::value_path(*id),
                old: old.map(crate::custom_field::CustomValue::text),
                new: new.map(crate::custom_field::CustomValue::text),
            });
        }
    }
    changes
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
                    field: "last_name".into(),
                    old: Some("Silva".into()),
                    new: Some("Souza".into())
                },
                FieldChange {
                    field: "email".into(),
                    old: Some("ana@example.com".into()),
                    new: None
                },
                FieldChange {
                    field: "phone".into(),
                    old: None,
                    new: Some("0612345678".into())
                },
            ]
        );
        assert!(client_changes(&after, &after).is_empty());
    }

    #[test]
    fn cl_24_cl_14_each_changed_custom_field_is_audited_with_its_old_and_new_text() {
        use crate::custom_field::CustomValue;
        use crate::ids::CustomFieldId;
        let now = Utc.with_ymd_and_hms(2026, 11, 22, 10, 0, 0).unwrap();
        let new = NewClient::parse(&ClientInput {
            first_name: "Ana".into(),
            last_name: "Silva".into(),
            ..Default::default()
        })
        .unwrap();
        let (tier, born, kept) = (
            CustomFieldId::from_uuid(Uuid::from_u128(7)),
            CustomFieldId::from_uuid(Uuid::from_u128(8)),
            CustomFieldId::from_uuid(Uuid::from_u128(9)),
        );
        let mut before = crate::Client::create(
            ClientId::from_uuid(Uuid::from_u128(1)),
            BusinessId::from_uuid(Uuid::from_u128(2)),
            new,
            vec![SiteId::from_uuid(Uuid::from_u128(3))],
            now,
            now.date_naive(),
        );
        before
            .custom_fields
            .insert(tier, CustomValue::Choice("Silver".into()));
        before
            .custom_fields
            .insert(kept, CustomValue::Text("same".into()));
        let mut after = before.clone();
        let mut changes = ClientChanges::default();
        changes
            .custom_fields
            .insert(tier, Some(CustomValue::Choice("Gold".into())));
        changes.custom_fields.insert(
            born,
            Some(CustomValue::Date(
                chrono::NaiveDate::from_ymd_opt(1990, 5, 17).unwrap(),
            )),
        );
        changes
            .custom_fields
            .insert(kept, Some(CustomValue::Text("same".into())));
        assert!(after.apply(changes, now));

        let changes = client_changes(&before, &after);

        assert_eq!(
            changes,
            [
                FieldChange {
                    field: format!("custom_fields.{tier}"),
                    old: Some("Silver".into()),
                    new: Some("Gold".into())
                },
                FieldChange {
                    field: format!("custom_fields.{born}"),
                    old: None,
                    new: Some("1990-05-17".into())
                },
            ]
        );
        let mut cleared = after.clone();
        let mut clear = ClientChanges::default();
        clear.custom_fields.insert(born, None);
        assert!(cleared.apply(clear, now));
        assert_eq!(
            client_changes(&after, &cleared),
            [FieldChange {
                field: format!("custom_fields.{born}"),
                old: Some("1990-05-17".into()),
                new: None
            }]
        );
    }
}
