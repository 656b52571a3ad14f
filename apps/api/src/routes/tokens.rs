//! Staff API tokens (PL-13): the secret is in the response that creates a token, and
//! never again.

use chrono::{DateTime, Utc};
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Object, OpenApi};
use uuid::Uuid;

use clientele_application::Clientele;
use clientele_domain::{ApiToken, StaffId, TokenId};

use super::sites::DeleteResponse;
use super::{ApiTags, page_limit};
use crate::problem::Problems;
use crate::problem::can::*;
use crate::security::StaffToken;
use crate::text::Text;

/// A token, without its secret.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct TokenView {
    pub id: Uuid,
    pub staff_id: Uuid,
    pub label: String,
    /// The first characters of the secret, to recognise it.
    pub prefix: String,
    pub created_at: DateTime<Utc>,
}

impl From<&ApiToken> for TokenView {
    fn from(t: &ApiToken) -> Self {
        Self {
            id: t.id.as_uuid(),
            staff_id: t.staff_id.as_uuid(),
            label: t.label.as_str().to_owned(),
            prefix: t.prefix.clone(),
            created_at: t.created_at,
        }
    }
}

/// A token just created, with its secret.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct CreatedTokenView {
    pub token: TokenView,
    /// Send it as `Authorization: Bearer <secret>`. Shown once: store it now.
    pub secret: String,
}

impl CreatedTokenView {
    pub fn new(token: &ApiToken, secret: &str) -> Self {
        Self {
            token: token.into(),
            secret: secret.to_owned(),
        }
    }
}

/// A new token.
#[derive(Debug, Object)]
#[oai(deny_unknown_fields)]
pub struct NewTokenParams {
    /// What the token is for ("front desk tablet").
    pub label: Text,
    /// Whose token it is; default the caller.
    pub staff_id: Option<Uuid>,
}

#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct TokenPage {
    pub items: Vec<TokenView>,
    /// Pass it as `cursor` for the next page; absent on the last page.
    pub next_cursor: Option<String>,
}

#[derive(ApiResponse)]
pub enum CreateTokenResponse {
    /// The token was created; its secret is in this response only.
    #[oai(status = 201)]
    Created(Json<CreatedTokenView>),
}

pub struct TokensApi {
    pub app: Clientele,
}

#[OpenApi(prefix_path = "/v1", tag = "ApiTags::Tokens")]
impl TokensApi {
    /// The caller's tokens (the owner sees everyone's).
    #[oai(path = "/tokens", method = "get", operation_id = "list_tokens")]
    async fn list(
        &self,
        auth: StaffToken,
        /// Page size, 1 to 1000 (default 500).
        #[oai(validator(minimum(value = "1"), maximum(value = "1000")))]
        limit: Query<Option<u32>>,
        /// `next_cursor` of the previous page.
        cursor: Query<Option<String>>,
    ) -> Result<Json<TokenPage>, Problems<{ MALFORM | UNAUTHENTICATE }>> {
        let actor = auth.actor(&self.app).await?;
        let page = self
            .app
            .list_tokens(&actor, page_limit(limit.0)?, cursor.0.as_deref())
            .await?;
        Ok(Json(TokenPage {
            items: page.items.iter().map(Into::into).collect(),
            next_cursor: page.next_cursor,
        }))
    }

    /// Create a token (owner only: issuing credentials is staff management, PL-13).
    #[oai(path = "/tokens", method = "post", operation_id = "create_token")]
    async fn create(
        &self,
        auth: StaffToken,
        body: Json<NewTokenParams>,
    ) -> Result<
        CreateTokenResponse,
        Problems<{ UNAUTHENTICATE | FORBID | MISS | TAKE_BODY | BREAK_RULE }>,
    > {
        let actor = auth.actor(&self.app).await?;
        let created = self
            .app
            .create_token(
                &actor,
                body.0.staff_id.map(StaffId::from_uuid),
                &body.0.label.0,
            )
            .await?;
        Ok(CreateTokenResponse::Created(Json(CreatedTokenView::new(
            &created.token,
            &created.secret,
        ))))
    }

    /// Revoke a token (the caller's own; the owner revokes anyone's).
    #[oai(path = "/tokens/:id", method = "delete", operation_id = "revoke_token")]
    async fn revoke(
        &self,
        auth: StaffToken,
        id: Path<Uuid>,
    ) -> Result<DeleteResponse, Problems<{ MALFORM | UNAUTHENTICATE | FORBID | MISS | CONFLICT }>>
    {
        let actor = auth.actor(&self.app).await?;
        self.app
            .revoke_token(&actor, TokenId::from_uuid(id.0))
            .await?;
        Ok(DeleteResponse::Deleted)
    }
}
