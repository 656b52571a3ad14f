//! Membership types (ME-1): what a membership costs each period, what it grants and how
//! it is paid. Owners and admins define them; changes carry their `version` (PL-11).

use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Enum, Object, OpenApi};
use uuid::Uuid;

use clientele_application::Clientele;
use clientele_application::memberships::MembershipTypeRequest;
use clientele_domain::membership::{Alignment, MembershipType, PaymentKind, PeriodUnit};
use clientele_domain::{MembershipTypeId, ProductId, Version};

use super::memberships::CHANGE;
use super::products::PeriodUnitParam;
use super::{ApiTags, page_limit};
use crate::problem::Problems;
use crate::problem::can::*;
use crate::security::StaffToken;
use crate::text::{Amount, Text, opt};

/// How a membership pays (ME-1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename_all = "snake_case")]
pub enum PaymentKindParam {
    Card,
    DirectDebit,
    Manual,
}

impl From<PaymentKindParam> for PaymentKind {
    fn from(kind: PaymentKindParam) -> Self {
        match kind {
            PaymentKindParam::Card => Self::Card,
            PaymentKindParam::DirectDebit => Self::DirectDebit,
            PaymentKindParam::Manual => Self::Manual,
        }
    }
}

impl From<PaymentKind> for PaymentKindParam {
    fn from(kind: PaymentKind) -> Self {
        match kind {
            PaymentKind::Card => Self::Card,
            PaymentKind::DirectDebit => Self::DirectDebit,
            PaymentKind::Manual => Self::Manual,
        }
    }
}

fn period_unit(unit: PeriodUnitParam) -> PeriodUnit {
    match unit {
        PeriodUnitParam::Week => PeriodUnit::Week,
        PeriodUnitParam::Month => PeriodUnit::Month,
        PeriodUnitParam::Year => PeriodUnit::Year,
    }
}

/// A membership type.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct MembershipTypeView {
    pub id: Uuid,
    pub name: String,
    pub rate: Amount,
    pub currency: String,
    pub period_unit: PeriodUnitParam,
    pub period_every: u32,
    /// Credits granted each period (ME-16).
    pub credits: u32,
    pub payment_method: PaymentKindParam,
    /// CO-10: the subscription product whose code holds each paid period's appointments.
    pub appointments_product_id: Option<Uuid>,
    /// ME-17: the day every membership is billed on ("Mon", "15" or "03-01" as the period
    /// is); absent when each is billed on its start date.
    pub fixed_day: Option<String>,
    /// ME-17: a mid-cycle start pays the pro-rated part of its first period.
    pub prorate: bool,
    /// Send it back with a change (PL-11).
    pub version: i64,
}

impl From<&MembershipType> for MembershipTypeView {
    fn from(t: &MembershipType) -> Self {
        Self {
            id: t.id().as_uuid(),
            name: t.name().as_str().to_owned(),
            rate: Amount(t.rate().amount_text()),
            currency: t.rate().currency().code().to_owned(),
            period_unit: t.period().unit().into(),
            period_every: t.period().every(),
            credits: t.grants().credits(),
            payment_method: t.payment().into(),
            appointments_product_id: t
                .grants()
                .appointments()
                .map(|grant| grant.product_id().as_uuid()),
            fixed_day: match t.alignment() {
                Alignment::StartDate => None,
                Alignment::FixedDay { anchor, .. } => Some(anchor.to_string()),
            },
            prorate: matches!(t.alignment(), Alignment::FixedDay { prorate: true, .. }),
            version: t.version().get(),
        }
    }
}

/// A membership type's details (ME-1).
#[derive(Debug, Object)]
#[oai(deny_unknown_fields)]
pub struct MembershipTypeParams {
    /// The version the change is based on (PL-11); only when changing a type.
    pub version: Option<i64>,
    pub name: Text,
    /// The price per period, more than zero.
    pub rate: Amount,
    /// ISO-4217 code; must be the business's currency (the default).
    pub currency: Option<Text>,
    pub period_unit: PeriodUnitParam,
    /// Every this many periods (default 1).
    #[oai(validator(minimum(value = "1"), maximum(value = "52")))]
    pub period_every: Option<u32>,
    /// Credits granted each period (default 0).
    #[oai(validator(minimum(value = "0"), maximum(value = "1000")))]
    pub credits: Option<u32>,
    pub payment_method: PaymentKindParam,
    /// CO-10: a subscription product of the same period whose code holds each paid
    /// period's appointments (its per-period count).
    pub appointments_product_id: Option<Uuid>,
    /// ME-17: bill every membership on this day: a weekday ("Mon") for weekly periods, a
    /// day of the month ("1" to "31", the last day in shorter months) for monthly ones, a
    /// month and day ("03-01") for yearly ones. Absent: each on its start date.
    pub fixed_day: Option<Text>,
    /// ME-17: with a fixed day, a mid-cycle start pays the pro-rated part of its first
    /// period (default false: it is free).
    pub prorate: Option<bool>,
}

