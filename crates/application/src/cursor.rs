//! Opaque list cursors (PL-9): a position in one list's order, encoded as URL-safe text.
//! A cursor names the list and order it was made for, so one from elsewhere is refused
//! rather than silently misread.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Serialize, de::DeserializeOwned};
use thiserror::Error;

#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("the cursor was not made for this list and order: start again without a cursor")]
pub struct ForeignCursor;

#[derive(Serialize, serde::Deserialize)]
struct Envelope<T> {
    list: String,
    after: T,
}

/// Encodes the position `after` in the list called `list` (e.g. `"clients:last_name"`).
pub fn encode<T: Serialize>(list: &str, after: &T) -> String {
    let envelope = Envelope {
        list: list.to_owned(),
        after,
    };
    // Serialising plain data to a Vec cannot fail.
    let json = serde_json::to_vec(&envelope).unwrap_or_default();
    URL_SAFE_NO_PAD.encode(json)
}

/// Decodes a cursor made by [`encode`] for the same `list`.
pub fn decode<T: DeserializeOwned>(list: &str, cursor: &str) -> Result<T, ForeignCursor> {
    let json = URL_SAFE_NO_PAD
        .decode(cursor.trim())
        .map_err(|_| ForeignCursor)?;
    let envelope: Envelope<T> = serde_json::from_slice(&json).map_err(|_| ForeignCursor)?;
    if envelope.list == list {
        Ok(envelope.after)
    } else {
        Err(ForeignCursor)
    }
}

/// Decodes an optional cursor; an empty one (`?cursor=`) means "from the start".
pub fn decode_opt<T: DeserializeOwned>(
    list: &str,
    cursor: Option<&str>,
) -> Result<Option<T>, ForeignCursor> {
    cursor
        .filter(|c| !c.trim().is_empty())
        .map(|c| decode(list, c))
        .transpose()
}

/// Turns `limit + 1` fetched rows into a page: the extra row only says there is more.
pub fn paginate<T, K: Serialize>(
    list: &str,
    mut rows: Vec<T>,
    limit: u32,
    key: impl Fn(&T) -> K,
) -> crate::Page<T> {
    let more = rows.len() > limit as usize;
    rows.truncate(limit as usize);
    let next_cursor = if more {
        rows.last().map(|last| encode(list, &key(last)))
    } else {
        None
    };
    crate::Page {
        items: rows,
        next_cursor,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pl_9_a_cursor_round_trips_for_its_own_list_only() {
        let cursor = encode("clients:last_name", &("dupont", 7));
        assert_eq!(
            decode::<(String, i32)>("clients:last_name", &cursor),
            Ok(("dupont".to_owned(), 7))
        );
        assert_eq!(
            decode::<(String, i32)>("clients:first_name", &cursor),
            Err(ForeignCursor)
        );
        assert_eq!(
            decode::<(String, i32)>("clients:last_name", "not a cursor"),
            Err(ForeignCursor)
        );
    }

    #[test]
    fn pl_9_an_empty_cursor_starts_from_the_beginning() {
        assert_eq!(decode_opt::<i32>("n", Some("")), Ok(None));
        assert_eq!(decode_opt::<i32>("n", None), Ok(None));
    }

    #[test]
    fn pl_9_only_a_page_followed_by_more_has_a_next_cursor() {
        let page = paginate("n", vec![1, 2, 3], 2, |n| *n);
        assert_eq!(page.items, [1, 2]);
        assert_eq!(
            decode::<i32>("n", page.next_cursor.as_deref().unwrap()),
            Ok(2)
        );
        let last = paginate("n", vec![1, 2], 2, |n| *n);
        assert_eq!(last.next_cursor, None);
    }
}
