//! Client accounts (AC-*): a login a person makes for themselves after a booking, distinct
//! from the client profile staff manage.
//!
//! The domain decides what a password may be (AC-2), what a sign-up must carry (AC-1),
//! how long tokens live (AC-3 to AC-5) and when an account is verified. Hashing, random
//! secrets and storage are the adapters'.

use chrono::{DateTime, TimeDelta, Utc};

use crate::{AccountId, BusinessId, EmailAddress, FieldError, ValidationErrors};

mod emails;
#[cfg(test)]
mod tests;
pub mod throttle;

pub use emails::AccountEmail;

/// AC-2: the fewest characters a password has.
pub const MIN_PASSWORD_CHARS: usize = 10;
/// The most: argon2 hashes any length, but a request should not carry a book.
pub const MAX_PASSWORD_CHARS: usize = 200;

/// AC-4: how long a session lasts after login.
pub const SESSION_LIFETIME: TimeDelta = TimeDelta::days(30);
/// AC-3: how long a verification link works.
pub const VERIFICATION_LIFETIME: TimeDelta = TimeDelta::days(7);
/// AC-5: how long a reset link works (default 1 hour).
pub const RESET_LIFETIME: TimeDelta = TimeDelta::hours(1);
/// AC-1: how long after a booking its confirmation lets its client sign up.
pub const SIGN_UP_LIFETIME: TimeDelta = TimeDelta::days(90);

/// AC-2: passwords people choose most, that every guesser tries first (at least
/// [`MIN_PASSWORD_CHARS`] long, lower case: the check ignores case).
const COMMON_PASSWORDS: &str = include_str!("common_passwords.txt");

/// A password as typed, checked against AC-2. Never shown: its `Debug` is redacted.
#[derive(Clone, PartialEq, Eq)]
pub struct Password(String);

impl std::fmt::Debug for Password {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Password(..)")
    }
}

impl Password {
    /// AC-2: at least [`MIN_PASSWORD_CHARS`] characters, not one of the common
    /// passwords (case aside). The error never repeats the password.
    pub fn parse(field: &str, raw: &str) -> Result<Self, FieldError> {
        let chars = raw.chars().count();
        if chars < MIN_PASSWORD_CHARS {
            return Err(FieldError::new(
                field,
                format!("a password has at least {MIN_PASSWORD_CHARS} characters"),
            ));
        }
        if chars > MAX_PASSWORD_CHARS {
            return Err(FieldError::new(
                field,
                format!("a password has at most {MAX_PASSWORD_CHARS} characters"),
            ));
        }
        if is_common(raw) {
            return Err(FieldError::new(
                field,
                "this password is one of the most common ones: choose another",
            ));
        }
        Ok(Self(raw.to_owned()))
    }

    /// The password itself, for the hasher only.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

fn is_common(raw: &str) -> bool {
    let lower = raw.to_lowercase();
    COMMON_PASSWORDS.lines().any(|common| common == lower)
}

/// A version of the terms of use or of the privacy policy, accepted or acknowledged at a
/// time (AC-1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Consent {
    pub version: String,
    pub at: DateTime<Utc>,
}

/// The longest version name of the terms or the policy.
const MAX_VERSION_CHARS: usize = 50;

/// AC-1: what a sign-up carries, checked.
#[derive(Debug, Clone)]
pub struct SignUp {
    pub email: EmailAddress,
    pub password: Password,
    pub terms_version: String,
    pub privacy_version: String,
}

/// AC-1: a sign-up as typed.
#[derive(Debug, Clone, Default)]
pub struct SignUpInput {
    pub email: String,
    pub password: String,
    /// The version of the terms of use the person accepted; empty: not accepted.
    pub terms_version: String,
    /// The version of the privacy policy the person acknowledged; empty: not.
    pub privacy_version: String,
}

impl SignUp {
    /// Every field's problems at once.
    pub fn parse(input: &SignUpInput) -> Result<Self, ValidationErrors> {
        let mut errors = Vec::new();
        let email = EmailAddress::parse("email", &input.email).map_err(|e| errors.push(e));
        let password = Password::parse("password", &input.password).map_err(|e| errors.push(e));
        let mut version = |field: &str, raw: &str, what: &str| {
            let raw = raw.trim();
            if raw.is_empty() {
                errors.push(FieldError::new(field, format!("{what} is required")));
            } else if raw.chars().count() > MAX_VERSION_CHARS || raw.chars().any(char::is_control) {
                errors.push(FieldError::new(field, "not a version name"));
            }
            raw.to_owned()
        };
        let terms_version = version(
            "terms_version",
            &input.terms_version,
            "accepting the terms of use",
        );
        let privacy_version = version(
            "privacy_version",
            &input.privacy_version,
            "acknowledging the privacy policy",
        );
        match (email, password) {
            (Ok(email), Ok(password)) if errors.is_empty() => Ok(Self {
                email,
                password,
                terms_version,
                privacy_version,
            }),
            _ => Err(ValidationErrors(errors)),
        }
    }
}

