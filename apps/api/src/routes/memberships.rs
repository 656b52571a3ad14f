//! Membership types (ME-1) and memberships, staff side (ME-2, ME-10, ME-11, ME-18 to
//! ME-20). Changes carry the `version` they are based on (PL-11).

use chrono::{DateTime, NaiveDate, Utc};
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Enum, Object, OpenApi};
use uuid::Uuid;

use clientele_application::Clientele;
use clientele_application::memberships::{
    Charge, ChargeStatus, DateRange, MembershipDetail, MembershipEditRequest, MembershipFilter,
    MembershipLine, MembershipRequest, QuickView, QuickViewCounts, StatusFilter,
};
use clientele_domain::membership::{AttentionReason, Membership, Pause, Status};
use clientele_domain::{ClientId, MembershipId, MembershipTypeId, PaymentMethodId, Version};

use super::membership_types::PaymentKindParam;
use super::{ApiTags, page_limit};
use crate::problem::Problems;
use crate::problem::can::*;
use crate::security::StaffToken;
use crate::text::{Amount, Text, opt};

/// What a change can answer.
pub(super) const CHANGE: u16 =
    MALFORM | UNAUTHENTICATE | FORBID | MISS | CONFLICT | TAKE_BODY | BREAK_RULE;

/// A membership's status (ME-3); `needs_attention` comes with a reason.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename_all = "snake_case")]
pub enum StatusParam {
    Active,
    Cancelled,
    Expired,
    NeedsAttention,
}

/// Why a membership needs attention (ME-3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename_all = "snake_case")]
pub enum ReasonParam {
    PaymentFailed,
    NeedsMandate,
    PaymentMethodInvalid,
}

impl From<AttentionReason> for ReasonParam {
    fn from(reason: AttentionReason) -> Self {
        match reason {
            AttentionReason::PaymentFailed => Self::PaymentFailed,
            AttentionReason::NeedsMandate => Self::NeedsMandate,
            AttentionReason::PaymentMethodInvalid => Self::PaymentMethodInvalid,
        }
    }
}

pub fn status_of(status: Status) -> (StatusParam, Option<ReasonParam>) {
    match status {
        Status::Active => (StatusParam::Active, None),
        Status::Cancelled => (StatusParam::Cancelled, None),
        Status::Expired => (StatusParam::Expired, None),
        Status::NeedsAttention(reason) => (StatusParam::NeedsAttention, Some(reason.into())),
    }
}

/// A membership (ME-2).
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct MembershipView {
    pub id: Uuid,
    /// Unique in the business, sequential.
    pub number: String,
    pub client_id: Uuid,
    pub type_id: Uuid,
    pub rate: Amount,
    pub currency: String,
    /// The rate is the membership's own, not its type's.
    pub individual_rate: bool,
    pub start_date: NaiveDate,
    pub end_date: Option<NaiveDate>,
    pub member_since: NaiveDate,
    pub status: StatusParam,
    pub reason: Option<ReasonParam>,
    pub next_billing_date: NaiveDate,
    /// Not billed before this day (ME-20).
    pub paused_until: Option<NaiveDate>,
    pub cancelled_on: Option<NaiveDate>,
    pub payment_method: PaymentKindParam,
    /// "visa •••• 4242", "direct debit (no mandate)", "manual".
    pub payment_method_summary: String,
    /// Send it back with a change (PL-11).
    pub version: i64,
}

impl From<&Membership> for MembershipView {
    fn from(m: &Membership) -> Self {
        let (status, reason) = status_of(m.status());
        Self {
            id: m.id().as_uuid(),
            number: m.number().to_string(),
            client_id: m.client_id().as_uuid(),
            type_id: m.type_id().as_uuid(),
            rate: Amount(m.rate().amount().amount_text()),
            currency: m.rate().amount().currency().code().to_owned(),
            individual_rate: m.rate().is_individual(),
            start_date: m.start_date(),
            end_date: m.end_date(),
            member_since: m.member_since(),
            status,
            reason,
            next_billing_date: m.next_billing_date(),
            paused_until: m.paused_until(),
            cancelled_on: m.cancelled_on(),
            payment_method: m.payment_method().kind().into(),
            payment_method_summary: m.payment_method().describe(),
            version: m.version().get(),
        }
    }
}

