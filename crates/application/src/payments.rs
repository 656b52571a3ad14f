//! Payments of appointments (AP-5 to AP-8, PL-19, PL-20): storing a card, charging it,
//! invoicing, marking as paid in person, and refunds — partial (from the appointment's
//! payments) or full (with a cancellation). The appointment's row is locked for the whole
//! change, so concurrent requests queue and a refund never exceeds what was paid.

use std::sync::Arc;

use chrono::{DateTime, Utc};

use thiserror::Error;

use clientele_domain::appointment::{Appointment, AppointmentStateError};
use clientele_domain::email::EmailKind;
use clientele_domain::payment::{
    Invoice, Payment, PaymentDirection, PaymentMeans, PaymentMethod, PaymentRuleError, PaymentType,
    ProcessorKind, allocate_refund,
};
use clientele_domain::{
    Actor, AppointmentId, Business, ClientId, FieldError, Forbidden, InvoiceId, Money, PaymentId,
    PaymentMethodId, ValidationErrors, Version,
};
use clientele_ports::payments::{
    CardInput, ChargeRequest, PaymentProcessor, ProcessorError, RefundRequest,
};
use clientele_ports::{StorageError, Transaction};

use crate::Clientele;
use crate::access::{
    AccessError, business_of, locked_appointment, visible_appointment, visible_client,
};
use crate::error::{Classify, ErrorKind};
use crate::idempotency::{Completion, complete_in};
use crate::redemption;
use crate::webhook_events::Resource;
use clientele_domain::webhook::EventType;

