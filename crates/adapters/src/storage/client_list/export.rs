//! CL-16: a page of the client export. It takes the route the list would take (a search
//! aside) but selects only what the export shows and the columns of the list's order,
//! and it decodes the sort key of the last row only: a client export reads a tenth of the
//! columns' text the list would, and parses none of it into domain values.

use chrono::{DateTime, Utc};
use sea_orm::{QueryResult, sqlx};
use thiserror::Error;
use uuid::Uuid;

use clientele_domain::{BusinessId, ClientId, ClientSort, ClientSortKey};
use clientele_ports::StorageError;
use clientele_ports::storage::{ClientExportLine, ClientExportPage, ClientQuery};

use super::rows::{CLIENT_ID_AT, Columns, StoredInstant, UnknownRow};
use crate::storage::entities::clients;
use crate::storage::{SeaTransaction, unexpected};

/// A search given to the export read: the caller exports a search through the list.
#[derive(Debug, Error)]
#[error("the client export reads no search: a search is exported through the list")]
struct SearchNotExported;

/// The exported columns: every export row starts with them, in this order.
const EXPORTED: [clients::Column; 8] = {
    use clients::Column as C;
    [
        C::BusinessId,
        C::Id,
        C::FirstName,
        C::LastName,
        C::Email,
        C::Phone,
        C::CreatedAt,
        C::HasCustomValues,
    ]
};

/// [`EXPORTED`] then `key` (`N` is their count).
const fn exported_then<const N: usize>(key: &[clients::Column]) -> [clients::Column; N] {
    assert!(N == EXPORTED.len() + key.len());
    let mut columns = [clients::Column::Id; N];
    let mut at = 0;
    while at < N {
        columns[at] = match at < EXPORTED.len() {
            true => EXPORTED[at],
            false => key[at - EXPORTED.len()],
        };
        at += 1;
    }
    columns
}

/// What an export row selects: the exported columns, then those of the sort key that
/// are not among them (read at [`KEY_AT`] on).
fn columns(sort: ClientSort) -> Columns {
    use clients::Column as C;
    const LAST_NAME: [clients::Column; 10] = exported_then(&[C::LastNameKey, C::FirstNameKey]);
    const FIRST_NAME: [clients::Column; 10] = exported_then(&[C::FirstNameKey, C::LastNameKey]);
    const ADMIN_UPDATED_AT: [clients::Column; 9] = exported_then(&[C::AdminUpdatedAt]);
    match sort {
        ClientSort::LastName => &LAST_NAME,
        ClientSort::FirstName => &FIRST_NAME,
        ClientSort::CreatedAt => &EXPORTED,
        ClientSort::AdminUpdatedAt => &ADMIN_UPDATED_AT,
    }
}

/// Where the columns of the sort key start.
const KEY_AT: usize = EXPORTED.len();

/// The exported columns of a row, borrowed from it.
struct ExportRow<'r> {
    id: Uuid,
    first_name: &'r str,
    last_name: &'r str,
    email: Option<&'r str>,
    phone: Option<&'r str>,
    created_at: DateTime<Utc>,
    has_custom_values: bool,
}

impl<'r> ExportRow<'r> {
    fn decode(row: &'r QueryResult) -> Result<Self, StorageError> {
        let decoded = match (row.try_as_pg_row(), row.try_as_sqlite_row()) {
            (Some(row), _) => Self::from_sqlx(row),
            (_, Some(row)) => Self::from_sqlx(row),
            _ => return Err(unexpected(UnknownRow)),
        };
        decoded.map_err(unexpected)
    }

