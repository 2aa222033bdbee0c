//! Photos: what is stored of an upload (the pixels, upright, and nothing else), the size of
//! image refused before it is decoded, and who may fetch a stored photo.

use crate::support::*;
use image::{GenericImageView, ImageEncoder, Rgb, RgbImage};
use reqwest::Method;
use serde_json::{Value, json};

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

pub fn jpeg(width: u32, height: u32) -> Vec<u8> {
    let pixels = halves(width, height);
    let mut out = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 90)
        .write_image(
            pixels.as_raw(),
            width,
            height,
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

/// An APP1 EXIF block: a TIFF header with the orientation, then a location in plain text.
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

fn png_chunk(kind: &[u8; 4], data: &[u8]) -> Vec<u8> {
    let mut out = u32::try_from(data.len()).unwrap().to_be_bytes().to_vec();
    let mut body = kind.to_vec();
    body.extend_from_slice(data);
    out.extend_from_slice(&body);
    out.extend_from_slice(&crc32(&body).to_be_bytes());
    out
}

/// A real PNG carrying a location in an eXIf chunk, a text chunk and a private chunk.
pub fn png_with_location() -> Vec<u8> {
    let pixels = halves(40, 30);
    let mut png = Vec::new();
    image::codecs::png::PngEncoder::new(&mut png)
        .write_image(pixels.as_raw(), 40, 30, image::ExtendedColorType::Rgb8)
        .expect("encode");
    let end = png.split_off(png.len() - 12);
    png.extend(png_chunk(b"eXIf", b"MM\0\x2a GPS-HIDDEN 25.0418N"));
    png.extend(png_chunk(b"tEXt", b"Comment\0GPS-HIDDEN"));
    png.extend(png_chunk(b"prVt", b"GPS-HIDDEN private chunk"));
    png.extend(end);
    png
}

/// The report's `bomb.png`: 60,000 × 60,000 pixels declared, a stream of zeros.
fn png_bomb() -> Vec<u8> {
    use std::io::Write;
    let mut ihdr = 60_000u32.to_be_bytes().to_vec();
    ihdr.extend_from_slice(&60_000u32.to_be_bytes());
    ihdr.extend_from_slice(&[8, 2, 0, 0, 0]);
    let mut zeros = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
    let row = vec![0u8; 60_000 * 3 + 1];
    for _ in 0..100 {
        zeros.write_all(&row).unwrap();
    }
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    png.extend(png_chunk(b"IHDR", &ihdr));
    png.extend(png_chunk(b"IDAT", &zeros.finish().unwrap()));
    png.extend(png_chunk(b"IEND", b""));
    png
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// The markers of a JPEG's segments up to its first scan.
fn markers(jpeg: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut i = 2;
    while i + 4 <= jpeg.len() && jpeg[i] == 0xFF {
        out.push(jpeg[i + 1]);
        if jpeg[i + 1] == 0xDA {
            break;
        }
        i += 2 + usize::from(u16::from_be_bytes([jpeg[i + 2], jpeg[i + 3]]));
    }
    out
}

/// Files a street-light case over Open311 with one photo; the answer's status and body.
async fn file_with_photo(app: &TestApp, photo: Vec<u8>, locale: &str) -> (u16, Value) {
    let form = reqwest::multipart::Form::new()
        .text("api_key", app.key.clone())
        .text("service_code", "1999-L01")
        .text("lat", "25.0377")
        .text("long", "121.5436")
        .text("attribute[lamps_out]", "1")
        .text("locale", locale.to_string())
        .part(
            "media",
            reqwest::multipart::Part::bytes(photo).file_name("photo"),
        );
    let r = app
        .client
        .post(app.url("requests.json"))
        .multipart(form)
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.json().await.unwrap())
}

/// The published photo of an Open311 filing, as anyone fetches it.
async fn published_photo(app: &TestApp, filed: &Value) -> reqwest::Response {
    let id = filed[0]["service_request_id"].as_str().expect("an id");
    let (_, request) = app.get_json(&format!("requests/{id}.json")).await;
    let url = request[0]["media_url"].as_str().expect("media_url");
    let photo = app.client.get(url).send().await.unwrap();
    assert_eq!(photo.status(), 200);
    assert_eq!(
        photo.headers()["cache-control"],
        "public, max-age=31536000, immutable"
    );
    photo
}

/// F12: a phone JPEG keeps nothing but its pixels: not its EXIF GPS block, not APP2 (MPF)
/// or APP11 (JUMBF/C2PA) segments, not a second image with its own EXIF appended after
/// the end of the first.
#[tokio::test]
async fn an_uploaded_jpeg_keeps_nothing_but_its_pixels() {
    let app = TestApp::start().await;
    let plain = jpeg(64, 48);
    let mut upload = with_segments(
        &plain,
        &[
            exif(1),
            segment(0xE2, b"MPF\0GPS-HIDDEN second image index"),
            segment(0xEB, b"JP\0\x01jumb c2pa GPS-HIDDEN assertion"),
        ],
    );
    upload.extend(with_segments(&plain, &[exif(1)]));
    let (status, filed) = file_with_photo(&app, upload, "en").await;
    assert_eq!(status, 200, "{filed}");
    let photo = published_photo(&app, &filed).await;
    assert_eq!(photo.headers()["content-type"], "image/jpeg");
    let bytes = photo.bytes().await.unwrap();
    assert!(!contains(&bytes, b"GPS-HIDDEN"), "no location survives");
    assert!(!contains(&bytes, b"Exif"));
    let kept = markers(&bytes);
    assert!(
        !kept.iter().any(|m| matches!(m, 0xE1..=0xEF | 0xFE)),
        "no application segment but JFIF: {kept:x?}"
    );
    assert_eq!(
        bytes.windows(2).filter(|w| w == &[0xFF, 0xD8]).count(),
        1,
        "nothing appended"
    );
    let back = image::load_from_memory(&bytes).expect("the stored photo decodes");
    assert_eq!(back.dimensions(), (64, 48));
}

/// F12: a PNG loses its eXIf, text and private chunks and keeps its pixels exactly.
#[tokio::test]
async fn an_uploaded_png_keeps_nothing_but_its_pixels() {
    let app = TestApp::start().await;
    let (status, filed) = file_with_photo(&app, png_with_location(), "en").await;
    assert_eq!(status, 200, "{filed}");
    let photo = published_photo(&app, &filed).await;
    assert_eq!(photo.headers()["content-type"], "image/png");
    let bytes = photo.bytes().await.unwrap();
    for gone in [&b"GPS-HIDDEN"[..], b"eXIf", b"tEXt", b"prVt"] {
        assert!(!contains(&bytes, gone), "{}", String::from_utf8_lossy(gone));
    }
    let back = image::load_from_memory(&bytes).expect("decodes").to_rgb8();
    assert_eq!(back, halves(40, 30), "lossless");
}

/// F12: a photo taken in portrait (stored landscape, EXIF orientation 6) is stored upright.
#[tokio::test]
async fn a_turned_phone_photo_is_stored_upright() {
    let app = TestApp::start().await;
    let upload = with_segments(&jpeg(64, 32), &[exif(6)]);
    let (status, filed) = file_with_photo(&app, upload, "en").await;
    assert_eq!(status, 200, "{filed}");
    let bytes = published_photo(&app, &filed).await.bytes().await.unwrap();
    let back = image::load_from_memory(&bytes).expect("decodes").to_rgb8();
    assert_eq!(back.dimensions(), (32, 64), "taller than wide");
    let top = back.get_pixel(16, 8);
    assert!(
        top[0] > 150 && top[2] < 100,
        "the left (red) half on top: {top:?}"
    );
}

/// F12: the report's 60,000 × 60,000 PNG bomb is refused from its header, in the caller's
/// language, at once, and nothing is filed.
#[tokio::test]
async fn an_image_bomb_is_refused_before_it_is_decoded() {
    let app = TestApp::start().await;
    let bomb = png_bomb();
    assert!(bomb.len() < 64 * 1024, "{} bytes", bomb.len());
    for (locale, expected) in [
        ("en", "60000 × 60000 pixels: too large"),
        ("zh-TW", "60000 × 60000 像素，太大了"),
    ] {
        let started = std::time::Instant::now();
        let (status, body) = file_with_photo(&app, bomb.clone(), locale).await;
        assert_eq!(status, 400, "{body}");
        let text = body[0]["description"].as_str().unwrap_or_default();
        assert!(text.contains(expected), "{locale}: {text}");
        assert!(
            text.contains("16384"),
            "{locale}: the limit is named: {text}"
        );
        assert!(
            started.elapsed() < std::time::Duration::from_secs(2),
            "{:?}",
            started.elapsed()
        );
    }
    assert_eq!(app.case_count().await, 0);
    let stored = std::fs::read_dir(app.dir.path().join("media")).map_or(0, |d| d.count());
    assert_eq!(stored, 0, "no file kept");
}

/// The people of one department's case, and the case with a field worker assigned.
struct Case {
    number: String,
    agent: Browser,
    dispatcher: Browser,
    field: Browser,
    other_dispatcher: Browser,
}

/// The application with the staff of [`assigned_case`].
async fn app_with_case_staff() -> TestApp {
    TestApp::new()
        .with_user("agent", None)
        .with_user("dispatcher", Some("PWD-PKS"))
        .with_user("field_worker", Some("PWD-PKS"))
        .with_user("dispatcher", Some("DEP"))
        .start()
        .await
}

async fn assigned_case(app: &TestApp) -> Case {
    let field_id = &app.user("field_worker", Some("PWD-PKS")).id;
    let case = Case {
        number: String::new(),
        agent: app.user("agent", None).browser.clone(),
        dispatcher: app.user("dispatcher", Some("PWD-PKS")).browser.clone(),
        field: app.user("field_worker", Some("PWD-PKS")).browser.clone(),
        other_dispatcher: app.user("dispatcher", Some("DEP")).browser.clone(),
    };
    let (status, filed) = send(app.as_browser(&case.agent, Method::POST, "cases").json(&json!({
        "service_code": "1999-L01", "address": "臺北市中山區林森北路1號", "attributes": { "lamps_out": 1 }
    })))
    .await;
    assert_eq!(status, 201, "{filed}");
    let number = filed["case_number"].as_str().unwrap().to_string();
    for action in [
        json!({ "action": "acknowledge" }),
        json!({ "action": "assign_worker", "assignee_id": field_id }),
    ] {
        let (status, body) = send(
            app.as_browser(
                &case.dispatcher,
                Method::POST,
                &format!("cases/{number}/actions"),
            )
            .json(&action),
        )
        .await;
        assert_eq!(status, 200, "{body}");
    }
    Case { number, ..case }
}

/// The field worker adds a photo; its URL as the staff view of the case shows it.
async fn field_photo(app: &TestApp, case: &Case, public: bool) -> String {
    let form = reqwest::multipart::Form::new()
        .text("public", public.to_string())
        .part(
            "photo",
            reqwest::multipart::Part::bytes(jpeg(32, 24)).file_name("after.jpg"),
        );
    let path = format!("cases/{}/photos", case.number);
    let (status, body) = send(
        app.as_browser(&case.field, Method::POST, &path)
            .multipart(form),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let (_, detail) = send(app.as_browser(
        &case.dispatcher,
        Method::GET,
        &format!("cases/{}", case.number),
    ))
    .await;
    detail["events"]
        .as_array()
        .unwrap()
        .iter()
        .rfind(|e| e["kind"] == "photo")
        .and_then(|e| e["data"]["photos"][0].as_str())
        .expect("the photo's URL in the staff view")
        .to_string()
}

/// A GET of `url` with `who`'s session cookie (or none): the status and Cache-Control.
async fn fetch(app: &TestApp, url: &str, who: Option<&Browser>) -> (u16, String) {
    let mut req = app.client.get(url);
    if let Some(b) = who {
        req = req.header(
            "cookie",
            format!("{}={}", web::api::SESSION_COOKIE, b.cookie),
        );
    }
    let r = req.send().await.unwrap();
    let cache = r
        .headers()
        .get("cache-control")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    (r.status().as_u16(), cache)
}

/// F11: an internal field photo is served only to staff who may see the case, never cached;
/// anonymous callers, citizens and another department's dispatcher get the same 404 as for
/// a photo that does not exist. A public photo stays public and cacheable.
#[tokio::test]
async fn internal_photos_are_served_only_to_staff_who_see_the_case() {
    let app = app_with_case_staff().await;
    let case = assigned_case(&app).await;
    let internal = field_photo(&app, &case, false).await;
    let (_, open311) = app
        .get_json(&format!("requests/{}.json", case.number))
        .await;
    let name = internal.rsplit('/').next().unwrap();
    assert!(!open311.to_string().contains(name), "not published");

    app.citizen("citizen.a@example.com", "a long walk by the river")
        .await;
    let citizen = app
        .sign_in("citizen.a@example.com", "a long walk by the river")
        .await;
    let unknown = format!("{}/media/{}.jpg", app.base, "0".repeat(32));
    let (status, cache) = fetch(&app, &unknown, None).await;
    assert_eq!((status, cache.as_str()), (404, "no-store"));
    for (who, name) in [
        (None, "anonymous"),
        (Some(&citizen), "a citizen"),
        (
            Some(&case.other_dispatcher),
            "another department's dispatcher",
        ),
    ] {
        assert_eq!(
            fetch(&app, &internal, who).await,
            (404, "no-store".to_string()),
            "{name}: the same answer as for an unknown photo"
        );
    }
    for (who, name) in [
        (&case.dispatcher, "the department's dispatcher"),
        (&case.field, "the assigned field worker"),
        (&case.agent, "a call-centre agent"),
    ] {
        assert_eq!(
            fetch(&app, &internal, Some(who)).await,
            (200, "private, no-store".to_string()),
            "{name}"
        );
    }

    let public = field_photo(&app, &case, true).await;
    assert_eq!(
        fetch(&app, &public, None).await,
        (200, "public, max-age=31536000, immutable".to_string())
    );
}

/// F11: the photos of a confidential (blackbox) case are not public even though the reporter
/// attached them to the filing: only staff who see the case get them.
#[tokio::test]
async fn photos_of_a_confidential_case_are_not_public() {
    let app = TestApp::start().await;
    let form = reqwest::multipart::Form::new()
        .text("api_key", app.key.clone())
        .text("service_code", "PET-07")
        .text("address_string", "松山區")
        .text("description", "檢舉")
        .part(
            "media",
            reqwest::multipart::Part::bytes(jpeg(32, 24)).file_name("evidence.jpg"),
        );
    let r = app
        .client
        .post(app.url("requests.json"))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let stored: Vec<String> = std::fs::read_dir(app.dir.path().join("media"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(stored.len(), 1, "{stored:?}");
    let url = format!("{}/media/{}", app.base, stored[0]);
    assert_eq!(fetch(&app, &url, None).await, (404, "no-store".to_string()));
    app.staff("admin.case", &["jurisdiction_admin"]).await;
    let admin = app.sign_in("admin.case", STAFF_PASSWORD).await;
    assert_eq!(
        fetch(&app, &url, Some(&admin)).await,
        (200, "private, no-store".to_string())
    );
}

/// F11: photos stored before the upgrade keep being served as they were published: public if
/// their case lists them, staff only otherwise; and the new column is read at once on SQLite
/// too (a connection opened before the change would not find it).
#[tokio::test]
async fn the_upgrade_keeps_published_photos_public() {
    let dir = tempfile::tempdir().unwrap();
    let url = fresh_database(dir.path()).await;
    let db = store::Db::connect(&url, 4).await.unwrap();
    store::migrate::migrate_to(&db, 12).await.unwrap();
    let config = platform::ServiceConfig {
        public_url: "https://1999.example.tw".into(),
        media_dir: dir.path().join("media"),
        default_jurisdiction: Some(TAIPEI.into()),
        notify: Default::default(),
        webhooks: Default::default(),
        public_grid_m: domain::geo::PublicGrid::DEFAULT_CELL_M,
        jobs: Default::default(),
        filing_limits: Default::default(),
        modules: Default::default(),
        maps: Default::default(),
        // Staff sign in with a password alone unless a test asks for the second factor.
        second_factor_roles: Vec::new(),
        login_providers: Vec::new(),
        retention: Default::default(),
        breach_report_hours: 72,
        mydata: None,
        payments: Default::default(),
        pickup: Default::default(),
    };
    web::Modules::open(db.clone(), config)
        .await
        .unwrap()
        .cases
        .seed_reference()
        .await
        .unwrap();
    let published = "0196a1b2c3d4e5f60718293a4b5c6d7e";
    let internal = "0196a1b2c3d4e5f60718293a4b5c6d7f";
    let mut tx = db.begin().await.unwrap();
    cases::testkit::insert_case(
        &mut tx,
        &cases::testkit::NewCase {
            id: "case-1".into(),
            jurisdiction_id: TAIPEI.into(),
            case_number: "2026010100001".into(),
            category_code: "1999-L01".into(),
            status: "assigned".into(),
            urgency: "P3".into(),
            channel: "phone".into(),
            description: "路燈不亮".into(),
            attributes: "[]".into(),
            media_urls: format!(r#"["https://1999.example.tw/media/{published}.jpg"]"#),
            password_hash: "x".into(),
            requested_at: 1_767_225_600,
            ..Default::default()
        },
    )
    .await
    .unwrap();
    for id in [published, internal] {
        let insert = sea_query::Query::insert()
            .into_table("media")
            .columns([
                "id",
                "jurisdiction_id",
                "case_id",
                "content_type",
                "size_bytes",
                "created_at",
            ])
            .values_panic([
                id.into(),
                TAIPEI.into(),
                "case-1".into(),
                "image/jpeg".into(),
                1.into(),
                1.into(),
            ])
            .to_owned();
        tx.execute(&insert).await.unwrap();
    }
    tx.commit().await.unwrap();
    db.close().await;
    // The upgrade, as `civicdesk serve` runs it before serving.
    let (db, _) = web::Modules::connect_and_migrate(&url, 4).await.unwrap();
    for (id, public) in [(published, true), (internal, false)] {
        let record = cases::testkit::media(&db, id).await.unwrap().expect("kept");
        assert_eq!(record.public, public, "{id}");
    }
}
