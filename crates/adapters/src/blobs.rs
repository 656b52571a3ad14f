//! [`FsBlobStore`]: the blob port over a folder of the file system. Each key
//! `<business id>/<document id>` is one file under the folder, in one sub-folder per
//! business.
//!
//! Depends on the file system (through `tokio::fs`) only; never on storage or HTTP.

use std::io::ErrorKind;
use std::path::{Component, Path, PathBuf};

use async_trait::async_trait;
use tokio::io::AsyncWriteExt;
use uuid::Uuid;

use clientele_ports::{BlobError, BlobStore};

/// Where documents are kept when nothing else is configured.
pub const DEFAULT_BLOB_DIR: &str = "./data/blobs";

/// Keeps each blob as one file under a root folder.
///
/// A blob appears whole or not at all: `put` writes and flushes a hidden temporary file
/// (`.<name>.<random>.partial`) beside the target, then renames it over the target, which
/// replaces it atomically. A process killed mid-write leaves at most a hidden `.partial`
/// file, never half a blob under the key. Folders are created as needed. Keys that could
/// leave the root (absolute, with `..`, with `\`) are refused.
#[derive(Debug, Clone)]
pub struct FsBlobStore {
    root: PathBuf,
}

impl FsBlobStore {
    /// A store under `dir`; the folder is created by the first `put`.
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        Self { root: dir.into() }
    }

    /// The folder the blobs are kept under.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The file of `key`, if the key is one this store accepts.
    fn path_of(&self, key: &str) -> Result<PathBuf, BlobError> {
        let invalid = || BlobError::InvalidKey(key.to_owned());
        if key.is_empty()
            || key.starts_with('/')
            || key.contains("..")
            || key.contains(['\\', '\0'])
        {
            return Err(invalid());
        }
        let relative = Path::new(key);
        // Every part must be a plain name: no `.`, no empty part (`a//b`, `a/`), no root.
        let plain = key.split('/').all(|part| !part.is_empty() && part != ".")
            && relative
                .components()
                .all(|c| matches!(c, Component::Normal(_)));
        if plain {
            Ok(self.root.join(relative))
        } else {
            Err(invalid())
        }
    }
}

#[async_trait]
impl BlobStore for FsBlobStore {
    async fn put(&self, key: &str, bytes: &[u8]) -> Result<(), BlobError> {
        let target = self.path_of(key)?;
        let (Some(folder), Some(name)) = (target.parent(), target.file_name()) else {
            return Err(BlobError::InvalidKey(key.to_owned()));
        };
        tokio::fs::create_dir_all(folder).await?;
        let temporary = folder.join(format!(
            ".{}.{}.partial",
            name.to_string_lossy(),
            Uuid::new_v4().simple()
        ));
        let written = write_flushed(&temporary, bytes).await;
        let renamed = match written {
            Ok(()) => tokio::fs::rename(&temporary, &target).await,
            Err(error) => Err(error),
        };
        if let Err(error) = renamed {
            // Best effort: the temporary file is hidden and never read as a blob anyway.
            let _ = tokio::fs::remove_file(&temporary).await;
            return Err(error.into());
        }
        Ok(())
    }

    async fn get(&self, key: &str) -> Result<Option<Vec<u8>>, BlobError> {
        let path = self.path_of(key)?;
        match tokio::fs::read(&path).await {
            Ok(bytes) => Ok(Some(bytes)),
            Err(error) if error.kind() == ErrorKind::NotFound => Ok(None),
            Err(error) => Err(error.into()),
        }
    }

    async fn delete(&self, key: &str) -> Result<(), BlobError> {
        let path = self.path_of(key)?;
        match tokio::fs::remove_file(&path).await {
            Ok(()) => Ok(()),
            Err(error) if error.kind() == ErrorKind::NotFound => Ok(()),
            Err(error) => Err(error.into()),
        }
    }
}

