//! CL-9, CL-10, CL-24, PL-14: the list's filters other than the search, as conditions on
//! a client row (`EXISTS` probes for labels, sites, consent and appointments), and the
//! clients of a business that pass them all. Builds conditions and runs nothing.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{ColumnTrait, Condition, EntityTrait, QueryFilter, Select};

use clientele_domain::code::Status;
use clientele_domain::label::LabelFilter;
use clientele_domain::paging::Activity;
use clientele_domain::product::Family;
use clientele_domain::{BusinessId, LabelId, MarketingPreferenceId, SiteId, SiteScope};
use clientele_ports::storage::{ClientQuery, StatusFilter};

use super::members::Owner;
use crate::storage::conversions::instant;
use crate::storage::custom_fields::custom_value_condition;
use crate::storage::entities::{
    appointments, client_consents, client_labels, client_sites, clients, codes, memberships,
};
use crate::storage::membership_list::status as membership_status;

/// `EXISTS (SELECT 1 FROM client_sites WHERE business and client match `owner`'s AND <site
/// filter>)`.
fn has_site_where(site_filter: Expr, owner: Owner) -> Expr {
    let (business, id) = owner.business_and_id();
    let mut sub = Query::select();
    sub.expr(Expr::val(1))
        .from(client_sites::Entity)
        .and_where(
            Expr::col((client_sites::Entity, client_sites::Column::BusinessId)).equals(business),
        )
        .and_where(Expr::col((client_sites::Entity, client_sites::Column::ClientId)).equals(id))
        .and_where(site_filter);
    Expr::exists(sub.take())
}

/// `EXISTS (SELECT 1 FROM client_labels WHERE business and client match AND label_id IN
/// labels)`.
fn has_label_in(labels: &[LabelId]) -> Expr {
    let mut sub = Query::select();
    sub.expr(Expr::val(1))
        .from(client_labels::Entity)
        .and_where(
            Expr::col((client_labels::Entity, client_labels::Column::BusinessId))
                .equals((clients::Entity, clients::Column::BusinessId)),
        )
        .and_where(
            Expr::col((client_labels::Entity, client_labels::Column::ClientId))
                .equals((clients::Entity, clients::Column::Id)),
        )
        .and_where(
            Expr::col((client_labels::Entity, client_labels::Column::LabelId))
                .is_in(labels.iter().map(LabelId::as_uuid)),
        );
    Expr::exists(sub.take())
}

/// `EXISTS (SELECT 1 FROM client_consents WHERE business and client match AND
/// preference_id = preference AND opted_in)`: the client is opted in to `preference` now.
pub(in crate::storage) fn has_opted_in(preference: MarketingPreferenceId) -> Expr {
    let mut sub = Query::select();
    sub.expr(Expr::val(1))
        .from(client_consents::Entity)
        .and_where(
            Expr::col((client_consents::Entity, client_consents::Column::BusinessId))
                .equals((clients::Entity, clients::Column::BusinessId)),
        )
        .and_where(
            Expr::col((client_consents::Entity, client_consents::Column::ClientId))
                .equals((clients::Entity, clients::Column::Id)),
        )
        .and_where(
            Expr::col((
                client_consents::Entity,
                client_consents::Column::PreferenceId,
            ))
            .eq(preference.as_uuid()),
        )
        .and_where(Expr::col((client_consents::Entity, client_consents::Column::OptedIn)).eq(true));
    Expr::exists(sub.take())
}

/// `EXISTS (SELECT 1 FROM codes WHERE business and client match AND family = family AND
/// status = 'active')`: the client holds an active code of `family` (CL-10).
fn holds_active_code(family: Family) -> Expr {
    let mut sub = Query::select();
    sub.expr(Expr::val(1))
        .from(codes::Entity)
        .and_where(
            Expr::col((codes::Entity, codes::Column::BusinessId))
                .equals((clients::Entity, clients::Column::BusinessId)),
        )
        .and_where(
            Expr::col((codes::Entity, codes::Column::ClientId))
                .equals((clients::Entity, clients::Column::Id)),
        )
        .and_where(Expr::col((codes::Entity, codes::Column::Family)).eq(family.as_str()))
        .and_where(Expr::col((codes::Entity, codes::Column::Status)).eq(Status::Active.as_str()));
    Expr::exists(sub.take())
}

