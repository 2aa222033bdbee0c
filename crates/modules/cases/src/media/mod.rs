//! Photos attached to cases: type sniffed from the bytes (not trusted from the client), size
//! limited, and rebuilt from their decoded pixels before they are stored, so no metadata (EXIF
//! with its GPS position, XMP, anything appended) survives ([`rebuild`]). Files are written
//! before the database transaction commits and removed again if it fails.
//!
//! A photo is public when it is published with its case (Open311, the citizen) and the case's
//! category is not confidential; anyone may fetch a public photo and caches may keep it. Any
//! other photo (a field photo for staff only, a photo of a confidential case) is served only
//! to staff who may see the case, and is not cached; to everyone else it does not exist.

mod rebuild;

pub use rebuild::{JPEG_QUALITY, MAX_DECODE_BYTES, MAX_PIXELS, MAX_SIDE, RebuildError, Rebuilt};

use crate::authz::Actor;
use crate::{CasesApp, Result, ServiceError};
use domain::Message;
use std::path::PathBuf;
use std::sync::LazyLock;
use tokio::sync::Semaphore;

pub const MAX_MEDIA_BYTES: usize = 10 * 1024 * 1024;
pub const MAX_MEDIA_FILES: usize = 5;

/// A file as uploaded.
#[derive(Debug, Clone)]
pub struct MediaUpload {
    pub filename: Option<String>,
    pub bytes: Vec<u8>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImageKind {
    Jpeg,
    Png,
    Webp,
}

impl ImageKind {
    pub fn sniff(bytes: &[u8]) -> Option<ImageKind> {
        if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
            Some(ImageKind::Jpeg)
        } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
            Some(ImageKind::Png)
        } else if bytes.len() >= 12 && &bytes[0..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
            Some(ImageKind::Webp)
        } else {
            None
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            ImageKind::Jpeg => "image/jpeg",
            ImageKind::Png => "image/png",
            ImageKind::Webp => "image/webp",
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            ImageKind::Jpeg => "jpg",
            ImageKind::Png => "png",
            ImageKind::Webp => "webp",
        }
    }

    pub fn from_extension(ext: &str) -> Option<ImageKind> {
        match ext {
            "jpg" => Some(ImageKind::Jpeg),
            "png" => Some(ImageKind::Png),
            "webp" => Some(ImageKind::Webp),
            _ => None,
        }
    }
}

/// Photos being rebuilt at once, process-wide: half the cores (at least one, at most four),
/// so uploads never take every core from the requests being served, and the memory they
/// need stays bounded (up to about [`MAX_DECODE_BYTES`] twice over for each, the turned
/// copy included).
static REBUILDS: LazyLock<Semaphore> = LazyLock::new(|| {
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    Semaphore::new((cores / 2).clamp(1, 4))
});

/// Rebuilds one photo on a blocking thread, once a place among [`REBUILDS`] is free. The
/// place is held until the work ends, even if the request that asked for it is gone.
async fn rebuild_bounded(
    kind: ImageKind,
    bytes: Vec<u8>,
) -> Result<std::result::Result<Rebuilt, RebuildError>> {
    let permit = REBUILDS
        .acquire()
        .await
        .map_err(|e| ServiceError::Internal(format!("photo processing: {e}")))?;
    tokio::task::spawn_blocking(move || {
        let _permit = permit;
        rebuild::rebuild(kind, &bytes)
    })
    .await
    .map_err(|e| ServiceError::Internal(format!("photo processing: {e}")))
}

/// A checked upload, ready to store: rebuilt from its pixels.
#[derive(Debug, Clone)]
pub struct CheckedMedia {
    kind: ImageKind,
    bytes: Vec<u8>,
}

/// A stored file.
#[derive(Debug, Clone)]
pub struct StoredMedia {
    pub id: String,
    pub url: String,
    pub content_type: String,
    pub size: i64,
    path: PathBuf,
}

/// A stored photo as served.
#[derive(Debug, Clone)]
pub struct MediaFile {
    pub content_type: &'static str,
    pub bytes: Vec<u8>,
    /// Anyone may see it (and caches may keep it); otherwise it was served to staff only.
    pub public: bool,
}

/// Records stored photos of a case in the transaction that attaches them to it.
pub(crate) async fn record_media(
    tx: &mut store::Tx,
    jurisdiction_id: &str,
    case_id: &str,
    stored: &[StoredMedia],
    public: bool,
    at: i64,
) -> Result<()> {
    for m in stored {
        let record = crate::store::cases::NewMedia {
            id: &m.id,
            jurisdiction_id,
            case_id,
            content_type: &m.content_type,
            size: m.size,
            public,
        };
        crate::store::cases::insert_media(tx, &record, at).await?;
    }
    Ok(())
}

impl CasesApp {
    fn media_path(&self, file_name: &str) -> PathBuf {
        self.config().media_dir.join(file_name)
    }

