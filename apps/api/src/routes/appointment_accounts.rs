//! AC-9: staff assign an appointment to a client account (the "client user" field), or
//! all of a client's appointments to the account some of them have.

use poem_openapi::param::Path;
use poem_openapi::payload::Json;
use poem_openapi::{Object, OpenApi};
use uuid::Uuid;

use clientele_application::Clientele;
use clientele_domain::{AppointmentId, ClientId, Version};

use super::ApiTags;
use super::appointments::AppointmentView;
use crate::problem::Problems;
use crate::problem::can::*;
use crate::security::StaffToken;
use crate::text::Text;

/// The account an appointment is assigned to.
#[derive(Debug, Object)]
#[oai(deny_unknown_fields)]
pub struct AppointmentAccountParams {
    /// The version the change is based on (PL-11).
    pub version: i64,
    /// The account's email; absent or empty: assigned to no account.
    pub email: Option<Text>,
}

/// The account all of a client's appointments go to.
#[derive(Debug, Object)]
#[oai(deny_unknown_fields)]
pub struct AssignAllParams {
    /// The account's email: the one some of the client's appointments already have.
    pub email: Text,
}

/// What "assign all" did.
#[derive(Debug, Object)]
pub struct AssignedAll {
    /// How many appointments were assigned (those with no account before).
    pub assigned: u64,
}

pub struct AppointmentAccountsApi {
    pub app: Clientele,
}

#[OpenApi(prefix_path = "/v1", tag = "ApiTags::Appointments")]
impl AppointmentAccountsApi {
    /// Assign an appointment to the client account with `email`, or to none (AC-9).
    #[oai(
        path = "/appointments/:id/account",
        method = "put",
        operation_id = "set_appointment_account"
    )]
    async fn set(
        &self,
        auth: StaffToken,
        id: Path<Uuid>,
        body: Json<AppointmentAccountParams>,
    ) -> Result<
        Json<AppointmentView>,
        Problems<{ MALFORM | UNAUTHENTICATE | MISS | CONFLICT | TAKE_BODY | BREAK_RULE }>,
    > {
        let actor = auth.actor(&self.app).await?;
        let p = body.0;
        let appointment = self
            .app
            .set_appointment_account(
                &actor,
                AppointmentId::from_uuid(id.0),
                Version::new(p.version),
                p.email.as_ref().map(|e| e.0.as_str()),
            )
            .await?;
        Ok(Json((&appointment).into()))
    }

    /// Assign every appointment of the client that has no account to the account with
    /// `email` (AC-9): only when some of them already are, and none to another account —
    /// else 409 saying which.
    #[oai(
        path = "/clients/:id/appointments/account",
        method = "post",
        operation_id = "assign_all_appointments"
    )]
    async fn assign_all(
        &self,
        auth: StaffToken,
        id: Path<Uuid>,
        body: Json<AssignAllParams>,
    ) -> Result<
        Json<AssignedAll>,
        Problems<{ MALFORM | UNAUTHENTICATE | MISS | CONFLICT | TAKE_BODY | BREAK_RULE }>,
    > {
        let actor = auth.actor(&self.app).await?;
        let assigned = self
            .app
            .assign_all_appointments(&actor, ClientId::from_uuid(id.0), &body.0.email.0)
            .await?;
        Ok(Json(AssignedAll { assigned }))
    }
}
