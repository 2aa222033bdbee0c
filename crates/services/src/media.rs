//! Photos attached to cases: type sniffed from the bytes (not trusted from the client), size
//! limited, and stripped of metadata (EXIF with its GPS position, XMP, text chunks) before
//! they are stored, because stored media are public. Files are written before the database
//! transaction commits and removed again if it fails.

use crate::{Result, ServiceError, Services};
use domain::Message;
use std::path::PathBuf;

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

/// Removes metadata from an image. Returns `None` if the file is not well formed.
pub fn strip_metadata(kind: ImageKind, bytes: &[u8]) -> Option<Vec<u8>> {
    match kind {
        ImageKind::Jpeg => strip_jpeg(bytes),
        ImageKind::Png => strip_png(bytes),
        ImageKind::Webp => strip_webp(bytes),
    }
}

/// Drops APP1 (EXIF, XMP), APP13 (IPTC) and COM segments; keeps everything from SOS on.
fn strip_jpeg(b: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(b.len());
    out.extend_from_slice(&b[..2]);
    let mut i = 2;
    loop {
        if i + 4 > b.len() || b[i] != 0xFF {
            return None;
        }
        let marker = b[i + 1];
        if marker == 0xDA {
            out.extend_from_slice(&b[i..]);
            return Some(out);
        }
        if marker == 0xD9 {
            out.extend_from_slice(&b[i..i + 2]);
            return Some(out);
        }
        let len = u16::from_be_bytes([b[i + 2], b[i + 3]]) as usize;
        if len < 2 || i + 2 + len > b.len() {
            return None;
        }
        if !matches!(marker, 0xE1 | 0xED | 0xFE) {
            out.extend_from_slice(&b[i..i + 2 + len]);
        }
        i += 2 + len;
    }
}

/// Drops eXIf and textual chunks (tEXt, zTXt, iTXt — XMP lives there) and time.
fn strip_png(b: &[u8]) -> Option<Vec<u8>> {
    let mut out = b[..8].to_vec();
    let mut i = 8;
    while i + 12 <= b.len() {
        let len = u32::from_be_bytes([b[i], b[i + 1], b[i + 2], b[i + 3]]) as usize;
        let end = i.checked_add(12)?.checked_add(len)?;
        if end > b.len() {
            return None;
        }
        let kind = &b[i + 4..i + 8];
        if !matches!(kind, b"eXIf" | b"tEXt" | b"zTXt" | b"iTXt" | b"tIME") {
            out.extend_from_slice(&b[i..end]);
        }
        i = end;
        if kind == b"IEND" {
            return Some(out);
        }
    }
    None
}

/// Drops EXIF and XMP chunks, clears their flags in VP8X and fixes the RIFF size.
fn strip_webp(b: &[u8]) -> Option<Vec<u8>> {
    let mut out = b[..12].to_vec();
    let mut i = 12;
    while i + 8 <= b.len() {
        let len = u32::from_le_bytes([b[i + 4], b[i + 5], b[i + 6], b[i + 7]]) as usize;
        let padded = len + (len & 1);
        let end = (i + 8).checked_add(padded)?.min(b.len());
        if i + 8 + len > b.len() {
            return None;
        }
        let kind = &b[i..i + 4];
        if kind != b"EXIF" && kind != b"XMP " {
            let start = out.len();
            out.extend_from_slice(&b[i..end]);
            if kind == b"VP8X" && len >= 1 {
                out[start + 8] &= !(0x08 | 0x04);
            }
        }
        i = end;
    }
    let size = u32::try_from(out.len() - 8).ok()?;
    out[4..8].copy_from_slice(&size.to_le_bytes());
    Some(out)
}

/// A checked upload, ready to store.
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

impl Services {
    fn media_path(&self, file_name: &str) -> PathBuf {
        self.config().media_dir.join(file_name)
    }

