//! AC-5: "forgot password": a single-use link, valid one hour, that sets a new password
//! and ends every session. Asking for one answers the same whether or not the email has
//! an account; staff may ask for one on a client's behalf, never set a password.

use clientele_domain::account::{AccountEmail, AccountToken, Password, TokenPurpose};
use clientele_domain::email::EmailKind;
use clientele_domain::{Actor, BusinessId, EmailAddress, ValidationErrors};

use crate::Clientele;
use crate::accounts::{ACCOUNT_TOKEN_PREFIX, AccountError, business_of, enabled_business};
use crate::auth::hash_token;

impl Clientele {
    /// AC-5: emails a reset link to the business's account with `email`, if there is
    /// one. Nothing in the answer tells whether there was.
    pub async fn request_password_reset(
        &self,
        business: BusinessId,
        email: &str,
    ) -> Result<(), AccountError> {
        let Ok(email) = EmailAddress::parse("email", email) else {
            return Ok(());
        };
        let mut tx = self.storage.begin().await?;
        let business = match enabled_business(tx.as_mut(), business).await {
            Ok(business) => business,
            Err(AccountError::BadLink) => return Ok(()),
            Err(other) => return Err(other),
        };
        let Some((account, _)) = tx.account_by_email(business.id, &email.key()).await? else {
            return Ok(());
        };
        let secret = self.secret(ACCOUNT_TOKEN_PREFIX, business.id);
        let token = AccountToken::new(
            business.id,
            account.id,
            TokenPurpose::Reset,
            self.clock.now(),
        );
        tx.insert_account_token(&token, &hash_token(&secret))
            .await?;
        let link = format!(
            "{}/reset-password?token={secret}",
            self.config.public_url.trim_end_matches('/')
        );
        let content = AccountEmail {
            business_name: business.name.as_str(),
            link: &link,
        }
        .reset();
        self.enqueue(
            tx.as_mut(),
            &business,
            None,
            EmailKind::PasswordReset,
            &account.email,
            content,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// AC-5: staff ask for the reset email of their business's account with `email`
    /// (any role): they never see the link nor set the password.
    pub async fn send_password_reset(
        &self,
        actor: &Actor,
        email: &str,
    ) -> Result<(), AccountError> {
        EmailAddress::parse("email", email).map_err(|e| ValidationErrors(vec![e]))?;
        self.request_password_reset(actor.business_id, email).await
    }

    /// AC-5: sets a new password with a reset link's token, once, within its hour, and
    /// ends every session of the account.
    pub async fn reset_password(&self, token: &str, password: &str) -> Result<(), AccountError> {
        let password =
            Password::parse("password", password).map_err(|e| ValidationErrors(vec![e]))?;
        let business = business_of(token, ACCOUNT_TOKEN_PREFIX).ok_or(AccountError::BadLink)?;
        let hash = self.hash_password(&password).await?;
        let now = self.clock.now();
        let token_hash = hash_token(token.trim());
        let mut tx = self.storage.begin().await?;
        let mut stored = tx
            .account_token_for_update(business, &token_hash)
            .await?
            .ok_or(AccountError::BadLink)?;
        stored
            .use_for(TokenPurpose::Reset, now)
            .map_err(|_| AccountError::BadLink)?;
        tx.record_token_use(&stored, &token_hash).await?;
        tx.set_password_hash(business, stored.account_id, &hash)
            .await?;
        tx.revoke_sessions(business, stored.account_id, now).await?;
        tx.commit().await?;
        Ok(())
    }
}
