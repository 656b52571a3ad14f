//! The client list (CL-4 to CL-10, CL-24, PL-14) on storage: one page of a business's
//! clients, filtered, searched and in one of four orders, read with keyset pagination.
//! `docs/client-list.md` is its design.
//!
//! The repository (`storage/clients.rs`) calls [`SeaTransaction::client_list`] for a
//! page, reads single clients through [`rows`], and writes a client's search terms as
//! [`terms`] generates them. Inside, a list takes one of three routes:
//!
//! - a search: [`branches`] cuts it into branches of readings, [`counts`] reads capped
//!   counts of them, [`plan`] chooses each branch's plan from those counts, [`sql`]
//!   writes the plans and [`search`] merges the branches' pages, exact matches
//!   ([`exact`]) first;
//! - a list in a name order filtered by a label or a site: read from membership rows
//!   ([`members`]);
//! - any other list: a walk of the sort index, checking the [`filters`].
//!
//! Every route pages with [`cursor`]. The client export (CL-16) takes the same routes
//! (a search aside) with fewer columns ([`export`]).
//!
//! [`plan`], [`branches`], [`terms`] and the choice of [`members`] are pure and unit
//! tested without a database, as are the conditions [`cursor`], [`filters`] and [`sql`]
//! build (by the SQL they render); the rest runs queries.

mod branches;
mod counts;
mod cursor;
mod exact;
mod export;
mod filters;
mod members;
mod plan;
mod rows;
mod search;
mod sql;
mod terms;

use sea_orm::QueryResult;
use sea_orm::sea_query::Expr;

use clientele_domain::{BusinessId, Client};
use clientele_ports::StorageError;
use clientele_ports::storage::ClientQuery;

use super::SeaTransaction;
use super::entities::clients;
use cursor::ordered;
use filters::filtered_clients;
use members::{ByMembers, Owner, member_column, with_members};
use rows::Columns;

pub(super) use filters::has_opted_in;
pub(super) use rows::ClientRow;
pub(super) use terms::{SearchKeys, search_term_rows, search_terms};

impl SeaTransaction {
    /// One page of the clients of `business` that `query` lists, in its order.
    pub(super) async fn client_list(
        &self,
        business: BusinessId,
        query: &ClientQuery,
    ) -> Result<Vec<Client>, StorageError> {
        let rows = self
            .client_list_rows(business, query, ClientRow::COLUMNS)
            .await?;
        self.with_client_children(business, &rows).await
    }

    /// The rows of the page `query` lists, with `columns`.
    async fn client_list_rows(
        &self,
        business: BusinessId,
        query: &ClientQuery,
        columns: Columns,
    ) -> Result<Vec<QueryResult>, StorageError> {
        let by_members = ByMembers::of(query);
        // A list read from membership rows reads those of its site, if it has one: its
        // site filter is answered by the rows themselves.
        let (labels, site, sites_of) = match &by_members {
            Some(by_members) => (by_members.left(), None, Owner::Member),
            None => (query.labels.as_ref(), query.site, Owner::Client),
        };
        let Some(filtered) = filtered_clients(business, query, labels, site, sites_of) else {
            return Ok(Vec::new());
        };
        let select = filtered.select().clone();
        let qualified = |column| Expr::col((clients::Entity, column));
        match (&query.search, by_members) {
            (Some(search), _) => self.search_rows(business, filtered, query, search).await,
            (None, Some(ByMembers::Each(labels))) => {
                self.rows_of_labels(business, &select, query, &labels, columns)
                    .await
            }
            (None, Some(ByMembers::One(label, _))) => {
                let page = ordered(
                    with_members(select, business, label, query.site),
                    query,
                    &member_column,
                )?;
                self.client_rows(page, columns).await
            }
            (None, None) => {
                let page = ordered(select, query, &qualified)?;
                self.client_rows(page, columns).await
            }
        }
    }
}
