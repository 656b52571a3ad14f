//! `clients` rows ↔ [`Client`]: the row with its search keys and the copies of its site
//! and label ids, read back by position ([`ClientRow`]); its membership rows with name
//! keys, and its search terms (CL-5 to CL-7).

use chrono::{DateTime, Utc};
use sea_orm::ActiveValue::{NotSet, Set};
use sea_orm::QueryResult;
use sea_orm::sqlx;
use thiserror::Error;
use uuid::Uuid;

use clientele_domain::note::NoteText;
use clientele_domain::{Client, EmailAddress, PersonName, PhoneNumber, Version};
use clientele_ports::StorageError;

use super::{corrupt, id_list, id_text, instant, sorted};
use crate::storage::entities::{
    client_label_sites, client_labels, client_search_terms, client_sites, clients,
};
use crate::storage::unexpected;

/// The columns of a `clients` row a [`Client`] is made of (all but the search keys, which
/// only queries read), borrowed from the fetched row: its text is copied once, into the
/// domain values it parses into.
pub(crate) struct ClientRow<'r> {
    pub(crate) business_id: Uuid,
    pub(crate) id: Uuid,
    first_name: &'r str,
    last_name: &'r str,
    email: Option<&'r str>,
    phone: Option<&'r str>,
    banned: bool,
    has_account: bool,
    client_notes: Option<&'r str>,
    client_since: chrono::NaiveDate,
    created_at: StoredInstant,
    updated_at: StoredInstant,
    admin_updated_at: StoredInstant,
    version: i64,
    site_ids: &'r str,
    label_ids: &'r str,
    /// Whether its custom values are to be read.
    pub(crate) has_custom_values: bool,
}

/// The position of `clients.id` in [`ClientRow::COLUMNS`].
const CLIENT_ID_AT: usize = 1;

impl<'r> ClientRow<'r> {
    /// What a read of clients selects, in this order.
    pub(crate) const COLUMNS: [clients::Column; 17] = {
        use clients::Column as C;
        [
            C::BusinessId,
            C::Id,
            C::FirstName,
            C::LastName,
            C::Email,
            C::Phone,
            C::Banned,
            C::HasAccount,
            C::ClientNotes,
            C::ClientSince,
            C::CreatedAt,
            C::UpdatedAt,
            C::AdminUpdatedAt,
            C::Version,
            C::SiteIds,
            C::LabelIds,
            C::HasCustomValues,
        ]
    };

    /// A row selecting [`Self::COLUMNS`], read by position through sqlx's own row:
    /// sea-orm's derived decoder looks every column up by name and formats a message for
    /// every NULL, which was the larger part of the product's own work on a page of 500
    /// (as measured when it was replaced).
    pub(crate) fn decode(row: &'r QueryResult) -> Result<Self, StorageError> {
        let decoded = match (row.try_as_pg_row(), row.try_as_sqlite_row()) {
            (Some(row), _) => Self::from_sqlx(row),
            (_, Some(row)) => Self::from_sqlx(row),
            _ => return Err(unexpected(UnknownRow)),
        };
        decoded.map_err(unexpected)
    }

    /// Only the client id of a row selecting [`Self::COLUMNS`].
    pub(crate) fn id_of(row: &QueryResult) -> Result<Uuid, StorageError> {
        let id = match (row.try_as_pg_row(), row.try_as_sqlite_row()) {
            (Some(row), _) => sqlx::Row::try_get_unchecked(row, CLIENT_ID_AT),
            (_, Some(row)) => sqlx::Row::try_get_unchecked(row, CLIENT_ID_AT),
            _ => return Err(unexpected(UnknownRow)),
        };
        id.map_err(unexpected)
    }

