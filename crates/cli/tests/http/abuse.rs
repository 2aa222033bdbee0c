//! Unauthenticated resource exhaustion and filing limits (issue 23: F7, F8, F9, F13, F21, F23).
//! Several tests speak raw HTTP/1.1 over TCP: they announce a large body, send only its start,
//! and expect the answer anyway, which proves the server decided without reading the rest.

use crate::support::*;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

fn host(app: &TestApp) -> &str {
    app.base.trim_start_matches("http://")
}

/// A response read off a raw connection: status and the whole text.
struct Raw {
    status: u16,
    text: String,
}

/// Reads one response (headers and a `Content-Length` body) within `wait`; `None` if none
/// came.
async fn read_response(stream: &mut TcpStream, wait: Duration) -> Option<Raw> {
    let mut buf = Vec::new();
    let read = async {
        let mut chunk = [0u8; 8192];
        loop {
            match stream.read(&mut chunk).await {
                Ok(0) | Err(_) => break,
                Ok(n) => buf.extend_from_slice(&chunk[..n]),
            }
            let text = String::from_utf8_lossy(&buf).to_string();
            if let Some(end) = text.find("\r\n\r\n") {
                let length = text[..end]
                    .lines()
                    .find_map(|l| {
                        let (k, v) = l.split_once(':')?;
                        k.eq_ignore_ascii_case("content-length")
                            .then(|| v.trim().parse::<usize>().ok())?
                    })
                    .unwrap_or(0);
                if buf.len() >= end + 4 + length {
                    break;
                }
            }
        }
    };
    let _ = tokio::time::timeout(wait, read).await;
    let text = String::from_utf8_lossy(&buf).to_string();
    let status = text.split(' ').nth(1)?.parse().ok()?;
    Some(Raw { status, text })
}

/// Sends `head` and the start of a body announced as `length` bytes, then waits for the
/// answer without sending the rest.
async fn answer_before_the_body(
    app: &TestApp,
    head: &str,
    length: usize,
    start: &[u8],
) -> Option<Raw> {
    let mut stream = TcpStream::connect(host(app)).await.expect("connect");
    let head = format!(
        "{head}Host: {}\r\nContent-Length: {length}\r\nAccept-Language: en\r\n\r\n",
        host(app)
    );
    stream.write_all(head.as_bytes()).await.expect("head");
    stream.write_all(start).await.expect("body start");
    read_response(&mut stream, Duration::from_secs(5)).await
}

fn form_part(boundary: &str, name: &str, value: &str) -> String {
    format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n")
}

fn file_part_start(boundary: &str) -> Vec<u8> {
    let mut b = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"media\"; filename=\"big.jpg\"\r\nContent-Type: image/jpeg\r\n\r\n"
    )
    .into_bytes();
    b.extend_from_slice(&[0xFF, 0xD8, 0xFF, 0xE0]);
    b.resize(b.len() + 256 * 1024, 0);
    b
}

/// F7: a body with more parameters than any filing needs is refused with a clear 400 before
/// anything else is done with it (it used to be parsed quadratically, then refused for the
/// missing key).
#[tokio::test]
async fn a_body_with_too_many_parameters_is_refused() {
    let app = TestApp::start().await;
    let body: String = (0..600).map(|i| format!("b{i}=1&")).collect();
    let r = app
        .client
        .post(app.url("requests.json"))
        .header("content-type", "application/x-www-form-urlencoded")
        .header("accept-language", "en")
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let text = r.text().await.unwrap();
    assert!(text.contains("too many parameters; at most 500"), "{text}");
    let query: String = (0..600).map(|i| format!("q{i}=1&")).collect();
    let zh = app.get(&format!("requests.xml?{query}")).await;
    assert_eq!(zh.status(), 400);
    assert!(zh.text().await.unwrap().contains("參數太多"));
}

