//! Opaque list cursors (PL-9): a position in one list's order, sealed so that it reads as
//! noise and cannot be forged.
//!
//! A cursor is the position (e.g. the last client's name keys and id) encrypted with
//! XChaCha20-Poly1305 under the server's cursor key, with a random nonce of its own. The
//! [`Listing`] it was made for (business, list and order, the request's filters and
//! search) is its associated data: it is not in the cursor, but a cursor opens only for
//! the same listing. A cursor from another business, another list, order or query, a
//! changed, truncated or made-up one is refused alike ([`ForeignCursor`]), before
//! anything of it reaches storage.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chacha20poly1305::aead::{Aead, Generate, Payload};
use chacha20poly1305::{KeyInit, XChaCha20Poly1305, XNonce};
use serde::{Serialize, de::DeserializeOwned};
use thiserror::Error;

use clientele_domain::BusinessId;
use clientele_ports::{ServerSecrets, StorageError};

use crate::links::LinkKey;

#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("the cursor was not made for this list and query: start again without a cursor")]
pub struct ForeignCursor;

/// A cursor key of the wrong size.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("a cursor key is {KEY_BYTES} bytes, not {0}")]
pub struct BadCursorKey(pub usize);

/// The size of the cursor key.
pub const KEY_BYTES: usize = 32;

/// The name the cursor key is kept under among the server's secrets.
pub const KEY_SECRET: &str = "cursor_key";

const NONCE_BYTES: usize = 24;
const TAG_BYTES: usize = 16;
/// Longer text is no cursor of ours (a position holds two name keys at most).
const MAX_CURSOR_CHARS: usize = 8 * 1024;
/// Starts every listing's associated data, so that another format or use of the key
/// never opens as a cursor.
const CONTEXT: &[u8] = b"clientele list cursor v1";

/// What a cursor is bound to (PL-9): whose list it is, which list in which order, and
/// the request's filters and search. A cursor made for one listing opens for no other.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listing {
    bound: Vec<u8>,
}

impl Listing {
    /// `list` (with its order, e.g. `"clients:last_name"`) of `business`.
    pub fn of(business: BusinessId, list: &str) -> Self {
        Self::start(&business.to_string(), list)
    }

    /// `list` of the whole platform (the operator's list of businesses).
    pub fn platform(list: &str) -> Self {
        Self::start("platform", list)
    }

    /// The same listing narrowed by a filter of the request, e.g. `("banned", "true")`.
    /// Give the value normalised, so that two requests asking the same give the same.
    pub fn with(mut self, name: &str, value: impl std::fmt::Display) -> Self {
        self.push(name.as_bytes());
        self.push(value.to_string().as_bytes());
        self
    }

    fn start(owner: &str, list: &str) -> Self {
        let mut listing = Self {
            bound: CONTEXT.to_vec(),
        };
        listing.push(owner.as_bytes());
        listing.push(list.as_bytes());
        listing
    }

    /// Each part with its length first, so that no two listings read alike.
    fn push(&mut self, part: &[u8]) {
        self.bound
            .extend_from_slice(&(part.len() as u64).to_be_bytes());
        self.bound.extend_from_slice(part);
    }
}

/// Seals and opens cursors under one key. Every process on the same database must use the
/// same key ([`Cursors::load`]), or a cursor from one is refused by the next.
///
/// The same key is the server's sealing key: the self-service links' key is derived from
/// it ([`LinkKey`], ME-12).
#[derive(Clone)]
pub struct Cursors {
    cipher: XChaCha20Poly1305,
    links: LinkKey,
}

impl std::fmt::Debug for Cursors {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Cursors(..)")
    }
}

impl Cursors {
    /// Cursors under `key` ([`KEY_BYTES`] bytes).
    pub fn from_key(key: &[u8]) -> Result<Self, BadCursorKey> {
        XChaCha20Poly1305::new_from_slice(key)
            .map(|cipher| Self {
                cipher,
                links: LinkKey::derive(key),
            })
            .map_err(|_| BadCursorKey(key.len()))
    }

    /// Cursors under the key kept in `secrets`, made now if none is kept yet.
    pub async fn load(secrets: &dyn ServerSecrets) -> Result<Self, StorageError> {
        let key = secrets.secret(KEY_SECRET, &new_key()).await?;
        Self::from_key(&key).map_err(|e| StorageError::Unexpected(Box::new(e)))
    }

    /// Cursors under a new random key, for one process that shares its cursors with no
    /// other (tests, tools).
    pub fn ephemeral() -> Self {
        let key = new_key();
        Self {
            cipher: XChaCha20Poly1305::new(&key.into()),
            links: LinkKey::derive(&key),
        }
    }

    /// The self-service links' key, derived from the same key (ME-12).
    pub fn links(&self) -> &LinkKey {
        &self.links
    }

