//! ME-12: the signed, expiring links that let a client manage a membership without
//! logging in. Every receipt and "payment failed" email carries one.
//!
//! A link names one business and one membership and when it stops working, signed with
//! HMAC-SHA256 under a key derived from the server's sealing key (so every process on the
//! database signs and checks alike). It is not encrypted: it holds nothing the client
//! does not know, and a changed, truncated or made-up link fails the signature check
//! without telling which part was wrong.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, TimeDelta, Utc};
use hmac::{Hmac, Mac};
use sha2::Sha256;
use thiserror::Error;
use uuid::Uuid;

use clientele_domain::{AppointmentId, BusinessId, MembershipId};

type HmacSha256 = Hmac<Sha256>;

/// How long a link in an email works; every new email brings a new one.
pub const LIFETIME: TimeDelta = TimeDelta::days(45);

/// The format of the signed part; another format never opens as this one.
const VERSION: u8 = 1;
/// The format of a sign-up link (AC-1): the same layout, naming an appointment.
const SIGN_UP_VERSION: u8 = 2;
const PAYLOAD_BYTES: usize = 1 + 16 + 16 + 8;
const MAC_BYTES: usize = 32;
/// Derives the link key from the server's sealing key.
const CONTEXT: &[u8] = b"clientele self-service membership links v1";

/// What a link lets its holder do: manage one membership until `expires_at`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MembershipLink {
    pub business: BusinessId,
    pub membership: MembershipId,
    pub expires_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
pub enum LinkError {
    #[error("the link is not valid")]
    Invalid,
    #[error("the link has expired: use the link in the latest email")]
    Expired,
}

/// Signs and checks links.
#[derive(Clone)]
pub struct LinkKey([u8; 32]);

impl std::fmt::Debug for LinkKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("LinkKey(..)")
    }
}

impl LinkKey {
    /// The link key derived from the server's sealing key `master`.
    pub(crate) fn derive(master: &[u8]) -> Self {
        Self(mac(master, CONTEXT))
    }

    /// The link for `membership` of `business`, working until `expires_at`.
    pub fn sign(&self, link: &MembershipLink) -> String {
        let mut token = payload(link).to_vec();
        token.extend_from_slice(&mac(&self.0, &token));
        URL_SAFE_NO_PAD.encode(token)
    }

    /// What `token` allows at `now`: refused alike whatever is wrong with it, or as
    /// expired once its time is over.
    pub fn open(&self, token: &str, now: DateTime<Utc>) -> Result<MembershipLink, LinkError> {
        let link = parse(&self.verified(token)?).ok_or(LinkError::Invalid)?;
        if link.expires_at <= now {
            return Err(LinkError::Expired);
        }
        Ok(link)
    }

    /// AC-1: the token of a booking confirmation that lets its client sign up.
    pub fn sign_up_token(&self, link: &SignUpLink) -> String {
        let mut token = sign_up_payload(link).to_vec();
        token.extend_from_slice(&mac(&self.0, &token));
        URL_SAFE_NO_PAD.encode(token)
    }

    /// The booking a sign-up token was made for, as [`LinkKey::open`] checks a link.
    pub fn open_sign_up(&self, token: &str, now: DateTime<Utc>) -> Result<SignUpLink, LinkError> {
        let link = parse_sign_up(&self.verified(token)?).ok_or(LinkError::Invalid)?;
        if link.expires_at <= now {
            return Err(LinkError::Expired);
        }
        Ok(link)
    }

    /// The signed payload of `token`, if its signature holds.
    fn verified(&self, token: &str) -> Result<Vec<u8>, LinkError> {
        if token.len() > 2 * (PAYLOAD_BYTES + MAC_BYTES) {
            return Err(LinkError::Invalid);
        }
        let bytes = URL_SAFE_NO_PAD
            .decode(token)
            .map_err(|_| LinkError::Invalid)?;
        if bytes.len() != PAYLOAD_BYTES + MAC_BYTES {
            return Err(LinkError::Invalid);
        }
        let (payload, signature) = bytes.split_at(PAYLOAD_BYTES);
        let mut check = keyed(&self.0);
        check.update(payload);
        check
            .verify_slice(signature)
            .map_err(|_| LinkError::Invalid)?;
        Ok(payload.to_vec())
    }
}

/// AC-1: what a booking confirmation's sign-up token names: the booking, until when.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SignUpLink {
    pub business: BusinessId,
    pub appointment: AppointmentId,
    pub expires_at: DateTime<Utc>,
}

fn sign_up_payload(link: &SignUpLink) -> [u8; PAYLOAD_BYTES] {
    layout(
        SIGN_UP_VERSION,
        link.business.as_uuid(),
        link.appointment.as_uuid(),
        link.expires_at,
    )
}

