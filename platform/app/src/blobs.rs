//! Where attachment bytes live. The database holds each file's metadata and
//! its key; the bytes go to a blob store: a directory today, written aside
//! and renamed so a crash never leaves half a file under its final name.

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