/// One charge of a membership (ME-19).
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct ChargeView {
    pub id: Uuid,
    /// The membership it pays a period of.
    pub membership_id: Uuid,
    pub period_start: NaiveDate,
    pub amount: Amount,
    pub currency: String,
    /// pending, succeeded, declined or failed.
    pub status: String,
    pub message: Option<String>,
    pub created_at: DateTime<Utc>,
    pub settled_at: Option<DateTime<Utc>>,
}

impl From<&Charge> for ChargeView {
    fn from(c: &Charge) -> Self {
        Self {
            id: c.id.as_uuid(),
            membership_id: c.membership_id.as_uuid(),
            period_start: c.period_start,
            amount: Amount(c.amount.amount_text()),
            currency: c.amount.currency().code().to_owned(),
            status: c.status.as_str().to_owned(),
            message: c.message.clone(),
            created_at: c.created_at,
            settled_at: c.settled_at,
        }
    }
}

/// A membership with its latest charges (ME-19).
#[derive(Debug, Object)]
pub struct MembershipDetailView {
    #[oai(flatten)]
    pub membership: MembershipView,
    /// Whether no charge of it is declined or failed since its last success.
    pub up_to_date: bool,
    /// The latest charges, newest first.
    pub recent_charges: Vec<ChargeView>,
}

impl From<&MembershipDetail> for MembershipDetailView {
    fn from(d: &MembershipDetail) -> Self {
        let up_to_date = d
            .recent_charges
            .iter()
            .find(|c| c.status != ChargeStatus::Pending)
            .is_none_or(|c| c.status == ChargeStatus::Succeeded);
        Self {
            membership: (&d.membership).into(),
            up_to_date,
            recent_charges: d.recent_charges.iter().map(Into::into).collect(),
        }
    }
}

/// A membership of the list, with its client's and type's names (ME-18).
#[derive(Debug, Object)]
pub struct MembershipLineView {
    #[oai(flatten)]
    pub membership: MembershipView,
    pub created_at: DateTime<Utc>,
    pub client_first_name: String,
    pub client_last_name: String,
    pub type_name: String,
}

impl From<&MembershipLine> for MembershipLineView {
    fn from(l: &MembershipLine) -> Self {
        Self {
            membership: (&l.membership).into(),
            created_at: l.created_at,
            client_first_name: l.client_first_name.clone(),
            client_last_name: l.client_last_name.clone(),
            type_name: l.type_name.as_str().to_owned(),
        }
    }
}

#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct MembershipPage {
    pub items: Vec<MembershipLineView>,
    /// Pass it as `cursor` for the next page; absent on the last page.
    pub next_cursor: Option<String>,
}

#[derive(Debug, Object)]
pub struct MembershipList {
    pub items: Vec<MembershipView>,
}

/// The live count of each quick view (ME-18), today in the business's time zone.
#[derive(Debug, Object)]
pub struct MembershipCountsView {
    pub needs_mandate: u64,
    pub payment_failed: u64,
    /// Open, ending within 7 days.
    pub ending_soon: u64,
    /// Active, next billing date within 7 days (overdue included).
    pub payment_due: u64,
}

impl From<QuickViewCounts> for MembershipCountsView {
    fn from(c: QuickViewCounts) -> Self {
        Self {
            needs_mandate: c.needs_mandate,
            payment_failed: c.payment_failed,
            ending_soon: c.ending_soon,
            payment_due: c.payment_due_soon,
        }
    }
}

/// A list's status filter (ME-18): a status, a reason of `needs_attention`, or `open`
/// (active or needs attention).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename_all = "snake_case")]
pub enum StatusFilterParam {
    Active,
    Cancelled,
    Expired,
    NeedsAttention,
    PaymentFailed,
    NeedsMandate,
    PaymentMethodInvalid,
    Open,
}

impl From<StatusFilterParam> for StatusFilter {
    fn from(s: StatusFilterParam) -> Self {
        use AttentionReason as R;
        match s {
            StatusFilterParam::Active => Self::Active,
            StatusFilterParam::Cancelled => Self::Cancelled,
            StatusFilterParam::Expired => Self::Expired,
            StatusFilterParam::NeedsAttention => Self::NeedsAttention(None),
            StatusFilterParam::PaymentFailed => Self::NeedsAttention(Some(R::PaymentFailed)),
            StatusFilterParam::NeedsMandate => Self::NeedsAttention(Some(R::NeedsMandate)),
            StatusFilterParam::PaymentMethodInvalid => {
                Self::NeedsAttention(Some(R::PaymentMethodInvalid))
            }
            StatusFilterParam::Open => Self::Open,
        }
    }
}