async fn write_flushed(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut file = tokio::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
        .await?;
    file.write_all(bytes).await?;
    file.sync_all().await
}

#[cfg(test)]
mod tests {
    use clientele_domain::{BusinessId, DocumentId};
    use clientele_ports::blobs::document_key;

    use super::*;

    /// A fresh folder under the system's temporary directory, removed when dropped.
    struct Folder(PathBuf);

    impl Folder {
        fn new() -> Self {
            Self(
                std::env::temp_dir()
                    .join("clientele-tests")
                    .join(format!("blobs-{}", Uuid::new_v4().simple())),
            )
        }

        /// Every file under the folder, hidden ones included, relative to it.
        fn files(&self) -> Vec<String> {
            fn walk(dir: &Path, root: &Path, out: &mut Vec<String>) {
                for entry in std::fs::read_dir(dir).unwrap() {
                    let path = entry.unwrap().path();
                    if path.is_dir() {
                        walk(&path, root, out);
                    } else {
                        out.push(path.strip_prefix(root).unwrap().display().to_string());
                    }
                }
            }
            let mut files = Vec::new();
            walk(&self.0, &self.0, &mut files);
            files.sort();
            files
        }
    }

    impl Drop for Folder {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    fn key() -> String {
        document_key(
            BusinessId::from_uuid(Uuid::new_v4()),
            DocumentId::from_uuid(Uuid::new_v4()),
        )
    }

    #[tokio::test]
    async fn a_blob_round_trips_byte_for_byte_in_a_folder_per_business() {
        let folder = Folder::new();
        let store = FsBlobStore::new(&folder.0);
        let key = key();
        let bytes: Vec<u8> = (0..=255).chain([0, 0, 255]).collect();

        store.put(&key, &bytes).await.unwrap();

        assert_eq!(store.get(&key).await.unwrap(), Some(bytes));
        assert_eq!(folder.files(), [key]);
    }

    #[tokio::test]
    async fn put_overwrites_whole_and_leaves_no_temporary_file() {
        let folder = Folder::new();
        let store = FsBlobStore::new(&folder.0);
        let key = key();

        store.put(&key, b"a longer first version").await.unwrap();
        store.put(&key, b"short").await.unwrap();
        store.put(&key, b"").await.unwrap();
        store.put(&key, b"final").await.unwrap();

        assert_eq!(store.get(&key).await.unwrap(), Some(b"final".to_vec()));
        assert_eq!(folder.files(), [key]);
    }

    #[tokio::test]
    async fn an_absent_blob_is_none_and_deleting_it_twice_is_fine() {
        let folder = Folder::new();
        let store = FsBlobStore::new(&folder.0);
        let key = key();
        store.put(&key, b"x").await.unwrap();

        store.delete(&key).await.unwrap();
        store.delete(&key).await.unwrap();

        assert_eq!(store.get(&key).await.unwrap(), None);
        assert_eq!(store.get("never/written").await.unwrap(), None);
        assert!(folder.files().is_empty());
    }

    #[tokio::test]
    async fn keys_that_could_leave_the_folder_are_refused_and_nothing_is_written() {
        let folder = Folder::new();
        let store = FsBlobStore::new(folder.0.join("root"));
        std::fs::create_dir_all(&folder.0).unwrap();

        for key in [
            "",
            "/etc/passwd",
            "../outside",
            "a/../../outside",
            "a/..",
            "..",
            "a\\b",
            "a//b",
            "a/",
            "./a",
            "a/./b",
            "a\0b",
        ] {
            let put = store.put(key, b"x").await;
            let get = store.get(key).await;
            let delete = store.delete(key).await;
            assert!(matches!(put, Err(BlobError::InvalidKey(_))), "{key:?}");
            assert!(matches!(get, Err(BlobError::InvalidKey(_))), "{key:?}");
            assert!(matches!(delete, Err(BlobError::InvalidKey(_))), "{key:?}");
        }
        assert!(folder.files().is_empty());
    }
}