    /// The cursor of the position `after` in `listing`.
    ///
    /// # Panics
    /// If the system's random number generator fails (as making a UUID would).
    pub fn encode<T: Serialize>(&self, listing: &Listing, after: &T) -> String {
        // Serialising plain data to a Vec cannot fail.
        let position = serde_json::to_vec(after).unwrap_or_default();
        let nonce = XNonce::generate();
        let payload = Payload {
            msg: &position,
            aad: &listing.bound,
        };
        // Fails only past 256 GiB of text.
        let sealed = self.cipher.encrypt(&nonce, payload).unwrap_or_default();
        let mut cursor = nonce.to_vec();
        cursor.extend_from_slice(&sealed);
        URL_SAFE_NO_PAD.encode(cursor)
    }

    /// The position in a cursor made by [`Self::encode`] for the same `listing`.
    pub fn decode<T: DeserializeOwned>(
        &self,
        listing: &Listing,
        cursor: &str,
    ) -> Result<T, ForeignCursor> {
        let cursor = cursor.trim();
        if cursor.len() > MAX_CURSOR_CHARS {
            return Err(ForeignCursor);
        }
        let bytes = URL_SAFE_NO_PAD.decode(cursor).map_err(|_| ForeignCursor)?;
        if bytes.len() < NONCE_BYTES + TAG_BYTES {
            return Err(ForeignCursor);
        }
        let (nonce, sealed) = bytes.split_at(NONCE_BYTES);
        let nonce = XNonce::try_from(nonce).map_err(|_| ForeignCursor)?;
        let payload = Payload {
            msg: sealed,
            aad: &listing.bound,
        };
        let position = self
            .cipher
            .decrypt(&nonce, payload)
            .map_err(|_| ForeignCursor)?;
        serde_json::from_slice(&position).map_err(|_| ForeignCursor)
    }

    /// Decodes an optional cursor; an empty one (`?cursor=`) means "from the start".
    pub fn decode_opt<T: DeserializeOwned>(
        &self,
        listing: &Listing,
        cursor: Option<&str>,
    ) -> Result<Option<T>, ForeignCursor> {
        cursor
            .filter(|c| !c.trim().is_empty())
            .map(|c| self.decode(listing, c))
            .transpose()
    }

    /// Turns `limit + 1` fetched rows into a page: the extra row only says there is more.
    pub fn paginate<T, K: Serialize>(
        &self,
        listing: &Listing,
        mut rows: Vec<T>,
        limit: u32,
        key: impl Fn(&T) -> K,
    ) -> crate::Page<T> {
        let more = rows.len() > limit as usize;
        rows.truncate(limit as usize);
        let next_cursor = if more {
            rows.last().map(|last| self.encode(listing, &key(last)))
        } else {
            None
        };
        crate::Page {
            items: rows,
            next_cursor,
        }
    }
}

