//! Codes (CO-3 to CO-7, CO-12, AC-10): adding one without an order, finding one by its
//! text, editing and cancelling it, its ledger and audit, a client's codes.

use chrono::{DateTime, NaiveDate, Utc};
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::types::MaybeUndefined;
use poem_openapi::{ApiResponse, Enum, Object, OpenApi};
use uuid::Uuid;

use clientele_application::codes::{CodeEditInput, GrantInput, LedgerLine};
use clientele_application::{Clientele, Page};
use clientele_domain::code::{Code, CodeAudit, Reason, Status, Unit};
use clientele_domain::{ClientId, CodeId, Money, ProductId, Version};

use super::clients::change;
use super::products::ProductKindParam;
use super::{ApiTags, page_limit};
use crate::problem::Problems;
use crate::problem::can::*;
use crate::security::StaffToken;
use crate::text::{Amount, Text, opt};

#[derive(Debug, Clone, Copy, Enum)]
#[oai(rename_all = "snake_case")]
pub enum CodeStatusView {
    Active,
    /// Cancelled by staff: it can no longer be used.
    Cancelled,
    /// Past its last day.
    Expired,
}

/// What a code's balance counts.
#[derive(Debug, Clone, Copy, Enum)]
#[oai(rename_all = "snake_case")]
pub enum CodeUnitView {
    Appointments,
    Money,
}

/// A code and what is left of it (CO-3, CO-7).
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct CodeView {
    pub id: Uuid,
    /// What the client types, grouped by four (`7KQ4-MX2P-W9TD-R3HA`).
    pub text: String,
    pub product_id: Uuid,
    pub kind: ProductKindParam,
    /// The order that bought it; absent for a code added by staff (CO-4).
    pub order_id: Option<Uuid>,
    pub client_id: Option<Uuid>,
    pub unit: CodeUnitView,
    /// Appointments left, for a code counting appointments.
    pub remaining_appointments: Option<i64>,
    /// Money left, for a money gift certificate.
    pub remaining_value: Option<Amount>,
    /// The currency of `remaining_value`.
    pub currency: Option<String>,
    pub status: CodeStatusView,
    /// Its last day, in the business's time zone.
    pub expires_on: Option<NaiveDate>,
    /// Only this email may use it (CO-11, AC-10).
    pub assigned_to: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Send it back with a change (PL-11).
    pub version: i64,
}

/// A value of the code's unit: a count, or an amount in its currency.
fn in_unit(unit: Unit, units: i64) -> (Option<i64>, Option<Amount>) {
    match unit {
        Unit::Appointments => (Some(units), None),
        Unit::Money(currency) => (
            None,
            Money::from_minor_units(units, currency)
                .ok()
                .map(|m| Amount(m.amount_text())),
        ),
    }
}

impl From<&Code> for CodeView {
    fn from(c: &Code) -> Self {
        let (remaining_appointments, remaining_value) = in_unit(c.unit(), c.remaining());
        Self {
            id: c.id().as_uuid(),
            text: c.text().to_string(),
            product_id: c.product_id().as_uuid(),
            kind: c.family().into(),
            order_id: c.order_id().map(|o| o.as_uuid()),
            client_id: c.client_id().map(|c| c.as_uuid()),
            unit: match c.unit() {
                Unit::Appointments => CodeUnitView::Appointments,
                Unit::Money(_) => CodeUnitView::Money,
            },
            remaining_appointments,
            remaining_value,
            currency: match c.unit() {
                Unit::Money(currency) => Some(currency.code().to_owned()),
                Unit::Appointments => None,
            },
            status: match c.status() {
                Status::Active => CodeStatusView::Active,
                Status::Cancelled => CodeStatusView::Cancelled,
                Status::Expired => CodeStatusView::Expired,
            },
            expires_on: c.expires_on(),
            assigned_to: c.assigned_to().map(|e| e.as_str().to_owned()),
            created_at: c.created_at(),
            updated_at: c.updated_at(),
            version: c.version().get(),
        }
    }
}