/// A client account (AC-1): its email (the login), when it was verified, and the terms
/// and policy it agreed to. The password hash is kept by storage beside it, never here.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientAccount {
    pub id: AccountId,
    pub business_id: BusinessId,
    pub email: EmailAddress,
    /// AC-3: when its verification link was used; `None` until then.
    pub verified_at: Option<DateTime<Utc>>,
    pub terms: Consent,
    pub privacy: Consent,
    pub created_at: DateTime<Utc>,
}

impl ClientAccount {
    /// AC-3, AC-7, AC-10: the email once verified. Codes, memberships and bookings reach
    /// an account by its email, so an address nobody proved to own reaches nothing.
    pub fn verified_email(&self) -> Option<&EmailAddress> {
        self.verified_at.map(|_| &self.email)
    }

    /// AC-1: a new, unverified account from a checked sign-up.
    pub fn open(
        id: AccountId,
        business_id: BusinessId,
        sign_up: &SignUp,
        now: DateTime<Utc>,
    ) -> Self {
        Self {
            id,
            business_id,
            email: sign_up.email.clone(),
            verified_at: None,
            terms: Consent {
                version: sign_up.terms_version.clone(),
                at: now,
            },
            privacy: Consent {
                version: sign_up.privacy_version.clone(),
                at: now,
            },
            created_at: now,
        }
    }

    /// AC-3: marks the account verified; whether it was not yet.
    pub fn verify(&mut self, now: DateTime<Utc>) -> bool {
        if self.verified_at.is_some() {
            return false;
        }
        self.verified_at = Some(now);
        true
    }
}

/// What a single-use account token is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenPurpose {
    /// AC-3: verifying the account's email.
    Verification,
    /// AC-5: setting a new password.
    Reset,
}

impl TokenPurpose {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Verification => "verification",
            Self::Reset => "reset",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        match raw {
            "verification" => Some(Self::Verification),
            "reset" => Some(Self::Reset),
            _ => None,
        }
    }

    /// How long a token of this purpose works.
    pub fn lifetime(self) -> TimeDelta {
        match self {
            Self::Verification => VERIFICATION_LIFETIME,
            Self::Reset => RESET_LIFETIME,
        }
    }
}

/// A single-use token of an account, as stored (its secret is only ever hashed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountToken {
    pub business_id: BusinessId,
    pub account_id: AccountId,
    pub purpose: TokenPurpose,
    pub expires_at: DateTime<Utc>,
    pub used_at: Option<DateTime<Utc>>,
}

/// Why a single-use token does not work; every case is answered alike to the caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenRefused {
    Used,
    Expired,
    /// For another purpose than the one asked.
    Mismatch,
}

impl AccountToken {
    /// A token for `purpose` made at `now`.
    pub fn new(
        business_id: BusinessId,
        account_id: AccountId,
        purpose: TokenPurpose,
        now: DateTime<Utc>,
    ) -> Self {
        Self {
            business_id,
            account_id,
            purpose,
            expires_at: now + purpose.lifetime(),
            used_at: None,
        }
    }

    /// Uses the token for `purpose` at `now`, once.
    pub fn use_for(
        &mut self,
        purpose: TokenPurpose,
        now: DateTime<Utc>,
    ) -> Result<(), TokenRefused> {
        if self.purpose != purpose {
            return Err(TokenRefused::Mismatch);
        }
        if self.used_at.is_some() {
            return Err(TokenRefused::Used);
        }
        if now >= self.expires_at {
            return Err(TokenRefused::Expired);
        }
        self.used_at = Some(now);
        Ok(())
    }
}

/// A login session, as stored (its token is only ever hashed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    pub business_id: BusinessId,
    pub account_id: AccountId,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
}

impl Session {
    /// AC-4: a session opened at `now`.
    pub fn open(business_id: BusinessId, account_id: AccountId, now: DateTime<Utc>) -> Self {
        Self {
            business_id,
            account_id,
            created_at: now,
            expires_at: now + SESSION_LIFETIME,
            revoked_at: None,
        }
    }

    /// Whether it lets its holder in at `now`.
    pub fn is_live(&self, now: DateTime<Utc>) -> bool {
        self.revoked_at.is_none() && now < self.expires_at
    }
}
