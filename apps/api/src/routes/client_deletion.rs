//! Deleting a selection of clients for good (CL-21), with an outcome per client. One
//! client is deleted by `DELETE /v1/clients/{id}` (`clients.rs`: poem routes a path from
//! one place).

use poem_openapi::payload::Json;
use poem_openapi::{Enum, Object, OpenApi};
use uuid::Uuid;

use clientele_application::Clientele;
use clientele_application::client_deletion::DeletionOutcome;
use clientele_domain::ClientId;
use clientele_domain::client_deletion::Blocker;

use super::ApiTags;
use crate::problem::Problems;
use crate::problem::can::*;
use crate::security::StaffToken;

/// Clients to delete.
#[derive(Debug, Object)]
#[oai(deny_unknown_fields)]
pub struct DeletionParams {
    /// 1 to 500 clients; an id named twice counts once.
    pub client_ids: Vec<Uuid>,
}

#[derive(Debug, Clone, Copy, Enum)]
#[oai(rename_all = "snake_case")]
pub enum BlockerKind {
    Code,
    Membership,
}

/// Something of value the client still holds.
#[derive(Debug, Object)]
pub struct BlockerView {
    pub kind: BlockerKind,
    /// The code's or the membership's id.
    pub id: Uuid,
    pub description: String,
}

impl From<&Blocker> for BlockerView {
    fn from(b: &Blocker) -> Self {
        let (kind, id) = match b {
            Blocker::Code { id, .. } => (BlockerKind::Code, id.as_uuid()),
            Blocker::Membership { id, .. } => (BlockerKind::Membership, id.as_uuid()),
        };
        Self {
            kind,
            id,
            description: b.describe(),
        }
    }
}

#[derive(Debug, Clone, Copy, Enum)]
#[oai(rename_all = "snake_case")]
pub enum DeletionOutcomeKind {
    Deleted,
    /// Not deleted: `blockers` says why.
    Blocked,
    /// No such client (or already deleted, or at a site you do not see).
    NotFound,
}

/// What became of one client.
#[derive(Debug, Object)]
pub struct DeletionOutcomeView {
    pub client_id: Uuid,
    pub outcome: DeletionOutcomeKind,
    /// What stops the deletion; empty unless `blocked`.
    pub blockers: Vec<BlockerView>,
}

/// The outcome for each client, in the order named.
#[derive(Debug, Object)]
pub struct DeletionReport {
    pub items: Vec<DeletionOutcomeView>,
}

pub struct ClientDeletionApi {
    pub app: Clientele,
}

#[OpenApi(prefix_path = "/v1", tag = "ApiTags::Clients")]
impl ClientDeletionApi {
    /// Delete several clients (owner, admin; CL-21), e.g. the inactive ones a filter
    /// found: each is deleted or not on its own, and the answer says, per client, whether
    /// it was deleted, blocked (and by what), or not found.
    #[oai(
        path = "/client-deletions",
        method = "post",
        operation_id = "delete_clients"
    )]
    async fn delete_many(
        &self,
        auth: StaffToken,
        body: Json<DeletionParams>,
    ) -> Result<
        Json<DeletionReport>,
        Problems<{ MALFORM | UNAUTHENTICATE | FORBID | TAKE_BODY | BREAK_RULE }>,
    > {
        let actor = auth.actor(&self.app).await?;
        let ids: Vec<ClientId> = body
            .0
            .client_ids
            .iter()
            .copied()
            .map(ClientId::from_uuid)
            .collect();
        let outcomes = self.app.delete_clients(&actor, &ids).await?;
        let items = outcomes
            .iter()
            .map(|(id, outcome)| {
                let (outcome, blockers) = match outcome {
                    DeletionOutcome::Deleted => (DeletionOutcomeKind::Deleted, Vec::new()),
                    DeletionOutcome::NotFound => (DeletionOutcomeKind::NotFound, Vec::new()),
                    DeletionOutcome::Blocked(b) => (
                        DeletionOutcomeKind::Blocked,
                        b.iter().map(Into::into).collect(),
                    ),
                };
                DeletionOutcomeView {
                    client_id: id.as_uuid(),
                    outcome,
                    blockers,
                }
            })
            .collect();
        Ok(Json(DeletionReport { items }))
    }
}
