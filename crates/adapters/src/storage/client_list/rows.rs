//! Client rows read by position: [`ClientRow`] is the columns a `Client` is made of,
//! decoded from sqlx's own row by index and borrowing its text. A page of the list, a
//! client by id and the clients of an email are all read this way
//! ([`SeaTransaction::client_rows`], then [`SeaTransaction::with_client_children`]);
//! `conversions::client` turns a row into a `Client`.

use chrono::{DateTime, Utc};
use sea_orm::sqlx;
use sea_orm::{ConnectionTrait, QueryResult, QuerySelect, QueryTrait, Select};
use thiserror::Error;
use uuid::Uuid;

use clientele_domain::{BusinessId, Client, ClientParts};
use clientele_ports::StorageError;

use crate::storage::entities::clients;
use crate::storage::{SeaTransaction, unexpected};

/// The columns of a `clients` row a [`Client`] is made of (all but the search keys, which
/// only queries read), borrowed from the fetched row: its text is copied once, into the
/// domain values it parses into.
pub(in crate::storage) struct ClientRow<'r> {
    pub(in crate::storage) business_id: Uuid,
    pub(in crate::storage) id: Uuid,
    pub(in crate::storage) first_name: &'r str,
    pub(in crate::storage) last_name: &'r str,
    pub(in crate::storage) email: Option<&'r str>,
    pub(in crate::storage) phone: Option<&'r str>,
    /// The phone number as normalised when it was written (E.164 where known, PL-23).
    pub(in crate::storage) phone_digits: Option<&'r str>,
    pub(in crate::storage) banned: bool,
    pub(in crate::storage) has_account: bool,
    pub(in crate::storage) client_notes: Option<&'r str>,
    pub(in crate::storage) client_since: chrono::NaiveDate,
    pub(in crate::storage) created_at: DateTime<Utc>,
    pub(in crate::storage) updated_at: DateTime<Utc>,
    pub(in crate::storage) admin_updated_at: DateTime<Utc>,
    pub(in crate::storage) version: i64,
    pub(in crate::storage) site_ids: &'r str,
    pub(in crate::storage) label_ids: &'r str,
    /// Whether its custom values are to be read.
    pub(in crate::storage) has_custom_values: bool,
}

/// The columns a read of clients selects. `clients.id` is always second ([`CLIENT_ID_AT`]),
/// so that [`ClientRow::id_of`] reads it from any of them.
pub(in crate::storage) type Columns = &'static [clients::Column];

/// The position of `clients.id` in every [`Columns`].
pub(super) const CLIENT_ID_AT: usize = 1;

impl<'r> ClientRow<'r> {
    /// What a read of clients selects, in this order.
    pub(in crate::storage) const COLUMNS: Columns = &{
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
            C::PhoneDigits,
        ]
    };

    /// A row selecting [`Self::COLUMNS`], read by position through sqlx's own row:
    /// sea-orm's derived decoder looks every column up by name and formats a message for
    /// every NULL, which was the larger part of the product's own work on a page of 500
    /// (as measured when it was replaced).
    fn decode(row: &'r QueryResult) -> Result<Self, StorageError> {
        let decoded = match (row.try_as_pg_row(), row.try_as_sqlite_row()) {
            (Some(row), _) => Self::from_sqlx(row),
            (_, Some(row)) => Self::from_sqlx(row),
            _ => return Err(unexpected(UnknownRow)),
        };
        decoded.map_err(unexpected)
    }

    /// Only the client id of a row selecting any [`Columns`].
    pub(super) fn id_of(row: &QueryResult) -> Result<Uuid, StorageError> {
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
        let business_id = row.try_get_unchecked(0)?;
        let id = row.try_get_unchecked(CLIENT_ID_AT)?;
        let first_name = row.try_get_unchecked(2)?;
        let last_name = row.try_get_unchecked(3)?;
        let email = row.try_get_unchecked(4)?;
        let phone = row.try_get_unchecked(5)?;
        let banned = row.try_get_unchecked(6)?;
        let has_account = row.try_get_unchecked(7)?;
        let client_notes = row.try_get_unchecked(8)?;
        let client_since = row.try_get_unchecked(9)?;
        let created_at: StoredInstant = row.try_get_unchecked(10)?;
        let updated_at: StoredInstant = row.try_get_unchecked(11)?;
        let admin_updated_at: StoredInstant = row.try_get_unchecked(12)?;
        Ok(Self {
            business_id,
            id,
            first_name,
            last_name,
            email,
            phone,
            banned,
            has_account,
            client_notes,
            client_since,
            created_at: created_at.0,
            updated_at: updated_at.0,
            admin_updated_at: admin_updated_at.0,
            version: row.try_get_unchecked(13)?,
            site_ids: row.try_get_unchecked(14)?,
            label_ids: row.try_get_unchecked(15)?,
            has_custom_values: row.try_get_unchecked(16)?,
            phone_digits: row.try_get_unchecked(17)?,
        })
    }
}

/// A row from neither SQLite nor PostgreSQL (sea-orm's mock or proxy connections, which
/// the adapter does not use).
#[derive(Debug, Error)]
#[error("a row from a connection other than SQLite or PostgreSQL")]
pub(super) struct UnknownRow;

/// An instant as [`ClientRow`] reads it. PostgreSQL sends a `timestamptz` in binary as
/// microseconds since 2000-01-01 UTC, which this adds to the Unix epoch's offset; sqlx's
/// decoder builds that date for each value and goes through a fixed offset, about a
/// tenth of the decoding of a page of 500. Text values, and SQLite's, go through sqlx.
pub(super) struct StoredInstant(pub(super) DateTime<Utc>);

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

impl SeaTransaction {
    /// The rows `select` finds, as fetched, with the select's columns replaced by
    /// `columns`: [`ClientRow::COLUMNS`] for [`Self::with_client_children`] to read.
    pub(in crate::storage) async fn client_rows(
        &self,
        select: Select<clients::Entity>,
        columns: Columns,
    ) -> Result<Vec<QueryResult>, StorageError> {
        let select = select.select_only().columns(columns.iter().copied());
        let statement = select.build(self.txn.get_database_backend());
        self.txn.query_all_raw(statement).await.map_err(unexpected)
    }

    /// Clients from their rows read by [`Self::client_rows`], and the custom field
    /// values of those of them that may have any by one more query (CL-24).
    pub(in crate::storage) async fn with_client_children(
        &self,
        business: BusinessId,
        rows: &[QueryResult],
    ) -> Result<Vec<Client>, StorageError> {
        let rows: Vec<ClientRow<'_>> = rows
            .iter()
            .map(ClientRow::decode)
            .collect::<Result<_, _>>()?;
        let ids: Vec<Uuid> = (rows.iter())
            .filter(|row| row.has_custom_values)
            .map(|row| row.id)
            .collect();
        let mut custom_values = self.custom_values_of(business, &ids).await?;
        let mut clients = Vec::with_capacity(rows.len());
        for row in rows {
            let (id, flagged) = (row.id, row.has_custom_values);
            let mut parts = ClientParts::try_from(row)?;
            if flagged && let Some(values) = custom_values.remove(&id) {
                parts.custom_fields = values;
            }
            clients.push(Client::restore(parts));
        }
        Ok(clients)
    }
}
