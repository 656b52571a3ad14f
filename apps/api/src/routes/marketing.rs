//! Marketing preferences and consent (CL-13): preferences in the settings, each client's
//! opt-ins and opt-outs kept as evidence, and the export of opted-in emails.

use chrono::{DateTime, Utc};
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Object, OpenApi};
use uuid::Uuid;

use clientele_application::Clientele;
use clientele_application::marketing::Consents;
use clientele_domain::marketing::{ConsentChange, MarketingPreference};
use clientele_domain::{ClientId, MarketingPreferenceId};

use super::{ApiTags, page_limit};
use crate::problem::Problems;
use crate::problem::can::*;
use crate::security::StaffToken;
use crate::text::Text;

/// A marketing preference ("Newsletter").
#[derive(Debug, Object)]
pub struct PreferenceView {
    pub id: Uuid,
    pub name: String,
    pub created_at: DateTime<Utc>,
}

impl From<&MarketingPreference> for PreferenceView {
    fn from(p: &MarketingPreference) -> Self {
        Self {
            id: p.id.as_uuid(),
            name: p.name.as_str().to_owned(),
            created_at: p.created_at,
        }
    }
}

/// A new marketing preference.
#[derive(Debug, Object)]
#[oai(deny_unknown_fields)]
pub struct NewPreferenceParams {
    /// Unique in the business (case- and accent-insensitive).
    pub name: Text,
}

/// A client's answer for one preference.
#[derive(Debug, Object)]
#[oai(deny_unknown_fields)]
pub struct ConsentParams {
    pub preference_id: Uuid,
    pub opted_in: bool,
}

/// The current answer for one preference.
#[derive(Debug, Object)]
pub struct ConsentView {
    pub preference_id: Uuid,
    pub opted_in: bool,
}

/// One recorded change: consent evidence.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct ConsentChangeView {
    pub preference_id: Uuid,
    pub opted_in: bool,
    /// `staff`, `client` or `import`.
    pub source: String,
    /// The staff member who recorded it.
    pub actor_id: Option<Uuid>,
    pub at: DateTime<Utc>,
}

/// A client's consents.
#[derive(Debug, Object)]
pub struct ConsentsView {
    pub current: Vec<ConsentView>,
    /// Every change, newest first.
    pub history: Vec<ConsentChangeView>,
}

impl From<&Consents> for ConsentsView {
    fn from(c: &Consents) -> Self {
        Self {
            current: c
                .current
                .iter()
                .map(|(id, opted_in)| ConsentView {
                    preference_id: id.as_uuid(),
                    opted_in: *opted_in,
                })
                .collect(),
            history: c.history.iter().map(Into::into).collect(),
        }
    }
}

impl From<&ConsentChange> for ConsentChangeView {
    fn from(h: &ConsentChange) -> Self {
        Self {
            preference_id: h.preference_id.as_uuid(),
            opted_in: h.opted_in,
            source: h.source.as_str().to_owned(),
            actor_id: h.actor.map(|a| a.as_uuid()),
            at: h.at,
        }
    }
}

#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct PreferencePage {
    pub items: Vec<PreferenceView>,
    /// Pass it as `cursor` for the next page; absent on the last page.
    pub next_cursor: Option<String>,
}

/// An opted-in client's email.
#[derive(Debug, Object)]
pub struct OptedInView {
    pub client_id: Uuid,
    pub email: String,
}

#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct OptedInPage {
    pub items: Vec<OptedInView>,
    /// Pass it as `cursor` for the next page; absent on the last page.
    pub next_cursor: Option<String>,
}

#[derive(ApiResponse)]
pub enum CreatePreferenceResponse {
    /// The preference was created.
    #[oai(status = 201)]
    Created(Json<PreferenceView>),
}

pub struct MarketingApi {
    pub app: Clientele,
}

