//! Memberships and billing (ME-1 to ME-21): membership types, memberships, their charges,
//! credits, and each business's membership-number counter.
//!
//! PL-26 as in the first step: every table leads its primary key, foreign keys and indexes
//! with `business_id`, but the worker's claim index (`due_at`) and the reconciliation
//! index of pending charges, which read across businesses. Money is integer minor units
//! beside its currency; enumerations are CHECKed texts, and each row's shape (which
//! optional columns a payment method, a status or an origin has) is CHECKed too.
//!
//! ME-9 lives in the database: a partial unique index lets a membership period have at
//! most one successful charge, another at most one pending charge (in flight), and a
//! charge's idempotency key is unique in its business. The tables are built in `tables`.

use sea_orm_migration::prelude::*;

use super::run_all;

mod tables;

#[derive(DeriveMigrationName)]
pub(crate) struct Migration;

/// A billing anchor fits its period's unit: a weekday 1 (Monday) to 7, a day of the month,
/// or a month and a day. `anchor_day` NULL: no anchor (a type billed on start dates).
const ANCHOR_SHAPE: &str = "anchor_day IS NULL \
     OR (period_unit = 'week' AND anchor_month IS NULL AND anchor_day BETWEEN 1 AND 7) \
     OR (period_unit = 'month' AND anchor_month IS NULL AND anchor_day BETWEEN 1 AND 31) \
     OR (period_unit = 'year' AND anchor_month BETWEEN 1 AND 12 \
         AND anchor_day BETWEEN 1 AND 31)";

/// A type billed on a fixed day has its anchor; one billed on start dates has none and
/// does not pro-rate (ME-17).
const ALIGNMENT_SHAPE: &str = "(alignment = 'start_date' AND anchor_day IS NULL \
         AND anchor_month IS NULL AND NOT prorate) \
     OR (alignment = 'fixed_day' AND anchor_day IS NOT NULL)";

/// Appointments a period: a product and a count, or neither.
const GRANT_SHAPE: &str = "(appointments_product_id IS NULL AND appointments_count IS NULL) \
     OR (appointments_product_id IS NOT NULL AND appointments_count >= 1)";

/// A reason exactly when the membership needs attention (ME-3).
const STATUS_SHAPE: &str = "(status = 'needs_attention' AND attention_reason IS NOT NULL) \
     OR (status <> 'needs_attention' AND attention_reason IS NULL)";

/// What each payment method records (ME-2, ME-15).
const PAYMENT_SHAPE: &str = "\
     (payment_method = 'card' AND card_processor IS NOT NULL AND card_token IS NOT NULL \
         AND card_brand IS NOT NULL AND card_last4 IS NOT NULL \
         AND mandate_reference IS NULL AND mandate_status IS NULL) \
     OR (payment_method = 'direct_debit' AND card_processor IS NULL AND card_token IS NULL \
         AND card_brand IS NULL AND card_last4 IS NULL \
         AND ((mandate_reference IS NULL AND mandate_status IS NULL) \
             OR (mandate_reference IS NOT NULL AND mandate_status IS NOT NULL))) \
     OR (payment_method = 'manual' AND card_processor IS NULL AND card_token IS NULL \
         AND card_brand IS NULL AND card_last4 IS NULL \
         AND mandate_reference IS NULL AND mandate_status IS NULL)";

/// An outstanding period's attempts (ME-8): all of them, or none.
const DUNNING_SHAPE: &str = "(dunning_period_start IS NULL \
         AND dunning_first_declined_on IS NULL AND dunning_attempts IS NULL \
         AND dunning_next_attempt_on IS NULL) \
     OR (dunning_period_start IS NOT NULL AND dunning_first_declined_on IS NOT NULL \
         AND dunning_attempts >= 0)";

/// A worker's claim: a name and a lease, or neither.
const CLAIM_SHAPE: &str = "(claimed_by IS NULL AND claimed_until IS NULL) \
     OR (claimed_by IS NOT NULL AND claimed_until IS NOT NULL)";

