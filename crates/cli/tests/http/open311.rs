use crate::support::*;

#[tokio::test]
async fn services_are_listed_in_chinese_and_english_and_match_the_schema() {
    let app = TestApp::start().await;
    let xml = app.get("services.xml").await;
    assert_eq!(xml.headers()["content-type"], "text/xml; charset=utf-8");
    assert_eq!(xml.headers()["access-control-allow-origin"], "*");
    let xml = xml.text().await.unwrap();
    assert!(xml.starts_with("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<services><service>"));
    assert!(xml.contains("<service_name>路燈故障或設施損壞</service_name>"));
    let en = app
        .client
        .get(app.url("services.xml"))
        .header("Accept-Language", "en-US,en;q=0.9")
        .send()
        .await
        .unwrap();
    assert!(
        en.text()
            .await
            .unwrap()
            .contains("<service_name>Street light fault or fixture damage</service_name>")
    );
    let (status, json) = app.get_json("services.json?locale=en").await;
    assert_eq!(status, 200);
    assert_each("service.json", &json);
    assert!(json.as_array().unwrap().len() >= 30);
    assert_eq!(json[0]["metadata"], serde_json::json!(true));
}

#[tokio::test]
async fn services_filtered_by_location() {
    let app = TestApp::start().await;
    let (_, inside) = app.get_json("services.json?lat=25.04&long=121.55").await;
    assert!(!inside.as_array().unwrap().is_empty());
    let (_, outside) = app.get_json("services.json?lat=22.62&long=120.31").await;
    assert_eq!(
        outside,
        serde_json::json!([]),
        "Kaohsiung is outside Taipei"
    );
    let (_, kcg) = app
        .get_json("kcg.gov.tw/services.json?lat=22.62&long=120.31")
        .await;
    assert_eq!(kcg.as_array().unwrap().len(), 10);
}

#[tokio::test]
async fn service_definition_snapshot_and_schema() {
    let app = TestApp::start().await;
    let (status, json) = app.get_json("services/1999-L01.json?locale=en").await;
    assert_eq!(status, 200);
    assert_schema("service-definition.json", &json);
    insta::assert_json_snapshot!("definition_streetlight_en", json);
    let xml = app.get("services/1999-L01.xml").await.text().await.unwrap();
    insta::assert_snapshot!("definition_streetlight_zh_xml", xml);
}

#[tokio::test]
async fn discovery_lists_two_endpoints_in_both_formats() {
    let app = TestApp::start().await;
    let (status, json) = app.get_json("discovery.json").await;
    assert_eq!(status, 200);
    let endpoints = json["endpoints"].as_array().unwrap();
    assert_eq!(endpoints.len(), 2);
    assert_eq!(
        endpoints[0]["url"],
        format!("{}/open311/v2/taipei.gov.tw/", app.base)
    );
    assert_eq!(
        endpoints[0]["formats"],
        serde_json::json!(["text/xml", "application/json"])
    );
    let changeset = json["changeset"].as_str().unwrap();
    assert!(domain::datetime::parse(changeset).is_ok() && changeset.ends_with('Z'));
    let xml = app.get("discovery.xml").await.text().await.unwrap();
    assert!(
        xml.contains(
            "<formats><format>text/xml</format><format>application/json</format></formats>"
        )
    );
}

