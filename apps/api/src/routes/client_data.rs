//! A data access request (CL-25): everything held about one client, as JSON.

use poem_openapi::param::Path;
use poem_openapi::payload::Json;
use poem_openapi::{Object, OpenApi};
use uuid::Uuid;

use clientele_application::Clientele;
use clientele_application::client_data::ClientData;
use clientele_domain::ClientId;

use super::ApiTags;
use super::appointments::AppointmentView;
use super::clients::{AuditEntryView, ClientView};
use super::codes::CodeView;
use super::contact_card::{DocumentView, NoteView};
use super::credits::CreditView;
use super::marketing::ConsentChangeView;
use super::memberships::MembershipView;
use super::payments::{InvoiceView, PaymentMethodView, PaymentView};
use crate::problem::Problems;
use crate::problem::can::*;
use crate::security::StaffToken;

/// Everything held about a client (CL-25).
#[derive(Debug, Object)]
pub struct ClientDataView {
    pub client: ClientView,
    /// Latest first.
    pub appointments: Vec<AppointmentView>,
    /// The payments and refunds of those appointments.
    pub payments: Vec<PaymentView>,
    pub invoices: Vec<InvoiceView>,
    /// Stored cards (the processor keeps the card itself).
    pub payment_methods: Vec<PaymentMethodView>,
    /// Packages, gift certificates and subscriptions held, newest first.
    pub codes: Vec<CodeView>,
    pub memberships: Vec<MembershipView>,
    pub credits: Vec<CreditView>,
    /// Every marketing consent change, newest first.
    pub consent_history: Vec<ConsentChangeView>,
    pub notes: Vec<NoteView>,
    /// The documents' descriptions (their content is read one by one).
    pub documents: Vec<DocumentView>,
    /// The profile's audit trail, newest first.
    pub audit: Vec<AuditEntryView>,
}

fn all<T, V: for<'a> From<&'a T>>(items: &[T]) -> Vec<V> {
    items.iter().map(V::from).collect()
}

impl From<&ClientData> for ClientDataView {
    fn from(d: &ClientData) -> Self {
        Self {
            client: (&d.client).into(),
            appointments: all(&d.appointments),
            payments: all(&d.payments),
            invoices: all(&d.invoices),
            payment_methods: all(&d.payment_methods),
            codes: all(&d.codes),
            memberships: all(&d.memberships),
            credits: all(&d.credits),
            consent_history: all(&d.consent_history),
            notes: all(&d.notes),
            documents: all(&d.documents),
            audit: all(&d.audit),
        }
    }
}

pub struct ClientDataApi {
    pub app: Clientele,
}

#[OpenApi(prefix_path = "/v1", tag = "ApiTags::Clients")]
impl ClientDataApi {
    /// Everything held about a client, in one answer (CL-25: a data access request;
    /// owner, admin): profile, appointments with their payments and invoices, stored
    /// cards, codes, memberships, credits, consent history, notes, documents and audit.
    #[oai(
        path = "/clients/:id/data",
        method = "get",
        operation_id = "get_client_data"
    )]
    async fn data(
        &self,
        auth: StaffToken,
        id: Path<Uuid>,
    ) -> Result<Json<ClientDataView>, Problems<{ MALFORM | UNAUTHENTICATE | FORBID | MISS }>> {
        let actor = auth.actor(&self.app).await?;
        let data = self
            .app
            .client_data(&actor, ClientId::from_uuid(id.0))
            .await?;
        Ok(Json((&data).into()))
    }
}
