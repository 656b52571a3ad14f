//! `appointment_types` rows ↔ [`AppointmentType`] and `appointments` rows ↔
//! [`Appointment`], amounts as minor units of the row's one currency.

use sea_orm::ActiveValue::{NotSet, Set};

use clientele_domain::Version;
use clientele_domain::appointment::{
    Appointment, AppointmentParts, AppointmentStatus, AppointmentType, Attendance, DurationMinutes,
    ServiceName, Slot,
};
use clientele_ports::StorageError;

use super::{corrupt, instant, minor_units, money, same_currency, stored_currency};
use crate::storage::entities::{appointment_types, appointments};
use crate::storage::unexpected;

impl TryFrom<appointment_types::Model> for AppointmentType {
    type Error = StorageError;

    fn try_from(row: appointment_types::Model) -> Result<Self, Self::Error> {
        const T: &str = "appointment_types";
        let currency = stored_currency(T, &row.currency)?;
        Ok(Self {
            id: row.id.into(),
            business_id: row.business_id.into(),
            name: ServiceName::parse(&row.name).map_err(|e| corrupt(T, "name", e.message))?,
            duration: DurationMinutes::parse(i64::from(row.duration_minutes))
                .map_err(|e| corrupt(T, "duration_minutes", e.message))?,
            price: money(T, "price_minor", row.price_minor, currency)?,
            created_at: row.created_at,
            updated_at: row.updated_at,
            version: Version::new(row.version),
        })
    }
}

pub(crate) fn appointment_type_row(
    kind: &AppointmentType,
) -> Result<appointment_types::ActiveModel, StorageError> {
    // At most 24 hours of minutes: always fits.
    let duration = i32::try_from(kind.duration.get()).map_err(unexpected)?;
    Ok(appointment_types::ActiveModel {
        business_id: Set(kind.business_id.as_uuid()),
        id: Set(kind.id.as_uuid()),
        name: Set(kind.name.as_str().to_owned()),
        duration_minutes: Set(duration),
        price_minor: Set(minor_units(kind.price)?),
        currency: Set(kind.price.currency().code().to_owned()),
        created_at: Set(instant(kind.created_at)),
        updated_at: Set(instant(kind.updated_at)),
        version: Set(kind.version.get()),
    })
}

pub(crate) fn appointment_type_changes(
    kind: &AppointmentType,
) -> Result<appointment_types::ActiveModel, StorageError> {
    Ok(appointment_types::ActiveModel {
        business_id: NotSet,
        id: NotSet,
        created_at: NotSet,
        ..appointment_type_row(kind)?
    })
}
pub(super) fn attendance(
    table: &'static str,
    column: &'static str,
    raw: &str,
) -> Result<Attendance, StorageError> {
    Attendance::parse(raw)
        .ok_or_else(|| corrupt(table, column, format!("`{raw}` is no attendance")))
}

impl TryFrom<appointments::Model> for Appointment {
    type Error = StorageError;

    fn try_from(row: appointments::Model) -> Result<Self, Self::Error> {
        const T: &str = "appointments";
        let currency = stored_currency(T, &row.currency)?;
        Ok(Self::restore(AppointmentParts {
            id: row.id.into(),
            business_id: row.business_id.into(),
            client_id: row.client_id.into(),
            type_id: row.type_id.into(),
            site_id: row.site_id.into(),
            staff_id: row.staff_id.map(Into::into),
            slot: Slot::new(row.starts_at, row.ends_at)
                .map_err(|e| corrupt(T, "ends_at", e.message))?,
            price: money(T, "price_minor", row.price_minor, currency)?,
            status: AppointmentStatus::parse(&row.status)
                .ok_or_else(|| corrupt(T, "status", format!("`{}` is no status", row.status)))?,
            attendance: attendance(T, "attendance", &row.attendance)?,
            code_id: row.code_id.map(Into::into),
            covered: money(T, "covered_minor", row.covered_minor, currency)?,
            paid: money(T, "paid_minor", row.paid_minor, currency)?,
            refunded: money(T, "refunded_minor", row.refunded_minor, currency)?,
            created_at: row.created_at,
            updated_at: row.updated_at,
            cancelled_at: row.cancelled_at,
            account_id: row.account_id.map(Into::into),
            version: Version::new(row.version),
        }))
    }
}

/// The row of `appointment`. Its amounts share the price's currency; one in another
/// currency is refused rather than stored under the wrong code.
pub(crate) fn appointment_row(
    appointment: &Appointment,
) -> Result<appointments::ActiveModel, StorageError> {
    let currency = appointment.price().currency();
    for (column, amount) in [
        ("covered_minor", appointment.covered()),
        ("paid_minor", appointment.paid()),
        ("refunded_minor", appointment.refunded()),
    ] {
        same_currency("appointments", column, amount, currency)?;
    }
    Ok(appointments::ActiveModel {
        business_id: Set(appointment.business_id().as_uuid()),
        id: Set(appointment.id().as_uuid()),
        client_id: Set(appointment.client_id().as_uuid()),
        type_id: Set(appointment.type_id().as_uuid()),
        site_id: Set(appointment.site_id().as_uuid()),
        staff_id: Set(appointment.staff_id().map(|staff| staff.as_uuid())),
        starts_at: Set(instant(appointment.slot().starts_at())),
        ends_at: Set(instant(appointment.slot().ends_at())),
        price_minor: Set(minor_units(appointment.price())?),
        currency: Set(currency.code().to_owned()),
        status: Set(appointment.status().as_str().to_owned()),
        attendance: Set(appointment.attendance().as_str().to_owned()),
        paid_minor: Set(minor_units(appointment.paid())?),
        refunded_minor: Set(minor_units(appointment.refunded())?),
        code_id: Set(appointment.code_id().map(|code| code.as_uuid())),
        covered_minor: Set(minor_units(appointment.covered())?),
        created_at: Set(instant(appointment.created_at())),
        updated_at: Set(instant(appointment.updated_at())),
        cancelled_at: Set(appointment.cancelled_at().map(instant)),
        account_id: Set(appointment.account_id().map(|account| account.as_uuid())),
        version: Set(appointment.version().get()),
    })
}

pub(crate) fn appointment_changes(
    appointment: &Appointment,
) -> Result<appointments::ActiveModel, StorageError> {
    Ok(appointments::ActiveModel {
        business_id: NotSet,
        id: NotSet,
        created_at: NotSet,
        ..appointment_row(appointment)?
    })
}
