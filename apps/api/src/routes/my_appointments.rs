//! A client's appointments through their account: the list (AC-7), booking logged in
//! (AC-8 a) with the details that prefill it (AC-11), and rescheduling or cancelling
//! until the business's notice before it starts (AP-3, `client_change_notice_hours`).

use chrono::{DateTime, Utc};
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Object, OpenApi};
use uuid::Uuid;

use clientele_application::Clientele;
use clientele_application::account_bookings::{Autofill, MyBookingInput};
use clientele_domain::appointment::{Appointment, AppointmentStatus};
use clientele_domain::{AppointmentId, AppointmentTypeId, SiteId, Version};

use super::appointments::AppointmentStatusView;
use super::{ApiTags, page_limit};
use crate::problem::Problems;
use crate::problem::can::*;
use crate::security::ClientSession;
use crate::text::{Amount, Text};

/// An appointment of the account (AC-7): no staff notes, no payment details.
#[derive(Debug, Object)]
pub struct MyAppointmentView {
    pub id: Uuid,
    pub appointment_type_id: Uuid,
    pub site_id: Uuid,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub price: Amount,
    pub currency: String,
    pub status: AppointmentStatusView,
    /// Send it back with a reschedule or a cancellation (PL-11).
    pub version: i64,
}

impl From<&Appointment> for MyAppointmentView {
    fn from(a: &Appointment) -> Self {
        Self {
            id: a.id().as_uuid(),
            appointment_type_id: a.type_id().as_uuid(),
            site_id: a.site_id().as_uuid(),
            starts_at: a.slot().starts_at(),
            ends_at: a.slot().ends_at(),
            price: Amount(a.price().amount_text()),
            currency: a.price().currency().code().to_owned(),
            status: match a.status() {
                AppointmentStatus::Scheduled => AppointmentStatusView::Scheduled,
                AppointmentStatus::Cancelled => AppointmentStatusView::Cancelled,
            },
            version: a.version().get(),
        }
    }
}

/// A page of the account's appointments, latest first.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct MyAppointmentPage {
    pub items: Vec<MyAppointmentView>,
    /// Pass it as `cursor` for the next page; absent on the last page.
    pub next_cursor: Option<String>,
}

/// A booking by the client logged in: for the profile with the account's email.
#[derive(Debug, Object)]
#[oai(deny_unknown_fields)]
pub struct MyBookingParams {
    pub appointment_type_id: Uuid,
    /// Default: the business's first site.
    pub site_id: Option<Uuid>,
    /// The end follows from the service's duration.
    pub starts_at: DateTime<Utc>,
    /// A package, gift certificate or subscription code to pay with (CO-9), as typed.
    pub code: Option<Text>,
    /// Used only when the account's email has no profile yet (see `GET
    /// /v1/me/autofill`).
    pub first_name: Option<Text>,
    pub last_name: Option<Text>,
    pub phone: Option<Text>,
}

#[derive(ApiResponse)]
pub enum MyBookingResponse {
    /// Booked, assigned to the account; the confirmation is on its way.
    #[oai(status = 201)]
    Booked(Json<MyAppointmentView>),
}

/// A stored card to pay with.
#[derive(Debug, Object)]
pub struct MyCardView {
    pub id: Uuid,
    pub brand: String,
    pub last4: String,
}

/// AC-11: what prefills a booking: the profile's details, if the account's email has a
/// profile, and its stored cards.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct AutofillView {
    pub email: String,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub phone: Option<String>,
    pub cards: Vec<MyCardView>,
}

impl From<&Autofill> for AutofillView {
    fn from(a: &Autofill) -> Self {
        let client = a.client.as_ref();
        Self {
            email: a.email.as_str().to_owned(),
            first_name: client.map(|c| c.first_name().as_str().to_owned()),
            last_name: client.map(|c| c.last_name().as_str().to_owned()),
            phone: client.and_then(|c| c.phone().map(|p| p.as_typed().to_owned())),
            cards: (a.cards.iter())
                .map(|m| MyCardView {
                    id: m.id.as_uuid(),
                    brand: m.brand.clone(),
                    last4: m.last4.clone(),
                })
                .collect(),
        }
    }
}

/// A new start; the end follows from the service's duration.
#[derive(Debug, Object)]
#[oai(deny_unknown_fields)]
pub struct MyRescheduleParams {
    /// The version the change is based on (PL-11).
    pub version: i64,
    pub starts_at: DateTime<Utc>,
}

/// A cancellation.
#[derive(Debug, Object)]
#[oai(deny_unknown_fields)]
pub struct MyCancelParams {
    /// The version the change is based on (PL-11).
    pub version: i64,
}

type Changed = Result<
    Json<MyAppointmentView>,
    Problems<{ MALFORM | UNAUTHENTICATE | MISS | CONFLICT | TAKE_BODY | BREAK_RULE }>,
