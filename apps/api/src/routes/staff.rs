//! Staff members (PL-13, PL-14): the owner manages them; everyone reads themselves.

use chrono::{DateTime, Utc};
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Enum, Object, OpenApi};
use uuid::Uuid;

use clientele_application::Clientele;
use clientele_domain::staff::StaffInput;
use clientele_domain::{Role, SiteId, StaffId, StaffMember, Version};

use super::sites::DeleteResponse;
use super::{ApiTags, page_limit};
use crate::problem::Problems;
use crate::problem::can::*;
use crate::security::StaffToken;
use crate::text::Text;

/// PL-13: what a staff member may do.
#[derive(Debug, Clone, Copy, Enum)]
#[oai(rename_all = "snake_case")]
pub enum RoleParam {
    /// Everything: settings, staff, every site.
    Owner,
    /// Everything but staff and settings, on their sites.
    Admin,
    /// Client and appointment work on their sites; no deletes, no exports.
    Staff,
}

impl From<Role> for RoleParam {
    fn from(role: Role) -> Self {
        match role {
            Role::Owner => Self::Owner,
            Role::Admin => Self::Admin,
            Role::Staff => Self::Staff,
        }
    }
}

impl RoleParam {
    fn name(self) -> &'static str {
        match self {
            Self::Owner => "owner",
            Self::Admin => "admin",
            Self::Staff => "staff",
        }
    }
}

/// A staff member.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct StaffView {
    pub id: Uuid,
    pub name: String,
    pub email: String,
    pub role: RoleParam,
    /// The sites they may access; empty for an owner, who accesses all.
    pub sites: Vec<Uuid>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Send it back with a change (PL-11).
    pub version: i64,
}

impl From<&StaffMember> for StaffView {
    fn from(m: &StaffMember) -> Self {
        Self {
            id: m.id.as_uuid(),
            name: m.name.as_str().to_owned(),
            email: m.email.as_str().to_owned(),
            role: m.role.into(),
            sites: m.sites.iter().map(SiteId::as_uuid).collect(),
            created_at: m.created_at,
            updated_at: m.updated_at,
            version: m.version.get(),
        }
    }
}

/// A new staff member.
#[derive(Debug, Object)]
#[oai(deny_unknown_fields)]
pub struct NewStaffParams {
    pub name: Text,
    /// Unique in the business (case-insensitive).
    pub email: Text,
    pub role: RoleParam,
    /// The sites they may access (ignored for an owner).
    #[oai(default)]
    pub sites: Vec<Uuid>,
}

/// A staff member's new details.
#[derive(Debug, Object)]
#[oai(deny_unknown_fields)]
pub struct StaffParams {
    /// The version the change is based on (PL-11).
    pub version: i64,
    pub name: Text,
    pub email: Text,
    pub role: RoleParam,
    #[oai(default)]
    pub sites: Vec<Uuid>,
}

fn input(name: Text, email: Text, role: RoleParam, sites: Vec<Uuid>) -> StaffInput {
    StaffInput {
        name: name.0,
        email: email.0,
        role: role.name().to_owned(),
        sites: sites.into_iter().map(SiteId::from_uuid).collect(),
    }
}

#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct StaffPage {
    pub items: Vec<StaffView>,
    /// Pass it as `cursor` for the next page; absent on the last page.
    pub next_cursor: Option<String>,
}

#[derive(ApiResponse)]
pub enum CreateStaffResponse {
    /// The staff member was created.
    #[oai(status = 201)]
    Created(Json<StaffView>),
}

pub struct StaffApi {
    pub app: Clientele,
}

#[OpenApi(prefix_path = "/v1", tag = "ApiTags::Staff")]
impl StaffApi {
    /// The staff member the token belongs to.
    #[oai(path = "/me", method = "get", operation_id = "get_me")]
    async fn me(&self, auth: StaffToken) -> Result<Json<StaffView>, Problems<{ UNAUTHENTICATE }>> {
        let actor = auth.actor(&self.app).await?;
        let member = self.app.staff_member(&actor, actor.staff_id).await?;
        Ok(Json((&member).into()))
    }

    /// Every staff member (owner only).
    #[oai(path = "/staff", method = "get", operation_id = "list_staff")]
    async fn list(
        &self,
        auth: StaffToken,
        /// Page size, 1 to 1000 (default 500).
        #[oai(validator(minimum(value = "1"), maximum(value = "1000")))]
        limit: Query<Option<u32>>,
        /// `next_cursor` of the previous page.
        cursor: Query<Option<String>>,
    ) -> Result<Json<StaffPage>, Problems<{ MALFORM | UNAUTHENTICATE | FORBID }>> {
        let actor = auth.actor(&self.app).await?;
        let page = self
            .app
            .list_staff(&actor, page_limit(limit.0)?, cursor.0.as_deref())
            .await?;
        Ok(Json(StaffPage {
            items: page.items.iter().map(Into::into).collect(),
            next_cursor: page.next_cursor,
        }))
    }

    /// Add a staff member (owner only).
    #[oai(path = "/staff", method = "post", operation_id = "create_staff")]
    async fn create(
        &self,
        auth: StaffToken,
        body: Json<NewStaffParams>,
    ) -> Result<
        CreateStaffResponse,
        Problems<{ UNAUTHENTICATE | FORBID | CONFLICT | TAKE_BODY | BREAK_RULE }>,
    > {
        let actor = auth.actor(&self.app).await?;
        let p = body.0;
        let member = self
            .app
            .create_staff(&actor, &input(p.name, p.email, p.role, p.sites))
            .await?;
        Ok(CreateStaffResponse::Created(Json((&member).into())))
    }

    /// One staff member (owner, or the member themselves).
    #[oai(path = "/staff/:id", method = "get", operation_id = "get_staff")]
    async fn get(
        &self,
        auth: StaffToken,
        id: Path<Uuid>,
    ) -> Result<Json<StaffView>, Problems<{ MALFORM | UNAUTHENTICATE | FORBID | MISS }>> {
        let actor = auth.actor(&self.app).await?;
        let member = self
            .app
            .staff_member(&actor, StaffId::from_uuid(id.0))
            .await?;
        Ok(Json((&member).into()))
    }

    /// Replace a staff member's name, email, role and sites (owner only).
    #[oai(path = "/staff/:id", method = "put", operation_id = "update_staff")]
    async fn update(
        &self,
        auth: StaffToken,
        id: Path<Uuid>,
        body: Json<StaffParams>,
    ) -> Result<
        Json<StaffView>,
        Problems<{ MALFORM | UNAUTHENTICATE | FORBID | MISS | CONFLICT | TAKE_BODY | BREAK_RULE }>,
    > {
        let actor = auth.actor(&self.app).await?;
        let p = body.0;
        let member = self
            .app
            .update_staff(
                &actor,
                StaffId::from_uuid(id.0),
                Version::new(p.version),
                &input(p.name, p.email, p.role, p.sites),
            )
            .await?;
        Ok(Json((&member).into()))
    }

    /// Remove a staff member and revoke their tokens (owner only; never the last owner).
    #[oai(path = "/staff/:id", method = "delete", operation_id = "delete_staff")]
    async fn delete(
        &self,
        auth: StaffToken,
        id: Path<Uuid>,
    ) -> Result<DeleteResponse, Problems<{ MALFORM | UNAUTHENTICATE | FORBID | MISS | CONFLICT }>>
    {
        let actor = auth.actor(&self.app).await?;
        self.app
            .delete_staff(&actor, StaffId::from_uuid(id.0))
            .await?;
        Ok(DeleteResponse::Deleted)
    }
}
