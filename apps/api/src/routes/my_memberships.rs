//! ME-12 through a client account (AC-7): the memberships of the business's clients with
//! the account's verified email, and the same self-service as the signed link offers.
//! Another client's membership is not found.

use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::{Object, OpenApi};
use uuid::Uuid;

use clientele_application::Clientele;
use clientele_application::accounts::AccountActor;
use clientele_application::membership_mandates::MandateInput;
use clientele_application::self_service::ClientSide;
use clientele_domain::MembershipId;

use super::membership_payments::ChargePage;
use super::payments::NewCardParams;
use super::self_service::{MandateParams, OwnMembershipView, OwnPauseParams};
use super::{ApiTags, page_limit};
use crate::problem::Problems;
use crate::problem::can::*;
use crate::security::ClientSession;

/// A page of the account's memberships, newest first.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct MyMembershipPage {
    pub items: Vec<OwnMembershipView>,
    /// Pass it as `cursor` for the next page; absent on the last page.
    pub next_cursor: Option<String>,
}

/// The account's membership `id`.
fn mine(actor: &AccountActor, id: Uuid) -> ClientSide<'_> {
    ClientSide::Account(actor, MembershipId::from_uuid(id))
}

/// A membership as it is after a change.
type Changed<const C: u16> = Result<Json<OwnMembershipView>, Problems<C>>;

pub struct MyMembershipsApi {
    pub app: Clientele,
}

#[OpenApi(prefix_path = "/v1/me/memberships", tag = "ApiTags::Accounts")]
impl MyMembershipsApi {
    /// The account's memberships (AC-7): those of the business's clients with its email,
    /// once verified; newest first.
    #[oai(path = "/", method = "get", operation_id = "list_my_memberships")]
    async fn list(
        &self,
        auth: ClientSession,
        /// Page size, 1 to 1000 (default 500).
        #[oai(validator(minimum(value = "1"), maximum(value = "1000")))]
        limit: Query<Option<u32>>,
        /// `next_cursor` of the previous page.
        cursor: Query<Option<String>>,
    ) -> Result<Json<MyMembershipPage>, Problems<{ MALFORM | UNAUTHENTICATE }>> {
        let actor = auth.actor(&self.app).await?;
        let page = self
            .app
            .my_memberships(&actor, page_limit(limit.0)?, cursor.0.as_deref())
            .await?;
        Ok(Json(MyMembershipPage {
            items: page.items.iter().map(Into::into).collect(),
            next_cursor: page.next_cursor,
        }))
    }

    /// One of the account's memberships.
    #[oai(path = "/:id", method = "get", operation_id = "get_my_membership")]
    async fn get(
        &self,
        auth: ClientSession,
        id: Path<Uuid>,
    ) -> Changed<{ MALFORM | UNAUTHENTICATE | MISS }> {
        let actor = auth.actor(&self.app).await?;
        let own = self.app.self_service_membership(mine(&actor, id.0)).await?;
        Ok(Json((&own).into()))
    }

