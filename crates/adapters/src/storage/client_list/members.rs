//! CL-4, CL-10, PL-14: a list in a name order filtered by a label or a site, read from
//! the membership rows of that label or site (`client_labels`, `client_sites`,
//! `client_label_sites`), which carry the client's two name keys and are indexed in both
//! name orders after the label and site: their range holds exactly the clients asked
//! for, in the list's order. Which lists are read this way ([`ByMembers::of`]) is pure.

use sea_orm::sea_query::{Alias, ColumnRef, Expr, ExprTrait, IntoColumnRef};
use sea_orm::{
    Condition, EntityName, IdenStatic, JoinType, QueryFilter, QueryResult, QuerySelect, QueryTrait,
    Select,
};

use clientele_domain::label::LabelFilter;
use clientele_domain::{BusinessId, ClientSort, LabelId, SiteId};
use clientele_ports::StorageError;
use clientele_ports::storage::ClientQuery;

use super::cursor::{order_columns, ordered};
use super::rows::Columns;
use crate::storage::SeaTransaction;
use crate::storage::entities::{client_label_sites, client_labels, client_sites, clients};

/// The row a list's site filter is correlated with: the client's own, or in a list read
/// from membership rows ([`with_members`]) its membership row ([`MEMBER`]), so that SQLite
/// checks the site from that row before it looks the client up (it checks a condition as
/// soon as the rows it names are read; PostgreSQL finds that order itself).
#[derive(Debug, Clone, Copy)]
pub(super) enum Owner {
    Client,
    Member,
}

/// The alias of the membership rows a list reads ([`with_members`]): `client_labels`,
/// `client_sites` or `client_label_sites`, whose columns read through it are named alike.
const MEMBER: &str = "member";

/// `column` of the membership row ([`MEMBER`]), named as in any of its tables.
fn member(column: impl IdenStatic) -> Expr {
    Expr::col((Alias::new(MEMBER), Alias::new(column.as_str())))
}

impl Owner {
    pub(super) fn business_and_id(self) -> (ColumnRef, ColumnRef) {
        match self {
            Owner::Client => (
                (clients::Entity, clients::Column::BusinessId).into_column_ref(),
                (clients::Entity, clients::Column::Id).into_column_ref(),
            ),
            Owner::Member => (
                (Alias::new(MEMBER), client_labels::Column::BusinessId).into_column_ref(),
                (Alias::new(MEMBER), client_labels::Column::ClientId).into_column_ref(),
            ),
        }
    }
}

/// CL-4, CL-10, PL-14: how a list in a name order filtered by a label or a site reads
/// the membership rows of that label or site ([`with_members`]), which carry the name
/// keys and are indexed in both name orders after the label and site, rather than walk
/// the business's whole sort index probing each client's labels and sites (for a label a
/// few percent of clients have, that walk reads tens of thousands of entries for a page).
#[derive(Debug, PartialEq, Eq)]
pub(super) enum ByMembers {
    /// Read the clients of this label (or of the site alone) in order, checking the label
    /// filter left on each: the one label of "any of" (nothing left), or the first of
    /// "all of" (the others).
    One(Option<LabelId>, Option<LabelFilter>),
    /// "Any of" several labels: each label's first page in order, merged.
    Each(Vec<LabelId>),
}

impl ByMembers {
    /// `None` for a search (it plans its own reads), an order by date (walked), a list
    /// filtered by neither a label nor a site, or a label filter that matches nobody (an
    /// empty "any of", which `filtered_clients` answers).
    pub(super) fn of(query: &ClientQuery) -> Option<ByMembers> {
        let in_name_order = matches!(query.sort, ClientSort::LastName | ClientSort::FirstName);
        if query.search.is_some() || !in_name_order {
            return None;
        }
        let (any, mut labels) = match &query.labels {
            Some(LabelFilter::AnyOf(labels)) if labels.is_empty() => return None,
            Some(LabelFilter::AnyOf(labels)) => (true, labels.clone()),
            Some(LabelFilter::AllOf(labels)) => (false, labels.clone()),
            None => (false, Vec::new()),
        };
        labels.sort();
        labels.dedup();
        let Some(&first) = labels.first() else {
            return query.site.map(|_| ByMembers::One(None, None));
        };
        let rest = labels[1..].to_vec();
        Some(match (any, rest.is_empty()) {
            (_, true) => ByMembers::One(Some(first), None),
            (true, false) => ByMembers::Each(labels),
            (false, false) => ByMembers::One(Some(first), Some(LabelFilter::AllOf(rest))),
        })
    }

