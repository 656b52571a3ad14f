//! ME-11: a membership's history: each field changed by staff or by its client, with who
//! and when, written in the transaction of the change.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use clientele_domain::membership::{ChangedBy, Membership, MembershipAudit};
use clientele_domain::{Actor, AuditId, MembershipId, PageLimit};
use clientele_ports::{StorageError, Transaction};

use crate::cursor::Listing;
use crate::memberships::{MembershipError, visible_membership};
use crate::webhook_events::Resource;
use crate::{Clientele, Page};
use clientele_domain::webhook::EventType;

const HISTORY: &str = "membership_history";

impl Clientele {
    /// Records in `tx` what changed from `before` to `after`, by `by`.
    pub(crate) async fn audit_membership(
        &self,
        tx: &mut dyn Transaction,
        before: &Membership,
        after: &Membership,
        by: ChangedBy,
    ) -> Result<(), StorageError> {
        let at = self.clock.now();
        let entries: Vec<MembershipAudit> = after
            .changes_since(before)
            .into_iter()
            .map(|change| MembershipAudit {
                id: AuditId::from_uuid(self.ids.new_id()),
                business_id: after.business_id(),
                membership_id: after.id(),
                by,
                at,
                change,
            })
            .collect();
        tx.record_membership_audit(&entries).await?;
        if after.status() != before.status() {
            let resource = Resource::Membership(after);
            let kind = EventType::MembershipStatusChanged;
            self.emit(tx, after.business_id(), kind, resource).await?;
        }
        Ok(())
    }

    /// ME-11: a membership's history, newest first, if its client is one the actor sees.
    pub async fn membership_history(
        &self,
        actor: &Actor,
        id: MembershipId,
        limit: PageLimit,
        cursor: Option<&str>,
    ) -> Result<Page<MembershipAudit>, MembershipError> {
        let listing = Listing::of(actor.business_id, HISTORY).with("membership", id);
        let after: Option<(DateTime<Utc>, Uuid)> = self.cursors.decode_opt(&listing, cursor)?;
        let mut tx = self.storage.read().await?;
        visible_membership(tx.as_mut(), actor, id).await?;
        let after = after.map(|(at, entry)| (at, AuditId::from_uuid(entry)));
        let rows = tx
            .membership_audit(actor.business_id, id, after, limit.get() + 1)
            .await?;
        Ok(self.cursors.paginate(&listing, rows, limit.get(), |entry| {
            (entry.at, entry.id.as_uuid())
        }))
    }
}
