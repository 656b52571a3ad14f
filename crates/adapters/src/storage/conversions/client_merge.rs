//! `client_merges` and `client_merge_absorbed` rows ↔ [`ClientMerge`]. What the merge
//! added to the kept profile is a JSON object (`added`).

use chrono::NaiveDate;
use sea_orm::ActiveValue::Set;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use clientele_domain::client_merge::{Added, ClientMerge};
use clientele_domain::{BusinessId, ClientId, MergeId, StaffId};
use clientele_ports::StorageError;

use super::{corrupt, instant};
use crate::storage::entities::{client_merge_absorbed, client_merges};

const T: &str = "client_merges";

/// [`Added`] as stored.
#[derive(Serialize, Deserialize)]
struct AddedJson {
    sites: Vec<Uuid>,
    labels: Vec<Uuid>,
    custom_fields: Vec<Uuid>,
    notes: bool,
    banned: bool,
    client_since: Option<NaiveDate>,
}

pub(crate) fn client_merge_row(
    merge: &ClientMerge,
) -> Result<client_merges::ActiveModel, StorageError> {
    let added = &merge.added;
    let json = AddedJson {
        sites: added.sites.iter().map(|s| s.as_uuid()).collect(),
        labels: added.labels.iter().map(|l| l.as_uuid()).collect(),
        custom_fields: added.custom_fields.iter().map(|f| f.as_uuid()).collect(),
        notes: added.notes,
        banned: added.banned,
        client_since: added.client_since,
    };
    Ok(client_merges::ActiveModel {
        business_id: Set(merge.business_id.as_uuid()),
        id: Set(merge.id.as_uuid()),
        kept_id: Set(merge.kept_id.as_uuid()),
        staff_id: Set(merge.staff_id.as_uuid()),
        added: Set(serde_json::to_string(&json).map_err(|e| corrupt(T, "added", e))?),
        created_at: Set(instant(merge.at)),
        undone_at: Set(merge.undone_at.map(instant)),
    })
}

/// The merge of `row` with the profiles it absorbed (`absorbed`, in any order).
pub(crate) fn client_merge(
    row: client_merges::Model,
    mut absorbed: Vec<client_merge_absorbed::Model>,
) -> Result<ClientMerge, StorageError> {
    let json: AddedJson = serde_json::from_str(&row.added).map_err(|e| corrupt(T, "added", e))?;
    absorbed.sort_by_key(|a| a.position);
    Ok(ClientMerge {
        id: MergeId::from_uuid(row.id),
        business_id: BusinessId::from_uuid(row.business_id),
        kept_id: ClientId::from_uuid(row.kept_id),
        absorbed_ids: absorbed
            .iter()
            .map(|a| ClientId::from_uuid(a.client_id))
            .collect(),
        added: Added {
            sites: json.sites.into_iter().map(Into::into).collect(),
            labels: json.labels.into_iter().map(Into::into).collect(),
            custom_fields: json.custom_fields.into_iter().map(Into::into).collect(),
            notes: json.notes,
            banned: json.banned,
            client_since: json.client_since,
        },
        staff_id: StaffId::from_uuid(row.staff_id),
        at: row.created_at,
        undone_at: row.undone_at,
    })
}
