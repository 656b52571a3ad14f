//! [`StubDirectDebitProcessor`]: direct debit under mandates (ME-15), with no bank behind
//! it. A mandate is set up on any valid IBAN, except the test IBAN below, which the
//! "bank" refuses; a charge under a mandate always succeeds, once per idempotency key.
//!
//! | IBAN                            | Setting up a mandate on it |
//! |---------------------------------|----------------------------|
//! | `FR37 3000 6000 0112 3456 7800 002` | `Failed`               |
//! | any other valid IBAN            | `Active`                   |

use std::sync::Arc;

use async_trait::async_trait;

use clientele_domain::membership::MandateStatus;
use clientele_domain::payment::{Capabilities, ProcessorKind};
use clientele_ports::PaymentProcessor;
use clientele_ports::payments::{
    CardInput, CardToken, ChargeRecord, ChargeRequest, MandateSetup, ProcessorError, RefundRequest,
};

use super::{ChargeJournal, DEBIT_PREFIX, reference};

/// The IBAN whose mandate the stub's bank refuses.
pub const REFUSED_IBAN: &str = "FR3730006000011234567800002";

/// Takes direct debits under mandates; keeps the keys it charged (ME-9).
#[derive(Debug, Clone)]
pub struct StubDirectDebitProcessor {
    journal: Arc<ChargeJournal>,
}

impl Default for StubDirectDebitProcessor {
    fn default() -> Self {
        Self {
            journal: Arc::new(ChargeJournal::in_memory()),
        }
    }
}

#[async_trait]
impl PaymentProcessor for StubDirectDebitProcessor {
    fn kind(&self) -> ProcessorKind {
        ProcessorKind::StubDirectDebit
    }

    fn capabilities(&self) -> Capabilities {
        Capabilities {
            direct_debit: true,
            ..Capabilities::default()
        }
    }

    async fn store_card(&self, _card: &CardInput) -> Result<CardToken, ProcessorError> {
        Err(ProcessorError::Unsupported("cards"))
    }

    async fn set_up_mandate(&self, setup: &MandateSetup) -> Result<MandateStatus, ProcessorError> {
        Ok(if setup.iban.as_str() == REFUSED_IBAN {
            MandateStatus::Failed
        } else {
            MandateStatus::Active
        })
    }

    async fn charge(&self, request: &ChargeRequest) -> Result<String, ProcessorError> {
        if request.mandate.is_none() {
            return Err(ProcessorError::Declined("no_mandate".into()));
        }
        self.journal
            .answer_once(&request.idempotency_key, request.amount, || {
                Ok(reference(DEBIT_PREFIX, &request.idempotency_key))
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

    async fn refund(&self, _request: &RefundRequest) -> Result<String, ProcessorError> {
        Err(ProcessorError::Unsupported("refunds"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clientele_domain::payment::Iban;
    use clientele_domain::{Currency, Money};

    fn setup(iban: &str) -> MandateSetup {
        MandateSetup {
            reference: "MD-1".into(),
            iban: Iban::parse(iban).unwrap(),
            account_holder: "Ana Silva".into(),
        }
    }

    #[tokio::test]
    async fn me_15_a_mandate_is_set_up_on_a_valid_iban_but_the_refused_one() {
        let processor = StubDirectDebitProcessor::default();
        let active = processor
            .set_up_mandate(&setup("FR76 3000 6000 0112 3456 7890 189"))
            .await;
        let refused = processor.set_up_mandate(&setup(REFUSED_IBAN)).await;
        assert_eq!(active, Ok(MandateStatus::Active));
        assert_eq!(refused, Ok(MandateStatus::Failed));
    }

    #[tokio::test]
    async fn me_9_a_debit_needs_a_mandate_and_a_key_is_charged_once() {
        let processor = StubDirectDebitProcessor::default();
        let request = |mandate: Option<&str>| ChargeRequest {
            card_token: None,
            mandate: mandate.map(str::to_owned),
            amount: Money::parse("amount", "49.90", Currency::parse("EUR").unwrap()).unwrap(),
            idempotency_key: "membership-1-20270101".into(),
        };
        let first = processor.charge(&request(Some("MD-1"))).await.unwrap();
        let again = processor.charge(&request(Some("MD-1"))).await.unwrap();
        assert_eq!(first, again);
        assert!(first.starts_with(DEBIT_PREFIX));
        assert!(processor.charge(&request(None)).await.is_err());
        assert_eq!(
            processor.charge_outcome("membership-1-20270101").await,
            Ok(Some(ChargeRecord::Charged(first)))
        );
    }
}