    /// The payments of one of the account's memberships, newest first (ME-12).
    #[oai(
        path = "/:id/charges",
        method = "get",
        operation_id = "list_my_membership_charges"
    )]
    async fn charges(
        &self,
        auth: ClientSession,
        id: Path<Uuid>,
        /// Page size, 1 to 1000 (default 500).
        #[oai(validator(minimum(value = "1"), maximum(value = "1000")))]
        limit: Query<Option<u32>>,
        /// `next_cursor` of the previous page.
        cursor: Query<Option<String>>,
    ) -> Result<Json<ChargePage>, Problems<{ MALFORM | UNAUTHENTICATE | MISS }>> {
        let actor = auth.actor(&self.app).await?;
        let page = self
            .app
            .self_service_charges(
                mine(&actor, id.0),
                page_limit(limit.0)?,
                cursor.0.as_deref(),
            )
            .await?;
        Ok(Json(ChargePage {
            items: page.items.iter().map(Into::into).collect(),
            next_cursor: page.next_cursor,
        }))
    }

    /// Pay with another card (ME-12). After a failed payment, the outstanding payment is
    /// taken at once with it, and the membership is active again when it succeeds.
    #[oai(path = "/:id/card", method = "put", operation_id = "update_my_card")]
    async fn card(
        &self,
        auth: ClientSession,
        id: Path<Uuid>,
        body: Json<NewCardParams>,
    ) -> Changed<
        { MALFORM | UNAUTHENTICATE | MISS | CONFLICT | TAKE_BODY | BREAK_RULE | BE_UNAVAILABLE },
    > {
        let actor = auth.actor(&self.app).await?;
        let card = body.0.into();
        let own = self
            .app
            .self_service_card(mine(&actor, id.0), &card)
            .await?;
        Ok(Json((&own).into()))
    }

    /// Set up the requested direct-debit mandate with your bank details (ME-15).
    #[oai(
        path = "/:id/mandate",
        method = "put",
        operation_id = "set_up_my_mandate"
    )]
    async fn mandate(
        &self,
        auth: ClientSession,
        id: Path<Uuid>,
        body: Json<MandateParams>,
    ) -> Changed<
        { MALFORM | UNAUTHENTICATE | MISS | CONFLICT | TAKE_BODY | BREAK_RULE | BE_UNAVAILABLE },
    > {
        let actor = auth.actor(&self.app).await?;
        let input = MandateInput {
            iban: body.0.iban.into_inner(),
            account_holder: body.0.account_holder.into_inner(),
        };
        let own = self
            .app
            .self_service_mandate(mine(&actor, id.0), &input)
            .await?;
        Ok(Json((&own).into()))
    }

    /// Pause until a day (`until`) or for a number of billing periods (`periods`): no
    /// payment meanwhile; billing resumes on its usual day (ME-20).
    #[oai(
        path = "/:id/pause",
        method = "post",
        operation_id = "pause_my_membership"
    )]
    async fn pause(
        &self,
        auth: ClientSession,
        id: Path<Uuid>,
        body: Json<OwnPauseParams>,
    ) -> Changed<{ MALFORM | UNAUTHENTICATE | MISS | CONFLICT | TAKE_BODY | BREAK_RULE }> {
        let actor = auth.actor(&self.app).await?;
        let pause = super::memberships::pause(body.0.until, body.0.periods)?;
        let own = self
            .app
            .self_service_pause(mine(&actor, id.0), pause)
            .await?;
        Ok(Json((&own).into()))
    }

    /// End a pause early (ME-20).
    #[oai(
        path = "/:id/resume",
        method = "post",
        operation_id = "resume_my_membership"
    )]
    async fn resume(
        &self,
        auth: ClientSession,
        id: Path<Uuid>,
    ) -> Changed<{ MALFORM | UNAUTHENTICATE | MISS | CONFLICT }> {
        let actor = auth.actor(&self.app).await?;
        let own = self.app.self_service_resume(mine(&actor, id.0)).await?;
        Ok(Json((&own).into()))
    }

    /// Cancel the membership: no further payments (ME-12).
    #[oai(
        path = "/:id/cancel",
        method = "post",
        operation_id = "cancel_my_membership"
    )]
    async fn cancel(
        &self,
        auth: ClientSession,
        id: Path<Uuid>,
    ) -> Changed<{ MALFORM | UNAUTHENTICATE | MISS | CONFLICT }> {
        let actor = auth.actor(&self.app).await?;
        let own = self.app.self_service_cancel(mine(&actor, id.0)).await?;
        Ok(Json((&own).into()))
    }

    /// Reactivate a cancelled membership; if its paid period is over, it is billed again
    /// from today (ME-12).
    #[oai(
        path = "/:id/reactivate",
        method = "post",
        operation_id = "reactivate_my_membership"
    )]
    async fn reactivate(
        &self,
        auth: ClientSession,
        id: Path<Uuid>,
    ) -> Changed<{ MALFORM | UNAUTHENTICATE | MISS | CONFLICT }> {
        let actor = auth.actor(&self.app).await?;
        let own = self.app.self_service_reactivate(mine(&actor, id.0)).await?;
        Ok(Json((&own).into()))
    }
}