/// A new random key.
///
/// # Panics
/// If the system's random number generator fails.
fn new_key() -> [u8; KEY_BYTES] {
    <[u8; KEY_BYTES]>::generate()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn business(n: u128) -> BusinessId {
        BusinessId::from_uuid(uuid::Uuid::from_u128(n))
    }

    fn names() -> Listing {
        Listing::of(business(1), "clients:last_name").with("q", "dupont")
    }

    #[test]
    fn pl_9_a_cursor_round_trips_for_its_own_listing() {
        let cursors = Cursors::ephemeral();
        let cursor = cursors.encode(&names(), &("dupont", 7));
        assert_eq!(
            cursors.decode::<(String, i32)>(&names(), &cursor),
            Ok(("dupont".to_owned(), 7))
        );
    }

    #[test]
    fn pl_9_a_cursor_holds_no_readable_position_and_is_new_each_time() {
        let cursors = Cursors::ephemeral();
        let cursor = cursors.encode(&names(), &("dupont", 7));
        let bytes = URL_SAFE_NO_PAD.decode(&cursor).unwrap();
        assert!(!bytes.windows(6).any(|w| w == b"dupont"));
        assert_ne!(cursors.encode(&names(), &("dupont", 7)), cursor);
    }

    #[test]
    fn pl_9_a_changed_cursor_is_refused() {
        let cursors = Cursors::ephemeral();
        let cursor = cursors.encode(&names(), &("dupont", 7));
        let mut bytes = URL_SAFE_NO_PAD.decode(&cursor).unwrap();
        for at in [0, NONCE_BYTES, bytes.len() - 1] {
            bytes[at] ^= 1;
            let changed = URL_SAFE_NO_PAD.encode(&bytes);
            assert_eq!(
                cursors.decode::<(String, i32)>(&names(), &changed),
                Err(ForeignCursor)
            );
            bytes[at] ^= 1;
        }
        let truncated = URL_SAFE_NO_PAD.encode(&bytes[..bytes.len() - 1]);
        assert_eq!(
            cursors.decode::<(String, i32)>(&names(), &truncated),
            Err(ForeignCursor)
        );
    }

    #[test]
    fn pl_9_pl_26_a_cursor_of_another_business_list_or_query_is_refused() {
        let cursors = Cursors::ephemeral();
        let cursor = cursors.encode(&names(), &("dupont", 7));
        for other in [
            Listing::of(business(2), "clients:last_name").with("q", "dupont"),
            Listing::of(business(1), "clients:first_name").with("q", "dupont"),
            Listing::of(business(1), "clients:last_name").with("q", "durand"),
            Listing::of(business(1), "clients:last_name"),
            Listing::of(business(1), "clients:last_name")
                .with("q", "dupont")
                .with("banned", true),
            Listing::platform("clients:last_name").with("q", "dupont"),
        ] {
            assert_eq!(
                cursors.decode::<(String, i32)>(&other, &cursor),
                Err(ForeignCursor)
            );
        }
    }

    #[test]
    fn pl_9_a_cursor_sealed_under_another_key_is_refused() {
        let cursor = Cursors::ephemeral().encode(&names(), &("dupont", 7));
        assert_eq!(
            Cursors::ephemeral().decode::<(String, i32)>(&names(), &cursor),
            Err(ForeignCursor)
        );
    }

    #[test]
    fn pl_9_garbage_is_refused() {
        let cursors = Cursors::ephemeral();
        let forged = URL_SAFE_NO_PAD.encode(br#"{"list":"n","after":"a\u0000b"}"#);
        let long = "A".repeat(MAX_CURSOR_CHARS + 1);
        for garbage in ["not a cursor", "\0", "AAAA", &forged, &long] {
            assert_eq!(
                cursors.decode::<String>(&names(), garbage),
                Err(ForeignCursor)
            );
        }
    }

    #[test]
    fn pl_9_listings_made_of_other_parts_differ() {
        // Lengths keep the parts apart: "ab" + "c" is not "a" + "bc".
        let a = Listing::of(business(1), "l").with("ab", "c");
        let b = Listing::of(business(1), "l").with("a", "bc");
        assert_ne!(a, b);
    }

    #[test]
    fn pl_9_an_empty_cursor_starts_from_the_beginning() {
        let cursors = Cursors::ephemeral();
        assert_eq!(cursors.decode_opt::<i32>(&names(), Some("")), Ok(None));
        assert_eq!(cursors.decode_opt::<i32>(&names(), None), Ok(None));
    }

    #[test]
    fn pl_9_only_a_page_followed_by_more_has_a_next_cursor() {
        let cursors = Cursors::ephemeral();
        let page = cursors.paginate(&names(), vec![1, 2, 3], 2, |n| *n);
        assert_eq!(page.items, [1, 2]);
        assert_eq!(
            cursors.decode::<i32>(&names(), page.next_cursor.as_deref().unwrap()),
            Ok(2)
        );
        let last = cursors.paginate(&names(), vec![1, 2], 2, |n| *n);
        assert_eq!(last.next_cursor, None);
    }

    #[tokio::test]
    async fn pl_9_cursors_use_the_key_the_server_keeps() {
        // Arrange: a key kept already, whatever candidate is offered.
        let kept = [7_u8; KEY_BYTES];
        let mut secrets = clientele_ports::secrets::MockServerSecrets::new();
        secrets
            .expect_secret()
            .withf(|name, candidate| name == KEY_SECRET && candidate.len() == KEY_BYTES)
            .times(1)
            .returning(move |_, _| Ok(kept.to_vec()));

        // Act
        let loaded = Cursors::load(&secrets).await.unwrap();

        // Assert: its cursors open with the kept key.
        let cursor = loaded.encode(&names(), &7);
        let with_kept = Cursors::from_key(&kept).unwrap();
        assert_eq!(with_kept.decode::<i32>(&names(), &cursor), Ok(7));
    }

    #[tokio::test]
    async fn a_kept_key_of_the_wrong_size_is_a_storage_failure() {
        let mut secrets = clientele_ports::secrets::MockServerSecrets::new();
        secrets.expect_secret().returning(|_, _| Ok(vec![1, 2, 3]));
        let loaded = Cursors::load(&secrets).await;
        assert!(matches!(loaded, Err(StorageError::Unexpected(_))));
    }

    #[test]
    fn a_key_of_the_wrong_size_is_refused() {
        assert_eq!(
            Cursors::from_key(&[0; 16]).map(|_| ()),
            Err(BadCursorKey(16))
        );
        assert!(Cursors::from_key(&[0; KEY_BYTES]).is_ok());
    }
}
