//! `client_accounts`, `client_sessions` and `account_tokens` rows ↔ the account types
//! (AC-1 to AC-5).

use sea_orm::ActiveValue::Set;

use clientele_domain::account::{AccountToken, ClientAccount, Consent, Session, TokenPurpose};
use clientele_domain::{AppointmentId, EmailAddress};
use clientele_ports::StorageError;

use super::{corrupt, instant};
use crate::storage::entities::{account_tokens, client_accounts, client_sessions};

impl TryFrom<client_accounts::Model> for ClientAccount {
    type Error = StorageError;

    fn try_from(row: client_accounts::Model) -> Result<Self, Self::Error> {
        Ok(Self {
            id: row.id.into(),
            business_id: row.business_id.into(),
            email: EmailAddress::parse("email", &row.email)
                .map_err(|e| corrupt("client_accounts", "email", e.message))?,
            verified_at: row.verified_at,
            terms: Consent {
                version: row.terms_version,
                at: row.terms_accepted_at,
            },
            privacy: Consent {
                version: row.privacy_version,
                at: row.privacy_acknowledged_at,
            },
            created_at: row.created_at,
        })
    }
}

pub(crate) fn account_row(
    account: &ClientAccount,
    password_hash: &str,
    sign_up: AppointmentId,
) -> client_accounts::ActiveModel {
    client_accounts::ActiveModel {
        business_id: Set(account.business_id.as_uuid()),
        id: Set(account.id.as_uuid()),
        email: Set(account.email.as_str().to_owned()),
        email_key: Set(account.email.key()),
        password_hash: Set(password_hash.to_owned()),
        verified_at: Set(account.verified_at.map(instant)),
        terms_version: Set(account.terms.version.clone()),
        terms_accepted_at: Set(instant(account.terms.at)),
        privacy_version: Set(account.privacy.version.clone()),
        privacy_acknowledged_at: Set(instant(account.privacy.at)),
        sign_up_appointment_id: Set(sign_up.as_uuid()),
        created_at: Set(instant(account.created_at)),
    }
}

impl From<client_sessions::Model> for Session {
    fn from(row: client_sessions::Model) -> Self {
        Self {
            business_id: row.business_id.into(),
            account_id: row.account_id.into(),
            created_at: row.created_at,
            expires_at: row.expires_at,
            revoked_at: row.revoked_at,
        }
    }
}

pub(crate) fn session_row(session: &Session, token_hash: &str) -> client_sessions::ActiveModel {
    client_sessions::ActiveModel {
        business_id: Set(session.business_id.as_uuid()),
        token_hash: Set(token_hash.to_owned()),
        account_id: Set(session.account_id.as_uuid()),
        created_at: Set(instant(session.created_at)),
        expires_at: Set(instant(session.expires_at)),
        revoked_at: Set(session.revoked_at.map(instant)),
    }
}

impl TryFrom<account_tokens::Model> for AccountToken {
    type Error = StorageError;

    fn try_from(row: account_tokens::Model) -> Result<Self, Self::Error> {
        Ok(Self {
            business_id: row.business_id.into(),
            account_id: row.account_id.into(),
            purpose: TokenPurpose::parse(&row.purpose)
                .ok_or_else(|| corrupt("account_tokens", "purpose", "not a purpose"))?,
            expires_at: row.expires_at,
            used_at: row.used_at,
        })
    }
}

pub(crate) fn account_token_row(
    token: &AccountToken,
    token_hash: &str,
) -> account_tokens::ActiveModel {
    account_tokens::ActiveModel {
        business_id: Set(token.business_id.as_uuid()),
        token_hash: Set(token_hash.to_owned()),
        account_id: Set(token.account_id.as_uuid()),
        purpose: Set(token.purpose.as_str().to_owned()),
        expires_at: Set(instant(token.expires_at)),
        used_at: Set(token.used_at.map(instant)),
        created_at: Set(instant(token.expires_at - token.purpose.lifetime())),
    }
}
