//! The API's routes, one module per resource: request bodies ("params"), response bodies
//! ("views") and the handlers between them. Handlers parse, call one use case, map.

use poem_openapi::Tags;

use clientele_application::Clientele;
use clientele_domain::PageLimit;

use crate::problem::ProblemResponse;

pub mod accounts;
pub mod appointment_accounts;
pub mod appointments;
pub mod businesses;
pub mod client_data;
pub mod client_deletion;
pub mod client_duplicates;
pub mod client_erasure;
pub mod client_export;
pub mod client_imports;
pub mod client_merges;
pub mod clients;
pub mod codes;
pub mod contact_card;
pub mod credits;
pub mod custom_fields;
pub mod emails;
pub mod health;
pub mod labels;
pub mod marketing;
pub mod membership_export;
pub mod membership_history;
pub mod membership_payments;
pub mod membership_types;
pub mod memberships;
pub mod my_appointments;
pub mod my_memberships;
pub mod order_export;
pub mod orders;
pub mod payments;
pub mod products;
pub mod self_service;
pub mod sites;
pub mod staff;
pub mod test_clock;
pub mod tokens;
pub mod webhook_deliveries;
pub mod webhooks;

#[derive(Tags)]
pub enum ApiTags {
    /// Liveness and readiness.
    Health,
    /// The platform operator: businesses (tenants).
    Operator,
    /// The caller's business and its settings.
    Business,
    /// Sites (locations) of the business.
    Sites,
    /// Staff members, their roles and site access.
    Staff,
    /// Staff API tokens.
    Tokens,
    /// The client list.
    Clients,
    /// A client's contact card: previous bookings, notes and documents.
    ContactCard,
    /// Appointment types and appointments.
    Appointments,
    /// The emails the business sends.
    Emails,
    /// Stored cards, payments, invoices and refunds.
    Payments,
    /// Labels of the business and of its clients.
    Labels,
    /// Marketing preferences and consent.
    Marketing,
    /// Custom fields of the business (CL-24).
    CustomFields,
    /// Packages, gift certificates and subscriptions the business sells (CO-1).
    Products,
    /// Codes: what clients hold, with their ledgers (CO-3 to CO-12).
    Codes,
    /// Orders: products sold to clients (CO-3, CO-8).
    Orders,
    /// Membership types and memberships (ME).
    Memberships,
    /// A client's own membership, through the signed link in their emails (ME-12).
    SelfService,
    /// Client accounts: sign-up, login, and what an account sees (AC, PL-15).
    Accounts,
    /// Webhook endpoints: events sent to the business's integrations (PL-24).
    Webhooks,
}

/// Tuples: poem-openapi implements `OpenApi` for tuples of at most 16.
pub type Apis = (CoreApis, SalesApis, LifecycleApis, AccountApis, WebhookApis);

/// PL-24.
pub type WebhookApis = (
    webhooks::WebhooksApi,
    webhook_deliveries::WebhookDeliveriesApi,
);

/// Client accounts (AC): sign-up, login and what an account sees and changes; staff's
/// assignment of appointments to accounts (AC-9).
pub type AccountApis = (
    accounts::AccountsApi,
    my_appointments::MyAppointmentsApi,
    my_memberships::MyMembershipsApi,
    appointment_accounts::AppointmentAccountsApi,
);

pub type CoreApis = (
    health::HealthApi,
    businesses::OperatorApi,
    businesses::BusinessApi,
    test_clock::TestClockApi,
    sites::SitesApi,
    staff::StaffApi,
    tokens::TokensApi,
    clients::ClientsApi,
    client_export::ClientExportApi,
    contact_card::ContactCardApi,
    appointments::AppointmentsApi,
    emails::EmailsApi,
    payments::PaymentsApi,
    labels::LabelsApi,
    marketing::MarketingApi,
    custom_fields::CustomFieldsApi,
);

/// Products, codes and orders (CO); memberships (ME).
pub type SalesApis = (
    products::ProductsApi,
    codes::CodesApi,
    orders::OrdersApi,
    order_export::OrderExportApi,
    membership_types::MembershipTypesApi,
    memberships::MembershipsApi,
    membership_export::MembershipExportApi,
    membership_history::MembershipHistoryApi,
    membership_payments::MembershipPaymentsApi,
    credits::CreditsApi,
    self_service::SelfServiceApi,
);

/// A client base's life: imports (CL-15), merges (CL-17, CL-23), data access (CL-25),
/// duplicate suggestions (CL-19), deletion (CL-21), anonymisation (CL-22).
pub type LifecycleApis = (
    client_imports::ClientImportsApi,
    client_merges::ClientMergesApi,
    client_data::ClientDataApi,
    client_duplicates::ClientDuplicatesApi,
    client_deletion::ClientDeletionApi,
    client_erasure::ClientErasureApi,
);

pub fn apis(app: &Clientele) -> Apis {
    let core = (
        health::HealthApi { app: app.clone() },
        businesses::OperatorApi { app: app.clone() },
        businesses::BusinessApi { app: app.clone() },
        test_clock::TestClockApi { app: app.clone() },
        sites::SitesApi { app: app.clone() },
        staff::StaffApi { app: app.clone() },
        tokens::TokensApi { app: app.clone() },
        clients::ClientsApi { app: app.clone() },
        client_export::ClientExportApi { app: app.clone() },
        contact_card::ContactCardApi { app: app.clone() },
        appointments::AppointmentsApi { app: app.clone() },
        emails::EmailsApi { app: app.clone() },
        payments::PaymentsApi { app: app.clone() },
        labels::LabelsApi { app: app.clone() },
        marketing::MarketingApi { app: app.clone() },
        custom_fields::CustomFieldsApi { app: app.clone() },
    );
    let sales = (
        products::ProductsApi { app: app.clone() },
        codes::CodesApi { app: app.clone() },
        orders::OrdersApi { app: app.clone() },
        order_export::OrderExportApi { app: app.clone() },
        membership_types::MembershipTypesApi { app: app.clone() },
        memberships::MembershipsApi { app: app.clone() },
        membership_export::MembershipExportApi { app: app.clone() },
        membership_history::MembershipHistoryApi { app: app.clone() },
        membership_payments::MembershipPaymentsApi { app: app.clone() },
        credits::CreditsApi { app: app.clone() },
        self_service::SelfServiceApi { app: app.clone() },
    );
    let lifecycle = (
        client_imports::ClientImportsApi { app: app.clone() },
        client_merges::ClientMergesApi { app: app.clone() },
        client_data::ClientDataApi { app: app.clone() },
        client_duplicates::ClientDuplicatesApi { app: app.clone() },
        client_deletion::ClientDeletionApi { app: app.clone() },
        client_erasure::ClientErasureApi { app: app.clone() },
    );
    let accounts = (
        accounts::AccountsApi { app: app.clone() },
        my_appointments::MyAppointmentsApi { app: app.clone() },
        my_memberships::MyMembershipsApi { app: app.clone() },
        appointment_accounts::AppointmentAccountsApi { app: app.clone() },
    );
    let webhooks = (
        webhooks::WebhooksApi { app: app.clone() },
        webhook_deliveries::WebhookDeliveriesApi { app: app.clone() },
    );
    (core, sales, lifecycle, accounts, webhooks)
}

/// PL-9: the `limit` query parameter, 1 to 1000, default 500.
pub fn page_limit(raw: Option<u32>) -> Result<PageLimit, ProblemResponse> {
    PageLimit::parse(raw).map_err(|e| ProblemResponse::bad_parameter("limit", e.message))
}
