//! Column definitions the migrations of products, codes and memberships share: each
//! says a column's type and whether it may be NULL, once.

use sea_orm_migration::prelude::*;

pub(super) fn uuid(name: impl IntoIden) -> ColumnDef {
    ColumnDef::new(name).uuid().not_null().take()
}

pub(super) fn optional_uuid(name: impl IntoIden) -> ColumnDef {
    ColumnDef::new(name).uuid().null().take()
}

pub(super) fn text(name: impl IntoIden) -> ColumnDef {
    ColumnDef::new(name).text().not_null().take()
}

pub(super) fn optional_text(name: impl IntoIden) -> ColumnDef {
    ColumnDef::new(name).text().null().take()
}

/// A text column that holds one of `values` (NULL too, if `nullable`).
pub(super) fn one_of<const N: usize>(
    name: impl IntoIden,
    values: [&str; N],
    nullable: bool,
) -> ColumnDef {
    let name = name.into_iden();
    let mut column = ColumnDef::new(name.clone()).text().take();
    if nullable {
        column.null()
    } else {
        column.not_null()
    }
    .check(Expr::col(name).is_in(values))
    .take()
}

pub(super) fn instant(name: impl IntoIden) -> ColumnDef {
    ColumnDef::new(name)
        .timestamp_with_time_zone()
        .not_null()
        .take()
}

pub(super) fn optional_instant(name: impl IntoIden) -> ColumnDef {
    ColumnDef::new(name)
        .timestamp_with_time_zone()
        .null()
        .take()
}

pub(super) fn date(name: impl IntoIden) -> ColumnDef {
    ColumnDef::new(name).date().not_null().take()
}

pub(super) fn optional_date(name: impl IntoIden) -> ColumnDef {
    ColumnDef::new(name).date().null().take()
}

pub(super) fn big(name: impl IntoIden) -> ColumnDef {
    ColumnDef::new(name).big_integer().not_null().take()
}

pub(super) fn int(name: impl IntoIden) -> ColumnDef {
    ColumnDef::new(name).integer().not_null().take()
}

pub(super) fn optional_int(name: impl IntoIden) -> ColumnDef {
    ColumnDef::new(name).integer().null().take()
}

pub(super) fn boolean(name: impl IntoIden) -> ColumnDef {
    ColumnDef::new(name).boolean().not_null().take()
}

/// The foreign key `fk_<table>_<column>` of `table`'s `(business_id, column)` to
/// `(business_id, id)` of `to`.
pub(super) fn fk(
    table: impl IntoIden,
    column: impl IntoIden,
    to: impl IntoIden,
) -> ForeignKeyCreateStatement {
    let (table, column) = (table.into_iden(), column.into_iden());
    ForeignKey::create()
        .name(format!("fk_{table}_{column}"))
        .from(table, (Alias::new("business_id"), column))
        .to(to, (Alias::new("business_id"), Alias::new("id")))
        .take()
}
