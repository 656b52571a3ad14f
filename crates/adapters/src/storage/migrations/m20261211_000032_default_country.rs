//! PL-23: a business's default country for phone numbers (`default_country`, an ISO 3166
//! code; NULL: none, the numbers are kept as typed digits), and the search terms of the
//! national form of every E.164 number already stored ("+33612345678" is also found as
//! "0612…"), as the adapter writes them from now on.

use sea_orm::{ConnectionTrait, Value};
use sea_orm_migration::prelude::*;
use uuid::Uuid;

use clientele_domain::contact::national_digits;
use clientele_domain::search::suffixes;

use super::run_all;
use crate::storage::entities::client_search_terms::PHONE_SUFFIX;

#[derive(DeriveMigrationName)]
pub(crate) struct Migration;

/// Clients read per statement: their terms (at most 15 per number, 6 values each) stay
/// under SQLite's limit of bound values in one insert.
const PAGE: u64 = 200;

fn col(name: &str) -> Alias {
    Alias::new(name)
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        run_all(
            manager,
            &["ALTER TABLE businesses ADD COLUMN default_country text"],
        )
        .await?;
        let db = manager.get_connection();
        let mut after: Option<(Uuid, Uuid)> = None;
        loop {
            let mut select = Query::select();
            select
                .columns(
                    [
                        "business_id",
                        "id",
                        "phone_digits",
                        "last_name_key",
                        "first_name_key",
                    ]
                    .map(col),
                )
                .from(col("clients"))
                .and_where(Expr::col(col("phone_digits")).like("+%"))
                .order_by(col("business_id"), Order::Asc)
                .order_by(col("id"), Order::Asc)
                .limit(PAGE);
            if let Some((business, id)) = after {
                select.and_where(
                    Expr::tuple([Expr::col(col("business_id")), Expr::col(col("id"))])
                        .gt(Expr::tuple([Expr::val(business), Expr::val(id)])),
                );
            }
            let rows = db.query_all(&select).await?;
            let mut insert = Query::insert();
            insert
                .into_table(col("client_search_terms"))
                .columns(
                    [
                        "business_id",
                        "field",
                        "term",
                        "client_id",
                        "last_name_key",
                        "first_name_key",
                    ]
                    .map(col),
                )
                .on_conflict(OnConflict::new().do_nothing().to_owned());
            let mut any = false;
            for row in &rows {
                let business: Uuid = row.try_get("", "business_id")?;
                let id: Uuid = row.try_get("", "id")?;
                after = Some((business, id));
                let digits: String = row.try_get("", "phone_digits")?;
                let Some(national) = national_digits(&digits) else {
                    continue;
                };
                let last: String = row.try_get("", "last_name_key")?;
                let first: String = row.try_get("", "first_name_key")?;
                for term in suffixes(&national) {
                    let values: [Value; 6] = [
                        business.into(),
                        PHONE_SUFFIX.into(),
                        term.into(),
                        id.into(),
                        last.clone().into(),
                        first.clone().into(),
                    ];
                    insert.values_panic(values.map(SimpleExpr::from));
                    any = true;
                }
            }
            if any {
                db.execute(&insert).await?;
            }
            if (rows.len() as u64) < PAGE {
                return Ok(());
            }
        }
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // The national forms' terms stay: they find what they name.
        run_all(
            manager,
            &["ALTER TABLE businesses DROP COLUMN default_country"],
        )
        .await
    }
}
