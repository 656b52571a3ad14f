//! Businesses (PL-26): the operator founds them; their owner reads and changes their
//! settings.

use chrono::{DateTime, Utc};
use thiserror::Error;

use clientele_domain::business::{
    BusinessName, BusinessSettings, SettingsChanges, SettingsInput, TimeZone, parse_currency,
};
use clientele_domain::contact::Country;
use clientele_domain::site::SiteName;
use clientele_domain::staff::StaffName;
use clientele_domain::validation::failures;
use clientele_domain::{
    Actor, Business, BusinessId, ClientSort, EmailAddress, FieldError, Forbidden, PageLimit,
    Permission, SiteScope, ValidationErrors, Version,
};
use clientele_ports::storage::ClientQuery;
use clientele_ports::{StorageError, Transaction};

use crate::auth::Operator;
use crate::cursor::{ForeignCursor, Listing};
use crate::error::{Classify, ErrorKind};
pub use crate::founding::FoundedBusiness;
use crate::founding::Founding;
use crate::{Clientele, Page};

#[derive(Debug, Error)]
pub enum BusinessError {
    #[error(transparent)]
    Invalid(#[from] ValidationErrors),
    #[error(transparent)]
    Forbidden(#[from] Forbidden),
    #[error(transparent)]
    BadCursor(#[from] ForeignCursor),
    #[error("the business does not exist")]
    NotFound,
    #[error("the settings were changed since the version you sent: read them again")]
    VersionConflict,
    #[error(transparent)]
    Unexpected(StorageError),
}

impl Classify for BusinessError {
    fn kind(&self) -> ErrorKind {
        match self {
            Self::Invalid(_) => ErrorKind::RuleViolated,
            Self::Forbidden(_) => ErrorKind::Forbidden,
            Self::BadCursor(_) => ErrorKind::Malformed,
            Self::NotFound => ErrorKind::NotFound,
            Self::VersionConflict => ErrorKind::Conflict,
            Self::Unexpected(_) => ErrorKind::Unexpected,
        }
    }

    fn field_errors(&self) -> &[FieldError] {
        match self {
            Self::Invalid(errors) => &errors.0,
            _ => &[],
        }
    }
}

impl From<StorageError> for BusinessError {
    fn from(error: StorageError) -> Self {
        match error {
            StorageError::NotFound => Self::NotFound,
            StorageError::VersionConflict => Self::VersionConflict,
            other => Self::Unexpected(other),
        }
    }
}

/// A new business as sent by the operator, before parsing.
#[derive(Debug, Clone, Default)]
pub struct NewBusinessInput {
    pub name: String,
    /// Default `UTC`.
    pub time_zone: Option<String>,
    /// Default `EUR`.
    pub currency: Option<String>,
    /// Default "Main site".
    pub site_name: Option<String>,
    pub owner_name: String,
    pub owner_email: String,
    /// PL-25: a test business, whose clock its owner moves forward. Default live.
    pub test_mode: bool,
}

impl NewBusinessInput {
    fn parse(&self) -> Result<Founding, ValidationErrors> {
        let within = |parent: &'static str| move |e: FieldError| e.within(parent);
        match (
            BusinessName::parse(&self.name),
            TimeZone::parse(self.time_zone.as_deref().unwrap_or("UTC")),
            parse_currency(self.currency.as_deref().unwrap_or("EUR")),
            SiteName::parse(self.site_name.as_deref().unwrap_or("Main site"))
                .map_err(within("site")),
            StaffName::parse(&self.owner_name).map_err(within("owner")),
            EmailAddress::parse("email", &self.owner_email).map_err(within("owner")),
        ) {
            (
                Ok(name),
                Ok(time_zone),
                Ok(currency),
                Ok(site_name),
                Ok(owner_name),
                Ok(owner_email),
            ) => Ok(Founding {
                name,
                settings: BusinessSettings::new(time_zone, currency),
                site_name,
                owner_name,
                owner_email,
                owner_token: None,
                test_mode: self.test_mode,
            }),
            (a, b, c, d, e, f) => Err(failures([
                a.err(),
                b.err(),
                c.err(),
                d.err(),
                e.err(),
                f.err(),
            ])),
        }
    }
}

const BUSINESSES: &str = "businesses";

impl Clientele {
    /// PL-26: the operator founds a business with its first site, owner and owner token.
    pub async fn create_business(
        &self,
        _operator: Operator,
        input: &NewBusinessInput,
    ) -> Result<FoundedBusiness, BusinessError> {
        let founding = input.parse()?;
        let mut tx = self.storage.begin().await?;
        let founded = self.found_business(tx.as_mut(), founding).await?;
        tx.commit().await?;
        Ok(founded)
    }

    /// PL-26: every business, a page at a time (operator only).
    pub async fn list_businesses(
        &self,
        _operator: Operator,
        limit: PageLimit,
        cursor: Option<&str>,
    ) -> Result<Page<Business>, BusinessError> {
        let listing = Listing::platform(BUSINESSES);
        let after: Option<BusinessId> = self.cursors.decode_opt(&listing, cursor)?;
        let mut tx = self.storage.read().await?;
        let rows = tx.businesses(after, limit.get() + 1).await?;
        Ok(self.cursors.paginate(&listing, rows, limit.get(), |b| b.id))
    }

    /// The caller's business and its settings (owner only, PL-13).
    pub async fn settings(&self, actor: &Actor) -> Result<Business, BusinessError> {
        actor.require(Permission::ManageSettings)?;
        let mut tx = self.storage.read().await?;
        tx.business(actor.business_id)
            .await?
            .ok_or(BusinessError::NotFound)
    }

    /// Changes the caller's business settings (owner only), based on `version` (PL-11).
    pub async fn update_settings(
        &self,
        actor: &Actor,
        version: Version,
        input: &SettingsInput,
    ) -> Result<Business, BusinessError> {
        actor.require(Permission::ManageSettings)?;
        let changes = SettingsChanges::parse(input)?;
        let mut tx = self.storage.begin().await?;
        let mut business = tx
            .business(actor.business_id)
            .await?
            .ok_or(BusinessError::NotFound)?;
        if business.version != version {
            return Err(BusinessError::VersionConflict);
        }
        let previous = business.settings.active_processor;
        let country_before = business.settings.default_country;
        let now = self.clock.now();
        business.apply(changes, now);
        tx.update_business(&business, version).await?;
        if let Some(country) = business.settings.default_country
            && country_before != Some(country)
        {
            let rewritten = phones_in_country(tx.as_mut(), &business, country, now).await?;
            tracing::info!(business = %business.id, rewritten, "phone numbers written in E.164");
        }
        let active = business.settings.active_processor;
        if active != previous {
            let moved =
                crate::membership_payments::switch_processor(tx.as_mut(), &business, active)
                    .await?;
            tracing::info!(business = %business.id, moved, "memberships moved to another processor");
        }
        tx.commit().await?;
        Ok(business)
    }
}

/// PL-23: every client phone number of `business` that is a valid number of `country`
/// written in E.164, a page of clients at a time; how many were.
async fn phones_in_country(
    tx: &mut dyn Transaction,
    business: &Business,
    country: Country,
    now: DateTime<Utc>,
) -> Result<u64, StorageError> {
    let mut query = ClientQuery::unfiltered(SiteScope::All, ClientSort::LastName, 1000);
    let mut rewritten = 0;
    loop {
        let page = tx.clients(business.id, &query).await?;
        let full = page.len() == query.limit as usize;
        query.after = page.last().map(|last| query.sort.key_of(last));
        for mut client in page {
            let version = client.version();
            if client.phone_in_country(country, now) {
                tx.update_client(&client, version).await?;
                rewritten += 1;
            }
        }
        if !full {
            return Ok(rewritten);
        }
    }
}

/// Every business, a page at a time, each page read in a short transaction of its own:
/// how the worker's jobs that go business by business walk them.
#[derive(Debug, Default)]
pub(crate) struct EveryBusiness {
    after: Option<BusinessId>,
    done: bool,
}

impl EveryBusiness {
    /// Businesses read per page.
    pub(crate) const PAGE: u32 = 100;

    /// The next page; empty once every business was read.
    pub(crate) async fn next_page(
        &mut self,
        storage: &dyn clientele_ports::Storage,
    ) -> Result<Vec<Business>, StorageError> {
        if self.done {
            return Ok(Vec::new());
        }
        let page = storage
            .read()
            .await?
            .businesses(self.after, Self::PAGE)
            .await?;
        match page.last() {
            Some(last) if page.len() >= Self::PAGE as usize => self.after = Some(last.id),
            _ => self.done = true,
        }
        Ok(page)
    }
}