#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct CodePage {
    pub items: Vec<CodeView>,
    /// Pass it as `cursor` for the next page; absent on the last page.
    pub next_cursor: Option<String>,
}

impl From<Page<Code>> for CodePage {
    fn from(page: Page<Code>) -> Self {
        Self {
            items: page.items.iter().map(Into::into).collect(),
            next_cursor: page.next_cursor,
        }
    }
}

/// Why a code's balance changed (CO-12).
#[derive(Debug, Clone, Copy, Enum)]
#[oai(rename_all = "snake_case")]
pub enum ReasonView {
    Purchase,
    Grant,
    Redemption,
    GiveBack,
    Refresh,
    StaffEdit,
    Expiry,
}

/// One entry of a code's ledger (CO-12). `change` is in the code's unit: a number of
/// appointments, or an amount.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct LedgerEntryView {
    /// Its place in the ledger, from 1.
    pub seq: u32,
    pub at: DateTime<Utc>,
    /// The staff member who made it; absent for the worker or the client.
    pub actor_id: Option<Uuid>,
    pub reason: ReasonView,
    pub appointment_id: Option<Uuid>,
    pub order_id: Option<Uuid>,
    /// Appointments added (positive) or taken (negative).
    pub change_appointments: Option<i64>,
    /// Money added or taken (negative: `-25.00`).
    pub change_value: Option<Amount>,
}

fn ledger_view(unit: Unit, line: &LedgerLine) -> LedgerEntryView {
    let entry = &line.entry;
    let (change_appointments, change_value) = in_unit(unit, entry.delta);
    LedgerEntryView {
        seq: line.seq,
        at: entry.at,
        actor_id: entry.actor.map(|a| a.as_uuid()),
        reason: match entry.reason {
            Reason::Purchase(_) => ReasonView::Purchase,
            Reason::Grant => ReasonView::Grant,
            Reason::Redemption(_) => ReasonView::Redemption,
            Reason::GiveBack(_) => ReasonView::GiveBack,
            Reason::Refresh => ReasonView::Refresh,
            Reason::StaffEdit => ReasonView::StaffEdit,
            Reason::Expiry => ReasonView::Expiry,
        },
        appointment_id: entry.reason.appointment().map(|a| a.as_uuid()),
        order_id: entry.reason.order().map(|o| o.as_uuid()),
        change_appointments,
        change_value,
    }
}

#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct LedgerPage {
    pub items: Vec<LedgerEntryView>,
    /// The balance now: the sum of the whole ledger.
    pub remaining_appointments: Option<i64>,
    pub remaining_value: Option<Amount>,
    /// Pass it as `cursor` for the next page; absent on the last page.
    pub next_cursor: Option<String>,
}

/// One field a staff member changed (CO-5).
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct CodeAuditView {
    pub actor_id: Uuid,
    pub at: DateTime<Utc>,
    /// `remaining`, `expires_on` or `assigned_to`.
    pub field: String,
    pub old_value: Option<String>,
    pub new_value: Option<String>,
}

impl From<&CodeAudit> for CodeAuditView {
    fn from(a: &CodeAudit) -> Self {
        Self {
            actor_id: a.actor.as_uuid(),
            at: a.at,
            field: a.change.field.clone(),
            old_value: a.change.old.clone(),
            new_value: a.change.new.clone(),
        }
    }
}

/// CO-4: a code given without an order.
#[derive(Debug, Object)]
#[oai(deny_unknown_fields)]
pub struct GrantParams {
    pub product_id: Uuid,
    /// The client it is for; absent: nobody yet (a gift certificate sold at the desk).
    pub client_id: Option<Uuid>,
    /// Only this email may use it (AC-10); default: the client's email, except for a
    /// gift certificate.
    pub assigned_to: Option<Text>,
}

/// A code as typed by someone.
#[derive(Debug, Object)]
#[oai(deny_unknown_fields)]
pub struct LookupParams {
    /// Any case; spaces and dashes are ignored.
    pub text: Text,
}