/// A charge is settled exactly when it is no longer pending.
const SETTLED_SHAPE: &str = "(status = 'pending' AND settled_at IS NULL) \
     OR (status <> 'pending' AND settled_at IS NOT NULL)";

/// A credit comes from a membership's period or from a staff member (ME-16).
const ORIGIN_SHAPE: &str = "(origin = 'period' AND membership_id IS NOT NULL \
         AND period_start IS NOT NULL AND staff_id IS NULL) \
     OR (origin = 'staff' AND staff_id IS NOT NULL AND membership_id IS NULL \
         AND period_start IS NULL)";

/// A credit names its appointment exactly when it was used.
const USE_SHAPE: &str = "(status = 'used' AND used_for IS NOT NULL) \
     OR (status <> 'used' AND used_for IS NULL)";

/// The indexes of the step: name, table, columns.
const INDEXES: &[(&str, &str, &[&str])] = &[
    // The worker's claim, across businesses (ME-7).
    ("ix_memberships_due", "memberships", &["due_at"]),
    // ME-18: the list's filters, each ending with the list's order.
    (
        "ix_memberships_status",
        "memberships",
        &["business_id", "status", "id"],
    ),
    (
        "ix_memberships_next_billing",
        "memberships",
        &["business_id", "next_billing_date", "id"],
    ),
    (
        "ix_memberships_end",
        "memberships",
        &["business_id", "end_date", "id"],
    ),
    (
        "ix_memberships_created",
        "memberships",
        &["business_id", "created_at", "id"],
    ),
    (
        "ix_memberships_type",
        "memberships",
        &["business_id", "type_id", "id"],
    ),
    (
        "ix_memberships_client",
        "memberships",
        &["business_id", "client_id"],
    ),
    // ME-19: a membership's charges, newest first.
    (
        "ix_membership_charges_membership",
        "membership_charges",
        &["business_id", "membership_id", "created_at", "id"],
    ),
    // ME-16: a client's credits, newest first.
    (
        "ix_credits_client",
        "credits",
        &["business_id", "client_id", "id"],
    ),
];

/// ME-2, ME-9: the unique rules, and the partial indexes (same SQL on both databases).
const UNIQUE_AND_PARTIAL: &[&str] = &[
    "CREATE UNIQUE INDEX ux_memberships_number ON memberships (business_id, number)",
    "CREATE UNIQUE INDEX ux_membership_charges_key \
     ON membership_charges (business_id, idempotency_key)",
    "CREATE UNIQUE INDEX ux_membership_charges_paid \
     ON membership_charges (business_id, membership_id, period_start) \
     WHERE status = 'succeeded'",
    "CREATE UNIQUE INDEX ux_membership_charges_in_flight \
     ON membership_charges (business_id, membership_id, period_start) \
     WHERE status = 'pending'",
    // ME-9: the pending charges to reconcile, oldest first, across businesses.
    "CREATE INDEX ix_membership_charges_pending \
     ON membership_charges (created_at, id) WHERE status = 'pending'",
];

fn index(name: &str, table: &str, columns: &[&str]) -> IndexCreateStatement {
    let mut index = Index::create().name(name).table(Alias::new(table)).take();
    for column in columns {
        index.col(Alias::new(*column));
    }
    index
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            tables::membership_types(),
            tables::memberships(),
            tables::membership_charges(),
            tables::credits(),
            tables::membership_counters(),
        ] {
            manager.create_table(table).await?;
        }
        for (name, table, columns) in INDEXES {
            manager.create_index(index(name, table, columns)).await?;
        }
        run_all(manager, UNIQUE_AND_PARTIAL).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            "membership_counters",
            "credits",
            "membership_charges",
            "memberships",
            "membership_types",
        ] {
            manager
                .drop_table(Table::drop().table(Alias::new(table)).if_exists().take())
                .await?;
        }
        Ok(())
    }
}
