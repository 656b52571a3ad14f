//! Contact details that several aggregates share: email addresses and phone numbers
//! (CL-1, PL-23). Both are stored as typed and compared through a normalised key.

use phonenumber::Mode;

use crate::text;
use crate::validation::FieldError;

/// An email address, kept as typed (trimmed) and compared case-insensitively.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmailAddress(String);

impl EmailAddress {
    pub const MAX: usize = 254;

    /// Accepts `local@domain.tld` with no spaces or control characters. The check is
    /// deliberately shallow: the only real proof of an address is a mail that arrives.
    pub fn parse(field: &str, raw: &str) -> Result<Self, FieldError> {
        let value = raw.trim();
        let invalid = |why: &str| FieldError::new(field, format!("`{value}` {why}"));
        if value.is_empty() {
            return Err(FieldError::new(field, "must not be empty"));
        }
        if text::longer_than(value, Self::MAX) {
            return Err(FieldError::new(
                field,
                format!("must be at most {} characters", Self::MAX),
            ));
        }
        if text::any_char(value, |c| c.is_whitespace() || c.is_control()) {
            return Err(invalid("is not an email address: it contains a space"));
        }
        let Some((local, domain)) = value.rsplit_once('@') else {
            return Err(invalid("is not an email address: it has no @"));
        };
        if local.is_empty() || local.contains('@') {
            return Err(invalid("is not an email address"));
        }
        if !domain.contains('.') || domain.split('.').any(str::is_empty) {
            return Err(invalid(
                "is not an email address: the domain needs a dot (example.com)",
            ));
        }
        Ok(Self(value.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The comparison key: lower-cased. `Ana@Example.com` and `ana@example.com` are one.
    pub fn key(&self) -> String {
        self.0.to_lowercase()
    }
}

/// A phone number, kept as typed (trimmed) and as normalised digits with an optional
/// leading `+` ("06 12 34 56 78" → "0612345678", "+33 (0)6…" → "+3306…").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PhoneNumber {
    typed: String,
    normalised: String,
}

impl PhoneNumber {
    pub const MAX_TYPED: usize = 40;
    pub const MIN_DIGITS: usize = 3;
    pub const MAX_DIGITS: usize = 20;

    /// Accepts digits separated by spaces, dots, dashes, slashes and parentheses, with an
    /// optional leading `+`.
    pub fn parse(field: &str, raw: &str) -> Result<Self, FieldError> {
        let typed = raw.trim();
        if typed.is_empty() {
            return Err(FieldError::new(field, "must not be empty"));
        }
        if text::longer_than(typed, Self::MAX_TYPED) {
            return Err(FieldError::new(
                field,
                format!("must be at most {} characters", Self::MAX_TYPED),
            ));
        }
        let mut normalised = String::with_capacity(typed.len());
        for (i, c) in typed.chars().enumerate() {
            match c {
                '0'..='9' => normalised.push(c),
                '+' if i == 0 => normalised.push(c),
                ' ' | '.' | '-' | '/' | '(' | ')' => {}
                _ => {
                    return Err(FieldError::new(
                        field,
                        format!(
                            "`{typed}` is not a phone number: only digits, spaces, . - / ( ) and a leading + are allowed"
                        ),
                    ));
                }
            }
        }
        let digits = normalised.trim_start_matches('+').len();
        if !(Self::MIN_DIGITS..=Self::MAX_DIGITS).contains(&digits) {
            return Err(FieldError::new(
                field,
                format!(
                    "`{typed}` is not a phone number: it needs {} to {} digits",
                    Self::MIN_DIGITS,
                    Self::MAX_DIGITS
                ),
            ));
        }
        Ok(Self {
            typed: typed.to_owned(),
            normalised,
        })
    }

    /// A number as storage keeps it, both forms as they were written.
    pub fn restore(typed: String, normalised: String) -> Self {
        Self { typed, normalised }
    }

    /// PL-23: the number in E.164 ("+33612345678") when it is a valid number of
    /// `country`, or, typed with its `+`, of its own country; otherwise as it was (its
    /// digits as typed).
    pub fn in_country(self, country: Option<Country>) -> Self {
        match phonenumber::parse(country.map(|c| c.0), &self.typed) {
            Ok(number) if number.is_valid() => Self {
                normalised: number.format().mode(Mode::E164).to_string(),
                typed: self.typed,
            },
            _ => self,
        }
    }

    /// As the person typed it.
    pub fn as_typed(&self) -> &str {
        &self.typed
    }

    /// Digits with an optional leading `+`.
    pub fn normalised(&self) -> &str {
        &self.normalised
    }
}

/// PL-23: the digits of an E.164 number written the national way ("+33612345678" →
/// "0612345678"), which a search typed that way finds; `None` for a number that is not
/// E.164 or whose national form has no other digits.
pub fn national_digits(normalised: &str) -> Option<String> {
    if !normalised.starts_with('+') {
        return None;
    }
    let number = phonenumber::parse(None, normalised).ok()?;
    if !number.is_valid() {
        return None;
    }
    let national: String = (number.format().mode(Mode::National).to_string())
        .chars()
        .filter(char::is_ascii_digit)
        .collect();
    (national != normalised[1..]).then_some(national)
}

/// A country, for the phone numbers typed without their international prefix (PL-23):
/// its ISO 3166 alpha-2 code as phone numbering knows it ("FR", "GB", "US").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Country(phonenumber::country::Id);

impl Country {
    pub fn parse(field: &str, raw: &str) -> Result<Self, FieldError> {
        let code = raw.trim().to_ascii_uppercase();
        code.parse::<phonenumber::country::Id>()
            .map(Self)
            .map_err(|_| {
                FieldError::new(
                    field,
                    format!("`{}` is not a country code (ISO 3166, e.g. FR)", raw.trim()),
                )
            })
    }

    /// Its two-letter code.
    pub fn code(&self) -> &str {
        self.0.as_ref()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pl_23_a_national_number_becomes_e164_in_its_country_and_stays_as_typed_without_one() {
        let france = Country::parse("country", " fr ").unwrap();
        let typed = PhoneNumber::parse("phone", "06 12 34 56 78").unwrap();
        assert_eq!(
            typed.clone().in_country(Some(france)).normalised(),
            "+33612345678"
        );
        assert_eq!(
            typed.clone().in_country(Some(france)).as_typed(),
            "06 12 34 56 78"
        );
        assert_eq!(typed.clone().in_country(None).normalised(), "0612345678");
        let international = PhoneNumber::parse("phone", "+33 (0)6 12 34 56 78").unwrap();
        assert_eq!(international.in_country(None).normalised(), "+33612345678");
        let short = PhoneNumber::parse("phone", "1234").unwrap();
        assert_eq!(short.in_country(Some(france)).normalised(), "1234");
        assert_eq!(
            national_digits("+33612345678").as_deref(),
            Some("0612345678")
        );
        assert_eq!(national_digits("0612345678"), None);
        assert!(Country::parse("country", "France").is_err());
        assert_eq!(france.code(), "FR");
    }

    #[test]
    fn cl_1_email_is_kept_as_typed_and_compared_case_insensitively() {
        let email = EmailAddress::parse("email", "  Ana.Silva@Example.COM ").unwrap();
        assert_eq!(email.as_str(), "Ana.Silva@Example.COM");
        assert_eq!(email.key(), "ana.silva@example.com");
    }

    #[test]
    fn cl_1_malformed_emails_are_refused() {
        for bad in [
            "ana",
            "ana@",
            "@example.com",
            "ana@example",
            "ana@@example.com",
            "ana silva@example.com",
            "ana@exa..com",
            "ana\u{0}@example.com",
        ] {
            assert!(EmailAddress::parse("email", bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn cl_1_phone_is_normalised_to_digits_with_optional_leading_plus() {
        let cases = [
            ("06 12 34 56 78", "0612345678"),
            ("06.12.34.56.78", "0612345678"),
            ("+33 6 12 34 56 78", "+33612345678"),
            ("(514) 555-0199", "5145550199"),
            ("+1-514/555.0199", "+15145550199"),
        ];
        for (typed, normalised) in cases {
            let phone = PhoneNumber::parse("phone", typed).unwrap();
            assert_eq!(phone.normalised(), normalised, "{typed}");
            assert_eq!(phone.as_typed(), typed);
        }
    }

    #[test]
    fn cl_1_malformed_phones_are_refused() {
        for bad in ["", "12", "06 12 ab", "06+12", "1234567890123456789012", "+"] {
            assert!(PhoneNumber::parse("phone", bad).is_err(), "{bad:?}");
        }
    }
}
