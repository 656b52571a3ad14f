//! Membership numbers (ME-2) and charge idempotency keys (ME-9): two values derived from
//! something else, written and read back as text.

use chrono::NaiveDate;
use thiserror::Error;
use uuid::Uuid;

use crate::ids::MembershipId;

/// Why a text is not a membership number or a charge key.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum NumberError {
    #[error("membership numbers start at 1")]
    Zero,
    #[error("`{0}` is not a membership number (e.g. M-000042)")]
    Malformed(String),
    #[error("`{0}` is not a membership charge key")]
    MalformedKey(String),
}

/// ME-2: a membership's number, unique per business, sequential and human-readable:
/// `M-` and the sequence number on at least six digits (`M-000042`, `M-1234567`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct MembershipNumber(u64);

impl MembershipNumber {
    const PREFIX: &'static str = "M-";
    const WIDTH: usize = 6;

    /// The number of the `sequence`-th membership of a business (from 1).
    pub fn from_sequence(sequence: u64) -> Result<Self, NumberError> {
        if sequence == 0 {
            Err(NumberError::Zero)
        } else {
            Ok(Self(sequence))
        }
    }

    pub fn sequence(&self) -> u64 {
        self.0
    }

    /// Reads a number as [`MembershipNumber`]'s `Display` writes it (surrounding blanks
    /// and a lower-case `m` are forgiven; other zero-paddings are not, so one number has
    /// one spelling).
    pub fn parse(raw: &str) -> Result<Self, NumberError> {
        let malformed = || NumberError::Malformed(raw.to_owned());
        let text = raw.trim();
        let digits = text
            .strip_prefix(Self::PREFIX)
            .or_else(|| text.strip_prefix("m-"))
            .ok_or_else(malformed)?;
        if !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(malformed());
        }
        let sequence: u64 = digits.parse().map_err(|_| malformed())?;
        let number = Self::from_sequence(sequence).map_err(|_| malformed())?;
        if number.to_string()[Self::PREFIX.len()..] != *digits {
            return Err(malformed());
        }
        Ok(number)
    }
}

impl std::fmt::Display for MembershipNumber {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}{:0width$}", Self::PREFIX, self.0, width = Self::WIDTH)
    }
}

/// ME-9: the idempotency key of the charge of one membership's period. Derived only from
/// the membership and the period's start, so every sending of one attempt whose outcome
/// is unknown — a timeout, a second worker, a worker restarted after a crash — carries the
/// same key, and the processor takes the money at most once. (A retry after a decline is
/// a new attempt: a processor answers a key it has seen with its first answer, so the
/// billing run tells attempts apart by a suffix of its own.) Written
/// `membership-<uuid>-<yyyymmdd>` (50 characters, within every processor's limit).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ChargeKey {
    membership_id: MembershipId,
    period_start: NaiveDate,
}

impl ChargeKey {
    const PREFIX: &'static str = "membership-";

    pub fn new(membership_id: MembershipId, period_start: NaiveDate) -> Self {
        Self {
            membership_id,
            period_start,
        }
    }

    pub fn membership_id(&self) -> MembershipId {
        self.membership_id
    }

    pub fn period_start(&self) -> NaiveDate {
        self.period_start
    }

    /// The key sent to the processor for the period's `attempt`-th attempt (1 for the
    /// first): the key itself for the first, `<key>-<attempt>` for a retry after a
    /// decline, so that each attempt is a charge of its own for the processor while every
    /// resending of one attempt carries the same key.
    pub fn attempt(&self, attempt: u32) -> String {
        if attempt <= 1 {
            self.to_string()
        } else {
            format!("{self}-{attempt}")
        }
    }

    /// The key and attempt of a key sent to a processor (as [`ChargeKey::attempt`] writes
    /// it).
    pub fn parse_attempt(raw: &str) -> Result<(Self, u32), NumberError> {
        if let Ok(key) = Self::parse(raw) {
            return Ok((key, 1));
        }
        let malformed = || NumberError::MalformedKey(raw.to_owned());
        let (key, attempt) = raw.rsplit_once('-').ok_or_else(malformed)?;
        let attempt: u32 = attempt.parse().map_err(|_| malformed())?;
        let key = Self::parse(key)?;
        if attempt < 2 || key.attempt(attempt) != raw {
            return Err(malformed());
        }
        Ok((key, attempt))
    }

