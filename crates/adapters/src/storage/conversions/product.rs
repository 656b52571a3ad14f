//! `products` rows (with their `product_appointment_types` rows) ↔ [`Product`]. A kind is
//! its name in `kind` and its shape in the optional columns; a gift certificate's money
//! value shares the price's currency.

use sea_orm::ActiveValue::{NotSet, Set};
use uuid::Uuid;

use clientele_domain::product::{
    Appointments, Coverage, Period, PeriodUnit, Product, ProductDetails, ProductKind, ProductName,
    Validity,
};
use clientele_domain::{AppointmentTypeId, Currency, Version};
use clientele_ports::StorageError;

use super::{corrupt, instant, minor_units, money, same_currency, sorted, stored_currency};
use crate::storage::entities::{product_appointment_types, products};

const T: &str = "products";

/// A product's row with the appointment types read for it by a second query.
pub(crate) struct WithTypes {
    pub(crate) row: products::Model,
    pub(crate) types: Vec<Uuid>,
}

fn count(column: &'static str, raw: Option<i32>) -> Result<Appointments, StorageError> {
    let raw = raw.ok_or_else(|| corrupt(T, column, "NULL for a count of appointments"))?;
    Appointments::parse(column, i64::from(raw)).map_err(|e| corrupt(T, column, e.message))
}

fn kind(row: &products::Model, currency: Currency) -> Result<ProductKind, StorageError> {
    let unexpected_period = row.period_unit.is_some() || row.period_every.is_some();
    let shape = |column: &'static str| corrupt(T, column, format!("not for a {}", row.kind));
    if row.kind != "subscription" {
        if unexpected_period {
            return Err(shape("period_unit"));
        }
        if row.rollover {
            return Err(shape("rollover"));
        }
    }
    match (row.kind.as_str(), row.appointments, row.value_minor) {
        ("package", Some(_), None) => Ok(ProductKind::Package {
            appointments: count("appointments", row.appointments)?,
        }),
        ("gift_certificate", Some(_), None) => Ok(ProductKind::AppointmentGift {
            appointments: count("appointments", row.appointments)?,
        }),
        ("gift_certificate", None, Some(value)) => Ok(ProductKind::MoneyGift {
            value: money(T, "value_minor", value, currency)?,
        }),
        ("subscription", Some(_), None) => {
            let raw = row.period_unit.as_deref().unwrap_or_default();
            let unit = PeriodUnit::parse(raw)
                .ok_or_else(|| corrupt(T, "period_unit", format!("`{raw}` is no period")))?;
            let every = row
                .period_every
                .and_then(|every| u32::try_from(every).ok())
                .filter(|every| (1..=12).contains(every))
                .ok_or_else(|| corrupt(T, "period_every", "not from 1 to 12"))?;
            Ok(ProductKind::Subscription {
                appointments: count("appointments", row.appointments)?,
                period: Period { every, unit },
                rollover: row.rollover,
            })
        }
        ("package" | "gift_certificate" | "subscription", _, _) => Err(shape("value_minor")),
        (other, _, _) => Err(corrupt(T, "kind", format!("`{other}` is no kind"))),
    }
}

fn validity(row: &products::Model) -> Result<Option<Validity>, StorageError> {
    let positive = |column: &'static str, raw: i32| {
        u32::try_from(raw)
            .ok()
            .filter(|n| *n > 0)
            .ok_or_else(|| corrupt(T, column, format!("{raw} is not a positive count")))
    };
    match (row.validity_days, row.validity_months) {
        (None, None) => Ok(None),
        (Some(days), None) => Ok(Some(Validity::Days(positive("validity_days", days)?))),
        (None, Some(months)) => Ok(Some(Validity::Months(positive("validity_months", months)?))),
        (Some(_), Some(_)) => Err(corrupt(T, "validity_months", "set beside validity_days")),
    }
}

impl TryFrom<WithTypes> for Product {
    type Error = StorageError;