>;

pub struct MyAppointmentsApi {
    pub app: Clientele,
}

#[OpenApi(prefix_path = "/v1/me", tag = "ApiTags::Accounts")]
impl MyAppointmentsApi {
    /// The account's appointments, past and upcoming, latest first (AC-7): those booked
    /// logged in to it, those staff book with its email, and those booked before it was
    /// created once it is verified (AC-8).
    #[oai(
        path = "/appointments",
        method = "get",
        operation_id = "list_my_appointments"
    )]
    async fn appointments(
        &self,
        auth: ClientSession,
        /// Page size, 1 to 1000 (default 500).
        #[oai(validator(minimum(value = "1"), maximum(value = "1000")))]
        limit: Query<Option<u32>>,
        /// `next_cursor` of the previous page.
        cursor: Query<Option<String>>,
    ) -> Result<Json<MyAppointmentPage>, Problems<{ MALFORM | UNAUTHENTICATE }>> {
        let actor = auth.actor(&self.app).await?;
        let page = self
            .app
            .my_appointments(&actor, page_limit(limit.0)?, cursor.0.as_deref())
            .await?;
        Ok(Json(MyAppointmentPage {
            items: page.items.iter().map(Into::into).collect(),
            next_cursor: page.next_cursor,
        }))
    }

    /// Book logged in (AC-8 a): for the profile with the account's (verified) email —
    /// a new one, from `first_name`, `last_name` and `phone`, when there is none — and
    /// assigned to the account. 403 until the email is verified.
    #[oai(
        path = "/appointments",
        method = "post",
        operation_id = "book_my_appointment"
    )]
    async fn book(
        &self,
        auth: ClientSession,
        body: Json<MyBookingParams>,
    ) -> Result<
        MyBookingResponse,
        Problems<{ UNAUTHENTICATE | FORBID | MISS | CONFLICT | TAKE_BODY | BREAK_RULE }>,
    > {
        let actor = auth.actor(&self.app).await?;
        let p = body.0;
        let input = MyBookingInput {
            appointment_type: AppointmentTypeId::from_uuid(p.appointment_type_id),
            site: p.site_id.map(SiteId::from_uuid),
            starts_at: p.starts_at,
            code: p.code.map(Text::into_inner),
            first_name: p.first_name.map(Text::into_inner),
            last_name: p.last_name.map(Text::into_inner),
            phone: p.phone.map(Text::into_inner),
        };
        let booked = self.app.book_as_account(&actor, &input).await?;
        Ok(MyBookingResponse::Booked(Json(
            (&booked.appointment).into(),
        )))
    }

    /// What prefills a booking (AC-11): the name, phone and email of the profile with the
    /// account's email, and its stored cards. 403 until the email is verified.
    #[oai(path = "/autofill", method = "get", operation_id = "get_my_autofill")]
    async fn autofill(
        &self,
        auth: ClientSession,
    ) -> Result<Json<AutofillView>, Problems<{ UNAUTHENTICATE | FORBID }>> {
        let actor = auth.actor(&self.app).await?;
        let autofill = self.app.my_autofill(&actor).await?;
        Ok(Json((&autofill).into()))
    }

    /// Move one of the account's appointments (AP-3): 409 when it is cancelled or starts
    /// within the business's notice, or when the new start does.
    #[oai(
        path = "/appointments/:id/reschedule",
        method = "post",
        operation_id = "reschedule_my_appointment"
    )]
    async fn reschedule(
        &self,
        auth: ClientSession,
        id: Path<Uuid>,
        body: Json<MyRescheduleParams>,
    ) -> Changed {
        let actor = auth.actor(&self.app).await?;
        let appointment = self
            .app
            .reschedule_my_appointment(
                &actor,
                AppointmentId::from_uuid(id.0),
                Version::new(body.0.version),
                body.0.starts_at,
            )
            .await?;
        Ok(Json((&appointment).into()))
    }

    /// Cancel one of the account's appointments (AP-3): what a code paid goes back to it
    /// and the cancellation is emailed; a refund of money paid is the business's to make.
    /// 409 when it starts within the business's notice.
    #[oai(
        path = "/appointments/:id/cancel",
        method = "post",
        operation_id = "cancel_my_appointment"
    )]
    async fn cancel(
        &self,
        auth: ClientSession,
        id: Path<Uuid>,
        body: Json<MyCancelParams>,
    ) -> Changed {
        let actor = auth.actor(&self.app).await?;
        let appointment = self
            .app
            .cancel_my_appointment(
                &actor,
                AppointmentId::from_uuid(id.0),
                Version::new(body.0.version),
            )
            .await?;
        Ok(Json((&appointment).into()))
    }
}
