//! CL-19: duplicate suggestions, for one client (its profile) and for the whole list (a
//! review queue), and the pairs staff say are not one person.
//!
//! A client's suggestions come from its blocks (`client_duplicate::Block`), each one
//! index range read at most [`BLOCK_LIMIT`] deep, never from comparing all pairs. The
//! review queue walks the client list in name order, a page of clients at a time, and
//! names each pair once: when it reaches the client of the pair with the lower id.

use std::collections::HashSet;

use clientele_domain::client_duplicate::{DuplicateKeys, DuplicateReason, compare};
use clientele_domain::{Actor, Client, ClientId, ClientSort, ClientSortKey, PageLimit};
use clientele_ports::Transaction;
use clientele_ports::storage::ClientQuery;

use crate::access::visible_client;
use crate::clients::ClientError;
use crate::cursor::{ForeignCursor, Listing};
use crate::{Clientele, Page};

/// How deep one block is read. A block larger than this (the "Marie Martin"s of a large
/// register) is common enough that its members are weak suggestions anyway.
const BLOCK_LIMIT: u32 = 500;

/// The most suggestions for one client, the likeliest first.
pub const MAX_SUGGESTIONS: usize = 20;

/// A client that may be the same person as another, how likely (1 to 99) and why.
#[derive(Debug, Clone)]
pub struct Suggestion {
    pub client: Client,
    pub score: u8,
    pub reasons: Vec<DuplicateReason>,
}

/// Two clients that may be one person.
#[derive(Debug, Clone)]
pub struct DuplicatePair {
    pub client: Client,
    pub other: Suggestion,
}

impl Clientele {
    /// CL-19: the clients the caller sees that may be the same person as `id`, the
    /// likeliest first (ties by id), without those said not to be.
    pub async fn duplicate_suggestions(
        &self,
        actor: &Actor,
        id: ClientId,
    ) -> Result<Vec<Suggestion>, ClientError> {
        let mut tx = self.storage.read().await?;
        let client = visible_client(tx.as_mut(), actor, id).await?;
        suggestions(tx.as_mut(), actor, &client, |_| true).await
    }

    /// CL-19: the review queue: the pairs of likely duplicates among the clients the
    /// caller sees, found from `limit` clients of the list (in name order) per page; a
    /// page may hold no pair and still have a next one. Each pair comes once, on the
    /// page of its client with the lower id.
    pub async fn duplicate_pairs(
        &self,
        actor: &Actor,
        cursor: Option<&str>,
        limit: PageLimit,
    ) -> Result<Page<DuplicatePair>, ClientError> {
        let listing = Listing::of(actor.business_id, "client_duplicates");
        let after = self.cursors.decode_opt::<ClientSortKey>(&listing, cursor)?;
        let sort = ClientSort::LastName;
        if after.as_ref().is_some_and(|key| !sort.accepts(key)) {
            return Err(ForeignCursor.into());
        }
        let mut tx = self.storage.read().await?;
        let mut query = ClientQuery::unfiltered(actor.scope.clone(), sort, limit.get() + 1);
        query.after = after;
        let scanned = tx.clients(actor.business_id, &query).await?;
        let page = self
            .cursors
            .paginate(&listing, scanned, limit.get(), |c| sort.key_of(c));
        let mut pairs = Vec::new();
        for client in page.items {
            let mine = client.id();
            let found = suggestions(tx.as_mut(), actor, &client, |other| other > mine).await?;
            pairs.extend(found.into_iter().map(|other| DuplicatePair {
                client: client.clone(),
                other,
            }));
        }
        pairs.sort_by_key(|p| std::cmp::Reverse(p.other.score));
        Ok(Page {
            items: pairs,
            next_cursor: page.next_cursor,
        })
    }

    /// CL-19: remembers that `id` and `other` are not one person: the pair is not
    /// suggested again. Saying it twice changes nothing.
    pub async fn dismiss_duplicate(
        &self,
        actor: &Actor,
        id: ClientId,
        other: ClientId,
    ) -> Result<(), ClientError> {
        let mut tx = self.pair(actor, id, other).await?;
        tx.dismiss_duplicate(actor.business_id, id, other, self.clock.now())
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// CL-19: takes back a "not the same person": the pair may be suggested again.
    pub async fn undismiss_duplicate(
        &self,
        actor: &Actor,
        id: ClientId,
        other: ClientId,
    ) -> Result<(), ClientError> {
        let mut tx = self.pair(actor, id, other).await?;
        tx.undismiss_duplicate(actor.business_id, id, other).await?;
        tx.commit().await?;
        Ok(())
    }

    /// A writing transaction, once both clients are ones the caller sees and not one.
    async fn pair(
        &self,
        actor: &Actor,
        id: ClientId,
        other: ClientId,
    ) -> Result<Box<dyn Transaction>, ClientError> {
        if id == other {
            return Err(clientele_domain::ValidationErrors::single(
                "other_id",
                "a client is always the same person as itself",
            )
            .into());
        }
        let mut tx = self.storage.begin().await?;
        visible_client(tx.as_mut(), actor, id).await?;
        visible_client(tx.as_mut(), actor, other).await?;
        Ok(tx)
    }
}

/// `client`'s suggestions among the clients `wanted` accepts and the caller sees.
async fn suggestions(
    tx: &mut dyn Transaction,
    actor: &Actor,
    client: &Client,
    wanted: impl Fn(ClientId) -> bool,
) -> Result<Vec<Suggestion>, ClientError> {
    let business = actor.business_id;
    let keys = DuplicateKeys::of(client);
    let dismissed: HashSet<ClientId> = (tx.dismissed_duplicates(business, client.id()).await?)
        .into_iter()
        .collect();
    let mut seen = HashSet::from([client.id()]);
    let mut likely = Vec::new();
    for block in keys.blocks() {
        for candidate in tx
            .duplicate_candidates(business, &block, BLOCK_LIMIT)
            .await?
        {
            if !seen.insert(candidate.id) || dismissed.contains(&candidate.id) {
                continue;
            }
            if wanted(candidate.id)
                && let Some(likeness) = compare(&keys, &candidate)
            {
                likely.push((candidate.id, likeness));
            }
        }
    }
    likely.sort_by(|(a, x), (b, y)| y.score.cmp(&x.score).then(a.cmp(b)));
    let mut found = Vec::new();
    for (id, likeness) in likely {
        if found.len() == MAX_SUGGESTIONS {
            break;
        }
        match tx.client(business, id).await? {
            Some(other) if actor.scope.sees_any(other.sites()) => found.push(Suggestion {
                client: other,
                score: likeness.score,
                reasons: likeness.reasons,
            }),
            _ => {}
        }
    }
    Ok(found)
}
