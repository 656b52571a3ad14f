//! Keyset pagination (PL-9) and the client list's sort orders (CL-4).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::client::Client;
use crate::ids::ClientId;
use crate::validation::FieldError;

/// How many items one page holds: 1 to 1000, 500 when not given.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageLimit(u32);

impl PageLimit {
    pub const DEFAULT: u32 = 500;
    pub const MAX: u32 = 1000;

    pub fn parse(raw: Option<u32>) -> Result<Self, FieldError> {
        match raw.unwrap_or(Self::DEFAULT) {
            n @ 1..=Self::MAX => Ok(Self(n)),
            n => Err(FieldError::new(
                "limit",
                format!("{n} is out of range: a page holds 1 to {}", Self::MAX),
            )),
        }
    }

    pub fn get(&self) -> u32 {
        self.0
    }

    /// The largest page, for a reader that walks a whole list (an export).
    pub fn largest() -> Self {
        Self(Self::MAX)
    }
}

impl Default for PageLimit {
    fn default() -> Self {
        Self(Self::DEFAULT)
    }
}

/// CL-4: the orders of the client list. Every order ends with the id, so it is total and
/// a keyset cursor is stable under concurrent inserts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClientSort {
    /// Last name, then first name, then id (the default).
    #[default]
    LastName,
    /// First name, then last name, then id.
    FirstName,
    /// Oldest first.
    CreatedAt,
    /// Least recently changed by staff first, so the last one modified is at the end.
    AdminUpdatedAt,
}

#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("`{0}` is not a sort: use last_name, first_name, created_at or admin_updated_at")]
pub struct UnknownSort(pub String);

impl ClientSort {
    pub fn parse(raw: &str) -> Result<Self, UnknownSort> {
        match raw {
            "last_name" => Ok(Self::LastName),
            "first_name" => Ok(Self::FirstName),
            "created_at" => Ok(Self::CreatedAt),
            "admin_updated_at" => Ok(Self::AdminUpdatedAt),
            other => Err(UnknownSort(other.to_owned())),
        }
    }

    /// Where `client` stands in this order: what a cursor after it must remember.
    pub fn key_of(&self, client: &Client) -> ClientSortKey {
        match self {
            Self::LastName => ClientSortKey::Names {
                primary: client.last_name.key(),
                secondary: client.first_name.key(),
                id: client.id,
            },
            Self::FirstName => ClientSortKey::Names {
                primary: client.first_name.key(),
                secondary: client.last_name.key(),
                id: client.id,
            },
            Self::CreatedAt => ClientSortKey::Instant {
                at: client.created_at,
                id: client.id,
            },
            Self::AdminUpdatedAt => ClientSortKey::Instant {
                at: client.admin_updated_at,
                id: client.id,
            },
        }
    }

    /// Whether a key has the shape this sort produces (a cursor of another sort has not).
    pub fn accepts(&self, key: &ClientSortKey) -> bool {
        matches!(
            (self, key),
            (
                Self::LastName | Self::FirstName,
                ClientSortKey::Names { .. }
            ) | (
                Self::CreatedAt | Self::AdminUpdatedAt,
                ClientSortKey::Instant { .. }
            )
        )
    }
}

/// CL-9: a filter on when clients last came.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Activity {
    /// Had an appointment (not cancelled) starting between `since` and `until`.
    Recent {
        since: DateTime<Utc>,
        until: DateTime<Utc>,
    },
    /// No appointment (not cancelled) starting from `since` on, and created before it:
    /// a client without appointments is inactive since they were created.
    Inactive { since: DateTime<Utc> },
}

impl Activity {
    /// Recent: N from 30 days to 4 years.
    pub const RECENT_DAYS: std::ops::RangeInclusive<u32> = 30..=1461;
    /// Inactive: N from 2 weeks to 2 years.
    pub const INACTIVE_DAYS: std::ops::RangeInclusive<u32> = 14..=730;

    /// "Had an appointment in the last `days` days", at `now`.
    pub fn recent(days: u32, now: DateTime<Utc>) -> Result<Self, FieldError> {
        check_days("recent_days", days, Self::RECENT_DAYS)?;
        Ok(Self::Recent {
            since: now - chrono::Duration::days(i64::from(days)),
            until: now,
        })
    }

    /// "No appointment for `days` days", at `now`.
    pub fn inactive(days: u32, now: DateTime<Utc>) -> Result<Self, FieldError> {
        check_days("inactive_days", days, Self::INACTIVE_DAYS)?;
        Ok(Self::Inactive {
            since: now - chrono::Duration::days(i64::from(days)),
        })
    }
}

fn check_days(
    field: &str,
    days: u32,
    range: std::ops::RangeInclusive<u32>,
) -> Result<(), FieldError> {
    if range.contains(&days) {
        Ok(())
    } else {
        Err(FieldError::new(
            field,
            format!(
                "{days} is out of range: {} to {} days",
                range.start(),
                range.end()
            ),
        ))
    }
}

/// A position in a client order; the next page starts strictly after it. Positions of
/// one sort compare in that sort's order (names byte-wise, as both databases sort keys).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub enum ClientSortKey {
    Names {
        primary: String,
        secondary: String,
        id: ClientId,
    },
    Instant {
        at: DateTime<Utc>,
        id: ClientId,
    },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pl_9_limit_defaults_to_500_and_stays_within_1_to_1000() {
        assert_eq!(PageLimit::parse(None).unwrap().get(), 500);
        assert_eq!(PageLimit::parse(Some(1)).unwrap().get(), 1);
        assert_eq!(PageLimit::parse(Some(1000)).unwrap().get(), 1000);
        assert!(PageLimit::parse(Some(0)).is_err());
        assert!(PageLimit::parse(Some(5000)).is_err());
    }

    #[test]
    fn cl_9_recent_is_30_days_to_4_years_and_inactive_2_weeks_to_2_years() {
        use chrono::TimeZone;
        let now = Utc.with_ymd_and_hms(2026, 11, 22, 10, 0, 0).unwrap();
        assert!(Activity::recent(29, now).is_err());
        assert!(Activity::recent(1462, now).is_err());
        assert_eq!(
            Activity::recent(30, now).unwrap(),
            Activity::Recent {
                since: now - chrono::Duration::days(30),
                until: now
            }
        );
        assert!(Activity::inactive(13, now).is_err());
        assert!(Activity::inactive(731, now).is_err());
        assert!(Activity::inactive(14, now).is_ok());
    }

    #[test]
    fn cl_4_sorts_parse_from_their_names() {
        for (name, sort) in [
            ("last_name", ClientSort::LastName),
            ("first_name", ClientSort::FirstName),
            ("created_at", ClientSort::CreatedAt),
            ("admin_updated_at", ClientSort::AdminUpdatedAt),
        ] {
            assert_eq!(ClientSort::parse(name).unwrap(), sort);
        }
        assert!(ClientSort::parse("email").is_err());
    }
}