    /// Decodes without sqlx's check of each column's declared type against the Rust
    /// type (a quarter of the decoding time): the columns are [`Self::COLUMNS`] of the
    /// adapter's own schema, whose types the tests read on both databases, and a decoder
    /// still refuses a value of the wrong size or encoding.
    fn from_sqlx<R>(row: &'r R) -> Result<Self, sqlx::Error>
    where
        R: sqlx::Row,
        usize: sqlx::ColumnIndex<R>,
        Uuid: sqlx::Decode<'r, R::Database>,
        &'r str: sqlx::Decode<'r, R::Database>,
        bool: sqlx::Decode<'r, R::Database>,
        i64: sqlx::Decode<'r, R::Database>,
        chrono::NaiveDate: sqlx::Decode<'r, R::Database>,
        StoredInstant: sqlx::Decode<'r, R::Database>,
    {
        Ok(Self {
            business_id: row.try_get_unchecked(0)?,
            id: row.try_get_unchecked(CLIENT_ID_AT)?,
            first_name: row.try_get_unchecked(2)?,
            last_name: row.try_get_unchecked(3)?,
            email: row.try_get_unchecked(4)?,
            phone: row.try_get_unchecked(5)?,
            banned: row.try_get_unchecked(6)?,
            has_account: row.try_get_unchecked(7)?,
            client_notes: row.try_get_unchecked(8)?,
            client_since: row.try_get_unchecked(9)?,
            created_at: row.try_get_unchecked(10)?,
            updated_at: row.try_get_unchecked(11)?,
            admin_updated_at: row.try_get_unchecked(12)?,
            version: row.try_get_unchecked(13)?,
            site_ids: row.try_get_unchecked(14)?,
            label_ids: row.try_get_unchecked(15)?,
            has_custom_values: row.try_get_unchecked(16)?,
        })
    }
}

/// A row from neither SQLite nor PostgreSQL (sea-orm's mock or proxy connections, which
/// the adapter does not use).
#[derive(Debug, Error)]
#[error("a row from a connection other than SQLite or PostgreSQL")]
struct UnknownRow;

impl TryFrom<ClientRow<'_>> for Client {
    type Error = StorageError;

    fn try_from(row: ClientRow<'_>) -> Result<Self, Self::Error> {
        const T: &str = "clients";
        let sites = id_list(T, "site_ids", row.site_ids)?;
        let labels = id_list(T, "label_ids", row.label_ids)?;
        let email = row
            .email
            .map(|raw| {
                EmailAddress::parse("email", raw).map_err(|e| corrupt(T, "email", e.message))
            })
            .transpose()?;
        let phone = row
            .phone
            .map(|raw| PhoneNumber::parse("phone", raw).map_err(|e| corrupt(T, "phone", e.message)))
            .transpose()?;
        Ok(Self {
            id: row.id.into(),
            business_id: row.business_id.into(),
            first_name: PersonName::parse("first_name", row.first_name)
                .map_err(|e| corrupt(T, "first_name", e.message))?,
            last_name: PersonName::parse("last_name", row.last_name)
                .map_err(|e| corrupt(T, "last_name", e.message))?,
            email,
            phone,
            sites,
            labels,
            banned: row.banned,
            has_account: row.has_account,
            client_notes: row
                .client_notes
                .map(|raw| {
                    NoteText::parse("client_notes", raw)
                        .map_err(|e| corrupt(T, "client_notes", e.message))
                })
                .transpose()?,
            // Read for the whole page by a query of their own (`custom_fields.rs`).
            custom_fields: Default::default(),
            client_since: row.client_since,
            created_at: row.created_at.0,
            updated_at: row.updated_at.0,
            admin_updated_at: row.admin_updated_at.0,
            version: Version::new(row.version),
        })
    }
}

/// An instant as [`ClientRow`] reads it. PostgreSQL sends a `timestamptz` in binary as
/// microseconds since 2000-01-01 UTC, which this adds to the Unix epoch's offset; sqlx's
/// decoder builds that date for each value and goes through a fixed offset, about a
/// tenth of the decoding of a page of 500. Text values, and SQLite's, go through sqlx.
struct StoredInstant(DateTime<Utc>);

/// Microseconds from the Unix epoch to PostgreSQL's, 2000-01-01T00:00:00Z.
const POSTGRES_EPOCH_MICROS: i64 = 946_684_800_000_000;

/// A `timestamptz` outside the range of `DateTime<Utc>` (PostgreSQL's `infinity`).
#[derive(Debug, Error)]
#[error("the instant {0} µs from 2000-01-01 is out of range")]
struct StoredInstantOutOfRange(i64);

