//! ME-13: staff record a payment made outside the processor; with an `Idempotency-Key`, a
//! repeat records nothing more and answers the first answer again (PL-10).

use poem_openapi::param::{Header, Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::{Object, OpenApi};
use uuid::Uuid;

use clientele_application::Clientele;
use clientele_application::membership_payments::{RecordPayment, Recorded};
use clientele_domain::{MembershipId, PaymentMethodId, Version};

use super::memberships::{ChargeView, MembershipView, VersionParams};
use super::{ApiTags, page_limit};
use crate::idempotency::{IdempotencyKey, once, request_key};
use crate::problem::Problems;
use crate::problem::can::*;
use crate::security::StaffToken;
use crate::text::{Text, opt};

/// A payment made outside the processor (ME-13).
#[derive(Debug, Clone, Object)]
pub struct RecordPaymentParams {
    /// One of the business's payment types (`cash`, `cheque`…); its first by default.
    pub payment_type: Option<Text>,
    /// The membership's version the payment is based on (PL-11).
    pub version: i64,
}

/// The membership after the payment, and the charge recording it.
#[derive(Debug, Object)]
pub struct RecordedView {
    pub membership: MembershipView,
    pub charge: ChargeView,
}

fn recorded_view(recorded: &Recorded) -> Json<RecordedView> {
    Json(RecordedView {
        membership: (&recorded.membership).into(),
        charge: (&recorded.charge).into(),
    })
}

/// Another of the client's stored cards for a membership (ME-11).
#[derive(Debug, Clone, Object)]
#[oai(deny_unknown_fields)]
pub struct MembershipCardParams {
    /// One of the client's stored cards (`POST /v1/clients/{id}/cards`).
    pub card_id: Uuid,
    /// The membership's version the change is based on (PL-11).
    pub version: i64,
}

/// A page of a membership's charges, newest first.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct ChargePage {
    pub items: Vec<ChargeView>,
    /// Pass it as `cursor` for the next page; absent on the last page.
    pub next_cursor: Option<String>,
}

pub struct MembershipPaymentsApi {
    pub app: Clientele,
}

#[OpenApi(prefix_path = "/v1", tag = "ApiTags::Memberships")]
impl MembershipPaymentsApi {
    /// Request a direct-debit mandate (ME-15): until the client has set it up through the
    /// link emailed to them, the membership needs a mandate and is not charged. Only for
    /// a membership paid by direct debit.
    #[oai(
        path = "/memberships/:id/mandate",
        method = "post",
        operation_id = "request_mandate"
    )]
    async fn mandate(
        &self,
        auth: StaffToken,
        id: Path<Uuid>,
        body: Json<VersionParams>,
    ) -> Result<
        Json<MembershipView>,
        Problems<{ MALFORM | UNAUTHENTICATE | FORBID | MISS | CONFLICT | TAKE_BODY }>,
    > {
        let actor = auth.actor(&self.app).await?;
        let membership = self
            .app
            .request_mandate(
                &actor,
                MembershipId::from_uuid(id.0),
                Version::new(body.0.version),
            )
            .await?;
        Ok(Json((&membership).into()))
    }

    /// Pay a membership with another of the client's stored cards. A membership whose
    /// card was invalid (ME-14) runs again; after a failed payment the outstanding one is
    /// retried at once with the new card, and the membership is active again when it
    /// succeeds (ME-11, ME-12).
    #[oai(
        path = "/memberships/:id/card",
        method = "put",
        operation_id = "change_membership_card"
    )]
    async fn card(
        &self,
        auth: StaffToken,
        id: Path<Uuid>,
        body: Json<MembershipCardParams>,
    ) -> Result<
        Json<MembershipView>,
        Problems<{ MALFORM | UNAUTHENTICATE | FORBID | MISS | CONFLICT | TAKE_BODY | BREAK_RULE }>,
    > {
        let actor = auth.actor(&self.app).await?;
        let membership = self
            .app
            .change_membership_card(
                &actor,
                MembershipId::from_uuid(id.0),
                Version::new(body.0.version),
                PaymentMethodId::from_uuid(body.0.card_id),
            )
            .await?;
        Ok(Json((&membership).into()))
    }

    /// Every charge of a membership — processor charges, retries, payments recorded by
    /// staff — newest first (ME-19).
    #[oai(
        path = "/memberships/:id/charges",
        method = "get",
        operation_id = "list_membership_charges"
    )]
    async fn charges(
        &self,
        auth: StaffToken,
        id: Path<Uuid>,
        /// Page size, 1 to 1000 (default 500).
        #[oai(validator(minimum(value = "1"), maximum(value = "1000")))]
        limit: Query<Option<u32>>,
        /// `next_cursor` of the previous page.
        cursor: Query<Option<String>>,
    ) -> Result<Json<ChargePage>, Problems<{ MALFORM | UNAUTHENTICATE | FORBID | MISS }>> {
        let actor = auth.actor(&self.app).await?;
        let page = self
            .app
            .membership_charges(
                &actor,
                MembershipId::from_uuid(id.0),
                page_limit(limit.0)?,
                cursor.0.as_deref(),
            )
            .await?;
        Ok(Json(ChargePage {
            items: page.items.iter().map(Into::into).collect(),
            next_cursor: page.next_cursor,
        }))
    }

    /// Record a payment made outside the processor: it pays the outstanding period (after
    /// a decline) or the period due, as a processor charge would (ME-13).
    #[oai(
        path = "/memberships/:id/payments",
        method = "post",
        operation_id = "record_membership_payment"
    )]
    async fn record(
        &self,
        auth: StaffToken,
        id: Path<Uuid>,
        #[oai(name = "Idempotency-Key")] key: Header<Option<IdempotencyKey>>,
        body: Json<RecordPaymentParams>,
    ) -> Result<
        Json<RecordedView>,
        Problems<
            {
                MALFORM
                    | UNAUTHENTICATE
                    | FORBID
                    | MISS
                    | CONFLICT
                    | TAKE_BODY
                    | BREAK_RULE
                    | BE_UNAVAILABLE
            },
        >,
    > {
        let actor = auth.actor(&self.app).await?;
        let request_key = request_key(key.0.as_deref());
        let (app, who, p) = (&self.app, &actor, &body.0);
        let payment = RecordPayment {
            payment_type: opt(p.payment_type.clone()),
            version: Version::new(p.version),
        };
        let id = MembershipId::from_uuid(id.0);
        once(
            app,
            who,
            key.0.as_deref(),
            "record_membership_payment",
            p,
            recorded_view,
            |completion| async move {
                Ok(app
                    .record_membership_payment(who, id, &payment, &request_key, completion)
                    .await?)
            },
        )
        .await
        .map_err(Into::into)
    }
}
