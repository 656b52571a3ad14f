//! Payment processors behind `ports::PaymentProcessor` (PL-19, PL-20), with no network
//! and no real money: [`StubCardProcessor`] takes cards and behaves by test card number,
//! [`ManualProcessor`] records payments made in person (cash, cheque, …), and
//! [`StubProcessors`] hands out each one by [`ProcessorKind`].
//!
//! Every charge and refund reference is derived from its idempotency key alone (a prefix
//! and the first 24 hex digits of the key's SHA-256), so the same key always names the
//! same charge or refund and a retry never moves money twice. The card processor keeps a
//! record of the charge keys it received ([`ChargeJournal`], in memory or in a file shared
//! by processes) and answers a key it has seen with its first answer (ME-9); whether a
//! charge exists and how much of it is left to refund are checked by the use case and by
//! storage (AP-8), not here.
//!
//! A card number goes into [`StubCardProcessor::store_card`] and nowhere else: it is never
//! logged, stored, `Debug`-printed or repeated in an error.
//!
//! # Test cards
//!
//! | Number                | Stored as                  | Charging it                          |
//! |-----------------------|----------------------------|--------------------------------------|
//! | `4242 4242 4242 4242` | visa, 4242, `tok_ok_…`     | succeeds                             |
//! | `4000 0000 0000 0002` | visa, 0002, `tok_decline_…`| `Declined("card_declined")`          |
//! | `4000 0000 0000 9995` | visa, 9995, `tok_funds_…`  | `InsufficientFunds`                  |
//! | `4000 0000 0000 0119` | visa, 0119, `tok_timeout_…`| `Transient("timeout")`, every time   |
//! | any other valid number| by first digit, `tok_ok_…` | succeeds                             |
//!
//! Direct debit (ME-15) goes through [`StubDirectDebitProcessor`]: a mandate is set up on
//! any valid IBAN but `FR37 3000 6000 0112 3456 7800 002`, which its bank refuses.
//!
//! A valid number is 12 to 19 digits (spaces allowed) that pass the Luhn checksum; the
//! expiry month is 1 to 12 and the year 2000 to 2099, and a card whose expiry month is
//! over (by the processor's clock, in UTC) is refused; the CVC is 3 or 4 digits. The token
//! carries the expiry (`tok_ok_203012_…`), and charging a card that has expired since it
//! was stored is `Declined("expired_card")`. The brand comes from the
//! first digit: 4 visa, 5 mastercard, 3 amex, anything else "card".

mod card;
mod direct_debit;
mod journal;
mod manual;

use std::sync::Arc;

use sha2::{Digest, Sha256};

use clientele_domain::payment::ProcessorKind;
use clientele_ports::{Clock, PaymentProcessor, Processors};

pub use card::StubCardProcessor;
pub use direct_debit::{REFUSED_IBAN, StubDirectDebitProcessor};
pub use journal::{ChargeJournal, JournalEntry, read_journal};
pub use manual::ManualProcessor;

/// Prefixes of the references the processors give back.
const CHARGE_PREFIX: &str = "ch_";
const REFUND_PREFIX: &str = "re_";
const MANUAL_PREFIX: &str = "man_";
const DEBIT_PREFIX: &str = "dd_";

/// `prefix` and the first 24 hex digits of the SHA-256 of `idempotency_key`: the same key
/// always gives the same reference.
fn reference(prefix: &str, idempotency_key: &str) -> String {
    let digest = Sha256::digest(idempotency_key.as_bytes());
    format!("{prefix}{}", hex::encode(&digest[..12]))
}

/// Every processor of a deployment without a real payment provider: the stub card
/// processor and the manual one. Cheap to clone.
#[derive(Debug, Clone, Default)]
pub struct StubProcessors {
    card: Arc<StubCardProcessor>,
    manual: Arc<ManualProcessor>,
    direct_debit: Arc<StubDirectDebitProcessor>,
}

impl StubProcessors {
    /// Processors on the system clock.
    pub fn new() -> Self {
        Self::default()
    }

    /// Processors whose card stub tells expired cards by `clock` (the deployment's clock,
    /// frozen or not).
    pub fn with_clock(clock: Arc<dyn Clock>) -> Self {
        Self::with_card(StubCardProcessor::with_clock(clock))
    }

    /// Processors on `clock` whose card processor records its charges in the journal file
    /// at `journal` (shared with every process that names it; in memory if `None`) and
    /// takes `latency` to answer a charge: the api's and worker's `--stub-journal` and
    /// `--stub-latency-ms`.
    pub fn configured(
        clock: Arc<dyn Clock>,
        journal: Option<&std::path::Path>,
        latency: std::time::Duration,
    ) -> std::io::Result<Self> {
        let mut card = StubCardProcessor::with_clock(clock).with_latency(latency);
        if let Some(path) = journal {
            card = card.with_journal(Arc::new(ChargeJournal::open(path)?));
        }
        Ok(Self::with_card(card))
    }

    /// Processors whose card processor is `card` (with a journal or a latency of its own).
    pub fn with_card(card: StubCardProcessor) -> Self {
        Self {
            card: Arc::new(card),
            manual: Arc::default(),
            direct_debit: Arc::default(),
        }
    }
}

impl Processors for StubProcessors {
    fn processor(&self, kind: ProcessorKind) -> Arc<dyn PaymentProcessor> {
        match kind {
            ProcessorKind::StubCard => self.card.clone(),
            ProcessorKind::Manual => self.manual.clone(),
            ProcessorKind::StubDirectDebit => self.direct_debit.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pl_20_each_kind_is_handed_out_by_its_own_processor() {
        let processors = StubProcessors::new();
        for kind in [
            ProcessorKind::StubCard,
            ProcessorKind::Manual,
            ProcessorKind::StubDirectDebit,
        ] {
            assert_eq!(processors.processor(kind).kind(), kind);
        }
    }

    #[test]
    fn a_reference_is_its_prefix_and_24_hex_digits_of_the_keys_hash() {
        // SHA-256("abc") = ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad
        assert_eq!(reference("ch_", "abc"), "ch_ba7816bf8f01cfea414140de");
        assert_eq!(reference("ch_", "abc"), reference("ch_", "abc"));
        assert_ne!(reference("ch_", "abc"), reference("ch_", "abd"));
    }
}
