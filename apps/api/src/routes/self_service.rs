//! ME-12: a client's own membership, through the signed link in their receipts and
//! "payment failed" emails — no login. A changed or made-up link is a 401, an expired
//! one a 403, and neither says anything of a membership.

use chrono::NaiveDate;
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::{Object, OpenApi};
use uuid::Uuid;

use clientele_application::Clientele;
use clientele_application::membership_mandates::MandateInput;
use clientele_application::self_service::{ClientSide, SelfServiceMembership};
use clientele_domain::membership::Membership;

use super::membership_payments::ChargePage;
use super::memberships::{ReasonParam, StatusParam, status_of};
use super::payments::NewCardParams;
use super::{ApiTags, page_limit};
use crate::problem::Problems;
use crate::problem::can::*;
use crate::text::{Amount, Text};

/// What a client sees of their membership.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct OwnMembershipView {
    pub id: Uuid,
    pub business_name: String,
    pub number: String,
    pub type_name: String,
    pub rate: Amount,
    pub currency: String,
    pub status: StatusParam,
    pub reason: Option<ReasonParam>,
    pub member_since: NaiveDate,
    pub end_date: Option<NaiveDate>,
    pub next_billing_date: NaiveDate,
    pub paused_until: Option<NaiveDate>,
    pub cancelled_on: Option<NaiveDate>,
    /// "visa •••• 4242", "manual"…
    pub payment_method: String,
}

fn own_view(business_name: &str, type_name: &str, m: &Membership) -> OwnMembershipView {
    let (status, reason) = status_of(m.status());
    OwnMembershipView {
        id: m.id().as_uuid(),
        business_name: business_name.to_owned(),
        number: m.number().to_string(),
        type_name: type_name.to_owned(),
        rate: Amount(m.rate().amount().amount_text()),
        currency: m.rate().amount().currency().code().to_owned(),
        status,
        reason,
        member_since: m.member_since(),
        end_date: m.end_date(),
        next_billing_date: m.next_billing_date(),
        paused_until: m.paused_until(),
        cancelled_on: m.cancelled_on(),
        payment_method: m.payment_method().describe(),
    }
}

impl From<&SelfServiceMembership> for OwnMembershipView {
    fn from(s: &SelfServiceMembership) -> Self {
        own_view(&s.business_name, s.kind.name().as_str(), &s.membership)
    }
}

/// Bank details for a direct-debit mandate (ME-15); they go to the processor only.
#[derive(Debug, Object)]
#[oai(deny_unknown_fields)]
pub struct MandateParams {
    /// The account's IBAN (spaces allowed).
    pub iban: Text,
    pub account_holder: Text,
}

/// A pause (ME-20): `until` a day, or a number of `periods`.
#[derive(Debug, Object)]
#[oai(deny_unknown_fields)]
pub struct OwnPauseParams {
    /// The first day it is no longer paused.
    pub until: Option<NaiveDate>,
    /// That many billing periods.
    #[oai(validator(minimum(value = "1"), maximum(value = "120")))]
    pub periods: Option<u32>,
}

pub struct SelfServiceApi {
    pub app: Clientele,
}

