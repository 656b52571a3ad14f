//! Appointment types (the service catalogue) and appointments: book, reschedule, cancel,
//! attendance (AP-1 to AP-4).

use chrono::{DateTime, Utc};
use poem_openapi::param::{Header, Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::types::{ParseFromJSON, ToJSON};
use poem_openapi::{ApiResponse, Enum, Object, OpenApi};
use uuid::Uuid;

use clientele_application::Clientele;
use clientele_application::appointments::{Booked, BookingClientInput, BookingInput};
use clientele_application::idempotency::KeptAnswer;
use clientele_application::payments::{CancelOptions, PaymentOutcome};
use clientele_domain::appointment::{
    Appointment, AppointmentStatus, AppointmentType, AppointmentTypeInput, Attendance,
    PaymentStatus,
};
use clientele_domain::audit::AttendanceChange;
use clientele_domain::{AppointmentId, AppointmentTypeId, ClientId, SiteId, StaffId, Version};

use super::clients::ClientView;
use super::{ApiTags, page_limit};
use crate::idempotency::{IdempotencyKey, Replayable, once, request_key};
use crate::problem::Problems;
use crate::problem::can::*;
use crate::security::StaffToken;
use crate::text::{Amount, Text, opt};

/// A service the business offers.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct AppointmentTypeView {
    pub id: Uuid,
    pub name: String,
    pub duration_minutes: u32,
    /// Decimal amount with the currency's decimals, e.g. "60.00".
    pub price: Amount,
    /// ISO-4217 code.
    pub currency: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Send it back with a change (PL-11).
    pub version: i64,
}

impl From<&AppointmentType> for AppointmentTypeView {
    fn from(t: &AppointmentType) -> Self {
        Self {
            id: t.id.as_uuid(),
            name: t.name.as_str().to_owned(),
            duration_minutes: t.duration.get(),
            price: Amount(t.price.amount_text()),
            currency: t.price.currency().code().to_owned(),
            created_at: t.created_at,
            updated_at: t.updated_at,
            version: t.version.get(),
        }
    }
}

/// A new service.
#[derive(Debug, Object)]
#[oai(deny_unknown_fields)]
pub struct NewAppointmentTypeParams {
    pub name: Text,
    /// 1 to 1440.
    pub duration_minutes: i64,
    /// Decimal amount as a string, e.g. "60.00" (non-negative, the currency's decimals).
    pub price: Amount,
    /// ISO-4217 code; default the business's currency.
    pub currency: Option<Text>,
}

/// A service's new details.
#[derive(Debug, Object)]
#[oai(deny_unknown_fields)]
pub struct AppointmentTypeParams {
    /// The version the change is based on (PL-11).
    pub version: i64,
    pub name: Text,
    pub duration_minutes: i64,
    pub price: Amount,
    pub currency: Option<Text>,
}

#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct AppointmentTypePage {
    pub items: Vec<AppointmentTypeView>,
    /// Pass it as `cursor` for the next page; absent on the last page.
    pub next_cursor: Option<String>,
}

#[derive(Debug, Clone, Copy, Enum)]
#[oai(rename_all = "snake_case")]
pub enum AppointmentStatusView {
    Scheduled,
    Cancelled,
}

/// AP-4.
#[derive(Debug, Clone, Copy, Enum)]
#[oai(rename_all = "snake_case")]
pub enum AttendanceParam {
    /// Not arrived yet.
    Booked,
    /// Arrived.
    CheckedIn,
    /// Did not come.
    NoShow,
}

impl From<Attendance> for AttendanceParam {
    fn from(a: Attendance) -> Self {
        match a {
            Attendance::Booked => Self::Booked,
            Attendance::CheckedIn => Self::CheckedIn,
            Attendance::NoShow => Self::NoShow,
        }
    }
}

impl From<AttendanceParam> for Attendance {
    fn from(a: AttendanceParam) -> Self {
        match a {
            AttendanceParam::Booked => Self::Booked,
            AttendanceParam::CheckedIn => Self::CheckedIn,
            AttendanceParam::NoShow => Self::NoShow,
        }
    }
}

/// AP-5: derived from what was paid and refunded.
#[derive(Debug, Clone, Copy, Enum)]
#[oai(rename_all = "snake_case")]
pub enum PaymentStatusView {
    Unpaid,
    DepositPaid,
    Paid,
    PartiallyRefunded,
    Refunded,
}

