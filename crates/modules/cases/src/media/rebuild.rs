//! An uploaded photo rebuilt from its decoded pixels. Nothing of the uploaded file survives
//! but the picture: EXIF (with its GPS position), XMP, IPTC, ICC profiles, MPF and JUMBF/C2PA
//! segments, text and unknown chunks, and whatever was appended after the image end are all
//! dropped, because only the pixels are encoded again. Copying the file while leaving out the
//! segments known to carry metadata (a deny-list) let all of those through (F12).
//!
//! Before any pixel is decoded, the dimensions declared in the header are checked against
//! [`MAX_SIDE`] and [`MAX_PIXELS`], so a small file that declares a huge image (a decompression
//! bomb: 60,000 × 60,000 pixels of zeros in 51 KB) is refused without allocating it; the
//! decoder's memory is capped by [`MAX_DECODE_BYTES`] as well.
//!
//! The EXIF orientation is applied to the pixels before the metadata is dropped, so a phone
//! photo taken in portrait stays upright. JPEG is encoded again at [`JPEG_QUALITY`], PNG
//! losslessly; WebP (whose encoder here is lossless only) becomes JPEG, or PNG when it has
//! transparency. The colour profile is dropped with the rest: pixels are taken as sRGB.

use super::ImageKind;
use image::metadata::Orientation;
use image::{DynamicImage, ImageDecoder, ImageError, ImageFormat, ImageReader, Limits};
use std::io::Cursor;

/// The longest side accepted, in pixels (panoramas from phones are up to about 16,000 wide).
pub const MAX_SIDE: u32 = 16_384;
/// The most pixels accepted: 64 megapixels, above the 50-megapixel photos of current phones.
pub const MAX_PIXELS: u64 = 64_000_000;
/// The most memory the decoder may allocate for the image: 8 bits a channel up to
/// [`MAX_PIXELS`] with transparency; 16-bit images that large are refused.
pub const MAX_DECODE_BYTES: u64 = 256 * 1024 * 1024;
/// The JPEG quality photos are encoded at.
pub const JPEG_QUALITY: u8 = 85;

/// Why a photo could not be rebuilt.
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
pub enum RebuildError {
    /// Not an image of the sniffed kind, or damaged.
    #[error("the image cannot be decoded: {0}")]
    Unreadable(String),
    /// The declared size is beyond [`MAX_SIDE`] or [`MAX_PIXELS`], or needs more memory than
    /// [`MAX_DECODE_BYTES`].
    #[error("the image is {width} × {height} pixels, beyond the limits")]
    TooLarge { width: u32, height: u32 },
    /// Encoding the pixels failed (an internal error).
    #[error("the image cannot be encoded: {0}")]
    Encode(String),
}

/// A photo encoded again from its pixels.
#[derive(Debug, Clone)]
pub struct Rebuilt {
    pub kind: ImageKind,
    pub bytes: Vec<u8>,
    pub width: u32,
    pub height: u32,
}

/// Whether a declared size is within the limits.
pub fn within_limits(width: u32, height: u32) -> bool {
    width <= MAX_SIDE && height <= MAX_SIDE && u64::from(width) * u64::from(height) <= MAX_PIXELS
}

/// Decodes `bytes` as `kind` (checked against the limits first), turns the pixels upright and
/// encodes them again without any metadata. CPU-heavy: call it off the async threads.
pub fn rebuild(kind: ImageKind, bytes: &[u8]) -> Result<Rebuilt, RebuildError> {
    let format = match kind {
        ImageKind::Jpeg => ImageFormat::Jpeg,
        ImageKind::Png => ImageFormat::Png,
        ImageKind::Webp => ImageFormat::WebP,
    };
    let unreadable = |e: ImageError| RebuildError::Unreadable(e.to_string());
    // Reading the header allocates nothing in proportion to the declared size.
    let mut header_limits = Limits::default();
    header_limits.max_alloc = Some(MAX_DECODE_BYTES);
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format);
    reader.limits(header_limits.clone());
    let mut decoder = reader.into_decoder().map_err(unreadable)?;
    let (width, height) = decoder.dimensions();
    let too_large = RebuildError::TooLarge { width, height };
    if !within_limits(width, height) {
        return Err(too_large);
    }
    // A damaged EXIF block costs the orientation, not the photo.
    let orientation = decoder.orientation().unwrap_or(Orientation::NoTransforms);
    let mut limits = header_limits;
    limits.max_image_width = Some(MAX_SIDE);
    limits.max_image_height = Some(MAX_SIDE);
    let limited = |e: ImageError| match e {
        ImageError::Limits(_) => too_large.clone(),
        e => unreadable(e),
    };
    limits.reserve(decoder.total_bytes()).map_err(limited)?;
    decoder.set_limits(limits).map_err(limited)?;
    let mut pixels = DynamicImage::from_decoder(decoder).map_err(limited)?;
    pixels.apply_orientation(orientation);
    encode(kind, &pixels)
}

