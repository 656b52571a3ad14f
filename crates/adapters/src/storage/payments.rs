//! `PaymentRepository` and `IdempotencyRepository` over a [`SeaTransaction`]: stored
//! cards, payments and refunds with their amounts in minor units, invoices numbered once
//! per business, and the idempotency keys that make a retried request replay its first
//! response (PL-10).
//!
//! A processor's charge or refund is recorded once: `(business, processor, direction,
//! reference)` is unique, so a retry that reaches storage again is `Duplicate("payment")`.
//! AP-8 holds in the database as well: a CHECK refuses a charge refunded beyond its amount.

use async_trait::async_trait;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, DbErr, EntityTrait, QueryFilter, QueryOrder};

use clientele_domain::payment::{Invoice, Payment, PaymentMethod};
use clientele_domain::{AppointmentId, BusinessId, ClientId, Money, PaymentId, PaymentMethodId};
use clientele_ports::StorageError;
use clientele_ports::storage::{
    IdempotencyRecord, IdempotencyRepository, PaymentRepository, StoredResponse,
};

use super::conversions::{
    idempotency_response, idempotency_row, invoice_row, minor_units, other_currency,
    payment_method_row, payment_row,
};
use super::entities::{idempotency_keys, invoices, payment_methods, payments};
use super::{SeaTransaction, unexpected, unique_violation};

/// Every unique rule of these tables names one thing (an id or a business's reference,
/// number or key are the same duplicate to the caller); anything else (a foreign key, a
/// CHECK) is unexpected: the use case checks those rules first.
fn insert_error(what: &'static str) -> impl FnOnce(DbErr) -> StorageError {
    move |err| match unique_violation(&err) {
        Some(_) => StorageError::Duplicate(what),
        None => unexpected(err),
    }
}

impl SeaTransaction {
    fn payment_row_of(business: BusinessId, id: PaymentId) -> sea_orm::Select<payments::Entity> {
        payments::Entity::find()
            .filter(payments::Column::BusinessId.eq(business.as_uuid()))
            .filter(payments::Column::Id.eq(id.as_uuid()))
    }

    fn idempotency_row_of(
        business: BusinessId,
        key: &str,
    ) -> sea_orm::Select<idempotency_keys::Entity> {
        idempotency_keys::Entity::find()
            .filter(idempotency_keys::Column::BusinessId.eq(business.as_uuid()))
            .filter(idempotency_keys::Column::Key.eq(key))
    }
}

#[async_trait]
impl PaymentRepository for SeaTransaction {
    async fn insert_payment_method(&mut self, method: &PaymentMethod) -> Result<(), StorageError> {
        let insert = payment_methods::Entity::insert(payment_method_row(method));
        self.guarded(&insert)
            .await
            .map_err(insert_error("payment_method"))?;
        Ok(())
    }

    async fn payment_method(
        &mut self,
        business: BusinessId,
        id: PaymentMethodId,
    ) -> Result<Option<PaymentMethod>, StorageError> {
        payment_methods::Entity::find()
            .filter(payment_methods::Column::BusinessId.eq(business.as_uuid()))
            .filter(payment_methods::Column::Id.eq(id.as_uuid()))
            .one(&self.txn)
            .await
            .map_err(unexpected)?
            .map(PaymentMethod::try_from)
            .transpose()
    }

    async fn payment_methods_of_client(
        &mut self,
        business: BusinessId,
        client: ClientId,
    ) -> Result<Vec<PaymentMethod>, StorageError> {
        payment_methods::Entity::find()
            .filter(payment_methods::Column::BusinessId.eq(business.as_uuid()))
            .filter(payment_methods::Column::ClientId.eq(client.as_uuid()))
            .order_by_asc(payment_methods::Column::CreatedAt)
            .order_by_asc(payment_methods::Column::Id)
            .all(&self.txn)
            .await
            .map_err(unexpected)?
            .into_iter()
            .map(PaymentMethod::try_from)
            .collect()
    }

    async fn insert_payment(&mut self, payment: &Payment) -> Result<(), StorageError> {
        let insert = payments::Entity::insert(payment_row(payment)?);
        self.guarded(&insert)
            .await
            .map_err(insert_error("payment"))?;
        Ok(())
    }