/// F7, F8: an `api_key` in the query string is checked before the body is read: a wrong key
/// is answered 403 while the announced megabyte has not been sent.
#[tokio::test]
async fn a_wrong_query_key_is_refused_before_the_body_is_read() {
    let app = TestApp::start().await;
    let r = answer_before_the_body(
        &app,
        "POST /open311/v2/requests.json?api_key=wrong HTTP/1.1\r\nContent-Type: application/x-www-form-urlencoded\r\n",
        1_000_000,
        b"service_code=1999-L01&description=",
    )
    .await
    .expect("an answer before the body was sent");
    assert_eq!(r.status, 403, "{}", r.text);
    assert!(r.text.contains("invalid or revoked"), "{}", r.text);
}

/// F8: no byte of a photo is read for a caller without a valid API key: a 50 MB multipart
/// body is answered 403 at its first file part (it used to be buffered whole, 16 of them took
/// 700 MB).
#[tokio::test]
async fn multipart_photos_are_not_read_without_a_valid_key() {
    let app = TestApp::start().await;
    let boundary = "B0undary";
    let head = format!(
        "POST /open311/v2/requests.json HTTP/1.1\r\nContent-Type: multipart/form-data; boundary={boundary}\r\n"
    );
    for key in [None, Some("cdk_wrong")] {
        let mut body = form_part(boundary, "service_code", "1999-L01").into_bytes();
        if let Some(key) = key {
            body.extend_from_slice(form_part(boundary, "api_key", key).as_bytes());
        }
        body.extend(file_part_start(boundary));
        let r = answer_before_the_body(&app, &head, 50 * 1024 * 1024, &body)
            .await
            .expect("an answer before the body was sent");
        assert_eq!(r.status, 403, "{}", r.text);
        assert!(r.text.contains("api_key"), "{}", r.text);
    }
    assert_eq!(app.case_count().await, 0);
}

/// F8: photos a client may send arrive on disk, not in memory, and their temporary files are
/// gone once the request is answered.
#[tokio::test]
async fn received_photos_leave_no_temporary_files() {
    let app = TestApp::start().await;
    let boundary = "B0undary";
    let mut body = Vec::new();
    for (name, value) in [
        ("api_key", app.key.as_str()),
        ("service_code", "1999-L01"),
        ("lat", "25.0377"),
        ("long", "121.5436"),
        ("attribute[lamps_out]", "2"),
    ] {
        body.extend_from_slice(form_part(boundary, name, value).as_bytes());
    }
    // Not an image: refused after it arrived, like any other bad file.
    body.extend(file_part_start(boundary));
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    let r = app
        .client
        .post(app.url("requests.json"))
        .header(
            "content-type",
            format!("multipart/form-data; boundary={boundary}"),
        )
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let media = app.dir.path().join("media");
    let left: Vec<_> = std::fs::read_dir(&media)
        .map(|d| d.filter_map(|e| e.ok()).map(|e| e.file_name()).collect())
        .unwrap_or_default();
    assert!(left.is_empty(), "temporary files left: {left:?}");
}

/// F8: the REST photo upload reads nothing before the caller's permission on the case is
/// checked: a citizen announcing 50 MB of photos for someone else's case gets 404 at once.
#[tokio::test]
async fn rest_photos_are_not_read_before_the_case_permission_is_checked() {
    let app = TestApp::start().await;
    let number = app.file_streetlight().await;
    app.citizen("nosy@example.com", "Correct-Horse-Z-331").await;
    let citizen = app.sign_in("nosy@example.com", "Correct-Horse-Z-331").await;
    let boundary = "B0undary";
    let head = format!(
        "POST /api/v1/cases/{number}/photos HTTP/1.1\r\nContent-Type: multipart/form-data; boundary={boundary}\r\nCookie: {}={}\r\nX-CSRF-Token: {}\r\n",
        web::api::SESSION_COOKIE,
        citizen.cookie,
        citizen.csrf
    );
    let r = answer_before_the_body(&app, &head, 50 * 1024 * 1024, &file_part_start(boundary))
        .await
        .expect("an answer before the body was sent");
    assert_eq!(r.status, 404, "{}", r.text);
    assert!(r.text.contains("application/problem+json"), "{}", r.text);
}