impl From<PaymentStatus> for PaymentStatusView {
    fn from(p: PaymentStatus) -> Self {
        match p {
            PaymentStatus::Unpaid => Self::Unpaid,
            PaymentStatus::DepositPaid => Self::DepositPaid,
            PaymentStatus::Paid => Self::Paid,
            PaymentStatus::PartiallyRefunded => Self::PartiallyRefunded,
            PaymentStatus::Refunded => Self::Refunded,
        }
    }
}

/// An appointment.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct AppointmentView {
    pub id: Uuid,
    pub client_id: Uuid,
    pub appointment_type_id: Uuid,
    pub site_id: Uuid,
    pub staff_id: Option<Uuid>,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    /// Decimal amount with the currency's decimals, e.g. "60.00".
    pub price: Amount,
    pub currency: String,
    pub status: AppointmentStatusView,
    pub attendance: AttendanceParam,
    pub payment_status: PaymentStatusView,
    /// Paid so far.
    pub paid: Amount,
    /// Refunded so far.
    pub refunded: Amount,
    /// The code that pays for it (CO-9).
    pub code_id: Option<Uuid>,
    /// The part of the price the code pays; nothing of it is due.
    pub covered: Amount,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub cancelled_at: Option<DateTime<Utc>>,
    /// AC-12: the client account it is assigned to (AC-8, AC-9); absent when none.
    pub account_id: Option<Uuid>,
    /// Send it back with a change (PL-11).
    pub version: i64,
}

impl From<&Appointment> for AppointmentView {
    fn from(a: &Appointment) -> Self {
        Self {
            id: a.id().as_uuid(),
            client_id: a.client_id().as_uuid(),
            appointment_type_id: a.type_id().as_uuid(),
            site_id: a.site_id().as_uuid(),
            staff_id: a.staff_id().map(|s| s.as_uuid()),
            starts_at: a.slot().starts_at(),
            ends_at: a.slot().ends_at(),
            price: Amount(a.price().amount_text()),
            currency: a.price().currency().code().to_owned(),
            status: match a.status() {
                AppointmentStatus::Scheduled => AppointmentStatusView::Scheduled,
                AppointmentStatus::Cancelled => AppointmentStatusView::Cancelled,
            },
            attendance: a.attendance().into(),
            payment_status: a.payment_status().into(),
            paid: Amount(a.paid().amount_text()),
            refunded: Amount(a.refunded().amount_text()),
            code_id: a.code_id().map(|c| c.as_uuid()),
            covered: Amount(a.covered().amount_text()),
            created_at: a.created_at(),
            updated_at: a.updated_at(),
            cancelled_at: a.cancelled_at(),
            account_id: a.account_id().map(|account| account.as_uuid()),
            version: a.version().get(),
        }
    }
}

/// Who the appointment is for: `client_id`, or an email that finds the client (or
/// creates them, with `first_name` and `last_name`).
#[derive(Debug, Object)]
#[oai(deny_unknown_fields, skip_serializing_if_is_none)]
pub struct BookingClientParams {
    pub client_id: Option<Uuid>,
    pub email: Option<Text>,
    pub first_name: Option<Text>,
    pub last_name: Option<Text>,
    pub phone: Option<Text>,
}

/// A booking.
#[derive(Debug, Object)]
#[oai(deny_unknown_fields, skip_serializing_if_is_none, example)]
pub struct BookingParams {
    pub appointment_type_id: Uuid,
    /// Default: the caller's current site.
    pub site_id: Option<Uuid>,
    pub staff_id: Option<Uuid>,
    pub starts_at: DateTime<Utc>,
    /// Default: `starts_at` plus the service's duration.
    pub ends_at: Option<DateTime<Utc>>,
    pub client: BookingClientParams,
    /// A code to pay with (CO-9): any case, spaces and dashes ignored. It must be usable
    /// by the client or the email given (CO-11); what it does not cover stays due.
    pub code: Option<Text>,
}

