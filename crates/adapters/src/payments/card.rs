//! [`StubCardProcessor`]: cards with deterministic test numbers (the table is in the
//! parent module). Storing a card checks it and returns a token that encodes how the card
//! behaves when charged and the month it expires; the number itself is dropped there.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use chrono::NaiveDate;
use uuid::Uuid;

use clientele_domain::membership::MandateStatus;
use clientele_domain::payment::{Capabilities, CardExpiry, ProcessorKind};
use clientele_ports::payments::{
    CardInput, CardToken, ChargeRecord, ChargeRequest, MandateSetup, ProcessorError, RefundRequest,
};
use clientele_ports::{Clock, PaymentProcessor};

use super::journal::ChargeJournal;
use super::{CHARGE_PREFIX, REFUND_PREFIX, reference};

/// Test card numbers (digits only) that do something else than succeed.
const DECLINED_CARD: &str = "4000000000000002";
const INSUFFICIENT_FUNDS_CARD: &str = "4000000000009995";
const TIMEOUT_CARD: &str = "4000000000000119";

/// How a stored card behaves when charged; the word is the second part of its token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Behaviour {
    Succeeds,
    Declined,
    InsufficientFunds,
    TimesOut,
}

impl Behaviour {
    const ALL: [Self; 4] = [
        Self::Succeeds,
        Self::Declined,
        Self::InsufficientFunds,
        Self::TimesOut,
    ];

    fn of_number(digits: &str) -> Self {
        match digits {
            DECLINED_CARD => Self::Declined,
            INSUFFICIENT_FUNDS_CARD => Self::InsufficientFunds,
            TIMEOUT_CARD => Self::TimesOut,
            _ => Self::Succeeds,
        }
    }

    fn word(self) -> &'static str {
        match self {
            Self::Succeeds => "ok",
            Self::Declined => "decline",
            Self::InsufficientFunds => "funds",
            Self::TimesOut => "timeout",
        }
    }

    /// The behaviour and expiry a token of this processor encodes
    /// (`tok_<word>_<YYYYMM>_<random>`; tokens made before expiries were encoded,
    /// `tok_<word>_<random>`, have none).
    fn of_token(token: &str) -> Option<(Self, Option<CardExpiry>)> {
        let rest = token.strip_prefix("tok_")?;
        let (word, rest) = rest.split_once('_')?;
        let behaviour = Self::ALL.into_iter().find(|b| b.word() == word)?;
        let (expiry, random) = match rest.split_once('_') {
            Some((month, random)) => (Some(expiry_of(month)?), random),
            None => (None, rest),
        };
        (!random.is_empty()).then_some((behaviour, expiry))
    }

    fn charge(self) -> Result<(), ProcessorError> {
        match self {
            Self::Succeeds => Ok(()),
            Self::Declined => Err(ProcessorError::Declined("card_declined".into())),
            Self::InsufficientFunds => Err(ProcessorError::InsufficientFunds),
            Self::TimesOut => Err(ProcessorError::Transient("timeout".into())),
        }
    }
}

/// The `YYYYMM` part of a token.
fn expiry_of(text: &str) -> Option<CardExpiry> {
    if text.len() != 6 || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let (year, month) = text.split_at(4);
    CardExpiry::new(month.parse().ok()?, year.parse().ok()?).ok()
}

fn invalid(reason: &str) -> ProcessorError {
    ProcessorError::InvalidCard(reason.to_owned())
}

/// The digits of a typed card number (spaces allowed), if it is a valid one: 12 to 19
/// digits passing the Luhn checksum. Errors never repeat the number.
fn card_digits(number: &str) -> Result<String, ProcessorError> {
    let digits: String = number.chars().filter(|c| *c != ' ').collect();
    if digits.is_empty() || !digits.chars().all(|c| c.is_ascii_digit()) {
        return Err(invalid("the card number must be digits"));
    }
    if !(12..=19).contains(&digits.len()) {
        return Err(invalid("the card number must have 12 to 19 digits"));
    }
    if !luhn(&digits) {
        return Err(invalid("the card number is not valid (checksum)"));
    }
    Ok(digits)
}