/// F9: parameters no resource reads do not make new cache entries: `x=1` and `x=2` are the
/// same list, answered from memory the second time (an enumeration of 300 such queries held
/// 370 MB).
#[tokio::test]
async fn unknown_parameters_share_one_cached_answer() {
    let app = TestApp::start().await;
    app.file_streetlight().await;
    let first = app.get("requests.json?page_size=10&x=1").await;
    assert_eq!(first.status(), 200);
    assert!(
        first.headers().get("age").is_none(),
        "computed the first time"
    );
    let second = app.get("requests.json?x=2&page_size=10").await;
    assert_eq!(second.status(), 200);
    assert!(
        second.headers().get("age").is_some(),
        "an unknown parameter made a new cache entry"
    );
    // A parameter that changes the answer still does.
    let other = app.get("requests.json?page_size=9&x=2").await;
    assert!(other.headers().get("age").is_none());
}

/// F13: a huge `page` is a clear 400 in the client's language, not a panic and a 500.
#[tokio::test]
async fn a_huge_page_is_refused_clearly() {
    let app = TestApp::start().await;
    for page in ["18446744073709551615", "10001"] {
        let r = app
            .client
            .get(app.url(&format!("requests.json?page={page}")))
            .header("accept-language", "en")
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 400, "page={page}");
        let text = r.text().await.unwrap();
        assert!(text.contains("from 1 to 10000"), "{text}");
    }
    let zh = app.get("requests.xml?page=18446744073709551615").await;
    assert_eq!(zh.status(), 400);
    assert!(
        zh.text()
            .await
            .unwrap()
            .contains("page 須為 1 至 10000 的整數")
    );
    // The staff queue page as well.
    app.staff("disp", &["dispatcher:PWD-PKS"]).await;
    let staff = app.sign_in("disp", STAFF_PASSWORD).await;
    let r = app
        .client
        .get(format!("{}/work?page=18446744073709551615", app.base))
        .header(
            "cookie",
            format!("{}={}", web::api::SESSION_COOKIE, staff.cookie),
        )
        .send()
        .await
        .unwrap();
    assert_ne!(r.status(), 500);
    assert!(r.text().await.unwrap().contains("10000000"));
}

/// F13: a panic (500) and a timeout (408) are answered with the same security headers as
/// every other answer (the layers answering them sat outside the header layers).
#[tokio::test]
async fn panics_and_timeouts_carry_the_security_headers() {
    let app = TestApp::start().await;
    let routes = axum::Router::new()
        .route(
            "/test/panic",
            axum::routing::get(|| async {
                if true {
                    panic!("a test panic");
                }
            }),
        )
        .route(
            "/test/slow",
            axum::routing::get(|| async { tokio::time::sleep(Duration::from_secs(5)).await }),
        );
    let config = web::WebConfig {
        request_timeout: Duration::from_millis(500),
        ..web::WebConfig::for_public_url(&app.base)
    };
    let pages = web::Pages {
        routes,
        ..web::Pages::default()
    };
    let router = web::router_with_pages(app.modules(), config, pages);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    web::server::spawn(listener, router);
    for (path, status) in [("/test/panic", 500), ("/test/slow", 408)] {
        let r = app
            .client
            .get(format!("{base}{path}"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), status);
        for header in [
            "content-security-policy",
            "x-content-type-options",
            "x-frame-options",
            "referrer-policy",
        ] {
            assert!(r.headers().contains_key(header), "{path}: no {header}");
        }
    }
}

