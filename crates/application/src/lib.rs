//! Clientele's use cases: each public method of [`Clientele`] is one thing a person or a
//! job asks for ("create a client", "list clients"), orchestrating domain rules over the
//! ports in one transaction.
//!
//! This crate must not depend on sea-orm, poem or any adapter: it sees storage, clocks and
//! ids only through `clientele-ports`. HTTP handlers and worker jobs call it and nothing
//! else.

use std::sync::Arc;

use clientele_ports::{Clock, IdGenerator, Storage};

pub mod auth;
pub mod businesses;
pub mod clients;
pub mod cursor;
pub mod error;
pub mod jobs;
pub mod sites;
pub mod staff;
pub mod tokens;

pub use error::{Classify, ErrorKind};

/// One page of a list and where the next one starts (PL-9).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page<T> {
    pub items: Vec<T>,
    /// `None` on the last page.
    pub next_cursor: Option<String>,
}

/// Settings fixed when the application starts.
#[derive(Debug, Clone, Default)]
pub struct Config {
    /// The platform operator's token (PL-26); `None` disables the operator routes.
    pub operator_token: Option<String>,
}

/// The application: every use case, over the ports it was given.
#[derive(Clone)]
pub struct Clientele {
    storage: Arc<dyn Storage>,
    clock: Arc<dyn Clock>,
    ids: Arc<dyn IdGenerator>,
    config: Config,
}

impl Clientele {
    pub fn new(
        storage: Arc<dyn Storage>,
        clock: Arc<dyn Clock>,
        ids: Arc<dyn IdGenerator>,
        config: Config,
    ) -> Self {
        Self {
            storage,
            clock,
            ids,
            config,
        }
    }

    /// PL-22: whether the database answers with every migration applied.
    pub async fn ready(&self) -> Result<(), clientele_ports::StorageError> {
        self.storage.ready().await
    }
}
