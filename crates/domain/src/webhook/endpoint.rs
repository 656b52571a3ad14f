//! PL-24: an endpoint a business subscribes to event types. Its secret signs every
//! delivery; rotating it keeps the previous one signing too for a grace period, so that
//! deliveries already on their way verify with either. An endpoint failing for days is
//! disabled by the worker, and re-enabled by staff.

use std::collections::BTreeSet;

use chrono::{DateTime, Duration, Utc};

use super::{EndpointUrl, EventType, WebhookSecret};
use crate::email::{EmailContent, compose};
use crate::ids::{BusinessId, WebhookEndpointId};
use crate::text::optional_line;
use crate::validation::{FieldError, ValidationErrors};
use crate::version::Version;

/// How long the previous secret still signs after a rotation.
pub const ROTATION_GRACE: Duration = Duration::hours(24);

const DESCRIPTION_MAX: usize = 200;

/// A new endpoint as sent.
#[derive(Debug, Clone, Default)]
pub struct EndpointInput {
    pub url: String,
    pub events: Vec<String>,
    pub description: Option<String>,
}

/// A change of an endpoint as sent; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct EndpointChanges {
    pub url: Option<String>,
    pub events: Option<Vec<String>>,
    /// `Some("")` removes it.
    pub description: Option<String>,
    pub enabled: Option<bool>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookEndpoint {
    pub(crate) id: WebhookEndpointId,
    pub(crate) business_id: BusinessId,
    pub(crate) url: EndpointUrl,
    pub(crate) events: BTreeSet<EventType>,
    pub(crate) description: Option<String>,
    pub(crate) secret: WebhookSecret,
    /// The secret before the last rotation, and until when it still signs.
    pub(crate) previous: Option<(WebhookSecret, DateTime<Utc>)>,
    pub(crate) enabled: bool,
    /// Why the worker disabled it (it failed for days), if it did.
    pub(crate) disabled_reason: Option<String>,
    pub(crate) created_at: DateTime<Utc>,
    pub(crate) updated_at: DateTime<Utc>,
    pub(crate) version: Version,
}

/// Everything a stored endpoint is made of, for [`WebhookEndpoint::restore`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EndpointParts {
    pub id: WebhookEndpointId,
    pub business_id: BusinessId,
    pub url: EndpointUrl,
    pub events: BTreeSet<EventType>,
    pub description: Option<String>,
    pub secret: WebhookSecret,
    pub previous: Option<(WebhookSecret, DateTime<Utc>)>,
    pub enabled: bool,
    pub disabled_reason: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: Version,
}

fn description(raw: &str) -> Result<Option<String>, FieldError> {
    optional_line("description", raw, DESCRIPTION_MAX)
}

fn url(raw: &str, development: bool) -> Result<EndpointUrl, FieldError> {
    EndpointUrl::parse(raw, development).map_err(|e| FieldError::new("url", e.to_string()))
}

impl WebhookEndpoint {
    /// A new, enabled endpoint signing with `secret` (drawn by the caller from a CSPRNG).
    /// Plain http to localhost only in `development`.
    pub fn create(
        id: WebhookEndpointId,
        business_id: BusinessId,
        input: &EndpointInput,
        secret: WebhookSecret,
        development: bool,
        now: DateTime<Utc>,
    ) -> Result<Self, ValidationErrors> {
        let parsed_url = url(&input.url, development);
        let events = EventType::parse_set(&input.events);
        let description = description(input.description.as_deref().unwrap_or_default());
        match (parsed_url, events, description) {
            (Ok(url), Ok(events), Ok(description)) => Ok(Self {
                id,
                business_id,
                url,
                events,
                description,
                secret,
                previous: None,
                enabled: true,
                disabled_reason: None,
                created_at: now,
                updated_at: now,
                version: Version::initial(),
            }),
            (url, events, description) => Err(crate::validation::failures([
                url.err(),
                events.err(),
                description.err(),
            ])),
        }
    }