#[derive(Debug, Error)]
pub enum PaymentError {
    #[error(transparent)]
    Invalid(#[from] ValidationErrors),
    #[error("the appointment does not exist")]
    NotFound,
    #[error(transparent)]
    Rule(#[from] PaymentRuleError),
    #[error("the {processor} processor does not support {capability}")]
    Unsupported {
        processor: &'static str,
        capability: &'static str,
    },
    #[error("the payment was refused: {0}")]
    Refused(ProcessorError),
    #[error("the payment processor did not answer; nothing was done: try again")]
    ProcessorUnavailable(String),
    #[error("cannot do this now: {0}")]
    State(#[from] AppointmentStateError),
    #[error("the appointment was changed since the version you sent: read it again")]
    VersionConflict,
    #[error("this processor operation was already recorded")]
    AlreadyRecorded,
    #[error(transparent)]
    Access(AccessError),
    #[error(transparent)]
    Forbidden(#[from] Forbidden),
    #[error("no payment processors are configured")]
    NoProcessors,
    #[error(transparent)]
    Unexpected(StorageError),
}

impl Classify for PaymentError {
    fn kind(&self) -> ErrorKind {
        match self {
            Self::Invalid(_) | Self::Unsupported { .. } | Self::Refused(_) => {
                ErrorKind::RuleViolated
            }
            Self::Rule(PaymentRuleError::NothingDue) => ErrorKind::Conflict,
            Self::Rule(_) => ErrorKind::RuleViolated,
            Self::NotFound => ErrorKind::NotFound,
            Self::State(_) | Self::VersionConflict | Self::AlreadyRecorded => ErrorKind::Conflict,
            Self::Forbidden(_) => ErrorKind::Forbidden,
            Self::ProcessorUnavailable(_) => ErrorKind::Unavailable,
            Self::Access(error) => error.kind(),
            Self::NoProcessors | Self::Unexpected(_) => ErrorKind::Unexpected,
        }
    }

    fn field_errors(&self) -> &[FieldError] {
        match self {
            Self::Invalid(errors) => &errors.0,
            Self::Access(error) => error.field_errors(),
            _ => &[],
        }
    }
}

impl From<StorageError> for PaymentError {
    fn from(error: StorageError) -> Self {
        match error {
            StorageError::VersionConflict => Self::VersionConflict,
            StorageError::Duplicate("payment") => Self::AlreadyRecorded,
            other => Self::Unexpected(other),
        }
    }
}

impl From<AccessError> for PaymentError {
    fn from(error: AccessError) -> Self {
        match error {
            AccessError::AppointmentNotFound => Self::NotFound,
            AccessError::Storage(error) => error.into(),
            other => Self::Access(other),
        }
    }
}

impl From<ProcessorError> for PaymentError {
    fn from(error: ProcessorError) -> Self {
        match error {
            ProcessorError::Transient(why) => Self::ProcessorUnavailable(why),
            ProcessorError::Unsupported(capability) => Self::Unsupported {
                processor: "active",
                capability,
            },
            refused => Self::Refused(refused),
        }
    }
}

fn invalid(field: &str, message: impl Into<String>) -> PaymentError {
    PaymentError::Invalid(ValidationErrors::single(field, message))
}

/// A card as typed, before it goes to the processor.
#[derive(Clone)]
pub struct NewCard {
    pub number: String,
    pub exp_month: u32,
    pub exp_year: i32,
    pub cvc: String,
}

/// What a payment request changed.
#[derive(Debug, Clone)]
pub struct PaymentOutcome {
    pub appointment: Appointment,
    /// The payments and refunds this request recorded.
    pub recorded: Vec<Payment>,
}

/// What a refund asks for on top of giving money back.
#[derive(Debug, Clone, Copy, Default)]
pub struct RefundOptions {
    /// Email the client that they were refunded.
    pub refund_email: bool,
}

/// AP-7: what a cancellation asks for.
#[derive(Debug, Clone, Copy, Default)]
pub struct CancelOptions {
    /// Refund everything paid and not refunded yet.
    pub refund: bool,
    /// Email the client a cancellation notice.
    pub cancellation_email: bool,
    /// Email the client that they were refunded.
    pub refund_email: bool,
}

/// PL-20: the manual payment type named, which must be one of the business's, or else
/// its first one.
pub(crate) fn resolve_payment_type(
    business: &Business,
    payment_type: Option<&str>,
) -> Result<PaymentType, PaymentError> {
    let payment_type = match payment_type {
        Some(raw) => {
            PaymentType::parse(raw).map_err(|e| PaymentError::Invalid(ValidationErrors(vec![e])))?
        }
        None => business
            .settings
            .payment_types
            .first()
            .cloned()
            .ok_or_else(|| invalid("payment_type", "the business has no payment type"))?,
    };
    if !business.settings.payment_types.contains(&payment_type) {
        let known: Vec<&str> = business
            .settings
            .payment_types
            .iter()
            .map(PaymentType::as_str)
            .collect();
        return Err(invalid(
            "payment_type",
            format!(
                "`{}` is not one of the business's payment types: {}",
                payment_type.as_str(),
                known.join(", ")
            ),
        ));
    }
    Ok(payment_type)
}

/// AP-6: an invoice's number: its day in the business's zone and the end of its id.
pub(crate) fn invoice_number(business: &Business, now: DateTime<Utc>, id: uuid::Uuid) -> String {
    let simple = id.simple().to_string();
    format!(
        "INV-{}-{}",
        business.settings.time_zone.today(now).format("%Y%m%d"),
        &simple[simple.len() - 8..]
    )
}

pub(crate) fn require(
    processor: &dyn PaymentProcessor,
    capability: &'static str,
    has: bool,
) -> Result<(), PaymentError> {
    if has {
        Ok(())
    } else {
        Err(PaymentError::Unsupported {
            processor: processor.kind().as_str(),
            capability,
        })
    }
}

impl Clientele {
    pub(crate) fn processor(
        &self,
        kind: ProcessorKind,
    ) -> Result<Arc<dyn PaymentProcessor>, PaymentError> {
        Ok(self
            .processors
            .as_ref()
            .ok_or(PaymentError::NoProcessors)?
            .processor(kind))
    }

    /// PL-19: stores a client's card with the active processor: only its token, brand and
    /// last four digits are kept.
    pub async fn store_card(
        &self,
        actor: &Actor,
        client: ClientId,
        card: &NewCard,
    ) -> Result<PaymentMethod, PaymentError> {
        let mut tx = self.storage.begin().await?;
        let client = visible_client(tx.as_mut(), actor, client).await?;
        let business = business_of(tx.as_mut(), actor).await?;
        let method = self
            .store_card_in(tx.as_mut(), &business, client.id(), card)
            .await?;
        tx.commit().await?;
        Ok(method)
    }

    /// Stores `card` of `client` with the business's active processor, in `tx`.
    pub(crate) async fn store_card_in(
        &self,
        tx: &mut dyn Transaction,
        business: &Business,
        client: ClientId,
        card: &NewCard,
    ) -> Result<PaymentMethod, PaymentError> {
        let processor = self.processor(business.settings.active_processor)?;
        require(processor.as_ref(), "cards", processor.capabilities().cards)?;
        let token = processor
            .store_card(&CardInput {
                number: card.number.clone(),
                exp_month: card.exp_month,
                exp_year: card.exp_year,
                cvc: card.cvc.clone(),
            })
            .await
            .map_err(|e| match e {
                ProcessorError::InvalidCard(why) => invalid("number", why),
                other => other.into(),
            })?;
        let method = PaymentMethod {
            id: PaymentMethodId::from_uuid(self.ids.new_id()),
            business_id: business.id,
            client_id: client,
            processor: processor.kind(),
            token: token.token,
            brand: token.brand,
            last4: token.last4,
            created_at: self.clock.now(),
        };
        tx.insert_payment_method(&method).await?;
        Ok(method)
    }

    /// A client's stored cards.
    pub async fn payment_methods(
        &self,
        actor: &Actor,
        client: ClientId,
    ) -> Result<Vec<PaymentMethod>, PaymentError> {
        let mut tx = self.storage.read().await?;
        visible_client(tx.as_mut(), actor, client).await?;
        Ok(tx
            .payment_methods_of_client(actor.business_id, client)
            .await?)
    }

    /// An appointment's payments and refunds, newest first.
    pub async fn appointment_payments(
        &self,
        actor: &Actor,
        id: AppointmentId,
    ) -> Result<Vec<Payment>, PaymentError> {
        let mut tx = self.storage.read().await?;
        visible_appointment(tx.as_mut(), actor, id).await?;
        Ok(tx.payments_of_appointment(actor.business_id, id).await?)
    }

    /// AP-6: charges a stored card of the appointment's client; `amount` defaults to what
    /// is due (a smaller amount is a deposit). `key` makes a retry charge nothing more.
    pub async fn charge_card(
        &self,
        actor: &Actor,
        id: AppointmentId,
        method: PaymentMethodId,
        amount: Option<&str>,
        key: &str,
        completion: Option<Completion<PaymentOutcome>>,
    ) -> Result<PaymentOutcome, PaymentError> {
        let mut tx = self.storage.begin().await?;
        let mut appointment = locked_appointment(tx.as_mut(), actor, id).await?;
        let method = tx
            .payment_method(actor.business_id, method)
            .await?
            .filter(|m| m.client_id == appointment.client_id())
            .ok_or_else(|| invalid("payment_method_id", "no such card for this client"))?;
        let amount = match amount {
            Some(raw) => Money::parse("amount", raw, appointment.price().currency())
                .map_err(|e| PaymentError::Invalid(ValidationErrors(vec![e])))?,
            None => appointment.due(),
        };
        appointment.check_payment(amount)?;
        let processor = self.processor(method.processor)?;
        require(processor.as_ref(), "cards", processor.capabilities().cards)?;
        let reference = processor
            .charge(&ChargeRequest {
                card_token: Some(method.token.clone()),
                mandate: None,
                amount,
                idempotency_key: format!("{}:charge:{key}", appointment.id()),
            })
            .await?;
        let payment = self.charge_record(
            actor,
            &appointment,
            amount,
            processor.kind(),
            PaymentMeans::Card {
                brand: method.brand.clone(),
                last4: method.last4.clone(),
            },
            reference,
        );
        self.record_charge(tx.as_mut(), &mut appointment, &payment)
            .await?;
        let outcome = PaymentOutcome {
            appointment,
            recorded: vec![payment],
        };
        complete_in(tx.as_mut(), actor.business_id, completion, &outcome).await?;
        tx.commit().await?;
        Ok(outcome)
    }

    /// AP-6: records that what is due was paid in person. It cannot be undone: a second
    /// attempt finds nothing due (409).
    pub async fn mark_paid(
        &self,
        actor: &Actor,
        id: AppointmentId,
        payment_type: Option<&str>,
        key: &str,
        completion: Option<Completion<PaymentOutcome>>,
    ) -> Result<PaymentOutcome, PaymentError> {
        let mut tx = self.storage.begin().await?;
        let mut appointment = locked_appointment(tx.as_mut(), actor, id).await?;
        let business = business_of(tx.as_mut(), actor).await?;
        let payment_type = resolve_payment_type(&business, payment_type)?;
        let amount = appointment.due();
        appointment.check_payment(amount)?;
        let processor = self.processor(ProcessorKind::Manual)?;
        let reference = processor
            .charge(&ChargeRequest {
                card_token: None,
                mandate: None,
                amount,
                idempotency_key: format!("{}:paid:{key}", appointment.id()),
            })
            .await?;
        let payment = self.charge_record(
            actor,
            &appointment,
            amount,
            processor.kind(),
            PaymentMeans::Manual(payment_type),
            reference,
        );
        self.record_charge(tx.as_mut(), &mut appointment, &payment)
            .await?;
        let outcome = PaymentOutcome {
            appointment,
            recorded: vec![payment],
        };
        complete_in(tx.as_mut(), actor.business_id, completion, &outcome).await?;
        tx.commit().await?;
        Ok(outcome)
    }

    /// AP-6: invoices what is due and emails the invoice to the client.
    pub async fn invoice_appointment(
        &self,
        actor: &Actor,
        id: AppointmentId,
        completion: Option<Completion<(Appointment, Invoice)>>,
    ) -> Result<(Appointment, Invoice), PaymentError> {
        let mut tx = self.storage.begin().await?;
        let appointment = locked_appointment(tx.as_mut(), actor, id).await?;
        let business = business_of(tx.as_mut(), actor).await?;
        let processor = self.processor(business.settings.active_processor)?;
        require(
            processor.as_ref(),
            "invoices",
            processor.capabilities().invoices,
        )?;
        let amount = appointment.due();
        if amount.is_zero() {
            return Err(PaymentRuleError::NothingDue.into());
        }
        let now = self.clock.now();
        let invoice_id = InvoiceId::from_uuid(self.ids.new_id());
        let invoice = Invoice {
            id: invoice_id,
            business_id: actor.business_id,
            appointment_id: appointment.id(),
            client_id: appointment.client_id(),
            number: invoice_number(&business, now, invoice_id.as_uuid()),
            amount,
            created_at: now,
        };
        tx.insert_invoice(&invoice).await?;
        let number = invoice.number.clone();
        let sent = self
            .notify(tx.as_mut(), &appointment, EmailKind::Invoice, |email| {
                email.invoice(&number, amount)
            })
            .await?;
        if !sent {
            return Err(invalid(
                "client",
                "the client has no email address to send the invoice to",
            ));
        }
        let outcome = (appointment, invoice);
        complete_in(tx.as_mut(), actor.business_id, completion, &outcome).await?;
        tx.commit().await?;
        Ok(outcome)
    }

    /// AP-8: refunds `amount` of what was paid for an appointment, from its payments,
    /// newest first. Never more than what is left, whatever the concurrency.
    pub async fn refund_appointment(
        &self,
        actor: &Actor,
        id: AppointmentId,
        amount: &str,
        options: RefundOptions,
        key: &str,
        completion: Option<Completion<PaymentOutcome>>,
    ) -> Result<PaymentOutcome, PaymentError> {
        let mut tx = self.storage.begin().await?;
        let business = business_of(tx.as_mut(), actor).await?;
        actor.require_refund(business.settings.staff_may_refund)?;
        let mut appointment = locked_appointment(tx.as_mut(), actor, id).await?;
        let amount = Money::parse("amount", amount, appointment.price().currency())
            .map_err(|e| PaymentError::Invalid(ValidationErrors(vec![e])))?;
        let recorded = self
            .refund(tx.as_mut(), actor, &mut appointment, amount, key)
            .await?;
        if options.refund_email {
            self.notify(tx.as_mut(), &appointment, EmailKind::Refund, |email| {
                email.refund(amount)
            })
            .await?;
        }
        let outcome = PaymentOutcome {
            appointment,
            recorded,
        };
        complete_in(tx.as_mut(), actor.business_id, completion, &outcome).await?;
        tx.commit().await?;
        Ok(outcome)
    }

    /// AP-3, AP-7: cancels an appointment based on its `version` (what a code paid goes
    /// back to the code, CO-9); with `refund`, gives back everything paid — or, if a processor cannot refund, refuses and cancels
    /// nothing.
    pub async fn cancel_appointment(
        &self,
        actor: &Actor,
        id: AppointmentId,
        version: Version,
        options: CancelOptions,
        key: &str,
        completion: Option<Completion<PaymentOutcome>>,
    ) -> Result<PaymentOutcome, PaymentError> {
        let mut tx = self.storage.begin().await?;
        let mut appointment = locked_appointment(tx.as_mut(), actor, id).await?;
        if appointment.version() != version {
            return Err(PaymentError::VersionConflict);
        }
        let refundable = appointment.refundable();
        let recorded = if options.refund && !refundable.is_zero() {
            let business = business_of(tx.as_mut(), actor).await?;
            actor.require_refund(business.settings.staff_may_refund)?;
            self.refund(tx.as_mut(), actor, &mut appointment, refundable, key)
                .await?
        } else {
            Vec::new()
        };
        let stored = appointment.version();
        let now = self.clock.now();
        appointment.cancel(now)?;
        tx.update_appointment(&appointment, stored).await?;
        self.emit(
            tx.as_mut(),
            actor.business_id,
            EventType::AppointmentCancelled,
            Resource::Appointment(&appointment),
        )
        .await?;
        redemption::give_back(tx.as_mut(), &appointment, Some(actor.staff_id), now).await?;
        if options.cancellation_email {
            self.notify(
                tx.as_mut(),
                &appointment,
                EmailKind::Cancellation,
                |email| email.cancellation(),
            )
            .await?;
        }
        if options.refund_email && !recorded.is_empty() {
            self.notify(tx.as_mut(), &appointment, EmailKind::Refund, |email| {
                email.refund(refundable)
            })
            .await?;
        }
        let outcome = PaymentOutcome {
            appointment,
            recorded,
        };
        complete_in(tx.as_mut(), actor.business_id, completion, &outcome).await?;
        tx.commit().await?;
        Ok(outcome)
    }

    fn charge_record(
        &self,
        actor: &Actor,
        appointment: &Appointment,
        amount: Money,
        processor: ProcessorKind,
        means: PaymentMeans,
        reference: String,
    ) -> Payment {
        Payment {
            id: PaymentId::from_uuid(self.ids.new_id()),
            business_id: actor.business_id,
            appointment_id: appointment.id(),
            client_id: appointment.client_id(),
            direction: PaymentDirection::Charge,
            amount,
            processor,
            means,
            reference,
            refund_of: None,
            refunded: Money::zero(amount.currency()),
            actor: actor.staff_id,
            created_at: self.clock.now(),
        }
    }

    /// Records a charge and adds it to the appointment, in `tx`.
    async fn record_charge(
        &self,
        tx: &mut dyn Transaction,
        appointment: &mut Appointment,
        payment: &Payment,
    ) -> Result<(), PaymentError> {
        let version = appointment.version();
        tx.insert_payment(payment).await?;
        appointment.record_payment(payment.amount, self.clock.now())?;
        tx.update_appointment(appointment, version).await?;
        self.emit(
            tx,
            payment.business_id,
            EventType::PaymentSucceeded,
            Resource::Payment(payment),
        )
        .await?;
        Ok(())
    }

    /// Gives `amount` back from the appointment's charges, newest first, through the
    /// processors that took them; every processor is checked for the capability before
    /// any money moves. Records the refunds and the appointment's new totals.
    async fn refund(
        &self,
        tx: &mut dyn Transaction,
        actor: &Actor,
        appointment: &mut Appointment,
        amount: Money,
        key: &str,
    ) -> Result<Vec<Payment>, PaymentError> {
        appointment.check_refund(amount)?;
        let charges: Vec<Payment> = tx
            .payments_of_appointment(actor.business_id, appointment.id())
            .await?
            .into_iter()
            .filter(|p| p.direction == PaymentDirection::Charge)
            .collect();
        let parts =
            allocate_refund(&charges, amount).ok_or(PaymentRuleError::MoreThanRefundable {
                amount,
                refundable: appointment.refundable(),
            })?;
        let mut plan = Vec::with_capacity(parts.len());
        for (index, part) in parts {
            let charge = &charges[index];
            let processor = self.processor(charge.processor)?;
            let capabilities = processor.capabilities();
            require(processor.as_ref(), "refunds", capabilities.refunds)?;
            if part != charge.amount {
                require(
                    processor.as_ref(),
                    "partial refunds",
                    capabilities.partial_refunds,
                )?;
            }
            plan.push((charge, part, processor));
        }
        let version = appointment.version();
        let mut recorded = Vec::with_capacity(plan.len());
        for (charge, part, processor) in plan {
            let reference = processor
                .refund(&RefundRequest {
                    charge_reference: charge.reference.clone(),
                    amount: part,
                    idempotency_key: format!("{}:refund:{key}:{}", appointment.id(), charge.id),
                })
                .await?;
            let refund = Payment {
                id: PaymentId::from_uuid(self.ids.new_id()),
                direction: PaymentDirection::Refund,
                amount: part,
                reference,
                refund_of: Some(charge.id),
                refunded: Money::zero(part.currency()),
                actor: actor.staff_id,
                created_at: self.clock.now(),
                ..charge.clone()
            };
            tx.insert_payment(&refund).await?;
            let refunded = charge.refunded.checked_add(part).ok_or_else(|| {
                StorageError::Unexpected("a charge's refunded total overflowed".into())
            })?;
            tx.set_payment_refunded(actor.business_id, charge.id, refunded)
                .await?;
            recorded.push(refund);
        }
        appointment.record_refund(amount, self.clock.now())?;
        tx.update_appointment(appointment, version).await?;
        Ok(recorded)
    }
}