/// F21: a client trickling header lines (slowloris) is disconnected once the header-read
/// timeout has passed; it used to be kept for as long as it kept sending.
#[tokio::test]
async fn a_connection_trickling_its_headers_is_closed() {
    let app = TestApp::start().await;
    let stream = TcpStream::connect(host(&app)).await.unwrap();
    let (mut read, mut write) = stream.into_split();
    write
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
        .await
        .unwrap();
    let trickle = tokio::spawn(async move {
        loop {
            tokio::time::sleep(Duration::from_secs(1)).await;
            if write.write_all(b"X-Slow: 1\r\n").await.is_err() {
                break;
            }
        }
    });
    let started = Instant::now();
    let limit = web::server::DEFAULT_HEADER_READ_TIMEOUT + Duration::from_secs(3);
    let mut buf = [0u8; 1024];
    let closed = tokio::time::timeout(limit, async {
        loop {
            match read.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                // A 408 or a 400 before closing is fine too.
                Ok(_) => continue,
            }
        }
    })
    .await;
    trickle.abort();
    assert!(closed.is_ok(), "still open after {:?}", started.elapsed());
    // The server itself is fine.
    let ok = app
        .client
        .get(format!("{}/healthz", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), 200);
}

/// F23: one API key may file only so many cases an hour; past that a 429 with `Retry-After`
/// and an Open311 error in the requested format and language, and nothing is filed.
#[tokio::test]
async fn open311_filings_are_limited_per_key() {
    let app = TestApp::start_with(|c| {
        c.filing_limits = platform::rate_limit::FilingLimits {
            per_key: 3,
            per_address: 0,
        }
    })
    .await;
    for _ in 0..3 {
        app.file_streetlight().await;
    }
    let form = [
        ("api_key", app.key.as_str()),
        ("service_code", "1999-L01"),
        ("lat", "25.0377"),
        ("long", "121.5436"),
        ("attribute[lamps_out]", "3"),
    ];
    let r = app
        .client
        .post(app.url("requests.json"))
        .header("accept-language", "en")
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 429);
    let wait: i64 = r.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=3600).contains(&wait), "{wait}");
    let json: serde_json::Value = r.json().await.unwrap();
    assert_eq!(json[0]["code"], 429);
    let text = json[0]["description"].as_str().unwrap();
    assert!(text.contains("at most 3 an hour"), "{text}");
    let r = app
        .client
        .post(app.url("requests.xml"))
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 429);
    assert!(r.headers().contains_key("retry-after"));
    let xml = r.text().await.unwrap();
    assert!(
        xml.contains("<code>429</code>") && xml.contains("每小時最多 3 件"),
        "{xml}"
    );
    assert_eq!(app.case_count().await, 3);
}

/// F23: filings from one address are limited across keys too.
#[tokio::test]
async fn open311_filings_are_limited_per_address() {
    let app = TestApp::start_with(|c| {
        c.filing_limits = platform::rate_limit::FilingLimits {
            per_key: 0,
            per_address: 2,
        }
    })
    .await;
    app.file_streetlight().await;
    app.file_streetlight().await;
    let (status, body) = app
        .post_form(
            "requests.json",
            &[
                ("api_key", app.kcg_key.as_str()),
                ("service_code", "1999-L01"),
                ("lat", "22.6273"),
                ("long", "120.3014"),
            ],
        )
        .await;
    assert_eq!(status, 429, "{body}");
}

/// F25: a REST path that cannot be decoded (not UTF-8) is answered in the API's JSON problem
/// shape, in the caller's language, not as plain text.
#[tokio::test]
async fn undecodable_rest_paths_are_json_problems() {
    let app = TestApp::new()
        .with_user("dispatcher", Some("PWD-PKS"))
        .start()
        .await;
    let staff = app.user("dispatcher", Some("PWD-PKS")).browser.clone();
    let r = app
        .as_browser(&staff, reqwest::Method::GET, "cases/%FF%FE")
        .header("accept-language", "en")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    assert_eq!(r.headers()["content-type"], "application/problem+json");
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["errors"][0]["code"], "error-path-malformed", "{body}");
}