#[tokio::test]
async fn a_posted_case_reads_back_without_personal_data() {
    let app = TestApp::start().await;
    let (status, body) = app
        .post_form(
            "requests.xml",
            &[
                ("api_key", &app.key),
                ("jurisdiction_id", ""),
                ("service_code", "1999-L01"),
                ("lat", "25.0377"),
                ("long", "121.5436"),
                ("address_string", "臺北市大安區復興南路一段１０號３樓"),
                ("attribute[lamps_out]", "12"),
                ("attribute[fault][]", "dark"),
                ("attribute[fault][]", "wire"),
                ("description", "路燈整排不亮，請聯絡我 0912-345-678"),
                ("email", "citizen@example.tw"),
                ("phone", "0912345678"),
                ("first_name", "小明"),
                ("last_name", "王"),
            ],
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("<service_request_id>") && body.contains("查詢密碼"));
    let id = body
        .split("<service_request_id>")
        .nth(1)
        .unwrap()
        .split('<')
        .next()
        .unwrap()
        .to_string();
    assert_eq!(id.len(), 13, "YYYYMMDD + 5-digit sequence: {id}");

    let (status, json) = app
        .get_json(&format!("requests/{id}.json?extensions=true"))
        .await;
    assert_eq!(status, 200);
    assert_schema("request.json", &json[0]);
    let text = json.to_string();
    for secret in [
        "citizen@example.tw",
        "0912345678",
        "0912-345-678",
        "小明",
        "１０號",
        "10號",
    ] {
        assert!(!text.contains(secret), "{secret} leaked: {text}");
    }
    let r = &json[0];
    assert_eq!(r["status"], "open");
    assert_eq!(r["service_code"], "1999-L01");
    assert_eq!(r["address"], "臺北市大安區復興南路一段○號");
    // 10 or more lamps out: the routing rule sends it to the power company.
    assert_eq!(r["agency_responsible"], "台灣電力公司");
    assert_eq!(r["zipcode"], "106");
    // The point is published on the ~100 m grid, not where the reporter stood.
    assert_ne!(r["lat"], 25.0377);
    let shown = domain::geo::Point::new(r["lat"].as_f64().unwrap(), r["long"].as_f64().unwrap());
    let filed = domain::geo::Point::new(25.0377, 121.5436).unwrap();
    assert!(filed.distance_m(shown.unwrap()) < 75.0, "{r}");
    let values: Vec<&str> = r["attributes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["value"].as_str().unwrap())
        .collect();
    assert_eq!(values, ["12", "dark", "wire"]);
    assert_eq!(r["notes"][0]["type"], "create");

    let (_, list) = app.get_json("requests.json").await;
    assert_each("request.json", &list);
    assert!(
        list.as_array()
            .unwrap()
            .iter()
            .any(|c| c["service_request_id"] == id.as_str())
    );
    let xml = app
        .get(&format!("requests/{id}.xml"))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        xml.contains("<expected_datetime>20"),
        "the SLA due date is the expected date: {xml}"
    );
    for empty in [
        "<address_id/>",
        "<media_url/>",
        "<status_notes/>",
        "<service_notice/>",
    ] {
        assert!(
            xml.contains(empty),
            "every field is emitted: {empty} in {xml}"
        );
    }
}

#[tokio::test]
async fn batch_services_answer_with_a_token_and_blackbox_ones_stay_private() {
    let app = TestApp::start().await;
    let form = |code: &'static str| {
        vec![
            ("api_key", app.key.clone()),
            ("service_code", code.into()),
            ("address_string", "松山區".into()),
            ("description", "建議".into()),
        ]
    };
    let r = app
        .client
        .post(app.url("requests.json"))
        .form(&form("PET-05"))
        .send()
        .await
        .unwrap();
    let json: serde_json::Value = r.json().await.unwrap();
    let token = json[0]["token"]
        .as_str()
        .expect("batch → token")
        .to_string();
    assert!(json[0].get("service_request_id").is_none());
    let (status, resolved) = app.get_json(&format!("tokens/{token}.json")).await;
    assert_eq!(status, 200);
    assert_eq!(resolved[0]["token"], token.as_str());
    let id = resolved[0]["service_request_id"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(app.get_json(&format!("requests/{id}.json")).await.0, 200);
    assert_eq!(app.get_json("tokens/0000.json").await.0, 404);

    let r = app
        .client
        .post(app.url("requests.json"))
        .form(&form("PET-07"))
        .send()
        .await
        .unwrap();
    let json: serde_json::Value = r.json().await.unwrap();
    assert!(json[0].get("service_request_id").is_none() && json[0].get("token").is_none());
    let (_, list) = app.get_json("requests.json?service_code=PET-07").await;
    assert_eq!(
        list,
        serde_json::json!([]),
        "confidential reports are never listed"
    );
    // Nor are their updates: the feed holds the batch case's and nothing else.
    let only_batch_case: std::collections::BTreeSet<String> = [id.clone()].into();
    assert_eq!(
        public_case_numbers(&app, "servicerequestupdates.json").await,
        only_batch_case
    );

    // Withdrawing the confidential category does not make its cases public.
    let db = &app.platform.db;
    let mut category = store::catalog::all_categories(db, TAIPEI)
        .await
        .unwrap()
        .into_iter()
        .find(|c| c.code == "PET-07")
        .unwrap();
    category.active = false;
    let mut tx = db.begin().await.unwrap();
    store::catalog::upsert_category(&mut tx, TAIPEI, &category, app.platform.now())
        .await
        .unwrap();
    tx.commit().await.unwrap();
    app.platform.catalog_changed();
    for path in ["requests.json", "servicerequestupdates.json"] {
        assert_eq!(
            public_case_numbers(&app, path).await,
            only_batch_case,
            "{path}"
        );
    }
}

