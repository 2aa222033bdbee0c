//! A multipart form with photos (the report page, the field worker's photos).

use crate::media::MediaUpload;
use axum::extract::Multipart;
use axum::http::StatusCode;
use identity::doors::Viewer;
use webkit::page::PageError;

/// A multipart form as posted: the files of its `photos` inputs (empty ones left out) and its
/// other fields, in order.
pub struct Posted {
    pub photos: Vec<MediaUpload>,
    pub fields: Vec<(String, String)>,
}

/// Reads a multipart form with photos (the report page, the field worker's photos). A photo
/// over the body limit is `413`; an unreadable form is `400`.
pub async fn read_multipart(v: &Viewer, mut multipart: Multipart) -> Result<Posted, PageError> {
    let bad_form = || PageError::new(StatusCode::BAD_REQUEST, "error-form-unreadable", v.locale);
    let mut posted = Posted {
        photos: Vec::new(),
        fields: Vec::new(),
    };
    while let Some(field) = multipart.next_field().await.map_err(|_| bad_form())? {
        let name = field.name().unwrap_or_default().to_string();
        if name == "photos" {
            let filename = field.file_name().map(str::to_string);
            let bytes = field.bytes().await.map_err(|_| {
                PageError::new(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "error-media-too-large",
                    v.locale,
                )
            })?;
            if !bytes.is_empty() {
                posted.photos.push(MediaUpload {
                    filename,
                    bytes: bytes.to_vec(),
                });
            }
            continue;
        }
        let value = field.text().await.map_err(|_| bad_form())?;
        posted.fields.push((name, value));
    }
    Ok(posted)
}
