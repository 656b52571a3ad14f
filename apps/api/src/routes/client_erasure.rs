//! Anonymising a client (CL-22).

use poem_openapi::OpenApi;
use poem_openapi::param::Path;
use poem_openapi::payload::Json;
use uuid::Uuid;

use clientele_application::Clientele;
use clientele_domain::ClientId;

use super::ApiTags;
use super::clients::ClientView;
use crate::problem::Problems;
use crate::problem::can::*;
use crate::security::StaffToken;

pub struct ClientErasureApi {
    pub app: Clientele,
}

#[OpenApi(prefix_path = "/v1", tag = "ApiTags::Clients")]
impl ClientErasureApi {
    /// Erase a client's personal data (owner, admin; CL-22): their name becomes
    /// "Anonymised client"; their email, phone, client notes, custom values, notes,
    /// documents, stored cards, consents, the emails sent to them, the audit's values and
    /// the stored answers naming them are removed. Appointments, orders, payments, codes
    /// and memberships stay, pointing to the anonymised profile; the audit keeps that it
    /// happened. Cannot be undone; doing it again changes nothing.
    #[oai(
        path = "/clients/:id/anonymise",
        method = "post",
        operation_id = "anonymise_client"
    )]
    async fn anonymise(
        &self,
        auth: StaffToken,
        id: Path<Uuid>,
    ) -> Result<Json<ClientView>, Problems<{ MALFORM | UNAUTHENTICATE | FORBID | MISS | CONFLICT }>>
    {
        let actor = auth.actor(&self.app).await?;
        let client = self
            .app
            .anonymise_client(&actor, ClientId::from_uuid(id.0))
            .await?;
        Ok(Json((&client).into()))
    }
}
