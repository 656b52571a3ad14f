//! CL-5 to CL-8 on storage: one search as a few index-friendly queries whose first pages
//! are merged, exact matches first.
//!
//! A single `WHERE name OR email OR phone` query leaves the planner to guess how many
//! rows match, and a wrong guess walks the whole sort index (0.2–1.3 s at a million
//! clients, as measured when this was written). Instead the query is cut into *branches*
//! ([`super::branches`]), each an `AND` of readings, and every branch is given a plan
//! chosen from capped counts ([`super::counts`]) rather than from the planner's
//! estimates ([`super::plan`]), then written as SQL ([`super::sql`]).
//!
//! Each branch returns at most one page of `(group, sort key, id)` in the list's order,
//! read from the sort index alone (it covers the email and phone) or from the terms, one
//! `UNION` merges them, and the page's rows are fetched by id. The first `limit` of the
//! union of each branch's first `limit` rows is the first `limit` of the union. Exact
//! matches (CL-8, [`super::exact`]) are a group of their own that comes first; the other
//! branches exclude them.

use std::collections::HashMap;

use sea_orm::sea_query::SelectStatement;
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryResult, Select,
};
use uuid::Uuid;

use clientele_domain::search::ClientSearch;
use clientele_domain::{BusinessId, ClientSortKey};
use clientele_ports::StorageError;
use clientele_ports::storage::ClientQuery;

use super::branches::{exact_name_branches, search_branches};
use super::exact::{exact_condition, exact_contacts, exact_term};
use super::filters::Filtered;
use super::plan::{Found, NameField, Plan, Reading, plan, shared_walks, walked_along};
use super::rows::{ClientRow, Columns};
use super::sql::{branch_page, driving, filtering, head_range, merged, term_page, term_range};
use crate::storage::entities::clients;
use crate::storage::{SeaTransaction, unexpected};

/// Where a branch's page is read from, besides the sort index.
struct Sources<'a> {
    /// The clients that pass the list's filters.
    clients: &'a Select<clients::Entity>,
    /// When the list has no filter and is in a name order, what excludes a term row from
    /// the branches (the exact matches, for the others): a term range is then sorted from
    /// the terms alone.
    terms: Option<Condition>,
}

impl SeaTransaction {
    /// Each branch's page query, after its plan.
    fn branch_pages(
        &self,
        business: BusinessId,
        sources: &Sources<'_>,
        query: &ClientQuery,
        after: Option<&ClientSortKey>,
        branches: &[Vec<Reading>],
        found: &HashMap<Reading, Found>,
    ) -> Result<Vec<SelectStatement>, StorageError> {
        let backend = self.txn.get_database_backend();
        let in_order = |reading: &Reading| reading.in_order(query.sort);
        // A term page filters the branch's other readings on the name keys it carries:
        // fine when there are none, or they all read names.
        let excludes: Vec<Option<&Condition>> = (branches.iter())
            .map(|branch| {
                (sources.terms.as_ref())
                    .filter(|_| branch.len() == 1 || branch.iter().all(Reading::on_names))
            })
            .collect();
        let plans: Vec<Plan<'_>> = (branches.iter().zip(&excludes))
            .map(|(branch, exclude)| plan(branch, found, query.sort, exclude.is_some()))
            .collect();
        let walks = shared_walks(branches, &plans, query.sort);
        let mut pages = Vec::new();
        for (range, others) in &walks {
            let others = (others.iter()).fold(Condition::any(), |any, other| {
                any.add(filtering(backend, other, false))
            });
            let condition = filtering(backend, range, true).add(others);
            let select = sources.clients.clone().filter(condition);
            pages.push(branch_page(backend, select, query, after, false)?);
        }
        for ((branch, exclude), plan) in branches.iter().zip(excludes).zip(plans) {
            if walks.iter().any(|(range, _)| walked_along(branch, range)) {
                continue;
            }
            let others = |driver: &Reading| {
                branch
                    .iter()
                    .filter(|reading| *reading != driver)
                    .fold(Condition::all(), |all, reading| {
                        all.add(filtering(backend, reading, false))
                    })
            };
            let page = match (plan, exclude) {
                (Plan::Empty, _) => continue,
                (Plan::Walk, _) | (Plan::Heads(..), None) => {
                    let condition = branch.iter().fold(Condition::all(), |all, reading| {
                        all.add(filtering(backend, reading, in_order(reading)))
                    });
                    let select = sources.clients.clone().filter(condition);
                    branch_page(backend, select, query, after, false)?
                }
                (Plan::Heads(terms, phrase), Some(exclude)) => {
                    let range = head_range(backend, business, terms, phrase);
                    term_page(
                        backend,
                        range,
                        (terms, phrase),
                        exclude.clone(),
                        query,
                        after,
                    )?
                }
                (Plan::Drive(driver @ Reading::Term(terms, prefix)), Some(exclude)) => {
                    let condition = others(driver).add(exclude.clone());
                    let range = term_range(business, *terms, prefix);
                    term_page(backend, range, (*terms, prefix), condition, query, after)?
                }
                (Plan::Drive(driver), _) => {
                    let condition = driving(business, driver).add(others(driver));
                    let select = sources.clients.clone().filter(condition);
                    branch_page(backend, select, query, after, true)?
                }
            };
            pages.push(page);
        }
        Ok(pages)
    }