fn parse_sign_up(payload: &[u8]) -> Option<SignUpLink> {
    let (business, appointment, expires_at) = unlayout(SIGN_UP_VERSION, payload)?;
    Some(SignUpLink {
        business: BusinessId::from_uuid(business),
        appointment: AppointmentId::from_uuid(appointment),
        expires_at,
    })
}

/// `version`, two ids and an instant, as signed.
fn layout(version: u8, first: Uuid, second: Uuid, at: DateTime<Utc>) -> [u8; PAYLOAD_BYTES] {
    let mut bytes = [0; PAYLOAD_BYTES];
    bytes[0] = version;
    bytes[1..17].copy_from_slice(first.as_bytes());
    bytes[17..33].copy_from_slice(second.as_bytes());
    bytes[33..].copy_from_slice(&at.timestamp().to_be_bytes());
    bytes
}

fn unlayout(version: u8, payload: &[u8]) -> Option<(Uuid, Uuid, DateTime<Utc>)> {
    if payload.first() != Some(&version) {
        return None;
    }
    let uuid = |range: std::ops::Range<usize>| Uuid::from_slice(payload.get(range)?).ok();
    let seconds = i64::from_be_bytes(payload.get(33..41)?.try_into().ok()?);
    Some((
        uuid(1..17)?,
        uuid(17..33)?,
        DateTime::from_timestamp(seconds, 0)?,
    ))
}

fn keyed(key: &[u8]) -> HmacSha256 {
    // HMAC takes a key of any length.
    <HmacSha256 as Mac>::new_from_slice(key).unwrap_or_else(|_| unreachable!())
}

fn mac(key: &[u8], message: &[u8]) -> [u8; 32] {
    let mut mac = keyed(key);
    mac.update(message);
    mac.finalize().into_bytes().into()
}

fn payload(link: &MembershipLink) -> [u8; PAYLOAD_BYTES] {
    layout(
        VERSION,
        link.business.as_uuid(),
        link.membership.as_uuid(),
        link.expires_at,
    )
}

fn parse(payload: &[u8]) -> Option<MembershipLink> {
    let (business, membership, expires_at) = unlayout(VERSION, payload)?;
    Some(MembershipLink {
        business: BusinessId::from_uuid(business),
        membership: MembershipId::from_uuid(membership),
        expires_at,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone as _;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2027, 1, 10, 9, 0, 0).unwrap()
    }

    fn link() -> MembershipLink {
        MembershipLink {
            business: BusinessId::from_uuid(Uuid::from_u128(7)),
            membership: MembershipId::from_uuid(Uuid::from_u128(42)),
            expires_at: now() + LIFETIME,
        }
    }

    #[test]
    fn me_12_a_signed_link_opens_until_it_expires() {
        let key = LinkKey::derive(b"master key of this server, 32 b");
        let token = key.sign(&link());

        assert_eq!(key.open(&token, now()), Ok(link()));
        assert_eq!(key.open(&token, now() + LIFETIME), Err(LinkError::Expired));
    }

    #[test]
    fn ac_1_a_sign_up_token_is_not_a_membership_link_nor_the_other_way_round() {
        let key = LinkKey::derive(b"master key of this server, 32 b");
        let sign_up = SignUpLink {
            business: BusinessId::from_uuid(Uuid::from_u128(7)),
            appointment: AppointmentId::from_uuid(Uuid::from_u128(42)),
            expires_at: now() + LIFETIME,
        };
        let token = key.sign_up_token(&sign_up);

        assert_eq!(key.open_sign_up(&token, now()), Ok(sign_up));
        assert_eq!(key.open(&token, now()), Err(LinkError::Invalid));
        assert_eq!(
            key.open_sign_up(&key.sign(&link()), now()),
            Err(LinkError::Invalid)
        );
        assert_eq!(
            key.open_sign_up(&token, now() + LIFETIME),
            Err(LinkError::Expired)
        );
    }

    #[test]
    fn me_12_a_changed_or_foreign_link_is_refused_alike() {
        let key = LinkKey::derive(b"master key of this server, 32 b");
        let token = key.sign(&link());
        let other = LinkKey::derive(b"master key of another server, 3").sign(&link());
        let mut flipped = URL_SAFE_NO_PAD.decode(&token).unwrap();
        flipped[20] ^= 1;
        let flipped = URL_SAFE_NO_PAD.encode(flipped);
        let longer = MembershipLink {
            expires_at: now() + LIFETIME * 10,
            ..link()
        };
        let mut extended = URL_SAFE_NO_PAD.decode(&token).unwrap();
        extended[33..41].copy_from_slice(&longer.expires_at.timestamp().to_be_bytes());
        let extended = URL_SAFE_NO_PAD.encode(extended);

        for bad in [
            other.as_str(),
            flipped.as_str(),
            extended.as_str(),
            &token[..token.len() - 2],
            "",
            "not a link",
            &"A".repeat(10_000),
        ] {
            assert_eq!(key.open(bad, now()), Err(LinkError::Invalid), "{bad:.20}");
        }
    }
}