/// CO-5: a staff edit. Absent fields stay as they are; `null` clears.
#[derive(Debug, Object)]
#[oai(deny_unknown_fields)]
pub struct CodeEditParams {
    /// The version the change is based on (PL-11).
    pub version: i64,
    /// What is left: a whole number of appointments (`"4"`), or an amount for a money
    /// gift certificate (`"25.00"`).
    pub remaining: Option<Text>,
    /// Its last day; `null`: it never expires. A subscription's cannot change.
    pub expires_on: MaybeUndefined<NaiveDate>,
    /// Only this email may use it; `null`: anyone holding it, for a gift certificate.
    pub assigned_to: MaybeUndefined<Text>,
}

/// The version a cancellation is based on.
#[derive(Debug, Object)]
#[oai(deny_unknown_fields)]
pub struct CodeCancelParams {
    /// The version the change is based on (PL-11).
    pub version: i64,
}

#[derive(ApiResponse)]
pub enum GrantResponse {
    /// The code was added.
    #[oai(status = 201)]
    Created(Json<CodeView>),
}

pub struct CodesApi {
    pub app: Clientele,
}

#[OpenApi(prefix_path = "/v1", tag = "ApiTags::Codes")]
impl CodesApi {
    /// Add a code without an order (CO-4): a comp, or a sale made elsewhere.
    #[oai(path = "/codes", method = "post", operation_id = "grant_code")]
    async fn grant(
        &self,
        auth: StaffToken,
        body: Json<GrantParams>,
    ) -> Result<GrantResponse, Problems<{ UNAUTHENTICATE | CONFLICT | TAKE_BODY | BREAK_RULE }>>
    {
        let actor = auth.actor(&self.app).await?;
        let p = body.0;
        let input = GrantInput {
            product_id: ProductId::from_uuid(p.product_id),
            client_id: p.client_id.map(ClientId::from_uuid),
            assigned_to: opt(p.assigned_to),
        };
        let code = self.app.grant_code(&actor, &input).await?;
        Ok(GrantResponse::Created(Json((&code).into())))
    }

    /// Find a code by what was typed (CO-11).
    #[oai(path = "/codes/lookup", method = "post", operation_id = "lookup_code")]
    async fn lookup(
        &self,
        auth: StaffToken,
        body: Json<LookupParams>,
    ) -> Result<Json<CodeView>, Problems<{ UNAUTHENTICATE | MISS | TAKE_BODY | BREAK_RULE }>> {
        let actor = auth.actor(&self.app).await?;
        let code = self.app.find_code(&actor, &body.0.text.0).await?;
        Ok(Json((&code).into()))
    }

    /// One code.
    #[oai(path = "/codes/:id", method = "get", operation_id = "get_code")]
    async fn get(
        &self,
        auth: StaffToken,
        id: Path<Uuid>,
    ) -> Result<Json<CodeView>, Problems<{ MALFORM | UNAUTHENTICATE | MISS }>> {
        let actor = auth.actor(&self.app).await?;
        let code = self.app.code(&actor, CodeId::from_uuid(id.0)).await?;
        Ok(Json((&code).into()))
    }

    /// Edit a code (CO-5): what is left, its last day, the email it is assigned to. Each
    /// change is audited; a new balance is a ledger entry.
    #[oai(path = "/codes/:id", method = "patch", operation_id = "edit_code")]
    async fn edit(
        &self,
        auth: StaffToken,
        id: Path<Uuid>,
        body: Json<CodeEditParams>,
    ) -> Result<
        Json<CodeView>,
        Problems<{ MALFORM | UNAUTHENTICATE | MISS | CONFLICT | TAKE_BODY | BREAK_RULE }>,
    > {
        let actor = auth.actor(&self.app).await?;
        let p = body.0;
        let input = CodeEditInput {
            remaining: opt(p.remaining),
            expires_on: match p.expires_on {
                MaybeUndefined::Undefined => None,
                MaybeUndefined::Null => Some(None),
                MaybeUndefined::Value(day) => Some(Some(day)),
            },
            assigned_to: change(p.assigned_to),
        };
        let code = self
            .app
            .edit_code(
                &actor,
                CodeId::from_uuid(id.0),
                Version::new(p.version),
                &input,
            )
            .await?;
        Ok(Json((&code).into()))
    }

