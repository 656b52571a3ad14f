//! Joins between a business's rows. Every table is keyed `(business_id, id)`, so a row's
//! reference `column` joins `table` on `(business_id, column) = (business_id, id)`.

use sea_orm::sea_query::{Expr, ExprTrait, JoinType};
use sea_orm::{Condition, EntityTrait, QuerySelect, Select};

/// Inner-joins `table` to `select`: `(business, column)` of `select`'s entity is
/// `(table_business, table_id)` of `table`.
pub(super) fn join_in_business<F: EntityTrait, E: EntityTrait>(
    select: &mut Select<F>,
    (business, column): (F::Column, F::Column),
    table: E,
    (table_business, table_id): (E::Column, E::Column),
) {
    let on = Condition::all()
        .add(Expr::col((table, table_business)).equals((F::default(), business)))
        .add(Expr::col((table, table_id)).equals((F::default(), column)));
    QuerySelect::query(select).join(JoinType::InnerJoin, table, on);
}