/// The Luhn checksum of a string of ASCII digits.
fn luhn(digits: &str) -> bool {
    let sum: u32 = digits
        .chars()
        .rev()
        .filter_map(|c| c.to_digit(10))
        .enumerate()
        .map(|(position, digit)| {
            if position % 2 == 1 {
                let doubled = digit * 2;
                if doubled > 9 { doubled - 9 } else { doubled }
            } else {
                digit
            }
        })
        .sum();
    sum.is_multiple_of(10)
}

fn brand(digits: &str) -> &'static str {
    match digits.chars().next() {
        Some('4') => "visa",
        Some('5') => "mastercard",
        Some('3') => "amex",
        _ => "card",
    }
}

/// The last four characters of a string of ASCII digits (at least 12 of them).
fn last4(digits: &str) -> String {
    digits
        .chars()
        .skip(digits.len().saturating_sub(4))
        .collect()
}

/// A card processor without a provider: cards, full and partial refunds, and invoices; no
/// direct debit. Deterministic by test card (see the parent module). Its clock says when
/// a card has expired (today is the clock's day in UTC, as a card network's would be).
#[derive(Clone)]
pub struct StubCardProcessor {
    clock: Arc<dyn Clock>,
    journal: Arc<ChargeJournal>,
    /// How long each charge takes (none by default; for benchmarks).
    latency: Duration,
}

impl StubCardProcessor {
    /// A processor on the system clock.
    pub fn new() -> Self {
        Self::with_clock(Arc::new(crate::SystemClock))
    }

    pub fn with_clock(clock: Arc<dyn Clock>) -> Self {
        Self {
            clock,
            journal: Arc::new(ChargeJournal::in_memory()),
            latency: Duration::ZERO,
        }
    }

    /// The same processor recording the charges it receives in `journal`.
    pub fn with_journal(mut self, journal: Arc<ChargeJournal>) -> Self {
        self.journal = journal;
        self
    }

    /// The same processor taking `latency` to answer each charge.
    pub fn with_latency(mut self, latency: Duration) -> Self {
        self.latency = latency;
        self
    }

    fn today(&self) -> NaiveDate {
        self.clock.now().date_naive()
    }
}

impl Default for StubCardProcessor {
    fn default() -> Self {
        Self::new()
    }
}

impl std::fmt::Debug for StubCardProcessor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StubCardProcessor").finish_non_exhaustive()
    }
}

#[async_trait]
impl PaymentProcessor for StubCardProcessor {
    fn kind(&self) -> ProcessorKind {
        ProcessorKind::StubCard
    }

    fn capabilities(&self) -> Capabilities {
        Capabilities {
            cards: true,
            refunds: true,
            partial_refunds: true,
            direct_debit: false,
            invoices: true,
        }
    }

    /// Checks the card (an expired one is refused) and returns a token encoding its
    /// behaviour and expiry.
    async fn store_card(&self, card: &CardInput) -> Result<CardToken, ProcessorError> {
        let digits = card_digits(&card.number)?;
        let expiry = CardExpiry::new(card.exp_month, card.exp_year)
            .and_then(|expiry| expiry.valid_on(self.today()))
            .map_err(|e| invalid(&e.to_string()))?;
        let cvc = card.cvc.trim();
        if !(3..=4).contains(&cvc.len()) || !cvc.chars().all(|c| c.is_ascii_digit()) {
            return Err(invalid("the CVC must be 3 or 4 digits"));
        }
        let behaviour = Behaviour::of_number(&digits);
        Ok(CardToken {
            token: format!(
                "tok_{}_{:04}{:02}_{}",
                behaviour.word(),
                expiry.year(),
                expiry.month(),
                Uuid::new_v4().simple()
            ),
            brand: brand(&digits).to_owned(),
            last4: last4(&digits),
        })
    }

