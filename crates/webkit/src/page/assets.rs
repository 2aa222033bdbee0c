//! Stylesheets, scripts and images, embedded in the binary. URLs carry a version so they can
//! be cached for a year; a new build changes the version.

use axum::extract::Path;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use rust_embed::RustEmbed;
use std::sync::LazyLock;

#[derive(RustEmbed)]
#[folder = "assets/"]
struct Assets;

static VERSION: LazyLock<String> = LazyLock::new(|| {
    // FNV-1a over every asset: changes whenever any asset does.
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    let mut names: Vec<_> = Assets::iter().collect();
    names.sort();
    for name in names {
        if let Some(file) = Assets::get(&name) {
            for b in name.bytes().chain(file.data.iter().copied()) {
                hash ^= u64::from(b);
                hash = hash.wrapping_mul(0x0100_0000_01b3);
            }
        }
    }
    format!("{:08x}", hash >> 32)
});

/// The version segment of asset URLs (`/assets/{version}/ui.css`).
pub fn version() -> &'static str {
    &VERSION
}

fn content_type(name: &str) -> &'static str {
    match name.rsplit('.').next() {
        Some("css") => "text/css; charset=utf-8",
        Some("js") => "text/javascript; charset=utf-8",
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        Some("ico") => "image/x-icon",
        Some("woff2") => "font/woff2",
        _ => "application/octet-stream",
    }
}

pub async fn serve(Path(path): Path<String>) -> Response {
    let (versioned, name) = match path.split_once('/') {
        Some((v, rest)) if v == version() => (true, rest),
        Some((_, rest)) => (false, rest),
        None => (false, path.as_str()),
    };
    let Some(file) = Assets::get(name) else {
        return (StatusCode::NOT_FOUND, "404 Not Found").into_response();
    };
    let cache = if versioned {
        "public, max-age=31536000, immutable"
    } else {
        "no-cache"
    };
    let mut response = (
        [
            (header::CONTENT_TYPE, content_type(name)),
            (header::CACHE_CONTROL, cache),
        ],
        file.data.into_owned(),
    )
        .into_response();
    if let Ok(v) = HeaderValue::from_str(&format!("\"{}\"", version())) {
        response.headers_mut().insert(header::ETAG, v);
    }
    response
}