fn encode(kind: ImageKind, pixels: &DynamicImage) -> Result<Rebuilt, RebuildError> {
    let kind = match kind {
        ImageKind::Webp if pixels.color().has_alpha() => ImageKind::Png,
        ImageKind::Webp => ImageKind::Jpeg,
        kind => kind,
    };
    let mut bytes = Vec::new();
    let written = if kind == ImageKind::Jpeg {
        pixels.write_with_encoder(image::codecs::jpeg::JpegEncoder::new_with_quality(
            &mut bytes,
            JPEG_QUALITY,
        ))
    } else {
        pixels.write_with_encoder(image::codecs::png::PngEncoder::new_with_quality(
            &mut bytes,
            image::codecs::png::CompressionType::Default,
            image::codecs::png::FilterType::Adaptive,
        ))
    };
    written.map_err(|e| RebuildError::Encode(e.to_string()))?;
    Ok(Rebuilt {
        kind,
        bytes,
        width: pixels.width(),
        height: pixels.height(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::{ImageEncoder, Rgb, RgbImage};

    /// A `width` × `height` photo: red on the left half, blue on the right.
    fn halves(width: u32, height: u32) -> RgbImage {
        RgbImage::from_fn(width, height, |x, _| {
            if x < width / 2 {
                Rgb([220, 20, 20])
            } else {
                Rgb([20, 20, 220])
            }
        })
    }

    fn jpeg(pixels: &RgbImage) -> Vec<u8> {
        let mut out = Vec::new();
        image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 90)
            .write_image(
                pixels.as_raw(),
                pixels.width(),
                pixels.height(),
                image::ExtendedColorType::Rgb8,
            )
            .expect("encode");
        out
    }

    fn segment(marker: u8, payload: &[u8]) -> Vec<u8> {
        let mut s = vec![0xFF, marker];
        s.extend_from_slice(&u16::try_from(payload.len() + 2).unwrap().to_be_bytes());
        s.extend_from_slice(payload);
        s
    }

    /// An APP1 EXIF block: a big-endian TIFF with the orientation and a GPS-looking text.
    fn exif(orientation: u16) -> Vec<u8> {
        let mut p = b"Exif\0\0MM\0\x2a\0\0\0\x08\0\x01".to_vec();
        p.extend_from_slice(&[0x01, 0x12, 0x00, 0x03, 0, 0, 0, 1]);
        p.extend_from_slice(&orientation.to_be_bytes());
        p.extend_from_slice(&[0, 0, 0, 0, 0, 0]);
        p.extend_from_slice(b"GPS-HIDDEN 25.0418N 121.5437E");
        segment(0xE1, &p)
    }

    /// `jpeg` with `segments` right after its start marker.
    fn with_segments(jpeg: &[u8], segments: &[Vec<u8>]) -> Vec<u8> {
        let mut out = jpeg[..2].to_vec();
        for s in segments {
            out.extend_from_slice(s);
        }
        out.extend_from_slice(&jpeg[2..]);
        out
    }

    fn contains(haystack: &[u8], needle: &[u8]) -> bool {
        haystack.windows(needle.len()).any(|w| w == needle)
    }

    /// The markers of a JPEG's segments up to its first scan.
    fn markers(jpeg: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        let mut i = 2;
        while i + 4 <= jpeg.len() && jpeg[i] == 0xFF {
            let marker = jpeg[i + 1];
            out.push(marker);
            if marker == 0xDA {
                break;
            }
            i += 2 + usize::from(u16::from_be_bytes([jpeg[i + 2], jpeg[i + 3]]));
        }
        out
    }

    fn decode(bytes: &[u8]) -> DynamicImage {
        image::load_from_memory(bytes).expect("the output decodes")
    }

    /// F12: nothing but the pixels survives a JPEG: EXIF with GPS, APP2 (ICC, MPF), APP11
    /// (JUMBF/C2PA), comments, and a second image with its own EXIF appended after the end.
    #[test]
    fn a_jpeg_keeps_only_its_pixels() {
        let plain = jpeg(&halves(64, 48));
        let mut upload = with_segments(
            &plain,
            &[
                exif(1),
                segment(0xE2, b"MPF\0GPS-HIDDEN second image index"),
                segment(0xEB, b"JP\0\x01jumb c2pa GPS-HIDDEN assertion"),
                segment(0xFE, b"GPS-HIDDEN comment"),
            ],
        );
        upload.extend(with_segments(&plain, &[exif(1)]));
        let out = rebuild(ImageKind::Jpeg, &upload).expect("rebuilt");
        assert_eq!(out.kind, ImageKind::Jpeg);
        assert!(!contains(&out.bytes, b"GPS-HIDDEN"));
        assert!(!contains(&out.bytes, b"Exif"));
        let kept = markers(&out.bytes);
        assert!(
            !kept.iter().any(|m| matches!(m, 0xE1..=0xEF | 0xFE)),
            "only JFIF (APP0) may stay: {kept:x?}"
        );
        assert!(out.bytes.ends_with(&[0xFF, 0xD9]));
        assert_eq!(
            out.bytes.windows(2).filter(|w| w == &[0xFF, 0xD8]).count(),
            1,
            "one image, nothing appended"
        );
        let back = decode(&out.bytes);
        assert_eq!((back.width(), back.height()), (64, 48));
    }

    /// F12: a PNG keeps its pixels exactly and loses eXIf, text and unknown chunks.
    #[test]
    fn a_png_keeps_only_its_pixels() {
        let pixels = halves(40, 30);
        let mut png = Vec::new();
        image::codecs::png::PngEncoder::new(&mut png)
            .write_image(pixels.as_raw(), 40, 30, image::ExtendedColorType::Rgb8)
            .expect("encode");
        // Before IEND (the last 12 bytes): chunks with made-up CRCs are refused by the
        // decoder, so give them real ones.
        let end = png.split_off(png.len() - 12);
        for (kind, data) in [
            (b"eXIf", &b"MM\0\x2a GPS-HIDDEN"[..]),
            (b"tEXt", b"Comment\0GPS-HIDDEN"),
            (b"prVt", b"GPS-HIDDEN private chunk"),
        ] {
            png.extend_from_slice(&u32::try_from(data.len()).unwrap().to_be_bytes());
            let mut body = kind.to_vec();
            body.extend_from_slice(data);
            png.extend_from_slice(&body);
            png.extend_from_slice(&crc32(&body).to_be_bytes());
        }
        png.extend(end);
        png.extend_from_slice(b"GPS-HIDDEN after IEND");
        let out = rebuild(ImageKind::Png, &png).expect("rebuilt");
        assert_eq!(out.kind, ImageKind::Png);
        for gone in [&b"GPS-HIDDEN"[..], b"eXIf", b"tEXt", b"prVt"] {
            assert!(
                !contains(&out.bytes, gone),
                "{}",
                String::from_utf8_lossy(gone)
            );
        }
        assert_eq!(decode(&out.bytes).to_rgb8(), pixels, "lossless");
    }

    fn crc32(bytes: &[u8]) -> u32 {
        let mut crc = 0xffff_ffffu32;
        for b in bytes {
            crc ^= u32::from(*b);
            for _ in 0..8 {
                crc = if crc & 1 == 1 {
                    (crc >> 1) ^ 0xedb8_8320
                } else {
                    crc >> 1
                };
            }
        }
        !crc
    }

    /// F12: a portrait photo stored landscape with EXIF orientation 6 (turn 90° clockwise)
    /// comes out upright: taller than wide, the left (red) half now on top.
    #[test]
    fn the_exif_orientation_is_applied_to_the_pixels() {
        let upload = with_segments(&jpeg(&halves(64, 32)), &[exif(6)]);
        let out = decode(&rebuild(ImageKind::Jpeg, &upload).expect("rebuilt").bytes).to_rgb8();
        assert_eq!((out.width(), out.height()), (32, 64));
        let top = out.get_pixel(16, 8);
        let bottom = out.get_pixel(16, 56);
        assert!(top[0] > 150 && top[2] < 100, "red on top: {top:?}");
        assert!(bottom[2] > 150 && bottom[0] < 100, "blue below: {bottom:?}");
    }

    /// F12: a PNG that declares 60,000 × 60,000 pixels is refused from its header, at once.
    #[test]
    fn a_decompression_bomb_is_refused_before_decoding() {
        let mut ihdr = b"IHDR".to_vec();
        ihdr.extend_from_slice(&60_000u32.to_be_bytes());
        ihdr.extend_from_slice(&60_000u32.to_be_bytes());
        ihdr.extend_from_slice(&[8, 2, 0, 0, 0]);
        let mut png = b"\x89PNG\r\n\x1a\n\0\0\0\x0d".to_vec();
        png.extend_from_slice(&ihdr);
        png.extend_from_slice(&crc32(&ihdr).to_be_bytes());
        let idat = b"IDAT\x78\x01";
        png.extend_from_slice(&[0, 0, 0, 2]);
        png.extend_from_slice(idat);
        png.extend_from_slice(&crc32(idat).to_be_bytes());
        let started = std::time::Instant::now();
        assert_eq!(
            rebuild(ImageKind::Png, &png).map(|r| r.kind),
            Err(RebuildError::TooLarge {
                width: 60_000,
                height: 60_000
            })
        );
        assert!(started.elapsed() < std::time::Duration::from_millis(500));
        assert!(within_limits(8160, 6144), "a 50-megapixel phone photo");
        assert!(!within_limits(MAX_SIDE + 1, 100));
        assert!(!within_limits(10_000, 10_000));
    }

    /// A WebP becomes a JPEG (the WebP encoder here is lossless only, too big for photos).
    #[test]
    fn a_webp_becomes_a_jpeg() {
        let pixels = halves(32, 16);
        let mut webp = Vec::new();
        image::codecs::webp::WebPEncoder::new_lossless(&mut webp)
            .write_image(pixels.as_raw(), 32, 16, image::ExtendedColorType::Rgb8)
            .expect("encode");
        let out = rebuild(ImageKind::Webp, &webp).expect("rebuilt");
        assert_eq!(out.kind, ImageKind::Jpeg);
        assert_eq!(decode(&out.bytes).width(), 32);
    }

    /// The cost of a typical phone photo (4000 × 3000 JPEG, textured like a street scene)
    /// rebuilt from its pixels, against copying it without its metadata segments as before.
    /// `cargo test --release -p civicdesk-cases --lib -- --ignored --nocapture rebuild_cost`
    #[test]
    #[ignore = "a measurement; run it in release"]
    fn rebuild_cost() {
        let (width, height) = (4000, 3000);
        let mut seed = 0x2545_f491_u32;
        let pixels = RgbImage::from_fn(width, height, |x, y| {
            seed ^= seed << 13;
            seed ^= seed >> 17;
            seed ^= seed << 5;
            let noise = (seed % 24) as u8;
            Rgb([
                (x * 255 / width) as u8 / 2 + noise,
                (y * 255 / height) as u8 / 2 + noise,
                ((x + y) % 256) as u8 / 2 + noise,
            ])
        });
        let upload = with_segments(&jpeg(&pixels), &[exif(6)]);
        // The deny-list copy it replaces: every segment before the scan but APP1/APP13/COM.
        let strip = |b: &[u8]| {
            let mut out = b[..2].to_vec();
            let mut i = 2;
            while b[i + 1] != 0xDA {
                let len = usize::from(u16::from_be_bytes([b[i + 2], b[i + 3]]));
                if !matches!(b[i + 1], 0xE1 | 0xED | 0xFE) {
                    out.extend_from_slice(&b[i..i + 2 + len]);
                }
                i += 2 + len;
            }
            out.extend_from_slice(&b[i..]);
            out
        };
        let runs = 5;
        let started = std::time::Instant::now();
        for _ in 0..runs {
            std::hint::black_box(strip(&upload));
        }
        let before = started.elapsed() / runs;
        let started = std::time::Instant::now();
        let mut out = None;
        for _ in 0..runs {
            out = Some(rebuild(ImageKind::Jpeg, &upload).expect("rebuilt"));
        }
        let after = started.elapsed() / runs;
        let out = out.expect("one run");
        println!(
            "4000x3000 JPEG, {} KB in: deny-list copy {before:?}, rebuild {after:?} \
             ({}x{} out, {} KB, quality {JPEG_QUALITY})",
            upload.len() / 1024,
            out.width,
            out.height,
            out.bytes.len() / 1024
        );
    }

    #[test]
    fn damaged_files_are_refused() {
        let whole = jpeg(&halves(64, 48));
        for broken in [&whole[..40], &whole[..2], b"\xFF\xD8\xFFnot really"] {
            assert!(matches!(
                rebuild(ImageKind::Jpeg, broken),
                Err(RebuildError::Unreadable(_))
            ));
        }
        assert!(matches!(
            rebuild(ImageKind::Png, b"\x89PNG\r\n\x1a\n"),
            Err(RebuildError::Unreadable(_))
        ));
    }
}
