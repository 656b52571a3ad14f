//! Rows ↔ domain values, one module per aggregate; this one holds what they share (the
//! error of a stored value that does not parse back, money as minor units of one
//! currency per row, instants, id lists). Reads are `TryFrom<Model>`: a stored value that
//! no longer parses into its domain newtype is `StorageError::Unexpected` (the database
//! holds something the domain would never have written). Writes are explicit functions
//! building `ActiveModel`s, which truncate instants to microseconds so that both
//! databases round-trip equal values. A client's row and membership rows are in
//! `client`; its search terms, and the positional decoding of its rows, belong to the
//! client list (`storage/client_list/`). A product's covered appointment types come with
//! its row ([`WithTypes`]).
//!
//! Must not run queries: it only reshapes values.

mod account;
mod appointment;
mod audit;
mod business;
mod client;
mod client_import;
mod client_merge;
mod code;
mod custom_field;
mod document;
mod idempotency;
mod label;
mod marketing;
mod membership;
mod membership_audit;
mod note;
mod order;
mod outbox;
mod payment;
mod product;
mod site;
mod staff;
mod token;
mod webhook;
mod webhook_delivery;

use std::collections::HashMap;

use chrono::{DateTime, SubsecRound, Utc};
use thiserror::Error;
use uuid::Uuid;

use clientele_domain::{Currency, Money, SiteId};
use clientele_ports::StorageError;

pub(crate) use account::{account_row, account_token_row, session_row};
pub(crate) use appointment::{
    appointment_changes, appointment_row, appointment_type_changes, appointment_type_row,
};
pub(crate) use audit::{attendance_change_row, client_audit_row};
pub(crate) use business::{business_changes, business_row};
pub(crate) use client::{
    client_changes, client_label_rows, client_label_site_rows, client_row, client_site_rows,
};
pub(crate) use client_import::{client_import_report_row, client_import_row};
pub(crate) use client_merge::{client_merge, client_merge_row};
pub(crate) use code::{
    code_audit_row, code_changes, code_row, next_ledger_entry, update_with_ledger_entry,
};
pub(crate) use custom_field::{
    client_field_value_rows, custom_field_changes, custom_field_row, custom_values_by_owner,
    indexed_key,
};
pub(crate) use document::client_document_row;
pub(crate) use idempotency::{idempotency_response, idempotency_row};
pub(crate) use label::{label_changes, label_row};
pub(crate) use marketing::{client_consent_row, consent_ledger_row, preference_row};
pub(crate) use membership::{
    charge_row, credit_changes, credit_row, membership_changes, membership_row,
    membership_type_changes, membership_type_row,
};
pub(crate) use membership_audit::membership_audit_row;
pub(crate) use note::client_note_row;
pub(crate) use order::{OrderExportRow, order_row};
pub(crate) use outbox::{EMAIL_FAILED, EMAIL_PENDING, EMAIL_SENT, outbox_row};
pub(crate) use payment::{invoice_row, payment_method_row, payment_row};
pub(crate) use product::{WithTypes, product_changes, product_row, product_type_rows};
pub(crate) use site::{site_changes, site_row};
pub(crate) use staff::{staff_changes, staff_row, staff_site_rows};
pub(crate) use token::token_row;
pub(crate) use webhook::{webhook_endpoint_changes, webhook_endpoint_row};
pub(crate) use webhook_delivery::{webhook_attempt_row, webhook_delivery_row, webhook_event_row};

/// A stored value that does not parse back into its domain type.
#[derive(Debug, Error)]
#[error("stored {table}.{column} does not parse back: {reason}")]
pub(crate) struct CorruptValue {
    table: &'static str,
    column: &'static str,
    reason: String,
}

pub(crate) fn corrupt(
    table: &'static str,
    column: &'static str,
    reason: impl ToString,
) -> StorageError {
    StorageError::Unexpected(Box::new(CorruptValue {
        table,
        column,
        reason: reason.to_string(),
    }))
}

/// An amount that does not fit the 64-bit minor units storage keeps (the domain refuses to
/// build one, so this is a bug if it ever shows).
#[derive(Debug, Error)]
#[error("{0} does not fit in 64-bit minor units")]
pub(crate) struct AmountTooLarge(Money);

