//! One end-to-end test binary (zero-to-production style): every test gets its own fresh
//! database and the real router. `CLIENTELE_TEST_DATABASE_URL=postgres://…` runs the same
//! tests on PostgreSQL; unset, they run on SQLite.

mod dump;
mod helpers;

mod account_self_service;
mod accounts;
mod appointments;
mod auth;
mod billing;
mod business;
mod client_data;
mod client_deletion;
mod client_duplicates;
mod client_erasure;
mod client_export;
mod client_imports;
mod client_merge_roundtrip;
mod client_merges;
mod clients;
mod codes;
mod concurrency;
mod contact_card;
mod credits;
mod custom_fields;
mod document;
mod gate;
mod generated_client;
mod labels;
mod mandates;
mod marketing;
mod matrix;
mod membership_export;
mod memberships;
mod order_export;
mod payments;
mod platform;
mod search;
mod self_service;
mod simulation;
mod sites_and_staff;
mod subscriptions;
mod tenancy;
mod test_clock;
mod webhook_deliveries;
mod webhook_receiver;
mod webhooks;
