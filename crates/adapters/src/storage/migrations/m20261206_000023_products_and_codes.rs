//! Products, orders and codes (CO-1 to CO-12), and what an appointment's code paid.
//!
//! PL-26 as in the first step: every table leads its primary key, foreign keys and indexes
//! with `business_id` (but the expiry index, which the worker reads across businesses).
//! Money is integer minor units beside its currency; enumerations are CHECKed texts, and
//! each row's shape (which optional columns a kind or settlement has) is CHECKed too.
//!
//! CO-12: `code_ledger` is append-only in the database: triggers refuse every UPDATE and
//! DELETE of it (and TRUNCATE on PostgreSQL). Codes are never deleted either, so nothing
//! cascades into the ledger. An order's code refers to the order (`codes.order_id`); the
//! order's `code_id` has no foreign key, since the code is inserted after its order.
//!
//! `appointments` gains `code_id` (no foreign key: SQLite cannot add a composite one) and
//! `covered_minor`, one column per statement (SQLite). The tables are built in `tables`.

use sea_orm_migration::prelude::*;

use super::run_for_backend;

mod tables;

#[derive(DeriveMigrationName)]
pub(crate) struct Migration;

/// What a product's kind has: a count, a money value, a period (CO-1).
const PRODUCT_SHAPE: &str = "(validity_days IS NULL OR validity_months IS NULL) AND (\
     (kind = 'package' AND appointments IS NOT NULL AND value_minor IS NULL \
         AND period_unit IS NULL AND period_every IS NULL AND NOT rollover) \
     OR (kind = 'gift_certificate' AND period_unit IS NULL AND period_every IS NULL \
         AND NOT rollover AND ((appointments IS NULL AND value_minor IS NOT NULL) \
             OR (appointments IS NOT NULL AND value_minor IS NULL))) \
     OR (kind = 'subscription' AND appointments IS NOT NULL AND value_minor IS NULL \
         AND period_unit IS NOT NULL AND period_every IS NOT NULL))";

/// What each way of settling an order records.
const SETTLEMENT_SHAPE: &str = "\
     (method = 'card' AND processor IS NOT NULL AND card_brand IS NOT NULL \
         AND card_last4 IS NOT NULL AND reference IS NOT NULL \
         AND payment_type IS NULL AND invoice_number IS NULL) \
     OR (method = 'manual' AND payment_type IS NOT NULL AND reference IS NOT NULL \
         AND processor IS NULL AND card_brand IS NULL AND card_last4 IS NULL \
         AND invoice_number IS NULL) \
     OR (method = 'invoice' AND invoice_number IS NOT NULL AND processor IS NULL \
         AND card_brand IS NULL AND card_last4 IS NULL AND payment_type IS NULL \
         AND reference IS NULL)";

/// A count of appointments has no currency, a money balance has one.
const CODE_UNIT: &str = "(unit = 'appointments' AND currency IS NULL) \
     OR (unit = 'money' AND currency IS NOT NULL)";

const APPEND_ONLY_POSTGRES: &[&str] = &[
    "CREATE FUNCTION code_ledger_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ \
     BEGIN RAISE EXCEPTION 'code_ledger is append-only'; END; $$",
    "CREATE TRIGGER code_ledger_no_change BEFORE UPDATE OR DELETE ON code_ledger \
     FOR EACH ROW EXECUTE FUNCTION code_ledger_append_only()",
    "CREATE TRIGGER code_ledger_no_truncate BEFORE TRUNCATE ON code_ledger \
     FOR EACH STATEMENT EXECUTE FUNCTION code_ledger_append_only()",
];

const APPEND_ONLY_SQLITE: &[&str] = &[
    "CREATE TRIGGER code_ledger_no_update BEFORE UPDATE ON code_ledger \
     BEGIN SELECT RAISE(ABORT, 'code_ledger is append-only'); END",
    "CREATE TRIGGER code_ledger_no_delete BEFORE DELETE ON code_ledger \
     BEGIN SELECT RAISE(ABORT, 'code_ledger is append-only'); END",
];

const APPOINTMENT_COLUMNS: &[&str] = &[
    "ALTER TABLE appointments ADD COLUMN code_id uuid NULL",
    "ALTER TABLE appointments ADD COLUMN covered_minor bigint NOT NULL DEFAULT 0 \
     CHECK (covered_minor >= 0)",
];

/// The indexes of the step: name, table, columns.
const INDEXES: &[(&str, &str, &[&str])] = &[
    // CO-8: the orders list, newest first; by client; by product.
    (
        "ix_orders_created",
        "orders",
        &["business_id", "created_at", "id"],
    ),
    (
        "ix_orders_client",
        "orders",
        &["business_id", "client_id", "created_at", "id"],
    ),
    (
        "ix_orders_product",
        "orders",
        &["business_id", "product_id", "created_at", "id"],
    ),
    // CO-7: a client's codes, newest first; a product's active codes by id.
    (
        "ix_codes_client",
        "codes",
        &["business_id", "client_id", "created_at", "id"],
    ),
    (
        "ix_codes_product",
        "codes",
        &["business_id", "product_id", "status", "id"],
    ),
    // PL-16: the active codes past their last day, of every business.
    ("ix_codes_expiry", "codes", &["status", "expires_on"]),
    // CO-9: a code's entries about one appointment.
    (
        "ix_code_ledger_appointment",
        "code_ledger",
        &["business_id", "code_id", "appointment_id"],
    ),
    // CO-5: a code's audit trail, oldest first.
    (
        "ix_code_audit_code",
        "code_audit",
        &["business_id", "code_id", "at", "id"],
    ),
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
            tables::products(),
            tables::product_appointment_types(),
            tables::orders(),
            tables::codes(),
            tables::code_ledger(),
            tables::code_audit(),
        ] {
            manager.create_table(table).await?;
        }
        for (name, table, columns) in INDEXES {
            manager.create_index(index(name, table, columns)).await?;
        }
        // CO-3: a code's text is unique in its business.
        let mut text = index("ux_codes_text", "codes", &["business_id", "text"]);
        manager.create_index(text.unique().take()).await?;
        run_for_backend(manager, APPEND_ONLY_POSTGRES, APPEND_ONLY_SQLITE).await?;
        run_for_backend(manager, APPOINTMENT_COLUMNS, APPOINTMENT_COLUMNS).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let columns = [
            "ALTER TABLE appointments DROP COLUMN covered_minor",
            "ALTER TABLE appointments DROP COLUMN code_id",
        ];
        run_for_backend(manager, &columns, &columns).await?;
        for table in [
            "code_audit",
            "code_ledger",
            "codes",
            "orders",
            "product_appointment_types",
            "products",
        ] {
            manager
                .drop_table(Table::drop().table(Alias::new(table)).if_exists().take())
                .await?;
        }
        run_for_backend(
            manager,
            &["DROP FUNCTION IF EXISTS code_ledger_append_only()"],
            &[],
        )
        .await
    }
}