impl MembershipTypeParams {
    fn request(self) -> MembershipTypeRequest {
        MembershipTypeRequest {
            name: self.name.0,
            rate: self.rate.0,
            currency: opt(self.currency),
            period_unit: period_unit(self.period_unit),
            period_every: self.period_every.unwrap_or(1),
            credits: self.credits.unwrap_or(0),
            payment: self.payment_method.into(),
            appointments_product_id: self.appointments_product_id.map(ProductId::from_uuid),
            fixed_day: opt(self.fixed_day),
            prorate: self.prorate.unwrap_or(false),
        }
    }
}

#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct MembershipTypePage {
    pub items: Vec<MembershipTypeView>,
    /// Pass it as `cursor` for the next page; absent on the last page.
    pub next_cursor: Option<String>,
}

#[derive(ApiResponse)]
pub enum CreateTypeResponse {
    /// The type was created.
    #[oai(status = 201)]
    Created(Json<MembershipTypeView>),
}

pub struct MembershipTypesApi {
    pub app: Clientele,
}

#[OpenApi(prefix_path = "/v1", tag = "ApiTags::Memberships")]
impl MembershipTypesApi {
    /// The business's membership types, by id.
    #[oai(
        path = "/membership-types",
        method = "get",
        operation_id = "list_membership_types"
    )]
    async fn list_types(
        &self,
        auth: StaffToken,
        /// Page size, 1 to 1000 (default 500).
        #[oai(validator(minimum(value = "1"), maximum(value = "1000")))]
        limit: Query<Option<u32>>,
        /// `next_cursor` of the previous page.
        cursor: Query<Option<String>>,
    ) -> Result<Json<MembershipTypePage>, Problems<{ MALFORM | UNAUTHENTICATE }>> {
        let actor = auth.actor(&self.app).await?;
        let page = self
            .app
            .list_membership_types(&actor, page_limit(limit.0)?, cursor.0.as_deref())
            .await?;
        Ok(Json(MembershipTypePage {
            items: page.items.iter().map(Into::into).collect(),
            next_cursor: page.next_cursor,
        }))
    }

    /// Define a membership type (owner, admin; ME-1).
    #[oai(
        path = "/membership-types",
        method = "post",
        operation_id = "create_membership_type"
    )]
    async fn create_type(
        &self,
        auth: StaffToken,
        body: Json<MembershipTypeParams>,
    ) -> Result<CreateTypeResponse, Problems<{ UNAUTHENTICATE | FORBID | TAKE_BODY | BREAK_RULE }>>
    {
        let actor = auth.actor(&self.app).await?;
        let kind = self
            .app
            .create_membership_type(&actor, &body.0.request())
            .await?;
        Ok(CreateTypeResponse::Created(Json((&kind).into())))
    }

    /// One membership type.
    #[oai(
        path = "/membership-types/:id",
        method = "get",
        operation_id = "get_membership_type"
    )]
    async fn get_type(
        &self,
        auth: StaffToken,
        id: Path<Uuid>,
    ) -> Result<Json<MembershipTypeView>, Problems<{ MALFORM | UNAUTHENTICATE | MISS }>> {
        let actor = auth.actor(&self.app).await?;
        let kind = self
            .app
            .membership_type(&actor, MembershipTypeId::from_uuid(id.0))
            .await?;
        Ok(Json((&kind).into()))
    }

    /// Replace a membership type's details (owner, admin); existing memberships keep their
    /// rate and billing day. `version` is required.
    #[oai(
        path = "/membership-types/:id",
        method = "put",
        operation_id = "update_membership_type"
    )]
    async fn update_type(
        &self,
        auth: StaffToken,
        id: Path<Uuid>,
        body: Json<MembershipTypeParams>,
    ) -> Result<Json<MembershipTypeView>, Problems<CHANGE>> {
        let actor = auth.actor(&self.app).await?;
        let version = body.0.version.ok_or_else(|| {
            crate::problem::ProblemResponse::unprocessable(
                "version",
                "the version the change is based on",
            )
        })?;
        let kind = self
            .app
            .update_membership_type(
                &actor,
                MembershipTypeId::from_uuid(id.0),
                Version::new(version),
                &body.0.request(),
            )
            .await?;
        Ok(Json((&kind).into()))
    }
}
