//! Staff API tokens (PL-13): each bound to one staff member of one business. Only a hash
//! of the secret is ever stored; the secret is shown once, when the token is made.

use chrono::{DateTime, Utc};

use crate::ids::{BusinessId, StaffId, TokenId};
use crate::text;
use crate::validation::FieldError;

/// A label that tells tokens apart ("front desk tablet").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenLabel(String);

impl TokenLabel {
    pub const MAX: usize = 120;

    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        text::required_line("label", raw, Self::MAX).map(Self)
    }

    /// The label of the token made with a business's first owner.
    pub fn owner() -> Self {
        Self("owner token".to_owned())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiToken {
    pub id: TokenId,
    pub business_id: BusinessId,
    pub staff_id: StaffId,
    pub label: TokenLabel,
    /// The first characters of the secret, to recognise a token in a list.
    pub prefix: String,
    pub created_at: DateTime<Utc>,
}
