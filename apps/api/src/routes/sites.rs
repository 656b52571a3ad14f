//! Sites (PL-14): `GET` for everyone (their sites), changes for the owner.

use chrono::{DateTime, Utc};
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Object, OpenApi};
use uuid::Uuid;

use clientele_application::Clientele;
use clientele_domain::site::SiteInput;
use clientele_domain::{Site, SiteId, Version};

use super::{ApiTags, page_limit};
use crate::problem::Problems;
use crate::problem::can::*;
use crate::security::StaffToken;
use crate::text::{Text, opt};

/// A site (location) of the business.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct SiteView {
    pub id: Uuid,
    pub name: String,
    pub address: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Send it back with a change (PL-11).
    pub version: i64,
}

impl From<&Site> for SiteView {
    fn from(s: &Site) -> Self {
        Self {
            id: s.id.as_uuid(),
            name: s.name.as_str().to_owned(),
            address: s.address.as_ref().map(|a| a.as_str().to_owned()),
            created_at: s.created_at,
            updated_at: s.updated_at,
            version: s.version.get(),
        }
    }
}

/// A new site.
#[derive(Debug, Object)]
#[oai(deny_unknown_fields)]
pub struct NewSiteParams {
    /// Unique in the business (case- and accent-insensitive).
    pub name: Text,
    pub address: Option<Text>,
}

/// A site's new name and address.
#[derive(Debug, Object)]
#[oai(deny_unknown_fields)]
pub struct SiteParams {
    /// The version the change is based on (PL-11).
    pub version: i64,
    pub name: Text,
    pub address: Option<Text>,
}

#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct SitePage {
    pub items: Vec<SiteView>,
    /// Pass it as `cursor` for the next page; absent on the last page.
    pub next_cursor: Option<String>,
}

#[derive(ApiResponse)]
pub enum CreateSiteResponse {
    /// The site was created.
    #[oai(status = 201)]
    Created(Json<SiteView>),
}

#[derive(ApiResponse)]
pub enum DeleteResponse {
    /// Deleted.
    #[oai(status = 204)]
    Deleted,
}

pub struct SitesApi {
    pub app: Clientele,
}

#[OpenApi(prefix_path = "/v1", tag = "ApiTags::Sites")]
impl SitesApi {
    /// The sites the caller can access.
    #[oai(path = "/sites", method = "get", operation_id = "list_sites")]
    async fn list(
        &self,
        auth: StaffToken,
        /// Page size, 1 to 1000 (default 500).
        #[oai(validator(minimum(value = "1"), maximum(value = "1000")))]
        limit: Query<Option<u32>>,
        /// `next_cursor` of the previous page.
        cursor: Query<Option<String>>,
    ) -> Result<Json<SitePage>, Problems<{ MALFORM | UNAUTHENTICATE }>> {
        let actor = auth.actor(&self.app).await?;
        let page = self
            .app
            .list_sites(&actor, page_limit(limit.0)?, cursor.0.as_deref())
            .await?;
        Ok(Json(SitePage {
            items: page.items.iter().map(Into::into).collect(),
            next_cursor: page.next_cursor,
        }))
    }

    /// Create a site (owner only).
    #[oai(path = "/sites", method = "post", operation_id = "create_site")]
    async fn create(
        &self,
        auth: StaffToken,
        body: Json<NewSiteParams>,
    ) -> Result<
        CreateSiteResponse,
        Problems<{ UNAUTHENTICATE | FORBID | CONFLICT | TAKE_BODY | BREAK_RULE }>,
    > {
        let actor = auth.actor(&self.app).await?;
        let input = SiteInput {
            name: body.0.name.0,
            address: opt(body.0.address),
        };
        let site = self.app.create_site(&actor, &input).await?;
        Ok(CreateSiteResponse::Created(Json((&site).into())))
    }

    /// One site the caller can access.
    #[oai(path = "/sites/:id", method = "get", operation_id = "get_site")]
    async fn get(
        &self,
        auth: StaffToken,
        id: Path<Uuid>,
    ) -> Result<Json<SiteView>, Problems<{ MALFORM | UNAUTHENTICATE | FORBID | MISS }>> {
        let actor = auth.actor(&self.app).await?;
        let site = self.app.site(&actor, SiteId::from_uuid(id.0)).await?;
        Ok(Json((&site).into()))
    }

    /// Replace a site's name and address (owner only).
    #[oai(path = "/sites/:id", method = "put", operation_id = "update_site")]
    async fn update(
        &self,
        auth: StaffToken,
        id: Path<Uuid>,
        body: Json<SiteParams>,
    ) -> Result<
        Json<SiteView>,
        Problems<{ MALFORM | UNAUTHENTICATE | FORBID | MISS | CONFLICT | TAKE_BODY | BREAK_RULE }>,
    > {
        let actor = auth.actor(&self.app).await?;
        let params = body.0;
        let input = SiteInput {
            name: params.name.0,
            address: opt(params.address),
        };
        let site = self
            .app
            .update_site(
                &actor,
                SiteId::from_uuid(id.0),
                Version::new(params.version),
                &input,
            )
            .await?;
        Ok(Json((&site).into()))
    }

    /// Delete a site no client or staff member belongs to (owner only).
    #[oai(path = "/sites/:id", method = "delete", operation_id = "delete_site")]
    async fn delete(
        &self,
        auth: StaffToken,
        id: Path<Uuid>,
    ) -> Result<DeleteResponse, Problems<{ MALFORM | UNAUTHENTICATE | FORBID | MISS | CONFLICT }>>
    {
        let actor = auth.actor(&self.app).await?;
        self.app
            .delete_site(&actor, SiteId::from_uuid(id.0))
            .await?;
        Ok(DeleteResponse::Deleted)
    }
}
