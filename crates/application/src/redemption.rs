//! Codes inside other use cases' transactions: issuing one (a sale, a grant), using one
//! for a booking and giving its value back on cancellation (CO-3, CO-4, CO-9, CO-11).
//! Booking, selling and cancelling call these; this module asks no other use case.

use chrono::{DateTime, NaiveDate, Utc};
use thiserror::Error;

use clientele_domain::appointment::{Appointment, AppointmentType};
use clientele_domain::code::{
    Code, CodeChangeError, CodeText, Holder, Origin, Owner, RedeemError, Redemption, Use,
};
use clientele_domain::product::Product;
use clientele_domain::{
    AppointmentId, BusinessId, CodeId, EmailAddress, FieldError, StaffId, ValidationErrors,
};
use clientele_ports::{IdGenerator, StorageError, Transaction};

/// How many texts are drawn before giving up on a unique one: with 79 bits each, a
/// second draw is already beyond belief.
const TEXT_DRAWS: usize = 3;

/// Why a code could not be issued or used.
#[derive(Debug, Error)]
pub enum CodeUseError {
    /// The typed code is malformed or is no code of the business.
    #[error(transparent)]
    Invalid(ValidationErrors),
    #[error("{0}")]
    Refused(#[from] RedeemError),
    #[error("{0}")]
    Change(#[from] CodeChangeError),
    #[error(transparent)]
    Storage(#[from] StorageError),
}

fn invalid(field: &str, message: impl Into<String>) -> CodeUseError {
    CodeUseError::Invalid(ValidationErrors::single(field, message))
}

/// CO-3: a fresh unguessable text no code of the business has. Drawn before the code is
/// made, so that a sale's order can carry it.
pub(crate) async fn fresh_text(
    tx: &mut dyn Transaction,
    ids: &dyn IdGenerator,
    business: BusinessId,
) -> Result<CodeText, CodeUseError> {
    for _ in 0..TEXT_DRAWS {
        let text = CodeText::from_random(ids.random_bytes());
        if tx.code_by_text(business, &text).await?.is_none() {
            return Ok(text);
        }
    }
    Err(StorageError::Unexpected("no unique code text after several draws".into()).into())
}

/// CO-3, CO-4: issues a code of `product` with `text` (from [`fresh_text`]) and stores it
/// with its first ledger entry.
#[allow(clippy::too_many_arguments)]
pub(crate) async fn issue(
    tx: &mut dyn Transaction,
    id: CodeId,
    text: CodeText,
    product: &Product,
    owner: Option<Owner<'_>>,
    origin: Origin,
    today: NaiveDate,
    now: DateTime<Utc>,
) -> Result<Code, CodeUseError> {
    let (code, first) = Code::issue(id, product, text, owner, origin, today, now)?;
    tx.insert_code(&code, &first).await?;
    Ok(code)
}

/// What a booking brings to a code: the typed text, who books and what.
pub(crate) struct Booking<'a> {
    pub business: BusinessId,
    pub typed: &'a str,
    pub holder: Holder<'a>,
    pub appointment: AppointmentId,
    pub kind: &'a AppointmentType,
    pub actor: Option<StaffId>,
    pub today: NaiveDate,
    pub now: DateTime<Utc>,
}

/// CO-9, CO-11: uses the typed code for a booking, in the booking's transaction. The
/// code's row is locked first, so concurrent bookings with one code take turns and
/// never overdraw it.
pub(crate) async fn redeem(
    tx: &mut dyn Transaction,
    booking: Booking<'_>,
) -> Result<(Code, Redemption), CodeUseError> {
    let text = CodeText::parse("code", booking.typed)
        .map_err(|e| CodeUseError::Invalid(ValidationErrors(vec![e])))?;
    let no_such = || invalid("code", "no such code in this business");
    let (mut code, product) = tx
        .code_for_use(booking.business, &text)
        .await?
        .ok_or_else(no_such)?;
    let version = code.version();
    let redemption = code.redeem(
        &product,
        Use {
            appointment: booking.appointment,
            kind: booking.kind.id,
            price: booking.kind.price,
            holder: booking.holder,
            actor: booking.actor,
            today: booking.today,
            now: booking.now,
        },
    )?;
    tx.update_code(&code, version, &[redemption.entry]).await?;
    Ok((code, redemption))
}

/// CO-9, AP-3: gives back to the code of the cancelled `appointment`, if any, what it
/// took, once; `by` staff, or by the client.
pub(crate) async fn give_back(
    tx: &mut dyn Transaction,
    appointment: &Appointment,
    by: Option<StaffId>,
    now: DateTime<Utc>,
) -> Result<(), StorageError> {
    let Some(code) = appointment.code_id() else {
        return Ok(());
    };
    let business = appointment.business_id();
    let appointment = appointment.id();
    let missing = || StorageError::Unexpected("an appointment refers to a missing code".into());
    let mut code = tx
        .code_for_update(business, code)
        .await?
        .ok_or_else(missing)?;
    let entries = tx
        .ledger_of_appointment(business, code.id(), appointment)
        .await?;
    let version = code.version();
    if let Some(entry) = code.give_back(&entries, appointment, by, now) {
        tx.update_code(&code, version, &[entry]).await?;
    }
    Ok(())
}

/// The email a code is assigned to, as typed (AC-10).
pub(crate) fn assigned_email(raw: &str) -> Result<EmailAddress, FieldError> {
    EmailAddress::parse("assigned_to", raw)
}