impl poem_openapi::types::Example for BookingParams {
    fn example() -> Self {
        Self {
            appointment_type_id: Uuid::from_u128(0x0193_7f2a_5b1c_7d00_8e00_0000_0000_0001),
            site_id: None,
            staff_id: None,
            starts_at: DateTime::from_timestamp(1_798_794_000, 0).unwrap_or_default(),
            ends_at: None,
            client: BookingClientParams {
                client_id: None,
                email: Some(Text("ana.lima@example.com".into())),
                first_name: Some(Text("Ana".into())),
                last_name: Some(Text("Lima".into())),
                phone: None,
            },
            code: None,
        }
    }
}

/// What booking did.
#[derive(Debug, Object)]
pub struct BookedView {
    pub appointment: AppointmentView,
    pub client: ClientView,
    /// The client was created by this booking.
    pub client_created: bool,
    /// A confirmation email was queued (the client has an email).
    pub confirmation_queued: bool,
}

impl From<&Booked> for BookedView {
    fn from(b: &Booked) -> Self {
        Self {
            appointment: (&b.appointment).into(),
            client: (&b.client).into(),
            client_created: b.client_created,
            confirmation_queued: b.confirmation_queued,
        }
    }
}

/// A new time for an appointment.
#[derive(Debug, Object)]
#[oai(deny_unknown_fields)]
pub struct RescheduleParams {
    /// The version the change is based on (PL-11).
    pub version: i64,
    pub starts_at: DateTime<Utc>,
    /// Default: `starts_at` plus the service's duration.
    pub ends_at: Option<DateTime<Utc>>,
}

/// A cancellation (AP-7).
#[derive(Debug, Object)]
#[oai(deny_unknown_fields)]
pub struct CancelParams {
    /// The version the change is based on (PL-11).
    pub version: i64,
    /// Email the client a cancellation notice.
    #[oai(default)]
    pub notify_client: bool,
    /// Refund everything paid; refused as a whole (nothing cancelled) if a processor
    /// cannot refund.
    #[oai(default)]
    pub refund: bool,
    /// Email the client that they were refunded.
    #[oai(default)]
    pub refund_email: bool,
}

/// An attendance to record.
#[derive(Debug, Object)]
#[oai(deny_unknown_fields)]
pub struct AttendanceParams {
    pub attendance: AttendanceParam,
}

/// One change of attendance.
#[derive(Debug, Object)]
pub struct AttendanceChangeView {
    pub from: AttendanceParam,
    pub to: AttendanceParam,
    /// The staff member who changed it.
    pub actor_id: Uuid,
    pub at: DateTime<Utc>,
}

impl From<&AttendanceChange> for AttendanceChangeView {
    fn from(c: &AttendanceChange) -> Self {
        Self {
            from: c.from.into(),
            to: c.to.into(),
            actor_id: c.actor.as_uuid(),
            at: c.at,
        }
    }
}

#[derive(ApiResponse)]
pub enum CreateTypeResponse {
    /// The appointment type was created.
    #[oai(status = 201)]
    Created(Json<AppointmentTypeView>),
}

#[derive(ApiResponse)]
pub enum BookResponse {
    /// The appointment was booked.
    #[oai(status = 201)]
    Created(Json<BookedView>),
}

impl Replayable for BookResponse {
    fn stored(&self) -> KeptAnswer {
        let Self::Created(body) = self;
        KeptAnswer {
            status: 201,
            body: body.0.to_json_string(),
        }
    }

    fn replayed(stored: &KeptAnswer) -> Option<Self> {
        (stored.status == 201)
            .then(|| BookedView::parse_from_json_string(&stored.body).ok())
            .flatten()
            .map(|view| Self::Created(Json(view)))
    }
}

fn type_input(
    name: Text,
    duration: i64,
    price: Amount,
    currency: Option<Text>,
) -> AppointmentTypeInput {
    AppointmentTypeInput {
        name: name.0,
        duration_minutes: duration,
        price: price.0,
        currency: opt(currency),
    }
}

pub struct AppointmentsApi {
    pub app: Clientele,
}