    /// Answers a key it received before with its first answer (the journal), else
    /// charges by the card's behaviour.
    async fn charge(&self, request: &ChargeRequest) -> Result<String, ProcessorError> {
        if !self.latency.is_zero() {
            tokio::time::sleep(self.latency).await;
        }
        let token = request
            .card_token
            .as_deref()
            .ok_or_else(|| invalid("a stored card is required"))?;
        let (behaviour, expiry) =
            Behaviour::of_token(token).ok_or_else(|| invalid("the card token is unknown"))?;
        let today = self.today();
        self.journal
            .answer_once(&request.idempotency_key, request.amount, || {
                if expiry.is_some_and(|expiry| expiry.is_expired_on(today)) {
                    return Err(ProcessorError::Declined("expired_card".into()));
                }
                behaviour.charge()?;
                Ok(reference(CHARGE_PREFIX, &request.idempotency_key))
            })
            .map_err(|error| ProcessorError::Transient(format!("the journal: {error}")))?
    }

    async fn charge_outcome(
        &self,
        idempotency_key: &str,
    ) -> Result<Option<ChargeRecord>, ProcessorError> {
        self.journal
            .get(idempotency_key)
            .map_err(|error| ProcessorError::Transient(format!("the journal: {error}")))
    }

    async fn set_up_mandate(&self, _setup: &MandateSetup) -> Result<MandateStatus, ProcessorError> {
        Err(ProcessorError::Unsupported("mandates"))
    }