/// `EXISTS` a membership of the client with `status` (CL-10), probed through the
/// memberships' `(business_id, client_id)` index.
fn has_membership(status: StatusFilter) -> Expr {
    let mut sub = Query::select();
    sub.expr(Expr::val(1))
        .from(memberships::Entity)
        .and_where(
            Expr::col((memberships::Entity, memberships::Column::BusinessId))
                .equals((clients::Entity, clients::Column::BusinessId)),
        )
        .and_where(
            Expr::col((memberships::Entity, memberships::Column::ClientId))
                .equals((clients::Entity, clients::Column::Id)),
        )
        .cond_where(membership_status(status));
    Expr::exists(sub.take())
}

/// `EXISTS` a scheduled (not cancelled) appointment of the client starting from `since`
/// (and up to `until` when given).
fn has_appointment_between(since: DateTime<Utc>, until: Option<DateTime<Utc>>) -> Expr {
    let mut sub = Query::select();
    sub.expr(Expr::val(1))
        .from(appointments::Entity)
        .and_where(
            Expr::col((appointments::Entity, appointments::Column::BusinessId))
                .equals((clients::Entity, clients::Column::BusinessId)),
        )
        .and_where(
            Expr::col((appointments::Entity, appointments::Column::ClientId))
                .equals((clients::Entity, clients::Column::Id)),
        )
        .and_where(Expr::col((appointments::Entity, appointments::Column::Status)).eq("scheduled"))
        .and_where(
            Expr::col((appointments::Entity, appointments::Column::StartsAt)).gte(instant(since)),
        );
    if let Some(until) = until {
        sub.and_where(
            Expr::col((appointments::Entity, appointments::Column::StartsAt)).lte(instant(until)),
        );
    }
    Expr::exists(sub.take())
}

/// CL-9 as a condition.
fn activity_condition(activity: Activity) -> Condition {
    match activity {
        Activity::Recent { since, until } => {
            Condition::all().add(has_appointment_between(since, Some(until)))
        }
        Activity::Inactive { since } => Condition::all()
            .add(clients::Column::CreatedAt.lte(instant(since)))
            .add(has_appointment_between(since, None).not()),
    }
}

/// CL-10 as a condition, or `None` when no client can match (an empty "any of").
/// "All of" is one `EXISTS` per label, each answered by the primary key; an empty one
/// matches every client.
fn label_condition(filter: &LabelFilter) -> Option<Condition> {
    match filter {
        LabelFilter::AnyOf(labels) if labels.is_empty() => None,
        LabelFilter::AnyOf(labels) => Some(Condition::all().add(has_label_in(labels))),
        LabelFilter::AllOf(labels) => {
            let mut each = labels.clone();
            each.sort();
            each.dedup();
            Some(each.iter().fold(Condition::all(), |all, label| {
                all.add(has_label_in(std::slice::from_ref(label)))
            }))
        }
    }
}

/// The clients of `business` that pass every filter of `query` but the search, in no
/// order: `Unfiltered` when there is no filter, `None` when no client can pass.
pub(super) enum Filtered {
    Unfiltered(Select<clients::Entity>),
    Filtered(Select<clients::Entity>),
}

impl Filtered {
    pub(super) fn select(&self) -> &Select<clients::Entity> {
        match self {
            Filtered::Unfiltered(select) | Filtered::Filtered(select) => select,
        }
    }
}

/// The clients of `business` that pass every filter of `query` but the search, with
/// `labels` for its label filter, `site` for its site filter, and the site filters
/// correlated with `sites_of`.
pub(super) fn filtered_clients(
    business: BusinessId,
    query: &ClientQuery,
    labels: Option<&LabelFilter>,
    site: Option<SiteId>,
    sites_of: Owner,
) -> Option<Filtered> {
    // A walk of the sort index checks these on each client in this order (SQLite keeps
    // it): the usually rarest first, so that most clients fail at the first probe.
    let mut filters = Condition::all();
    if let Some(filter) = labels {
        filters = filters.add(label_condition(filter)?);
    }
    if !query.custom_fields.is_empty() {
        filters = filters.add(custom_value_condition(&query.custom_fields));
    }
    if let Some(preference) = query.opted_in {
        filters = filters.add(has_opted_in(preference));
    }
    if let Some(family) = query.holding {
        filters = filters.add(holds_active_code(family));
    }
    if let Some(status) = query.membership_status {
        filters = filters.add(has_membership(status));
    }
    match query.has_membership {
        Some(true) => filters = filters.add(has_membership(StatusFilter::Active)),
        Some(false) => filters = filters.add(has_membership(StatusFilter::Active).not()),
        None => {}
    }
    match &query.scope {
        SiteScope::All => {}
        SiteScope::Only(sites) if sites.is_empty() => return None,
        SiteScope::Only(sites) => {
            let in_scope = Expr::col((client_sites::Entity, client_sites::Column::SiteId))
                .is_in(sites.iter().map(SiteId::as_uuid));
            filters = filters.add(has_site_where(in_scope, sites_of));
        }
    }
    if let Some(site) = site {
        let this_site =
            Expr::col((client_sites::Entity, client_sites::Column::SiteId)).eq(site.as_uuid());
        filters = filters.add(has_site_where(this_site, sites_of));
    }
    if let Some(banned) = query.banned {
        filters = filters.add(clients::Column::Banned.eq(banned));
    }
    if let Some(has_account) = query.has_account {
        filters = filters.add(clients::Column::HasAccount.eq(has_account));
    }
    if let Some(activity) = query.activity {
        filters = filters.add(activity_condition(activity));
    }
    let select = clients::Entity::find().filter(clients::Column::BusinessId.eq(business.as_uuid()));
    Some(match filters.is_empty() {
        true => Filtered::Unfiltered(select),
        false => Filtered::Filtered(select.filter(filters)),
    })
}

