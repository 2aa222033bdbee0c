//! Receiving uploaded photos (Open311 `POST requests` and `POST /api/v1/cases/{n}/photos`)
//! without holding them in memory while they arrive.
//!
//! The caller is authenticated before the first file part is read. Each file is then streamed
//! to a temporary file in the media directory (`<uuid>.upload`, never served, removed when the
//! request ends), refused as soon as it passes [`MAX_MEDIA_BYTES`] or when it is one file too
//! many; what it contains is checked by `crate::media` once it has arrived. Two caps bound what uploads can take from a node:
//! at most `receiving` requests stream files at once (a slow phone holds a slot, not memory),
//! and at most `processing` requests have their photos in memory (read back, checked and
//! stripped by `crate::media`) at once. A request that waits too long for a slot is
//! answered `503` with `Retry-After`.

use crate::media::{MAX_MEDIA_BYTES, MAX_MEDIA_FILES, MediaUpload};
use axum::extract::multipart::{Field, MultipartError};
use axum::http::StatusCode;
use domain::Message;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::AsyncWriteExt;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// Requests streaming files to disk at once, per node.
pub const DEFAULT_RECEIVING: usize = 16;
/// Requests whose photos are in memory at once, per node (each up to 5 × 10 MB, twice while
/// they are stripped).
pub const DEFAULT_PROCESSING: usize = 2;
/// How long a request waits for a slot before it is answered `503`.
const WAIT: Duration = Duration::from_secs(10);
/// Seconds a client told `503` should wait.
const RETRY_AFTER: i64 = 5;

/// Why an upload was refused.
#[derive(Debug)]
pub enum UploadError {
    /// No slot became free in time.
    Busy,
    /// The whole body is larger than the route accepts.
    BodyTooLarge(usize),
    /// Form fields beside the files are larger than [`MAX_FIELD_BYTES`].
    FieldsTooLarge,
    FileTooLarge(String),
    TooManyFiles,
    Malformed(String),
    NotUtf8,
    /// The temporary file could not be written.
    Storage(std::io::Error),
}

/// Largest total of the text fields of a multipart body.
pub const MAX_FIELD_BYTES: usize = 1024 * 1024;

