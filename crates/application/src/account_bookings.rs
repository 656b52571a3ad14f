//! AC-8 a, AC-11, AC-12: a client books while logged in to their account — for the
//! profile with the account's email, with the autofill of their details — and the
//! appointment is the account's. AP-3, AC-7: they reschedule or cancel an appointment
//! assigned to the account, until the business's notice (`client_change_notice_hours`)
//! before it starts. A cancellation gives back what a code paid (CO-9) and emails the
//! client; money paid is refunded by staff, under their rules (AP-7, AP-8).

use chrono::{DateTime, Utc};

use clientele_domain::appointment::{Appointment, Slot};
use clientele_domain::email::EmailKind;
use clientele_domain::payment::PaymentMethod;
use clientele_domain::{
    AppointmentId, AppointmentTypeId, Business, Client, EmailAddress, SiteId, ValidationErrors,
    Version,
};
use clientele_ports::Transaction;

use crate::Clientele;
use crate::accounts::AccountActor;
use crate::appointments::{
    AppointmentError, Booked, BookingClientInput, Placement, client_with_email, invalid,
};
use crate::redemption;
use crate::webhook_events::Resource;
use clientele_domain::webhook::EventType;

/// A booking made by a client logged in to their account.
#[derive(Debug, Clone)]
pub struct MyBookingInput {
    pub appointment_type: AppointmentTypeId,
    /// Default: the business's first site.
    pub site: Option<SiteId>,
    pub starts_at: DateTime<Utc>,
    /// CO-9: a code to pay with, as typed.
    pub code: Option<String>,
    /// For a profile made by this booking (the account's email has none yet).
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub phone: Option<String>,
}

/// AC-11: what prefills a booking of a logged-in account: the details of the profile
/// with its email, if it has one, and its stored cards.
#[derive(Debug, Clone)]
pub struct Autofill {
    pub email: EmailAddress,
    pub client: Option<Client>,
    pub cards: Vec<PaymentMethod>,
}

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

/// The account acting, verified: a booking goes to the profile with its email, which
/// it must have proved to own (AC-3).
async fn verified_account(
    tx: &mut dyn Transaction,
    actor: &AccountActor,
) -> Result<EmailAddress, AppointmentError> {
    let account = tx
        .account(actor.business, actor.account)
        .await?
        .ok_or(AppointmentError::NotFound)?;
    account
        .verified_email()
        .cloned()
        .ok_or(AppointmentError::AccountUnverified)
}

impl Clientele {
    /// AC-8 a, AP-2: books for the profile with the account's email (the oldest; a new
    /// one when there is none), assigned to the account; the profile gets the account
    /// check mark (AC-12). One transaction, with the confirmation.
    pub async fn book_as_account(
        &self,
        actor: &AccountActor,
        input: &MyBookingInput,
    ) -> Result<Booked, AppointmentError> {
        let mut tx = self.storage.begin().await?;
        let email = verified_account(tx.as_mut(), actor).await?;
        let business = tx
            .business(actor.business)
            .await?
            .ok_or(AppointmentError::NotFound)?;
        let kind = tx
            .appointment_type(business.id, input.appointment_type)
            .await?
            .ok_or_else(|| invalid("appointment_type_id", "no such appointment type"))?;
        let slot = Slot::for_service(input.starts_at, None, kind.duration)
            .map_err(|e| AppointmentError::Invalid(ValidationErrors(vec![e])))?;
        let site = match input.site {
            Some(site) => tx.site(business.id, site).await?.map(|s| s.id),
            None => tx.first_site(business.id).await?,
        }
        .ok_or_else(|| invalid("site_id", "no such site"))?;
        let now = self.clock.now();
        let existing = client_with_email(tx.as_mut(), business.id, &email).await?;
        let details = BookingClientInput {
            client_id: None,
            email: Some(email.as_str().to_owned()),
            first_name: input.first_name.clone(),
            last_name: input.last_name.clone(),
            phone: input.phone.clone(),
        };
        let (mut client, client_created) = self
            .settle_client(
                tx.as_mut(),
                &business,
                existing,
                Some(&email),
                &details,
                site,
                now,
            )
            .await?;
        let version = client.version();
        if client.booked_with_account(now) {
            tx.update_client(&client, version).await?;
        }
        let (appointment, confirmation_queued) = self
            .place(
                tx.as_mut(),
                Placement {
                    business: &business,
                    kind: &kind,
                    client: &client,
                    site,
                    staff: None,
                    slot,
                    code: input.code.as_deref(),
                    code_email: Some(&email),
                    by: None,
                    account: Some(actor.account),
                    now,
                },
            )
            .await?;
        tx.commit().await?;
        Ok(Booked {
            appointment,
            client,
            client_created,
            confirmation_queued,
        })
    }

    /// AC-11: the details that prefill a booking of the account (once verified).
    pub async fn my_autofill(&self, actor: &AccountActor) -> Result<Autofill, AppointmentError> {
        let mut tx = self.storage.read().await?;
        let email = verified_account(tx.as_mut(), actor).await?;
        let client = tx
            .clients_by_email(actor.business, &email.key(), 1)
            .await?
            .into_iter()
            .next();
        let cards = match &client {
            Some(client) => {
                tx.payment_methods_of_client(actor.business, client.id())
                    .await?
            }
            None => Vec::new(),
        };
        Ok(Autofill {
            email,
            client,
            cards,
        })
    }

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
        self.emit(
            tx.as_mut(),
            business.id,
            EventType::AppointmentCancelled,
            Resource::Appointment(&appointment),
        )
        .await?;
        redemption::give_back(tx.as_mut(), &appointment, None, now).await?;
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
