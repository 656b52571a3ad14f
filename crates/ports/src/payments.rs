//! Payment processors (PL-19): what each can do, storing a card (a token back, never the
//! number kept), charging and refunding — every charge and refund with an idempotency
//! key, so that a retried request never moves money twice.

use std::sync::Arc;

use async_trait::async_trait;
use thiserror::Error;

use clientele_domain::Money;
use clientele_domain::membership::MandateStatus;
use clientele_domain::payment::{Capabilities, Iban, ProcessorKind};

/// A card as typed by a person; it goes to the processor and nowhere else.
#[derive(Clone, PartialEq, Eq)]
pub struct CardInput {
    pub number: String,
    pub exp_month: u32,
    pub exp_year: i32,
    pub cvc: String,
}

impl std::fmt::Debug for CardInput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print a card number, even in a debug log.
        f.debug_struct("CardInput").finish_non_exhaustive()
    }
}

/// What a processor gives back for a stored card.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CardToken {
    pub token: String,
    pub brand: String,
    pub last4: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChargeRequest {
    /// The stored card's token (card processors).
    pub card_token: Option<String>,
    /// The mandate's reference (direct-debit processors, ME-15).
    pub mandate: Option<String>,
    pub amount: Money,
    /// The same key always means the same charge: a processor MUST NOT charge twice for
    /// one key, and returns the first charge's reference again.
    pub idempotency_key: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefundRequest {
    /// The reference of the charge to give money back from.
    pub charge_reference: String,
    pub amount: Money,
    /// Same contract as [`ChargeRequest::idempotency_key`].
    pub idempotency_key: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ProcessorError {
    #[error("the card was declined: {0}")]
    Declined(String),
    #[error("the card was declined: insufficient funds")]
    InsufficientFunds,
    #[error("the card is not valid: {0}")]
    InvalidCard(String),
    #[error("the processor does not support {0}")]
    Unsupported(&'static str),
    /// Try again later; nothing was done.
    #[error("the processor did not answer in time: {0}")]
    Transient(String),
}

/// A mandate as the client sets it up (ME-15): the reference it was requested under and
/// the bank account, which goes to the processor and nowhere else.
#[derive(Clone, PartialEq, Eq)]
pub struct MandateSetup {
    pub reference: String,
    pub iban: Iban,
    pub account_holder: String,
}

impl std::fmt::Debug for MandateSetup {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MandateSetup")
            .field("reference", &self.reference)
            .field("iban", &self.iban)
            .finish_non_exhaustive()
    }
}

/// What a processor did with a charge it received (ME-9).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChargeRecord {
    /// Charged: the charge's reference.
    Charged(String),
    /// Refused (declined, invalid card…): nothing was taken.
    Refused(ProcessorError),
}

#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait PaymentProcessor: Send + Sync {
    fn kind(&self) -> ProcessorKind;

    fn capabilities(&self) -> Capabilities;

    /// Stores a card; MUST return `Unsupported("cards")` without the capability.
    async fn store_card(&self, card: &CardInput) -> Result<CardToken, ProcessorError>;

    /// Charges; returns the processor's reference of the charge.
    async fn charge(&self, request: &ChargeRequest) -> Result<String, ProcessorError>;

    /// ME-9: what became of the charge sent with `idempotency_key`, to reconcile a charge
    /// whose answer was lost (a crash, a timeout). `None`: the processor never received
    /// it (or failed transiently), so it may be sent again with the same key.
    async fn charge_outcome(
        &self,
        idempotency_key: &str,
    ) -> Result<Option<ChargeRecord>, ProcessorError>;

    /// ME-15: sets up the mandate `setup.reference` on the client's bank account; answers
    /// its status (`Active`, or `Failed` when the bank refuses it). MUST return
    /// `Unsupported("mandates")` without the `direct_debit` capability.
    async fn set_up_mandate(&self, setup: &MandateSetup) -> Result<MandateStatus, ProcessorError>;

    /// Refunds all or part of a charge; returns the processor's reference of the refund.
    /// MUST return `Unsupported("refunds")` without the capability, and
    /// `Unsupported("partial refunds")` for a partial refund without that one.
    async fn refund(&self, request: &RefundRequest) -> Result<String, ProcessorError>;
}

/// Every processor a deployment offers, by kind.
pub trait Processors: Send + Sync {
    fn processor(&self, kind: ProcessorKind) -> Arc<dyn PaymentProcessor>;
}
