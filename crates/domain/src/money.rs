//! Money: a `Decimal` amount with an ISO-4217 currency, never a float. Storage keeps
//! integer minor units (cents) because SQLite would round a decimal through `f64`.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::validation::FieldError;

/// Active ISO-4217 codes (2024 list), with their number of minor-unit digits where it is
/// not 2. Each list is sorted: it is searched by bisection (amounts are read by the
/// million in exports).
const CURRENCIES: &[&str] = &[
    "AED", "AFN", "ALL", "AMD", "ANG", "AOA", "ARS", "AUD", "AWG", "AZN", "BAM", "BBD", "BDT",
    "BGN", "BHD", "BIF", "BMD", "BND", "BOB", "BRL", "BSD", "BTN", "BWP", "BYN", "BZD", "CAD",
    "CDF", "CHF", "CLP", "CNY", "COP", "CRC", "CUP", "CVE", "CZK", "DJF", "DKK", "DOP", "DZD",
    "EGP", "ERN", "ETB", "EUR", "FJD", "FKP", "GBP", "GEL", "GHS", "GIP", "GMD", "GNF", "GTQ",
    "GYD", "HKD", "HNL", "HTG", "HUF", "IDR", "ILS", "INR", "IQD", "IRR", "ISK", "JMD", "JOD",
    "JPY", "KES", "KGS", "KHR", "KMF", "KPW", "KRW", "KWD", "KYD", "KZT", "LAK", "LBP", "LKR",
    "LRD", "LSL", "LYD", "MAD", "MDL", "MGA", "MKD", "MMK", "MNT", "MOP", "MRU", "MUR", "MVR",
    "MWK", "MXN", "MYR", "MZN", "NAD", "NGN", "NIO", "NOK", "NPR", "NZD", "OMR", "PAB", "PEN",
    "PGK", "PHP", "PKR", "PLN", "PYG", "QAR", "RON", "RSD", "RUB", "RWF", "SAR", "SBD", "SCR",
    "SDG", "SEK", "SGD", "SHP", "SLE", "SOS", "SRD", "SSP", "STN", "SVC", "SYP", "SZL", "THB",
    "TJS", "TMT", "TND", "TOP", "TRY", "TTD", "TWD", "TZS", "UAH", "UGX", "USD", "UYU", "UZS",
    "VES", "VND", "VUV", "WST", "XAF", "XCD", "XOF", "XPF", "YER", "ZAR", "ZMW", "ZWG",
];
const ZERO_DIGITS: &[&str] = &[
    "BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW", "PYG", "RWF", "UGX", "VND", "VUV",
    "XAF", "XOF", "XPF",
];
const THREE_DIGITS: &[&str] = &["BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"];

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum CurrencyError {
    #[error("`{0}` is not an ISO-4217 currency code (e.g. EUR, USD)")]
    Unknown(String),
}

/// An ISO-4217 currency code such as `EUR`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Currency([u8; 3]);

impl Currency {
    pub fn parse(raw: &str) -> Result<Self, CurrencyError> {
        let code = raw.trim();
        let bytes = code.as_bytes();
        if bytes.len() == 3
            && bytes.iter().all(u8::is_ascii_uppercase)
            && CURRENCIES.binary_search(&code).is_ok()
        {
            Ok(Self([bytes[0], bytes[1], bytes[2]]))
        } else {
            Err(CurrencyError::Unknown(raw.to_owned()))
        }
    }

    pub fn code(&self) -> &str {
        // Only ASCII uppercase letters are ever stored.
        std::str::from_utf8(&self.0).unwrap_or("XXX")
    }

    /// Digits after the decimal point in this currency (2 for EUR, 0 for JPY).
    pub fn minor_digits(&self) -> u32 {
        let code = self.code();
        if ZERO_DIGITS.binary_search(&code).is_ok() {
            0
        } else if THREE_DIGITS.binary_search(&code).is_ok() {
            3
        } else {
            2
        }
    }
}

impl TryFrom<String> for Currency {
    type Error = CurrencyError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<Currency> for String {
    fn from(value: Currency) -> Self {
        value.code().to_owned()
    }
}

impl std::fmt::Display for Money {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.amount, self.currency)
    }
}

impl PartialOrd for Money {
    /// Amounts of one currency compare; amounts of two currencies do not.
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        (self.currency == other.currency).then(|| self.amount.cmp(&other.amount))
    }
}

