//! Codes seen and changed by staff (CO-4 to CO-7, CO-12, AC-10): adding a code without an
//! order, finding one by its text, editing (audited) and cancelling it, its ledger, a
//! client's and a product's codes; and the worker's expiry of codes past their last day
//! (PL-16).

use chrono::{DateTime, Duration, NaiveDate, Utc};
use thiserror::Error;

use clientele_domain::code::{
    Code, CodeAudit, CodeChangeError, CodeEdit, CodeText, Origin, Owner, Unit,
};
use clientele_domain::{
    Actor, AuditId, BusinessId, ClientId, CodeId, FieldError, Forbidden, Money, PageLimit,
    Permission, ProductId, ValidationErrors, Version,
};
use clientele_ports::StorageError;
pub use clientele_ports::storage::LedgerLine;

use crate::access::{
    AccessError, business_of, require_whole_business, visible_client, visible_code,
};
use crate::cursor::{ForeignCursor, Listing};
use crate::error::{Classify, ErrorKind};
use crate::redemption::{self, CodeUseError, assigned_email};
use crate::{Clientele, Page};

#[derive(Debug, Error)]
pub enum CodeError {
    #[error(transparent)]
    Invalid(#[from] ValidationErrors),
    #[error(transparent)]
    Forbidden(#[from] Forbidden),
    #[error(transparent)]
    BadCursor(#[from] ForeignCursor),
    #[error("the code does not exist")]
    NotFound,
    #[error("the product does not exist")]
    ProductNotFound,
    #[error("{0}")]
    Change(#[from] CodeChangeError),
    #[error("the code was changed since the version you sent: read it again")]
    VersionConflict,
    #[error(transparent)]
    Access(AccessError),
    #[error(transparent)]
    Unexpected(StorageError),
}

impl Classify for CodeError {
    fn kind(&self) -> ErrorKind {
        match self {
            Self::Invalid(_) | Self::Change(CodeChangeError::OutOfRange) => ErrorKind::RuleViolated,
            Self::Forbidden(_) => ErrorKind::Forbidden,
            Self::BadCursor(_) => ErrorKind::Malformed,
            Self::NotFound | Self::ProductNotFound => ErrorKind::NotFound,
            Self::Change(_) | Self::VersionConflict => ErrorKind::Conflict,
            Self::Access(error) => error.kind(),
            Self::Unexpected(_) => ErrorKind::Unexpected,
        }
    }

    fn field_errors(&self) -> &[FieldError] {
        match self {
            Self::Invalid(errors) => &errors.0,
            Self::Access(error) => error.field_errors(),
            _ => &[],
        }
    }
}

impl From<StorageError> for CodeError {
    fn from(error: StorageError) -> Self {
        match error {
            StorageError::NotFound => Self::NotFound,
            StorageError::VersionConflict => Self::VersionConflict,
            other => Self::Unexpected(other),
        }
    }
}

impl From<AccessError> for CodeError {
    fn from(error: AccessError) -> Self {
        match error {
            AccessError::CodeNotFound => Self::NotFound,
            AccessError::Storage(error) => error.into(),
            other => Self::Access(other),
        }
    }
}

impl From<CodeUseError> for CodeError {
    fn from(error: CodeUseError) -> Self {
        match error {
            CodeUseError::Invalid(errors) => Self::Invalid(errors),
            CodeUseError::Change(change) => Self::Change(change),
            CodeUseError::Storage(error) => error.into(),
            CodeUseError::Refused(refused) => {
                Self::Invalid(ValidationErrors::single("code", refused.to_string()))
            }
        }
    }
}

/// CO-4: a code given by staff: of a product, for a client or for nobody yet, assigned
/// to an email if given (AC-10).
#[derive(Debug, Clone)]
pub struct GrantInput {
    pub product_id: ProductId,
    pub client_id: Option<ClientId>,
    pub assigned_to: Option<String>,
}

/// CO-5: a staff edit as sent. `remaining` is a whole number of appointments, or an
/// amount for a money gift certificate; `Some(None)` clears a field.
#[derive(Debug, Clone, Default)]
pub struct CodeEditInput {
    pub remaining: Option<String>,
    pub expires_on: Option<Option<NaiveDate>>,
    pub assigned_to: Option<Option<String>>,
}

const CLIENT_CODES: &str = "client_codes";
const PRODUCT_CODES: &str = "product_codes";
const LEDGER: &str = "code_ledger";

impl Clientele {
    /// CO-4: adds a code without an order.
    pub async fn grant_code(&self, actor: &Actor, input: &GrantInput) -> Result<Code, CodeError> {
        let assigned = input
            .assigned_to
            .as_deref()
            .filter(|raw| !raw.trim().is_empty())
            .map(assigned_email)
            .transpose()
            .map_err(|e| CodeError::Invalid(ValidationErrors(vec![e])))?;
        let mut tx = self.storage.begin().await?;
        let business = business_of(tx.as_mut(), actor).await?;
        let product = tx
            .product(actor.business_id, input.product_id)
            .await?
            .ok_or_else(|| {
                CodeError::Invalid(ValidationErrors::single("product_id", "no such product"))
            })?;
        let client = match input.client_id {
            Some(id) => Some(visible_client(tx.as_mut(), actor, id).await.map_err(
                |e| match e {
                    AccessError::ClientNotFound => {
                        CodeError::Invalid(ValidationErrors::single("client_id", "no such client"))
                    }
                    other => other.into(),
                },
            )?),
            None => None,
        };
        let now = self.clock.now();
        let email = assigned
            .as_ref()
            .or(client.as_ref().and_then(|c| c.email()));
        let owner = client.as_ref().map(|c| Owner {
            client: c.id(),
            email,
        });
        let text =
            redemption::fresh_text(tx.as_mut(), self.ids.as_ref(), actor.business_id).await?;
        let mut code = redemption::issue(
            tx.as_mut(),
            CodeId::from_uuid(self.ids.new_id()),
            text,
            &product,
            owner,
            Origin::Grant(actor.staff_id),
            business.settings.time_zone.today(now),
            now,
        )
        .await?;
        if let Some(email) = assigned
            && code.assigned_to() != Some(&email)
        {
            let version = code.version();
            let edited = code.edit(
                CodeEdit {
                    assigned_to: Some(Some(email)),
                    ..CodeEdit::default()
                },
                actor.staff_id,
                now,
            )?;
            tx.update_code(&code, version, &[]).await?;
            self.audit_code(tx.as_mut(), actor, &code, edited.changes, now)
                .await?;
        }
        tx.commit().await?;
        Ok(code)
    }

    /// A code of the business the actor may see.
    pub async fn code(&self, actor: &Actor, id: CodeId) -> Result<Code, CodeError> {
        let mut tx = self.storage.read().await?;
        Ok(visible_code(tx.as_mut(), actor, id, false).await?)
    }

    /// CO-11: the code with this text as typed (any case, spaces and dashes ignored).
    pub async fn find_code(&self, actor: &Actor, typed: &str) -> Result<Code, CodeError> {
        let text = CodeText::parse("text", typed)
            .map_err(|e| CodeError::Invalid(ValidationErrors(vec![e])))?;
        let mut tx = self.storage.read().await?;
        let found = tx
            .code_by_text(actor.business_id, &text)
            .await?
            .ok_or(CodeError::NotFound)?;
        Ok(visible_code(tx.as_mut(), actor, found.id(), false).await?)
    }

    /// CO-5: edits a code based on its `version`; each changed field is audited with its
    /// old and new value, a new remaining value is a ledger entry.
    pub async fn edit_code(
        &self,
        actor: &Actor,
        id: CodeId,
        version: Version,
        input: &CodeEditInput,
    ) -> Result<Code, CodeError> {
        let mut tx = self.storage.begin().await?;
        let mut code = visible_code(tx.as_mut(), actor, id, true).await?;
        if code.version() != version {
            return Err(CodeError::VersionConflict);
        }
        let edit = parse_edit(&code, input)?;
        let now = self.clock.now();
        let edited = code.edit(edit, actor.staff_id, now)?;
        if !edited.changes.is_empty() {
            let entries: Vec<_> = edited.entry.into_iter().collect();
            tx.update_code(&code, version, &entries).await?;
            self.audit_code(tx.as_mut(), actor, &code, edited.changes, now)
                .await?;
            tx.commit().await?;
        }
        Ok(code)
    }

    /// CO-6: cancels a code based on its `version`: it can no longer be used.
    pub async fn cancel_code(
        &self,
        actor: &Actor,
        id: CodeId,
        version: Version,
    ) -> Result<Code, CodeError> {
        actor.require(Permission::Delete)?;
        let mut tx = self.storage.begin().await?;
        let mut code = visible_code(tx.as_mut(), actor, id, true).await?;
        if code.version() != version {
            return Err(CodeError::VersionConflict);
        }
        code.cancel(self.clock.now())?;
        tx.update_code(&code, version, &[]).await?;
        tx.commit().await?;
        Ok(code)
    }

    /// CO-12: a code's ledger, in the order it was written.
    pub async fn code_ledger(
        &self,
        actor: &Actor,
        id: CodeId,
        limit: PageLimit,
        cursor: Option<&str>,
    ) -> Result<Page<LedgerLine>, CodeError> {
        let listing = Listing::of(actor.business_id, LEDGER).with("code", id);
        let after: Option<u32> = self.cursors.decode_opt(&listing, cursor)?;
        let mut tx = self.storage.read().await?;
        visible_code(tx.as_mut(), actor, id, false).await?;
        let rows = tx
            .ledger(actor.business_id, id, after, limit.get() + 1)
            .await?;
        Ok(self
            .cursors
            .paginate(&listing, rows, limit.get(), |l| l.seq))
    }

    /// CO-5: a code's audited changes, oldest first.
    pub async fn code_audit(&self, actor: &Actor, id: CodeId) -> Result<Vec<CodeAudit>, CodeError> {
        let mut tx = self.storage.read().await?;
        visible_code(tx.as_mut(), actor, id, false).await?;
        Ok(tx.code_audit(actor.business_id, id).await?)
    }

    /// CO-7: a client's codes with what is left, newest first.
    pub async fn client_codes(
        &self,
        actor: &Actor,
        client: ClientId,
        limit: PageLimit,
        cursor: Option<&str>,
    ) -> Result<Page<Code>, CodeError> {
        let listing = Listing::of(actor.business_id, CLIENT_CODES).with("client", client);
        let after: Option<(DateTime<Utc>, CodeId)> = self.cursors.decode_opt(&listing, cursor)?;
        let mut tx = self.storage.read().await?;
        visible_client(tx.as_mut(), actor, client).await?;
        let rows = tx
            .codes_of_client(actor.business_id, client, after, limit.get() + 1)
            .await?;
        Ok(self
            .cursors
            .paginate(&listing, rows, limit.get(), |c| (c.created_at(), c.id())))
    }

    /// CO-7: a product's active codes with what is left, by id. The whole business's
    /// codes: for members who see every site.
    pub async fn product_codes(
        &self,
        actor: &Actor,
        product: ProductId,
        limit: PageLimit,
        cursor: Option<&str>,
    ) -> Result<Page<Code>, CodeError> {
        let listing = Listing::of(actor.business_id, PRODUCT_CODES).with("product", product);
        let after: Option<CodeId> = self.cursors.decode_opt(&listing, cursor)?;
        let mut tx = self.storage.read().await?;
        require_whole_business(
            tx.as_mut(),
            actor,
            "a product's codes name clients of every site",
        )
        .await?;
        tx.product(actor.business_id, product)
            .await?
            .ok_or(CodeError::ProductNotFound)?;
        let rows = tx
            .active_codes_of_product(actor.business_id, product, after, limit.get() + 1)
            .await?;
        Ok(self
            .cursors
            .paginate(&listing, rows, limit.get(), |c| c.id()))
    }

    /// PL-16: expires the codes past their last day in their business's time zone, each
    /// with an `Expiry` entry, `batch` at a time (one transaction each); returns how
    /// many. Running it again expires nothing twice.
    pub async fn expire_codes(&self, batch: u32) -> Result<usize, CodeError> {
        self.expire_codes_at(batch, self.clock.now(), None).await
    }

    /// [`Self::expire_codes`] as of `now`, of one business only when `only` says so (a
    /// test business's day, PL-25).
    pub(crate) async fn expire_codes_at(
        &self,
        batch: u32,
        now: DateTime<Utc>,
        only: Option<BusinessId>,
    ) -> Result<usize, CodeError> {
        // The latest date anywhere on Earth (UTC+14): every code whose last day is over
        // in its business's zone is before it; each is then checked in its own zone, and
        // those not due yet there are passed over.
        let latest = (now + Duration::hours(14)).date_naive();
        let mut zones: Vec<(BusinessId, clientele_domain::TimeZone)> = Vec::new();
        let mut after = None;
        let mut expired = 0;
        loop {
            let mut tx = self.storage.begin().await?;
            let candidates = tx
                .codes_past_their_last_day(latest, only, after, batch)
                .await?;
            let Some(last) = candidates.last() else {
                return Ok(expired);
            };
            after = Some((last.business_id(), last.id()));
            let full = candidates.len() == batch as usize;
            for candidate in candidates {
                let business = candidate.business_id();
                let zone = match zones.iter().find(|(id, _)| *id == business) {
                    Some((_, zone)) => *zone,
                    None => {
                        let zone = tx
                            .business(business)
                            .await?
                            .ok_or_else(|| StorageError::Unexpected("a code's business".into()))?
                            .settings
                            .time_zone;
                        zones.push((business, zone));
                        zone
                    }
                };
                let Some(mut code) = tx.code_for_update(business, candidate.id()).await? else {
                    continue;
                };
                let version = code.version();
                if let Some(entry) = code.expire(zone.today(now), now) {
                    tx.update_code(&code, version, &[entry]).await?;
                    expired += 1;
                }
            }
            tx.commit().await?;
            if !full {
                return Ok(expired);
            }
        }
    }

    async fn audit_code(
        &self,
        tx: &mut dyn clientele_ports::Transaction,
        actor: &Actor,
        code: &Code,
        changes: Vec<clientele_domain::audit::FieldChange>,
        at: DateTime<Utc>,
    ) -> Result<(), StorageError> {
        for change in changes {
            tx.record_code_audit(&CodeAudit {
                id: AuditId::from_uuid(self.ids.new_id()),
                business_id: actor.business_id,
                code_id: code.id(),
                actor: actor.staff_id,
                at,
                change,
            })
            .await?;
        }
        Ok(())
    }
}

/// The edit as the domain takes it: `remaining` read in the code's unit.
fn parse_edit(code: &Code, input: &CodeEditInput) -> Result<CodeEdit, CodeError> {
    let mut errors = Vec::new();
    let remaining = match input.remaining.as_deref().map(str::trim) {
        None => None,
        Some(raw) => match code.unit() {
            Unit::Appointments => match raw.parse::<i64>() {
                Ok(n) if (0..=Code::MAX_REMAINING).contains(&n) => Some(n),
                _ => {
                    errors.push(FieldError::new(
                        "remaining",
                        format!("`{raw}` is not a number of appointments from 0"),
                    ));
                    None
                }
            },
            Unit::Money(currency) => match Money::parse("remaining", raw, currency) {
                Ok(money) => money.minor_units(),
                Err(error) => {
                    errors.push(error);
                    None
                }
            },
        },
    };
    let assigned_to = match &input.assigned_to {
        None => None,
        Some(None) => Some(None),
        Some(Some(raw)) if raw.trim().is_empty() => Some(None),
        Some(Some(raw)) => match assigned_email(raw) {
            Ok(email) => Some(Some(email)),
            Err(error) => {
                errors.push(error);
                None
            }
        },
    };
    if errors.is_empty() {
        Ok(CodeEdit {
            remaining,
            expires_on: input.expires_on,
            assigned_to,
        })
    } else {
        Err(ValidationErrors(errors).into())
    }
}