    /// Checks count, size and type of uploads and rebuilds each from its pixels, collecting
    /// every problem with the uploads in `errors`.
    pub(crate) async fn check_media(
        &self,
        uploads: Vec<MediaUpload>,
        errors: &mut Vec<Message>,
    ) -> Result<Vec<CheckedMedia>> {
        if uploads.len() > MAX_MEDIA_FILES {
            errors
                .push(Message::new("error-too-many-media").arg("max", MAX_MEDIA_FILES.to_string()));
            return Ok(Vec::new());
        }
        let mut out = Vec::new();
        // One after the other: one request's photos never hold more than one place.
        for u in uploads {
            let name = u.filename.clone().unwrap_or_else(|| "file".into());
            if u.bytes.len() > MAX_MEDIA_BYTES {
                errors.push(
                    Message::new("error-media-too-large")
                        .arg("name", name)
                        .arg("max", (MAX_MEDIA_BYTES / 1024 / 1024).to_string()),
                );
                continue;
            }
            let Some(kind) = ImageKind::sniff(&u.bytes) else {
                errors.push(Message::new("error-media-type").arg("name", name));
                continue;
            };
            match rebuild_bounded(kind, u.bytes).await? {
                Ok(r) => out.push(CheckedMedia {
                    kind: r.kind,
                    bytes: r.bytes,
                }),
                Err(RebuildError::Unreadable(_)) => {
                    errors.push(Message::new("error-media-type").arg("name", name));
                }
                Err(RebuildError::TooLarge { width, height }) => errors.push(
                    Message::new("error-media-dimensions")
                        .arg("name", name)
                        .arg("width", width.to_string())
                        .arg("height", height.to_string())
                        .arg("max_side", MAX_SIDE.to_string())
                        .arg("max_megapixels", (MAX_PIXELS / 1_000_000).to_string()),
                ),
                Err(e @ RebuildError::Encode(_)) => {
                    return Err(ServiceError::Internal(e.to_string()));
                }
            }
        }
        Ok(out)
    }
    pub(crate) async fn store_media(
        &self,
        _jurisdiction_id: &str,
        _case_id: &str,
        media: Vec<CheckedMedia>,
    ) -> Result<Vec<StoredMedia>> {
        let mut stored = Vec::new();
        if media.is_empty() {
            return Ok(stored);
        }
        tokio::fs::create_dir_all(&self.config().media_dir)
            .await
            .map_err(|e| ServiceError::Internal(format!("media directory: {e}")))?;
        for m in media {
            let id = uuid::Uuid::now_v7().simple().to_string();
            let file_name = format!("{id}.{}", m.kind.extension());
            let path = self.media_path(&file_name);
            let tmp = path.with_extension("part");
            let written = async {
                tokio::fs::write(&tmp, &m.bytes).await?;
                tokio::fs::File::open(&tmp).await?.sync_all().await?;
                tokio::fs::rename(&tmp, &path).await
            }
            .await;
            if let Err(e) = written {
                self.discard_media(&stored).await;
                let _ = tokio::fs::remove_file(&tmp).await;
                return Err(ServiceError::Internal(format!("storing media: {e}")));
            }
            stored.push(StoredMedia {
                url: format!("{}/media/{file_name}", self.config().public_base()),
                id,
                content_type: m.kind.content_type().into(),
                size: m.bytes.len() as i64,
                path,
            });
        }
        Ok(stored)
    }

    pub(crate) async fn discard_media(&self, stored: &[StoredMedia]) {
        for m in stored {
            if let Err(e) = tokio::fs::remove_file(&m.path).await {
                tracing::warn!(file = %m.path.display(), error = %e, "could not remove media after a failed write");
            }
        }
    }

    /// A stored photo by its public name (`<id>.<ext>`), if `viewer` may see it: anyone may
    /// see a public photo; any other only staff who may see its case. NotFound otherwise, the
    /// same as for a name that was never stored.
    pub async fn media_file(&self, file_name: &str, viewer: Option<&Actor>) -> Result<MediaFile> {
        let not_found = || ServiceError::NotFound(Message::new("error-media-unknown"));
        let (id, ext) = file_name.split_once('.').ok_or_else(not_found)?;
        if id.len() != 32 || !id.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(not_found());
        }
        let kind = ImageKind::from_extension(ext).ok_or_else(not_found)?;
        let record = crate::store::cases::media(&self.db, id)
            .await?
            .filter(|r| r.content_type == kind.content_type())
            .ok_or_else(not_found)?;
        let case_id = record.case_id.as_deref().ok_or_else(not_found)?;
        let work = crate::store::case_work::find_by_id(&self.db, &record.jurisdiction_id, case_id)
            .await?
            .ok_or_else(not_found)?;
        let confidential = self
            .platform
            .catalog_snapshot(&record.jurisdiction_id)
            .await?
            .is_none_or(|s| s.confidential.contains(&work.category_code));
        let public = record.public && !confidential;
        let staff_may_see = || {
            viewer.is_some_and(|actor| {
                actor.jurisdiction_id == record.jurisdiction_id
                    && crate::casework::may_view(actor, &work)
            })
        };
        if !public && !staff_may_see() {
            return Err(not_found());
        }
        let bytes = tokio::fs::read(self.media_path(&format!("{id}.{}", kind.extension())))
            .await
            .map_err(|_| not_found())?;
        Ok(MediaFile {
            content_type: kind.content_type(),
            bytes,
            public,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_kind_is_sniffed_from_the_bytes() {
        assert_eq!(ImageKind::sniff(b"\xFF\xD8\xFF\xE0"), Some(ImageKind::Jpeg));
        assert_eq!(
            ImageKind::sniff(b"\x89PNG\r\n\x1a\n\0"),
            Some(ImageKind::Png)
        );
        assert_eq!(
            ImageKind::sniff(b"RIFF\0\0\0\0WEBPVP8 "),
            Some(ImageKind::Webp)
        );
        assert_eq!(ImageKind::sniff(b"%PDF-1.7"), None);
        assert_eq!(ImageKind::sniff(b"<svg"), None);
    }
}
