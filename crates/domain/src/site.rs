//! Sites (locations) of a multi-site business (PL-14).

use chrono::{DateTime, Utc};

use crate::ids::{BusinessId, SiteId};
use crate::text;
use crate::validation::{FieldError, ValidationErrors, failures};
use crate::version::Version;

/// A site's name, unique within its business (compared by its search key).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SiteName(String);

impl SiteName {
    pub const MAX: usize = 120;

    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        text::required_line("name", raw, Self::MAX).map(Self)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Case- and accent-insensitive key: "Paris Opéra" and "paris opera" are one name.
    pub fn key(&self) -> String {
        text::search_key(&self.0)
    }
}

/// A site's postal address, free text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SiteAddress(String);

impl SiteAddress {
    pub const MAX: usize = 500;

    pub fn parse(raw: &str) -> Result<Option<Self>, FieldError> {
        text::optional_line("address", raw, Self::MAX).map(|v| v.map(Self))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Site {
    pub id: SiteId,
    pub business_id: BusinessId,
    pub name: SiteName,
    pub address: Option<SiteAddress>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: Version,
}

/// A site as typed by a person, before parsing.
#[derive(Debug, Clone, Default)]
pub struct SiteInput {
    pub name: String,
    pub address: Option<String>,
}

/// A parsed site description: what creating or replacing a site needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SiteDetails {
    pub name: SiteName,
    pub address: Option<SiteAddress>,
}

impl SiteDetails {
    pub fn parse(input: &SiteInput) -> Result<Self, ValidationErrors> {
        match (
            SiteName::parse(&input.name),
            SiteAddress::parse(input.address.as_deref().unwrap_or("")),
        ) {
            (Ok(name), Ok(address)) => Ok(Self { name, address }),
            (name, address) => Err(failures([name.err(), address.err()])),
        }
    }
}

impl Site {
    pub fn new(
        id: SiteId,
        business_id: BusinessId,
        details: SiteDetails,
        now: DateTime<Utc>,
    ) -> Self {
        Self {
            id,
            business_id,
            name: details.name,
            address: details.address,
            created_at: now,
            updated_at: now,
            version: Version::initial(),
        }
    }

    pub fn replace(&mut self, details: SiteDetails, now: DateTime<Utc>) {
        self.name = details.name;
        self.address = details.address;
        self.updated_at = now;
        self.version = self.version.next();
    }
}
