//! `webhook_endpoints` rows ↔ [`WebhookEndpoint`] (PL-24).

use sea_orm::ActiveValue::{NotSet, Set};

use clientele_domain::Version;
use clientele_domain::webhook::{
    EndpointParts, EndpointUrl, EventType, WebhookEndpoint, WebhookSecret,
};
use clientele_ports::StorageError;

use super::{corrupt, instant};
use crate::storage::entities::webhook_endpoints;

const T: &str = "webhook_endpoints";

fn secret(column: &'static str, raw: &str) -> Result<WebhookSecret, StorageError> {
    WebhookSecret::parse(raw).map_err(|e| corrupt(T, column, e.message))
}

impl TryFrom<webhook_endpoints::Model> for WebhookEndpoint {
    type Error = StorageError;

    fn try_from(row: webhook_endpoints::Model) -> Result<Self, Self::Error> {
        // Stored URLs passed the rules when written (http to localhost only in
        // development): read back as they are.
        let url = EndpointUrl::parse(&row.url, true).map_err(|e| corrupt(T, "url", e))?;
        let names: Vec<String> = row.events.split(' ').map(str::to_owned).collect();
        let events = EventType::parse_set(&names).map_err(|e| corrupt(T, "events", e.message))?;
        let previous = match (row.previous_secret, row.previous_until) {
            (Some(raw), Some(until)) => Some((secret("previous_secret", &raw)?, until)),
            _ => None,
        };
        Ok(WebhookEndpoint::restore(EndpointParts {
            id: row.id.into(),
            business_id: row.business_id.into(),
            url,
            events,
            description: row.description,
            secret: secret("secret", &row.secret)?,
            previous,
            enabled: row.enabled,
            disabled_reason: row.disabled_reason,
            created_at: row.created_at,
            updated_at: row.updated_at,
            version: Version::new(row.version),
        }))
    }
}

pub(crate) fn webhook_endpoint_row(endpoint: &WebhookEndpoint) -> webhook_endpoints::ActiveModel {
    let events: Vec<&str> = endpoint.events().iter().map(EventType::as_str).collect();
    let previous = endpoint.previous_secret();
    webhook_endpoints::ActiveModel {
        business_id: Set(endpoint.business_id().as_uuid()),
        id: Set(endpoint.id().as_uuid()),
        url: Set(endpoint.url().as_str().to_owned()),
        events: Set(events.join(" ")),
        description: Set(endpoint.description().map(str::to_owned)),
        secret: Set(endpoint.secret().expose()),
        previous_secret: Set(previous.map(|(secret, _)| secret.expose())),
        previous_until: Set(previous.map(|(_, until)| instant(*until))),
        enabled: Set(endpoint.enabled()),
        disabled_reason: Set(endpoint.disabled_reason().map(str::to_owned)),
        created_at: Set(instant(endpoint.created_at())),
        updated_at: Set(instant(endpoint.updated_at())),
        version: Set(endpoint.version().get()),
    }
}

pub(crate) fn webhook_endpoint_changes(
    endpoint: &WebhookEndpoint,
) -> webhook_endpoints::ActiveModel {
    webhook_endpoints::ActiveModel {
        business_id: NotSet,
        id: NotSet,
        created_at: NotSet,
        ..webhook_endpoint_row(endpoint)
    }
}
