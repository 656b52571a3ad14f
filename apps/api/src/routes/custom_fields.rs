//! Custom fields (CL-24): typed fields defined by the owner and admins. Clients carry
//! their values in `custom_fields` (see `clients.rs`), and the client list filters on
//! them with `field=<field id>:<value>`.

use chrono::{DateTime, Utc};
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Enum, Object, OpenApi};
use uuid::Uuid;

use clientele_application::Clientele;
use clientele_domain::custom_field::{
    CustomField, CustomFieldChangesInput, CustomFieldInput, CustomFieldType,
};
use clientele_domain::{CustomFieldId, Version};

use super::{ApiTags, page_limit};
use crate::problem::Problems;
use crate::problem::can::*;
use crate::security::StaffToken;
use crate::text::Text;

/// What a custom field holds. Every value is sent and returned as a JSON string.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename_all = "snake_case")]
pub enum CustomFieldKindParam {
    /// One line of at most 500 characters.
    Text,
    /// A decimal number, e.g. `"12.50"` (no exponent, no thousands separator).
    Number,
    /// A date `YYYY-MM-DD`.
    Date,
    /// One of the field's `options` (matched case- and accent-insensitively).
    Choice,
}

impl From<CustomFieldKindParam> for CustomFieldType {
    fn from(kind: CustomFieldKindParam) -> Self {
        match kind {
            CustomFieldKindParam::Text => Self::Text,
            CustomFieldKindParam::Number => Self::Number,
            CustomFieldKindParam::Date => Self::Date,
            CustomFieldKindParam::Choice => Self::Choice,
        }
    }
}

impl From<CustomFieldType> for CustomFieldKindParam {
    fn from(kind: CustomFieldType) -> Self {
        match kind {
            CustomFieldType::Text => Self::Text,
            CustomFieldType::Number => Self::Number,
            CustomFieldType::Date => Self::Date,
            CustomFieldType::Choice => Self::Choice,
        }
    }
}

/// A custom field.
#[derive(Debug, Object)]
pub struct CustomFieldView {
    pub id: Uuid,
    pub name: String,
    pub kind: CustomFieldKindParam,
    /// The options of a choice field, in their order; empty for the other kinds.
    pub options: Vec<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Send it back with a change (PL-11).
    pub version: i64,
}

impl From<&CustomField> for CustomFieldView {
    fn from(f: &CustomField) -> Self {
        Self {
            id: f.id.as_uuid(),
            name: f.name.as_str().to_owned(),
            kind: f.kind.field_type().into(),
            options: f.kind.options().to_vec(),
            created_at: f.created_at,
            updated_at: f.updated_at,
            version: f.version.get(),
        }
    }
}

/// A new custom field.
#[derive(Debug, Object)]
#[oai(deny_unknown_fields)]
pub struct NewCustomFieldParams {
    /// One line of at most 100 characters, unique in the business (case- and
    /// accent-insensitive).
    pub name: Text,
    pub kind: CustomFieldKindParam,
    /// For a choice field (required there): 1 to 50 distinct options.
    pub options: Option<Vec<Text>>,
}

/// A change to a custom field; absent parts stay as they are. The kind cannot change
/// while clients have values, nor can an option a client has be removed (409).
#[derive(Debug, Object)]
#[oai(deny_unknown_fields)]
pub struct CustomFieldChangesParams {
    /// The version the change is based on (PL-11).
    pub version: i64,
    pub name: Option<Text>,
    pub kind: Option<CustomFieldKindParam>,
    /// A choice field's new options, replacing the current ones.
    pub options: Option<Vec<Text>>,
}

#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct CustomFieldPage {
    pub items: Vec<CustomFieldView>,
    /// Pass it as `cursor` for the next page; absent on the last page.
    pub next_cursor: Option<String>,
}

