//! AC-4: logins. An unknown email and a wrong password are answered alike and take about
//! as long (a dummy hash is checked). Failures are counted per address and per email
//! typed (`account::throttle`): past either limit, logins wait for the window to end
//! (429), without a hash being computed; an address the account logged in from before is
//! not held back by the email's count.

use chrono::{DateTime, Utc};

use clientele_domain::account::ClientAccount;
use clientele_domain::account::Session;
use clientele_domain::account::throttle::{
    ACCOUNT_THROTTLE, ADDRESS_THROTTLE, Failures, seconds_until,
};
use clientele_domain::{BusinessId, EmailAddress};

use crate::Clientele;
use crate::accounts::{AccountError, SESSION_PREFIX, enabled_business};
use crate::auth::hash_token;

/// A session opened by a login: its token (shown once) and until when it works.
#[derive(Debug, Clone)]
pub struct LoggedIn {
    pub token: String,
    pub account: ClientAccount,
    pub expires_at: DateTime<Utc>,
}

/// What a login attempt is counted under.
struct Subjects {
    email: String,
    address: Option<String>,
}

impl Subjects {
    fn new(email: &str, address: Option<&str>) -> Self {
        let email = match EmailAddress::parse("email", email) {
            Ok(email) => email.key(),
            Err(_) => email.trim().to_lowercase(),
        };
        Self {
            email: format!("email:{}", hash_token(&email)),
            address: address.map(|a| format!("address:{}", hash_token(a))),
        }
    }
}

impl Clientele {
    /// AC-4: a new session for the account with this email and password, tried from
    /// `address` (the caller's network address, if known).
    pub async fn log_in(
        &self,
        business: BusinessId,
        email: &str,
        password: &str,
        address: Option<&str>,
    ) -> Result<LoggedIn, AccountError> {
        let now = self.clock.now();
        let subjects = Subjects::new(email, address);
        let key = EmailAddress::parse("email", email).map(|e| e.key()).ok();
        let found = {
            let mut tx = self.storage.read().await?;
            enabled_business(tx.as_mut(), business)
                .await
                .map_err(|e| match e {
                    AccountError::BadLink => AccountError::BadCredentials,
                    other => other,
                })?;
            if let Some(address) = &subjects.address {
                let failures = tx.login_failures(business, address).await?;
                if let Some(until) = ADDRESS_THROTTLE.blocked_until(failures.as_ref(), now) {
                    return Err(AccountError::Throttled(seconds_until(until, now)));
                }
            }
            let found = match &key {
                Some(key) => tx.account_by_email(business, key).await?,
                None => None,
            };
            let known = match (&found, &subjects.address) {
                (Some((account, _)), Some(address)) => {
                    tx.known_address(business, account.id, address).await?
                }
                _ => false,
            };
            let failures = tx.login_failures(business, &subjects.email).await?;
            if let Some(until) = ACCOUNT_THROTTLE.blocked_until(failures.as_ref(), now)
                && !known
            {
                return Err(AccountError::Throttled(seconds_until(until, now)));
            }
            found
        };
        let (account, hash) = match found {
            Some((account, hash)) => (Some(account), Some(hash)),
            None => (None, None),
        };
        let matches = self.password_matches(password, hash).await?;
        let mut tx = self.storage.begin().await?;
        let account = match account {
            Some(account) if matches => account,
            _ => {
                for (subject, throttle) in [
                    (Some(&subjects.email), ACCOUNT_THROTTLE),
                    (subjects.address.as_ref(), ADDRESS_THROTTLE),
                ] {
                    let Some(subject) = subject else { continue };
                    let before: Option<Failures> =
                        tx.login_failures_for_update(business, subject).await?;
                    let after = throttle.after_failure(before.as_ref(), now);
                    tx.record_login_failures(business, subject, &after).await?;
                }
                tx.commit().await?;
                return Err(AccountError::BadCredentials);
            }
        };
        tx.clear_login_failures(business, &subjects.email).await?;
        if let Some(address) = &subjects.address {
            tx.record_address(business, account.id, address, now)
                .await?;
        }
        let token = self.secret(SESSION_PREFIX, business);
        let session = Session::open(business, account.id, now);
        tx.insert_session(&session, &hash_token(&token)).await?;
        tx.commit().await?;
        Ok(LoggedIn {
            token,
            account,
            expires_at: session.expires_at,
        })
    }
}
