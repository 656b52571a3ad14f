//! `api_tokens` rows ↔ [`ApiToken`]; the secret's hash is written, never read back here.

use sea_orm::ActiveValue::Set;

use clientele_domain::ApiToken;
use clientele_domain::token::TokenLabel;
use clientele_ports::StorageError;

use super::{corrupt, instant};
use crate::storage::entities::api_tokens;

impl TryFrom<api_tokens::Model> for ApiToken {
    type Error = StorageError;

    fn try_from(row: api_tokens::Model) -> Result<Self, Self::Error> {
        Ok(Self {
            id: row.id.into(),
            business_id: row.business_id.into(),
            staff_id: row.staff_id.into(),
            label: TokenLabel::parse(&row.label)
                .map_err(|e| corrupt("api_tokens", "label", e.message))?,
            prefix: row.prefix,
            created_at: row.created_at,
        })
    }
}

pub(crate) fn token_row(token: &ApiToken, secret_hash: &str) -> api_tokens::ActiveModel {
    api_tokens::ActiveModel {
        business_id: Set(token.business_id.as_uuid()),
        id: Set(token.id.as_uuid()),
        staff_id: Set(token.staff_id.as_uuid()),
        label: Set(token.label.as_str().to_owned()),
        prefix: Set(token.prefix.clone()),
        secret_hash: Set(secret_hash.to_owned()),
        created_at: Set(instant(token.created_at)),
    }
}
