//! Sites (PL-14): everyone reads the sites they can access; the owner manages them, as
//! part of the business's settings.

use thiserror::Error;

use clientele_domain::site::{SiteDetails, SiteInput};
use clientele_domain::{
    Actor, FieldError, Forbidden, PageLimit, Permission, Site, SiteId, SiteScope, ValidationErrors,
    Version,
};
use clientele_ports::StorageError;

use crate::cursor::{ForeignCursor, Listing};
use crate::error::{Classify, ErrorKind};
use crate::{Clientele, Page};

#[derive(Debug, Error)]
pub enum SiteError {
    #[error(transparent)]
    Invalid(#[from] ValidationErrors),
    #[error(transparent)]
    Forbidden(#[from] Forbidden),
    #[error("you have no access to this site")]
    OutOfScope,
    #[error(transparent)]
    BadCursor(#[from] ForeignCursor),
    #[error("the site does not exist")]
    NotFound,
    #[error("another site already has this name")]
    DuplicateName,
    #[error("the site still has {0}: move them to another site first")]
    InUse(&'static str),
    #[error("a business keeps at least one site")]
    LastSite,
    #[error("the site was changed since the version you sent: read it again")]
    VersionConflict,
    #[error(transparent)]
    Unexpected(StorageError),
}

impl Classify for SiteError {
    fn kind(&self) -> ErrorKind {
        match self {
            Self::Invalid(_) => ErrorKind::RuleViolated,
            Self::Forbidden(_) | Self::OutOfScope => ErrorKind::Forbidden,
            Self::BadCursor(_) => ErrorKind::Malformed,
            Self::NotFound => ErrorKind::NotFound,
            Self::DuplicateName | Self::InUse(_) | Self::LastSite | Self::VersionConflict => {
                ErrorKind::Conflict
            }
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

impl From<StorageError> for SiteError {
    fn from(error: StorageError) -> Self {
        match error {
            StorageError::NotFound => Self::NotFound,
            StorageError::Duplicate(_) => Self::DuplicateName,
            StorageError::InUse(what) => Self::InUse(what),
            other => Self::Unexpected(other),
        }
    }
}

const SITES: &str = "sites";

impl Clientele {
    /// The sites the caller can access, a page at a time.
    pub async fn list_sites(
        &self,
        actor: &Actor,
        limit: PageLimit,
        cursor: Option<&str>,
    ) -> Result<Page<Site>, SiteError> {
        let listing = Listing::of(actor.business_id, SITES);
        let after: Option<SiteId> = self.cursors.decode_opt(&listing, cursor)?;
        let mut tx = self.storage.read().await?;
        let rows = tx
            .sites(actor.business_id, &actor.scope, after, limit.get() + 1)
            .await?;
        Ok(self.cursors.paginate(&listing, rows, limit.get(), |s| s.id))
    }

    pub async fn site(&self, actor: &Actor, id: SiteId) -> Result<Site, SiteError> {
        let mut tx = self.storage.read().await?;
        let site = tx
            .site(actor.business_id, id)
            .await?
            .ok_or(SiteError::NotFound)?;
        if !actor.scope.includes(site.id) {
            return Err(SiteError::OutOfScope);
        }
        Ok(site)
    }

    pub async fn create_site(&self, actor: &Actor, input: &SiteInput) -> Result<Site, SiteError> {
        actor.require(Permission::ManageSites)?;
        let details = SiteDetails::parse(input)?;
        let site = Site::new(
            SiteId::from_uuid(self.ids.new_id()),
            actor.business_id,
            details,
            self.clock.now(),
        );
        let mut tx = self.storage.begin().await?;
        tx.insert_site(&site).await?;
        tx.commit().await?;
        Ok(site)
    }

    /// Replaces a site's name and address, based on `version` (PL-11).
    pub async fn update_site(
        &self,
        actor: &Actor,
        id: SiteId,
        version: Version,
        input: &SiteInput,
    ) -> Result<Site, SiteError> {
        actor.require(Permission::ManageSites)?;
        let details = SiteDetails::parse(input)?;
        let mut tx = self.storage.begin().await?;
        let mut site = tx
            .site(actor.business_id, id)
            .await?
            .ok_or(SiteError::NotFound)?;
        if site.version != version {
            return Err(SiteError::VersionConflict);
        }
        site.replace(details, self.clock.now());
        tx.update_site(&site, version).await?;
        tx.commit().await?;
        Ok(site)
    }

    /// Removes a site no client or staff member belongs to; never the last one.
    pub async fn delete_site(&self, actor: &Actor, id: SiteId) -> Result<(), SiteError> {
        actor.require(Permission::ManageSites)?;
        let mut tx = self.storage.begin().await?;
        tx.site(actor.business_id, id)
            .await?
            .ok_or(SiteError::NotFound)?;
        let some = tx
            .sites(actor.business_id, &SiteScope::All, None, 2)
            .await?;
        if some.len() < 2 {
            return Err(SiteError::LastSite);
        }
        tx.delete_site(actor.business_id, id).await?;
        tx.commit().await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{actor, app_with, business, now, site};
    use clientele_domain::Role;
    use clientele_domain::site::SiteName;
    use clientele_ports::storage::MockTransaction;

    #[tokio::test]
    async fn pl_14_the_last_site_of_a_business_is_never_deleted() {
        let only = Site::new(
            site(10),
            business(),
            SiteDetails {
                name: SiteName::parse("Main").unwrap(),
                address: None,
            },
            now(),
        );
        let listed = only.clone();
        let mut tx = MockTransaction::new();
        tx.sites
            .expect_site()
            .returning(move |_, _| Ok(Some(only.clone())));
        tx.sites
            .expect_sites()
            .returning(move |_, _, _, _| Ok(vec![listed.clone()]));
        tx.sites.expect_delete_site().never();
        tx.commit.expect_commit().never();

        let outcome = app_with(tx)
            .delete_site(&actor(Role::Owner, SiteScope::All), site(10))
            .await;

        assert!(matches!(outcome, Err(SiteError::LastSite)));
    }

    #[tokio::test]
    async fn pl_13_only_the_owner_manages_sites() {
        let tx = MockTransaction::new();
        let input = SiteInput {
            name: "Annex".into(),
            address: None,
        };

        let outcome = app_with(tx)
            .create_site(&actor(Role::Admin, SiteScope::Only(vec![site(10)])), &input)
            .await;

        assert!(matches!(outcome, Err(SiteError::Forbidden(_))));
    }
}