impl<'r> sqlx::Decode<'r, sqlx::Postgres> for StoredInstant {
    fn decode(value: sqlx::postgres::PgValueRef<'r>) -> Result<Self, sqlx::error::BoxDynError> {
        if value.format() != sqlx::postgres::PgValueFormat::Binary {
            return <DateTime<Utc> as sqlx::Decode<sqlx::Postgres>>::decode(value).map(Self);
        }
        let micros = <i64 as sqlx::Decode<sqlx::Postgres>>::decode(value)?;
        let instant = micros
            .checked_add(POSTGRES_EPOCH_MICROS)
            .and_then(DateTime::from_timestamp_micros)
            .ok_or(StoredInstantOutOfRange(micros))?;
        Ok(Self(instant))
    }
}

impl<'r> sqlx::Decode<'r, sqlx::Sqlite> for StoredInstant {
    fn decode(value: sqlx::sqlite::SqliteValueRef<'r>) -> Result<Self, sqlx::error::BoxDynError> {
        <DateTime<Utc> as sqlx::Decode<sqlx::Sqlite>>::decode(value).map(Self)
    }
}

pub(crate) fn client_row(client: &Client) -> clients::ActiveModel {
    let keys = SearchKeys::of(client);
    clients::ActiveModel {
        business_id: Set(client.business_id.as_uuid()),
        id: Set(client.id.as_uuid()),
        first_name: Set(client.first_name.as_str().to_owned()),
        last_name: Set(client.last_name.as_str().to_owned()),
        first_name_key: Set(keys.first_name_key),
        last_name_key: Set(keys.last_name_key),
        email: Set(client.email.as_ref().map(|e| e.as_str().to_owned())),
        email_key: Set(keys.email_key),
        phone: Set(client.phone.as_ref().map(|p| p.as_typed().to_owned())),
        phone_digits: Set(keys.phone_digits),
        banned: Set(client.banned),
        has_account: Set(client.has_account),
        client_notes: Set(client.client_notes.as_ref().map(|n| n.as_str().to_owned())),
        client_since: Set(client.client_since),
        created_at: Set(instant(client.created_at)),
        updated_at: Set(instant(client.updated_at)),
        admin_updated_at: Set(instant(client.admin_updated_at)),
        version: Set(client.version.get()),
        site_ids: Set(id_text(client.sites.iter().map(|site| site.as_uuid()))),
        label_ids: Set(id_text(client.labels.iter().map(|label| label.as_uuid()))),
        has_custom_values: Set(!client.custom_fields.is_empty()),
    }
}

pub(crate) fn client_changes(client: &Client) -> clients::ActiveModel {
    clients::ActiveModel {
        business_id: NotSet,
        id: NotSet,
        created_at: NotSet,
        ..client_row(client)
    }
}

pub(crate) fn client_site_rows(client: &Client) -> Vec<client_sites::ActiveModel> {
    sorted(client.sites.clone())
        .into_iter()
        .map(|site| client_sites::ActiveModel {
            business_id: Set(client.business_id.as_uuid()),
            client_id: Set(client.id.as_uuid()),
            site_id: Set(site.as_uuid()),
            last_name_key: Set(client.last_name.key()),
            first_name_key: Set(client.first_name.key()),
        })
        .collect()
}

pub(crate) fn client_label_rows(client: &Client) -> Vec<client_labels::ActiveModel> {
    sorted(client.labels.clone())
        .into_iter()
        .map(|label| client_labels::ActiveModel {
            business_id: Set(client.business_id.as_uuid()),
            client_id: Set(client.id.as_uuid()),
            label_id: Set(label.as_uuid()),
            last_name_key: Set(client.last_name.key()),
            first_name_key: Set(client.first_name.key()),
        })
        .collect()
}

/// CL-4, CL-10: a row per label and site of the client, with its name keys.
pub(crate) fn client_label_site_rows(client: &Client) -> Vec<client_label_sites::ActiveModel> {
    let sites = sorted(client.sites.clone());
    sorted(client.labels.clone())
        .into_iter()
        .flat_map(|label| sites.iter().map(move |site| (label, *site)))
        .map(|(label, site)| client_label_sites::ActiveModel {
            business_id: Set(client.business_id.as_uuid()),
            client_id: Set(client.id.as_uuid()),
            label_id: Set(label.as_uuid()),
            site_id: Set(site.as_uuid()),
            last_name_key: Set(client.last_name.key()),
            first_name_key: Set(client.first_name.key()),
        })
        .collect()
}

