//! Who is acting and what they may do: roles (PL-13) and site access (PL-14).

use thiserror::Error;

use crate::ids::{BusinessId, SiteId, StaffId};
use crate::staff::{Role, StaffMember};

/// Something a role may or may not do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Permission {
    /// Read and change the business's name and settings.
    ManageSettings,
    /// Create, change and remove sites (part of the settings).
    ManageSites,
    /// Create, change and remove staff members and their tokens.
    ManageStaff,
    /// Create and change appointment types (the service catalogue).
    ManageServices,
    /// Ban and unban clients (CL-20).
    BanClients,
    /// Read the emails the business sent or will send.
    ReadEmails,
    /// Define the business's labels (CL-11).
    ManageLabels,
    /// Define the business's custom fields (CL-24).
    ManageCustomFields,
    /// Delete records (clients, notes, …).
    Delete,
    /// Export lists.
    Export,
    /// Import clients from a file (CL-15).
    Import,
    /// Give money back (AP-8): refunds, and cancellations that refund.
    Refund,
    /// Subscribe endpoints to webhook events (PL-24).
    ManageWebhooks,
}

impl Permission {
    fn describe(&self) -> &'static str {
        match self {
            Self::ManageSettings => "manage the business settings",
            Self::ManageSites => "manage sites",
            Self::ManageStaff => "manage staff members and their tokens",
            Self::ManageServices => "manage appointment types",
            Self::BanClients => "ban or unban clients",
            Self::ReadEmails => "read the business's emails",
            Self::ManageLabels => "manage labels",
            Self::ManageCustomFields => "manage custom fields",
            Self::Delete => "delete records",
            Self::Export => "export lists",
            Self::Import => "import clients",
            Self::Refund => "refund payments",
            Self::ManageWebhooks => "manage webhook endpoints",
        }
    }
}

impl Role {
    /// PL-13: owner everything; admin everything but staff and settings; staff neither
    /// deletes nor exports, and refunds only where the business allows it (see
    /// [`Actor::require_refund`]).
    pub fn allows(&self, permission: Permission) -> bool {
        match self {
            Role::Owner => true,
            Role::Admin => matches!(
                permission,
                Permission::ManageServices
                    | Permission::BanClients
                    | Permission::ReadEmails
                    | Permission::ManageLabels
                    | Permission::ManageCustomFields
                    | Permission::Delete
                    | Permission::Export
                    | Permission::Import
                    | Permission::Refund
                    | Permission::ManageWebhooks
            ),
            Role::Staff => false,
        }
    }
}

/// The sites an actor may see.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SiteScope {
    /// Every site of the business (owners).
    All,
    /// Only these sites, sorted.
    Only(Vec<SiteId>),
}

impl SiteScope {
    pub fn includes(&self, site: SiteId) -> bool {
        match self {
            Self::All => true,
            Self::Only(sites) => sites.binary_search(&site).is_ok(),
        }
    }

    /// PL-14: a record with these sites is visible when one of them is in scope.
    pub fn sees_any(&self, sites: &[SiteId]) -> bool {
        match self {
            Self::All => true,
            Self::Only(_) => sites.iter().any(|s| self.includes(*s)),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("a staff member with the {role} role may not {action}")]
pub struct Forbidden {
    pub role: Role,
    pub action: &'static str,
}

/// An authenticated staff member, acting within one business.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub business_id: BusinessId,
    pub staff_id: StaffId,
    pub role: Role,
    pub scope: SiteScope,
}

impl Actor {
    pub fn for_staff(member: &StaffMember) -> Self {
        let scope = if member.role == Role::Owner {
            SiteScope::All
        } else {
            let mut sites = member.sites.clone();
            sites.sort();
            SiteScope::Only(sites)
        };
        Self {
            business_id: member.business_id,
            staff_id: member.id,
            role: member.role,
            scope,
        }
    }

    /// AP-8, PL-13: money leaving the business: owners and admins refund; staff only when
    /// the business's `staff_may_refund` setting says so.
    pub fn require_refund(&self, staff_may_refund: bool) -> Result<(), Forbidden> {
        if self.role == Role::Staff && staff_may_refund {
            Ok(())
        } else {
            self.require(Permission::Refund)
        }
    }

    pub fn require(&self, permission: Permission) -> Result<(), Forbidden> {
        if self.role.allows(permission) {
            Ok(())
        } else {
            Err(Forbidden {
                role: self.role,
                action: permission.describe(),
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use uuid::Uuid;

    fn site(n: u128) -> SiteId {
        SiteId::from_uuid(Uuid::from_u128(n))
    }

    #[test]
    fn pl_13_owner_may_do_everything_admin_all_but_staff_and_settings_staff_neither_delete_nor_export()
     {
        use Permission::*;
        let all = [
            ManageSettings,
            ManageSites,
            ManageStaff,
            ManageServices,
            BanClients,
            ReadEmails,
            ManageLabels,
            ManageCustomFields,
            Delete,
            Export,
            Refund,
            ManageWebhooks,
        ];
        assert!(all.iter().all(|p| Role::Owner.allows(*p)));
        assert_eq!(
            all.iter()
                .filter(|p| Role::Admin.allows(**p))
                .copied()
                .collect::<Vec<_>>(),
            [
                ManageServices,
                BanClients,
                ReadEmails,
                ManageLabels,
                ManageCustomFields,
                Delete,
                Export,
                Refund,
                ManageWebhooks
            ]
        );
        assert!(all.iter().all(|p| !Role::Staff.allows(*p)));
    }

    #[test]
    fn ap_8_staff_refund_only_where_the_business_allows_it_owners_and_admins_always() {
        let actor = |role| Actor {
            business_id: BusinessId::from_uuid(Uuid::from_u128(1)),
            staff_id: StaffId::from_uuid(Uuid::from_u128(2)),
            role,
            scope: SiteScope::All,
        };
        for allowed in [false, true] {
            assert!(actor(Role::Owner).require_refund(allowed).is_ok());
            assert!(actor(Role::Admin).require_refund(allowed).is_ok());
        }
        assert!(actor(Role::Staff).require_refund(true).is_ok());
        assert_eq!(
            actor(Role::Staff).require_refund(false),
            Err(Forbidden {
                role: Role::Staff,
                action: "refund payments"
            })
        );
    }

    #[test]
    fn pl_14_a_scoped_actor_sees_records_of_one_of_their_sites_only() {
        let scope = SiteScope::Only(vec![site(1), site(3)]);
        assert!(scope.sees_any(&[site(2), site(3)]));
        assert!(!scope.sees_any(&[site(2)]));
        assert!(!scope.sees_any(&[]));
        assert!(SiteScope::All.sees_any(&[]));
    }
}