    /// As `ClientRow::from_sqlx`, by position and without sqlx's type check: the columns
    /// are [`EXPORTED`], of the adapter's own schema.
    fn from_sqlx<R>(row: &'r R) -> Result<Self, sqlx::Error>
    where
        R: sqlx::Row,
        usize: sqlx::ColumnIndex<R>,
        Uuid: sqlx::Decode<'r, R::Database>,
        &'r str: sqlx::Decode<'r, R::Database>,
        bool: sqlx::Decode<'r, R::Database>,
        StoredInstant: sqlx::Decode<'r, R::Database>,
    {
        let created_at: StoredInstant = row.try_get_unchecked(6)?;
        Ok(Self {
            id: row.try_get_unchecked(CLIENT_ID_AT)?,
            first_name: row.try_get_unchecked(2)?,
            last_name: row.try_get_unchecked(3)?,
            email: row.try_get_unchecked(4)?,
            phone: row.try_get_unchecked(5)?,
            created_at: created_at.0,
            has_custom_values: row.try_get_unchecked(7)?,
        })
    }

    /// The row's key in `sort`.
    fn key(&self, row: &QueryResult, sort: ClientSort) -> Result<ClientSortKey, StorageError> {
        let id = ClientId::from_uuid(self.id);
        let key = match (row.try_as_pg_row(), row.try_as_sqlite_row()) {
            (Some(row), _) => sort_key(row, sort, id, self.created_at),
            (_, Some(row)) => sort_key(row, sort, id, self.created_at),
            _ => return Err(unexpected(UnknownRow)),
        };
        key.map_err(unexpected)
    }
}

/// The key in `sort` of a row selecting [`columns`]`(sort)`.
fn sort_key<'r, R>(
    row: &'r R,
    sort: ClientSort,
    id: ClientId,
    created_at: DateTime<Utc>,
) -> Result<ClientSortKey, sqlx::Error>
where
    R: sqlx::Row,
    usize: sqlx::ColumnIndex<R>,
    &'r str: sqlx::Decode<'r, R::Database>,
    StoredInstant: sqlx::Decode<'r, R::Database>,
{
    Ok(match sort {
        ClientSort::LastName | ClientSort::FirstName => ClientSortKey::Names {
            primary: row.try_get_unchecked::<&str, _>(KEY_AT)?.to_owned(),
            secondary: row.try_get_unchecked::<&str, _>(KEY_AT + 1)?.to_owned(),
            id,
        },
        ClientSort::CreatedAt => ClientSortKey::Instant { at: created_at, id },
        ClientSort::AdminUpdatedAt => ClientSortKey::Instant {
            at: row.try_get_unchecked::<StoredInstant, _>(KEY_AT)?.0,
            id,
        },
    })
}

impl SeaTransaction {
    /// CL-16: the page of the export `query` (without a search) lists.
    pub(in crate::storage) async fn client_export_lines(
        &self,
        business: BusinessId,
        query: &ClientQuery,
    ) -> Result<ClientExportPage, StorageError> {
        if query.search.is_some() {
            return Err(unexpected(SearchNotExported));
        }
        let rows = self
            .client_list_rows(business, query, columns(query.sort))
            .await?;
        let decoded: Vec<ExportRow<'_>> = rows
            .iter()
            .map(ExportRow::decode)
            .collect::<Result<_, _>>()?;
        let last = match (decoded.last(), rows.last()) {
            (Some(decoded), Some(row)) => Some(decoded.key(row, query.sort)?),
            _ => None,
        };
        let with_values: Vec<Uuid> = (decoded.iter())
            .filter(|row| row.has_custom_values)
            .map(|row| row.id)
            .collect();
        let mut values = self.custom_values_of(business, &with_values).await?;
        let lines = decoded
            .into_iter()
            .map(|row| ClientExportLine {
                id: ClientId::from_uuid(row.id),
                first_name: row.first_name.to_owned(),
                last_name: row.last_name.to_owned(),
                email: row.email.map(str::to_owned),
                phone: row.phone.map(str::to_owned),
                created_at: row.created_at,
                custom_fields: values.remove(&row.id).unwrap_or_default(),
            })
            .collect();
        Ok(ClientExportPage { lines, last })
    }
}

#[cfg(test)]
mod tests {
    use sea_orm::IdenStatic;

    use super::*;

    #[test]
    fn cl_16_every_order_selects_the_exported_columns_then_the_rest_of_its_key() {
        let names = |columns: &[clients::Column]| -> Vec<&str> {
            columns.iter().map(|column| column.as_str()).collect()
        };
        let exported = names(&EXPORTED);
        assert_eq!(exported[CLIENT_ID_AT], "id");
        let rest = |sort| {
            let columns = names(columns(sort));
            assert_eq!(columns[..KEY_AT], exported);
            columns[KEY_AT..].to_vec()
        };
        assert_eq!(
            rest(ClientSort::LastName),
            ["last_name_key", "first_name_key"]
        );
        assert_eq!(
            rest(ClientSort::FirstName),
            ["first_name_key", "last_name_key"]
        );
        assert!(rest(ClientSort::CreatedAt).is_empty());
        assert_eq!(rest(ClientSort::AdminUpdatedAt), ["admin_updated_at"]);
    }
}
