//! PL-24: the business's webhook endpoints (owner, admin). The secret that signs
//! deliveries is shown once: in the answer that makes it (creation, rotation).

use chrono::{DateTime, Utc};
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Object, OpenApi};
use uuid::Uuid;

use clientele_application::Clientele;
use clientele_application::webhooks::WithSecret;
use clientele_domain::webhook::{EndpointChanges, EndpointInput, WebhookEndpoint};
use clientele_domain::{Version, WebhookEndpointId};

use super::sites::DeleteResponse;
use super::{ApiTags, page_limit};
use crate::problem::Problems;
use crate::problem::can::*;
use crate::security::StaffToken;
use crate::text::Text;

/// A webhook endpoint.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct WebhookEndpointView {
    pub id: Uuid,
    pub url: String,
    /// The event types sent to it: `client.created`, `client.updated`, `client.merged`,
    /// `client.deleted`, `appointment.booked`, `appointment.cancelled`,
    /// `appointment.attendance_changed`, `payment.succeeded`, `payment.failed`,
    /// `membership.status_changed`, `code.redeemed`.
    pub events: Vec<String>,
    pub description: Option<String>,
    pub enabled: bool,
    /// Why it was disabled, when deliveries failed for days.
    pub disabled_reason: Option<String>,
    /// After a rotation: until when the previous secret still signs too.
    pub previous_secret_expires_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Send it back with a change (PL-11).
    pub version: i64,
}

impl From<&WebhookEndpoint> for WebhookEndpointView {
    fn from(e: &WebhookEndpoint) -> Self {
        Self {
            id: e.id().as_uuid(),
            url: e.url().as_str().to_owned(),
            events: e.events().iter().map(|t| t.as_str().to_owned()).collect(),
            description: e.description().map(str::to_owned),
            enabled: e.enabled(),
            disabled_reason: e.disabled_reason().map(str::to_owned),
            previous_secret_expires_at: e.previous_secret().map(|(_, until)| *until),
            created_at: e.created_at(),
            updated_at: e.updated_at(),
            version: e.version().get(),
        }
    }
}

/// An endpoint and its signing secret, shown this once.
#[derive(Debug, Object)]
pub struct EndpointWithSecretView {
    /// `whsec_…`: the key of the HMAC-SHA256 in `webhook-signature` (Standard Webhooks).
    pub secret: String,
    pub endpoint: WebhookEndpointView,
}

impl From<&WithSecret> for EndpointWithSecretView {
    fn from(w: &WithSecret) -> Self {
        Self {
            secret: w.secret.clone(),
            endpoint: (&w.endpoint).into(),
        }
    }
}

/// A new endpoint.
#[derive(Debug, Object)]
#[oai(deny_unknown_fields)]
pub struct NewEndpointParams {
    /// `https://…` (plain http to localhost only where the deployment allows it, for
    /// development); never a private, loopback or link-local address.
    pub url: Text,
    /// At least one event type.
    pub events: Vec<Text>,
    pub description: Option<Text>,
}

/// A change of an endpoint; absent fields stay as they are.
#[derive(Debug, Object)]
#[oai(deny_unknown_fields)]
pub struct EndpointParams {
    /// The version the change is based on (PL-11).
    pub version: i64,
    pub url: Option<Text>,
    pub events: Option<Vec<Text>>,
    /// Empty removes it.
    pub description: Option<Text>,
    /// `true` enables it again after it was disabled.
    pub enabled: Option<bool>,
}

/// The version a rotation is based on.
#[derive(Debug, Object)]
#[oai(deny_unknown_fields)]
pub struct RotateParams {
    pub version: i64,
}

#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct WebhookEndpointPage {
    pub items: Vec<WebhookEndpointView>,
    /// Pass it as `cursor` for the next page; absent on the last page.
    pub next_cursor: Option<String>,
}

#[derive(ApiResponse)]
pub enum CreateEndpointResponse {
    /// Subscribed; the secret is in this answer only.
    #[oai(status = 201)]
    Created(Json<EndpointWithSecretView>),
}

fn texts(values: Vec<Text>) -> Vec<String> {
    values.into_iter().map(Text::into_inner).collect()
}

pub struct WebhooksApi {
    pub app: Clientele,
}

