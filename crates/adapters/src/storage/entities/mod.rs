//! sea-orm entities: one per table, shaped like the rows, used only inside the storage
//! adapter. Never exported (the domain and the API must not see rows), and they carry no
//! rules: parsing back into domain types happens in `conversions`.
//!
//! The schema itself is created by the migrations, not derived from these entities, so a
//! migration stays frozen when an entity changes.

pub(crate) mod account_addresses;
pub(crate) mod account_tokens;
pub(crate) mod api_tokens;
pub(crate) mod appointment_types;
pub(crate) mod appointments;
pub(crate) mod attendance_changes;
pub(crate) mod businesses;
pub(crate) mod client_accounts;
pub(crate) mod client_audit;
pub(crate) mod client_consents;
pub(crate) mod client_documents;
pub(crate) mod client_duplicate_dismissals;
pub(crate) mod client_field_values;
pub(crate) mod client_import_chunks;
pub(crate) mod client_import_rows;
pub(crate) mod client_imports;
pub(crate) mod client_label_sites;
pub(crate) mod client_labels;
pub(crate) mod client_merge_absorbed;
pub(crate) mod client_merges;
pub(crate) mod client_notes;
pub(crate) mod client_search_terms;
pub(crate) mod client_sessions;
pub(crate) mod client_sites;
pub(crate) mod clients;
pub(crate) mod code_audit;
pub(crate) mod code_ledger;
pub(crate) mod codes;
pub(crate) mod consent_ledger;
pub(crate) mod credits;
pub(crate) mod custom_fields;
pub(crate) mod idempotency_keys;
pub(crate) mod invoices;
pub(crate) mod labels;
pub(crate) mod login_failures;
pub(crate) mod marketing_preferences;
pub(crate) mod membership_audit;
pub(crate) mod membership_charges;
pub(crate) mod membership_codes;
pub(crate) mod membership_types;
pub(crate) mod memberships;
pub(crate) mod orders;
pub(crate) mod outbox_emails;
pub(crate) mod payment_methods;
pub(crate) mod payments;
pub(crate) mod platform_bootstrap;
pub(crate) mod product_appointment_types;
pub(crate) mod products;
pub(crate) mod sites;
pub(crate) mod staff_members;
pub(crate) mod staff_sites;
pub(crate) mod webhook_attempts;
pub(crate) mod webhook_deliveries;
pub(crate) mod webhook_endpoints;
pub(crate) mod webhook_events;
