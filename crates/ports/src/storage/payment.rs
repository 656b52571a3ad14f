//! Stored cards, payments and refunds, and invoices of appointments. Amounts are exact
//! (stored in minor units), in the currency they were made in.

use async_trait::async_trait;

use clientele_domain::payment::{Invoice, Payment, PaymentMethod};
use clientele_domain::{AppointmentId, BusinessId, ClientId, Money, PaymentId, PaymentMethodId};

use super::StorageError;

/// Money records. Never deleted. A row that breaks a rule the database also checks (a
/// refund beyond the charge, AP-8; an unknown client or appointment) is `Unexpected`: the
/// use case checks those rules first.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait PaymentRepository: Send {
    /// MUST return `Duplicate("payment_method")` if the id is taken.
    async fn insert_payment_method(&mut self, method: &PaymentMethod) -> Result<(), StorageError>;

    /// The business's stored card, or `None`.
    async fn payment_method(
        &mut self,
        business: BusinessId,
        id: PaymentMethodId,
    ) -> Result<Option<PaymentMethod>, StorageError>;

    /// A client's stored cards, oldest first (ties by id), all of them.
    async fn payment_methods_of_client(
        &mut self,
        business: BusinessId,
        client: ClientId,
    ) -> Result<Vec<PaymentMethod>, StorageError>;

    /// MUST return `Duplicate("payment")` if the business already has a payment with this
    /// id, or with this processor, direction and reference (one processor charge or
    /// refund is recorded once, whatever retries happen).
    async fn insert_payment(&mut self, payment: &Payment) -> Result<(), StorageError>;

    /// An appointment's payments and refunds, newest first (ties by id, descending), all
    /// of them.
    async fn payments_of_appointment(
        &mut self,
        business: BusinessId,
        appointment: AppointmentId,
    ) -> Result<Vec<Payment>, StorageError>;

    /// Sets how much of a charge was refunded. MUST return `NotFound` if absent; an
    /// amount in another currency than the charge's changes nothing and is `Unexpected`.
    async fn set_payment_refunded(
        &mut self,
        business: BusinessId,
        id: PaymentId,
        refunded: Money,
    ) -> Result<(), StorageError>;

    /// MUST return `Duplicate("invoice")` if the id or the business's number is taken.
    async fn insert_invoice(&mut self, invoice: &Invoice) -> Result<(), StorageError>;

    /// An appointment's invoices, oldest first (ties by id), all of them.
    async fn invoices_of_appointment(
        &mut self,
        business: BusinessId,
        appointment: AppointmentId,
    ) -> Result<Vec<Invoice>, StorageError>;
}