    /// Checks count, size and type of uploads, collecting every problem in `errors`.
    pub(crate) fn check_media(
        &self,
        uploads: Vec<MediaUpload>,
        errors: &mut Vec<Message>,
    ) -> Vec<CheckedMedia> {
        if uploads.len() > MAX_MEDIA_FILES {
            errors
                .push(Message::new("error-too-many-media").arg("max", MAX_MEDIA_FILES.to_string()));
            return Vec::new();
        }
        let mut out = Vec::new();
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
            let cleaned = ImageKind::sniff(&u.bytes).and_then(|kind| {
                strip_metadata(kind, &u.bytes).map(|bytes| CheckedMedia { kind, bytes })
            });
            match cleaned {
                Some(m) => out.push(m),
                None => errors.push(Message::new("error-media-type").arg("name", name)),
            }
        }
        out
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
                url: format!(
                    "{}/media/{file_name}",
                    self.config().public_url.trim_end_matches('/')
                ),
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

    /// A stored media file by its public name (`<id>.<ext>`), with its content type.
    pub async fn media_file(&self, file_name: &str) -> Result<(&'static str, Vec<u8>)> {
        let not_found = || ServiceError::NotFound(Message::new("error-media-unknown"));
        let (id, ext) = file_name.split_once('.').ok_or_else(not_found)?;
        if id.len() != 32 || !id.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(not_found());
        }
        let kind = ImageKind::from_extension(ext).ok_or_else(not_found)?;
        let bytes = tokio::fs::read(self.media_path(&format!("{id}.{}", kind.extension())))
            .await
            .map_err(|_| not_found())?;
        Ok((kind.content_type(), bytes))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn jpeg_with_exif() -> Vec<u8> {
        let mut b = vec![0xFF, 0xD8];
        // APP0 JFIF
        b.extend_from_slice(&[0xFF, 0xE0, 0x00, 0x07, b'J', b'F', b'I', b'F', 0x00]);
        // APP1 Exif with a fake GPS payload
        let payload = b"Exif\0\0GPS25.0330N121.5654E";
        b.extend_from_slice(&[0xFF, 0xE1]);
        b.extend_from_slice(&((payload.len() + 2) as u16).to_be_bytes());
        b.extend_from_slice(payload);
        // SOS + data + EOI
        b.extend_from_slice(&[0xFF, 0xDA, 0x00, 0x04, 0x01, 0x02, 0x11, 0x22, 0xFF, 0xD9]);
        b
    }

    #[test]
    fn jpeg_exif_is_removed_and_image_kept() {
        let src = jpeg_with_exif();
        let out = strip_metadata(ImageKind::Jpeg, &src).unwrap();
        assert!(!out.windows(4).any(|w| w == b"Exif"));
        assert!(out.windows(4).any(|w| w == b"JFIF"));
        assert!(out.ends_with(&[0x11, 0x22, 0xFF, 0xD9]));
    }

    #[test]
    fn png_text_chunks_are_removed() {
        fn chunk(kind: &[u8; 4], data: &[u8]) -> Vec<u8> {
            let mut c = (data.len() as u32).to_be_bytes().to_vec();
            c.extend_from_slice(kind);
            c.extend_from_slice(data);
            c.extend_from_slice(&[0, 0, 0, 0]);
            c
        }
        let mut src = b"\x89PNG\r\n\x1a\n".to_vec();
        src.extend(chunk(b"IHDR", &[0; 13]));
        src.extend(chunk(b"eXIf", b"GPS"));
        src.extend(chunk(b"iTXt", b"XML:com.adobe.xmp"));
        src.extend(chunk(b"IDAT", &[1, 2, 3]));
        src.extend(chunk(b"IEND", &[]));
        let out = strip_metadata(ImageKind::Png, &src).unwrap();
        assert!(!out.windows(4).any(|w| w == b"eXIf" || w == b"iTXt"));
        assert!(out.windows(4).any(|w| w == b"IDAT"));
    }

    #[test]
    fn non_images_and_truncated_files_are_rejected() {
        assert_eq!(ImageKind::sniff(b"%PDF-1.7"), None);
        assert_eq!(ImageKind::sniff(b"<svg"), None);
        let src = jpeg_with_exif();
        assert!(strip_metadata(ImageKind::Jpeg, &src[..10]).is_none());
    }
}
