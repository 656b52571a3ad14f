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

/// "Strictly after `key`" as an expanded OR chain, which, unlike row-value comparison,
/// reads the same everywhere: `a >= ? AND ((a > ?) OR (a = ? AND b > ?) OR (a = ? AND
/// b = ? AND id > ?))`, each column written as `column` gives it. The leading `a >= ?`
/// says nothing the chain does not, but it is what makes both databases start the walk
/// of the sort index at the key: with the chain alone SQLite reads the index from the
/// business's first entry on, every page (a page deep in a list of 100,000 cost as much
/// as reading all those before it).
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
    Ok(Condition::all()
        .add(column(columns[0]).gte(values[0].clone()))
        .add(chain))
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

#[cfg(test)]
mod tests {
    use chrono::{TimeZone as _, Utc};
    use sea_orm::sea_query::{Query, SqliteQueryBuilder};
    use uuid::Uuid;

    use clientele_domain::ClientId;

    use super::*;
    use sea_orm::IdenStatic;

    const ORDERS: [ClientSort; 4] = [
        ClientSort::LastName,
        ClientSort::FirstName,
        ClientSort::CreatedAt,
        ClientSort::AdminUpdatedAt,
    ];

    fn names() -> ClientSortKey {
        ClientSortKey::Names {
            primary: "ler".to_owned(),
            secondary: "sophie".to_owned(),
            id: ClientId::from_uuid(Uuid::from_u128(7)),
        }
    }

    fn instant_key() -> ClientSortKey {
        ClientSortKey::Instant {
            at: Utc.with_ymd_and_hms(2026, 1, 2, 3, 4, 5).unwrap(),
            id: ClientId::from_uuid(Uuid::from_u128(7)),
        }
    }

    fn sql(condition: Condition) -> String {
        Query::select()
            .column(clients::Column::Id)
            .from(clients::Entity)
            .cond_where(condition)
            .to_string(SqliteQueryBuilder)
    }

    #[test]
    fn cl_4_every_order_leads_with_its_key_and_ends_in_the_id() {
        let names =
            |sort| -> Vec<&str> { order_columns(sort).iter().map(|c| c.as_str()).collect() };
        let orders: Vec<Vec<&str>> = ORDERS.into_iter().map(names).collect();
        assert_eq!(
            orders,
            [
                vec!["last_name_key", "first_name_key", "id"],
                vec!["first_name_key", "last_name_key", "id"],
                vec!["created_at", "id"],
                vec!["admin_updated_at", "id"],
            ]
        );
    }

    #[test]
    fn cl_4_a_key_of_another_order_is_refused() {
        let column = |column| Expr::col(column);
        for sort in ORDERS {
            let other = match sort {
                ClientSort::LastName | ClientSort::FirstName => instant_key(),
                ClientSort::CreatedAt | ClientSort::AdminUpdatedAt => names(),
            };
            assert!(strictly_after(sort, &other, &column).is_err());
        }
    }

    #[test]
    fn cl_4_after_a_name_key_is_a_bound_on_the_first_column_and_an_or_chain_over_the_three() {
        let column = |column| Expr::col(column);
        let after = strictly_after(ClientSort::FirstName, &names(), &column).unwrap();
        assert_eq!(
            sql(after),
            r#"SELECT "id" FROM "clients" WHERE "first_name_key" >= 'ler' AND ("first_name_key" > 'ler' OR ("first_name_key" = 'ler' AND "last_name_key" > 'sophie') OR ("first_name_key" = 'ler' AND "last_name_key" = 'sophie' AND "id" > '00000000-0000-0000-0000-000000000007'))"#
        );
    }

    #[test]
    fn cl_4_after_an_instant_key_is_a_chain_of_two_written_as_the_caller_says() {
        let column = |column: clients::Column| Expr::col((clients::Entity, column));
        let after = strictly_after(ClientSort::CreatedAt, &instant_key(), &column).unwrap();
        assert_eq!(
            sql(after),
            r#"SELECT "id" FROM "clients" WHERE "clients"."created_at" >= '2026-01-02 03:04:05.000000 +00:00' AND ("clients"."created_at" > '2026-01-02 03:04:05.000000 +00:00' OR ("clients"."created_at" = '2026-01-02 03:04:05.000000 +00:00' AND "clients"."id" > '00000000-0000-0000-0000-000000000007'))"#
        );
    }
}
