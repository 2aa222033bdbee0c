//! The OpenAPI document and the API browser. Every API answer the other tests receive through
//! `support::send` is also checked against the document (`support::check_documented`).

use crate::support::*;
use serde_json::Value;

async fn document(app: &TestApp) -> Value {
    let r = app
        .client
        .get(format!("{}/api/v1/openapi.json", app.base))
        .send()
        .await
        .expect("GET");
    assert_eq!(r.status().as_u16(), 200);
    assert_eq!(
        r.headers()["content-type"].to_str().unwrap(),
        "application/json"
    );
    r.json().await.expect("the document is JSON")
}

#[tokio::test]
async fn document_is_valid_openapi_3_1() {
    let app = TestApp::start().await;
    let doc = document(&app).await;
    assert!(
        doc["openapi"].as_str().unwrap().starts_with("3.1."),
        "{}",
        doc["openapi"]
    );
    assert_eq!(doc["info"]["title"], "civicdesk");
    assert_eq!(doc["info"]["version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(doc["info"]["license"]["identifier"], "AGPL-3.0-or-later");
    assert_eq!(doc["servers"][0]["url"], "/");
    let schemes = &doc["components"]["securitySchemes"];
    assert_eq!(schemes["session"]["in"], "cookie");
    assert_eq!(schemes["session"]["name"], "civicdesk_session");
    assert_eq!(schemes["csrf"]["in"], "header");
    assert_eq!(schemes["csrf"]["name"], "X-CSRF-Token");
    assert_eq!(schemes["bearer"]["scheme"], "bearer");
    // The served document is the one the code builds.
    assert_eq!(doc, serde_json::to_value(web::api::openapi()).unwrap());

    let schema: Value =
        serde_json::from_str(include_str!("oas/schema-3.1.json")).expect("OAS 3.1 schema");
    let validator = jsonschema::options()
        .with_draft(jsonschema::Draft::Draft202012)
        .build(&schema)
        .expect("a valid schema");
    let errors: Vec<String> = validator
        .iter_errors(&doc)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
}

/// Every documented operation is routed: called without credentials, none answers with the
/// "no such route" 404 or a 405. (That every route is documented holds by construction:
/// routes come only from the annotations, see `web::api::doc::tests`.)
#[tokio::test]
async fn every_documented_operation_is_routed() {
    let app = TestApp::start().await;
    let doc = document(&app).await;
    let mut count = 0;
    for (path, item) in doc["paths"].as_object().unwrap() {
        let concrete: String = path
            .split('/')
            .map(|s| if s.starts_with('{') { "x" } else { s })
            .collect::<Vec<_>>()
            .join("/");
        for method in item.as_object().unwrap().keys() {
            let method = reqwest::Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
            let r = app
                .client
                .request(method.clone(), format!("{}{concrete}", app.base))
                .send()
                .await
                .expect("request");
            let status = r.status().as_u16();
            assert!(
                status != 404 && status != 405,
                "{method} {path} answered {status}: documented but not routed"
            );
            count += 1;
        }
    }
    assert!(count >= 60, "{count}");
}

#[tokio::test]
async fn browser_assets_are_served() {
    let app = TestApp::start().await;
    let r = app
        .client
        .get(format!("{}/api/docs", app.base))
        .send()
        .await
        .expect("GET");
    assert_eq!(r.status().as_u16(), 200);
    let headers = r.headers().clone();
    assert_eq!(headers["content-type"], "text/html; charset=utf-8");
    let csp = headers["content-security-policy"].to_str().unwrap();
    assert!(csp.starts_with("default-src 'self'"), "{csp}");
    assert!(
        !csp.contains("unsafe"),
        "the page needs no relaxed policy: {csp}"
    );
    let html = r.text().await.unwrap();
    assert!(html.contains(r#"<html lang="en">"#));
    assert!(html.contains("<title>"));
    assert!(html.contains("<noscript>"));
    assert!(!html.contains("<script>"), "no inline script");
    let srcs: Vec<&str> = html
        .split(['"'])
        .filter(|s| s.starts_with("/api/docs/assets/"))
        .collect();
    // Swagger UI's script and stylesheet, civicdesk's accessibility fixes, and the start.
    assert_eq!(srcs.len(), 4, "{srcs:?}");
    for src in srcs {
        let r = app
            .client
            .get(format!("{}{src}", app.base))
            .send()
            .await
            .expect("GET");
        assert_eq!(r.status().as_u16(), 200, "{src}");
        let ct = r.headers()["content-type"].to_str().unwrap().to_string();
        let expected = if src.contains(".css") {
            "text/css"
        } else {
            "text/javascript"
        };
        assert!(ct.starts_with(expected), "{src}: {ct}");
        assert_eq!(
            r.headers()["cache-control"],
            "public, max-age=31536000, immutable",
            "{src}"
        );
        assert!(src.contains("?v="), "{src} is versioned");
        let body = r.bytes().await.unwrap();
        assert!(body.len() > 100, "{src}");
        if src.contains("init.js") {
            let text = String::from_utf8_lossy(&body);
            assert!(text.contains("/api/v1/openapi.json"));
            assert!(
                text.contains("validatorUrl: null"),
                "nothing leaves the server"
            );
        }
    }
    let r = app
        .client
        .get(format!("{}/api/docs/assets/nothing.js", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 404);
}

/// Malformed query parameters get a problem+json `400`, as the document says (found by
/// schemathesis: axum's own rejection was plain text).
#[tokio::test]
async fn malformed_query_parameters_are_a_documented_problem() {
    let app = TestApp::new()
        .with_user("jurisdiction_admin", None)
        .start()
        .await;
    let admin = app.user("jurisdiction_admin", None).browser.clone();
    for path in [
        "me/data-access?before=9223372036854775808",
        "audit?limit=-1",
        "cases?limit=many",
        "notifications?limit=x",
    ] {
        let (status, body) = send(
            app.as_browser(&admin, reqwest::Method::GET, path)
                .header("accept-language", "en"),
        )
        .await;
        assert_eq!(status, 400, "{path}: {body}");
        assert_eq!(body["errors"][0]["code"], "error-query-malformed", "{path}");
        assert!(
            body["detail"]
                .as_str()
                .unwrap()
                .starts_with("The query string is malformed")
        );
    }
}