/// An amount of a row in another currency than the row's: one row keeps one currency for
/// all its amounts (an appointment's is its price's, a payment's its amount's).
#[derive(Debug, Error)]
#[error("{table}.{column}: {amount} is not in the row's currency {currency}")]
pub(crate) struct MixedCurrencies {
    table: &'static str,
    column: &'static str,
    amount: Money,
    currency: Currency,
}

/// Refuses `amount` for `table.column` unless it is in the row's `currency`.
pub(crate) fn same_currency(
    table: &'static str,
    column: &'static str,
    amount: Money,
    currency: Currency,
) -> Result<(), StorageError> {
    if amount.currency() == currency {
        Ok(())
    } else {
        Err(StorageError::Unexpected(Box::new(MixedCurrencies {
            table,
            column,
            amount,
            currency,
        })))
    }
}

/// Why `amount` could not be written to `table.column` of a row whose currency is
/// `stored`: it is in another currency (or the stored one no longer parses).
pub(crate) fn other_currency(
    table: &'static str,
    column: &'static str,
    amount: Money,
    stored: &str,
) -> StorageError {
    match stored_currency(table, stored) {
        Ok(currency) => StorageError::Unexpected(Box::new(MixedCurrencies {
            table,
            column,
            amount,
            currency,
        })),
        Err(err) => err,
    }
}

/// `money` as integer minor units of its currency.
pub(crate) fn minor_units(money: Money) -> Result<i64, StorageError> {
    money
        .minor_units()
        .ok_or_else(|| StorageError::Unexpected(Box::new(AmountTooLarge(money))))
}

pub(crate) fn money(
    table: &'static str,
    column: &'static str,
    units: i64,
    currency: Currency,
) -> Result<Money, StorageError> {
    Money::from_minor_units(units, currency).map_err(|e| corrupt(table, column, e))
}

pub(crate) fn stored_currency(table: &'static str, raw: &str) -> Result<Currency, StorageError> {
    Currency::parse(raw).map_err(|e| corrupt(table, "currency", e))
}

/// The precision both databases keep (PostgreSQL's `timestamptz` has microseconds).
pub(crate) fn instant(at: DateTime<Utc>) -> DateTime<Utc> {
    at.trunc_subsecs(6)
}

/// A row together with the sites read for it by a second query.
pub(crate) struct WithSites<M> {
    pub(crate) row: M,
    pub(crate) sites: Vec<SiteId>,
}

/// The ids of a comma-separated list, as [`id_text`] writes them, sorted.
pub(crate) fn id_list<T: From<Uuid> + Ord>(
    table: &'static str,
    column: &'static str,
    list: &str,
) -> Result<Vec<T>, StorageError> {
    let ids = list
        .split(',')
        .filter(|id| !id.is_empty())
        .map(|id| {
            Uuid::parse_str(id)
                .map(T::from)
                .map_err(|e| corrupt(table, column, e))
        })
        .collect::<Result<Vec<T>, _>>()?;
    Ok(sorted(ids))
}

pub(crate) fn sorted<T: Ord>(mut ids: Vec<T>) -> Vec<T> {
    ids.sort();
    ids.dedup();
    ids
}

/// `ids` sorted, as `clients.site_ids` and `clients.label_ids` hold them: comma-separated,
/// 32 lowercase hex digits each (what the migration's backfill and `delete_label` write
/// in SQL too).
pub(crate) fn id_text(ids: impl IntoIterator<Item = Uuid>) -> String {
    let ids = sorted(ids.into_iter().collect());
    let texts: Vec<String> = ids.iter().map(|id| id.simple().to_string()).collect();
    texts.join(",")
}

/// Groups `(owner, site)` pairs by owner, for one page of rows.
pub(crate) fn sites_by_owner(
    pairs: impl IntoIterator<Item = (Uuid, Uuid)>,
) -> HashMap<Uuid, Vec<SiteId>> {
    let mut by_owner: HashMap<Uuid, Vec<SiteId>> = HashMap::new();
    for (owner, site) in pairs {
        by_owner.entry(owner).or_default().push(site.into());
    }
    by_owner
}
