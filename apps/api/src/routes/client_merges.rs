//! Merging duplicate profiles (CL-17) and undoing a merge within 30 days (CL-23).

use chrono::{DateTime, Utc};
use poem_openapi::param::Path;
use poem_openapi::payload::Json;
use poem_openapi::{Object, OpenApi};
use uuid::Uuid;

use clientele_application::Clientele;
use clientele_application::client_merges::MergeOutcome;
use clientele_domain::client_merge::ClientMerge;
use clientele_domain::{ClientId, MergeId, Version};

use super::ApiTags;
use super::clients::ClientView;
use crate::problem::Problems;
use crate::problem::can::*;
use crate::security::StaffToken;

/// Profiles to merge into this one.
#[derive(Debug, Object)]
#[oai(deny_unknown_fields, example)]
pub struct MergeParams {
    /// The kept profile's version (PL-11).
    pub version: i64,
    /// The duplicates to absorb (1 to 20): their records move to the kept profile, they
    /// leave the list, and their ids then lead to it.
    pub absorb: Vec<Uuid>,
}

impl poem_openapi::types::Example for MergeParams {
    fn example() -> Self {
        Self {
            version: 3,
            absorb: vec![Uuid::nil()],
        }
    }
}

/// A merge of profiles.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct ClientMergeView {
    pub id: Uuid,
    /// The profile kept.
    pub kept_id: Uuid,
    /// The profiles absorbed, in the order they were named.
    pub absorbed_ids: Vec<Uuid>,
    /// The staff member who merged.
    pub staff_id: Uuid,
    pub merged_at: DateTime<Utc>,
    /// Until when it can be undone (CL-23).
    pub undo_until: DateTime<Utc>,
    /// When it was undone, if it was.
    pub undone_at: Option<DateTime<Utc>>,
}

impl From<&ClientMerge> for ClientMergeView {
    fn from(m: &ClientMerge) -> Self {
        Self {
            id: m.id.as_uuid(),
            kept_id: m.kept_id.as_uuid(),
            absorbed_ids: m.absorbed_ids.iter().map(ClientId::as_uuid).collect(),
            staff_id: m.staff_id.as_uuid(),
            merged_at: m.at,
            undo_until: m.undo_until(),
            undone_at: m.undone_at,
        }
    }
}

/// A merge, and the kept profile after it (or after its undoing).
#[derive(Debug, Object)]
pub struct MergeOutcomeView {
    pub merge: ClientMergeView,
    pub kept: ClientView,
}

impl From<&MergeOutcome> for MergeOutcomeView {
    fn from(o: &MergeOutcome) -> Self {
        Self {
            merge: (&o.merge).into(),
            kept: (&o.kept).into(),
        }
    }
}

pub struct ClientMergesApi {
    pub app: Clientele,
}

#[OpenApi(prefix_path = "/v1", tag = "ApiTags::Clients")]
impl ClientMergesApi {
    /// Merge duplicates into this profile (CL-17), in one transaction: it keeps its name
    /// and contact details, takes the sites and labels of the others and what it lacks
    /// (custom values, client notes, an earlier "client since", a ban), and every record
    /// of theirs (appointments, codes, orders, memberships, payments, notes, documents,
    /// consent history, audit) moves to it. The absorbed ids then answer with a pointer
    /// to it. Audited; can be undone for 30 days.
    #[oai(
        path = "/clients/:id/merge",
        method = "post",
        operation_id = "merge_clients"
    )]
    async fn merge(
        &self,
        auth: StaffToken,
        id: Path<Uuid>,
        body: Json<MergeParams>,
    ) -> Result<
        Json<MergeOutcomeView>,
        Problems<{ MALFORM | UNAUTHENTICATE | MISS | CONFLICT | TAKE_BODY | BREAK_RULE }>,
    > {
        let actor = auth.actor(&self.app).await?;
        let absorb: Vec<ClientId> = body
            .0
            .absorb
            .iter()
            .copied()
            .map(ClientId::from_uuid)
            .collect();
        let outcome = self
            .app
            .merge_clients(
                &actor,
                ClientId::from_uuid(id.0),
                Version::new(body.0.version),
                &absorb,
            )
            .await?;
        Ok(Json((&outcome).into()))
    }

    /// A merge (CL-17).
    #[oai(
        path = "/client-merges/:id",
        method = "get",
        operation_id = "get_client_merge"
    )]
    async fn get(
        &self,
        auth: StaffToken,
        id: Path<Uuid>,
    ) -> Result<Json<ClientMergeView>, Problems<{ MALFORM | UNAUTHENTICATE | MISS }>> {
        let actor = auth.actor(&self.app).await?;
        let merge = self
            .app
            .client_merge(&actor, MergeId::from_uuid(id.0))
            .await?;
        Ok(Json((&merge).into()))
    }

    /// Undo a merge (CL-23), within 30 days and once: each absorbed profile comes back
    /// with exactly the records it brought; records that reached the kept profile after
    /// the merge stay with it, and it loses what the merge gave it. Audited.
    #[oai(
        path = "/client-merges/:id/undo",
        method = "post",
        operation_id = "undo_client_merge"
    )]
    async fn undo(
        &self,
        auth: StaffToken,
        id: Path<Uuid>,
    ) -> Result<Json<MergeOutcomeView>, Problems<{ MALFORM | UNAUTHENTICATE | MISS | CONFLICT }>>
    {
        let actor = auth.actor(&self.app).await?;
        let outcome = self
            .app
            .undo_client_merge(&actor, MergeId::from_uuid(id.0))
            .await?;
        Ok(Json((&outcome).into()))
    }
}
