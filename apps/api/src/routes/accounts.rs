//! Client accounts (AC-1 to AC-6, PL-15): sign-up from a booking confirmation, email
//! verification, login and logout, and the account itself under `/v1/me/...`.

use chrono::{DateTime, Utc};
use poem::web::RemoteAddr;
use poem_openapi::param::Query;
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Object, OpenApi};
use uuid::Uuid;

use clientele_application::Clientele;
use clientele_application::accounts::SignUpRequest;
use clientele_domain::BusinessId;
use clientele_domain::account::{ClientAccount, SignUpInput};

use super::codes::CodeView;
use super::{ApiTags, page_limit};
use crate::problem::Problems;
use crate::problem::can::*;
use crate::security::{ClientSession, StaffToken};
use crate::text::Text;

/// AC-1: a sign-up, from the link in a booking confirmation.
#[derive(Debug, Object)]
#[oai(deny_unknown_fields)]
pub struct SignUpParams {
    /// The `token` of the booking confirmation's sign-up link.
    pub token: Text,
    /// The login; it need not be the booking's email.
    pub email: Text,
    /// At least 10 characters, not one of the most common passwords.
    pub password: Text,
    /// The version of the terms of use accepted.
    pub terms_version: Text,
    /// The version of the privacy policy acknowledged.
    pub privacy_version: Text,
}

/// A single-use link's token (verification).
#[derive(Debug, Object)]
#[oai(deny_unknown_fields)]
pub struct TokenParams {
    pub token: Text,
}

/// AC-4: a login.
#[derive(Debug, Object)]
#[oai(deny_unknown_fields)]
pub struct LoginParams {
    /// The business the account belongs to.
    pub business_id: Uuid,
    pub email: Text,
    pub password: Text,
}

/// AC-5: a reset link asked for.
#[derive(Debug, Object)]
#[oai(deny_unknown_fields)]
pub struct ResetRequestParams {
    /// The business the account belongs to.
    pub business_id: Uuid,
    pub email: Text,
}

/// AC-5: staff ask for a client's reset email.
#[derive(Debug, Object)]
#[oai(deny_unknown_fields)]
pub struct StaffResetParams {
    /// The account's email.
    pub email: Text,
}

/// AC-5: a new password, with the token of a reset link.
#[derive(Debug, Object)]
#[oai(deny_unknown_fields)]
pub struct NewPasswordParams {
    pub token: Text,
    /// At least 10 characters, not one of the most common passwords.
    pub password: Text,
}

/// A client account.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct AccountView {
    pub id: Uuid,
    pub email: String,
    /// AC-3: when its email was confirmed; absent until then.
    pub verified_at: Option<DateTime<Utc>>,
    pub terms_version: String,
    pub terms_accepted_at: DateTime<Utc>,
    pub privacy_version: String,
    pub privacy_acknowledged_at: DateTime<Utc>,
    pub created_at: DateTime<Utc>,
}

impl From<&ClientAccount> for AccountView {
    fn from(a: &ClientAccount) -> Self {
        Self {
            id: a.id.as_uuid(),
            email: a.email.as_str().to_owned(),
            verified_at: a.verified_at,
            terms_version: a.terms.version.clone(),
            terms_accepted_at: a.terms.at,
            privacy_version: a.privacy.version.clone(),
            privacy_acknowledged_at: a.privacy.at,
            created_at: a.created_at,
        }
    }
}

/// What a sign-up answers, whatever happened to the email.
#[derive(Debug, Object)]
pub struct SignUpAccepted {
    pub message: String,
}

/// A new session.
#[derive(Debug, Object)]
pub struct SessionView {
    /// Send it as `Authorization: Bearer …` to `/v1/me/...`. Shown once.
    pub token: String,
    pub expires_at: DateTime<Utc>,
    pub account: AccountView,
}

#[derive(ApiResponse)]
pub enum SignUpResponse {
    /// The sign-up was taken: an email is on its way (a verification link, or, for an
    /// email that already has an account, how to log in).
    #[oai(status = 202)]
    Accepted(Json<SignUpAccepted>),
}

#[derive(ApiResponse)]
pub enum ResetResponse {
    /// Taken: if the email has an account, a reset link is on its way.
    #[oai(status = 202)]
    Accepted(Json<SignUpAccepted>),
}

#[derive(ApiResponse)]
pub enum PasswordResponse {
    /// The password is set; every session of the account is over.
    #[oai(status = 204)]
    Set,
}

fn reset_accepted() -> ResetResponse {
    ResetResponse::Accepted(Json(SignUpAccepted {
        message: "If this email has an account, a link to set a new password is on its way."
            .to_owned(),
    }))
}

/// A page of the account's codes, newest first.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct MyCodePage {
    pub items: Vec<CodeView>,
    /// Pass it as `cursor` for the next page; absent on the last page.
    pub next_cursor: Option<String>,
}

#[derive(ApiResponse)]
pub enum LogoutResponse {
    /// The session is over.
    #[oai(status = 204)]
    LoggedOut,
}

pub struct AccountsApi {
    pub app: Clientele,
}

#[OpenApi(prefix_path = "/v1", tag = "ApiTags::Accounts")]
impl AccountsApi {
    /// Create a client account (AC-1) from the sign-up link of a booking confirmation:
    /// an email, a password, and the versions of the terms of use accepted and of the
    /// privacy policy acknowledged. The answer is the same whether or not the email
    /// already has an account; the email received says which.
    #[oai(path = "/account/sign-up", method = "post", operation_id = "sign_up")]
    async fn sign_up(
        &self,
        body: Json<SignUpParams>,
    ) -> Result<SignUpResponse, Problems<{ FORBID | TAKE_BODY | BREAK_RULE }>> {
        let p = body.0;
        let request = SignUpRequest {
            token: p.token.0,
            fields: SignUpInput {
                email: p.email.0,
                password: p.password.0,
                terms_version: p.terms_version.0,
                privacy_version: p.privacy_version.0,
            },
        };
        self.app.sign_up(&request).await?;
        Ok(SignUpResponse::Accepted(Json(SignUpAccepted {
            message: "Check your email to finish creating your account.".to_owned(),
        })))
    }

