//! Clientele's model and rules: businesses, sites, staff, clients, money, paging,
//! codes and memberships.
//!
//! This crate is pure. It must not depend on an async runtime, a database, an HTTP
//! framework or the system clock: time is always passed in, ids are always passed in.
//! Backend teams embed it on its own (`tests/purity.rs` enforces the absence).

pub mod access;
pub mod account;
pub mod appointment;
pub mod audit;
pub mod business;
pub mod client;
pub mod client_deletion;
pub mod client_duplicate;
pub mod client_erasure;
pub mod client_import;
pub mod client_merge;
pub mod code;
pub mod contact;
pub mod custom_field;
pub mod document;
pub mod email;
pub mod ids;
pub mod label;
pub mod marketing;
pub mod membership;
pub mod money;
pub mod note;
pub mod order;
pub mod paging;
pub mod payment;
pub mod product;
pub mod search;
pub mod site;
pub mod staff;
pub mod test_clock;
pub mod text;
pub mod token;
pub mod validation;
pub mod version;
pub mod webhook;

pub use access::{Actor, Forbidden, Permission, SiteScope};
pub use business::{Business, BusinessName, BusinessSettings, TimeZone};
pub use client::{
    Client, ClientChanges, ClientParts, EmailAddress, NewClient, PersonName, PhoneNumber,
};
pub use ids::{
    AccountId, AppointmentId, AppointmentTypeId, AuditId, BusinessId, ClientId, CodeId, CreditId,
    CustomFieldId, DocumentId, EmailId, ImportId, InvoiceId, LabelId, MarketingPreferenceId,
    MembershipId, MembershipTypeId, MergeId, NoteId, OrderId, PaymentId, PaymentMethodId,
    ProductId, SiteId, StaffId, TokenId, WebhookDeliveryId, WebhookEndpointId, WebhookEventId,
};
pub use money::{Currency, Money};
pub use paging::{ClientSort, ClientSortKey, PageLimit};
pub use site::Site;
pub use staff::{Role, StaffMember};
pub use token::ApiToken;
pub use validation::{FieldError, ValidationErrors};
pub use version::Version;
