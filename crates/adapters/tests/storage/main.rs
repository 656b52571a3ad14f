//! The storage adapter against a real database: SQLite by default, PostgreSQL when
//! `CLIENTELE_TEST_DATABASE_URL=postgres://…/NAME`. Every test gets its own fresh, migrated
//! database from `clientele_adapters::testing`. One test binary, one module per area.

mod helpers;

mod appointments;
mod audit;
mod businesses;
mod client_batches;
mod client_merges;
mod clients;
mod codes;
mod concurrency;
mod contact_card;
mod custom_fields;
mod database;
mod labels;
mod marketing;
mod membership_billing;
mod memberships;
mod orders;
mod outbox;
mod payments;
mod products;
mod secrets;
mod sites;
mod staff;
mod tenancy;
mod tokens;
