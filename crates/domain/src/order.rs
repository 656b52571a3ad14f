//! Orders (CO-3, CO-6, CO-8): a product sold to a client, what was paid for it and how,
//! and what was refunded. The code it bought is a [`crate::code::Code`] of its own.

use chrono::{DateTime, Utc};
use thiserror::Error;

use crate::code::CodeText;
use crate::ids::{BusinessId, ClientId, CodeId, MembershipId, OrderId, ProductId, StaffId};
use crate::membership::ProRata;
use crate::money::Money;
use crate::payment::{PaymentRuleError, PaymentType, ProcessorKind};
use crate::product::Family;

/// How an order was settled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Settlement {
    /// Charged to a stored card.
    Card {
        processor: ProcessorKind,
        brand: String,
        last4: String,
        reference: String,
    },
    /// Paid at the desk ("cash").
    Manual {
        payment_type: PaymentType,
        reference: String,
    },
    /// Invoiced: emailed to the client, not paid yet.
    Invoice { number: String },
}

impl Settlement {
    pub fn method(&self) -> &'static str {
        match self {
            Self::Card { .. } => "card",
            Self::Manual { .. } => "manual",
            Self::Invoice { .. } => "invoice",
        }
    }

    /// The processor that took the money, for a settlement that took any.
    pub fn processor(&self) -> Option<(ProcessorKind, &str)> {
        match self {
            Self::Card {
                processor,
                reference,
                ..
            } => Some((*processor, reference)),
            Self::Manual { reference, .. } => Some((ProcessorKind::Manual, reference)),
            Self::Invoice { .. } => None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OrderStatus {
    Active,
    /// Cancelled (CO-6): its code too.
    Cancelled,
}

impl OrderStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Active => "active",
            Self::Cancelled => "cancelled",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        match raw {
            "active" => Some(Self::Active),
            "cancelled" => Some(Self::Cancelled),
            _ => None,
        }
    }
}

/// A product sold to a client (CO-3).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Order {
    pub id: OrderId,
    pub business_id: BusinessId,
    pub client_id: ClientId,
    pub product_id: ProductId,
    /// The product's family, kept for the orders list's filter (CO-8).
    pub family: Family,
    /// The code it bought.
    pub code_id: CodeId,
    /// That code's text, kept with the order (it never changes) so that the orders list
    /// and its export name it without reading the code (CO-8).
    pub code_text: CodeText,
    pub price: Money,
    pub settlement: Settlement,
    /// What was paid (the price, or nothing for an invoice).
    pub paid: Money,
    /// What was refunded, never more than `paid`.
    pub refunded: Money,
    pub status: OrderStatus,
    /// Who sold it.
    pub actor: StaffId,
    pub created_at: DateTime<Utc>,
    pub cancelled_at: Option<DateTime<Utc>>,
    /// ME-2: the membership a subscription's sale started, if it is one.
    pub membership_id: Option<MembershipId>,
    /// ME-17: the pro-rated part of a mid-cycle start, charged on top of the product's
    /// price (the fee for the first whole period): `price` is their sum.
    pub pro_rata: Option<ProRata>,
}

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum OrderStateError {
    #[error("the order is cancelled")]
    Cancelled,
}

impl Order {
    /// ME-17: the fee of the first whole period, without the pro-rated part.
    pub fn fee(&self) -> Money {
        self.pro_rata
            .and_then(|part| self.price.saturating_sub(part.amount))
            .unwrap_or(self.price)
    }

    /// What was paid and not refunded.
    pub fn refundable(&self) -> Money {
        self.paid
            .saturating_sub(self.refunded)
            .unwrap_or(Money::zero(self.price.currency()))
    }

    /// CO-6: the order is cancelled (its code is cancelled by the caller).
    pub fn cancel(&mut self, now: DateTime<Utc>) -> Result<(), OrderStateError> {
        match self.status {
            OrderStatus::Cancelled => Err(OrderStateError::Cancelled),
            OrderStatus::Active => {
                self.status = OrderStatus::Cancelled;
                self.cancelled_at = Some(now);
                Ok(())
            }
        }
    }

    /// AP-8 for orders: checks that `amount` may be refunded, then counts it.
    pub fn record_refund(&mut self, amount: Money) -> Result<(), PaymentRuleError> {
        if amount.currency() != self.price.currency() {
            return Err(PaymentRuleError::OtherCurrency {
                given: amount.currency().code().to_owned(),
                expected: self.price.currency().code().to_owned(),
            });
        }
        if amount.is_zero() {
            return Err(PaymentRuleError::Zero);
        }
        let refundable = self.refundable();
        if amount > refundable {
            return Err(PaymentRuleError::MoreThanRefundable { amount, refundable });
        }
        self.refunded = self.refunded.checked_add(amount).unwrap_or(self.refunded);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use uuid::Uuid;

    use super::*;
    use crate::money::Currency;

    fn eur(amount: &str) -> Money {
        Money::parse("amount", amount, Currency::parse("EUR").unwrap()).unwrap()
    }

    fn now() -> DateTime<Utc> {
        DateTime::from_timestamp(1_796_000_000, 0).unwrap()
    }

    fn order() -> Order {
        Order {
            id: OrderId::from_uuid(Uuid::from_u128(1)),
            business_id: BusinessId::from_uuid(Uuid::from_u128(2)),
            client_id: ClientId::from_uuid(Uuid::from_u128(3)),
            product_id: ProductId::from_uuid(Uuid::from_u128(4)),
            family: Family::Package,
            code_id: CodeId::from_uuid(Uuid::from_u128(5)),
            code_text: CodeText::from_random([7; 16]),
            price: eur("150"),
            settlement: Settlement::Manual {
                payment_type: PaymentType::parse("cash").unwrap(),
                reference: "m-1".into(),
            },
            paid: eur("150"),
            refunded: eur("0"),
            status: OrderStatus::Active,
            actor: StaffId::from_uuid(Uuid::from_u128(6)),
            created_at: now(),
            cancelled_at: None,
            membership_id: None,
            pro_rata: None,
        }
    }

    #[test]
    fn co_6_an_order_is_cancelled_once_and_refunds_never_exceed_what_was_paid() {
        let mut order = order();

        order.record_refund(eur("100")).unwrap();
        assert_eq!(order.refundable(), eur("50"));
        assert!(matches!(
            order.record_refund(eur("60")),
            Err(PaymentRuleError::MoreThanRefundable { .. })
        ));
        assert_eq!(order.record_refund(eur("0")), Err(PaymentRuleError::Zero));
        order.cancel(now()).unwrap();
        assert_eq!(
            (order.status, order.cancelled_at),
            (OrderStatus::Cancelled, Some(now()))
        );
        assert_eq!(order.cancel(now()), Err(OrderStateError::Cancelled));
    }
}
