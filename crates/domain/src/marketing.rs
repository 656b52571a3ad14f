//! Marketing preferences (CL-13): defined in the business's settings; a client opts in or
//! out of each, and every change is kept — time, source and actor — as consent evidence.

use chrono::{DateTime, Utc};

use crate::ids::{AuditId, BusinessId, ClientId, MarketingPreferenceId, StaffId};
use crate::text;
use crate::validation::FieldError;
use crate::version::Version;

/// A preference's name ("Newsletter"), unique in its business by its key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PreferenceName(String);

impl PreferenceName {
    pub const MAX: usize = 80;

    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        text::required_line("name", raw, Self::MAX).map(Self)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn key(&self) -> String {
        text::search_key(&self.0)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MarketingPreference {
    pub id: MarketingPreferenceId,
    pub business_id: BusinessId,
    pub name: PreferenceName,
    pub created_at: DateTime<Utc>,
    pub version: Version,
}

/// Who recorded a consent change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConsentSource {
    Staff,
    Client,
    Import,
}

impl ConsentSource {
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Staff => "staff",
            Self::Client => "client",
            Self::Import => "import",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        match raw {
            "staff" => Some(Self::Staff),
            "client" => Some(Self::Client),
            "import" => Some(Self::Import),
            _ => None,
        }
    }
}

/// One opt-in or opt-out, kept forever as evidence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsentChange {
    pub id: AuditId,
    pub business_id: BusinessId,
    pub client_id: ClientId,
    pub preference_id: MarketingPreferenceId,
    pub opted_in: bool,
    pub source: ConsentSource,
    /// The staff member, when staff recorded it.
    pub actor: Option<StaffId>,
    pub at: DateTime<Utc>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cl_13_preference_names_are_one_line_and_sources_round_trip() {
        assert_eq!(
            PreferenceName::parse(" Newsletter ").unwrap().key(),
            "newsletter"
        );
        assert!(PreferenceName::parse("").is_err());
        for source in [
            ConsentSource::Staff,
            ConsentSource::Client,
            ConsentSource::Import,
        ] {
            assert_eq!(ConsentSource::parse(source.as_str()), Some(source));
        }
    }
}