impl UploadError {
    pub fn status(&self) -> StatusCode {
        match self {
            UploadError::Busy => StatusCode::SERVICE_UNAVAILABLE,
            UploadError::BodyTooLarge(_)
            | UploadError::FieldsTooLarge
            | UploadError::FileTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            UploadError::TooManyFiles | UploadError::Malformed(_) | UploadError::NotUtf8 => {
                StatusCode::BAD_REQUEST
            }
            UploadError::Storage(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    pub fn message(&self) -> Message {
        let mb = |bytes: usize| (bytes / 1024 / 1024).max(1).to_string();
        match self {
            UploadError::Busy => {
                Message::new("error-uploads-busy").arg("seconds", RETRY_AFTER.to_string())
            }
            UploadError::BodyTooLarge(max) => {
                Message::new("error-body-too-large").arg("max", mb(*max))
            }
            UploadError::FieldsTooLarge => {
                Message::new("error-body-too-large").arg("max", mb(MAX_FIELD_BYTES))
            }
            UploadError::FileTooLarge(name) => Message::new("error-media-too-large")
                .arg("name", name.as_str())
                .arg("max", mb(MAX_MEDIA_BYTES)),
            UploadError::TooManyFiles => {
                Message::new("error-too-many-media").arg("max", MAX_MEDIA_FILES.to_string())
            }
            UploadError::Malformed(detail) => {
                Message::new("error-body-malformed").arg("detail", detail.as_str())
            }
            UploadError::NotUtf8 => Message::new("error-not-utf8"),
            UploadError::Storage(e) => {
                tracing::error!(error = %e, "storing an upload");
                Message::new("error-internal")
            }
        }
    }

    /// Seconds to wait before trying again (`Retry-After`), for [`UploadError::Busy`].
    pub fn retry_after(&self) -> Option<i64> {
        matches!(self, UploadError::Busy).then_some(RETRY_AFTER)
    }

    /// A multipart stream error; `limit` is the route's body limit.
    pub fn from_multipart(e: MultipartError, limit: usize) -> UploadError {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            UploadError::BodyTooLarge(limit)
        } else {
            UploadError::Malformed(e.body_text())
        }
    }
}

/// The slots and where files are put while they arrive. Cheap to clone.
#[derive(Clone)]
pub struct Uploads {
    dir: PathBuf,
    receiving: Arc<Semaphore>,
    processing: Arc<Semaphore>,
    wait: Duration,
}

/// A file received to disk; the file is removed when this is dropped.
#[derive(Debug)]
pub struct Incoming {
    pub filename: Option<String>,
    path: PathBuf,
}

impl Drop for Incoming {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

/// Photos read back into memory, holding a processing slot until dropped.
pub struct Received {
    pub files: Vec<MediaUpload>,
    _slot: OwnedSemaphorePermit,
}

impl Uploads {
    pub fn new(dir: PathBuf, receiving: usize, processing: usize) -> Uploads {
        Uploads::with_wait(dir, receiving, processing, WAIT)
    }

    pub fn with_wait(dir: PathBuf, receiving: usize, processing: usize, wait: Duration) -> Uploads {
        Uploads {
            dir,
            receiving: Arc::new(Semaphore::new(receiving.max(1))),
            processing: Arc::new(Semaphore::new(processing.max(1))),
            wait,
        }
    }

    async fn slot(&self, slots: &Arc<Semaphore>) -> Result<OwnedSemaphorePermit, UploadError> {
        match tokio::time::timeout(self.wait, slots.clone().acquire_owned()).await {
            Ok(Ok(permit)) => Ok(permit),
            _ => Err(UploadError::Busy),
        }
    }

    /// A slot to stream files in; hold it until the request is answered.
    pub async fn receiving_slot(&self) -> Result<OwnedSemaphorePermit, UploadError> {
        self.slot(&self.receiving).await
    }

    /// Streams one file part to a temporary file. `count` is the number of files already
    /// received in this request.
    pub async fn receive(
        &self,
        mut field: Field<'_>,
        count: usize,
        body_limit: usize,
    ) -> Result<Incoming, UploadError> {
        let filename = field.file_name().map(str::to_string);
        let name = filename
            .clone()
            .or_else(|| field.name().map(str::to_string))
            .unwrap_or_else(|| "file".into());
        if count >= MAX_MEDIA_FILES {
            return Err(UploadError::TooManyFiles);
        }
        tokio::fs::create_dir_all(&self.dir)
            .await
            .map_err(UploadError::Storage)?;
        let incoming = Incoming {
            filename,
            path: self
                .dir
                .join(format!("{}.upload", uuid::Uuid::now_v7().simple())),
        };
        let mut file = tokio::fs::File::create(&incoming.path)
            .await
            .map_err(UploadError::Storage)?;
        let mut size = 0usize;
        while let Some(chunk) = field
            .chunk()
            .await
            .map_err(|e| UploadError::from_multipart(e, body_limit))?
        {
            size += chunk.len();
            if size > MAX_MEDIA_BYTES {
                return Err(UploadError::FileTooLarge(name));
            }
            file.write_all(&chunk).await.map_err(UploadError::Storage)?;
        }
        file.flush().await.map_err(UploadError::Storage)?;
        Ok(incoming)
    }

    /// Reads received files back for checking and storing, once a processing slot is free.
    /// Empty files are left out.
    pub async fn read_back(&self, files: &[Incoming]) -> Result<Received, UploadError> {
        let slot = self.slot(&self.processing).await?;
        let mut out = Vec::with_capacity(files.len());
        for f in files {
            let bytes = tokio::fs::read(&f.path)
                .await
                .map_err(UploadError::Storage)?;
            if !bytes.is_empty() {
                out.push(MediaUpload {
                    filename: f.filename.clone(),
                    bytes,
                });
            }
        }
        Ok(Received {
            files: out,
            _slot: slot,
        })
    }
}

/// Reads a text field, counting its bytes against `budget` (what the request's text fields
/// may still take).
pub async fn read_text(
    mut field: Field<'_>,
    budget: &mut usize,
    body_limit: usize,
) -> Result<String, UploadError> {
    let mut bytes = Vec::new();
    while let Some(chunk) = field
        .chunk()
        .await
        .map_err(|e| UploadError::from_multipart(e, body_limit))?
    {
        if chunk.len() > *budget {
            return Err(UploadError::FieldsTooLarge);
        }
        *budget -= chunk.len();
        bytes.extend_from_slice(&chunk);
    }
    String::from_utf8(bytes).map_err(|_| UploadError::NotUtf8)
}

/// Whether a multipart field is a file (a file name, or a content type other than text).
pub fn is_file(field: &Field<'_>) -> bool {
    field.file_name().is_some()
        || field
            .content_type()
            .is_some_and(|t| !t.starts_with("text/"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_request_waiting_too_long_for_a_slot_is_told_to_come_back() {
        let uploads = Uploads::with_wait("unused".into(), 1, 1, Duration::from_millis(50));
        let held = uploads.receiving_slot().await.unwrap();
        let busy = uploads.receiving_slot().await.unwrap_err();
        assert_eq!(busy.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(busy.retry_after(), Some(RETRY_AFTER));
        drop(held);
        assert!(uploads.receiving_slot().await.is_ok());
    }
}
