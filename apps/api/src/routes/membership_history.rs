//! ME-11: a membership's history, field by field, with who changed what and when.

use chrono::{DateTime, Utc};
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::{Enum, Object, OpenApi};
use uuid::Uuid;

use clientele_application::Clientele;
use clientele_domain::MembershipId;
use clientele_domain::membership::{ChangedBy, MembershipAudit};

use super::{ApiTags, page_limit};
use crate::problem::Problems;
use crate::problem::can::*;
use crate::security::StaffToken;

/// Who changed a membership.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename_all = "snake_case")]
pub enum ChangedByView {
    Staff,
    /// The client, through the link in their emails (ME-12).
    Client,
}

/// One field of a membership changed.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct HistoryEntryView {
    pub at: DateTime<Utc>,
    pub changed_by: ChangedByView,
    /// The staff member, when staff changed it.
    pub staff_id: Option<Uuid>,
    /// `status`, `next_billing_date`, `payment_method`, `rate`…
    pub field: String,
    pub old: Option<String>,
    pub new: Option<String>,
}

impl From<&MembershipAudit> for HistoryEntryView {
    fn from(a: &MembershipAudit) -> Self {
        let (changed_by, staff_id) = match a.by {
            ChangedBy::Staff(staff) => (ChangedByView::Staff, Some(staff.as_uuid())),
            ChangedBy::Client => (ChangedByView::Client, None),
        };
        Self {
            at: a.at,
            changed_by,
            staff_id,
            field: a.change.field.clone(),
            old: a.change.old.clone(),
            new: a.change.new.clone(),
        }
    }
}

#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct HistoryPage {
    pub items: Vec<HistoryEntryView>,
    /// Pass it as `cursor` for the next page; absent on the last page.
    pub next_cursor: Option<String>,
}

pub struct MembershipHistoryApi {
    pub app: Clientele,
}

#[OpenApi(prefix_path = "/v1", tag = "ApiTags::Memberships")]
impl MembershipHistoryApi {
    /// A membership's history, newest first: each field changed by staff or by its
    /// client, with who and when (ME-11).
    #[oai(
        path = "/memberships/:id/history",
        method = "get",
        operation_id = "list_membership_history"
    )]
    async fn history(
        &self,
        auth: StaffToken,
        id: Path<Uuid>,
        /// Page size, 1 to 1000 (default 500).
        #[oai(validator(minimum(value = "1"), maximum(value = "1000")))]
        limit: Query<Option<u32>>,
        /// `next_cursor` of the previous page.
        cursor: Query<Option<String>>,
    ) -> Result<Json<HistoryPage>, Problems<{ MALFORM | UNAUTHENTICATE | FORBID | MISS }>> {
        let actor = auth.actor(&self.app).await?;
        let page = self
            .app
            .membership_history(
                &actor,
                MembershipId::from_uuid(id.0),
                page_limit(limit.0)?,
                cursor.0.as_deref(),
            )
            .await?;
        Ok(Json(HistoryPage {
            items: page.items.iter().map(Into::into).collect(),
            next_cursor: page.next_cursor,
        }))
    }
}