    fn try_from(WithTypes { row, types }: WithTypes) -> Result<Self, Self::Error> {
        let currency = stored_currency(T, &row.currency)?;
        let types: Vec<AppointmentTypeId> = sorted(types.into_iter().map(Into::into).collect());
        let covers = if types.is_empty() {
            Coverage::AllTypes
        } else {
            Coverage::Types(types)
        };
        let details = ProductDetails {
            name: ProductName::parse(&row.name).map_err(|e| corrupt(T, "name", e.message))?,
            kind: kind(&row, currency)?,
            price: money(T, "price_minor", row.price_minor, currency)?,
            covers,
            validity: validity(&row)?,
        };
        Ok(Self {
            id: row.id.into(),
            business_id: row.business_id.into(),
            details,
            archived: row.archived,
            created_at: row.created_at,
            updated_at: row.updated_at,
            version: Version::new(row.version),
        })
    }
}

/// A count as the row keeps it (the domain's counts are small: this always fits).
fn small(column: &'static str, n: u32) -> Result<i32, StorageError> {
    i32::try_from(n).map_err(|_| corrupt(T, column, format!("{n} does not fit")))
}

/// The row of `product`. A gift certificate's value must be in the price's currency.
pub(crate) fn product_row(product: &Product) -> Result<products::ActiveModel, StorageError> {
    let details = &product.details;
    let currency = details.price.currency();
    let (mut appointments, mut value_minor, mut period, mut rollover) = (None, None, None, false);
    match details.kind {
        ProductKind::Package { appointments: n }
        | ProductKind::AppointmentGift { appointments: n } => {
            appointments = Some(small("appointments", n.get())?);
        }
        ProductKind::MoneyGift { value } => {
            same_currency(T, "value_minor", value, currency)?;
            value_minor = Some(minor_units(value)?);
        }
        ProductKind::Subscription {
            appointments: n,
            period: p,
            rollover: r,
        } => {
            appointments = Some(small("appointments", n.get())?);
            period = Some((p.unit.as_str().to_owned(), small("period_every", p.every)?));
            rollover = r;
        }
    }
    let (validity_days, validity_months) = match details.validity {
        None => (None, None),
        Some(Validity::Days(days)) => (Some(small("validity_days", days)?), None),
        Some(Validity::Months(months)) => (None, Some(small("validity_months", months)?)),
    };
    let (period_unit, period_every) = period.unzip();
    Ok(products::ActiveModel {
        business_id: Set(product.business_id.as_uuid()),
        id: Set(product.id.as_uuid()),
        name: Set(details.name.as_str().to_owned()),
        kind: Set(details.kind.name().to_owned()),
        appointments: Set(appointments),
        value_minor: Set(value_minor),
        period_unit: Set(period_unit),
        period_every: Set(period_every),
        rollover: Set(rollover),
        price_minor: Set(minor_units(details.price)?),
        currency: Set(currency.code().to_owned()),
        validity_days: Set(validity_days),
        validity_months: Set(validity_months),
        archived: Set(product.archived),
        created_at: Set(instant(product.created_at)),
        updated_at: Set(instant(product.updated_at)),
        version: Set(product.version.get()),
    })
}

pub(crate) fn product_changes(product: &Product) -> Result<products::ActiveModel, StorageError> {
    Ok(products::ActiveModel {
        business_id: NotSet,
        id: NotSet,
        created_at: NotSet,
        ..product_row(product)?
    })
}

/// The `product_appointment_types` rows of `product`: none when it covers every type.
pub(crate) fn product_type_rows(product: &Product) -> Vec<product_appointment_types::ActiveModel> {
    let types = match &product.details.covers {
        Coverage::AllTypes => return Vec::new(),
        Coverage::Types(types) => sorted(types.clone()),
    };
    types
        .into_iter()
        .map(|kind| product_appointment_types::ActiveModel {
            business_id: Set(product.business_id.as_uuid()),
            product_id: Set(product.id.as_uuid()),
            appointment_type_id: Set(kind.as_uuid()),
        })
        .collect()
}