    /// Cancel a code (owner, admin; CO-6): it can no longer be used.
    #[oai(
        path = "/codes/:id/cancel",
        method = "post",
        operation_id = "cancel_code"
    )]
    async fn cancel(
        &self,
        auth: StaffToken,
        id: Path<Uuid>,
        body: Json<CodeCancelParams>,
    ) -> Result<
        Json<CodeView>,
        Problems<{ MALFORM | UNAUTHENTICATE | FORBID | MISS | CONFLICT | TAKE_BODY }>,
    > {
        let actor = auth.actor(&self.app).await?;
        let code = self
            .app
            .cancel_code(
                &actor,
                CodeId::from_uuid(id.0),
                Version::new(body.0.version),
            )
            .await?;
        Ok(Json((&code).into()))
    }

    /// A code's ledger (CO-12): every change of its balance, in the order it was made.
    #[oai(
        path = "/codes/:id/ledger",
        method = "get",
        operation_id = "list_code_ledger"
    )]
    async fn ledger(
        &self,
        auth: StaffToken,
        id: Path<Uuid>,
        /// Page size, 1 to 1000 (default 500).
        #[oai(validator(minimum(value = "1"), maximum(value = "1000")))]
        limit: Query<Option<u32>>,
        /// `next_cursor` of the previous page.
        cursor: Query<Option<String>>,
    ) -> Result<Json<LedgerPage>, Problems<{ MALFORM | UNAUTHENTICATE | MISS }>> {
        let actor = auth.actor(&self.app).await?;
        let id = CodeId::from_uuid(id.0);
        let code = self.app.code(&actor, id).await?;
        let page = self
            .app
            .code_ledger(&actor, id, page_limit(limit.0)?, cursor.0.as_deref())
            .await?;
        let (remaining_appointments, remaining_value) = in_unit(code.unit(), code.remaining());
        Ok(Json(LedgerPage {
            items: page
                .items
                .iter()
                .map(|l| ledger_view(code.unit(), l))
                .collect(),
            remaining_appointments,
            remaining_value,
            next_cursor: page.next_cursor,
        }))
    }

    /// What staff changed on a code (CO-5), oldest first.
    #[oai(
        path = "/codes/:id/audit",
        method = "get",
        operation_id = "get_code_audit"
    )]
    async fn audit(
        &self,
        auth: StaffToken,
        id: Path<Uuid>,
    ) -> Result<Json<Vec<CodeAuditView>>, Problems<{ MALFORM | UNAUTHENTICATE | MISS }>> {
        let actor = auth.actor(&self.app).await?;
        let audit = self.app.code_audit(&actor, CodeId::from_uuid(id.0)).await?;
        Ok(Json(audit.iter().map(Into::into).collect()))
    }

    /// A client's codes with what is left (CO-7), newest first.
    #[oai(
        path = "/clients/:id/codes",
        method = "get",
        operation_id = "list_client_codes"
    )]
    async fn client_codes(
        &self,
        auth: StaffToken,
        id: Path<Uuid>,
        /// Page size, 1 to 1000 (default 500).
        #[oai(validator(minimum(value = "1"), maximum(value = "1000")))]
        limit: Query<Option<u32>>,
        /// `next_cursor` of the previous page.
        cursor: Query<Option<String>>,
    ) -> Result<Json<CodePage>, Problems<{ MALFORM | UNAUTHENTICATE | MISS }>> {
        let actor = auth.actor(&self.app).await?;
        let page = self
            .app
            .client_codes(
                &actor,
                ClientId::from_uuid(id.0),
                page_limit(limit.0)?,
                cursor.0.as_deref(),
            )
            .await?;
        Ok(Json(page.into()))
    }
}
