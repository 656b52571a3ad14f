//! The memberships list of `MembershipRepository` (ME-18): filters, newest first with
//! keyset pagination on the id (time-ordered), each membership joined to its client and
//! type; and the quick views' counts, each the count of the list's own filter for it so
//! that a count and its list never disagree.

use chrono::NaiveDate;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, FromQueryResult, PaginatorTrait,
    QueryFilter, QueryOrder, QueryResult, QuerySelect, QueryTrait,
};

use clientele_domain::membership::{Membership, MembershipTypeName};
use clientele_domain::{BusinessId, ClientId, MembershipId};
use clientele_ports::StorageError;
use clientele_ports::storage::{
    DateRange, MembershipLine, MembershipQuery, QuickView, QuickViewCounts, StatusFilter,
};

use super::conversions::{corrupt, instant};
use super::entities::{clients, membership_types, memberships};
use super::joins::join_in_business;
use super::{SeaTransaction, unexpected};

/// The joined columns of a line of the list, beside the membership's own.
const CLIENT_FIRST_NAME: &str = "line_client_first_name";
const CLIENT_LAST_NAME: &str = "line_client_last_name";
const TYPE_NAME: &str = "line_type_name";

/// The memberships of `filter`'s status (ME-18, and the client list's CL-10).
pub(crate) fn status(filter: StatusFilter) -> Condition {
    use memberships::Column as M;
    let named = |name: &str| Condition::all().add(M::Status.eq(name));
    match filter {
        StatusFilter::Active => named("active"),
        StatusFilter::Cancelled => named("cancelled"),
        StatusFilter::Expired => named("expired"),
        StatusFilter::NeedsAttention(None) => named("needs_attention"),
        StatusFilter::NeedsAttention(Some(reason)) => {
            named("needs_attention").add(M::AttentionReason.eq(reason.as_str()))
        }
        StatusFilter::Open => Condition::all().add(M::Status.is_in(["active", "needs_attention"])),
    }
}

/// `column` within `range`, both bounds included.
fn within(column: memberships::Column, range: DateRange) -> Condition {
    let mut condition = Condition::all();
    if let Some(from) = range.from {
        condition = condition.add(column.gte(from));
    }
    if let Some(to) = range.to {
        condition = condition.add(column.lte(to));
    }
    condition
}

/// The business's memberships that `query` asks for.
fn filtered(business: BusinessId, query: &MembershipQuery) -> sea_orm::Select<memberships::Entity> {
    use memberships::Column as M;
    let mut select = memberships::Entity::find().filter(M::BusinessId.eq(business.as_uuid()));
    if let Some(filter) = query.status {
        select = select.filter(status(filter));
    }
    if let Some(kind) = query.type_id {
        select = select.filter(M::TypeId.eq(kind.as_uuid()));
    }
    if let Some(client) = query.client {
        select = select.filter(M::ClientId.eq(client.as_uuid()));
    }
    if let Some(from) = query.created_from {
        select = select.filter(M::CreatedAt.gte(instant(from)));
    }
    if let Some(before) = query.created_before {
        select = select.filter(M::CreatedAt.lt(instant(before)));
    }
    if !query.ends.is_open() {
        select = select.filter(within(M::EndDate, query.ends));
    }
    if !query.next_billing.is_open() {
        select = select.filter(within(M::NextBillingDate, query.next_billing));
    }
    if let Some(day) = query.not_paused_on {
        // ME-20: paused on `day` is `day < paused_until`.
        select = select.filter(
            Condition::any()
                .add(M::PausedUntil.is_null())
                .add(M::PausedUntil.lte(day)),
        );
    }
    select
}

fn line(row: &QueryResult) -> Result<MembershipLine, StorageError> {
    let model = memberships::Model::from_query_result(row, "").map_err(unexpected)?;
    let created_at = model.created_at;
    let membership = Membership::try_from(model)?;
    let type_name: String = row.try_get("", TYPE_NAME).map_err(unexpected)?;
    Ok(MembershipLine {
        membership,
        created_at,
        client_first_name: row.try_get("", CLIENT_FIRST_NAME).map_err(unexpected)?,
        client_last_name: row.try_get("", CLIENT_LAST_NAME).map_err(unexpected)?,
        type_name: MembershipTypeName::parse(&type_name)
            .map_err(|e| corrupt("membership_types", "name", e))?,
    })
}

impl SeaTransaction {
    pub(super) async fn membership_lines(
        &self,
        business: BusinessId,
        query: &MembershipQuery,
        after: Option<MembershipId>,
        limit: u32,
    ) -> Result<Vec<MembershipLine>, StorageError> {
        let mut select = filtered(business, query);
        if let Some(after) = after {
            select = select.filter(memberships::Column::Id.lt(after.as_uuid()));
        }
        self.joined_lines(select.limit(u64::from(limit))).await
    }

    /// CL-16: every membership of `clients`, newest first.
    pub(super) async fn membership_lines_of_clients(
        &self,
        business: BusinessId,
        clients: &[ClientId],
    ) -> Result<Vec<MembershipLine>, StorageError> {
        if clients.is_empty() {
            return Ok(Vec::new());
        }
        let select = memberships::Entity::find()
            .filter(memberships::Column::BusinessId.eq(business.as_uuid()))
            .filter(memberships::Column::ClientId.is_in(clients.iter().map(|c| c.as_uuid())));
        self.joined_lines(select).await
    }

    /// The memberships of `select`, newest first, each joined to its client and type.
    async fn joined_lines(
        &self,
        mut select: sea_orm::Select<memberships::Entity>,
    ) -> Result<Vec<MembershipLine>, StorageError> {
        join_in_business(
            &mut select,
            (
                memberships::Column::BusinessId,
                memberships::Column::ClientId,
            ),
            clients::Entity,
            (clients::Column::BusinessId, clients::Column::Id),
        );
        join_in_business(
            &mut select,
            (memberships::Column::BusinessId, memberships::Column::TypeId),
            membership_types::Entity,
            (
                membership_types::Column::BusinessId,
                membership_types::Column::Id,
            ),
        );
        let select = select
            .expr_as(
                Expr::col((clients::Entity, clients::Column::FirstName)),
                CLIENT_FIRST_NAME,
            )
            .expr_as(
                Expr::col((clients::Entity, clients::Column::LastName)),
                CLIENT_LAST_NAME,
            )
            .expr_as(
                Expr::col((membership_types::Entity, membership_types::Column::Name)),
                TYPE_NAME,
            )
            .order_by_desc(memberships::Column::Id);
        let statement = select.build(self.txn.get_database_backend());
        self.txn
            .query_all_raw(statement)
            .await
            .map_err(unexpected)?
            .iter()
            .map(line)
            .collect()
    }

    pub(super) async fn quick_view_counts(
        &self,
        business: BusinessId,
        today: NaiveDate,
        horizon: NaiveDate,
    ) -> Result<QuickViewCounts, StorageError> {
        let count = |view| {
            let query = MembershipQuery::quick_view(view, today, horizon);
            filtered(business, &query).count(&self.txn)
        };
        Ok(QuickViewCounts {
            needs_mandate: count(QuickView::NeedsMandate).await.map_err(unexpected)?,
            payment_failed: count(QuickView::PaymentFailed).await.map_err(unexpected)?,
            ending_soon: count(QuickView::EndingSoon).await.map_err(unexpected)?,
            payment_due_soon: count(QuickView::PaymentDueSoon).await.map_err(unexpected)?,
        })
    }
}