/// A quick view (ME-18).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename_all = "snake_case")]
pub enum ViewParam {
    NeedsMandate,
    PaymentFailed,
    EndingSoon,
    PaymentDue,
}

impl From<ViewParam> for QuickView {
    fn from(v: ViewParam) -> Self {
        match v {
            ViewParam::NeedsMandate => Self::NeedsMandate,
            ViewParam::PaymentFailed => Self::PaymentFailed,
            ViewParam::EndingSoon => Self::EndingSoon,
            ViewParam::PaymentDue => Self::PaymentDueSoon,
        }
    }
}

/// A new membership from the client profile (ME-2).
#[derive(Debug, Object)]
#[oai(deny_unknown_fields)]
pub struct MembershipParams {
    pub client_id: Uuid,
    pub type_id: Uuid,
    pub start_date: NaiveDate,
    pub end_date: Option<NaiveDate>,
    /// An individual rate; absent: the type's.
    pub rate: Option<Amount>,
    /// The individual rate's currency; must be the business's (the default).
    pub currency: Option<Text>,
    /// The first billing date, today or later; the anchor is on it (ME-4). Default: the
    /// first billing day from the start date.
    pub first_billing_date: Option<NaiveDate>,
    /// Must be the type's.
    pub payment_method: PaymentKindParam,
    /// With `card`: the client's stored card to charge (default: the latest stored).
    pub card_id: Option<Uuid>,
}

/// A staff edit (ME-11): absent fields stay as they are.
#[derive(Debug, Object)]
#[oai(deny_unknown_fields)]
pub struct MembershipEditParams {
    /// The version the change is based on (PL-11).
    pub version: i64,
    pub type_id: Option<Uuid>,
    /// An individual rate.
    pub rate: Option<Amount>,
    pub currency: Option<Text>,
    /// Back to the type's rate.
    #[oai(default)]
    pub type_rate: bool,
    pub start_date: Option<NaiveDate>,
    pub end_date: Option<NaiveDate>,
    #[oai(default)]
    pub remove_end_date: bool,
    /// Today or later; the anchor moves with it (ME-4).
    pub next_billing_date: Option<NaiveDate>,
}

/// The version a change is based on.
#[derive(Debug, Object)]
#[oai(deny_unknown_fields)]
pub struct VersionParams {
    /// The version the change is based on (PL-11).
    pub version: i64,
}

/// A reactivation (ME-10).
#[derive(Debug, Object)]
#[oai(deny_unknown_fields)]
pub struct ReactivateParams {
    /// The version the change is based on (PL-11).
    pub version: i64,
    /// If the paid period has lapsed: the next billing date (default today).
    pub next_billing_date: Option<NaiveDate>,
}

/// A pause (ME-20): `until` a day, or a number of `periods`.
#[derive(Debug, Object)]
#[oai(deny_unknown_fields)]
pub struct PauseParams {
    /// The version the change is based on (PL-11).
    pub version: i64,
    /// The first day it is no longer paused.
    pub until: Option<NaiveDate>,
    /// That many billing periods.
    #[oai(validator(minimum(value = "1"), maximum(value = "120")))]
    pub periods: Option<u32>,
}

/// ME-20: a pause as a request names it: `until` a day or for a number of `periods`.
pub(super) fn pause(
    until: Option<NaiveDate>,
    periods: Option<u32>,
) -> Result<Pause, crate::problem::ProblemResponse> {
    match (until, periods) {
        (Some(until), None) => Ok(Pause::Until(until)),
        (None, Some(periods)) => Ok(Pause::Periods(periods)),
        _ => Err(crate::problem::ProblemResponse::unprocessable(
            "until",
            "name either `until` or `periods`",
        )),
    }
}

#[derive(ApiResponse)]
pub enum CreateMembershipResponse {
    /// The membership was created.
    #[oai(status = 201)]
    Created(Json<MembershipView>),
}

pub struct MembershipsApi {
    pub app: Clientele,
}

