//! Where attachment bytes live. The database holds each file's metadata and
//! its key; the bytes go to a blob store chosen by `blobs.store`: the
//! database itself (the default, so a cluster needs no shared volume), or a
//! directory every instance mounts, where a file is written aside and
//! renamed so a crash never leaves half a file under its final name.

use std::io;
use std::path::PathBuf;

#[async_trait::async_trait]
pub trait BlobStore: Send + Sync {
    async fn put(&self, key: &str, bytes: Vec<u8>) -> io::Result<()>;
    async fn get(&self, key: &str) -> io::Result<Vec<u8>>;
    async fn delete(&self, key: &str) -> io::Result<()>;
}

/// Blobs as files under one directory (`reports.attachments_dir`).
pub struct FileBlobs {
    root: PathBuf,
}

impl FileBlobs {
    pub fn new(root: PathBuf) -> Self {
        FileBlobs { root }
    }
}

#[async_trait::async_trait]
impl BlobStore for FileBlobs {
    async fn put(&self, key: &str, bytes: Vec<u8>) -> io::Result<()> {
        let path = self.root.join(key);
        let tmp = path.with_extension("part");
        if let Some(dir) = path.parent() {
            tokio::fs::create_dir_all(dir).await?;
        }
        tokio::fs::write(&tmp, &bytes).await?;
        tokio::fs::rename(&tmp, &path).await
    }

    async fn get(&self, key: &str) -> io::Result<Vec<u8>> {
        tokio::fs::read(self.root.join(key)).await
    }

    async fn delete(&self, key: &str) -> io::Result<()> {
        tokio::fs::remove_file(self.root.join(key)).await
    }
}

/// Blobs in the database. A blob written before the store moved into the
/// database is still read from (and deleted in) the directory it was
/// written to, so an upgrade loses no attachment.
pub struct DatabaseBlobs {
    store: baocao_storage::Store,
    earlier: Option<FileBlobs>,
}

impl DatabaseBlobs {
    pub fn new(store: baocao_storage::Store, earlier: Option<PathBuf>) -> Self {
        DatabaseBlobs { store, earlier: earlier.map(FileBlobs::new) }
    }
}

fn io_error(error: baocao_storage::StoreError) -> io::Error {
    io::Error::other(error)
}

#[async_trait::async_trait]
impl BlobStore for DatabaseBlobs {
    async fn put(&self, key: &str, bytes: Vec<u8>) -> io::Result<()> {
        self.store.put_blob(key, &bytes).await.map_err(io_error)
    }

    async fn get(&self, key: &str) -> io::Result<Vec<u8>> {
        match (self.store.blob(key).await.map_err(io_error)?, &self.earlier) {
            (Some(bytes), _) => Ok(bytes),
            (None, Some(files)) => files.get(key).await,
            (None, None) => Err(io::Error::new(io::ErrorKind::NotFound, format!("no blob {key}"))),
        }
    }

    async fn delete(&self, key: &str) -> io::Result<()> {
        if self.store.delete_blob(key).await.map_err(io_error)? {
            return Ok(());
        }
        match &self.earlier {
            Some(files) => files.delete(key).await,
            None => Err(io::Error::new(io::ErrorKind::NotFound, format!("no blob {key}"))),
        }
    }
}

/// The blob store the settings choose.
pub fn from_settings(
    settings: &baocao_config::Settings, store: &baocao_storage::Store,
) -> std::sync::Arc<dyn BlobStore> {
    let dir = settings.blobs.dir.clone().unwrap_or_else(|| settings.reports.attachments_dir.clone());
    match settings.blobs.store {
        baocao_config::BlobStoreKind::Database => std::sync::Arc::new(DatabaseBlobs::new(store.clone(), Some(dir))),
        baocao_config::BlobStoreKind::Directory => std::sync::Arc::new(FileBlobs::new(dir)),
    }
}
