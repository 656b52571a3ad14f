//! Payments (AP-5 to AP-8, PL-10, PL-19): clients' stored cards, charging, invoicing,
//! marking as paid in person, refunds. Every route that moves money or sends mail takes
//! an `Idempotency-Key` header.

use chrono::{DateTime, Utc};
use poem_openapi::param::{Header, Path};
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Object, OpenApi};
use uuid::Uuid;

use clientele_application::Clientele;
use clientele_application::payments::{NewCard, PaymentOutcome, RefundOptions};
use clientele_domain::appointment::Appointment;
use clientele_domain::payment::{Invoice, Payment, PaymentDirection, PaymentMeans, PaymentMethod};
use clientele_domain::{AppointmentId, ClientId, PaymentMethodId};

use super::ApiTags;
use super::appointments::AppointmentView;
use crate::idempotency::{IdempotencyKey, once, request_key};
use crate::problem::Problems;
use crate::problem::can::*;
use crate::security::StaffToken;
use crate::text::{Amount, Text, opt};

/// A stored card: the processor keeps the number; we keep its token, brand and last four.
#[derive(Debug, Object)]
pub struct PaymentMethodView {
    pub id: Uuid,
    pub client_id: Uuid,
    pub processor: String,
    pub brand: String,
    pub last4: String,
    pub created_at: DateTime<Utc>,
}

impl From<&PaymentMethod> for PaymentMethodView {
    fn from(m: &PaymentMethod) -> Self {
        Self {
            id: m.id.as_uuid(),
            client_id: m.client_id.as_uuid(),
            processor: m.processor.as_str().to_owned(),
            brand: m.brand.clone(),
            last4: m.last4.clone(),
            created_at: m.created_at,
        }
    }
}

/// A card to store. Test numbers are in the README.
#[derive(Debug, Object)]
#[oai(deny_unknown_fields)]
pub struct NewCardParams {
    pub number: Text,
    /// 1 to 12.
    pub exp_month: i64,
    /// Four digits, e.g. 2031.
    pub exp_year: i64,
    pub cvc: Text,
}

impl From<NewCardParams> for NewCard {
    fn from(p: NewCardParams) -> Self {
        Self {
            number: p.number.0,
            // Out of the stored types' range is out of every valid range: refused as such.
            exp_month: u32::try_from(p.exp_month).unwrap_or(0),
            exp_year: i32::try_from(p.exp_year).unwrap_or(0),
            cvc: p.cvc.0,
        }
    }
}

/// A payment or refund.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct PaymentView {
    pub id: Uuid,
    pub appointment_id: Uuid,
    /// `charge` or `refund`.
    pub direction: String,
    pub amount: Amount,
    pub currency: String,
    pub processor: String,
    /// `card` or the payment type (`cash`, …).
    pub means: String,
    pub card_brand: Option<String>,
    pub card_last4: Option<String>,
    pub reference: String,
    /// For a refund: the charge it gives money back from.
    pub refund_of: Option<Uuid>,
    /// For a charge: how much of it was refunded.
    pub refunded: Option<Amount>,
    pub actor_id: Uuid,
    pub created_at: DateTime<Utc>,
}

impl From<&Payment> for PaymentView {
    fn from(p: &Payment) -> Self {
        let (means, card_brand, card_last4) = match &p.means {
            PaymentMeans::Card { brand, last4 } => {
                ("card".to_owned(), Some(brand.clone()), Some(last4.clone()))
            }
            PaymentMeans::Manual(kind) => (kind.as_str().to_owned(), None, None),
        };
        Self {
            id: p.id.as_uuid(),
            appointment_id: p.appointment_id.as_uuid(),
            direction: p.direction.as_str().to_owned(),
            amount: Amount(p.amount.amount_text()),
            currency: p.amount.currency().code().to_owned(),
            processor: p.processor.as_str().to_owned(),
            means,
            card_brand,
            card_last4,
            reference: p.reference.clone(),
            refund_of: p.refund_of.map(|id| id.as_uuid()),
            refunded: (p.direction == PaymentDirection::Charge)
                .then(|| Amount(p.refunded.amount_text())),
            actor_id: p.actor.as_uuid(),
            created_at: p.created_at,
        }
    }
}

/// What a payment request changed.
#[derive(Debug, Object)]
pub struct PaymentOutcomeView {
    pub appointment: AppointmentView,
    /// The payments and refunds this request recorded.
    pub recorded: Vec<PaymentView>,
}

