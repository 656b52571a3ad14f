//! PL-24: the signature of a delivery, as Standard Webhooks define it: the secret is
//! `whsec_` and base64 of its bytes; the signed content is `"{id}.{timestamp}.{body}"`;
//! `webhook-signature` is `v1,` and base64 of its HMAC-SHA256, several of them separated
//! by spaces while an old and a new secret both sign (a rotation's grace period).

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::validation::FieldError;

pub const SECRET_PREFIX: &str = "whsec_";

/// An endpoint's signing secret: 24 to 64 random bytes.
#[derive(Clone, PartialEq, Eq)]
pub struct WebhookSecret(Vec<u8>);

impl std::fmt::Debug for WebhookSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("WebhookSecret(…)")
    }
}

impl WebhookSecret {
    /// A secret of `bytes` (from a CSPRNG: the caller's).
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, FieldError> {
        if !(24..=64).contains(&bytes.len()) {
            return Err(FieldError::new("secret", "24 to 64 bytes"));
        }
        Ok(Self(bytes.to_vec()))
    }

    /// `whsec_…`, as shown once and as stored.
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        let encoded = raw
            .trim()
            .strip_prefix(SECRET_PREFIX)
            .ok_or_else(|| FieldError::new("secret", "a secret starts with `whsec_`"))?;
        let bytes = STANDARD
            .decode(encoded)
            .map_err(|_| FieldError::new("secret", "not base64 after `whsec_`"))?;
        Self::from_bytes(&bytes)
    }

    pub fn expose(&self) -> String {
        format!("{SECRET_PREFIX}{}", STANDARD.encode(&self.0))
    }

    fn mac(&self, id: &str, timestamp: i64, body: &[u8]) -> Hmac<Sha256> {
        // A key of any length is accepted by HMAC.
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&self.0)
            .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"));
        mac.update(id.as_bytes());
        mac.update(b".");
        mac.update(timestamp.to_string().as_bytes());
        mac.update(b".");
        mac.update(body);
        mac
    }
}

/// The three headers of a delivery.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signed {
    /// `webhook-id`: the event's id, the same on every attempt and replay.
    pub id: String,
    /// `webhook-timestamp`: seconds since the Unix epoch, at this attempt.
    pub timestamp: i64,
    /// `webhook-signature`: `v1,<base64>` for each secret, separated by spaces.
    pub signature: String,
}

/// Signs a delivery of `body` for event `id` at `timestamp` with every one of `secrets`
/// (the current one, and the previous one during a rotation's grace period).
pub fn sign(secrets: &[&WebhookSecret], id: &str, timestamp: i64, body: &[u8]) -> Signed {
    let signature = secrets
        .iter()
        .map(|secret| {
            let tag = secret.mac(id, timestamp, body).finalize().into_bytes();
            format!("v1,{}", STANDARD.encode(tag))
        })
        .collect::<Vec<_>>()
        .join(" ");
    Signed {
        id: id.to_owned(),
        timestamp,
        signature,
    }
}

/// What a receiver checks: one of the signatures is `secret`'s, and the timestamp is
/// within `tolerance_seconds` of `now` (against replays). Compared in constant time.
pub fn verify(
    secret: &WebhookSecret,
    signed: &Signed,
    body: &[u8],
    now: i64,
    tolerance_seconds: i64,
) -> bool {
    if (now - signed.timestamp).abs() > tolerance_seconds {
        return false;
    }
    signed.signature.split(' ').any(|candidate| {
        let Some(encoded) = candidate.strip_prefix("v1,") else {
            return false;
        };
        let Ok(tag) = STANDARD.decode(encoded) else {
            return false;
        };
        secret
            .mac(&signed.id, signed.timestamp, body)
            .verify_slice(&tag)
            .is_ok()
    })
}