/// CL-5 to CL-7: the stored keys a client's search terms come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SearchKeys {
    pub first_name_key: String,
    pub last_name_key: String,
    pub email_key: Option<String>,
    pub phone_digits: Option<String>,
}

impl SearchKeys {
    /// As the client's row holds them.
    pub(crate) fn of(client: &Client) -> Self {
        Self {
            first_name_key: client.first_name.key(),
            last_name_key: client.last_name.key(),
            email_key: client.email.as_ref().map(EmailAddress::key),
            phone_digits: client.phone.as_ref().map(|p| p.normalised().to_owned()),
        }
    }
}

impl From<&clients::Model> for SearchKeys {
    fn from(row: &clients::Model) -> Self {
        Self {
            first_name_key: row.first_name_key.clone(),
            last_name_key: row.last_name_key.clone(),
            email_key: row.email_key.clone(),
            phone_digits: row.phone_digits.clone(),
        }
    }
}

/// CL-5 to CL-7: the `(field, term)` pairs of `keys`, as `client_search_terms` holds
/// them: the inner-word tails of the folded first (`f`) and last (`l`) names, and every
/// suffix of the email key (`e`) and of the phone digits (`p`). Sorted, without repeats.
pub(crate) fn search_terms(keys: &SearchKeys) -> Vec<(&'static str, String)> {
    use client_search_terms::{EMAIL_SUFFIX, FIRST_NAME_TAIL, LAST_NAME_TAIL, PHONE_SUFFIX};
    use clientele_domain::search::{suffixes, word_tails};
    let mut terms: Vec<(&'static str, String)> = Vec::new();
    for (field, key) in [
        (FIRST_NAME_TAIL, &keys.first_name_key),
        (LAST_NAME_TAIL, &keys.last_name_key),
    ] {
        terms.extend(word_tails(key).map(|tail| (field, tail.to_owned())));
    }
    for (field, value) in [
        (EMAIL_SUFFIX, &keys.email_key),
        (PHONE_SUFFIX, &keys.phone_digits),
    ] {
        if let Some(value) = value {
            terms.extend(suffixes(value).map(|suffix| (field, suffix.to_owned())));
        }
    }
    terms.sort_unstable();
    terms.dedup();
    terms
}

/// The rows of `client_search_terms` for a client of `business` with these keys.
pub(crate) fn search_term_rows(
    business: Uuid,
    client: Uuid,
    keys: &SearchKeys,
) -> Vec<client_search_terms::ActiveModel> {
    search_terms(keys)
        .into_iter()
        .map(|(field, term)| client_search_terms::ActiveModel {
            business_id: Set(business),
            field: Set(field.to_owned()),
            term: Set(term),
            client_id: Set(client),
            last_name_key: Set(keys.last_name_key.clone()),
            first_name_key: Set(keys.first_name_key.clone()),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::{SearchKeys, search_terms};

    #[test]
    fn cl_5_to_cl_7_a_client_has_its_name_tails_and_every_suffix_of_its_email_and_phone() {
        let keys = SearchKeys {
            first_name_key: "marie-claire".to_owned(),
            last_name_key: "de la cruz".to_owned(),
            email_key: Some("mc@x.fr".to_owned()),
            phone_digits: Some("0612".to_owned()),
        };
        let all = search_terms(&keys);
        let terms: Vec<(&str, &str)> = all
            .iter()
            .map(|(field, term)| (*field, term.as_str()))
            .collect();
        assert_eq!(
            terms,
            [
                ("e", ".fr"),
                ("e", "@x.fr"),
                ("e", "c@x.fr"),
                ("e", "fr"),
                ("e", "mc@x.fr"),
                ("e", "r"),
                ("e", "x.fr"),
                ("f", "claire"),
                ("l", "cruz"),
                ("l", "la cruz"),
                ("p", "0612"),
                ("p", "12"),
                ("p", "2"),
                ("p", "612"),
            ]
        );
        let none = SearchKeys {
            email_key: None,
            phone_digits: None,
            ..keys
        };
        assert_eq!(search_terms(&none).len(), 3);
    }
}