    /// Confirm an account's email (AC-3) with the token of its verification link; the
    /// link works once.
    #[oai(
        path = "/account/verify",
        method = "post",
        operation_id = "verify_account"
    )]
    async fn verify(
        &self,
        body: Json<TokenParams>,
    ) -> Result<Json<AccountView>, Problems<{ TAKE_BODY | BREAK_RULE }>> {
        let account = self.app.verify_account(&body.0.token.0).await?;
        Ok(Json((&account).into()))
    }

    /// Log in (AC-4): a session token for `/v1/me/...`, valid 30 days or until logout. A
    /// wrong email and a wrong password get the same answer. After 20 failures from one
    /// address, or 10 for one email (but from an address that logged into it before), in
    /// 15 minutes, logins wait: 429 with `Retry-After`.
    #[oai(path = "/account/login", method = "post", operation_id = "log_in")]
    async fn log_in(
        &self,
        remote: &RemoteAddr,
        body: Json<LoginParams>,
    ) -> Result<Json<SessionView>, Problems<{ UNAUTHENTICATE | FORBID | TAKE_BODY | THROTTLE }>>
    {
        let p = body.0;
        let address = remote.as_socket_addr().map(|a| a.ip().to_string());
        let session = self
            .app
            .log_in(
                BusinessId::from_uuid(p.business_id),
                &p.email.0,
                &p.password.0,
                address.as_deref(),
            )
            .await?;
        Ok(Json(SessionView {
            token: session.token,
            expires_at: session.expires_at,
            account: (&session.account).into(),
        }))
    }

    /// Ask for a link to set a new password (AC-5). The answer is the same whether or
    /// not the email has an account.
    #[oai(
        path = "/account/password-reset",
        method = "post",
        operation_id = "request_password_reset"
    )]
    async fn request_reset(
        &self,
        body: Json<ResetRequestParams>,
    ) -> Result<ResetResponse, Problems<{ FORBID | TAKE_BODY }>> {
        let p = body.0;
        self.app
            .request_password_reset(BusinessId::from_uuid(p.business_id), &p.email.0)
            .await?;
        Ok(reset_accepted())
    }

    /// Set a new password with the token of a reset link (AC-5): once, within the hour;
    /// every session of the account ends.
    #[oai(
        path = "/account/password",
        method = "post",
        operation_id = "reset_password"
    )]
    async fn reset(
        &self,
        body: Json<NewPasswordParams>,
    ) -> Result<PasswordResponse, Problems<{ TAKE_BODY | BREAK_RULE }>> {
        self.app
            .reset_password(&body.0.token.0, &body.0.password.0)
            .await?;
        Ok(PasswordResponse::Set)
    }

    /// Send a client's account the email to set a new password (AC-5; any staff role):
    /// staff never set a client's password nor see the link.
    #[oai(
        path = "/client-accounts/password-reset",
        method = "post",
        operation_id = "send_password_reset"
    )]
    async fn send_reset(
        &self,
        auth: StaffToken,
        body: Json<StaffResetParams>,
    ) -> Result<ResetResponse, Problems<{ UNAUTHENTICATE | FORBID | TAKE_BODY | BREAK_RULE }>> {
        let actor = auth.actor(&self.app).await?;
        self.app
            .send_password_reset(&actor, &body.0.email.0)
            .await?;
        Ok(reset_accepted())
    }

    /// End this session (AC-4).
    #[oai(path = "/me/logout", method = "post", operation_id = "log_out")]
    async fn log_out(
        &self,
        auth: ClientSession,
    ) -> Result<LogoutResponse, Problems<{ UNAUTHENTICATE }>> {
        let actor = auth.actor(&self.app).await?;
        self.app.log_out(&actor).await?;
        Ok(LogoutResponse::LoggedOut)
    }

    /// The account's active packages, gift certificates and subscriptions (AC-7, AC-10):
    /// the codes assigned to its email (bought with it, or assigned to it by staff), with
    /// what is left, newest first.
    #[oai(path = "/me/codes", method = "get", operation_id = "list_my_codes")]
    async fn codes(
        &self,
        auth: ClientSession,
        /// Page size, 1 to 1000 (default 500).
        #[oai(validator(minimum(value = "1"), maximum(value = "1000")))]
        limit: Query<Option<u32>>,
        /// `next_cursor` of the previous page.
        cursor: Query<Option<String>>,
    ) -> Result<Json<MyCodePage>, Problems<{ MALFORM | UNAUTHENTICATE }>> {
        let actor = auth.actor(&self.app).await?;
        let page = self
            .app
            .my_codes(&actor, page_limit(limit.0)?, cursor.0.as_deref())
            .await?;
        Ok(Json(MyCodePage {
            items: page.items.iter().map(Into::into).collect(),
            next_cursor: page.next_cursor,
        }))
    }

    /// The account logged in (AC-7).
    #[oai(path = "/me/account", method = "get", operation_id = "get_my_account")]
    async fn account(
        &self,
        auth: ClientSession,
    ) -> Result<Json<AccountView>, Problems<{ UNAUTHENTICATE }>> {
        let actor = auth.actor(&self.app).await?;
        let account = self.app.my_account(&actor).await?;
        Ok(Json((&account).into()))
    }
}