    /// The label filter the clients read this way are still to pass.
    pub(super) fn left(&self) -> Option<&LabelFilter> {
        match self {
            ByMembers::One(_, left) => left.as_ref(),
            ByMembers::Each(_) => None,
        }
    }
}

/// `select` (over `clients`) restricted to the clients of `label` and of `site` (at
/// least one given), joined to their membership row ([`MEMBER`]) whose columns
/// [`member_column`] orders by: of `client_labels` for a label, `client_sites` for a site,
/// `client_label_sites` for both. Its index gives those clients in order, none to skip.
pub(super) fn with_members(
    mut select: Select<clients::Entity>,
    business: BusinessId,
    label: Option<LabelId>,
    site: Option<SiteId>,
) -> Select<clients::Entity> {
    let table = match (label, site) {
        (Some(_), None) => client_labels::Entity.table_ref(),
        (None, _) => client_sites::Entity.table_ref(),
        (Some(_), Some(_)) => client_label_sites::Entity.table_ref(),
    };
    let on = Condition::all()
        .add(
            member(client_labels::Column::BusinessId)
                .equals((clients::Entity, clients::Column::BusinessId)),
        )
        .add(
            member(client_labels::Column::ClientId).equals((clients::Entity, clients::Column::Id)),
        );
    QuerySelect::query(&mut select).join_as(JoinType::InnerJoin, table, Alias::new(MEMBER), on);
    select = select.filter(member(client_labels::Column::BusinessId).eq(business.as_uuid()));
    if let Some(label) = label {
        select = select.filter(member(client_labels::Column::LabelId).eq(label.as_uuid()));
    }
    if let Some(site) = site {
        select = select.filter(member(client_sites::Column::SiteId).eq(site.as_uuid()));
    }
    select
}

/// A sort column of a list read through [`with_members`]: the name keys and id from the
/// membership row, so that its index gives the order.
pub(super) fn member_column(column: clients::Column) -> Expr {
    match column {
        clients::Column::LastNameKey => member(client_labels::Column::LastNameKey),
        clients::Column::FirstNameKey => member(client_labels::Column::FirstNameKey),
        clients::Column::Id => member(client_labels::Column::ClientId),
        other => Expr::col((clients::Entity, other)),
    }
}

impl SeaTransaction {
    /// CL-10: a page of the clients of `select` with any of `labels`, in a name order:
    /// each label's first page read in order from its rows ([`with_members`]), one `UNION`
    /// to merge them (a client with several of the labels has the same sort key in each),
    /// then the page's rows by id.
    pub(super) async fn rows_of_labels(
        &self,
        business: BusinessId,
        select: &Select<clients::Entity>,
        query: &ClientQuery,
        labels: &[LabelId],
        columns: Columns,
    ) -> Result<Vec<QueryResult>, StorageError> {
        let mut parts = Vec::new();
        for label in labels {
            let mut page = ordered(
                with_members(select.clone(), business, Some(*label), query.site),
                query,
                &member_column,
            )?
            .select_only();
            for column in order_columns(query.sort) {
                page = page.column_as(member_column(*column), column.as_str());
            }
            parts.push((0, page.into_query()));
        }
        self.merged_rows(business, parts, query, columns).await
    }
}

#[cfg(test)]
mod tests {
    use uuid::Uuid;

