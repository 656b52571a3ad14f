//! Labels (CL-11): defined by the owner and admins; put on clients and taken off in one
//! request.

use chrono::{DateTime, Utc};
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Object, OpenApi};
use uuid::Uuid;

use clientele_application::Clientele;
use clientele_domain::label::{Label, LabelInput};
use clientele_domain::{ClientId, LabelId, Version};

use super::clients::ClientView;
use super::sites::DeleteResponse;
use super::{ApiTags, page_limit};
use crate::problem::Problems;
use crate::problem::can::*;
use crate::security::StaffToken;
use crate::text::Text;

/// A label.
#[derive(Debug, Object)]
pub struct LabelView {
    pub id: Uuid,
    pub name: String,
    /// `#rrggbb`.
    pub colour: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Send it back with a change (PL-11).
    pub version: i64,
}

impl From<&Label> for LabelView {
    fn from(l: &Label) -> Self {
        Self {
            id: l.id.as_uuid(),
            name: l.name.as_str().to_owned(),
            colour: l.colour.as_str().to_owned(),
            created_at: l.created_at,
            updated_at: l.updated_at,
            version: l.version.get(),
        }
    }
}

/// A new label.
#[derive(Debug, Object)]
#[oai(deny_unknown_fields)]
pub struct NewLabelParams {
    /// Unique in the business (case- and accent-insensitive).
    pub name: Text,
    /// `#rrggbb`.
    pub colour: Text,
}

/// A label's new name and colour.
#[derive(Debug, Object)]
#[oai(deny_unknown_fields)]
pub struct LabelParams {
    /// The version the change is based on (PL-11).
    pub version: i64,
    pub name: Text,
    pub colour: Text,
}

/// Labels to put on a client and to take off, in one change.
#[derive(Debug, Object)]
#[oai(deny_unknown_fields)]
pub struct ClientLabelsParams {
    #[oai(default)]
    pub add: Vec<Uuid>,
    #[oai(default)]
    pub remove: Vec<Uuid>,
}

#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct LabelPage {
    pub items: Vec<LabelView>,
    /// Pass it as `cursor` for the next page; absent on the last page.
    pub next_cursor: Option<String>,
}

#[derive(ApiResponse)]
pub enum CreateLabelResponse {
    /// The label was created.
    #[oai(status = 201)]
    Created(Json<LabelView>),
}

fn ids(ids: &[Uuid]) -> Vec<LabelId> {
    ids.iter().copied().map(LabelId::from_uuid).collect()
}

pub struct LabelsApi {
    pub app: Clientele,
}

#[OpenApi(prefix_path = "/v1", tag = "ApiTags::Labels")]
impl LabelsApi {
    /// The business's labels.
    #[oai(path = "/labels", method = "get", operation_id = "list_labels")]
    async fn list(
        &self,
        auth: StaffToken,
        /// Page size, 1 to 1000 (default 500).
        #[oai(validator(minimum(value = "1"), maximum(value = "1000")))]
        limit: Query<Option<u32>>,
        /// `next_cursor` of the previous page.
        cursor: Query<Option<String>>,
    ) -> Result<Json<LabelPage>, Problems<{ MALFORM | UNAUTHENTICATE }>> {
        let actor = auth.actor(&self.app).await?;
        let page = self
            .app
            .list_labels(&actor, page_limit(limit.0)?, cursor.0.as_deref())
            .await?;
        Ok(Json(LabelPage {
            items: page.items.iter().map(Into::into).collect(),
            next_cursor: page.next_cursor,
        }))
    }

    /// Define a label (owner, admin).
    #[oai(path = "/labels", method = "post", operation_id = "create_label")]
    async fn create(
        &self,
        auth: StaffToken,
        body: Json<NewLabelParams>,
    ) -> Result<
        CreateLabelResponse,
        Problems<{ UNAUTHENTICATE | FORBID | CONFLICT | TAKE_BODY | BREAK_RULE }>,
    > {
        let actor = auth.actor(&self.app).await?;
        let input = LabelInput {
            name: body.0.name.0,
            colour: body.0.colour.0,
        };
        let label = self.app.create_label(&actor, &input).await?;
        Ok(CreateLabelResponse::Created(Json((&label).into())))
    }

    /// Rename or recolour a label (owner, admin).
    #[oai(path = "/labels/:id", method = "put", operation_id = "update_label")]
    async fn update(
        &self,
        auth: StaffToken,
        id: Path<Uuid>,
        body: Json<LabelParams>,
    ) -> Result<
        Json<LabelView>,
        Problems<{ MALFORM | UNAUTHENTICATE | FORBID | MISS | CONFLICT | TAKE_BODY | BREAK_RULE }>,
    > {
        let actor = auth.actor(&self.app).await?;
        let p = body.0;
        let input = LabelInput {
            name: p.name.0,
            colour: p.colour.0,
        };
        let label = self
            .app
            .update_label(
                &actor,
                LabelId::from_uuid(id.0),
                Version::new(p.version),
                &input,
            )
            .await?;
        Ok(Json((&label).into()))
    }

    /// Remove a label; it comes off every client (owner, admin).
    #[oai(path = "/labels/:id", method = "delete", operation_id = "delete_label")]
    async fn delete(
        &self,
        auth: StaffToken,
        id: Path<Uuid>,
    ) -> Result<DeleteResponse, Problems<{ MALFORM | UNAUTHENTICATE | FORBID | MISS }>> {
        let actor = auth.actor(&self.app).await?;
        self.app
            .delete_label(&actor, LabelId::from_uuid(id.0))
            .await?;
        Ok(DeleteResponse::Deleted)
    }

    /// Put labels on a client and take others off, in one change (CL-11).
    #[oai(
        path = "/clients/:id/labels",
        method = "post",
        operation_id = "change_client_labels"
    )]
    async fn change(
        &self,
        auth: StaffToken,
        id: Path<Uuid>,
        body: Json<ClientLabelsParams>,
    ) -> Result<
        Json<ClientView>,
        Problems<{ MALFORM | UNAUTHENTICATE | MISS | TAKE_BODY | BREAK_RULE }>,
    > {
        let actor = auth.actor(&self.app).await?;
        let client = self
            .app
            .change_client_labels(
                &actor,
                ClientId::from_uuid(id.0),
                &ids(&body.0.add),
                &ids(&body.0.remove),
            )
            .await?;
        Ok(Json((&client).into()))
    }
}
