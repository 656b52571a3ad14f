//! Rows ↔ domain values, in one place. Reads are `TryFrom<Model>`: a stored value that
//! no longer parses into its domain newtype is `StorageError::Unexpected` (the database
//! holds something the domain would never have written). Writes are explicit functions
//! building `ActiveModel`s, which also compute the search keys and truncate instants to
//! microseconds so that both databases round-trip equal values.
//!
//! Must not run queries: it only reshapes values.

use chrono::{DateTime, SubsecRound, Utc};
use sea_orm::ActiveValue::{NotSet, Set};
use thiserror::Error;
use uuid::Uuid;

use clientele_domain::business::BusinessName;
use clientele_domain::site::{SiteAddress, SiteName};
use clientele_domain::staff::StaffName;
use clientele_domain::token::TokenLabel;
use clientele_domain::{
    ApiToken, Business, BusinessSettings, Client, Currency, EmailAddress, PersonName, PhoneNumber,
    Role, Site, SiteId, StaffMember, TimeZone, Version,
};
use clientele_ports::StorageError;

use super::entities::{
    api_tokens, businesses, client_sites, clients, sites, staff_members, staff_sites,
};

/// A stored value that does not parse back into its domain type.
#[derive(Debug, Error)]
#[error("stored {table}.{column} does not parse back: {reason}")]
pub(crate) struct CorruptValue {
    table: &'static str,
    column: &'static str,
    reason: String,
}

fn corrupt(table: &'static str, column: &'static str, reason: impl ToString) -> StorageError {
    StorageError::Unexpected(Box::new(CorruptValue {
        table,
        column,
        reason: reason.to_string(),
    }))
}

/// The precision both databases keep (PostgreSQL's `timestamptz` has microseconds).
pub(crate) fn instant(at: DateTime<Utc>) -> DateTime<Utc> {
    at.trunc_subsecs(6)
}

/// A row together with the sites read for it by a second query.
pub(crate) struct WithSites<M> {
    pub(crate) row: M,
    pub(crate) sites: Vec<SiteId>,
}

fn sorted(mut sites: Vec<SiteId>) -> Vec<SiteId> {
    sites.sort();
    sites.dedup();
    sites
}

// ---------------------------------------------------------------------------------------
// Businesses

impl TryFrom<businesses::Model> for Business {
    type Error = StorageError;

    fn try_from(row: businesses::Model) -> Result<Self, Self::Error> {
        const T: &str = "businesses";
        Ok(Self {
            id: row.id.into(),
            name: BusinessName::parse(&row.name).map_err(|e| corrupt(T, "name", e.message))?,
            settings: BusinessSettings {
                time_zone: TimeZone::parse(&row.time_zone)
                    .map_err(|e| corrupt(T, "time_zone", e.message))?,
                currency: Currency::parse(&row.currency).map_err(|e| corrupt(T, "currency", e))?,
                merge_on_identical_name: row.merge_on_identical_name,
            },
            created_at: row.created_at,
            updated_at: row.updated_at,
            version: Version::new(row.version),
        })
    }
}

pub(crate) fn business_row(business: &Business) -> businesses::ActiveModel {
    businesses::ActiveModel {
        id: Set(business.id.as_uuid()),
        name: Set(business.name.as_str().to_owned()),
        time_zone: Set(business.settings.time_zone.name().to_owned()),
        currency: Set(business.settings.currency.code().to_owned()),
        merge_on_identical_name: Set(business.settings.merge_on_identical_name),
        created_at: Set(instant(business.created_at)),
        updated_at: Set(instant(business.updated_at)),
        version: Set(business.version.get()),
    }
}

/// The columns an update may change: not the key, not the creation instant.
pub(crate) fn business_changes(business: &Business) -> businesses::ActiveModel {
    businesses::ActiveModel {
        id: NotSet,
        created_at: NotSet,
        ..business_row(business)
    }
}

// ---------------------------------------------------------------------------------------
// Sites

impl TryFrom<sites::Model> for Site {
    type Error = StorageError;

    fn try_from(row: sites::Model) -> Result<Self, Self::Error> {
        const T: &str = "sites";
        let address = match row.address.as_deref() {
            None => None,
            Some(raw) => Some(
                SiteAddress::parse(raw)
                    .map_err(|e| corrupt(T, "address", e.message))?
                    .ok_or_else(|| corrupt(T, "address", "blank instead of NULL"))?,
            ),
        };
        Ok(Self {
            id: row.id.into(),
            business_id: row.business_id.into(),
            name: SiteName::parse(&row.name).map_err(|e| corrupt(T, "name", e.message))?,
            address,
            created_at: row.created_at,
            updated_at: row.updated_at,
            version: Version::new(row.version),
        })
    }
}

pub(crate) fn site_row(site: &Site) -> sites::ActiveModel {
    sites::ActiveModel {
        business_id: Set(site.business_id.as_uuid()),
        id: Set(site.id.as_uuid()),
        name: Set(site.name.as_str().to_owned()),
        name_key: Set(site.name.key()),
        address: Set(site.address.as_ref().map(|a| a.as_str().to_owned())),
        created_at: Set(instant(site.created_at)),
        updated_at: Set(instant(site.updated_at)),
        version: Set(site.version.get()),
    }
}

