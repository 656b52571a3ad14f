//! [`ManualProcessor`]: payments made in person (cash, cheque, bank transfer, …) and
//! recorded by staff. It takes no cards and gives no money back; it can invoice.

use async_trait::async_trait;

use clientele_domain::membership::MandateStatus;
use clientele_domain::payment::{Capabilities, ProcessorKind};
use clientele_ports::PaymentProcessor;
use clientele_ports::payments::{
    CardInput, CardToken, ChargeRecord, ChargeRequest, MandateSetup, ProcessorError, RefundRequest,
};

use super::{MANUAL_PREFIX, reference};

/// Records payments made in person. `charge` moves no money: it gives the recorded
/// payment a reference (the same for the same idempotency key).
#[derive(Debug, Clone, Copy, Default)]
pub struct ManualProcessor;

impl ManualProcessor {
    pub fn new() -> Self {
        Self
    }
}

#[async_trait]
impl PaymentProcessor for ManualProcessor {
    fn kind(&self) -> ProcessorKind {
        ProcessorKind::Manual
    }

    fn capabilities(&self) -> Capabilities {
        Capabilities {
            invoices: true,
            ..Capabilities::default()
        }
    }

    async fn store_card(&self, _card: &CardInput) -> Result<CardToken, ProcessorError> {
        Err(ProcessorError::Unsupported("cards"))
    }

    async fn charge(&self, request: &ChargeRequest) -> Result<String, ProcessorError> {
        Ok(reference(MANUAL_PREFIX, &request.idempotency_key))
    }

    /// Keeps no record: a payment made in person was already taken, and sending its key
    /// again gives the same reference.
    async fn charge_outcome(
        &self,
        _idempotency_key: &str,
    ) -> Result<Option<ChargeRecord>, ProcessorError> {
        Ok(None)
    }

    async fn set_up_mandate(&self, _setup: &MandateSetup) -> Result<MandateStatus, ProcessorError> {
        Err(ProcessorError::Unsupported("mandates"))
    }

    async fn refund(&self, _request: &RefundRequest) -> Result<String, ProcessorError> {
        Err(ProcessorError::Unsupported("refunds"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clientele_domain::{Currency, Money};

    fn eur(amount: &str) -> Money {
        Money::parse("amount", amount, Currency::parse("EUR").unwrap()).unwrap()
    }

    fn charge(key: &str) -> ChargeRequest {
        ChargeRequest {
            card_token: None,
            mandate: None,
            amount: eur("40"),
            idempotency_key: key.into(),
        }
    }

    #[test]
    fn pl_19_the_manual_processor_can_only_invoice() {
        assert_eq!(
            ManualProcessor::new().capabilities(),
            Capabilities {
                cards: false,
                refunds: false,
                partial_refunds: false,
                direct_debit: false,
                invoices: true,
            }
        );
    }

    #[tokio::test]
    async fn pl_19_the_manual_processor_refuses_cards_and_refunds() {
        let processor = ManualProcessor::new();
        let card = CardInput {
            number: "4242 4242 4242 4242".into(),
            exp_month: 12,
            exp_year: 2030,
            cvc: "123".into(),
        };
        let refund = RefundRequest {
            charge_reference: "man_1".into(),
            amount: eur("1"),
            idempotency_key: "key-1".into(),
        };
        assert_eq!(
            processor.store_card(&card).await,
            Err(ProcessorError::Unsupported("cards"))
        );
        assert_eq!(
            processor.refund(&refund).await,
            Err(ProcessorError::Unsupported("refunds"))
        );
    }

    #[tokio::test]
    async fn pl_10_a_payment_recorded_twice_with_one_key_has_one_reference() {
        let processor = ManualProcessor::new();
        let first = processor.charge(&charge("key-1")).await.unwrap();
        let retried = processor.charge(&charge("key-1")).await.unwrap();
        let another = processor.charge(&charge("key-2")).await.unwrap();
        assert!(
            first.starts_with("man_") && first.len() == 4 + 24,
            "{first}"
        );
        assert_eq!(retried, first);
        assert_ne!(another, first);
    }
}
