//! What the worker's binary tests share: a scratch folder per test (for the emails the
//! worker writes, and its logs), removed at the end unless the test failed.

#![allow(dead_code)] // Each test binary uses its own part of this module.

use std::path::{Path, PathBuf};

/// A fresh folder under the system's temporary directory. Removed when dropped, unless
/// the test is panicking (then kept, and named on stderr, for inspection).
pub struct Scratch(PathBuf);

impl Scratch {
    pub fn new() -> Self {
        let dir = std::env::temp_dir()
            .join("clientele-tests")
            .join(format!("worker-{}", uuid::Uuid::new_v4().simple()));
        std::fs::create_dir_all(&dir).expect("a scratch folder");
        Self(dir)
    }

    pub fn path(&self) -> &Path {
        &self.0
    }

    /// The folder the worker writes emails to (created by the worker).
    pub fn emails(&self) -> PathBuf {
        self.0.join("emails")
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        if std::thread::panicking() {
            eprintln!("keeping the test folder {}", self.0.display());
        } else {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
}