    /// Applies `changes`; whether anything changed. Enabling again clears why it was
    /// disabled.
    pub fn change(
        &mut self,
        changes: &EndpointChanges,
        development: bool,
        now: DateTime<Utc>,
    ) -> Result<bool, ValidationErrors> {
        let new_url = changes
            .url
            .as_deref()
            .map(|raw| url(raw, development))
            .transpose();
        let events = (changes.events.as_deref())
            .map(EventType::parse_set)
            .transpose();
        let new_description = changes.description.as_deref().map(description).transpose();
        let (new_url, events, new_description) = match (new_url, events, new_description) {
            (Ok(u), Ok(e), Ok(d)) => (u, e, d),
            (u, e, d) => {
                return Err(crate::validation::failures([u.err(), e.err(), d.err()]));
            }
        };
        let before = self.clone();
        if let Some(new_url) = new_url {
            self.url = new_url;
        }
        if let Some(events) = events {
            self.events = events;
        }
        if let Some(new_description) = new_description {
            self.description = new_description;
        }
        if let Some(enabled) = changes.enabled {
            self.enabled = enabled;
            if enabled {
                self.disabled_reason = None;
            }
        }
        let changed = *self != before;
        if changed {
            self.touch(now);
        }
        Ok(changed)
    }

    /// A new secret; the current one keeps signing for [`ROTATION_GRACE`].
    pub fn rotate(&mut self, secret: WebhookSecret, now: DateTime<Utc>) {
        let previous = std::mem::replace(&mut self.secret, secret);
        self.previous = Some((previous, now + ROTATION_GRACE));
        self.touch(now);
    }

    /// The worker gives up on an endpoint that failed for days.
    pub fn disable_failing(&mut self, reason: &str, now: DateTime<Utc>) {
        self.enabled = false;
        self.disabled_reason = Some(reason.to_owned());
        self.touch(now);
    }

    /// PL-24: what the owners are told when the worker disabled the endpoint.
    pub fn disabled_email(&self, business_name: &str) -> EmailContent {
        compose(
            format!("Webhook endpoint disabled at {business_name}"),
            &[
                "Hello,".to_owned(),
                format!(
                    "Events could not be delivered to {} for {} days, so the endpoint was \
                     disabled: {}",
                    self.url.as_str(),
                    super::GIVE_UP_AFTER.num_days(),
                    self.disabled_reason.as_deref().unwrap_or("it kept failing"),
                ),
                "The events already queued for it wait: enable it again once it answers, \
                 and they are delivered in order. Events that happen while it is disabled \
                 are not sent to it."
                    .to_owned(),
                business_name.to_owned(),
            ],
        )
    }

    /// The secrets a delivery made at `now` is signed with: the current one first.
    pub fn signing_secrets(&self, now: DateTime<Utc>) -> Vec<&WebhookSecret> {
        let previous = (self.previous.iter())
            .filter(|(_, until)| now < *until)
            .map(|(secret, _)| secret);
        std::iter::once(&self.secret).chain(previous).collect()
    }

    /// Whether an event of `kind` is sent to it.
    pub fn wants(&self, kind: EventType) -> bool {
        self.enabled && self.events.contains(&kind)
    }

    fn touch(&mut self, now: DateTime<Utc>) {
        self.updated_at = now;
        self.version = self.version.next();
    }

    pub fn restore(parts: EndpointParts) -> Self {
        let EndpointParts {
            id,
            business_id,
            url,
            events,
            description,
            secret,
            previous,
            enabled,
            disabled_reason,
            created_at,
            updated_at,
            version,
        } = parts;
        Self {
            id,
            business_id,
            url,
            events,
            description,
            secret,
            previous,
            enabled,
            disabled_reason,
            created_at,
            updated_at,
            version,
        }
    }