#[derive(ApiResponse)]
pub enum CreateCustomFieldResponse {
    /// The custom field was created.
    #[oai(status = 201)]
    Created(Json<CustomFieldView>),
}

fn texts(options: Option<Vec<Text>>) -> Option<Vec<String>> {
    options.map(|options| options.into_iter().map(Text::into_inner).collect())
}

pub struct CustomFieldsApi {
    pub app: Clientele,
}

#[OpenApi(prefix_path = "/v1", tag = "ApiTags::CustomFields")]
impl CustomFieldsApi {
    /// The business's custom fields, ordered by id.
    #[oai(
        path = "/custom-fields",
        method = "get",
        operation_id = "list_custom_fields"
    )]
    async fn list(
        &self,
        auth: StaffToken,
        /// Page size, 1 to 1000 (default 500).
        #[oai(validator(minimum(value = "1"), maximum(value = "1000")))]
        limit: Query<Option<u32>>,
        /// `next_cursor` of the previous page.
        cursor: Query<Option<String>>,
    ) -> Result<Json<CustomFieldPage>, Problems<{ MALFORM | UNAUTHENTICATE }>> {
        let actor = auth.actor(&self.app).await?;
        let page = self
            .app
            .list_custom_fields(&actor, page_limit(limit.0)?, cursor.0.as_deref())
            .await?;
        Ok(Json(CustomFieldPage {
            items: page.items.iter().map(Into::into).collect(),
            next_cursor: page.next_cursor,
        }))
    }

    /// Define a custom field (owner, admin).
    #[oai(
        path = "/custom-fields",
        method = "post",
        operation_id = "create_custom_field"
    )]
    async fn create(
        &self,
        auth: StaffToken,
        body: Json<NewCustomFieldParams>,
    ) -> Result<
        CreateCustomFieldResponse,
        Problems<{ UNAUTHENTICATE | FORBID | CONFLICT | TAKE_BODY | BREAK_RULE }>,
    > {
        let actor = auth.actor(&self.app).await?;
        let p = body.0;
        let input = CustomFieldInput {
            name: p.name.0,
            field_type: p.kind.into(),
            options: texts(p.options),
        };
        let field = self.app.create_custom_field(&actor, &input).await?;
        Ok(CreateCustomFieldResponse::Created(Json((&field).into())))
    }

    /// One custom field.
    #[oai(
        path = "/custom-fields/:id",
        method = "get",
        operation_id = "get_custom_field"
    )]
    async fn get(
        &self,
        auth: StaffToken,
        id: Path<Uuid>,
    ) -> Result<Json<CustomFieldView>, Problems<{ MALFORM | UNAUTHENTICATE | MISS }>> {
        let actor = auth.actor(&self.app).await?;
        let field = self
            .app
            .custom_field(&actor, CustomFieldId::from_uuid(id.0))
            .await?;
        Ok(Json((&field).into()))
    }

    /// Rename a custom field, change its kind or its options (owner, admin), based on its
    /// `version` (PL-11).
    #[oai(
        path = "/custom-fields/:id",
        method = "patch",
        operation_id = "update_custom_field"
    )]
    async fn update(
        &self,
        auth: StaffToken,
        id: Path<Uuid>,
        body: Json<CustomFieldChangesParams>,
    ) -> Result<
        Json<CustomFieldView>,
        Problems<{ MALFORM | UNAUTHENTICATE | FORBID | MISS | CONFLICT | TAKE_BODY | BREAK_RULE }>,
    > {
        let actor = auth.actor(&self.app).await?;
        let p = body.0;
        let changes = CustomFieldChangesInput {
            name: p.name.map(Text::into_inner),
            field_type: p.kind.map(Into::into),
            options: texts(p.options),
        };
        let field = self
            .app
            .update_custom_field(
                &actor,
                CustomFieldId::from_uuid(id.0),
                Version::new(p.version),
                &changes,
            )
            .await?;
        Ok(Json((&field).into()))
    }
}