#[OpenApi(prefix_path = "/v1", tag = "ApiTags::Marketing")]
impl MarketingApi {
    /// The business's marketing preferences.
    #[oai(
        path = "/marketing-preferences",
        method = "get",
        operation_id = "list_marketing_preferences"
    )]
    async fn list(
        &self,
        auth: StaffToken,
        /// Page size, 1 to 1000 (default 500).
        #[oai(validator(minimum(value = "1"), maximum(value = "1000")))]
        limit: Query<Option<u32>>,
        /// `next_cursor` of the previous page.
        cursor: Query<Option<String>>,
    ) -> Result<Json<PreferencePage>, Problems<{ MALFORM | UNAUTHENTICATE }>> {
        let actor = auth.actor(&self.app).await?;
        let page = self
            .app
            .list_preferences(&actor, page_limit(limit.0)?, cursor.0.as_deref())
            .await?;
        Ok(Json(PreferencePage {
            items: page.items.iter().map(Into::into).collect(),
            next_cursor: page.next_cursor,
        }))
    }

    /// Define a marketing preference (owner).
    #[oai(
        path = "/marketing-preferences",
        method = "post",
        operation_id = "create_marketing_preference"
    )]
    async fn create(
        &self,
        auth: StaffToken,
        body: Json<NewPreferenceParams>,
    ) -> Result<
        CreatePreferenceResponse,
        Problems<{ UNAUTHENTICATE | FORBID | CONFLICT | TAKE_BODY | BREAK_RULE }>,
    > {
        let actor = auth.actor(&self.app).await?;
        let preference = self.app.create_preference(&actor, &body.0.name.0).await?;
        Ok(CreatePreferenceResponse::Created(Json(
            (&preference).into(),
        )))
    }

    /// The emails opted in to a preference, a page at a time (owner, admin).
    #[oai(
        path = "/marketing-preferences/:id/opted-in",
        method = "get",
        operation_id = "export_opted_in"
    )]
    async fn export(
        &self,
        auth: StaffToken,
        id: Path<Uuid>,
        /// Page size, 1 to 1000 (default 500).
        #[oai(validator(minimum(value = "1"), maximum(value = "1000")))]
        limit: Query<Option<u32>>,
        /// `next_cursor` of the previous page.
        cursor: Query<Option<String>>,
    ) -> Result<Json<OptedInPage>, Problems<{ MALFORM | UNAUTHENTICATE | FORBID | MISS }>> {
        let actor = auth.actor(&self.app).await?;
        let page = self
            .app
            .export_opted_in(
                &actor,
                MarketingPreferenceId::from_uuid(id.0),
                page_limit(limit.0)?,
                cursor.0.as_deref(),
            )
            .await?;
        Ok(Json(OptedInPage {
            items: page
                .items
                .iter()
                .map(|(client, email)| OptedInView {
                    client_id: client.as_uuid(),
                    email: email.clone(),
                })
                .collect(),
            next_cursor: page.next_cursor,
        }))
    }

    /// A client's marketing consents and their history (CL-13).
    #[oai(
        path = "/clients/:id/marketing",
        method = "get",
        operation_id = "client_consents"
    )]
    async fn consents(
        &self,
        auth: StaffToken,
        id: Path<Uuid>,
    ) -> Result<Json<ConsentsView>, Problems<{ MALFORM | UNAUTHENTICATE | MISS }>> {
        let actor = auth.actor(&self.app).await?;
        let consents = self.app.consents(&actor, ClientId::from_uuid(id.0)).await?;
        Ok(Json((&consents).into()))
    }

    /// Record that a client opts in to or out of a preference (CL-13).
    #[oai(
        path = "/clients/:id/marketing",
        method = "put",
        operation_id = "set_consent"
    )]
    async fn set(
        &self,
        auth: StaffToken,
        id: Path<Uuid>,
        body: Json<ConsentParams>,
    ) -> Result<
        Json<ConsentsView>,
        Problems<{ MALFORM | UNAUTHENTICATE | MISS | TAKE_BODY | BREAK_RULE }>,
    > {
        let actor = auth.actor(&self.app).await?;
        let consents = self
            .app
            .set_consent(
                &actor,
                ClientId::from_uuid(id.0),
                MarketingPreferenceId::from_uuid(body.0.preference_id),
                body.0.opted_in,
            )
            .await?;
        Ok(Json((&consents).into()))
    }
}
