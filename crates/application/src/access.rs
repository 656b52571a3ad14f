//! Who may see and use what (PL-13, PL-14, PL-26): the one place where a use case asks
//! whether the actor may see a record or use a site. Every use case that reads or changes
//! a client, an appointment or a site's clients goes through here; the use-case modules
//! never ask each other.
//!
//! A record the actor may not see is answered exactly as an absent one, so that a member
//! limited to some sites cannot learn that a client or an appointment of another site
//! exists. A site the actor names but may not use is refused as such: the actor named it,
//! so nothing is revealed.
//!
//! This module must not import any other use-case module: they all import it.

use thiserror::Error;

use clientele_domain::appointment::Appointment;
use clientele_domain::code::Code;
use clientele_domain::{
    Actor, AppointmentId, Business, Client, ClientId, CodeId, FieldError, LabelId, SiteId,
    SiteScope, ValidationErrors,
};
use clientele_ports::{StorageError, Transaction};

use crate::error::{Classify, ErrorKind};

/// Why the actor cannot reach what they asked for.
#[derive(Debug, Error)]
pub enum AccessError {
    /// Absent from the actor's business, or of no site the actor may see.
    #[error("the client does not exist")]
    ClientNotFound,
    /// Absent from the actor's business, or at a site the actor may not see.
    #[error("the appointment does not exist")]
    AppointmentNotFound,
    /// Absent from the actor's business, or held by a client the actor may not see.
    #[error("the code does not exist")]
    CodeNotFound,
    /// A list of the whole business (its orders, a product's codes) asked by a member
    /// who does not see every site: it would name clients of the others.
    #[error("you do not see every site: {0}")]
    WholeBusiness(&'static str),
    #[error("you have no access to site {0}")]
    SiteOutOfScope(SiteId),
    #[error("there is no site to put the client in: name one in `sites`")]
    NoDefaultSite,
    /// Sites or labels named in the request that the business does not have.
    #[error(transparent)]
    Unknown(ValidationErrors),
    #[error(transparent)]
    Storage(#[from] StorageError),
}

impl Classify for AccessError {
    fn kind(&self) -> ErrorKind {
        match self {
            Self::ClientNotFound | Self::AppointmentNotFound | Self::CodeNotFound => {
                ErrorKind::NotFound
            }
            Self::SiteOutOfScope(_) | Self::WholeBusiness(_) => ErrorKind::Forbidden,
            Self::NoDefaultSite | Self::Unknown(_) => ErrorKind::RuleViolated,
            Self::Storage(StorageError::NotFound) => ErrorKind::NotFound,
            Self::Storage(StorageError::VersionConflict) => ErrorKind::Conflict,
            Self::Storage(_) => ErrorKind::Unexpected,
        }
    }

    fn field_errors(&self) -> &[FieldError] {
        match self {
            Self::Unknown(errors) => &errors.0,
            _ => &[],
        }
    }
}

/// The client, if the actor may see it (PL-14: one of its sites is in the actor's scope).
pub(crate) async fn visible_client(
    tx: &mut dyn Transaction,
    actor: &Actor,
    id: ClientId,
) -> Result<Client, AccessError> {
    match tx.client(actor.business_id, id).await? {
        Some(client) if actor.scope.sees_any(client.sites()) => Ok(client),
        _ => Err(AccessError::ClientNotFound),
    }
}

/// The appointment, if the actor may see it (PL-14: its site is in the actor's scope).
pub(crate) async fn visible_appointment(
    tx: &mut dyn Transaction,
    actor: &Actor,
    id: AppointmentId,
) -> Result<Appointment, AccessError> {
    let found = tx.appointment(actor.business_id, id).await?;
    appointment_in_scope(actor, found)
}

/// The appointment, locked until the transaction ends (a change of money), if the actor
/// may see it.
pub(crate) async fn locked_appointment(
    tx: &mut dyn Transaction,
    actor: &Actor,
    id: AppointmentId,
) -> Result<Appointment, AccessError> {
    let found = tx.appointment_for_update(actor.business_id, id).await?;
    appointment_in_scope(actor, found)
}

fn appointment_in_scope(
    actor: &Actor,
    found: Option<Appointment>,
) -> Result<Appointment, AccessError> {
    match found {
        Some(appointment) if actor.scope.includes(appointment.site_id()) => Ok(appointment),
        _ => Err(AccessError::AppointmentNotFound),
    }
}

/// The code, if the actor may see it: a code of nobody, or of a client the actor may see
/// (PL-14). `lock` locks its row until the transaction ends (a change of its balance).
pub(crate) async fn visible_code(
    tx: &mut dyn Transaction,
    actor: &Actor,
    id: CodeId,
    lock: bool,
) -> Result<Code, AccessError> {
    let found = if lock {
        tx.code_for_update(actor.business_id, id).await?
    } else {
        tx.code(actor.business_id, id).await?
    };
    let code = found.ok_or(AccessError::CodeNotFound)?;
    if let Some(client) = code.client_id() {
        visible_client(tx, actor, client)
            .await
            .map_err(|e| match e {
                AccessError::ClientNotFound => AccessError::CodeNotFound,
                other => other,
            })?;
    }
    Ok(code)
}

/// The most sites a business is checked for in [`require_whole_business`].
const MAX_SITES_CHECKED: u32 = 1000;

/// Refuses a list of the whole business (it names clients of every site) to a member
/// who does not see every site of it (PL-14).
pub(crate) async fn require_whole_business(
    tx: &mut dyn Transaction,
    actor: &Actor,
    what: &'static str,
) -> Result<(), AccessError> {
    let SiteScope::Only(mine) = &actor.scope else {
        return Ok(());
    };
    let all = tx
        .sites(
            actor.business_id,
            &SiteScope::All,
            None,
            MAX_SITES_CHECKED + 1,
        )
        .await?;
    let sees_all = all.len() <= MAX_SITES_CHECKED as usize
        && all.iter().all(|site| mine.binary_search(&site.id).is_ok());
    if sees_all {
        Ok(())
    } else {
        Err(AccessError::WholeBusiness(what))
    }
}

/// Refuses the first of `sites` that is outside the actor's scope.
pub(crate) fn check_sites_in_scope<'a>(
    actor: &Actor,
    sites: impl IntoIterator<Item = &'a SiteId>,
) -> Result<(), AccessError> {
    match sites.into_iter().find(|s| !actor.scope.includes(**s)) {
        Some(site) => Err(AccessError::SiteOutOfScope(*site)),
        None => Ok(()),
    }
}

/// Checks that every one of `sites` is a site of the actor's business.
pub(crate) async fn check_sites_exist(
    tx: &mut dyn Transaction,
    actor: &Actor,
    sites: &[SiteId],
) -> Result<(), AccessError> {
    let missing = tx.missing_sites(actor.business_id, sites).await?;
    if missing.is_empty() {
        Ok(())
    } else {
        Err(AccessError::Unknown(unknown("sites", "site", &missing)))
    }
}

/// Checks that the actor may put a client in every one of `sites`, which must exist.
pub(crate) async fn check_sites_usable(
    tx: &mut dyn Transaction,
    actor: &Actor,
    sites: &[SiteId],
) -> Result<(), AccessError> {
    check_sites_exist(tx, actor, sites).await?;
    check_sites_in_scope(actor, sites)
}

/// Checks that every one of `labels` is a label of the actor's business, as `field`.
pub(crate) async fn check_labels_exist(
    tx: &mut dyn Transaction,
    actor: &Actor,
    labels: &[LabelId],
    field: &str,
) -> Result<(), AccessError> {
    let missing = tx.missing_labels(actor.business_id, labels).await?;
    if missing.is_empty() {
        Ok(())
    } else {
        Err(AccessError::Unknown(unknown(field, "label", &missing)))
    }
}

fn unknown<T: ToString>(field: &str, what: &str, missing: &[T]) -> ValidationErrors {
    let ids: Vec<String> = missing.iter().map(T::to_string).collect();
    ValidationErrors::single(
        field,
        format!("no such {what} in this business: {}", ids.join(", ")),
    )
}

/// The site a client or a booking goes to when none is named: the caller's first site,
/// or the business's first site for an owner.
pub(crate) async fn default_site(
    tx: &mut dyn Transaction,
    actor: &Actor,
) -> Result<SiteId, AccessError> {
    match &actor.scope {
        SiteScope::Only(sites) => sites.first().copied().ok_or(AccessError::NoDefaultSite),
        SiteScope::All => tx
            .first_site(actor.business_id)
            .await?
            .ok_or(AccessError::NoDefaultSite),
    }
}

/// The actor's business: it exists as long as a token of it does.
pub(crate) async fn business_of(
    tx: &mut dyn Transaction,
    actor: &Actor,
) -> Result<Business, StorageError> {
    tx.business(actor.business_id)
        .await?
        .ok_or_else(|| StorageError::Unexpected("the actor's business is missing".into()))
}
