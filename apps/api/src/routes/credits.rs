//! ME-16: a client's credits — issued by staff by hand or granted by a membership's paid
//! period — listed newest first, and revoked.

use chrono::NaiveDate;
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Enum, Object, OpenApi};
use uuid::Uuid;

use clientele_application::Clientele;
use clientele_domain::membership::{Credit, CreditOrigin, CreditStatus};
use clientele_domain::{ClientId, CreditId, Version};

use super::{ApiTags, page_limit};
use crate::problem::Problems;
use crate::problem::can::*;
use crate::security::StaffToken;

/// Where a credit stands (ME-16).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename_all = "snake_case")]
pub enum CreditStatusView {
    Active,
    Used,
    Revoked,
    Refundable,
}

impl From<CreditStatus> for CreditStatusView {
    fn from(status: CreditStatus) -> Self {
        match status {
            CreditStatus::Active => Self::Active,
            CreditStatus::Used => Self::Used,
            CreditStatus::Revoked => Self::Revoked,
            CreditStatus::Refundable => Self::Refundable,
        }
    }
}

/// One credit (ME-16).
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct CreditView {
    pub id: Uuid,
    pub client_id: Uuid,
    pub status: CreditStatusView,
    pub issued_on: NaiveDate,
    /// The membership whose paid period granted it.
    pub membership_id: Option<Uuid>,
    /// The start of that period.
    pub period_start: Option<NaiveDate>,
    /// The staff member who issued it by hand.
    pub issued_by: Option<Uuid>,
    /// The appointment it was used for.
    pub used_for: Option<Uuid>,
    pub version: i64,
}

impl From<&Credit> for CreditView {
    fn from(c: &Credit) -> Self {
        let (membership_id, period_start, issued_by) = match c.origin() {
            CreditOrigin::Period {
                membership_id,
                period_start,
            } => (Some(membership_id.as_uuid()), Some(period_start), None),
            CreditOrigin::Staff(staff) => (None, None, Some(staff.as_uuid())),
        };
        Self {
            id: c.id().as_uuid(),
            client_id: c.client_id().as_uuid(),
            status: c.status().into(),
            issued_on: c.issued_on(),
            membership_id,
            period_start,
            issued_by,
            used_for: c.used_for().map(|a| a.as_uuid()),
            version: c.version().get(),
        }
    }
}

#[derive(Debug, Object)]
pub struct CreditPage {
    pub items: Vec<CreditView>,
    /// Absent on the last page.
    #[oai(skip_serializing_if_is_none)]
    pub next_cursor: Option<String>,
}

/// Credits issued by hand.
#[derive(Debug, Clone, Object)]
pub struct IssueCreditsParams {
    /// How many, 1 to 50.
    pub count: i64,
}

#[derive(Debug, Clone, Object)]
pub struct RevokeCreditParams {
    /// The credit's version the change is based on (PL-11).
    pub version: i64,
}

#[derive(ApiResponse)]
pub enum IssueCreditsResponse {
    /// The credits were issued.
    #[oai(status = 201)]
    Created(Json<CreditPage>),
}

pub struct CreditsApi {
    pub app: Clientele,
}

#[OpenApi(prefix_path = "/v1", tag = "ApiTags::Memberships")]
impl CreditsApi {
    /// Issue credits to a client by hand (ME-16).
    #[oai(
        path = "/clients/:id/credits",
        method = "post",
        operation_id = "issue_credits"
    )]
    async fn issue(
        &self,
        auth: StaffToken,
        id: Path<Uuid>,
        body: Json<IssueCreditsParams>,
    ) -> Result<
        IssueCreditsResponse,
        Problems<{ MALFORM | UNAUTHENTICATE | FORBID | MISS | TAKE_BODY | BREAK_RULE }>,
    > {
        let actor = auth.actor(&self.app).await?;
        let credits = self
            .app
            .issue_credits(
                &actor,
                ClientId::from_uuid(id.0),
                // Out of u32 is out of 1 to 50 as well: refused by the use case (422).
                u32::try_from(body.0.count).unwrap_or(u32::MAX),
            )
            .await?;
        Ok(IssueCreditsResponse::Created(Json(CreditPage {
            items: credits.iter().map(Into::into).collect(),
            next_cursor: None,
        })))
    }

    /// A client's credits, newest first (ME-16).
    #[oai(
        path = "/clients/:id/credits",
        method = "get",
        operation_id = "list_client_credits"
    )]
    async fn list(
        &self,
        auth: StaffToken,
        id: Path<Uuid>,
        /// Page size, 1 to 1000 (default 500).
        #[oai(validator(minimum(value = "1"), maximum(value = "1000")))]
        limit: Query<Option<u32>>,
        /// `next_cursor` of the previous page.
        cursor: Query<Option<String>>,
    ) -> Result<Json<CreditPage>, Problems<{ MALFORM | UNAUTHENTICATE | FORBID | MISS }>> {
        let actor = auth.actor(&self.app).await?;
        let page = self
            .app
            .client_credits(
                &actor,
                ClientId::from_uuid(id.0),
                page_limit(limit.0)?,
                cursor.0.as_deref(),
            )
            .await?;
        Ok(Json(CreditPage {
            items: page.items.iter().map(Into::into).collect(),
            next_cursor: page.next_cursor,
        }))
    }

    /// Revoke an active credit (ME-16).
    #[oai(
        path = "/credits/:id/revoke",
        method = "post",
        operation_id = "revoke_credit"
    )]
    async fn revoke(
        &self,
        auth: StaffToken,
        id: Path<Uuid>,
        body: Json<RevokeCreditParams>,
    ) -> Result<
        Json<CreditView>,
        Problems<{ MALFORM | UNAUTHENTICATE | FORBID | MISS | CONFLICT | TAKE_BODY }>,
    > {
        let actor = auth.actor(&self.app).await?;
        let credit = self
            .app
            .revoke_credit(
                &actor,
                CreditId::from_uuid(id.0),
                Version::new(body.0.version),
            )
            .await?;
        Ok(Json((&credit).into()))
    }
}
