//! ME-2, ME-17: selling a subscription product starts a membership of the type linked to
//! the product. The order pays the first period (the product's price is the rate the
//! membership renews at); for a type billed on a fixed day, a mid-cycle start also pays
//! the pro-rated days up to that day when the type says so. The order's code is the
//! membership's, refreshed at each renewal (CO-10).
//!
//! The membership is planned (and every rule checked) before the payment is taken, and
//! stored in the sale's transaction after it.

use chrono::{DateTime, Utc};

use clientele_domain::membership::{
    FirstBilling, Membership, MembershipType, NewMembership, PaymentKind, PaymentMethod, ProRata,
};
use clientele_domain::product::Product;
use clientele_domain::{
    Business, Client, CodeId, MembershipId, MembershipTypeId, Money, OrderId, ValidationErrors,
};
use clientele_ports::{StorageError, Transaction};

use crate::Clientele;
use crate::billing::due_at;
use crate::memberships::stored_card;
use crate::orders::{OrderError, SalePayment};

/// A membership a sale will start, and what its order charges for it.
pub(crate) struct PlannedMembership {
    pub membership: Membership,
    pub pro_rata: Option<ProRata>,
}

impl PlannedMembership {
    /// What the order charges: the product's price, plus the pro-rated days (ME-17).
    pub fn price(&self, product: &Product) -> Result<Money, OrderError> {
        let fee = product.details.price;
        match self.pro_rata {
            None => Ok(fee),
            Some(part) => fee.checked_add(part.amount).ok_or_else(|| {
                invalid(
                    "product_id",
                    "the pro-rated amount cannot be added to the price",
                )
            }),
        }
    }
}

fn invalid(field: &str, message: impl Into<String>) -> OrderError {
    OrderError::Invalid(ValidationErrors::single(field, message))
}

/// What a subscription's sale needs to know about it.
pub(crate) struct SubscriptionSale<'a> {
    pub business: &'a Business,
    pub product: &'a Product,
    pub client: &'a Client,
    pub payment: &'a SalePayment,
    /// The type the seller chose; needed only when several types sell the product.
    pub type_id: Option<MembershipTypeId>,
    pub order_id: OrderId,
}

impl Clientele {
    /// ME-2, ME-17: the membership the sale of a subscription product starts today, on
    /// the type linked to the product (the one named, or the only one).
    pub(crate) async fn plan_subscription(
        &self,
        tx: &mut dyn Transaction,
        sale: &SubscriptionSale<'_>,
    ) -> Result<PlannedMembership, OrderError> {
        let kind = linked_type(tx, sale).await?;
        let payment_method = payment_method(tx, sale, &kind).await?;
        let price = sale.product.details.price;
        let individual_rate = (price != kind.rate()).then_some(price);
        let today = sale.business.today(self.clock.now());
        let number = tx.next_membership_number(sale.business.id).await?;
        let created = Membership::create(
            MembershipId::from_uuid(self.ids.new_id()),
            number,
            &kind,
            NewMembership {
                client_id: sale.client.id(),
                individual_rate,
                start_date: today,
                end_date: None,
                member_since: None,
                first_billing: FirstBilling::AfterFirstPeriod,
                payment_method,
                order_id: Some(sale.order_id),
            },
            sale.business.settings.currency,
            today,
        )
        .map_err(|e| invalid("product_id", e.to_string()))?;
        Ok(PlannedMembership {
            membership: created.membership,
            pro_rata: created.pro_rata,
        })
    }

    /// Stores the planned membership with the code its order bought as its code.
    pub(crate) async fn start_subscription(
        &self,
        tx: &mut dyn Transaction,
        business: &Business,
        membership: &Membership,
        code: CodeId,
        now: DateTime<Utc>,
    ) -> Result<(), StorageError> {
        let due = due_at(membership, business.settings.time_zone);
        tx.insert_membership(membership, now, due).await?;
        tx.set_membership_code(business.id, membership.id(), code)
            .await
    }
}

/// The type the product is sold as: the one named (which must be linked to it), or the
/// only one linked to it.
async fn linked_type(
    tx: &mut dyn Transaction,
    sale: &SubscriptionSale<'_>,
) -> Result<MembershipType, OrderError> {
    let (business, product) = (sale.business.id, sale.product.id);
    let sells = |kind: &MembershipType| {
        kind.grants()
            .appointments()
            .is_some_and(|grant| grant.product_id() == product)
    };
    if let Some(id) = sale.type_id {
        return tx
            .membership_type(business, id)
            .await?
            .filter(sells)
            .ok_or_else(|| {
                invalid(
                    "membership_type_id",
                    "no membership type of this business sells this product",
                )
            });
    }
    let mut linked = tx.membership_types_granting(business, product, 2).await?;
    match (linked.pop(), linked.pop()) {
        (Some(kind), None) => Ok(kind),
        (None, _) => Err(invalid(
            "product_id",
            "a subscription is sold as a membership: create a membership type whose \
             appointments_product_id is this product first",
        )),
        (Some(_), Some(_)) => Err(invalid(
            "membership_type_id",
            "several membership types sell this product: name one",
        )),
    }
}

/// How the membership pays its renewals: the card the sale was paid with for a card
/// type; a mandate to set up for direct debit; at the desk for a manual type.
async fn payment_method(
    tx: &mut dyn Transaction,
    sale: &SubscriptionSale<'_>,
    kind: &MembershipType,
) -> Result<PaymentMethod, OrderError> {
    match (kind.payment(), sale.payment) {
        (PaymentKind::Manual, _) => Ok(PaymentMethod::Manual),
        (PaymentKind::DirectDebit, _) => Ok(PaymentMethod::DirectDebit(None)),
        (PaymentKind::Card, SalePayment::Card(id)) => {
            let stored = tx
                .payment_method(sale.business.id, *id)
                .await?
                .filter(|card| card.client_id == sale.client.id())
                .ok_or_else(|| {
                    invalid("payment.payment_method_id", "no such card for this client")
                })?;
            Ok(PaymentMethod::Card(stored_card(&stored)?))
        }
        (PaymentKind::Card, _) => Err(invalid(
            "payment",
            "the membership type renews by card: sell it with the client's card",
        )),
    }
}
