//! AP-3, AC-7: a client reschedules or cancels, from their account, an appointment
//! assigned to it — until the business's notice (`client_change_notice_hours`) before it
//! starts. A cancellation gives back what a code paid (CO-9) and emails the client; money
//! paid is refunded by staff, under their rules (AP-7, AP-8).

use chrono::{DateTime, Utc};

use clientele_domain::appointment::{Appointment, Slot};
use clientele_domain::email::EmailKind;
use clientele_domain::{AppointmentId, Business, ValidationErrors, Version};
use clientele_ports::Transaction;

use crate::Clientele;
use crate::accounts::AccountActor;
use crate::appointments::AppointmentError;
use crate::redemption;

/// The account's own appointment at `version`, locked, with its business.
async fn own_appointment(
    tx: &mut dyn Transaction,
    actor: &AccountActor,
    id: AppointmentId,
    version: Version,
) -> Result<(Business, Appointment), AppointmentError> {
    let appointment = match tx.appointment_for_update(actor.business, id).await? {
        Some(a) if a.account_id() == Some(actor.account) => a,
        _ => return Err(AppointmentError::NotFound),
    };
    if appointment.version() != version {
        return Err(AppointmentError::VersionConflict);
    }
    let business = tx
        .business(actor.business)
        .await?
        .ok_or(AppointmentError::NotFound)?;
    Ok((business, appointment))
}

impl Clientele {
    /// AP-3, AC-7: moves the account's appointment to start at `starts_at` (for the
    /// service's duration).
    pub async fn reschedule_my_appointment(
        &self,
        actor: &AccountActor,
        id: AppointmentId,
        version: Version,
        starts_at: DateTime<Utc>,
    ) -> Result<Appointment, AppointmentError> {
        let mut tx = self.storage.begin().await?;
        let (business, mut appointment) = own_appointment(tx.as_mut(), actor, id, version).await?;
        let kind = tx
            .appointment_type(actor.business, appointment.type_id())
            .await?
            .ok_or(AppointmentError::TypeNotFound)?;
        let slot = Slot::for_service(starts_at, None, kind.duration)
            .map_err(|e| AppointmentError::Invalid(ValidationErrors(vec![e])))?;
        let now = self.clock.now();
        let notice = business.settings.client_change_notice_hours;
        appointment.ensure_client_may_change(now, notice, Some(&slot))?;
        appointment.reschedule(slot, now)?;
        tx.update_appointment(&appointment, version).await?;
        tx.commit().await?;
        Ok(appointment)
    }

    /// AP-3, AC-7: cancels the account's appointment; a code gets back what it paid, and
    /// the client gets the cancellation email.
    pub async fn cancel_my_appointment(
        &self,
        actor: &AccountActor,
        id: AppointmentId,
        version: Version,
    ) -> Result<Appointment, AppointmentError> {
        let mut tx = self.storage.begin().await?;
        let (business, mut appointment) = own_appointment(tx.as_mut(), actor, id, version).await?;
        let now = self.clock.now();
        let notice = business.settings.client_change_notice_hours;
        appointment.ensure_client_may_change(now, notice, None)?;
        appointment.cancel(now)?;
        tx.update_appointment(&appointment, version).await?;
        if let Some(code) = appointment.code_id() {
            redemption::give_back(
                tx.as_mut(),
                actor.business,
                None,
                code,
                appointment.id(),
                now,
            )
            .await?;
        }
        self.notify(
            tx.as_mut(),
            &appointment,
            EmailKind::Cancellation,
            |email| email.cancellation(),
        )
        .await?;
        tx.commit().await?;
        Ok(appointment)
    }
}
