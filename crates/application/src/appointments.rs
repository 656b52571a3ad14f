//! Appointment types and appointments (AP-1 to AP-4, CL-2, CL-20): the service catalogue,
//! booking (finding or creating the client by email, refusing banned emails, queueing the
//! confirmation), rescheduling, cancelling and attendance — each in one transaction.

use chrono::{DateTime, Utc};
use thiserror::Error;

use clientele_domain::account::SIGN_UP_LIFETIME;
use clientele_domain::appointment::{
    Appointment, AppointmentStateError, AppointmentType, AppointmentTypeDetails,
    AppointmentTypeInput, Attendance, NewAppointment, Slot,
};
use clientele_domain::audit::AttendanceChange;
use clientele_domain::client::ClientInput;
use clientele_domain::code::Holder;
use clientele_domain::email::{AppointmentEmail, EmailContent, EmailKind, OutgoingEmail};
use clientele_domain::{
    AccountId, Actor, AppointmentId, AppointmentTypeId, AuditId, Business, BusinessId, Client,
    ClientId, EmailAddress, EmailId, FieldError, Forbidden, NewClient, PageLimit, Permission,
    SiteId, StaffId, ValidationErrors, Version,
};
use clientele_ports::{StorageError, Transaction};

use crate::access::{
    AccessError, business_of, check_sites_usable, default_site, visible_appointment, visible_client,
};
use crate::account_assignments::staff_booking_account;
use crate::cursor::{ForeignCursor, Listing};
use crate::error::{Classify, ErrorKind};
use crate::idempotency::{Completion, complete_in};
use crate::links::SignUpLink;
use crate::redemption::{self, Booking, CodeUseError};
use crate::webhook_events::{Resource, Subscriptions};
use crate::{Clientele, Page};
use clientele_domain::webhook::EventType;

