//! PL-24: webhooks. A business subscribes an endpoint to event types; every event is
//! delivered to it signed the way Standard Webhooks (and Stripe) sign: an HMAC-SHA256
//! over `"{id}.{timestamp}.{body}"` under the endpoint's secret, in the headers
//! `webhook-id`, `webhook-timestamp` and `webhook-signature`. A delivery that fails is
//! retried with exponential backoff and jitter for about three days, then given up.
//!
//! Everything here is a rule on values: which URLs and addresses may receive events,
//! how a delivery is signed and verified, when the next attempt is due. Resolving names,
//! sending and the clock belong to the adapters and the worker.

mod address;
mod delivery;
mod endpoint;
mod schedule;
mod signature;

pub use address::{AddressError, refused_address};
pub use delivery::{
    AfterAttempt, DeliveryAttempt, DeliveryStatus, EVENT_VERSION, WebhookDelivery, WebhookEvent,
    after_attempt, is_success,
};
pub use endpoint::{
    EndpointChanges, EndpointInput, EndpointParts, ROTATION_GRACE, WebhookEndpoint,
};
pub use schedule::{DELIVERY_TIMEOUT_SECONDS, GIVE_UP_AFTER, next_attempt};
pub use signature::{SECRET_PREFIX, Signed, WebhookSecret, sign, verify};

use std::collections::BTreeSet;

use thiserror::Error;
use url::{Host, Url};

use crate::validation::FieldError;

/// What an endpoint may subscribe to (PL-24).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum EventType {
    ClientCreated,
    ClientUpdated,
    ClientMerged,
    ClientDeleted,
    AppointmentBooked,
    AppointmentCancelled,
    AttendanceChanged,
    PaymentSucceeded,
    PaymentFailed,
    MembershipStatusChanged,
    CodeRedeemed,
}

impl EventType {
    pub const ALL: [EventType; 11] = [
        Self::ClientCreated,
        Self::ClientUpdated,
        Self::ClientMerged,
        Self::ClientDeleted,
        Self::AppointmentBooked,
        Self::AppointmentCancelled,
        Self::AttendanceChanged,
        Self::PaymentSucceeded,
        Self::PaymentFailed,
        Self::MembershipStatusChanged,
        Self::CodeRedeemed,
    ];

    /// The type's name in events and subscriptions (`client.created`, …).
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::ClientCreated => "client.created",
            Self::ClientUpdated => "client.updated",
            Self::ClientMerged => "client.merged",
            Self::ClientDeleted => "client.deleted",
            Self::AppointmentBooked => "appointment.booked",
            Self::AppointmentCancelled => "appointment.cancelled",
            Self::AttendanceChanged => "appointment.attendance_changed",
            Self::PaymentSucceeded => "payment.succeeded",
            Self::PaymentFailed => "payment.failed",
            Self::MembershipStatusChanged => "membership.status_changed",
            Self::CodeRedeemed => "code.redeemed",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.as_str() == raw.trim())
    }

    /// The event types named in `raw`: at least one, each known, without repeats.
    pub fn parse_set(raw: &[String]) -> Result<BTreeSet<EventType>, FieldError> {
        let mut set = BTreeSet::new();
        for name in raw {
            let kind = Self::parse(name).ok_or_else(|| {
                let known: Vec<&str> = Self::ALL.iter().map(EventType::as_str).collect();
                FieldError::new(
                    "events",
                    format!(
                        "`{name}` is not an event type (known: {})",
                        known.join(", ")
                    ),
                )
            })?;
            set.insert(kind);
        }
        if set.is_empty() {
            return Err(FieldError::new("events", "name at least one event type"));
        }
        Ok(set)
    }
}

/// Why an endpoint URL is refused.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum UrlError {
    #[error("not a URL: {0}")]
    Malformed(String),
    #[error("the URL must use https (plain http only to localhost, in development)")]
    NotHttps,
    #[error("the URL may not carry a user name or password")]
    Credentials,
    #[error("the URL may not carry a fragment")]
    Fragment,
    #[error("the URL is longer than {max} characters")]
    TooLong { max: usize },
    #[error(transparent)]
    Address(#[from] AddressError),
}

/// Where deliveries go: an absolute `https` URL (or `http` to localhost when
/// `development`), with neither credentials nor fragment, and whose host, when it is an
/// address, is one events may be sent to ([`refused_address`]). Names are checked again
/// when resolved, at each delivery.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EndpointUrl(Url);

impl EndpointUrl {
    pub const MAX: usize = 2000;

    pub fn parse(raw: &str, development: bool) -> Result<Self, UrlError> {
        let raw = raw.trim();
        if raw.chars().count() > Self::MAX {
            return Err(UrlError::TooLong { max: Self::MAX });
        }
        let url = Url::parse(raw).map_err(|e| UrlError::Malformed(e.to_string()))?;
        if !url.username().is_empty() || url.password().is_some() {
            return Err(UrlError::Credentials);
        }
        if url.fragment().is_some() {
            return Err(UrlError::Fragment);
        }
        let local = match url.host() {
            Some(Host::Domain(name)) => name.eq_ignore_ascii_case("localhost"),
            Some(Host::Ipv4(ip)) => ip.is_loopback(),
            Some(Host::Ipv6(ip)) => ip.is_loopback(),
            None => return Err(UrlError::Malformed("no host".to_owned())),
        };
        match url.scheme() {
            "https" => {}
            "http" if development && local => {}
            _ => return Err(UrlError::NotHttps),
        }
        let address = match url.host() {
            Some(Host::Ipv4(ip)) => Some(std::net::IpAddr::V4(ip)),
            Some(Host::Ipv6(ip)) => Some(std::net::IpAddr::V6(ip)),
            _ => None,
        };
        if let Some(address) = address {
            refused_address(address, development)?;
        }
        if !development && local {
            return Err(AddressError::Loopback.into());
        }
        Ok(Self(url))
    }

    pub fn as_str(&self) -> &str {
        self.0.as_str()
    }

    /// The host to resolve at delivery (a name, or an address in brackets for IPv6).
    pub fn host(&self) -> &str {
        self.0.host_str().unwrap_or_default()
    }

    pub fn port(&self) -> u16 {
        self.0.port_or_known_default().unwrap_or(443)
    }
}

#[cfg(test)]
mod tests;