pub(crate) fn site_changes(site: &Site) -> sites::ActiveModel {
    sites::ActiveModel {
        business_id: NotSet,
        id: NotSet,
        created_at: NotSet,
        ..site_row(site)
    }
}

// ---------------------------------------------------------------------------------------
// Staff members

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

// ---------------------------------------------------------------------------------------
// API tokens

impl TryFrom<api_tokens::Model> for ApiToken {
    type Error = StorageError;

    fn try_from(row: api_tokens::Model) -> Result<Self, Self::Error> {
        Ok(Self {
            id: row.id.into(),
            business_id: row.business_id.into(),
            staff_id: row.staff_id.into(),
            label: TokenLabel::parse(&row.label)
                .map_err(|e| corrupt("api_tokens", "label", e.message))?,
            prefix: row.prefix,
            created_at: row.created_at,
        })
    }
}

pub(crate) fn token_row(token: &ApiToken, secret_hash: &str) -> api_tokens::ActiveModel {
    api_tokens::ActiveModel {
        business_id: Set(token.business_id.as_uuid()),
        id: Set(token.id.as_uuid()),
        staff_id: Set(token.staff_id.as_uuid()),
        label: Set(token.label.as_str().to_owned()),
        prefix: Set(token.prefix.clone()),
        secret_hash: Set(secret_hash.to_owned()),
        created_at: Set(instant(token.created_at)),
    }
}

// ---------------------------------------------------------------------------------------
// Clients

impl TryFrom<WithSites<clients::Model>> for Client {
    type Error = StorageError;

    fn try_from(value: WithSites<clients::Model>) -> Result<Self, Self::Error> {
        const T: &str = "clients";
        let row = value.row;
        let email = row
            .email
            .as_deref()
            .map(|raw| {
                EmailAddress::parse("email", raw).map_err(|e| corrupt(T, "email", e.message))
            })
            .transpose()?;
        let phone = row
            .phone
            .as_deref()
            .map(|raw| PhoneNumber::parse("phone", raw).map_err(|e| corrupt(T, "phone", e.message)))
            .transpose()?;
        Ok(Self {
            id: row.id.into(),
            business_id: row.business_id.into(),
            first_name: PersonName::parse("first_name", &row.first_name)
                .map_err(|e| corrupt(T, "first_name", e.message))?,
            last_name: PersonName::parse("last_name", &row.last_name)
                .map_err(|e| corrupt(T, "last_name", e.message))?,
            email,
            phone,
            sites: sorted(value.sites),
            banned: row.banned,
            has_account: row.has_account,
            client_since: row.client_since,
            created_at: row.created_at,
            updated_at: row.updated_at,
            admin_updated_at: row.admin_updated_at,
            version: Version::new(row.version),
        })
    }
}

pub(crate) fn client_row(client: &Client) -> clients::ActiveModel {
    clients::ActiveModel {
        business_id: Set(client.business_id.as_uuid()),
        id: Set(client.id.as_uuid()),
        first_name: Set(client.first_name.as_str().to_owned()),
        last_name: Set(client.last_name.as_str().to_owned()),
        first_name_key: Set(client.first_name.key()),
        last_name_key: Set(client.last_name.key()),
        email: Set(client.email.as_ref().map(|e| e.as_str().to_owned())),
        email_key: Set(client.email.as_ref().map(EmailAddress::key)),
        phone: Set(client.phone.as_ref().map(|p| p.as_typed().to_owned())),
        phone_digits: Set(client.phone.as_ref().map(|p| p.normalised().to_owned())),
        banned: Set(client.banned),
        has_account: Set(client.has_account),
        client_since: Set(client.client_since),
        created_at: Set(instant(client.created_at)),
        updated_at: Set(instant(client.updated_at)),
        admin_updated_at: Set(instant(client.admin_updated_at)),
        version: Set(client.version.get()),
    }
}

pub(crate) fn client_changes(client: &Client) -> clients::ActiveModel {
    clients::ActiveModel {
        business_id: NotSet,
        id: NotSet,
        created_at: NotSet,
        ..client_row(client)
    }
}

pub(crate) fn client_site_rows(client: &Client) -> Vec<client_sites::ActiveModel> {
    sorted(client.sites.clone())
        .into_iter()
        .map(|site| client_sites::ActiveModel {
            business_id: Set(client.business_id.as_uuid()),
            client_id: Set(client.id.as_uuid()),
            site_id: Set(site.as_uuid()),
        })
        .collect()
}

/// Groups `(owner, site)` pairs by owner, for one page of rows.
pub(crate) fn sites_by_owner(
    pairs: impl IntoIterator<Item = (Uuid, Uuid)>,
) -> std::collections::HashMap<Uuid, Vec<SiteId>> {
    let mut by_owner: std::collections::HashMap<Uuid, Vec<SiteId>> =
        std::collections::HashMap::new();
    for (owner, site) in pairs {
        by_owner.entry(owner).or_default().push(site.into());
    }
    by_owner
}