impl From<&PaymentOutcome> for PaymentOutcomeView {
    fn from(o: &PaymentOutcome) -> Self {
        Self {
            appointment: (&o.appointment).into(),
            recorded: o.recorded.iter().map(Into::into).collect(),
        }
    }
}

/// An invoice.
#[derive(Debug, Object)]
pub struct InvoiceView {
    pub id: Uuid,
    pub number: String,
    pub appointment_id: Uuid,
    pub amount: Amount,
    pub currency: String,
    pub created_at: DateTime<Utc>,
}

impl From<&Invoice> for InvoiceView {
    fn from(i: &Invoice) -> Self {
        Self {
            id: i.id.as_uuid(),
            number: i.number.clone(),
            appointment_id: i.appointment_id.as_uuid(),
            amount: Amount(i.amount.amount_text()),
            currency: i.amount.currency().code().to_owned(),
            created_at: i.created_at,
        }
    }
}

/// A charge of a stored card.
#[derive(Debug, Object)]
#[oai(deny_unknown_fields)]
pub struct CardChargeParams {
    pub payment_method_id: Uuid,
    /// Default: what is due. Less is a deposit.
    pub amount: Option<Amount>,
}

/// A payment in person of what is due.
#[derive(Debug, Object)]
#[oai(deny_unknown_fields)]
pub struct InPersonParams {
    /// One of the business's payment types; default its first.
    pub payment_type: Option<Text>,
}

/// A refund of part of what was paid (AP-8).
#[derive(Debug, Object)]
#[oai(deny_unknown_fields)]
pub struct RefundParams {
    /// At most what was paid and not refunded yet.
    pub amount: Amount,
    /// Email the client that they were refunded.
    #[oai(default)]
    pub refund_email: bool,
}

/// An empty body.
#[derive(Debug, Object)]
#[oai(deny_unknown_fields)]
pub struct NoParams {}

#[derive(ApiResponse)]
pub enum StoreCardResponse {
    /// The card was stored.
    #[oai(status = 201)]
    Created(Json<PaymentMethodView>),
}

pub struct PaymentsApi {
    pub app: Clientele,
}

