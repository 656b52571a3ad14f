//! AP-3, AC-7: a client reschedules or cancels an appointment of their account, until the
//! business's notice before it starts (`client_change_notice_hours`).

use chrono::{DateTime, Utc};
use poem_openapi::param::Path;
use poem_openapi::payload::Json;
use poem_openapi::{Object, OpenApi};
use uuid::Uuid;

use clientele_application::Clientele;
use clientele_domain::{AppointmentId, Version};

use super::ApiTags;
use super::accounts::MyAppointmentView;
use crate::problem::Problems;
use crate::problem::can::*;
use crate::security::ClientSession;

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

#[OpenApi(prefix_path = "/v1/me/appointments", tag = "ApiTags::Accounts")]
impl MyAppointmentsApi {
    /// Move one of the account's appointments (AP-3): 409 when it is cancelled or starts
    /// within the business's notice, or when the new start does.
    #[oai(
        path = "/:id/reschedule",
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
        path = "/:id/cancel",
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
