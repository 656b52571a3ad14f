//! `payment_methods`, `payments` and `invoices` rows ↔ [`PaymentMethod`], [`Payment`]
//! and [`Invoice`], amounts as minor units of the row's one currency.

use sea_orm::ActiveValue::Set;

use clientele_domain::payment::{
    Invoice, Payment, PaymentDirection, PaymentMeans, PaymentMethod, PaymentType, ProcessorKind,
};
use clientele_ports::StorageError;

use super::{corrupt, instant, minor_units, money, same_currency, stored_currency};
use crate::storage::entities::{invoices, payment_methods, payments};

/// The values of `payments.means`.
const MEANS_CARD: &str = "card";
const MEANS_MANUAL: &str = "manual";

fn processor(table: &'static str, raw: &str) -> Result<ProcessorKind, StorageError> {
    ProcessorKind::parse(raw).map_err(|e| corrupt(table, "processor", e.message))
}

impl TryFrom<payment_methods::Model> for PaymentMethod {
    type Error = StorageError;

    fn try_from(row: payment_methods::Model) -> Result<Self, Self::Error> {
        Ok(Self {
            id: row.id.into(),
            business_id: row.business_id.into(),
            client_id: row.client_id.into(),
            processor: processor("payment_methods", &row.processor)?,
            token: row.token,
            brand: row.brand,
            last4: row.last4,
            created_at: row.created_at,
        })
    }
}

pub(crate) fn payment_method_row(method: &PaymentMethod) -> payment_methods::ActiveModel {
    payment_methods::ActiveModel {
        business_id: Set(method.business_id.as_uuid()),
        id: Set(method.id.as_uuid()),
        client_id: Set(method.client_id.as_uuid()),
        processor: Set(method.processor.as_str().to_owned()),
        token: Set(method.token.clone()),
        brand: Set(method.brand.clone()),
        last4: Set(method.last4.clone()),
        created_at: Set(instant(method.created_at)),
    }
}

impl TryFrom<payments::Model> for Payment {
    type Error = StorageError;

    fn try_from(row: payments::Model) -> Result<Self, Self::Error> {
        const T: &str = "payments";
        let currency = stored_currency(T, &row.currency)?;
        let direction = match row.direction.as_str() {
            "charge" => PaymentDirection::Charge,
            "refund" => PaymentDirection::Refund,
            other => {
                return Err(corrupt(
                    T,
                    "direction",
                    format!("`{other}` is no direction"),
                ));
            }
        };
        let means = match row.means.as_str() {
            MEANS_CARD => PaymentMeans::Card {
                brand: row
                    .card_brand
                    .ok_or_else(|| corrupt(T, "card_brand", "NULL for a card payment"))?,
                last4: row
                    .card_last4
                    .ok_or_else(|| corrupt(T, "card_last4", "NULL for a card payment"))?,
            },
            MEANS_MANUAL => {
                let raw = row
                    .payment_type
                    .ok_or_else(|| corrupt(T, "payment_type", "NULL for a manual payment"))?;
                PaymentMeans::Manual(
                    PaymentType::parse(&raw).map_err(|e| corrupt(T, "payment_type", e.message))?,
                )
            }
            other => return Err(corrupt(T, "means", format!("`{other}` is no means"))),
        };
        Ok(Self {
            id: row.id.into(),
            business_id: row.business_id.into(),
            appointment_id: row.appointment_id.into(),
            client_id: row.client_id.into(),
            direction,
            amount: money(T, "amount_minor", row.amount_minor, currency)?,
            processor: processor(T, &row.processor)?,
            means,
            reference: row.reference,
            refund_of: row.refund_of.map(Into::into),
            refunded: money(T, "refunded_minor", row.refunded_minor, currency)?,
            actor: row.actor_id.into(),
            created_at: row.created_at,
        })
    }
}

/// The row of `payment`. What was refunded of it must be in the amount's currency.
pub(crate) fn payment_row(payment: &Payment) -> Result<payments::ActiveModel, StorageError> {
    let currency = payment.amount.currency();
    same_currency("payments", "refunded_minor", payment.refunded, currency)?;
    let (means, card_brand, card_last4, payment_type) = match &payment.means {
        PaymentMeans::Card { brand, last4 } => {
            (MEANS_CARD, Some(brand.clone()), Some(last4.clone()), None)
        }
        PaymentMeans::Manual(kind) => (MEANS_MANUAL, None, None, Some(kind.as_str().to_owned())),
    };
    Ok(payments::ActiveModel {
        business_id: Set(payment.business_id.as_uuid()),
        id: Set(payment.id.as_uuid()),
        appointment_id: Set(payment.appointment_id.as_uuid()),
        client_id: Set(payment.client_id.as_uuid()),
        direction: Set(payment.direction.as_str().to_owned()),
        amount_minor: Set(minor_units(payment.amount)?),
        refunded_minor: Set(minor_units(payment.refunded)?),
        currency: Set(currency.code().to_owned()),
        processor: Set(payment.processor.as_str().to_owned()),
        means: Set(means.to_owned()),
        card_brand: Set(card_brand),
        card_last4: Set(card_last4),
        payment_type: Set(payment_type),
        reference: Set(payment.reference.clone()),
        refund_of: Set(payment.refund_of.map(|charge| charge.as_uuid())),
        actor_id: Set(payment.actor.as_uuid()),
        created_at: Set(instant(payment.created_at)),
    })
}

impl TryFrom<invoices::Model> for Invoice {
    type Error = StorageError;

    fn try_from(row: invoices::Model) -> Result<Self, Self::Error> {
        const T: &str = "invoices";
        let currency = stored_currency(T, &row.currency)?;
        Ok(Self {
            id: row.id.into(),
            business_id: row.business_id.into(),
            appointment_id: row.appointment_id.into(),
            client_id: row.client_id.into(),
            number: row.number,
            amount: money(T, "amount_minor", row.amount_minor, currency)?,
            created_at: row.created_at,
        })
    }
}

pub(crate) fn invoice_row(invoice: &Invoice) -> Result<invoices::ActiveModel, StorageError> {
    Ok(invoices::ActiveModel {
        business_id: Set(invoice.business_id.as_uuid()),
        id: Set(invoice.id.as_uuid()),
        appointment_id: Set(invoice.appointment_id.as_uuid()),
        client_id: Set(invoice.client_id.as_uuid()),
        number: Set(invoice.number.clone()),
        amount_minor: Set(minor_units(invoice.amount)?),
        currency: Set(invoice.amount.currency().code().to_owned()),
        created_at: Set(instant(invoice.created_at)),
    })
}
