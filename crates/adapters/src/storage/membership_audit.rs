//! ME-11: memberships' history (`membership_audit`), for `MembershipRepository`.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

use clientele_domain::membership::MembershipAudit;
use clientele_domain::{AuditId, BusinessId, MembershipId};
use clientele_ports::StorageError;

use super::conversions::{instant, membership_audit_row};
use super::entities::membership_audit;
use super::keyset::after_descending;
use super::{SeaTransaction, unexpected, unique_violation};

impl SeaTransaction {
    pub(super) async fn record_audit(
        &self,
        entries: &[MembershipAudit],
    ) -> Result<(), StorageError> {
        if entries.is_empty() {
            return Ok(());
        }
        let insert =
            membership_audit::Entity::insert_many(entries.iter().map(membership_audit_row));
        self.guarded(&insert)
            .await
            .map_err(|err| match unique_violation(&err) {
                Some(_) => StorageError::Duplicate("membership_audit"),
                None => unexpected(err),
            })?;
        Ok(())
    }

    pub(super) async fn audit_of(
        &self,
        business: BusinessId,
        membership: MembershipId,
        after: Option<(DateTime<Utc>, AuditId)>,
        limit: u32,
    ) -> Result<Vec<MembershipAudit>, StorageError> {
        use membership_audit::Column as A;
        let mut select = membership_audit::Entity::find()
            .filter(A::BusinessId.eq(business.as_uuid()))
            .filter(A::MembershipId.eq(membership.as_uuid()));
        if let Some((at, id)) = after {
            select = select.filter(after_descending(
                [Expr::col(A::At), Expr::col(A::Id)],
                (instant(at), id.as_uuid()),
            ));
        }
        select
            .order_by_desc(A::At)
            .order_by_desc(A::Id)
            .limit(u64::from(limit))
            .all(&self.txn)
            .await
            .map_err(unexpected)?
            .into_iter()
            .map(MembershipAudit::try_from)
            .collect()
    }
}