impl std::fmt::Display for Currency {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.code())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum MoneyError {
    #[error("an amount must not be negative")]
    Negative,
    #[error("{currency} amounts have at most {digits} decimal places")]
    TooPrecise { currency: Currency, digits: u32 },
    #[error("the amount is too large")]
    TooLarge,
}

/// A non-negative amount in one currency, with no more decimals than the currency has.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Money {
    amount: Decimal,
    currency: Currency,
}

impl Money {
    pub fn new(amount: Decimal, currency: Currency) -> Result<Self, MoneyError> {
        if amount.is_sign_negative() && !amount.is_zero() {
            return Err(MoneyError::Negative);
        }
        let digits = currency.minor_digits();
        if amount.normalize().scale() > digits {
            return Err(MoneyError::TooPrecise { currency, digits });
        }
        let money = Self { amount, currency };
        money.minor_units().ok_or(MoneyError::TooLarge)?;
        Ok(money)
    }

    /// Rebuilds an amount from integer minor units (as storage keeps it).
    pub fn from_minor_units(units: i64, currency: Currency) -> Result<Self, MoneyError> {
        Self::new(Decimal::new(units, currency.minor_digits()), currency)
    }

    pub fn amount(&self) -> Decimal {
        self.amount
    }

    pub fn currency(&self) -> Currency {
        self.currency
    }

    /// The amount with exactly the currency's decimals: 60.00, 1500 (JPY).
    pub fn amount_in_digits(&self) -> Decimal {
        let mut amount = self.amount;
        amount.rescale(self.currency.minor_digits());
        amount
    }

    /// The amount written with exactly the currency's decimals: "60.00", "1500" (JPY).
    pub fn amount_text(&self) -> String {
        self.amount_in_digits().to_string()
    }

    /// Zero in `currency`.
    pub fn zero(currency: Currency) -> Self {
        Self {
            amount: Decimal::ZERO,
            currency,
        }
    }

    /// Parses a typed amount such as `"12.50"` in `currency`, reported as `field` (PL-23).
    ///
    /// Only plain decimals are amounts: digits, then optionally `.` and at most the
    /// currency's number of decimals. Exponents (`1e3`), digit separators (`1_000`,
    /// `1,000`), signs (`+5`, `-5`) and bare points (`.5`, `5.`) are refused: a person who
    /// typed them may have meant something else than what a number parser would read.
    pub fn parse(field: &str, raw: &str, currency: Currency) -> Result<Self, FieldError> {
        let text = raw.trim();
        let digits = currency.minor_digits();
        let plain = |part: &str| !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit());
        let well_formed = match text.split_once('.') {
            None => plain(text),
            Some((units, decimals)) => plain(units) && plain(decimals),
        };
        let amount = well_formed
            .then(|| text.parse::<Decimal>().ok())
            .flatten()
            .ok_or_else(|| FieldError::new(field, plain_amount_hint(raw, digits)))?;
        Self::new(amount, currency).map_err(|e| FieldError::new(field, e.to_string()))
    }

    pub fn is_zero(&self) -> bool {
        self.amount.is_zero()
    }

    /// The sum, `None` if the currencies differ or it overflows.
    pub fn checked_add(&self, other: Money) -> Option<Money> {
        if self.currency != other.currency {
            return None;
        }
        Money::new(self.amount.checked_add(other.amount)?, self.currency).ok()
    }

    /// The difference, or zero when `other` is larger; `None` if the currencies differ.
    pub fn saturating_sub(&self, other: Money) -> Option<Money> {
        if self.currency != other.currency {
            return None;
        }
        let difference = self.amount - other.amount;
        Some(if difference.is_sign_negative() {
            Money::zero(self.currency)
        } else {
            Self {
                amount: difference,
                currency: self.currency,
            }
        })
    }

    /// The amount in minor units (cents for EUR), `None` if it does not fit an `i64`.
    pub fn minor_units(&self) -> Option<i64> {
        let scaled = self
            .amount
            .checked_mul(Decimal::from(10_i64.pow(self.currency.minor_digits())))?;
        i64::try_from(scaled.trunc()).ok()
    }
}

