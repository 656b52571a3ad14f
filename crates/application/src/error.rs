//! How every use-case error is classified, so that each inbound adapter (HTTP, worker)
//! maps a kind to one outcome in one place (PL-8) instead of knowing every error type.

use clientele_domain::FieldError;

/// The kinds of failure a caller can act on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// The request itself is malformed (e.g. a cursor from elsewhere).
    Malformed,
    /// No valid credentials.
    Unauthenticated,
    /// Valid credentials, but the role or site access does not allow this.
    Forbidden,
    /// No such record in the caller's business.
    NotFound,
    /// The request conflicts with the current state (stale version, duplicate, in use).
    Conflict,
    /// Well-formed but breaks a rule (invalid field, unknown site, …).
    RuleViolated,
    /// A service we depend on (a payment processor) did not answer; nothing was done, and
    /// the same request may be tried again.
    Unavailable,
    /// Too many attempts: try again after [`Classify::retry_after`] seconds (AC-4).
    Throttled,
    /// Infrastructure failed; details are logged, never shown.
    Unexpected,
}

/// Implemented by every use-case error.
pub trait Classify: std::error::Error {
    fn kind(&self) -> ErrorKind;

    /// The fields at fault, for validation errors.
    fn field_errors(&self) -> &[FieldError] {
        &[]
    }

    /// For [`ErrorKind::Throttled`]: in how many seconds to try again.
    fn retry_after(&self) -> Option<u64> {
        None
    }
}
