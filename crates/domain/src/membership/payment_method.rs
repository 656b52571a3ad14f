//! How a membership pays (ME-2, ME-14, ME-15): a card stored with a processor (its token,
//! brand and last four digits, never the number), a direct-debit mandate, or manual
//! payments recorded by staff.

use thiserror::Error;

use super::membership_type::PaymentKind;
use crate::payment::ProcessorKind;
use crate::text;

/// Why a payment method is refused.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum PaymentMethodError {
    #[error("a card token is a non-empty line of at most {max} characters")]
    Token { max: usize },
    #[error("a card brand is a non-empty line of at most {max} characters")]
    Brand { max: usize },
    #[error("the last four digits of a card are four digits")]
    Last4,
    #[error("a mandate reference is a non-empty line of at most {max} characters")]
    MandateReference { max: usize },
}

/// A card a processor stored for the member.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct StoredCard {
    processor: ProcessorKind,
    token: String,
    brand: String,
    last4: String,
}

impl StoredCard {
    pub const MAX_TOKEN: usize = 255;
    pub const MAX_BRAND: usize = 40;

    pub fn new(
        processor: ProcessorKind,
        token: &str,
        brand: &str,
        last4: &str,
    ) -> Result<Self, PaymentMethodError> {
        let token = text::required_line("token", token, Self::MAX_TOKEN).map_err(|_| {
            PaymentMethodError::Token {
                max: Self::MAX_TOKEN,
            }
        })?;
        let brand = text::required_line("brand", brand, Self::MAX_BRAND).map_err(|_| {
            PaymentMethodError::Brand {
                max: Self::MAX_BRAND,
            }
        })?;
        let last4 = last4.trim();
        if last4.len() != 4 || !last4.bytes().all(|b| b.is_ascii_digit()) {
            return Err(PaymentMethodError::Last4);
        }
        Ok(Self {
            processor,
            token,
            brand,
            last4: last4.to_owned(),
        })
    }

    /// The processor that stored the card: only it can charge it (ME-14).
    pub fn processor(&self) -> ProcessorKind {
        self.processor
    }

    pub fn token(&self) -> &str {
        &self.token
    }

    pub fn brand(&self) -> &str {
        &self.brand
    }

    pub fn last4(&self) -> &str {
        &self.last4
    }
}

/// A direct-debit mandate's state at the bank (ME-15).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MandateStatus {
    /// Requested; the client has not finished setting it up, or the bank has not
    /// confirmed it yet.
    Pending,
    Active,
    Cancelled,
    Failed,
}

impl MandateStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Active => "active",
            Self::Cancelled => "cancelled",
            Self::Failed => "failed",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        match raw {
            "pending" => Some(Self::Pending),
            "active" => Some(Self::Active),
            "cancelled" => Some(Self::Cancelled),
            "failed" => Some(Self::Failed),
            _ => None,
        }
    }
}

/// A direct-debit mandate: the direct-debit processor's reference and its state.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Mandate {
    reference: String,
    status: MandateStatus,
}

impl Mandate {
    pub const MAX_REFERENCE: usize = 255;

    pub fn new(reference: &str, status: MandateStatus) -> Result<Self, PaymentMethodError> {
        let reference =
            text::required_line("mandate", reference, Self::MAX_REFERENCE).map_err(|_| {
                PaymentMethodError::MandateReference {
                    max: Self::MAX_REFERENCE,
                }
            })?;
        Ok(Self { reference, status })
    }

    pub fn reference(&self) -> &str {
        &self.reference
    }

    pub fn status(&self) -> MandateStatus {
        self.status
    }

    pub(crate) fn set_status(&mut self, status: MandateStatus) {
        self.status = status;
    }
}

/// How a membership pays.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum PaymentMethod {
    Card(StoredCard),
    /// `None` until a mandate is requested (ME-15).
    DirectDebit(Option<Mandate>),
    Manual,
}

impl PaymentMethod {
    pub fn kind(&self) -> PaymentKind {
        match self {
            Self::Card(_) => PaymentKind::Card,
            Self::DirectDebit(_) => PaymentKind::DirectDebit,
            Self::Manual => PaymentKind::Manual,
        }
    }

    /// Whether a direct debit can be taken: its mandate is active. Always true for the
    /// other methods (a card's validity is the processor's to say, ME-14).
    pub fn mandate_active(&self) -> bool {
        match self {
            Self::DirectDebit(mandate) => {
                mandate.as_ref().map(Mandate::status) == Some(MandateStatus::Active)
            }
            Self::Card(_) | Self::Manual => true,
        }
    }

    /// How it is shown and audited: "visa •••• 4242", "direct debit MD-1 (active)",
    /// "direct debit (no mandate)", "manual".
    pub fn describe(&self) -> String {
        match self {
            Self::Card(card) => format!("{} •••• {}", card.brand, card.last4),
            Self::DirectDebit(Some(mandate)) => format!(
                "direct debit {} ({})",
                mandate.reference,
                mandate.status.as_str()
            ),
            Self::DirectDebit(None) => "direct debit (no mandate)".to_owned(),
            Self::Manual => "manual".to_owned(),
        }
    }
}
