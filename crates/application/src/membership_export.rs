//! ME-18: the memberships list exported (CSV, Excel), page by page, each page read in a
//! transaction of its own, so an export of any size holds one page in memory.

use clientele_domain::{Actor, BusinessId, MembershipId, Permission};
use clientele_ports::storage::{MembershipLine, MembershipQuery};

use crate::Clientele;
use crate::access::{business_of, require_whole_business};
use crate::memberships::{MembershipError, MembershipFilter};

/// An export running page by page.
#[derive(Debug, Clone)]
pub struct MembershipExport {
    business: BusinessId,
    query: MembershipQuery,
    after: Option<MembershipId>,
    done: bool,
}

/// Rows per page of an export.
const EXPORT_PAGE: u32 = 1000;

impl Clientele {
    /// ME-18: starts an export of the memberships matching `filter`, newest first (owner,
    /// admin: an export names clients of every site).
    pub async fn export_memberships(
        &self,
        actor: &Actor,
        filter: &MembershipFilter,
    ) -> Result<MembershipExport, MembershipError> {
        actor.require(Permission::Export)?;
        let mut tx = self.storage.read().await?;
        require_whole_business(tx.as_mut(), actor, "an export names clients of every site").await?;
        let business = business_of(tx.as_mut(), actor).await?;
        let today = business.today(self.clock.now());
        Ok(MembershipExport {
            business: business.id,
            query: filter.query(business.settings.time_zone, today)?,
            after: None,
            done: false,
        })
    }

    /// The export's next page of rows; `None` when it is over.
    pub async fn membership_export_page(
        &self,
        export: &mut MembershipExport,
    ) -> Result<Option<Vec<MembershipLine>>, MembershipError> {
        if export.done {
            return Ok(None);
        }
        let mut tx = self.storage.read().await?;
        let rows = tx
            .memberships(export.business, &export.query, export.after, EXPORT_PAGE)
            .await?;
        drop(tx);
        export.done = rows.len() < EXPORT_PAGE as usize;
        export.after = rows.last().map(|line| line.membership.id());
        Ok((!rows.is_empty()).then_some(rows))
    }
}