#[OpenApi(prefix_path = "/v1/self-service", tag = "ApiTags::SelfService")]
impl SelfServiceApi {
    /// The membership the link is for.
    #[oai(
        path = "/:link/membership",
        method = "get",
        operation_id = "own_membership"
    )]
    async fn membership(
        &self,
        /// The signed link's token, as in the email.
        link: Path<String>,
    ) -> Result<Json<OwnMembershipView>, Problems<{ UNAUTHENTICATE | FORBID }>> {
        let own = self
            .app
            .self_service_membership(ClientSide::Link(&link.0))
            .await?;
        Ok(Json((&own).into()))
    }

    /// The payments of the membership, newest first.
    #[oai(
        path = "/:link/membership/charges",
        method = "get",
        operation_id = "list_own_membership_charges"
    )]
    async fn charges(
        &self,
        link: Path<String>,
        /// Page size, 1 to 1000 (default 500).
        #[oai(validator(minimum(value = "1"), maximum(value = "1000")))]
        limit: Query<Option<u32>>,
        /// `next_cursor` of the previous page.
        cursor: Query<Option<String>>,
    ) -> Result<Json<ChargePage>, Problems<{ MALFORM | UNAUTHENTICATE | FORBID }>> {
        let page = self
            .app
            .self_service_charges(
                ClientSide::Link(&link.0),
                page_limit(limit.0)?,
                cursor.0.as_deref(),
            )
            .await?;
        Ok(Json(ChargePage {
            items: page.items.iter().map(Into::into).collect(),
            next_cursor: page.next_cursor,
        }))
    }

    /// Pay with another card. After a failed payment, the outstanding payment is taken
    /// at once with it, and the membership is active again when it succeeds.
    #[oai(
        path = "/:link/membership/card",
        method = "put",
        operation_id = "update_own_card"
    )]
    async fn card(
        &self,
        link: Path<String>,
        body: Json<NewCardParams>,
    ) -> Result<
        Json<OwnMembershipView>,
        Problems<{ UNAUTHENTICATE | FORBID | CONFLICT | TAKE_BODY | BREAK_RULE | BE_UNAVAILABLE }>,
    > {
        let own = self
            .app
            .self_service_card(ClientSide::Link(&link.0), &body.0.into())
            .await?;
        Ok(Json((&own).into()))
    }

    /// Set up the requested direct-debit mandate with your bank details (ME-15). The bank
    /// may refuse it: the membership then still needs a mandate.
    #[oai(
        path = "/:link/membership/mandate",
        method = "put",
        operation_id = "set_up_own_mandate"
    )]
    async fn mandate(
        &self,
        link: Path<String>,
        body: Json<MandateParams>,
    ) -> Result<
        Json<OwnMembershipView>,
        Problems<{ UNAUTHENTICATE | FORBID | CONFLICT | TAKE_BODY | BREAK_RULE | BE_UNAVAILABLE }>,
    > {
        let input = MandateInput {
            iban: body.0.iban.into_inner(),
            account_holder: body.0.account_holder.into_inner(),
        };
        let own = self
            .app
            .self_service_mandate(ClientSide::Link(&link.0), &input)
            .await?;
        Ok(Json((&own).into()))
    }

    /// Pause the membership until a day (`until`) or for a number of billing periods
    /// (`periods`): no payment meanwhile; billing resumes on its usual day (ME-20).
    #[oai(
        path = "/:link/membership/pause",
        method = "post",
        operation_id = "pause_own_membership"
    )]
    async fn pause(
        &self,
        link: Path<String>,
        body: Json<OwnPauseParams>,
    ) -> Result<
        Json<OwnMembershipView>,
        Problems<{ UNAUTHENTICATE | FORBID | CONFLICT | TAKE_BODY | BREAK_RULE }>,
    > {
        let pause = super::memberships::pause(body.0.until, body.0.periods)?;
        let own = self
            .app
            .self_service_pause(ClientSide::Link(&link.0), pause)
            .await?;
        Ok(Json((&own).into()))
    }

    /// End a pause early: billing resumes on its usual day (ME-20).
    #[oai(
        path = "/:link/membership/resume",
        method = "post",
        operation_id = "resume_own_membership"
    )]
    async fn resume(
        &self,
        link: Path<String>,
    ) -> Result<Json<OwnMembershipView>, Problems<{ UNAUTHENTICATE | FORBID | CONFLICT }>> {
        let own = self
            .app
            .self_service_resume(ClientSide::Link(&link.0))
            .await?;
        Ok(Json((&own).into()))
    }

    /// Cancel the membership: no further payments.
    #[oai(
        path = "/:link/membership/cancel",
        method = "post",
        operation_id = "cancel_own_membership"
    )]
    async fn cancel(
        &self,
        link: Path<String>,
    ) -> Result<Json<OwnMembershipView>, Problems<{ UNAUTHENTICATE | FORBID | CONFLICT }>> {
        let own = self
            .app
            .self_service_cancel(ClientSide::Link(&link.0))
            .await?;
        Ok(Json((&own).into()))
    }

    /// Reactivate a cancelled membership; if its paid period is over, it is billed again
    /// from today.
    #[oai(
        path = "/:link/membership/reactivate",
        method = "post",
        operation_id = "reactivate_own_membership"
    )]
    async fn reactivate(
        &self,
        link: Path<String>,
    ) -> Result<Json<OwnMembershipView>, Problems<{ UNAUTHENTICATE | FORBID | CONFLICT }>> {
        let own = self
            .app
            .self_service_reactivate(ClientSide::Link(&link.0))
            .await?;
        Ok(Json((&own).into()))
    }
}