    /// Accepts any refund, full or partial: the stub does not know its charges (the use
    /// case and storage keep refunds within them, AP-8).
    async fn refund(&self, request: &RefundRequest) -> Result<String, ProcessorError> {
        Ok(reference(REFUND_PREFIX, &request.idempotency_key))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clientele_domain::{Currency, Money};

    fn card(number: &str) -> CardInput {
        CardInput {
            number: number.into(),
            exp_month: 12,
            exp_year: 2030,
            cvc: "123".into(),
        }
    }

    fn eur(amount: &str) -> Money {
        Money::parse("amount", amount, Currency::parse("EUR").unwrap()).unwrap()
    }

    fn charge_of(token: &str, key: &str) -> ChargeRequest {
        ChargeRequest {
            card_token: Some(token.into()),
            mandate: None,
            amount: eur("60.50"),
            idempotency_key: key.into(),
        }
    }

    /// A row of the test card table: what storing the number gives, what charging it does.
    struct TestCard {
        number: &'static str,
        brand: &'static str,
        last4: &'static str,
        token_prefix: &'static str,
        charged: Result<(), ProcessorError>,
    }

    const fn test_card(
        number: &'static str,
        brand: &'static str,
        last4: &'static str,
        token_prefix: &'static str,
        charged: Result<(), ProcessorError>,
    ) -> TestCard {
        TestCard {
            number,
            brand,
            last4,
            token_prefix,
            charged,
        }
    }

    #[tokio::test]
    async fn pl_19_each_test_card_is_stored_then_charged_as_documented() {
        let processor = StubCardProcessor::new();
        let declined = || Err(ProcessorError::Declined("card_declined".into()));
        let funds = Err(ProcessorError::InsufficientFunds);
        let timeout = Err(ProcessorError::Transient("timeout".into()));
        let cases = [
            test_card("4242 4242 4242 4242", "visa", "4242", "tok_ok_", Ok(())),
            test_card("4242424242424242", "visa", "4242", "tok_ok_", Ok(())),
            test_card(
                "4000 0000 0000 0002",
                "visa",
                "0002",
                "tok_decline_",
                declined(),
            ),
            test_card(
                "4000000000000002",
                "visa",
                "0002",
                "tok_decline_",
                declined(),
            ),
            test_card("4000 0000 0000 9995", "visa", "9995", "tok_funds_", funds),
            test_card(
                "4000 0000 0000 0119",
                "visa",
                "0119",
                "tok_timeout_",
                timeout,
            ),
            test_card(
                "5555 5555 5555 4444",
                "mastercard",
                "4444",
                "tok_ok_",
                Ok(()),
            ),
            test_card("3782 822463 10005", "amex", "0005", "tok_ok_", Ok(())),
            test_card("6011 1111 1111 1117", "card", "1117", "tok_ok_", Ok(())),
        ];
        for case in cases {
            let last4 = case.last4;
            let stored = processor.store_card(&card(case.number)).await.unwrap();
            assert_eq!(stored.brand, case.brand, "brand of the card ending {last4}");
            assert_eq!(stored.last4, last4);
            assert!(
                stored.token.starts_with(case.token_prefix),
                "{}",
                stored.token
            );
            assert!(!stored.token.contains(&case.number.replace(' ', "")));
            // One key per card: a key seen before gets its first answer (ME-9).
            let key = format!("key-{last4}");
            let charged = processor.charge(&charge_of(&stored.token, &key)).await;
            assert_eq!(
                charged.map(|_| ()),
                case.charged,
                "charge of the card ending {last4}"
            );
        }
    }

    #[tokio::test]
    async fn pl_19_a_card_stored_twice_gets_two_tokens() {
        let processor = StubCardProcessor::new();
        let first = processor.store_card(&card("4242424242424242")).await;
        let second = processor.store_card(&card("4242424242424242")).await;
        assert_ne!(first.unwrap().token, second.unwrap().token);
    }

    #[tokio::test]
    async fn pl_19_an_invalid_card_is_refused_without_repeating_its_number() {
        let processor = StubCardProcessor::new();
        let valid = card("4242 4242 4242 4242");
        let cases: [(&str, CardInput); 11] = [
            ("checksum", card("4242 4242 4242 4241")),
            ("digits", card("4242-4242-4242-4242")),
            ("digits", card("4242 4242 4242 424x")),
            ("digits", card("   ")),
            ("12 to 19", card("4242 4242 42")),
            ("12 to 19", card("4242 4242 4242 4242 4242")),
            (
                "month",
                CardInput {
                    exp_month: 0,
                    ..valid.clone()
                },
            ),
            (
                "month",
                CardInput {
                    exp_month: 13,
                    ..valid.clone()
                },
            ),
            (
                "year",
                CardInput {
                    exp_year: 1999,
                    ..valid.clone()
                },
            ),
            (
                "CVC",
                CardInput {
                    cvc: "12".into(),
                    ..valid.clone()
                },
            ),
            (
                "CVC",
                CardInput {
                    cvc: "12a4".into(),
                    ..valid.clone()
                },
            ),
        ];
        for (about, input) in cases {
            let refused = processor.store_card(&input).await;
            let Err(ProcessorError::InvalidCard(reason)) = refused else {
                panic!("expected an invalid card about {about}, got {refused:?}");
            };
            assert!(reason.contains(about), "`{reason}` should be about {about}");
            let digits: String = input.number.chars().filter(char::is_ascii_digit).collect();
            if digits.len() >= 4 {
                assert!(
                    !reason.contains(&last4(&digits)),
                    "`{reason}` repeats the number"
                );
            }
        }
    }

    #[tokio::test]
    async fn pl_19_an_expired_card_is_refused_and_a_card_that_expired_since_is_declined() {
        let at = |day: &str| {
            let now = format!("{day}T12:00:00Z").parse().unwrap();
            StubCardProcessor::with_clock(Arc::new(crate::FixedClock::new(now)))
        };
        let expiring = CardInput {
            exp_month: 2,
            exp_year: 2028,
            ..card("4242 4242 4242 4242")
        };
        let old = CardInput {
            exp_month: 12,
            exp_year: 2001,
            ..expiring.clone()
        };

        let refused = at("2026-12-05").store_card(&old).await;
        let token = at("2028-02-29").store_card(&expiring).await.unwrap().token;
        let on_last_day = at("2028-02-29").charge(&charge_of(&token, "k1")).await;
        let after = at("2028-03-01").charge(&charge_of(&token, "k2")).await;

        assert_eq!(
            refused,
            Err(ProcessorError::InvalidCard(
                "the card expired at the end of 12/2001".into()
            ))
        );
        assert!(token.starts_with("tok_ok_202802_"), "{token}");
        assert!(on_last_day.is_ok());
        assert_eq!(after, Err(ProcessorError::Declined("expired_card".into())));
    }

    #[tokio::test]
    async fn pl_19_a_charge_needs_a_token_of_this_processor() {
        let processor = StubCardProcessor::new();
        let no_card = ChargeRequest {
            card_token: None,
            ..charge_of("", "key-1")
        };
        for request in [
            no_card,
            charge_of("tok_unknown_abc", "key-1"),
            charge_of("tok_ok_", "key-1"),
            charge_of("tok_ok_202913_abc", "key-1"),
            charge_of("pm_123", "key-1"),
        ] {
            assert!(matches!(
                processor.charge(&request).await,
                Err(ProcessorError::InvalidCard(_))
            ));
        }
    }

    #[tokio::test]
    async fn pl_10_the_same_idempotency_key_gives_back_the_same_charge_and_refund() {
        let processor = StubCardProcessor::new();
        let token = processor
            .store_card(&card("4242424242424242"))
            .await
            .unwrap()
            .token;
        let other_token = processor
            .store_card(&card("5555555555554444"))
            .await
            .unwrap()
            .token;

        let first = processor.charge(&charge_of(&token, "key-1")).await.unwrap();
        let retried = processor.charge(&charge_of(&token, "key-1")).await.unwrap();
        let with_another_card = processor
            .charge(&charge_of(&other_token, "key-1"))
            .await
            .unwrap();
        let another = processor.charge(&charge_of(&token, "key-2")).await.unwrap();

        assert!(first.starts_with("ch_") && first.len() == 3 + 24, "{first}");
        assert_eq!(retried, first);
        assert_eq!(with_another_card, first);
        assert_ne!(another, first);

        let refund = |amount: &str, key: &str| RefundRequest {
            charge_reference: first.clone(),
            amount: eur(amount),
            idempotency_key: key.into(),
        };
        let partial = processor.refund(&refund("10", "refund-1")).await.unwrap();
        let again = processor.refund(&refund("10", "refund-1")).await.unwrap();
        let full = processor
            .refund(&refund("60.50", "refund-2"))
            .await
            .unwrap();
        assert!(
            partial.starts_with("re_") && partial.len() == 3 + 24,
            "{partial}"
        );
        assert_eq!(again, partial);
        assert_ne!(full, partial);
    }

    #[tokio::test]
    async fn pl_19_a_timed_out_charge_fails_every_time_and_a_declined_one_too() {
        let processor = StubCardProcessor::new();
        for (number, outcome) in [
            (TIMEOUT_CARD, ProcessorError::Transient("timeout".into())),
            (
                DECLINED_CARD,
                ProcessorError::Declined("card_declined".into()),
            ),
            (INSUFFICIENT_FUNDS_CARD, ProcessorError::InsufficientFunds),
        ] {
            let token = processor.store_card(&card(number)).await.unwrap().token;
            for _ in 0..2 {
                assert_eq!(
                    processor.charge(&charge_of(&token, number)).await,
                    Err(outcome.clone())
                );
            }
        }
    }

    #[test]
    fn pl_19_the_stub_card_processor_takes_cards_and_refunds_but_not_direct_debit() {
        let capabilities = StubCardProcessor::new().capabilities();
        assert!(capabilities.cards && capabilities.refunds && capabilities.partial_refunds);
        assert!(capabilities.invoices && !capabilities.direct_debit);
    }
}
