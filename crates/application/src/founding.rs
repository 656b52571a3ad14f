//! Founding a business (PL-26, PL-13): its first site, its owner and the owner's token,
//! in one transaction. The operator founds businesses (`businesses`); the first start
//! founds the default one (`auth::bootstrap`).

use clientele_domain::business::{BusinessName, BusinessSettings, TimeZone};
use clientele_domain::site::{SiteDetails, SiteName};
use clientele_domain::staff::{StaffDetails, StaffName};
use clientele_domain::test_clock::BusinessMode;
use clientele_domain::token::TokenLabel;
use clientele_domain::{
    ApiToken, Business, BusinessId, Currency, EmailAddress, Role, Site, SiteId, StaffId,
    StaffMember, Version,
};
use clientele_ports::{StorageError, Transaction};

use crate::Clientele;

/// What founding a business needs.
pub(crate) struct Founding {
    pub name: BusinessName,
    pub settings: BusinessSettings,
    pub site_name: SiteName,
    pub owner_name: StaffName,
    pub owner_email: EmailAddress,
    pub owner_token: Option<String>,
    /// PL-25: founded in test mode, with a clock of its own.
    pub test_mode: bool,
}

impl Founding {
    /// The default business of a first start; the owner renames everything later.
    pub(crate) fn first_start(owner_token: Option<String>) -> Self {
        // Start-up only: these constants are valid by construction.
        let constant = "a built-in default is valid";
        Self {
            name: BusinessName::parse("My business").expect(constant),
            settings: BusinessSettings::new(
                TimeZone::utc(),
                Currency::parse("EUR").expect(constant),
            ),
            site_name: SiteName::parse("Main site").expect(constant),
            owner_name: StaffName::parse("Owner").expect(constant),
            owner_email: EmailAddress::parse("email", "owner@example.com").expect(constant),
            owner_token,
            test_mode: false,
        }
    }
}

/// A business just founded, with the owner's token secret (shown once).
#[derive(Debug, Clone)]
pub struct FoundedBusiness {
    pub business: Business,
    pub site: Site,
    pub owner: StaffMember,
    pub owner_token: ApiToken,
    pub owner_secret: String,
}

impl Clientele {
    /// Creates a business with its first site and its owner, in `tx`.
    pub(crate) async fn found_business(
        &self,
        tx: &mut dyn Transaction,
        founding: Founding,
    ) -> Result<FoundedBusiness, StorageError> {
        let now = self.clock.now();
        let business = Business {
            id: BusinessId::from_uuid(self.ids.new_id()),
            name: founding.name,
            settings: founding.settings,
            mode: if founding.test_mode {
                BusinessMode::test(now)
            } else {
                BusinessMode::Live
            },
            created_at: now,
            updated_at: now,
            version: Version::initial(),
        };
        tx.insert_business(&business).await?;
        let site = Site::new(
            SiteId::from_uuid(self.ids.new_id()),
            business.id,
            SiteDetails {
                name: founding.site_name,
                address: None,
            },
            now,
        );
        tx.insert_site(&site).await?;
        let owner = StaffMember::new(
            StaffId::from_uuid(self.ids.new_id()),
            business.id,
            StaffDetails {
                name: founding.owner_name,
                email: founding.owner_email,
                role: Role::Owner,
                sites: Vec::new(),
            },
            now,
        );
        tx.insert_staff(&owner).await?;
        let issued = self
            .issue_token(
                tx,
                business.id,
                owner.id,
                TokenLabel::owner(),
                founding.owner_token,
            )
            .await?;
        Ok(FoundedBusiness {
            business,
            site,
            owner,
            owner_token: issued.token,
            owner_secret: issued.secret,
        })
    }
}