/// The case numbers a public Open311 list shows, read past its microcache (which may still
/// hold an answer from before a change).
async fn public_case_numbers(app: &TestApp, path: &str) -> std::collections::BTreeSet<String> {
    let r = app
        .client
        .get(app.url(path))
        .header("cache-control", "no-cache")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "{path}");
    let listed: serde_json::Value = r.json().await.unwrap();
    listed
        .as_array()
        .unwrap_or_else(|| panic!("{path}: {listed}"))
        .iter()
        .map(|r| r["service_request_id"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn get_requests_filters() {
    let app = TestApp::start().await;
    let first = app.file_streetlight().await;
    let second = app.file_streetlight().await;
    let (_, both) = app
        .get_json(&format!(
            "requests.json?service_request_id={first},{second}&status=closed"
        ))
        .await;
    assert_eq!(
        both.as_array().unwrap().len(),
        2,
        "service_request_id overrides other filters"
    );
    let (_, open) = app
        .get_json("requests.json?service_code=1999-L01,1999-R01&status=open")
        .await;
    assert_eq!(open.as_array().unwrap().len(), 2);
    let (_, closed) = app.get_json("requests.json?status=closed").await;
    assert_eq!(closed, serde_json::json!([]));
    let (_, page2) = app.get_json("requests.json?page=2&page_size=1").await;
    assert_eq!(
        page2[0]["service_request_id"],
        first.as_str(),
        "newest first, 1-based pages"
    );
    let (_, beyond) = app.get_json("requests.json?page=3&page_size=1").await;
    assert_eq!(beyond, serde_json::json!([]));
    // Searched on the points as published (see privacy.rs), both in one cell.
    let (_, all) = app.get_json("requests.json").await;
    let (lat, long) = (&all[0]["lat"], &all[0]["long"]);
    let (_, near) = app
        .get_json(&format!("requests.json?lat={lat}&long={long}&radius=50"))
        .await;
    assert_eq!(near.as_array().unwrap().len(), 2);
    let (_, far) = app
        .get_json("requests.json?lat=25.10&long=121.60&radius=500")
        .await;
    assert_eq!(far, serde_json::json!([]));
    let (_, old) = app
        .get_json("requests.json?start_date=2020-01-01T00:00:00Z&end_date=2020-02-01T00:00:00Z")
        .await;
    assert_eq!(old, serde_json::json!([]));
    let (_, updated) = app
        .get_json("requests.json?updated_after=2020-01-01T00:00:00%2B08:00")
        .await;
    assert_eq!(updated.as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn each_jurisdiction_has_its_own_base_url_and_keys() {
    let app = TestApp::start().await;
    let form = |key: &str| {
        vec![
            ("api_key", key.to_string()),
            ("service_code", "1999-02".to_string()),
            ("lat", "22.62".into()),
            ("long", "120.31".into()),
        ]
    };
    let r = app
        .client
        .post(app.url("kcg.gov.tw/requests.json"))
        .form(&form(&app.kcg_key))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let r = app
        .client
        .post(app.url("requests.json"))
        .form(&form(&app.kcg_key))
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.status(),
        200,
        "a POST takes its jurisdiction from its key"
    );
    let r = app
        .client
        .post(app.url("kcg.gov.tw/requests.json"))
        .form(&form(&app.key))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403, "a Taipei key cannot file in Kaohsiung");
    let (_, kcg) = app
        .get_json("requests.json?jurisdiction_id=kcg.gov.tw")
        .await;
    assert_eq!(kcg.as_array().unwrap().len(), 2);
    let (_, taipei) = app.get_json("requests.json").await;
    assert_eq!(
        taipei,
        serde_json::json!([]),
        "the default jurisdiction is Taipei"
    );
}

#[tokio::test]
async fn multipart_photos_are_stored_without_location_metadata() {
    let app = TestApp::start().await;
    let png = crate::media::png_with_location();
    let form = reqwest::multipart::Form::new()
        .text("api_key", app.key.clone())
        .text("service_code", "1999-R01")
        .text("address_string", "信義區松仁路")
        .part(
            "media",
            reqwest::multipart::Part::bytes(png).file_name("photo.png"),
        );
    let r = app
        .client
        .post(app.url("requests.json"))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let id = r.json::<serde_json::Value>().await.unwrap()[0]["service_request_id"]
        .as_str()
        .unwrap()
        .to_string();
    let (_, json) = app.get_json(&format!("requests/{id}.json")).await;
    let media_url = json[0]["media_url"]
        .as_str()
        .expect("media_url")
        .to_string();
    let photo = app.client.get(&media_url).send().await.unwrap();
    assert_eq!(photo.headers()["content-type"], "image/png");
    let bytes = photo.bytes().await.unwrap();
    assert!(
        image::load_from_memory(&bytes).is_ok(),
        "the picture is kept"
    );
    assert!(
        !bytes.windows(4).any(|w| w == b"eXIf"),
        "location metadata stripped"
    );
}

#[tokio::test]
async fn service_request_updates_are_idempotent_and_listed() {
    let app = TestApp::start().await;
    let id = app.file_streetlight().await;
    let update = [
        ("api_key", app.key.as_str()),
        ("service_request_id", id.as_str()),
        ("update_id", "fms-1"),
        ("status", "OPEN"),
        ("updated_datetime", "2026-11-24T08:00:00+08:00"),
        ("description", "今晚還是不亮"),
        ("last_name", "-"),
    ];
    let (status, first) = app.post_form("servicerequestupdates.xml", &update).await;
    assert_eq!(status, 200, "{first}");
    let (_, again) = app.post_form("servicerequestupdates.xml", &update).await;
    assert_eq!(first, again, "the same update_id is recorded once");
    let (_, feed) = app.get_json("servicerequestupdates.json").await;
    let comments: Vec<&serde_json::Value> = feed
        .as_array()
        .unwrap()
        .iter()
        .filter(|u| u["description"] == "今晚還是不亮")
        .collect();
    assert_eq!(comments.len(), 1);
    assert_eq!(comments[0]["status"], "unchanged");
    assert_eq!(comments[0]["service_request_id"], id.as_str());
    let (status, _) = app
        .post_form(
            "servicerequestupdates.json",
            &[
                ("api_key", &app.key),
                ("service_request_id", &id),
                ("update_id", "fms-2"),
                ("status", "REOPEN"),
                ("updated_datetime", "2026-11-24T08:00:00Z"),
            ],
        )
        .await;
    assert_eq!(status, 400, "an open case cannot be reopened");
}

/// A page of requests is read in one piece (built by the database as JSON), a single request
/// row by row: the two must agree on every field, and the page keeps its order.
#[tokio::test]
async fn a_page_shows_each_case_as_it_reads_alone() {
    let app = TestApp::start().await;
    let filings: [&[(&str, &str)]; 3] = [
        &[
            ("service_code", "1999-L01"),
            ("lat", "25.033964123456789"),
            ("long", "121.56445678901234"),
            ("attribute[lamps_out]", "4"),
            (
                "description",
                "引號 \" 反斜線 \\ 換行\n定位 tab\t 表情 🚦 <b>&amp;</b>",
            ),
        ],
        &[
            ("service_code", "1999-L01"),
            ("address_string", "臺北市中正區重慶南路一段122號"),
            ("attribute[lamps_out]", "1"),
            ("description", "只有地址"),
        ],
        &[
            ("service_code", "1999-L01"),
            ("lat", "25"),
            ("long", "121.5"),
            ("attribute[lamps_out]", "2"),
        ],
    ];
    let mut filed = Vec::new();
    for fields in filings {
        let mut form = vec![("api_key", app.key.as_str())];
        form.extend_from_slice(fields);
        let (status, body) = app.post_form("requests.json", &form).await;
        assert_eq!(status, 200, "{body}");
        let v: serde_json::Value = serde_json::from_str(&body).unwrap();
        filed.push(v[0]["service_request_id"].as_str().unwrap().to_string());
    }
    for query in ["", "&extensions=true"] {
        let (status, page) = app
            .get_json(&format!("requests.json?page_size=10{query}"))
            .await;
        assert_eq!(status, 200, "{page}");
        let page = page.as_array().unwrap();
        let numbers: Vec<&str> = page
            .iter()
            .map(|r| r["service_request_id"].as_str().unwrap())
            .collect();
        let newest_first: Vec<&str> = filed.iter().rev().map(String::as_str).collect();
        assert_eq!(numbers, newest_first);
        for item in page {
            let id = item["service_request_id"].as_str().unwrap();
            let (_, alone) = app
                .get_json(&format!("requests/{id}.json?x=1{query}"))
                .await;
            assert_eq!(item, &alone[0], "case {id}");
        }
    }
    let (_, page) = app.get_json("requests.json").await;
    let shown = domain::geo::Point::new(
        page[2]["lat"].as_f64().unwrap(),
        page[2]["long"].as_f64().unwrap(),
    )
    .unwrap();
    let filed = domain::geo::Point::new(25.03396412345679, 121.56445678901234).unwrap();
    assert!(filed.distance_m(shown) < 75.0, "{page}");
    assert!(page[1]["lat"].is_null(), "{page}");
}