#[cfg(test)]
mod tests {
    use sea_orm::QueryTrait;
    use sea_orm::sea_query::SqliteQueryBuilder;
    use uuid::Uuid;

    use clientele_domain::ClientSort;

    use super::*;

    fn label(n: u128) -> LabelId {
        LabelId::from_uuid(Uuid::from_u128(n))
    }

    fn everyone() -> ClientQuery {
        ClientQuery::unfiltered(SiteScope::All, ClientSort::LastName, 50)
    }

    fn filtered(query: &ClientQuery) -> Option<Filtered> {
        let business = BusinessId::from_uuid(Uuid::from_u128(1));
        filtered_clients(
            business,
            query,
            query.labels.as_ref(),
            query.site,
            Owner::Client,
        )
    }

    #[test]
    fn cl_10_all_of_probes_each_label_once_in_order_and_any_of_nothing_matches_nobody() {
        let all = label_condition(&LabelFilter::AllOf(vec![label(2), label(1), label(2)]));
        let sql = Query::select()
            .expr(Expr::val(1))
            .cond_where(all.unwrap())
            .to_string(SqliteQueryBuilder);
        let probes: Vec<&str> = sql.matches("\"label_id\" IN ").collect();
        assert_eq!(probes.len(), 2);
        let (first, second) = (
            sql.find(&label(1).as_uuid().to_string()).unwrap(),
            sql.find(&label(2).as_uuid().to_string()).unwrap(),
        );
        assert!(first < second);
        assert!(label_condition(&LabelFilter::AnyOf(Vec::new())).is_none());
        let everyone = label_condition(&LabelFilter::AllOf(Vec::new())).unwrap();
        assert!(everyone.is_empty());
    }

    #[test]
    fn a_list_without_filters_is_unfiltered_and_one_nobody_can_pass_is_none() {
        assert!(matches!(
            filtered(&everyone()),
            Some(Filtered::Unfiltered(_))
        ));
        let nowhere = ClientQuery {
            scope: SiteScope::Only(Vec::new()),
            ..everyone()
        };
        assert!(filtered(&nowhere).is_none());
        let no_label = ClientQuery {
            labels: Some(LabelFilter::AnyOf(Vec::new())),
            ..everyone()
        };
        assert!(filtered(&no_label).is_none());
    }

    #[test]
    fn cl_10_each_filter_makes_the_list_filtered() {
        let site = SiteId::from_uuid(Uuid::from_u128(5));
        let queries = [
            ClientQuery {
                banned: Some(false),
                ..everyone()
            },
            ClientQuery {
                has_account: Some(true),
                ..everyone()
            },
            ClientQuery {
                site: Some(site),
                ..everyone()
            },
            ClientQuery {
                scope: SiteScope::Only(vec![site]),
                ..everyone()
            },
            ClientQuery {
                labels: Some(LabelFilter::AnyOf(vec![label(1)])),
                ..everyone()
            },
        ];
        let Some(Filtered::Unfiltered(all)) = filtered(&everyone()) else {
            panic!("a list without filters is unfiltered");
        };
        let unfiltered = all.build(sea_orm::DbBackend::Sqlite).to_string();
        for query in &queries {
            let Some(Filtered::Filtered(select)) = filtered(query) else {
                panic!("{query:?} is not filtered");
            };
            let sql = select.build(sea_orm::DbBackend::Sqlite).to_string();
            assert!(sql.starts_with(&unfiltered), "{sql}");
            assert!(sql.len() > unfiltered.len() + " AND ".len(), "{sql}");
        }
    }
}