    /// Reads a key back (from a processor's record of a charge, to reconcile it).
    pub fn parse(raw: &str) -> Result<Self, NumberError> {
        let malformed = || NumberError::MalformedKey(raw.to_owned());
        let rest = raw.strip_prefix(Self::PREFIX).ok_or_else(malformed)?;
        let (uuid, date) = rest.rsplit_once('-').ok_or_else(malformed)?;
        let uuid = Uuid::try_parse(uuid).map_err(|_| malformed())?;
        if date.len() != 8 || !date.bytes().all(|b| b.is_ascii_digit()) {
            return Err(malformed());
        }
        let date = NaiveDate::parse_from_str(date, "%Y%m%d").map_err(|_| malformed())?;
        let key = Self::new(MembershipId::from_uuid(uuid), date);
        if key.to_string() == raw {
            Ok(key)
        } else {
            Err(malformed())
        }
    }
}

impl std::fmt::Display for ChargeKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}{}-{}",
            Self::PREFIX,
            self.membership_id.as_uuid().as_hyphenated(),
            self.period_start.format("%Y%m%d")
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn me_2_a_membership_number_is_readable_sequential_and_reads_back() {
        let cases = [
            (1, "M-000001"),
            (42, "M-000042"),
            (999_999, "M-999999"),
            (1_234_567, "M-1234567"),
        ];
        for (sequence, text) in cases {
            let number = MembershipNumber::from_sequence(sequence).unwrap();
            assert_eq!(number.to_string(), text);
            assert_eq!(MembershipNumber::parse(text), Ok(number));
        }
        assert_eq!(
            MembershipNumber::parse(" m-000042 ").map(|n| n.sequence()),
            Ok(42)
        );
        assert!(
            MembershipNumber::from_sequence(41).unwrap()
                < MembershipNumber::from_sequence(42).unwrap()
        );
        assert_eq!(MembershipNumber::from_sequence(0), Err(NumberError::Zero));
        for bad in [
            "",
            "M-",
            "42",
            "M-42",
            "M-0000042",
            "M-000000",
            "M-00004a",
            "X-000042",
            "M-+00042",
            "M-99999999999999999999",
        ] {
            assert_eq!(
                MembershipNumber::parse(bad),
                Err(NumberError::Malformed(bad.to_owned())),
                "{bad}"
            );
        }
    }

    #[test]
    fn me_9_a_charge_key_depends_only_on_membership_and_period() {
        let membership = MembershipId::from_uuid(Uuid::from_u128(0xabc));
        let other = MembershipId::from_uuid(Uuid::from_u128(0xabd));
        let key = ChargeKey::new(membership, day(2027, 1, 31));

        assert_eq!(
            key.to_string(),
            "membership-00000000-0000-0000-0000-000000000abc-20270131"
        );
        assert_eq!(key, ChargeKey::new(membership, day(2027, 1, 31)));
        assert_ne!(
            key.to_string(),
            ChargeKey::new(membership, day(2027, 2, 28)).to_string()
        );
        assert_ne!(
            key.to_string(),
            ChargeKey::new(other, day(2027, 1, 31)).to_string()
        );
        assert_eq!(ChargeKey::parse(&key.to_string()), Ok(key));
        for bad in [
            "membership-00000000-0000-0000-0000-000000000abc-2027013",
            "membership-00000000-0000-0000-0000-000000000abc-20270231",
            "membership-00000000000000000000000000000abc-20270131",
            "charge-00000000-0000-0000-0000-000000000abc-20270131",
        ] {
            assert!(ChargeKey::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn me_9_each_attempt_at_a_period_has_its_own_key_and_reads_back() {
        let key = ChargeKey::new(
            MembershipId::from_uuid(Uuid::from_u128(0xabc)),
            day(2027, 1, 31),
        );
        assert_eq!(key.attempt(1), key.to_string());
        assert_eq!(key.attempt(0), key.to_string());
        assert_eq!(key.attempt(3), format!("{key}-3"));
        for attempt in [1, 2, 3, 17] {
            assert_eq!(
                ChargeKey::parse_attempt(&key.attempt(attempt)),
                Ok((key, attempt))
            );
        }
        for bad in [
            format!("{key}-1"),
            format!("{key}-03"),
            format!("{key}-x"),
            format!("{key}-"),
        ] {
            assert!(ChargeKey::parse_attempt(&bad).is_err(), "{bad}");
        }
    }
}
