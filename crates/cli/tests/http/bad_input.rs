use crate::support::*;

/// Sends a raw POST and checks the status, the spec's error list, and that nothing was written.
async fn rejected(
    app: &TestApp,
    path: &str,
    content_type: &str,
    body: Vec<u8>,
    status: u16,
) -> serde_json::Value {
    let before = app.case_count().await;
    let r = app
        .client
        .post(app.url(path))
        .header("content-type", content_type)
        .header("accept-language", "en")
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), status, "{path}");
    let json: serde_json::Value = r.json().await.expect("errors as a JSON list");
    let errors = json.as_array().expect("a list of errors");
    assert!(!errors.is_empty());
    for e in errors {
        assert_eq!(e["code"], status);
        assert!(!e["description"].as_str().unwrap().is_empty());
    }
    assert_eq!(app.case_count().await, before, "nothing may be written");
    json
}

fn form(app: &TestApp, extra: &str) -> Vec<u8> {
    format!("api_key={}&service_code=1999-L01&lat=25.0377&long=121.5436&attribute%5Blamps_out%5D=2{extra}", app.key).into_bytes()
}

const FORM: &str = "application/x-www-form-urlencoded";

#[tokio::test]
async fn every_kind_of_bad_post_is_rejected_and_writes_nothing() {
    let app = TestApp::start().await;
    rejected(
        &app,
        "requests.json",
        FORM,
        b"description=%FF%FE".to_vec(),
        400,
    )
    .await;
    rejected(&app, "requests.json", "text/plain", b"hello".to_vec(), 415).await;
    rejected(
        &app,
        "requests.json",
        "application/json",
        b"{not json".to_vec(),
        400,
    )
    .await;
    rejected(
        &app,
        "requests.json",
        FORM,
        vec![b'a'; 2 * 1024 * 1024],
        413,
    )
    .await;
    rejected(
        &app,
        "requests.json",
        FORM,
        form(&app, "&api_key=x").replace_key(),
        403,
    )
    .await;
    rejected(
        &app,
        "requests.json",
        FORM,
        b"service_code=1999-L01&lat=25&long=121.5".to_vec(),
        403,
    )
    .await;
    let unknown = rejected(
        &app,
        "requests.json",
        FORM,
        form(&app, "").replace_code("NOPE"),
        404,
    )
    .await;
    assert!(unknown.to_string().contains("NOPE"));
    rejected(
        &app,
        "nowhere.gov.tw/requests.json",
        FORM,
        form(&app, ""),
        404,
    )
    .await;
    let no_location = format!(
        "api_key={}&service_code=1999-L01&attribute%5Blamps_out%5D=2",
        app.key
    )
    .into_bytes();
    rejected(&app, "requests.json", FORM, no_location, 400).await;
    let lat_only = format!(
        "api_key={}&service_code=1999-L01&lat=25&attribute%5Blamps_out%5D=2",
        app.key
    )
    .into_bytes();
    rejected(&app, "requests.json", FORM, lat_only, 400).await;
    let out_of_range = format!(
        "api_key={}&service_code=1999-L01&lat=95&long=121&attribute%5Blamps_out%5D=2",
        app.key
    );
    rejected(&app, "requests.json", FORM, out_of_range.into_bytes(), 400).await;
    let long_text = "路".repeat(4001);
    rejected(
        &app,
        "requests.json",
        FORM,
        form(&app, &format!("&description={long_text}")),
        400,
    )
    .await;
    let missing_attr = format!(
        "api_key={}&service_code=1999-L01&lat=25.0377&long=121.5436",
        app.key
    )
    .into_bytes();
    let e = rejected(&app, "requests.json", FORM, missing_attr, 400).await;
    assert!(e.to_string().contains("lamps_out"));
    rejected(
        &app,
        "requests.json",
        FORM,
        form(&app, "&attribute%5Bfault%5D%5B%5D=sparkly"),
        400,
    )
    .await;
    rejected(
        &app,
        "requests.json",
        FORM,
        form(&app, "").replace_lamps("many"),
        400,
    )
    .await;
    // Several problems at once are all reported.
    let many = format!(
        "api_key={}&service_code=1999-L01&lat=95&long=121&description={long_text}",
        app.key
    );
    let e = rejected(&app, "requests.json", FORM, many.into_bytes(), 400).await;
    assert!(e.as_array().unwrap().len() >= 3, "{e}");
    // A revoked key.
    let created = app
        .identity
        .create_api_key(&platform::authz::Actor::system(TAIPEI, "test"), "to revoke")
        .await
        .unwrap();
    app.identity
        .revoke_api_key(
            &platform::authz::Actor::system(TAIPEI, "test"),
            &created.client.id,
        )
        .await
        .unwrap();
    let revoked = form(&app, "").into_iter().collect::<Vec<u8>>();
    let revoked = String::from_utf8(revoked)
        .unwrap()
        .replace(&app.key, &created.key);
    rejected(&app, "requests.json", FORM, revoked.into_bytes(), 403).await;
}