/// What to write instead of `raw`, for a currency with `digits` decimals.
fn plain_amount_hint(raw: &str, digits: u32) -> String {
    match digits {
        0 => format!("`{raw}` is not an amount: write plain digits, without decimals (e.g. 1500)"),
        n => format!(
            "`{raw}` is not an amount: write plain digits with at most {n} decimals after a point (e.g. 12.{})",
            "5".repeat(n as usize)
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn eur() -> Currency {
        Currency::parse("EUR").unwrap()
    }

    #[test]
    fn currency_lists_are_sorted_for_bisection() {
        for list in [CURRENCIES, ZERO_DIGITS, THREE_DIGITS] {
            assert!(list.windows(2).all(|w| w[0] < w[1]), "{list:?}");
        }
        for code in ZERO_DIGITS.iter().chain(THREE_DIGITS) {
            assert!(Currency::parse(code).is_ok(), "{code}");
        }
        assert_eq!(Currency::parse("JPY").unwrap().minor_digits(), 0);
        assert_eq!(Currency::parse("KWD").unwrap().minor_digits(), 3);
        assert_eq!(Currency::parse("ZWG").unwrap().minor_digits(), 2);
        assert!(Currency::parse("AED").is_ok() && Currency::parse("AAA").is_err());
    }

    #[test]
    fn currency_accepts_iso_codes_only() {
        assert_eq!(eur().code(), "EUR");
        assert!(Currency::parse("eur").is_err());
        assert!(Currency::parse("EURO").is_err());
        assert!(Currency::parse("ABC").is_err());
        assert_eq!(Currency::parse("JPY").unwrap().minor_digits(), 0);
        assert_eq!(Currency::parse("KWD").unwrap().minor_digits(), 3);
    }

    #[test]
    fn money_is_non_negative_with_the_currencys_decimals() {
        let m = Money::new(Decimal::from_str("12.50").unwrap(), eur()).unwrap();
        assert_eq!(m.minor_units(), Some(1250));
        assert_eq!(Money::from_minor_units(1250, eur()).unwrap(), m);
        assert_eq!(
            Money::new(Decimal::from_str("-1").unwrap(), eur()),
            Err(MoneyError::Negative)
        );
        assert!(matches!(
            Money::new(Decimal::from_str("1.005").unwrap(), eur()),
            Err(MoneyError::TooPrecise { .. })
        ));
        let big = Decimal::from_str("999999999999.99").unwrap();
        assert_eq!(
            Money::new(big, eur()).unwrap().minor_units(),
            Some(99_999_999_999_999)
        );
    }

    #[test]
    fn money_adds_and_subtracts_within_one_currency() {
        let m = |s: &str| Money::parse("amount", s, eur()).unwrap();
        assert_eq!(m("10.50").checked_add(m("2.25")), Some(m("12.75")));
        assert_eq!(m("10").saturating_sub(m("12")), Some(m("0")));
        assert_eq!(m("10").saturating_sub(m("2.5")), Some(m("7.5")));
        let chf = Money::parse("amount", "1", Currency::parse("CHF").unwrap()).unwrap();
        assert_eq!(m("1").checked_add(chf), None);
        assert!(m("1") < m("2"));
        assert_eq!(m("49.9").amount_text(), "49.90");
        assert_eq!(m("60").amount_text(), "60.00");
        assert!(Money::parse("price", "abc", eur()).is_err());
        assert!(Money::parse("price", "-1", eur()).is_err());
        assert!(Money::parse("price", "1.001", eur()).is_err());
    }

    #[test]
    fn pl_23_an_amount_is_plain_digits_with_at_most_the_currencys_decimals() {
        let jpy = Currency::parse("JPY").unwrap();
        for good in ["0", "12", "12.5", "12.50", " 7.05 ", "007"] {
            assert!(Money::parse("amount", good, eur()).is_ok(), "{good}");
        }
        assert_eq!(
            Money::parse("amount", "1500", jpy).unwrap().amount_text(),
            "1500"
        );
        for bad in [
            "1e3", "1E3", "1_000", "1,000", "1 000", "+5", "-5", ".5", "5.", "1.2.3", "", " ",
            "0x10", "١٢", "NaN", "inf",
        ] {
            let error = Money::parse("amount", bad, eur()).unwrap_err();
            assert_eq!(error.field, "amount");
            assert!(
                error.message.contains("plain digits"),
                "{bad}: {}",
                error.message
            );
        }
        let too_precise = Money::parse("amount", "1.005", eur()).unwrap_err();
        assert!(!too_precise.message.is_empty());
        let yen = Money::parse("amount", "1500.5", jpy).unwrap_err();
        assert!(!yen.message.contains("plain digits"), "{}", yen.message);
    }

    proptest::proptest! {
        #[test]
        fn minor_units_round_trip(units in 0_i64..1_000_000_000_000) {
            let m = Money::from_minor_units(units, eur()).unwrap();
            proptest::prop_assert_eq!(m.minor_units(), Some(units));
        }
    }
}