#[OpenApi(prefix_path = "/v1", tag = "ApiTags::Payments")]
impl PaymentsApi {
    /// Store a card for a client with the active processor (PL-19).
    #[oai(
        path = "/clients/:id/cards",
        method = "post",
        operation_id = "store_card"
    )]
    async fn store_card(
        &self,
        auth: StaffToken,
        id: Path<Uuid>,
        body: Json<NewCardParams>,
    ) -> Result<
        StoreCardResponse,
        Problems<{ MALFORM | UNAUTHENTICATE | MISS | TAKE_BODY | BREAK_RULE | BE_UNAVAILABLE }>,
    > {
        let actor = auth.actor(&self.app).await?;
        let card: NewCard = body.0.into();
        let method = self
            .app
            .store_card(&actor, ClientId::from_uuid(id.0), &card)
            .await?;
        Ok(StoreCardResponse::Created(Json((&method).into())))
    }

    /// A client's stored cards.
    #[oai(
        path = "/clients/:id/cards",
        method = "get",
        operation_id = "list_cards"
    )]
    async fn cards(
        &self,
        auth: StaffToken,
        id: Path<Uuid>,
    ) -> Result<Json<Vec<PaymentMethodView>>, Problems<{ MALFORM | UNAUTHENTICATE | MISS }>> {
        let actor = auth.actor(&self.app).await?;
        let methods = self
            .app
            .payment_methods(&actor, ClientId::from_uuid(id.0))
            .await?;
        Ok(Json(methods.iter().map(Into::into).collect()))
    }

    /// An appointment's payments and refunds, newest first.
    #[oai(
        path = "/appointments/:id/payments",
        method = "get",
        operation_id = "list_payments"
    )]
    async fn payments(
        &self,
        auth: StaffToken,
        id: Path<Uuid>,
    ) -> Result<Json<Vec<PaymentView>>, Problems<{ MALFORM | UNAUTHENTICATE | MISS }>> {
        let actor = auth.actor(&self.app).await?;
        let payments = self
            .app
            .appointment_payments(&actor, AppointmentId::from_uuid(id.0))
            .await?;
        Ok(Json(payments.iter().map(Into::into).collect()))
    }

    /// Charge a stored card of the appointment's client (AP-6).
    #[oai(
        path = "/appointments/:id/payments/card",
        method = "post",
        operation_id = "charge_card"
    )]
    async fn charge_card(
        &self,
        auth: StaffToken,
        id: Path<Uuid>,
        #[oai(name = "Idempotency-Key")] key: Header<Option<IdempotencyKey>>,
        body: Json<CardChargeParams>,
    ) -> Result<
        Json<PaymentOutcomeView>,
        Problems<
            {
                MALFORM | UNAUTHENTICATE | MISS | CONFLICT | TAKE_BODY | BREAK_RULE | BE_UNAVAILABLE
            },
        >,
    > {
        let actor = auth.actor(&self.app).await?;
        let request_key = request_key(key.0.as_deref());
        let (app, who, p) = (&self.app, &actor, &body.0);
        once(
            app,
            who,
            key.0.as_deref(),
            &format!("charge_card:{}", id.0),
            p,
            outcome_view,
            |completion| async move {
                Ok(app
                    .charge_card(
                        who,
                        AppointmentId::from_uuid(id.0),
                        PaymentMethodId::from_uuid(p.payment_method_id),
                        p.amount.as_ref().map(|a| a.0.as_str()),
                        &request_key,
                        completion,
                    )
                    .await?)
            },
        )
        .await
        .map_err(Into::into)
    }

    /// Mark what is due as paid in person (AP-6). It cannot be undone.
    #[oai(
        path = "/appointments/:id/payments/in-person",
        method = "post",
        operation_id = "mark_paid"
    )]
    async fn mark_paid(
        &self,
        auth: StaffToken,
        id: Path<Uuid>,
        #[oai(name = "Idempotency-Key")] key: Header<Option<IdempotencyKey>>,
        body: Json<InPersonParams>,
    ) -> Result<
        Json<PaymentOutcomeView>,
        Problems<{ MALFORM | UNAUTHENTICATE | MISS | CONFLICT | TAKE_BODY | BREAK_RULE }>,
    > {
        let actor = auth.actor(&self.app).await?;
        let request_key = request_key(key.0.as_deref());
        let (app, who, p) = (&self.app, &actor, &body.0);
        once(
            app,
            who,
            key.0.as_deref(),
            &format!("mark_paid:{}", id.0),
            p,
            outcome_view,
            |completion| async move {
                let payment_type = opt(p.payment_type.clone());
                Ok(app
                    .mark_paid(
                        who,
                        AppointmentId::from_uuid(id.0),
                        payment_type.as_deref(),
                        &request_key,
                        completion,
                    )
                    .await?)
            },
        )
        .await
        .map_err(Into::into)
    }

    /// Invoice what is due and email the invoice to the client (AP-6).
    #[oai(
        path = "/appointments/:id/invoice",
        method = "post",
        operation_id = "invoice_appointment"
    )]
    async fn invoice(
        &self,
        auth: StaffToken,
        id: Path<Uuid>,
        #[oai(name = "Idempotency-Key")] key: Header<Option<IdempotencyKey>>,
        body: Json<NoParams>,
    ) -> Result<
        Json<InvoiceView>,
        Problems<{ MALFORM | UNAUTHENTICATE | MISS | CONFLICT | TAKE_BODY | BREAK_RULE }>,
    > {
        let actor = auth.actor(&self.app).await?;
        let (app, who) = (&self.app, &actor);
        once(
            app,
            who,
            key.0.as_deref(),
            &format!("invoice:{}", id.0),
            &body.0,
            |(_, invoice): &(Appointment, Invoice)| Json(invoice.into()),
            |completion| async move {
                Ok(app
                    .invoice_appointment(who, AppointmentId::from_uuid(id.0), completion)
                    .await?)
            },
        )
        .await
        .map_err(Into::into)
    }

    /// Refund part of what was paid (AP-8): never more than what is left.
    #[oai(
        path = "/appointments/:id/refunds",
        method = "post",
        operation_id = "refund_appointment"
    )]
    async fn refund(
        &self,
        auth: StaffToken,
        id: Path<Uuid>,
        #[oai(name = "Idempotency-Key")] key: Header<Option<IdempotencyKey>>,
        body: Json<RefundParams>,
    ) -> Result<
        Json<PaymentOutcomeView>,
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
        once(
            app,
            who,
            key.0.as_deref(),
            &format!("refund:{}", id.0),
            p,
            outcome_view,
            |completion| async move {
                Ok(app
                    .refund_appointment(
                        who,
                        AppointmentId::from_uuid(id.0),
                        &p.amount.0,
                        RefundOptions {
                            refund_email: p.refund_email,
                        },
                        &request_key,
                        completion,
                    )
                    .await?)
            },
        )
        .await
        .map_err(Into::into)
    }
}

/// The answer to a change of an appointment's payments.
fn outcome_view(outcome: &PaymentOutcome) -> Json<PaymentOutcomeView> {
    Json(outcome.into())
}