#[OpenApi(prefix_path = "/v1", tag = "ApiTags::Appointments")]
impl AppointmentsApi {
    /// The business's services.
    #[oai(
        path = "/appointment-types",
        method = "get",
        operation_id = "list_appointment_types"
    )]
    async fn list_types(
        &self,
        auth: StaffToken,
        /// Page size, 1 to 1000 (default 500).
        #[oai(validator(minimum(value = "1"), maximum(value = "1000")))]
        limit: Query<Option<u32>>,
        /// `next_cursor` of the previous page.
        cursor: Query<Option<String>>,
    ) -> Result<Json<AppointmentTypePage>, Problems<{ MALFORM | UNAUTHENTICATE }>> {
        let actor = auth.actor(&self.app).await?;
        let page = self
            .app
            .list_appointment_types(&actor, page_limit(limit.0)?, cursor.0.as_deref())
            .await?;
        Ok(Json(AppointmentTypePage {
            items: page.items.iter().map(Into::into).collect(),
            next_cursor: page.next_cursor,
        }))
    }

    /// Add a service (owner, admin).
    #[oai(
        path = "/appointment-types",
        method = "post",
        operation_id = "create_appointment_type"
    )]
    async fn create_type(
        &self,
        auth: StaffToken,
        body: Json<NewAppointmentTypeParams>,
    ) -> Result<
        CreateTypeResponse,
        Problems<{ UNAUTHENTICATE | FORBID | CONFLICT | TAKE_BODY | BREAK_RULE }>,
    > {
        let actor = auth.actor(&self.app).await?;
        let p = body.0;
        let kind = self
            .app
            .create_appointment_type(
                &actor,
                &type_input(p.name, p.duration_minutes, p.price, p.currency),
            )
            .await?;
        Ok(CreateTypeResponse::Created(Json((&kind).into())))
    }

    /// One service.
    #[oai(
        path = "/appointment-types/:id",
        method = "get",
        operation_id = "get_appointment_type"
    )]
    async fn get_type(
        &self,
        auth: StaffToken,
        id: Path<Uuid>,
    ) -> Result<Json<AppointmentTypeView>, Problems<{ MALFORM | UNAUTHENTICATE | MISS }>> {
        let actor = auth.actor(&self.app).await?;
        let kind = self
            .app
            .appointment_type(&actor, AppointmentTypeId::from_uuid(id.0))
            .await?;
        Ok(Json((&kind).into()))
    }

    /// Replace a service's name, duration and price (owner, admin). Booked appointments
    /// keep the price they were booked at.
    #[oai(
        path = "/appointment-types/:id",
        method = "put",
        operation_id = "update_appointment_type"
    )]
    async fn update_type(
        &self,
        auth: StaffToken,
        id: Path<Uuid>,
        body: Json<AppointmentTypeParams>,
    ) -> Result<
        Json<AppointmentTypeView>,
        Problems<{ MALFORM | UNAUTHENTICATE | FORBID | MISS | CONFLICT | TAKE_BODY | BREAK_RULE }>,
    > {
        let actor = auth.actor(&self.app).await?;
        let p = body.0;
        let kind = self
            .app
            .update_appointment_type(
                &actor,
                AppointmentTypeId::from_uuid(id.0),
                Version::new(p.version),
                &type_input(p.name, p.duration_minutes, p.price, p.currency),
            )
            .await?;
        Ok(Json((&kind).into()))
    }

    /// Book an appointment (AP-2): finds the client by email or creates them, refuses a
    /// banned email (CL-20), and queues the confirmation email.
    #[oai(
        path = "/appointments",
        method = "post",
        operation_id = "book_appointment"
    )]
    async fn book(
        &self,
        auth: StaffToken,
        #[oai(name = "Idempotency-Key")] key: Header<Option<IdempotencyKey>>,
        body: Json<BookingParams>,
    ) -> Result<
        BookResponse,
        Problems<{ UNAUTHENTICATE | FORBID | CONFLICT | TAKE_BODY | BREAK_RULE }>,
    > {
        let actor = auth.actor(&self.app).await?;
        let (app, who, p) = (&self.app, &actor, &body.0);
        once(
            app,
            who,
            key.0.as_deref(),
            "book",
            p,
            |booked: &Booked| BookResponse::Created(Json(booked.into())),
            |completion| async move {
                let input = BookingInput {
                    appointment_type: AppointmentTypeId::from_uuid(p.appointment_type_id),
                    site: p.site_id.map(SiteId::from_uuid),
                    staff: p.staff_id.map(StaffId::from_uuid),
                    starts_at: p.starts_at,
                    ends_at: p.ends_at,
                    client: BookingClientInput {
                        client_id: p.client.client_id.map(ClientId::from_uuid),
                        email: opt(p.client.email.clone()),
                        first_name: opt(p.client.first_name.clone()),
                        last_name: opt(p.client.last_name.clone()),
                        phone: opt(p.client.phone.clone()),
                    },
                    code: opt(p.code.clone()),
                };
                Ok(app.book_appointment(who, &input, completion).await?)
            },
        )
        .await
        .map_err(Into::into)
    }

    /// One appointment of the caller's sites.
    #[oai(
        path = "/appointments/:id",
        method = "get",
        operation_id = "get_appointment"
    )]
    async fn get(
        &self,
        auth: StaffToken,
        id: Path<Uuid>,
    ) -> Result<Json<AppointmentView>, Problems<{ MALFORM | UNAUTHENTICATE | MISS }>> {
        let actor = auth.actor(&self.app).await?;
        let appointment = self
            .app
            .appointment(&actor, AppointmentId::from_uuid(id.0))
            .await?;
        Ok(Json((&appointment).into()))
    }

    /// Move an appointment (AP-3).
    #[oai(
        path = "/appointments/:id/reschedule",
        method = "post",
        operation_id = "reschedule_appointment"
    )]
    async fn reschedule(
        &self,
        auth: StaffToken,
        id: Path<Uuid>,
        body: Json<RescheduleParams>,
    ) -> Result<
        Json<AppointmentView>,
        Problems<{ MALFORM | UNAUTHENTICATE | MISS | CONFLICT | TAKE_BODY | BREAK_RULE }>,
    > {
        let actor = auth.actor(&self.app).await?;
        let p = body.0;
        let appointment = self
            .app
            .reschedule_appointment(
                &actor,
                AppointmentId::from_uuid(id.0),
                Version::new(p.version),
                p.starts_at,
                p.ends_at,
            )
            .await?;
        Ok(Json((&appointment).into()))
    }

    /// Cancel an appointment (AP-3, AP-7), optionally refunding everything paid and
    /// emailing the client.
    #[oai(
        path = "/appointments/:id/cancel",
        method = "post",
        operation_id = "cancel_appointment"
    )]
    async fn cancel(
        &self,
        auth: StaffToken,
        id: Path<Uuid>,
        #[oai(name = "Idempotency-Key")] key: Header<Option<IdempotencyKey>>,
        body: Json<CancelParams>,
    ) -> Result<
        Json<AppointmentView>,
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
        let operation = format!("cancel:{}", id.0);
        let (app, who, p) = (&self.app, &actor, &body.0);
        once(
            app,
            who,
            key.0.as_deref(),
            &operation,
            p,
            |outcome: &PaymentOutcome| Json((&outcome.appointment).into()),
            |completion| async move {
                Ok(app
                    .cancel_appointment(
                        who,
                        AppointmentId::from_uuid(id.0),
                        Version::new(p.version),
                        CancelOptions {
                            refund: p.refund,
                            cancellation_email: p.notify_client,
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

    /// Set or correct attendance (AP-4); each change is recorded.
    #[oai(
        path = "/appointments/:id/attendance",
        method = "put",
        operation_id = "set_attendance"
    )]
    async fn set_attendance(
        &self,
        auth: StaffToken,
        id: Path<Uuid>,
        body: Json<AttendanceParams>,
    ) -> Result<
        Json<AppointmentView>,
        Problems<{ MALFORM | UNAUTHENTICATE | MISS | CONFLICT | TAKE_BODY | BREAK_RULE }>,
    > {
        let actor = auth.actor(&self.app).await?;
        let appointment = self
            .app
            .set_attendance(
                &actor,
                AppointmentId::from_uuid(id.0),
                body.0.attendance.into(),
            )
            .await?;
        Ok(Json((&appointment).into()))
    }

    /// Every change of an appointment's attendance, oldest first (AP-4).
    #[oai(
        path = "/appointments/:id/attendance",
        method = "get",
        operation_id = "attendance_history"
    )]
    async fn attendance_history(
        &self,
        auth: StaffToken,
        id: Path<Uuid>,
    ) -> Result<Json<Vec<AttendanceChangeView>>, Problems<{ MALFORM | UNAUTHENTICATE | MISS }>>
    {
        let actor = auth.actor(&self.app).await?;
        let changes = self
            .app
            .attendance_history(&actor, AppointmentId::from_uuid(id.0))
            .await?;
        Ok(Json(changes.iter().map(Into::into).collect()))
    }
}
