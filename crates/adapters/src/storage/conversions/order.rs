//! `orders` rows ↔ [`Order`], amounts as minor units of the row's one currency and the
//! settlement as `method` with its own columns.

use chrono::{DateTime, Utc};
use sea_orm::ActiveValue::Set;
use sea_orm::FromQueryResult;
use uuid::Uuid;

use clientele_domain::Currency;
use clientele_domain::membership::ProRata;
use clientele_domain::order::{Order, OrderStatus, Settlement};
use clientele_domain::payment::{PaymentType, ProcessorKind};
use clientele_ports::StorageError;
use clientele_ports::storage::OrderExportLine;

use super::code::{code_text, family};
use super::{corrupt, instant, minor_units, money, same_currency, stored_currency};
use crate::storage::entities::orders;

const T: &str = "orders";

fn required(column: &'static str, value: Option<String>) -> Result<String, StorageError> {
    value.ok_or_else(|| corrupt(T, column, "NULL for this method"))
}

fn settlement(row: &mut orders::Model) -> Result<Settlement, StorageError> {
    match row.method.as_str() {
        "card" => {
            let raw = required("processor", row.processor.take())?;
            Ok(Settlement::Card {
                processor: ProcessorKind::parse(&raw)
                    .map_err(|e| corrupt(T, "processor", e.message))?,
                brand: required("card_brand", row.card_brand.take())?,
                last4: required("card_last4", row.card_last4.take())?,
                reference: required("reference", row.reference.take())?,
            })
        }
        "manual" => {
            let raw = required("payment_type", row.payment_type.take())?;
            Ok(Settlement::Manual {
                payment_type: PaymentType::parse(&raw)
                    .map_err(|e| corrupt(T, "payment_type", e.message))?,
                reference: required("reference", row.reference.take())?,
            })
        }
        "invoice" => Ok(Settlement::Invoice {
            number: required("invoice_number", row.invoice_number.take())?,
        }),
        other => Err(corrupt(T, "method", format!("`{other}` is no method"))),
    }
}

impl TryFrom<orders::Model> for Order {
    type Error = StorageError;

    fn try_from(mut row: orders::Model) -> Result<Self, Self::Error> {
        let currency = stored_currency(T, &row.currency)?;
        let settlement = settlement(&mut row)?;
        Ok(Self {
            id: row.id.into(),
            business_id: row.business_id.into(),
            client_id: row.client_id.into(),
            product_id: row.product_id.into(),
            family: family(T, "family", &row.family)?,
            code_id: row.code_id.into(),
            code_text: code_text(T, "code_text", &row.code_text)?,
            price: money(T, "price_minor", row.price_minor, currency)?,
            settlement,
            paid: money(T, "paid_minor", row.paid_minor, currency)?,
            refunded: money(T, "refunded_minor", row.refunded_minor, currency)?,
            status: OrderStatus::parse(&row.status)
                .ok_or_else(|| corrupt(T, "status", format!("`{}` is no status", row.status)))?,
            actor: row.actor_id.into(),
            created_at: row.created_at,
            cancelled_at: row.cancelled_at,
            membership_id: row.membership_id.map(Into::into),
            pro_rata: pro_rata(&row, currency)?,
        })
    }
}

/// CO-8: the columns of an export line, as `order_export_page` selects them (the joined
/// names under the list's aliases).
#[derive(Debug, FromQueryResult)]
pub(crate) struct OrderExportRow {
    id: Uuid,
    created_at: DateTime<Utc>,
    status: String,
    client_id: Uuid,
    line_client_first_name: String,
    line_client_last_name: String,
    line_client_email: Option<String>,
    product_id: Uuid,
    line_product_name: String,
    family: String,
    code_text: String,
    price_minor: i64,
    currency: String,
    method: String,
    payment_type: Option<String>,
    paid_minor: i64,
    refunded_minor: i64,
    cancelled_at: Option<DateTime<Utc>>,
}

impl TryFrom<OrderExportRow> for OrderExportLine {
    type Error = StorageError;

