//! The emails of client accounts (AC-1, AC-3).

use crate::email::{EmailContent, compose};

/// What an account email says.
#[derive(Debug, Clone)]
pub struct AccountEmail<'a> {
    pub business_name: &'a str,
    /// The verification link, or where to log in or reset the password.
    pub link: &'a str,
}

impl AccountEmail<'_> {
    /// AC-3: sent at sign-up.
    pub fn verification(&self) -> EmailContent {
        compose(
            format!("Confirm your account at {}", self.business_name),
            &[
                "Hello,".to_owned(),
                format!(
                    "Confirm your email to finish creating your account: {}",
                    self.link
                ),
                "If you did not create an account, ignore this email.".to_owned(),
                self.business_name.to_owned(),
            ],
        )
    }

    /// AC-5: sent when a reset is asked for (by the client, or by staff for them).
    pub fn reset(&self) -> EmailContent {
        compose(
            format!("Set a new password at {}", self.business_name),
            &[
                "Hello,".to_owned(),
                format!(
                    "To set a new password for your account, open this link within the hour: {}",
                    self.link
                ),
                "If you did not ask for it, ignore this email: your password stays as it is."
                    .to_owned(),
                self.business_name.to_owned(),
            ],
        )
    }

    /// AC-1: sent to a sign-up with an email that already has an account, so that the
    /// answer to the sign-up itself tells nothing.
    pub fn already_registered(&self) -> EmailContent {
        compose(
            format!("You already have an account at {}", self.business_name),
            &[
                "Hello,".to_owned(),
                format!(
                    "Someone tried to create an account with this email, which already has \
                     one. Log in, or set a new password if you forgot it: {}",
                    self.link
                ),
                "If it was not you, ignore this email.".to_owned(),
                self.business_name.to_owned(),
            ],
        )
    }
}
