//! Optimistic-concurrency versions (PL-11): every editable resource carries one, an update
//! names the version it was based on, and a stale one is a conflict, never an overwrite.

use serde::{Deserialize, Serialize};

/// Starts at 1 and goes up by one on every change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Version(i64);

impl Version {
    pub const fn initial() -> Self {
        Self(1)
    }

    /// Wraps a stored or client-supplied version number.
    pub const fn new(value: i64) -> Self {
        Self(value)
    }

    pub const fn get(&self) -> i64 {
        self.0
    }

    pub const fn next(&self) -> Self {
        Self(self.0 + 1)
    }
}

impl std::fmt::Display for Version {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}
