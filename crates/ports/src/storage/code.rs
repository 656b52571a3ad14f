//! Codes and their ledgers (CO-3 to CO-12).

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};

use clientele_domain::code::{Code, CodeAudit, CodeText, Entry};
use clientele_domain::product::Product;
use clientele_domain::{
    AppointmentId, BusinessId, ClientId, CodeId, MembershipId, ProductId, Version,
};

use super::StorageError;

/// One stored entry of a code's ledger: `seq` counts from 1 in the order they were
/// appended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LedgerLine {
    pub seq: u32,
    pub entry: Entry,
}

/// Codes, each with an append-only ledger (CO-12): entries are appended with the change
/// of the code that makes them and never updated or deleted (the database refuses it).
/// A code's stored `remaining` is always the sum of its ledger.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait CodeRepository: Send {
    /// Stores a new code and the first entry of its ledger. MUST return
    /// `Duplicate("code_text")` if the business has a code with this text and
    /// `Duplicate("code")` if the id is taken; `Unexpected` if the entry's delta is not
    /// the code's remaining value.
    async fn insert_code(&mut self, code: &Code, first: &Entry) -> Result<(), StorageError>;

    /// The business's code, or `None`.
    async fn code(
        &mut self,
        business: BusinessId,
        id: CodeId,
    ) -> Result<Option<Code>, StorageError>;

    /// The code, its row locked until the transaction ends (as
    /// `appointment_for_update`): two redemptions of one code queue, so neither reads a
    /// balance the other is spending.
    async fn code_for_update(
        &mut self,
        business: BusinessId,
        id: CodeId,
    ) -> Result<Option<Code>, StorageError>;

    /// The business's code with this text, or `None`.
    async fn code_by_text(
        &mut self,
        business: BusinessId,
        text: &CodeText,
    ) -> Result<Option<Code>, StorageError>;

    /// CO-9: the business's code with this text, its row locked as by `code_for_update`,
    /// with its product (as `product` reads it): a booking finds, locks and checks the code
    /// it is given in one statement.
    async fn code_for_use(
        &mut self,
        business: BusinessId,
        text: &CodeText,
    ) -> Result<Option<(Code, Product)>, StorageError>;

    /// Stores the code and appends `entries` to its ledger (the changes that made it).
    /// The optimistic update of the module's contract; `Unexpected` (and nothing
    /// written) if the stored remaining value plus the entries' deltas is not the code's.
    async fn update_code(
        &mut self,
        code: &Code,
        expected: Version,
        entries: &[Entry],
    ) -> Result<(), StorageError>;

    /// A code's ledger in the order it was written, strictly after `after`, at most
    /// `limit`.
    async fn ledger(
        &mut self,
        business: BusinessId,
        code: CodeId,
        after: Option<u32>,
        limit: u32,
    ) -> Result<Vec<LedgerLine>, StorageError>;

    /// The entries of a code's ledger about one appointment (its redemption, its
    /// give-back), in the order they were written.
    async fn ledger_of_appointment(
        &mut self,
        business: BusinessId,
        code: CodeId,
        appointment: AppointmentId,
    ) -> Result<Vec<Entry>, StorageError>;

    /// AC-7, AC-10: the business's active codes assigned to this email key
    /// (`EmailAddress::key`), newest first (ties by id, descending), strictly after
    /// `after` in that order, at most `limit`.
    async fn active_codes_assigned_to(
        &mut self,
        business: BusinessId,
        email_key: &str,
        after: Option<(DateTime<Utc>, CodeId)>,
        limit: u32,
    ) -> Result<Vec<Code>, StorageError>;

    /// CO-7: a client's codes, newest first (ties by id, descending), strictly after
    /// `after` in that order, at most `limit`.
    async fn codes_of_client(
        &mut self,
        business: BusinessId,
        client: ClientId,
        after: Option<(DateTime<Utc>, CodeId)>,
        limit: u32,
    ) -> Result<Vec<Code>, StorageError>;

    /// CO-7: a product's active codes ordered by id, strictly after `after`, at most
    /// `limit`.
    async fn active_codes_of_product(
        &mut self,
        business: BusinessId,
        product: ProductId,
        after: Option<CodeId>,
        limit: u32,
    ) -> Result<Vec<Code>, StorageError>;

    /// PL-16: active codes of every business (or of business `only`) whose last day is
    /// before `before`, ordered by business then id, strictly after `after`, at most
    /// `limit`.
    async fn codes_past_their_last_day(
        &mut self,
        before: NaiveDate,
        only: Option<BusinessId>,
        after: Option<(BusinessId, CodeId)>,
        limit: u32,
    ) -> Result<Vec<Code>, StorageError>;

    /// CO-5: appends an audited change. MUST return `Duplicate("code_audit")` if its id
    /// is taken.
    async fn record_code_audit(&mut self, audit: &CodeAudit) -> Result<(), StorageError>;

    /// A code's audited changes, oldest first (ties by id), all of them.
    async fn code_audit(
        &mut self,
        business: BusinessId,
        code: CodeId,
    ) -> Result<Vec<CodeAudit>, StorageError>;

    /// CO-10: makes `code` the membership's code, the one its paid periods refresh
    /// (replacing the one it had).
    async fn set_membership_code(
        &mut self,
        business: BusinessId,
        membership: MembershipId,
        code: CodeId,
    ) -> Result<(), StorageError>;

    /// CO-10: the membership's code, its row locked as by `code_for_update`; `None` if it
    /// has none yet.
    async fn membership_code_for_update(
        &mut self,
        business: BusinessId,
        membership: MembershipId,
    ) -> Result<Option<Code>, StorageError>;
}