#[derive(Debug, Error)]
pub enum AppointmentError {
    #[error(transparent)]
    Invalid(#[from] ValidationErrors),
    #[error(transparent)]
    Forbidden(#[from] Forbidden),
    #[error(transparent)]
    BadCursor(#[from] ForeignCursor),
    #[error("the appointment does not exist")]
    NotFound,
    #[error("the appointment type does not exist")]
    TypeNotFound,
    #[error("bookings for {0} are refused: the client is banned")]
    Banned(String),
    /// AC-3: a booking from an account goes to the profile with its email, once proved.
    #[error("confirm your email (the link we sent) before booking from your account")]
    AccountUnverified,
    #[error("cannot do this now: {0}")]
    State(#[from] AppointmentStateError),
    #[error("the appointment was changed since the version you sent: read it again")]
    VersionConflict,
    /// CO-9: the code cannot pay for this appointment.
    #[error("the code cannot be used: {0}")]
    CodeRefused(String),
    #[error(transparent)]
    Access(AccessError),
    #[error(transparent)]
    Unexpected(StorageError),
}

impl Classify for AppointmentError {
    fn kind(&self) -> ErrorKind {
        match self {
            Self::Invalid(_) | Self::Banned(_) => ErrorKind::RuleViolated,
            Self::Forbidden(_) | Self::AccountUnverified => ErrorKind::Forbidden,
            Self::BadCursor(_) => ErrorKind::Malformed,
            Self::NotFound | Self::TypeNotFound => ErrorKind::NotFound,
            Self::State(_) | Self::VersionConflict | Self::CodeRefused(_) => ErrorKind::Conflict,
            Self::Access(error) => error.kind(),
            Self::Unexpected(_) => ErrorKind::Unexpected,
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

impl From<StorageError> for AppointmentError {
    fn from(error: StorageError) -> Self {
        match error {
            StorageError::NotFound => Self::NotFound,
            StorageError::VersionConflict => Self::VersionConflict,
            other => Self::Unexpected(other),
        }
    }
}

impl From<AccessError> for AppointmentError {
    fn from(error: AccessError) -> Self {
        match error {
            AccessError::AppointmentNotFound => Self::NotFound,
            AccessError::Storage(error) => error.into(),
            other => Self::Access(other),
        }
    }
}

impl From<CodeUseError> for AppointmentError {
    fn from(error: CodeUseError) -> Self {
        match error {
            CodeUseError::Invalid(errors) => Self::Invalid(errors),
            CodeUseError::Refused(refused) => Self::CodeRefused(refused.to_string()),
            CodeUseError::Change(change) => Self::CodeRefused(change.to_string()),
            CodeUseError::Storage(error) => error.into(),
        }
    }
}

pub(crate) fn invalid(field: &str, message: impl Into<String>) -> AppointmentError {
    AppointmentError::Invalid(ValidationErrors::single(field, message))
}

/// Who the appointment is for: an existing client, or a person found or created by email.
#[derive(Debug, Clone, Default)]
pub struct BookingClientInput {
    pub client_id: Option<ClientId>,
    pub email: Option<String>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub phone: Option<String>,
}

/// A booking as sent by staff.
#[derive(Debug, Clone)]
pub struct BookingInput {
    pub appointment_type: AppointmentTypeId,
    /// Default: the caller's current site.
    pub site: Option<SiteId>,
    pub staff: Option<StaffId>,
    pub starts_at: DateTime<Utc>,
    /// Default: `starts_at` plus the service's duration.
    pub ends_at: Option<DateTime<Utc>>,
    pub client: BookingClientInput,
    /// CO-9, CO-11: a code (package, gift certificate, subscription) to pay with, as
    /// typed; it must be usable by the booking's client or email.
    pub code: Option<String>,
}

/// What booking did.
#[derive(Debug, Clone)]
pub struct Booked {
    pub appointment: Appointment,
    pub client: Client,
    /// Whether the client was created by this booking (CL-2).
    pub client_created: bool,
    /// Whether a confirmation email was queued (the client has an email).
    pub confirmation_queued: bool,
}

/// What a booking places once its client is known (AP-2), whoever books it.
pub(crate) struct Placement<'a> {
    pub business: &'a Business,
    pub kind: &'a AppointmentType,
    pub client: &'a Client,
    pub site: SiteId,
    pub staff: Option<StaffId>,
    pub slot: Slot,
    /// CO-9: a code to pay with, as typed, and the email it is used with (else the
    /// client's).
    pub code: Option<&'a str>,
    pub code_email: Option<&'a EmailAddress>,
    /// The staff member booking; `None` for the client themselves.
    pub by: Option<StaffId>,
    /// AC-8: the account it is assigned to.
    pub account: Option<AccountId>,
    pub now: DateTime<Utc>,
}

const TYPES: &str = "appointment_types";

impl Clientele {
    pub async fn create_appointment_type(
        &self,
        actor: &Actor,
        input: &AppointmentTypeInput,
    ) -> Result<AppointmentType, AppointmentError> {
        actor.require(Permission::ManageServices)?;
        let mut tx = self.storage.begin().await?;
        let business = business_of(tx.as_mut(), actor).await?;
        let details = AppointmentTypeDetails::parse(input, business.settings.currency)?;
        let kind = AppointmentType::new(
            AppointmentTypeId::from_uuid(self.ids.new_id()),
            actor.business_id,
            details,
            self.clock.now(),
        );
        tx.insert_appointment_type(&kind).await?;
        tx.commit().await?;
        Ok(kind)
    }

    pub async fn update_appointment_type(
        &self,
        actor: &Actor,
        id: AppointmentTypeId,
        version: Version,
        input: &AppointmentTypeInput,
    ) -> Result<AppointmentType, AppointmentError> {
        actor.require(Permission::ManageServices)?;
        let mut tx = self.storage.begin().await?;
        let business = business_of(tx.as_mut(), actor).await?;
        let details = AppointmentTypeDetails::parse(input, business.settings.currency)?;
        let mut kind = tx
            .appointment_type(actor.business_id, id)
            .await?
            .ok_or(AppointmentError::TypeNotFound)?;
        if kind.version != version {
            return Err(AppointmentError::VersionConflict);
        }
        kind.replace(details, self.clock.now());
        tx.update_appointment_type(&kind, version).await?;
        tx.commit().await?;
        Ok(kind)
    }

    pub async fn appointment_type(
        &self,
        actor: &Actor,
        id: AppointmentTypeId,
    ) -> Result<AppointmentType, AppointmentError> {
        let mut tx = self.storage.read().await?;
        tx.appointment_type(actor.business_id, id)
            .await?
            .ok_or(AppointmentError::TypeNotFound)
    }

    pub async fn list_appointment_types(
        &self,
        actor: &Actor,
        limit: PageLimit,
        cursor: Option<&str>,
    ) -> Result<Page<AppointmentType>, AppointmentError> {
        let listing = Listing::of(actor.business_id, TYPES);
        let after: Option<AppointmentTypeId> = self.cursors.decode_opt(&listing, cursor)?;
        let mut tx = self.storage.read().await?;
        let rows = tx
            .appointment_types(actor.business_id, after, limit.get() + 1)
            .await?;
        Ok(self.cursors.paginate(&listing, rows, limit.get(), |t| t.id))
    }

    /// AP-2, CL-2, CL-20: books an appointment, finding or creating the client by email
    /// and queueing the confirmation, all in one transaction.
    pub async fn book_appointment(
        &self,
        actor: &Actor,
        input: &BookingInput,
        completion: Option<Completion<Booked>>,
    ) -> Result<Booked, AppointmentError> {
        let mut tx = self.storage.begin().await?;
        let business = business_of(tx.as_mut(), actor).await?;
        let kind = tx
            .appointment_type(actor.business_id, input.appointment_type)
            .await?
            .ok_or_else(|| invalid("appointment_type_id", "no such appointment type"))?;
        let slot = Slot::for_service(input.starts_at, input.ends_at, kind.duration)
            .map_err(|e| AppointmentError::Invalid(ValidationErrors(vec![e])))?;
        let site = match input.site {
            Some(site) => {
                check_sites_usable(tx.as_mut(), actor, &[site]).await?;
                site
            }
            None => default_site(tx.as_mut(), actor).await?,
        };
        if let Some(staff) = input.staff {
            tx.staff_member(actor.business_id, staff)
                .await?
                .ok_or_else(|| invalid("staff_id", "no such staff member"))?;
        }
        let now = self.clock.now();
        let (client, client_created) = self
            .booking_client(tx.as_mut(), actor, &business, &input.client, site, now)
            .await?;
        let typed_email = (input.client.email.as_deref())
            .and_then(|e| EmailAddress::parse("client.email", e).ok());
        let account = staff_booking_account(tx.as_mut(), business.id, &client).await?;
        let (appointment, confirmation_queued) = self
            .place(
                tx.as_mut(),
                Placement {
                    business: &business,
                    kind: &kind,
                    client: &client,
                    site,
                    staff: input.staff,
                    slot,
                    code: input.code.as_deref(),
                    code_email: typed_email.as_ref(),
                    by: Some(actor.staff_id),
                    account,
                    now,
                },
            )
            .await?;
        let booked = Booked {
            appointment,
            client,
            client_created,
            confirmation_queued,
        };
        complete_in(tx.as_mut(), actor.business_id, completion, &booked).await?;
        tx.commit().await?;
        Ok(booked)
    }

    /// AP-2: books `p` in `tx`: the appointment, what its code pays (CO-9) and its
    /// confirmation; whether a confirmation was queued (the client has an email).
    pub(crate) async fn place(
        &self,
        tx: &mut dyn Transaction,
        p: Placement<'_>,
    ) -> Result<(Appointment, bool), AppointmentError> {
        let mut appointment = Appointment::book(
            AppointmentId::from_uuid(self.ids.new_id()),
            p.business.id,
            NewAppointment {
                client_id: p.client.id(),
                appointment_type: p.kind.id,
                site_id: p.site,
                staff_id: p.staff,
                slot: p.slot,
                price: p.kind.price,
            },
            p.now,
        );
        // The endpoints are read once for the booking's events.
        let mut subscriptions = Subscriptions::default();
        if let Some(typed) = p.code.filter(|t| !t.trim().is_empty()) {
            let (code, used) = redemption::redeem(
                tx,
                Booking {
                    business: p.business.id,
                    typed,
                    holder: Holder {
                        client: p.client.id(),
                        email: p.code_email.or(p.client.email()),
                    },
                    appointment: appointment.id(),
                    kind: p.kind,
                    actor: p.by,
                    today: p.business.settings.time_zone.today(p.now),
                    now: p.now,
                },
            )
            .await?;
            appointment = appointment.with_code(code.id(), used.covered);
            self.emit_to(
                tx,
                &mut subscriptions,
                p.business.id,
                EventType::CodeRedeemed,
                Resource::Code(&code),
            )
            .await?;
        }
        if let Some(account) = p.account {
            appointment = appointment.assigned_to(account);
        }
        tx.insert_appointment(&appointment).await?;
        self.emit_to(
            tx,
            &mut subscriptions,
            p.business.id,
            EventType::AppointmentBooked,
            Resource::Appointment(&appointment),
        )
        .await?;
        let Some(to) = p.client.email() else {
            return Ok((appointment, false));
        };
        let content = self
            .appointment_email(p.business, p.client, p.kind, &appointment)
            .booking_confirmation();
        let site = Some(appointment.site_id());
        self.enqueue(
            tx,
            p.business,
            site,
            EmailKind::BookingConfirmation,
            to,
            content,
        )
        .await?;
        Ok((appointment, true))
    }

    /// The client of a booking (CL-2): the one named, else the oldest with the email, else
    /// a new one. Refuses a banned email (CL-20). The client joins the booking's site.
    async fn booking_client(
        &self,
        tx: &mut dyn Transaction,
        actor: &Actor,
        business: &Business,
        input: &BookingClientInput,
        site: SiteId,
        now: DateTime<Utc>,
    ) -> Result<(Client, bool), AppointmentError> {
        let email = input
            .email
            .as_deref()
            .filter(|e| !e.trim().is_empty())
            .map(|e| EmailAddress::parse("client.email", e))
            .transpose()
            .map_err(|e| AppointmentError::Invalid(ValidationErrors(vec![e])))?;
        let existing = match (input.client_id, &email) {
            (Some(id), _) => Some(visible_client(tx, actor, id).await.map_err(|e| match e {
                AccessError::ClientNotFound => invalid("client.client_id", "no such client"),
                other => other.into(),
            })?),
            (None, Some(email)) => client_with_email(tx, business.id, email).await?,
            (None, None) => {
                return Err(invalid(
                    "client",
                    "name an existing client (client_id) or give the client's email",
                ));
            }
        };
        self.settle_client(tx, business, existing, email.as_ref(), input, site, now)
            .await
    }

    /// The client of a booking (CL-2): `existing`, refused when banned (CL-20) and joining
    /// the booking's `site`; else a new one from `input` with `email`. Whether it is new.
    #[allow(clippy::too_many_arguments)]
    pub(crate) async fn settle_client(
        &self,
        tx: &mut dyn Transaction,
        business: &Business,
        existing: Option<Client>,
        email: Option<&EmailAddress>,
        input: &BookingClientInput,
        site: SiteId,
        now: DateTime<Utc>,
    ) -> Result<(Client, bool), AppointmentError> {
        match existing {
            Some(mut client) => {
                if client.banned() {
                    let shown = client
                        .email()
                        .as_ref()
                        .map_or("this client", |e| e.as_str());
                    return Err(AppointmentError::Banned(shown.to_owned()));
                }
                if let Some(email) = &client.email() {
                    refuse_banned(tx, business.id, email).await?;
                }
                let version = client.version();
                if client.visit_site(site, now) {
                    tx.update_client(&client, version).await?;
                }
                Ok((client, false))
            }
            None => {
                let new = NewClient::parse(&ClientInput {
                    first_name: input.first_name.clone().unwrap_or_default(),
                    last_name: input.last_name.clone().unwrap_or_default(),
                    email: email.map(|e| e.as_str().to_owned()),
                    phone: input.phone.clone(),
                    sites: None,
                    client_notes: None,
                    custom_fields: Default::default(),
                })
                .map_err(|errors| {
                    ValidationErrors(errors.0.into_iter().map(|e| e.within("client")).collect())
                })?;
                let mut new = new;
                new.phone =
                    (new.phone.take()).map(|p| p.in_country(business.settings.default_country));
                let client = Client::create(
                    ClientId::from_uuid(self.ids.new_id()),
                    business.id,
                    new,
                    vec![site],
                    now,
                    business.settings.time_zone.today(now),
                );
                tx.insert_client(&client).await?;
                self.emit(
                    tx,
                    business.id,
                    EventType::ClientCreated,
                    Resource::Client(&client),
                )
                .await?;
                Ok((client, true))
            }
        }
    }

    /// An appointment of the caller's sites.
    pub async fn appointment(
        &self,
        actor: &Actor,
        id: AppointmentId,
    ) -> Result<Appointment, AppointmentError> {
        let mut tx = self.storage.read().await?;
        Ok(visible_appointment(tx.as_mut(), actor, id).await?)
    }

    /// AP-3: moves an appointment, based on its `version`.
    pub async fn reschedule_appointment(
        &self,
        actor: &Actor,
        id: AppointmentId,
        version: Version,
        starts_at: DateTime<Utc>,
        ends_at: Option<DateTime<Utc>>,
    ) -> Result<Appointment, AppointmentError> {
        let mut tx = self.storage.begin().await?;
        let mut appointment = visible_appointment(tx.as_mut(), actor, id).await?;
        if appointment.version() != version {
            return Err(AppointmentError::VersionConflict);
        }
        let kind = tx
            .appointment_type(actor.business_id, appointment.type_id())
            .await?
            .ok_or(AppointmentError::TypeNotFound)?;
        let slot = Slot::for_service(starts_at, ends_at, kind.duration)
            .map_err(|e| AppointmentError::Invalid(ValidationErrors(vec![e])))?;
        appointment.reschedule(slot, self.clock.now())?;
        tx.update_appointment(&appointment, version).await?;
        tx.commit().await?;
        Ok(appointment)
    }

    /// AP-4: sets or corrects attendance, recording who changed it and when.
    pub async fn set_attendance(
        &self,
        actor: &Actor,
        id: AppointmentId,
        attendance: Attendance,
    ) -> Result<Appointment, AppointmentError> {
        let mut tx = self.storage.begin().await?;
        let mut appointment = visible_appointment(tx.as_mut(), actor, id).await?;
        let version = appointment.version();
        let now = self.clock.now();
        if let Some(previous) = appointment.set_attendance(attendance, now)? {
            tx.update_appointment(&appointment, version).await?;
            self.emit(
                tx.as_mut(),
                actor.business_id,
                EventType::AttendanceChanged,
                Resource::Appointment(&appointment),
            )
            .await?;
            tx.record_attendance_change(&AttendanceChange {
                id: AuditId::from_uuid(self.ids.new_id()),
                business_id: actor.business_id,
                appointment_id: appointment.id(),
                from: previous,
                to: attendance,
                actor: actor.staff_id,
                at: now,
            })
            .await?;
            tx.commit().await?;
        }
        Ok(appointment)
    }

    /// AP-4: every attendance change of an appointment, oldest first.
    pub async fn attendance_history(
        &self,
        actor: &Actor,
        id: AppointmentId,
    ) -> Result<Vec<AttendanceChange>, AppointmentError> {
        let mut tx = self.storage.read().await?;
        visible_appointment(tx.as_mut(), actor, id).await?;
        Ok(tx.attendance_changes(actor.business_id, id).await?)
    }

    /// The texts of an appointment's emails.
    fn appointment_email<'a>(
        &self,
        business: &'a Business,
        client: &'a Client,
        kind: &'a AppointmentType,
        appointment: &Appointment,
    ) -> AppointmentEmail<'a> {
        AppointmentEmail {
            business_name: business.name.as_str(),
            client_first_name: client.first_name().as_str(),
            service: kind.name.as_str(),
            starts_at: appointment.slot().starts_at(),
            time_zone: business.settings.time_zone,
            manage_url: format!(
                "{}/appointments/{}",
                self.config.public_url.trim_end_matches('/'),
                appointment.id()
            ),
            sign_up_url: business.settings.client_accounts_enabled.then(|| {
                let token = self.cursors.links().sign_up_token(&SignUpLink {
                    business: business.id,
                    appointment: appointment.id(),
                    expires_at: self.clock.now() + SIGN_UP_LIFETIME,
                });
                format!(
                    "{}/sign-up?token={token}",
                    self.config.public_url.trim_end_matches('/')
                )
            }),
        }
    }

    /// Queues an email about `appointment` to its client, if the client has an email.
    pub(crate) async fn notify(
        &self,
        tx: &mut dyn Transaction,
        appointment: &Appointment,
        kind: EmailKind,
        render: impl FnOnce(&AppointmentEmail<'_>) -> EmailContent + Send,
    ) -> Result<bool, StorageError> {
        let business_id = appointment.business_id();
        let missing =
            || StorageError::Unexpected("an appointment refers to a missing record".into());
        let business = tx.business(business_id).await?.ok_or_else(missing)?;
        let client = tx
            .client(business_id, appointment.client_id())
            .await?
            .ok_or_else(missing)?;
        let service = tx
            .appointment_type(business_id, appointment.type_id())
            .await?
            .ok_or_else(missing)?;
        let Some(to) = client.email() else {
            return Ok(false);
        };
        let content = render(&self.appointment_email(&business, &client, &service, appointment));
        let site = Some(appointment.site_id());
        self.enqueue(tx, &business, site, kind, to, content).await?;
        Ok(true)
    }

    /// PL-18: writes an email to the outbox, in the caller's transaction, about `site`
    /// (PL-14: who may list it).
    pub(crate) async fn enqueue(
        &self,
        tx: &mut dyn Transaction,
        business: &Business,
        site: Option<SiteId>,
        kind: EmailKind,
        to: &EmailAddress,
        content: EmailContent,
    ) -> Result<(), StorageError> {
        tx.enqueue_email(&OutgoingEmail {
            id: EmailId::from_uuid(self.ids.new_id()),
            business_id: business.id,
            site_id: site,
            kind,
            to: to.clone(),
            content,
            created_at: self.clock.now(),
        })
        .await
    }
}

/// CL-20: refuses when a client with this email (compared case-insensitively, trimmed) is
/// banned.
async fn refuse_banned(
    tx: &mut dyn Transaction,
    business: BusinessId,
    email: &EmailAddress,
) -> Result<(), AppointmentError> {
    if tx.email_banned(business, &email.key()).await? {
        Err(AppointmentError::Banned(email.as_str().to_owned()))
    } else {
        Ok(())
    }
}

/// CL-2, CL-20: the oldest client with `email`, if any; a banned email is refused.
pub(crate) async fn client_with_email(
    tx: &mut dyn Transaction,
    business: BusinessId,
    email: &EmailAddress,
) -> Result<Option<Client>, AppointmentError> {
    refuse_banned(tx, business, email).await?;
    Ok(tx
        .clients_by_email(business, &email.key(), 1)
        .await?
        .into_iter()
        .next())
}