#[OpenApi(prefix_path = "/v1", tag = "ApiTags::Memberships")]
impl MembershipsApi {
    /// Memberships, newest first (ME-18): filters combine; a quick `view` is one more
    /// filter. Days are the business's. For members who see every site.
    #[oai(
        path = "/memberships",
        method = "get",
        operation_id = "list_memberships"
    )]
    #[allow(clippy::too_many_arguments)]
    async fn list(
        &self,
        auth: StaffToken,
        view: Query<Option<ViewParam>>,
        status: Query<Option<StatusFilterParam>>,
        type_id: Query<Option<Uuid>>,
        created_from: Query<Option<NaiveDate>>,
        created_until: Query<Option<NaiveDate>>,
        ends_from: Query<Option<NaiveDate>>,
        ends_until: Query<Option<NaiveDate>>,
        next_billing_from: Query<Option<NaiveDate>>,
        next_billing_until: Query<Option<NaiveDate>>,
        /// Page size, 1 to 1000 (default 500).
        #[oai(validator(minimum(value = "1"), maximum(value = "1000")))]
        limit: Query<Option<u32>>,
        /// `next_cursor` of the previous page.
        cursor: Query<Option<String>>,
    ) -> Result<Json<MembershipPage>, Problems<{ MALFORM | UNAUTHENTICATE | FORBID }>> {
        let actor = auth.actor(&self.app).await?;
        let filter = MembershipFilter {
            view: view.0.map(Into::into),
            status: status.0.map(Into::into),
            type_id: type_id.0.map(MembershipTypeId::from_uuid),
            created: DateRange {
                from: created_from.0,
                to: created_until.0,
            },
            ends: DateRange {
                from: ends_from.0,
                to: ends_until.0,
            },
            next_billing: DateRange {
                from: next_billing_from.0,
                to: next_billing_until.0,
            },
        };
        let page = self
            .app
            .list_memberships(&actor, &filter, page_limit(limit.0)?, cursor.0.as_deref())
            .await?;
        Ok(Json(MembershipPage {
            items: page.items.iter().map(Into::into).collect(),
            next_cursor: page.next_cursor,
        }))
    }

    /// Create a membership for a client (ME-2); its number is the business's next.
    #[oai(
        path = "/memberships",
        method = "post",
        operation_id = "create_membership"
    )]
    async fn create(
        &self,
        auth: StaffToken,
        body: Json<MembershipParams>,
    ) -> Result<CreateMembershipResponse, Problems<CHANGE>> {
        let actor = auth.actor(&self.app).await?;
        let p = body.0;
        let request = MembershipRequest {
            client_id: ClientId::from_uuid(p.client_id),
            type_id: MembershipTypeId::from_uuid(p.type_id),
            start_date: p.start_date,
            end_date: p.end_date,
            rate: p.rate.map(|r| r.0),
            currency: opt(p.currency),
            first_billing_date: p.first_billing_date,
            payment: p.payment_method.into(),
            card: p.card_id.map(PaymentMethodId::from_uuid),
        };
        let membership = self.app.create_membership(&actor, &request).await?;
        Ok(CreateMembershipResponse::Created(Json(
            (&membership).into(),
        )))
    }

    /// The live count of each quick view (ME-18).
    #[oai(
        path = "/memberships/counts",
        method = "get",
        operation_id = "membership_counts"
    )]
    async fn counts(
        &self,
        auth: StaffToken,
    ) -> Result<Json<MembershipCountsView>, Problems<{ UNAUTHENTICATE }>> {
        let actor = auth.actor(&self.app).await?;
        let counts = self.app.membership_counts(&actor).await?;
        Ok(Json(counts.into()))
    }

    /// One membership with its recent charges (ME-19).
    #[oai(
        path = "/memberships/:id",
        method = "get",
        operation_id = "get_membership"
    )]
    async fn get(
        &self,
        auth: StaffToken,
        id: Path<Uuid>,
    ) -> Result<Json<MembershipDetailView>, Problems<{ MALFORM | UNAUTHENTICATE | MISS }>> {
        let actor = auth.actor(&self.app).await?;
        let detail = self
            .app
            .membership(&actor, MembershipId::from_uuid(id.0))
            .await?;
        Ok(Json((&detail).into()))
    }

    /// Edit type, rate, dates or next billing date (ME-11, ME-4).
    #[oai(
        path = "/memberships/:id",
        method = "patch",
        operation_id = "edit_membership"
    )]
    async fn edit(
        &self,
        auth: StaffToken,
        id: Path<Uuid>,
        body: Json<MembershipEditParams>,
    ) -> Result<Json<MembershipView>, Problems<CHANGE>> {
        let actor = auth.actor(&self.app).await?;
        let p = body.0;
        let request = MembershipEditRequest {
            type_id: p.type_id.map(MembershipTypeId::from_uuid),
            rate: p.rate.map(|r| r.0),
            currency: opt(p.currency),
            type_rate: p.type_rate,
            start_date: p.start_date,
            end_date: p.end_date,
            remove_end_date: p.remove_end_date,
            next_billing_date: p.next_billing_date,
        };
        let membership = self
            .app
            .edit_membership(
                &actor,
                MembershipId::from_uuid(id.0),
                Version::new(p.version),
                &request,
            )
            .await?;
        Ok(Json((&membership).into()))
    }

    /// Cancel: no further charges (ME-10).
    #[oai(
        path = "/memberships/:id/cancel",
        method = "post",
        operation_id = "cancel_membership"
    )]
    async fn cancel(
        &self,
        auth: StaffToken,
        id: Path<Uuid>,
        body: Json<VersionParams>,
    ) -> Result<Json<MembershipView>, Problems<CHANGE>> {
        let actor = auth.actor(&self.app).await?;
        let membership = self
            .app
            .cancel_membership(
                &actor,
                MembershipId::from_uuid(id.0),
                Version::new(body.0.version),
            )
            .await?;
        Ok(Json((&membership).into()))
    }

    /// Reactivate a cancelled membership (ME-10).
    #[oai(
        path = "/memberships/:id/reactivate",
        method = "post",
        operation_id = "reactivate_membership"
    )]
    async fn reactivate(
        &self,
        auth: StaffToken,
        id: Path<Uuid>,
        body: Json<ReactivateParams>,
    ) -> Result<Json<MembershipView>, Problems<CHANGE>> {
        let actor = auth.actor(&self.app).await?;
        let membership = self
            .app
            .reactivate_membership(
                &actor,
                MembershipId::from_uuid(id.0),
                Version::new(body.0.version),
                body.0.next_billing_date,
            )
            .await?;
        Ok(Json((&membership).into()))
    }

    /// Pause until a day or for a number of periods (ME-20).
    #[oai(
        path = "/memberships/:id/pause",
        method = "post",
        operation_id = "pause_membership"
    )]
    async fn pause(
        &self,
        auth: StaffToken,
        id: Path<Uuid>,
        body: Json<PauseParams>,
    ) -> Result<Json<MembershipView>, Problems<CHANGE>> {
        let actor = auth.actor(&self.app).await?;
        let pause = pause(body.0.until, body.0.periods)?;
        let membership = self
            .app
            .pause_membership(
                &actor,
                MembershipId::from_uuid(id.0),
                Version::new(body.0.version),
                pause,
            )
            .await?;
        Ok(Json((&membership).into()))
    }

    /// End a pause: billing resumes on the anchor (ME-20).
    #[oai(
        path = "/memberships/:id/resume",
        method = "post",
        operation_id = "resume_membership"
    )]
    async fn resume(
        &self,
        auth: StaffToken,
        id: Path<Uuid>,
        body: Json<VersionParams>,
    ) -> Result<Json<MembershipView>, Problems<CHANGE>> {
        let actor = auth.actor(&self.app).await?;
        let membership = self
            .app
            .resume_membership(
                &actor,
                MembershipId::from_uuid(id.0),
                Version::new(body.0.version),
            )
            .await?;
        Ok(Json((&membership).into()))
    }

    /// A client's memberships, newest first.
    #[oai(
        path = "/clients/:id/memberships",
        method = "get",
        operation_id = "list_client_memberships"
    )]
    async fn of_client(
        &self,
        auth: StaffToken,
        id: Path<Uuid>,
    ) -> Result<Json<MembershipList>, Problems<{ MALFORM | UNAUTHENTICATE | MISS }>> {
        let actor = auth.actor(&self.app).await?;
        let memberships = self
            .app
            .client_memberships(&actor, ClientId::from_uuid(id.0))
            .await?;
        Ok(Json(MembershipList {
            items: memberships.iter().map(Into::into).collect(),
        }))
    }
}