    async fn payments_of_appointment(
        &mut self,
        business: BusinessId,
        appointment: AppointmentId,
    ) -> Result<Vec<Payment>, StorageError> {
        payments::Entity::find()
            .filter(payments::Column::BusinessId.eq(business.as_uuid()))
            .filter(payments::Column::AppointmentId.eq(appointment.as_uuid()))
            .order_by_desc(payments::Column::CreatedAt)
            .order_by_desc(payments::Column::Id)
            .all(&self.txn)
            .await
            .map_err(unexpected)?
            .into_iter()
            .map(Payment::try_from)
            .collect()
    }

    async fn set_payment_refunded(
        &mut self,
        business: BusinessId,
        id: PaymentId,
        refunded: Money,
    ) -> Result<(), StorageError> {
        let currency = refunded.currency();
        let update = payments::Entity::update_many()
            .col_expr(
                payments::Column::RefundedMinor,
                Expr::value(minor_units(refunded)?),
            )
            .filter(payments::Column::BusinessId.eq(business.as_uuid()))
            .filter(payments::Column::Id.eq(id.as_uuid()))
            // Never under another currency's code: such an amount changes nothing.
            .filter(payments::Column::Currency.eq(currency.code()));
        // Guarded: the CHECK (AP-8) that refuses the amount must leave the transaction
        // usable.
        let result = self.guarded(&update).await.map_err(unexpected)?;
        if result.rows_affected() > 0 {
            return Ok(());
        }
        match Self::payment_row_of(business, id).one(&self.txn).await {
            Ok(Some(row)) => Err(other_currency(
                "payments",
                "refunded_minor",
                refunded,
                &row.currency,
            )),
            Ok(None) => Err(StorageError::NotFound),
            Err(err) => Err(unexpected(err)),
        }
    }

    async fn insert_invoice(&mut self, invoice: &Invoice) -> Result<(), StorageError> {
        let insert = invoices::Entity::insert(invoice_row(invoice)?);
        self.guarded(&insert)
            .await
            .map_err(insert_error("invoice"))?;
        Ok(())
    }

    async fn invoices_of_appointment(
        &mut self,
        business: BusinessId,
        appointment: AppointmentId,
    ) -> Result<Vec<Invoice>, StorageError> {
        invoices::Entity::find()
            .filter(invoices::Column::BusinessId.eq(business.as_uuid()))
            .filter(invoices::Column::AppointmentId.eq(appointment.as_uuid()))
            .order_by_asc(invoices::Column::CreatedAt)
            .order_by_asc(invoices::Column::Id)
            .all(&self.txn)
            .await
            .map_err(unexpected)?
            .into_iter()
            .map(Invoice::try_from)
            .collect()
    }
}

#[async_trait]
impl IdempotencyRepository for SeaTransaction {
    async fn idempotency_record(
        &mut self,
        business: BusinessId,
        key: &str,
    ) -> Result<Option<IdempotencyRecord>, StorageError> {
        Self::idempotency_row_of(business, key)
            .one(&self.txn)
            .await
            .map_err(unexpected)?
            .map(IdempotencyRecord::try_from)
            .transpose()
    }

    async fn insert_idempotency_record(
        &mut self,
        record: &IdempotencyRecord,
    ) -> Result<(), StorageError> {
        let insert = idempotency_keys::Entity::insert(idempotency_row(record));
        self.guarded(&insert)
            .await
            .map_err(insert_error("idempotency_key"))?;
        Ok(())
    }

    async fn complete_idempotency_record(
        &mut self,
        business: BusinessId,
        key: &str,
        response: &StoredResponse,
    ) -> Result<(), StorageError> {
        let result = idempotency_keys::Entity::update_many()
            .set(idempotency_response(response))
            .filter(idempotency_keys::Column::BusinessId.eq(business.as_uuid()))
            .filter(idempotency_keys::Column::Key.eq(key))
            .exec(&self.txn)
            .await
            .map_err(unexpected)?;
        if result.rows_affected == 0 {
            Err(StorageError::NotFound)
        } else {
            Ok(())
        }
    }

    async fn delete_idempotency_record(
        &mut self,
        business: BusinessId,
        key: &str,
    ) -> Result<(), StorageError> {
        idempotency_keys::Entity::delete_many()
            .filter(idempotency_keys::Column::BusinessId.eq(business.as_uuid()))
            .filter(idempotency_keys::Column::Key.eq(key))
            .exec(&self.txn)
            .await
            .map_err(unexpected)?;
        Ok(())
    }
}
