//! PL-24: webhook events carry their resource as this API shows it: the same views,
//! rendered to JSON by the use case that records the event (in the API, and in the worker
//! for what billing changes).

use poem_openapi::types::ToJSON;
use serde_json::{Value, json};

use clientele_application::webhook_events::{Resource, ResourceViews};

use crate::routes::appointments::AppointmentView;
use crate::routes::client_merges::ClientMergeView;
use crate::routes::clients::ClientView;
use crate::routes::codes::CodeView;
use crate::routes::memberships::{ChargeView, MembershipView};
use crate::routes::payments::PaymentView;

/// The API's views.
#[derive(Debug, Default, Clone, Copy)]
pub struct ApiViews;

fn view(value: &impl ToJSON) -> Value {
    value.to_json().unwrap_or(Value::Null)
}

impl ResourceViews for ApiViews {
    fn render(&self, resource: Resource<'_>) -> Value {
        match resource {
            Resource::Client(client) => view(&ClientView::from(client)),
            Resource::Merge(merge, kept) => json!({
                "merge": view(&ClientMergeView::from(merge)),
                "client": view(&ClientView::from(kept)),
            }),
            Resource::DeletedClient(id) => json!({ "id": id.as_uuid(), "deleted": true }),
            Resource::Appointment(appointment) => view(&AppointmentView::from(appointment)),
            Resource::Payment(payment) => view(&PaymentView::from(payment)),
            Resource::Charge(charge) => view(&ChargeView::from(charge)),
            Resource::Membership(membership) => view(&MembershipView::from(membership)),
            Resource::Code(code) => view(&CodeView::from(code)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pl_24_a_deleted_client_is_told_by_id_only() {
        let id = clientele_domain::ClientId::from_uuid(uuid::Uuid::from_u128(5));
        let rendered = ApiViews.render(Resource::DeletedClient(id));
        assert_eq!(rendered, json!({ "id": id.as_uuid(), "deleted": true }));
    }
}