    use clientele_domain::search::ClientSearch;
    use clientele_domain::{SiteId, SiteScope};

    use super::*;

    fn label(n: u128) -> LabelId {
        LabelId::from_uuid(Uuid::from_u128(n))
    }

    fn list(sort: ClientSort, labels: Option<LabelFilter>, site: Option<SiteId>) -> ClientQuery {
        ClientQuery {
            site,
            labels,
            ..ClientQuery::unfiltered(SiteScope::All, sort, 50)
        }
    }

    const LAST: ClientSort = ClientSort::LastName;

    #[test]
    fn a_list_without_a_label_or_a_site_walks_the_sort_index() {
        assert_eq!(ByMembers::of(&list(LAST, None, None)), None);
    }

    #[test]
    fn pl_14_a_site_alone_reads_the_sites_rows() {
        let site = Some(SiteId::from_uuid(Uuid::from_u128(9)));
        let by = ByMembers::of(&list(ClientSort::FirstName, None, site));
        assert_eq!(by, Some(ByMembers::One(None, None)));
        assert_eq!(by.unwrap().left(), None);
    }

    #[test]
    fn cl_10_any_of_one_label_reads_that_labels_rows_with_nothing_left() {
        let any = LabelFilter::AnyOf(vec![label(2), label(2)]);
        let by = ByMembers::of(&list(LAST, Some(any), None));
        assert_eq!(by, Some(ByMembers::One(Some(label(2)), None)));
    }

    #[test]
    fn cl_10_any_of_several_labels_reads_each_once_in_order() {
        let any = LabelFilter::AnyOf(vec![label(3), label(1), label(3), label(2)]);
        let by = ByMembers::of(&list(LAST, Some(any), None)).unwrap();
        assert_eq!(by, ByMembers::Each(vec![label(1), label(2), label(3)]));
        assert_eq!(by.left(), None);
    }

    #[test]
    fn cl_10_all_of_reads_the_first_label_and_checks_the_others() {
        let all = LabelFilter::AllOf(vec![label(3), label(1), label(2), label(1)]);
        let by = ByMembers::of(&list(LAST, Some(all), None)).unwrap();
        let rest = LabelFilter::AllOf(vec![label(2), label(3)]);
        assert_eq!(by, ByMembers::One(Some(label(1)), Some(rest.clone())));
        assert_eq!(by.left(), Some(&rest));
        // The same label twice is one label: nothing left to check.
        let twice = LabelFilter::AllOf(vec![label(4), label(4)]);
        assert_eq!(
            ByMembers::of(&list(LAST, Some(twice), None)),
            Some(ByMembers::One(Some(label(4)), None))
        );
    }

    #[test]
    fn an_empty_label_filter_leaves_the_list_to_the_filters() {
        let site = Some(SiteId::from_uuid(Uuid::from_u128(9)));
        // "Any of" nothing matches nobody: the filters answer it.
        let none = LabelFilter::AnyOf(Vec::new());
        assert_eq!(ByMembers::of(&list(LAST, Some(none), site)), None);
        // "All of" nothing matches everybody: only the site is read from its rows.
        let all = LabelFilter::AllOf(Vec::new());
        assert_eq!(
            ByMembers::of(&list(LAST, Some(all), site)),
            Some(ByMembers::One(None, None))
        );
        assert_eq!(
            ByMembers::of(&list(LAST, Some(LabelFilter::AllOf(Vec::new())), None)),
            None
        );
    }

    #[test]
    fn searches_and_date_orders_never_read_membership_rows() {
        let any = || Some(LabelFilter::AnyOf(vec![label(1)]));
        for sort in [ClientSort::CreatedAt, ClientSort::AdminUpdatedAt] {
            assert_eq!(ByMembers::of(&list(sort, any(), None)), None);
        }
        let mut searched = list(LAST, any(), None);
        searched.search = Some(ClientSearch::parse("q", "emma").unwrap());
        assert_eq!(ByMembers::of(&searched), None);
    }
}