    fn try_from(row: OrderExportRow) -> Result<Self, Self::Error> {
        let currency = stored_currency(T, &row.currency)?;
        Ok(Self {
            id: row.id.into(),
            created_at: row.created_at,
            status: OrderStatus::parse(&row.status)
                .ok_or_else(|| corrupt(T, "status", format!("`{}` is no status", row.status)))?,
            client_id: row.client_id.into(),
            client_first_name: row.line_client_first_name,
            client_last_name: row.line_client_last_name,
            client_email: row.line_client_email,
            product_id: row.product_id.into(),
            product_name: row.line_product_name,
            family: family(T, "family", &row.family)?,
            code_text: code_text(T, "code_text", &row.code_text)?,
            price: money(T, "price_minor", row.price_minor, currency)?,
            method: row.method,
            payment_type: row.payment_type,
            paid: money(T, "paid_minor", row.paid_minor, currency)?,
            refunded: money(T, "refunded_minor", row.refunded_minor, currency)?,
            cancelled_at: row.cancelled_at,
        })
    }
}

/// ME-17: the pro-rated part of the order's price; the rest of it is the rate.
fn pro_rata(row: &orders::Model, currency: Currency) -> Result<Option<ProRata>, StorageError> {
    let (Some(from), Some(until), Some(days), Some(period_days), Some(amount)) = (
        row.prorata_from,
        row.prorata_until,
        row.prorata_days,
        row.prorata_period_days,
        row.prorata_minor,
    ) else {
        return Ok(None);
    };
    let days_of = |column, n: i32| u32::try_from(n).map_err(|e| corrupt(T, column, e));
    let amount = money(T, "prorata_minor", amount, currency)?;
    let price = money(T, "price_minor", row.price_minor, currency)?;
    Ok(Some(ProRata {
        from,
        until,
        days: days_of("prorata_days", days)?,
        period_days: days_of("prorata_period_days", period_days)?,
        rate: price
            .saturating_sub(amount)
            .ok_or_else(|| corrupt(T, "prorata_minor", "not in the price's currency"))?,
        amount,
    }))
}

fn count(days: u32) -> Result<i32, StorageError> {
    i32::try_from(days).map_err(|e| corrupt(T, "prorata_days", e))
}

/// The row of `order`. Its amounts share the price's currency; one in another currency
/// is refused rather than stored under the wrong code.
pub(crate) fn order_row(order: &Order) -> Result<orders::ActiveModel, StorageError> {
    let currency = order.price.currency();
    for (column, amount) in [
        ("paid_minor", order.paid),
        ("refunded_minor", order.refunded),
    ] {
        same_currency(T, column, amount, currency)?;
    }
    let mut row = orders::ActiveModel {
        business_id: Set(order.business_id.as_uuid()),
        id: Set(order.id.as_uuid()),
        client_id: Set(order.client_id.as_uuid()),
        product_id: Set(order.product_id.as_uuid()),
        family: Set(order.family.as_str().to_owned()),
        code_id: Set(order.code_id.as_uuid()),
        code_text: Set(order.code_text.as_str().to_owned()),
        price_minor: Set(minor_units(order.price)?),
        currency: Set(currency.code().to_owned()),
        method: Set(order.settlement.method().to_owned()),
        processor: Set(None),
        card_brand: Set(None),
        card_last4: Set(None),
        payment_type: Set(None),
        reference: Set(None),
        invoice_number: Set(None),
        paid_minor: Set(minor_units(order.paid)?),
        refunded_minor: Set(minor_units(order.refunded)?),
        status: Set(order.status.as_str().to_owned()),
        actor_id: Set(order.actor.as_uuid()),
        created_at: Set(instant(order.created_at)),
        cancelled_at: Set(order.cancelled_at.map(instant)),
        membership_id: Set(order.membership_id.map(|id| id.as_uuid())),
        prorata_from: Set(order.pro_rata.map(|p| p.from)),
        prorata_until: Set(order.pro_rata.map(|p| p.until)),
        prorata_days: Set(order.pro_rata.map(|p| count(p.days)).transpose()?),
        prorata_period_days: Set(order.pro_rata.map(|p| count(p.period_days)).transpose()?),
        prorata_minor: Set(order.pro_rata.map(|p| minor_units(p.amount)).transpose()?),
    };
    match &order.settlement {
        Settlement::Card {
            processor,
            brand,
            last4,
            reference,
        } => {
            row.processor = Set(Some(processor.as_str().to_owned()));
            row.card_brand = Set(Some(brand.clone()));
            row.card_last4 = Set(Some(last4.clone()));
            row.reference = Set(Some(reference.clone()));
        }
        Settlement::Manual {
            payment_type,
            reference,
        } => {
            row.payment_type = Set(Some(payment_type.as_str().to_owned()));
            row.reference = Set(Some(reference.clone()));
        }
        Settlement::Invoice { number } => row.invoice_number = Set(Some(number.clone())),
    }
    Ok(row)
}
