//! The only source of "now". The domain never reads a clock; use cases ask this port,
//! so tests and the worker (PL-17) can inject any instant.

use chrono::{DateTime, Utc};

#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
pub trait Clock: Send + Sync {
    /// The current instant, truncated to microseconds so that SQLite and PostgreSQL
    /// round-trip it to the same value.
    fn now(&self) -> DateTime<Utc>;
}