#[OpenApi(prefix_path = "/v1", tag = "ApiTags::Webhooks")]
impl WebhooksApi {
    /// The business's webhook endpoints, oldest first (owner, admin).
    #[oai(
        path = "/webhook-endpoints",
        method = "get",
        operation_id = "list_webhook_endpoints"
    )]
    async fn list(
        &self,
        auth: StaffToken,
        /// Page size, 1 to 1000 (default 500).
        #[oai(validator(minimum(value = "1"), maximum(value = "1000")))]
        limit: Query<Option<u32>>,
        /// `next_cursor` of the previous page.
        cursor: Query<Option<String>>,
    ) -> Result<Json<WebhookEndpointPage>, Problems<{ MALFORM | UNAUTHENTICATE | FORBID }>> {
        let actor = auth.actor(&self.app).await?;
        let page = self
            .app
            .list_webhook_endpoints(&actor, page_limit(limit.0)?, cursor.0.as_deref())
            .await?;
        Ok(Json(WebhookEndpointPage {
            items: page.items.iter().map(Into::into).collect(),
            next_cursor: page.next_cursor,
        }))
    }

    /// Subscribe an endpoint to event types (owner, admin). The answer holds its signing
    /// secret, shown this once.
    #[oai(
        path = "/webhook-endpoints",
        method = "post",
        operation_id = "create_webhook_endpoint"
    )]
    async fn create(
        &self,
        auth: StaffToken,
        body: Json<NewEndpointParams>,
    ) -> Result<
        CreateEndpointResponse,
        Problems<{ UNAUTHENTICATE | FORBID | TAKE_BODY | BREAK_RULE }>,
    > {
        let actor = auth.actor(&self.app).await?;
        let p = body.0;
        let input = EndpointInput {
            url: p.url.into_inner(),
            events: texts(p.events),
            description: p.description.map(Text::into_inner),
        };
        let made = self.app.create_webhook_endpoint(&actor, &input).await?;
        Ok(CreateEndpointResponse::Created(Json((&made).into())))
    }

    /// One endpoint (owner, admin); never its secret.
    #[oai(
        path = "/webhook-endpoints/:id",
        method = "get",
        operation_id = "get_webhook_endpoint"
    )]
    async fn get(
        &self,
        auth: StaffToken,
        id: Path<Uuid>,
    ) -> Result<Json<WebhookEndpointView>, Problems<{ MALFORM | UNAUTHENTICATE | FORBID | MISS }>>
    {
        let actor = auth.actor(&self.app).await?;
        let endpoint = self
            .app
            .webhook_endpoint(&actor, WebhookEndpointId::from_uuid(id.0))
            .await?;
        Ok(Json((&endpoint).into()))
    }

    /// Change an endpoint: URL, event types, description, enabled (owner, admin).
    #[oai(
        path = "/webhook-endpoints/:id",
        method = "patch",
        operation_id = "update_webhook_endpoint"
    )]
    async fn update(
        &self,
        auth: StaffToken,
        id: Path<Uuid>,
        body: Json<EndpointParams>,
    ) -> Result<
        Json<WebhookEndpointView>,
        Problems<{ MALFORM | UNAUTHENTICATE | FORBID | MISS | CONFLICT | TAKE_BODY | BREAK_RULE }>,
    > {
        let actor = auth.actor(&self.app).await?;
        let p = body.0;
        let changes = EndpointChanges {
            url: p.url.map(Text::into_inner),
            events: p.events.map(texts),
            description: p.description.map(Text::into_inner),
            enabled: p.enabled,
        };
        let endpoint = self
            .app
            .update_webhook_endpoint(
                &actor,
                WebhookEndpointId::from_uuid(id.0),
                Version::new(p.version),
                &changes,
            )
            .await?;
        Ok(Json((&endpoint).into()))
    }

    /// A new signing secret, shown this once; the previous one keeps signing too for 24
    /// hours, so that deliveries on their way verify with either (owner, admin).
    #[oai(
        path = "/webhook-endpoints/:id/rotate-secret",
        method = "post",
        operation_id = "rotate_webhook_secret"
    )]
    async fn rotate(
        &self,
        auth: StaffToken,
        id: Path<Uuid>,
        body: Json<RotateParams>,
    ) -> Result<
        Json<EndpointWithSecretView>,
        Problems<{ MALFORM | UNAUTHENTICATE | FORBID | MISS | CONFLICT | TAKE_BODY }>,
    > {
        let actor = auth.actor(&self.app).await?;
        let rotated = self
            .app
            .rotate_webhook_secret(
                &actor,
                WebhookEndpointId::from_uuid(id.0),
                Version::new(body.0.version),
            )
            .await?;
        Ok(Json((&rotated).into()))
    }

    /// Remove an endpoint: nothing more is sent to it (owner, admin).
    #[oai(
        path = "/webhook-endpoints/:id",
        method = "delete",
        operation_id = "delete_webhook_endpoint"
    )]
    async fn delete(
        &self,
        auth: StaffToken,
        id: Path<Uuid>,
    ) -> Result<DeleteResponse, Problems<{ MALFORM | UNAUTHENTICATE | FORBID | MISS }>> {
        let actor = auth.actor(&self.app).await?;
        self.app
            .delete_webhook_endpoint(&actor, WebhookEndpointId::from_uuid(id.0))
            .await?;
        Ok(DeleteResponse::Deleted)
    }
}