    pub fn id(&self) -> WebhookEndpointId {
        self.id
    }

    pub fn business_id(&self) -> BusinessId {
        self.business_id
    }

    pub fn url(&self) -> &EndpointUrl {
        &self.url
    }

    pub fn events(&self) -> &BTreeSet<EventType> {
        &self.events
    }

    pub fn description(&self) -> Option<&str> {
        self.description.as_deref()
    }

    pub fn secret(&self) -> &WebhookSecret {
        &self.secret
    }

    pub fn previous_secret(&self) -> Option<&(WebhookSecret, DateTime<Utc>)> {
        self.previous.as_ref()
    }

    pub fn enabled(&self) -> bool {
        self.enabled
    }

    pub fn disabled_reason(&self) -> Option<&str> {
        self.disabled_reason.as_deref()
    }

    pub fn created_at(&self) -> DateTime<Utc> {
        self.created_at
    }

    pub fn updated_at(&self) -> DateTime<Utc> {
        self.updated_at
    }

    pub fn version(&self) -> Version {
        self.version
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;
    use uuid::Uuid;

    use super::*;

    fn at(hour: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, 7, hour, 0, 0).unwrap()
    }

    fn secret(byte: u8) -> WebhookSecret {
        WebhookSecret::from_bytes(&[byte; 32]).unwrap()
    }

    fn endpoint() -> WebhookEndpoint {
        WebhookEndpoint::create(
            WebhookEndpointId::from_uuid(Uuid::from_u128(1)),
            BusinessId::from_uuid(Uuid::from_u128(2)),
            &EndpointInput {
                url: "https://hooks.example.com/in".to_owned(),
                events: vec!["client.created".to_owned()],
                description: Some("  CRM  ".to_owned()),
            },
            secret(1),
            false,
            at(8),
        )
        .unwrap()
    }

    #[test]
    fn pl_24_an_endpoint_names_a_public_https_url_and_known_events() {
        let made = endpoint();
        assert_eq!(made.description(), Some("CRM"));
        assert!(made.wants(EventType::ClientCreated));
        assert!(!made.wants(EventType::CodeRedeemed));
        let bad = WebhookEndpoint::create(
            made.id(),
            made.business_id(),
            &EndpointInput {
                url: "http://10.0.0.1/in".to_owned(),
                events: vec!["client.vanished".to_owned()],
                description: None,
            },
            secret(1),
            false,
            at(8),
        )
        .unwrap_err();
        let fields: Vec<&str> = bad.0.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["url", "events"]);
    }

    #[test]
    fn pl_24_a_rotation_keeps_the_old_secret_signing_for_its_grace() {
        let mut made = endpoint();
        made.rotate(secret(2), at(9));
        assert_eq!(made.signing_secrets(at(10)), [&secret(2), &secret(1)]);
        assert_eq!(
            made.signing_secrets(at(9) + ROTATION_GRACE),
            [&secret(2)],
            "the grace is over"
        );
        assert_eq!(made.version(), Version::initial().next());
    }

    #[test]
    fn pl_24_disabled_endpoints_get_nothing_until_enabled_again() {
        let mut made = endpoint();
        made.disable_failing("failing since 2026-12-04", at(9));
        assert!(!made.wants(EventType::ClientCreated));
        let enable = EndpointChanges {
            enabled: Some(true),
            ..EndpointChanges::default()
        };
        assert_eq!(made.change(&enable, false, at(10)), Ok(true));
        assert!(made.wants(EventType::ClientCreated));
        assert_eq!(made.disabled_reason(), None);
        assert_eq!(
            made.change(&enable, false, at(11)),
            Ok(false),
            "nothing new"
        );
        let bad = EndpointChanges {
            events: Some(vec![]),
            ..EndpointChanges::default()
        };
        assert!(made.change(&bad, false, at(11)).is_err());
        assert!(made.wants(EventType::ClientCreated), "unchanged");
    }
}
