//! Typed identifiers. Each aggregate has its own id type so that a client id can never be
//! passed where a site id is expected. Ids are generated outside the domain (a port) and
//! passed in; the domain never creates one.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(Uuid);

        impl $name {
            /// Wraps a UUID obtained from an id generator or from storage.
            pub const fn from_uuid(id: Uuid) -> Self {
                Self(id)
            }

            /// The UUID inside.
            pub const fn as_uuid(&self) -> Uuid {
                self.0
            }
        }

        impl From<Uuid> for $name {
            fn from(id: Uuid) -> Self {
                Self(id)
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.0.fmt(f)
            }
        }
    };
}

id_type!(
    /// A business (tenant). Every other record belongs to exactly one.
    BusinessId
);
id_type!(
    /// A client of a business.
    ClientId
);
id_type!(
    /// A site (location) of a business.
    SiteId
);
id_type!(
    /// A staff member of a business.
    StaffId
);
id_type!(
    /// A staff API token.
    TokenId
);
id_type!(
    /// A kind of appointment a business offers (a service).
    AppointmentTypeId
);
id_type!(
    /// An appointment.
    AppointmentId
);
id_type!(
    /// An email in the outbox.
    EmailId
);
id_type!(
    /// An entry of an audit trail.
    AuditId
);
id_type!(
    /// A payment or refund.
    PaymentId
);
id_type!(
    /// A card a processor stored for a client.
    PaymentMethodId
);
id_type!(
    /// An invoice.
    InvoiceId
);
id_type!(
    /// A staff note about a client (CL-12).
    NoteId
);
id_type!(
    /// A document kept on a client's contact card (AP-9).
    DocumentId
);
id_type!(
    /// A label of the business's settings (CL-11).
    LabelId
);
id_type!(
    /// An import of clients from a file (CL-15).
    ImportId
);
id_type!(
    /// A merge of client profiles (CL-17).
    MergeId
);
id_type!(
    /// A marketing preference of the business's settings (CL-13).
    MarketingPreferenceId
);
id_type!(
    /// A custom field of the business's settings (CL-24).
    CustomFieldId
);
id_type!(
    /// A product the business sells: a package, gift certificate or subscription (CO-1).
    ProductId
);
id_type!(
    /// A code that holds what a client bought or was given (CO-3, CO-4).
    CodeId
);
id_type!(
    /// An order: a product sold to a client (CO-3).
    OrderId
);
id_type!(
    /// A membership: a client's recurring agreement billed each period (ME-2).
    MembershipId
);
id_type!(
    /// A kind of membership a business offers (ME-1).
    MembershipTypeId
);
id_type!(
    /// A credit a client holds (ME-16).
    CreditId
);
id_type!(
    /// A client account: a login a person made for themselves (AC-1).
    AccountId
);
id_type!(
    /// An endpoint a business sends webhook events to (PL-24).
    WebhookEndpointId
);
id_type!(
    /// An event sent to webhook endpoints (PL-24): its id is the `webhook-id` of every
    /// delivery of it, replays included.
    WebhookEventId
);
id_type!(
    /// One delivery of one event to one endpoint, with its attempts (PL-24).
    WebhookDeliveryId
);
