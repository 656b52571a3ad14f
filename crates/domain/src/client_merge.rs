//! CL-17, CL-23: merging duplicate profiles into the one staff keep, and undoing it.
//!
//! The kept profile keeps its name and contact details; the sites and labels of the
//! absorbed profiles are added to it, and what it lacks (a custom field's value, client
//! notes, an earlier "client since" day, a ban) is taken from them. What the merge added
//! is remembered ([`Added`]), so that undoing it takes exactly that off again; the
//! records (appointments, codes, …) each remember which profile they came from, which
//! storage keeps. A merge can be undone for [`UNDO_DAYS`] days, once.

use chrono::{DateTime, NaiveDate, TimeDelta, Utc};
use thiserror::Error;

use crate::{
    BusinessId, Client, ClientId, CustomFieldId, LabelId, MergeId, SiteId, StaffId,
    ValidationErrors,
};

/// Profiles absorbed by one merge at most.
pub const MAX_ABSORBED: usize = 20;
/// CL-23: days during which a merge can be undone.
pub const UNDO_DAYS: i64 = 30;

/// The profiles to absorb into `kept`, checked: one to [`MAX_ABSORBED`], none twice,
/// not `kept` itself.
pub fn absorbed_ids(
    kept: ClientId,
    absorb: &[ClientId],
) -> Result<Vec<ClientId>, ValidationErrors> {
    let refuse = |message: &str| Err(ValidationErrors::single("absorb", message));
    if absorb.is_empty() {
        return refuse("name at least one profile to merge into this one");
    }
    if absorb.len() > MAX_ABSORBED {
        return refuse("at most 20 profiles are merged at once");
    }
    if absorb.contains(&kept) {
        return refuse("a profile cannot be merged into itself");
    }
    let mut ids = absorb.to_vec();
    ids.sort();
    ids.dedup();
    if ids.len() != absorb.len() {
        return refuse("a profile is named twice");
    }
    Ok(absorb.to_vec())
}

/// What a merge added to the kept profile, taken off again by its undoing.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Added {
    pub sites: Vec<SiteId>,
    pub labels: Vec<LabelId>,
    /// Fields whose value came from an absorbed profile.
    pub custom_fields: Vec<CustomFieldId>,
    /// Whether the client notes came from an absorbed profile.
    pub notes: bool,
    /// Whether the ban came from an absorbed profile.
    pub banned: bool,
    /// The kept profile's "client since" day, if the merge moved it earlier.
    pub client_since: Option<NaiveDate>,
}

/// A merge as recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientMerge {
    pub id: MergeId,
    pub business_id: BusinessId,
    pub kept_id: ClientId,
    /// In the order staff named them.
    pub absorbed_ids: Vec<ClientId>,
    pub added: Added,
    pub staff_id: StaffId,
    pub at: DateTime<Utc>,
    pub undone_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
pub enum UndoRefused {
    #[error("the merge was already undone")]
    AlreadyUndone,
    #[error("a merge can be undone for 30 days only")]
    TooLate,
}

impl ClientMerge {
    /// The last instant the merge can be undone.
    pub fn undo_until(&self) -> DateTime<Utc> {
        self.at + TimeDelta::days(UNDO_DAYS)
    }

    /// CL-23: marks the merge undone at `now`, if it still can be.
    pub fn undo(&mut self, now: DateTime<Utc>) -> Result<(), UndoRefused> {
        if self.undone_at.is_some() {
            return Err(UndoRefused::AlreadyUndone);
        }
        if now > self.undo_until() {
            return Err(UndoRefused::TooLate);
        }
        self.undone_at = Some(now);
        Ok(())
    }
}

/// CL-17: `kept` with what it takes from `absorbed`, and what it took.
pub fn merged(kept: &Client, absorbed: &[Client], now: DateTime<Utc>) -> (Client, Added) {
    let mut parts = kept.clone().into_parts();
    let mut added = Added::default();
    for other in absorbed {
        for &site in other.sites() {
            if !parts.sites.contains(&site) {
                parts.sites.push(site);
                added.sites.push(site);
            }
        }
        for &label in other.labels() {
            if !parts.labels.contains(&label) {
                parts.labels.push(label);
                added.labels.push(label);
            }
        }
        for (field, value) in other.custom_fields() {
            if !parts.custom_fields.contains_key(field) {
                parts.custom_fields.insert(*field, value.clone());
                added.custom_fields.push(*field);
            }
        }
        if parts.client_notes.is_none() && other.client_notes().is_some() {
            parts.client_notes = other.client_notes().cloned();
            added.notes = true;
        }
        if !parts.banned && other.banned() {
            parts.banned = true;
            added.banned = true;
        }
        if other.client_since() < parts.client_since {
            added.client_since.get_or_insert(kept.client_since());
            parts.client_since = other.client_since();
        }
    }
    parts.sites.sort();
    parts.labels.sort();
    parts.updated_at = now;
    parts.admin_updated_at = now;
    parts.version = parts.version.next();
    (Client::restore(parts), added)
}

/// CL-23: `kept` (as it is now) without what the merge added to it. A site it added is
/// kept if the profile would have none left.
pub fn unmerged(kept: &Client, added: &Added, now: DateTime<Utc>) -> Client {
    let mut parts = kept.clone().into_parts();
    let remaining: Vec<SiteId> = (parts.sites.iter().copied())
        .filter(|site| !added.sites.contains(site))
        .collect();
    if !remaining.is_empty() {
        parts.sites = remaining;
    }
    parts.labels.retain(|label| !added.labels.contains(label));
    for field in &added.custom_fields {
        parts.custom_fields.remove(field);
    }
    if added.notes {
        parts.client_notes = None;
    }
    if added.banned {
        parts.banned = false;
    }
    if let Some(day) = added.client_since {
        parts.client_since = day;
    }
    parts.updated_at = now;
    parts.admin_updated_at = now;
    parts.version = parts.version.next();
    Client::restore(parts)
}

#[cfg(test)]
#[path = "client_merge_tests.rs"]
mod tests;