trait Replace {
    fn replace_key(self) -> Vec<u8>;
    fn replace_code(self, code: &str) -> Vec<u8>;
    fn replace_lamps(self, value: &str) -> Vec<u8>;
}

impl Replace for Vec<u8> {
    fn replace_key(self) -> Vec<u8> {
        let s = String::from_utf8(self).unwrap();
        let rest = s.split_once('&').unwrap().1;
        format!("api_key=cdk_not_a_real_key&{rest}").into_bytes()
    }
    fn replace_code(self, code: &str) -> Vec<u8> {
        String::from_utf8(self)
            .unwrap()
            .replace("service_code=1999-L01", &format!("service_code={code}"))
            .into_bytes()
    }
    fn replace_lamps(self, value: &str) -> Vec<u8> {
        String::from_utf8(self)
            .unwrap()
            .replace("lamps_out%5D=2", &format!("lamps_out%5D={value}"))
            .into_bytes()
    }
}

#[tokio::test]
async fn bad_queries_get_clear_errors() {
    let app = TestApp::start().await;
    for (path, status, needle) in [
        ("requests.json?start_date=yesterday", 400, "yesterday"),
        ("requests.json?page_size=5000", 400, "page_size"),
        ("requests.json?page=0", 400, "page"),
        ("requests.json?status=pending", 400, "pending"),
        (
            "requests.json?start_date=2026-01-01T00:00:00Z&end_date=2026-06-01T00:00:00Z",
            400,
            "90",
        ),
        ("requests.json?lat=25", 400, "long"),
        ("requests.json?service_code=NOPE", 404, "NOPE"),
        ("requests/2026010100001.json", 404, "2026010100001"),
        ("services/NOPE.json", 404, "NOPE"),
        (
            "services.json?jurisdiction_id=nowhere.gov.tw",
            404,
            "nowhere",
        ),
        ("services.json?lat=25.0&long=200", 400, "-180"),
    ] {
        let r = app
            .client
            .get(app.url(path))
            .header("accept-language", "en")
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), status, "{path}");
        let body = r.text().await.unwrap();
        assert!(body.contains(needle), "{path}: {body}");
        assert!(
            serde_json::from_str::<Vec<serde_json::Value>>(&body).is_ok(),
            "{path}: {body}"
        );
    }
    let r = app.get("services").await;
    assert_eq!(r.status(), 404);
    assert!(
        r.text().await.unwrap().contains(".xml"),
        "a missing extension is explained"
    );
    let zh = app
        .get("requests.xml?page_size=5000")
        .await
        .text()
        .await
        .unwrap();
    assert!(zh.contains("<errors><error><code>400</code><description>page_size 須為 1 至 1000 的整數。</description></error></errors>"), "{zh}");
}

#[tokio::test]
async fn oversized_multipart_uploads_are_refused_with_413() {
    let app = TestApp::start().await;
    let boundary = "civicdesk-test-boundary";
    let multipart = |photos: usize, photo_bytes: usize| {
        let mut body = Vec::new();
        for (name, value) in [
            ("api_key", app.key.as_str()),
            ("service_code", "1999-L01"),
            ("lat", "25.0377"),
            ("long", "121.5436"),
            ("attribute[lamps_out]", "2"),
        ] {
            body.extend_from_slice(
                format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n")
                    .as_bytes(),
            );
        }
        for _ in 0..photos {
            body.extend_from_slice(
                format!("--{boundary}\r\nContent-Disposition: form-data; name=\"media\"; filename=\"lamp.jpg\"\r\nContent-Type: image/jpeg\r\n\r\n")
                    .as_bytes(),
            );
            body.extend_from_slice(&[0xFF, 0xD8, 0xFF, 0xE0]);
            body.resize(body.len() + photo_bytes, 0);
            body.extend_from_slice(b"\r\n");
        }
        body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
        body
    };
    let content_type = format!("multipart/form-data; boundary={boundary}");
    // One photo over the 10 MB per-file limit.
    let e = rejected(
        &app,
        "requests.json",
        &content_type,
        multipart(1, 11 * 1024 * 1024),
        413,
    )
    .await;
    assert!(e.to_string().contains("10"), "the limit is named: {e}");
    // Six photos each under the per-file limit: refused at the sixth, before the body limit.
    let e = rejected(
        &app,
        "requests.json",
        &content_type,
        multipart(6, 9 * 1024 * 1024),
        400,
    )
    .await;
    assert!(
        e.to_string().contains("At most 5 files"),
        "the limit is named: {e}"
    );
}
