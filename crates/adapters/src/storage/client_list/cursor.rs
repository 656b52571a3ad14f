//! CL-4: keyset pagination. The columns of each of the four orders, and "strictly after
//! a cursor's key" as a condition. Builds conditions and runs nothing.

use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{Condition, QueryFilter, QueryOrder, QuerySelect, Select};
use thiserror::Error;

use clientele_domain::{ClientSort, ClientSortKey};
use clientele_ports::StorageError;
use clientele_ports::storage::ClientQuery;

use crate::storage::conversions::instant;
use crate::storage::entities::clients;
use crate::storage::unexpected;

/// A cursor of one order used with another: the caller should have refused it.
#[derive(Debug, Error)]
#[error("a {sort:?} client list cannot start after a cursor of another order")]
struct CursorOfAnotherOrder {
    sort: ClientSort,
}

/// The columns of an order, most significant first; the id always ends it.
pub(super) fn order_columns(sort: ClientSort) -> &'static [clients::Column] {
    use clients::Column::*;
    match sort {
        ClientSort::LastName => &[LastNameKey, FirstNameKey, Id],
        ClientSort::FirstName => &[FirstNameKey, LastNameKey, Id],
        ClientSort::CreatedAt => &[CreatedAt, Id],
        ClientSort::AdminUpdatedAt => &[AdminUpdatedAt, Id],
    }
}

/// "Strictly after `key`" as an expanded OR chain, which both databases plan well and
/// which, unlike row-value comparison, reads the same everywhere:
/// `(a > ?) OR (a = ? AND b > ?) OR (a = ? AND b = ? AND id > ?)`, each column written
/// as `column` gives it.
pub(super) fn strictly_after(
    sort: ClientSort,
    key: &ClientSortKey,
    column: &dyn Fn(clients::Column) -> Expr,
) -> Result<Condition, StorageError> {
    if !sort.accepts(key) {
        return Err(unexpected(CursorOfAnotherOrder { sort }));
    }
    let values: Vec<sea_orm::Value> = match key {
        ClientSortKey::Names {
            primary,
            secondary,
            id,
        } => vec![
            primary.clone().into(),
            secondary.clone().into(),
            id.as_uuid().into(),
        ],
        ClientSortKey::Instant { at, id } => vec![instant(*at).into(), id.as_uuid().into()],
    };
    let columns = order_columns(sort);
    let mut chain = Condition::any();
    for position in 0..columns.len() {
        let mut step = Condition::all();
        for (c, value) in columns.iter().zip(&values).take(position) {
            step = step.add(column(*c).eq(value.clone()));
        }
        step = step.add(column(columns[position]).gt(values[position].clone()));
        chain = chain.add(step);
    }
    Ok(chain)
}

/// `select` in the order of `sort`, strictly after `after`, at most `limit` rows, each
/// sort column written as `column` gives it.
pub(super) fn ordered(
    mut select: Select<clients::Entity>,
    query: &ClientQuery,
    column: &dyn Fn(clients::Column) -> Expr,
) -> Result<Select<clients::Entity>, StorageError> {
    if let Some(after) = &query.after {
        select = select.filter(strictly_after(query.sort, after, column)?);
    }
    for sorted in order_columns(query.sort) {
        select = select.order_by_asc(column(*sorted));
    }
    Ok(select.limit(u64::from(query.limit)))
}
