//! Staff members, their roles and the sites they may access (PL-13, PL-14).

use std::fmt;

use chrono::{DateTime, Utc};

use crate::contact::EmailAddress;
use crate::ids::{BusinessId, SiteId, StaffId};
use crate::text;
use crate::validation::{FieldError, ValidationErrors, failures};
use crate::version::Version;

/// What a staff member may do (PL-13).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Role {
    /// Everything: settings, staff, every site.
    Owner,
    /// Everything but staff and settings, on their sites.
    Admin,
    /// Client and appointment work on their sites; no deletes, no exports.
    Staff,
}

impl Role {
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        match raw.trim() {
            "owner" => Ok(Self::Owner),
            "admin" => Ok(Self::Admin),
            "staff" => Ok(Self::Staff),
            other => Err(FieldError::new(
                "role",
                format!("`{other}` is not a role: use owner, admin or staff"),
            )),
        }
    }

    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Owner => "owner",
            Self::Admin => "admin",
            Self::Staff => "staff",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A staff member's display name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaffName(String);

impl StaffName {
    pub const MAX: usize = 120;

    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        text::required_line("name", raw, Self::MAX).map(Self)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaffMember {
    pub id: StaffId,
    pub business_id: BusinessId,
    pub name: StaffName,
    pub email: EmailAddress,
    pub role: Role,
    /// The sites this member may access; empty for an owner, who accesses all.
    pub sites: Vec<SiteId>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: Version,
}

/// A staff member as typed by a person, before parsing.
#[derive(Debug, Clone, Default)]
pub struct StaffInput {
    pub name: String,
    pub email: String,
    pub role: String,
    pub sites: Vec<SiteId>,
}

/// A parsed staff member description: what creating or replacing one needs. The sites
/// are sorted and deduplicated; whether they exist is checked against storage.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaffDetails {
    pub name: StaffName,
    pub email: EmailAddress,
    pub role: Role,
    pub sites: Vec<SiteId>,
}

impl StaffDetails {
    pub fn parse(input: &StaffInput) -> Result<Self, ValidationErrors> {
        match (
            StaffName::parse(&input.name),
            EmailAddress::parse("email", &input.email),
            Role::parse(&input.role),
        ) {
            (Ok(name), Ok(email), Ok(role)) => {
                let sites = if role == Role::Owner {
                    Vec::new()
                } else {
                    let mut sites = input.sites.clone();
                    sites.sort();
                    sites.dedup();
                    sites
                };
                Ok(Self {
                    name,
                    email,
                    role,
                    sites,
                })
            }
            (name, email, role) => Err(failures([name.err(), email.err(), role.err()])),
        }
    }
}

impl StaffMember {
    pub fn new(
        id: StaffId,
        business_id: BusinessId,
        details: StaffDetails,
        now: DateTime<Utc>,
    ) -> Self {
        Self {
            id,
            business_id,
            name: details.name,
            email: details.email,
            role: details.role,
            sites: details.sites,
            created_at: now,
            updated_at: now,
            version: Version::initial(),
        }
    }

    pub fn replace(&mut self, details: StaffDetails, now: DateTime<Utc>) {
        self.name = details.name;
        self.email = details.email;
        self.role = details.role;
        self.sites = details.sites;
        self.updated_at = now;
        self.version = self.version.next();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pl_13_roles_parse_from_their_names() {
        assert_eq!(Role::parse("owner").unwrap(), Role::Owner);
        assert_eq!(Role::parse("admin").unwrap(), Role::Admin);
        assert_eq!(Role::parse("staff").unwrap(), Role::Staff);
        assert!(Role::parse("root").is_err());
    }

    #[test]
    fn an_owner_has_no_site_list_because_they_access_every_site() {
        let input = StaffInput {
            name: "Inès".into(),
            email: "ines@example.com".into(),
            role: "owner".into(),
            sites: vec![SiteId::from_uuid(uuid::Uuid::from_u128(1))],
        };
        assert!(StaffDetails::parse(&input).unwrap().sites.is_empty());
    }

    #[test]
    fn every_bad_field_is_reported_at_once() {
        let input = StaffInput {
            name: " ".into(),
            email: "nope".into(),
            role: "boss".into(),
            sites: vec![],
        };
        let errors = StaffDetails::parse(&input).unwrap_err();
        let fields: Vec<_> = errors.0.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["name", "email", "role"]);
    }
}
