//! `staff_members` rows (with their `staff_sites`) ↔ [`StaffMember`].

use sea_orm::ActiveValue::{NotSet, Set};

use clientele_domain::staff::StaffName;
use clientele_domain::{EmailAddress, Role, StaffMember, Version};
use clientele_ports::StorageError;

use super::{WithSites, corrupt, instant, sorted};
use crate::storage::entities::{staff_members, staff_sites};

impl TryFrom<WithSites<staff_members::Model>> for StaffMember {
    type Error = StorageError;

    fn try_from(value: WithSites<staff_members::Model>) -> Result<Self, Self::Error> {
        const T: &str = "staff_members";
        let row = value.row;
        Ok(Self {
            id: row.id.into(),
            business_id: row.business_id.into(),
            name: StaffName::parse(&row.name).map_err(|e| corrupt(T, "name", e.message))?,
            email: EmailAddress::parse("email", &row.email)
                .map_err(|e| corrupt(T, "email", e.message))?,
            role: Role::parse(&row.role).map_err(|e| corrupt(T, "role", e.message))?,
            sites: sorted(value.sites),
            created_at: row.created_at,
            updated_at: row.updated_at,
            version: Version::new(row.version),
        })
    }
}

pub(crate) fn staff_row(member: &StaffMember) -> staff_members::ActiveModel {
    staff_members::ActiveModel {
        business_id: Set(member.business_id.as_uuid()),
        id: Set(member.id.as_uuid()),
        name: Set(member.name.as_str().to_owned()),
        email: Set(member.email.as_str().to_owned()),
        email_key: Set(member.email.key()),
        role: Set(member.role.as_str().to_owned()),
        created_at: Set(instant(member.created_at)),
        updated_at: Set(instant(member.updated_at)),
        version: Set(member.version.get()),
    }
}

pub(crate) fn staff_changes(member: &StaffMember) -> staff_members::ActiveModel {
    staff_members::ActiveModel {
        business_id: NotSet,
        id: NotSet,
        created_at: NotSet,
        ..staff_row(member)
    }
}

pub(crate) fn staff_site_rows(member: &StaffMember) -> Vec<staff_sites::ActiveModel> {
    sorted(member.sites.clone())
        .into_iter()
        .map(|site| staff_sites::ActiveModel {
            business_id: Set(member.business_id.as_uuid()),
            staff_id: Set(member.id.as_uuid()),
            site_id: Set(site.as_uuid()),
        })
        .collect()
}