    /// One page of the clients `search` finds among those `filtered` selects: the exact
    /// matches first, then the others, each group in `query.sort`.
    pub(super) async fn search_rows(
        &self,
        business: BusinessId,
        filtered: Filtered,
        query: &ClientQuery,
        search: &ClientSearch,
    ) -> Result<Vec<QueryResult>, StorageError> {
        let backend = self.txn.get_database_backend();
        let exact_names = match query.past_exact_matches {
            true => Vec::new(),
            false => exact_name_branches(search),
        };
        let branches = search_branches(search);
        let all: Vec<Vec<Reading>> = exact_names.iter().chain(&branches).cloned().collect();
        let terms_sorted =
            matches!(filtered, Filtered::Unfiltered(_)) && NameField::leading(query.sort).is_some();
        let found = self.found(business, &all, query.sort, terms_sorted).await?;

        let mut parts = Vec::new();
        if !query.past_exact_matches {
            let after = query.after.as_ref();
            let sources = Sources {
                clients: filtered.select(),
                terms: None,
            };
            for page in self.branch_pages(business, &sources, query, after, &exact_names, &found)? {
                parts.push((0, page));
            }
            for contact in exact_contacts(search, false) {
                let select = filtered.select().clone().filter(contact);
                parts.push((0, branch_page(backend, select, query, after, true)?));
            }
        }
        let after = query.after.as_ref().filter(|_| query.past_exact_matches);
        let not_exact = filtered
            .select()
            .clone()
            .filter(exact_condition(search).not());
        let sources = Sources {
            clients: &not_exact,
            terms: terms_sorted.then(|| exact_term(business, search).not()),
        };
        for page in self.branch_pages(business, &sources, query, after, &branches, &found)? {
            parts.push((1, page));
        }
        self.merged_rows(business, parts, query, ClientRow::COLUMNS)
            .await
    }

    /// The rows of the first `query.limit` of the union of `parts`, each a `(group, part)`
    /// whose part selects `(sort key, id)` in the list's order, in group then sort order:
    /// one `UNION` (which drops the rows several parts find), then the rows by id, with
    /// `columns`.
    pub(super) async fn merged_rows(
        &self,
        business: BusinessId,
        parts: Vec<(i32, SelectStatement)>,
        query: &ClientQuery,
        columns: Columns,
    ) -> Result<Vec<QueryResult>, StorageError> {
        let Some(statement) = merged(parts, query.sort, query.limit) else {
            return Ok(Vec::new());
        };
        let backend = self.txn.get_database_backend();
        let ids: Vec<Uuid> = self
            .txn
            .query_all_raw(backend.build(&statement))
            .await
            .map_err(unexpected)?
            .iter()
            .map(|row| row.try_get::<Uuid>("", "id"))
            .collect::<Result<_, DbErr>>()
            .map_err(unexpected)?;
        self.rows_in_order(business, &ids, columns).await
    }

    /// The rows of these clients, in the order of `ids`.
    async fn rows_in_order(
        &self,
        business: BusinessId,
        ids: &[Uuid],
        columns: Columns,
    ) -> Result<Vec<QueryResult>, StorageError> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let select = clients::Entity::find()
            .filter(clients::Column::BusinessId.eq(business.as_uuid()))
            .filter(clients::Column::Id.is_in(ids.iter().copied()));
        let rows = self.client_rows(select, columns).await?;
        let mut by_id: HashMap<Uuid, QueryResult> = HashMap::with_capacity(rows.len());
        for row in rows {
            by_id.insert(ClientRow::id_of(&row)?, row);
        }
        Ok(ids.iter().filter_map(|id| by_id.remove(id)).collect())
    }
}
