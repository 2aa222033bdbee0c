//! What the HTTP tests share: a running application ([`TestApp`], built with
//! [`TestApp::new`] or started plainly with [`TestApp::start`]), signing in, and requests
//! checked against the OpenAPI document.

use cases::CasesApp;
use identity::IdentityApp;
use platform::{Platform, ServiceConfig};
use std::path::PathBuf;
use web::Modules;

// By path, so that the `logging` test binary, which includes this file by path, finds it too.
#[path = "support/builder.rs"]
mod builder;
#[allow(unused_imports)] // The `logging` binary uses only part of this file.
pub use builder::{TestAppBuilder, TestUser};

pub const TAIPEI: &str = "taipei.gov.tw";
pub const KAOHSIUNG: &str = "kcg.gov.tw";

pub struct TestApp {
    pub base: String,
    pub platform: Platform,
    pub identity: IdentityApp,
    pub cases: CasesApp,
    /// Every module of the application, as the composition root holds them.
    pub modules: Modules,
    pub database_url: String,
    pub key: String,
    pub kcg_key: String,
    pub client: reqwest::Client,
    pub dir: tempfile::TempDir,
    /// The staff the builder created and signed in ([`TestApp::user`]).
    pub users: Vec<TestUser>,
}

/// A database URL for one test: a fresh PostgreSQL database if configured, else a SQLite file.
pub async fn fresh_database(dir: &std::path::Path) -> String {
    match std::env::var("CIVICDESK_TEST_DATABASE_URL") {
        Ok(admin) if !admin.is_empty() => {
            let name = format!("cd_test_{}", uuid::Uuid::now_v7().simple());
            store::create_postgres_database(&admin, &name)
                .await
                .expect("CIVICDESK_TEST_DATABASE_URL is set but PostgreSQL is unreachable")
        }
        _ => format!("sqlite://{}", dir.join("civicdesk.db").display()),
    }
}

impl TestApp {
    pub async fn start() -> TestApp {
        TestApp::start_with(|_| {}).await
    }

    /// Starts with adjusted service settings (e.g. notification transports); the same as
    /// `TestApp::new().with_config(configure).start()`.
    pub async fn start_with(configure: impl FnOnce(&mut ServiceConfig)) -> TestApp {
        TestApp::start_with_clock(configure, None).await
    }

    /// [`TestApp::start_with`] whose services read the time from `clock` (a
    /// `domain::clock::FixedClock` that the test moves on instead of rewriting stored times).
    pub async fn start_with_clock(
        configure: impl FnOnce(&mut ServiceConfig),
        clock: Option<std::sync::Arc<dyn domain::clock::Clock>>,
    ) -> TestApp {
        TestApp::start_build(web::BUILD, configure, clock).await
    }

    /// [`TestApp::start_with_clock`] of another build than the binary's (a test that adds a
    /// module: [`TestAppBuilder::with_build`]).
    pub async fn start_build(
        build: web::Build,
        configure: impl FnOnce(&mut ServiceConfig),
        clock: Option<std::sync::Arc<dyn domain::clock::Clock>>,
    ) -> TestApp {
        let dir = tempfile::tempdir().expect("temp dir");
        let database_url = fresh_database(dir.path()).await;
        let (db, _) = build
            .connect_and_migrate(&database_url, 8)
            .await
            .expect("database and migrations");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let base = format!("http://{}", listener.local_addr().expect("addr"));
        let mut config = ServiceConfig {
            public_url: base.clone(),
            media_dir: PathBuf::from(dir.path()).join("media"),
            default_jurisdiction: Some(TAIPEI.into()),
            public_grid_m: domain::geo::PublicGrid::DEFAULT_CELL_M,
            notify: Default::default(),
            webhooks: platform::webhooks::WebhookConfig {
                allow_private_targets: true,
                ..Default::default()
            },
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
        configure(&mut config);
        let mut services = build.open(db, config).await.expect("services");
        if let Some(clock) = clock {
            services = services.with_clock(clock);
        }
        services
            .cases
            .seed_reference()
            .await
            .expect("reference data");
        let key = services
            .identity
            .create_api_key(&platform::authz::Actor::system(TAIPEI, "test"), "test app")
            .await
            .expect("key")
            .key;
        let kcg_key = services
            .identity
            .create_api_key(
                &platform::authz::Actor::system(KAOHSIUNG, "test"),
                "kcg app",
            )
            .await
            .expect("key")
            .key;
        // The same application and server as `civicdesk serve`: API, Open311 and the web
        // pages, with the same connection settings.
        let web_config = web::WebConfig::for_public_url(&base);
        let app = web::router_with_pages(services.clone(), web_config, ui::pages());
        web::server::spawn(listener, app);
        TestApp {
            base,
            platform: services.platform.clone(),
            identity: services.identity.clone(),
            cases: services.cases.clone(),
            modules: services,
            database_url,
            key,
            kcg_key,
            client: reqwest::Client::new(),
            dir,
            users: Vec::new(),
        }
    }

    /// The application's modules, as the composition root holds them.
    pub fn modules(&self) -> Modules {
        self.modules.clone()
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}/open311/v2/{}", self.base, path.trim_start_matches('/'))
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client.get(self.url(path)).send().await.expect("GET")
    }

    pub async fn get_json(&self, path: &str) -> (u16, serde_json::Value) {
        let r = self.get(path).await;
        let status = r.status().as_u16();
        (status, r.json().await.expect("JSON body"))
    }

    pub async fn post_form(&self, path: &str, form: &[(&str, &str)]) -> (u16, String) {
        let r = self
            .client
            .post(self.url(path))
            .form(form)
            .send()
            .await
            .expect("POST");
        (r.status().as_u16(), r.text().await.expect("body"))
    }

    /// Files a street-light case and returns its number.
    pub async fn file_streetlight(&self) -> String {
        let (status, body) = self
            .post_form(
                "requests.json",
                &[
                    ("api_key", &self.key),
                    ("service_code", "1999-L01"),
                    ("lat", "25.0377"),
                    ("long", "121.5436"),
                    ("attribute[lamps_out]", "3"),
                    ("description", "路燈不亮"),
                ],
            )
            .await;
        assert_eq!(status, 200, "{body}");
        let v: serde_json::Value = serde_json::from_str(&body).expect("json");
        v[0]["service_request_id"].as_str().expect("id").to_string()
    }

    /// Number of cases stored, to prove a rejected request wrote nothing.
    pub async fn case_count(&self) -> i64 {
        cases::testkit::case_count(&self.platform.db, TAIPEI)
            .await
            .expect("count")
            + cases::testkit::case_count(&self.platform.db, KAOHSIUNG)
                .await
                .expect("count")
    }
}

/// Validates a JSON value against a GeoReport v2 schema of `open311-schemas/` (see its NOTICE).
pub fn assert_schema(schema_file: &str, value: &serde_json::Value) {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/http/open311-schemas/");
    let text = std::fs::read_to_string(format!("{path}{schema_file}")).expect("schema file");
    let schema: serde_json::Value = serde_json::from_str(&text).expect("schema json");
    let validator = jsonschema::options()
        .with_draft(jsonschema::Draft::Draft4)
        .build(&schema)
        .expect("valid schema");
    let errors: Vec<String> = validator
        .iter_errors(value)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{schema_file}: {errors:#?}\n{value:#}");
}

/// Validates every element of an array against the item schema (the list schemas' `$ref`).
pub fn assert_each(schema_file: &str, value: &serde_json::Value) {
    let items = value.as_array().expect("a JSON array");
    assert!(!items.is_empty(), "expected at least one item");
    for item in items {
        assert_schema(schema_file, item);
    }
}

/// A signed-in browser: the session cookie and the CSRF token that goes with it.
#[derive(Debug, Clone)]
pub struct Browser {
    pub cookie: String,
    pub csrf: String,
}

pub const STAFF_PASSWORD: &str = "quiet-harbour-lantern-42";

impl TestApp {
    pub fn api_url(&self, path: &str) -> String {
        format!("{}/api/v1/{}", self.base, path.trim_start_matches('/'))
    }

    /// The paths of the OpenAPI document the application serves (of the modules that run).
    pub async fn documented_paths(&self) -> Vec<String> {
        let doc: serde_json::Value = self
            .client
            .get(self.api_url("/openapi.json"))
            .send()
            .await
            .expect("GET")
            .json()
            .await
            .expect("JSON");
        doc["paths"]
            .as_object()
            .expect("paths")
            .keys()
            .cloned()
            .collect()
    }

    /// Creates a staff member with roles given as `role` or `role:DEPARTMENT`.
    pub async fn staff(&self, login: &str, roles: &[&str]) -> String {
        let grants = roles
            .iter()
            .map(|r| {
                let (name, scope) = r.split_once(':').map_or((*r, None), |(a, b)| (a, Some(b)));
                let role = platform::authz::Role::parse(name).expect("role");
                let kind = role.scope_kinds()[0];
                platform::authz::Grant {
                    role,
                    scope: kind,
                    scope_id: scope.unwrap_or(TAIPEI).to_string(),
                }
            })
            .collect();
        let (view, _) = self
            .identity
            .create_staff(
                &platform::authz::Actor::system(TAIPEI, "test"),
                identity::accounts::NewStaff {
                    login: login.into(),
                    display_name: format!("Staff {login}"),
                    email: Some(format!("{login}@taipei.gov.tw")),
                    mobile: None,
                    locale: domain::Locale::ZhTw,
                    roles: grants,
                    password: Some(STAFF_PASSWORD.into()),
                },
            )
            .await
            .expect("staff account");
        view.id
    }

    /// A citizen account, active, created through sign-up and activated directly.
    pub async fn citizen(&self, login: &str, password: &str) -> String {
        let r = self
            .client
            .post(self.api_url("auth/sign-up"))
            .json(&serde_json::json!({ "login": login, "password": password, "display_name": "陳小明" }))
            .send()
            .await
            .expect("sign-up");
        assert_eq!(
            r.status().as_u16(),
            202,
            "{}",
            r.text().await.unwrap_or_default()
        );
        identity::testkit::activate(&self.platform.db, TAIPEI, login, store::now_unix())
            .await
            .expect("activate")
            .expect("account")
    }

    /// Signs in and returns the browser state; panics unless the session is complete.
    pub async fn sign_in(&self, login: &str, password: &str) -> Browser {
        let (status, body, browser) = self.try_sign_in(login, password).await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["stage"], "full", "{body}");
        browser.expect("a session cookie")
    }

    pub async fn try_sign_in(
        &self,
        login: &str,
        password: &str,
    ) -> (u16, serde_json::Value, Option<Browser>) {
        let r = self
            .client
            .post(self.api_url("auth/sign-in"))
            .json(&serde_json::json!({ "login": login, "password": password }))
            .send()
            .await
            .expect("sign-in");
        let status = r.status().as_u16();
        let cookie = session_cookie(&r);
        let body: serde_json::Value = r.json().await.expect("JSON");
        let browser = cookie.map(|cookie| Browser {
            cookie,
            csrf: body["csrf_token"].as_str().unwrap_or_default().to_string(),
        });
        (status, body, browser)
    }

    /// A request as a signed-in browser (cookie, CSRF token on writes).
    pub fn as_browser(
        &self,
        b: &Browser,
        method: reqwest::Method,
        path: &str,
    ) -> reqwest::RequestBuilder {
        let req = self
            .client
            .request(method.clone(), self.api_url(path))
            .header(
                "cookie",
                format!("{}={}", web::api::SESSION_COOKIE, b.cookie),
            );
        if method == reqwest::Method::GET {
            req
        } else {
            req.header("x-csrf-token", &b.csrf)
        }
    }

    /// A request with a bearer token.
    pub fn as_token(
        &self,
        token: &str,
        method: reqwest::Method,
        path: &str,
    ) -> reqwest::RequestBuilder {
        self.client
            .request(method, self.api_url(path))
            .bearer_auth(token)
    }
}

/// The session id from a response's `Set-Cookie`, if it sets a non-empty one.
pub fn session_cookie(r: &reqwest::Response) -> Option<String> {
    r.headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .filter_map(|v| v.split(';').next())
        .filter_map(|kv| kv.split_once('='))
        .find(|(k, v)| *k == web::api::SESSION_COOKIE && !v.is_empty())
        .map(|(_, v)| v.to_string())
}

/// Sends a request and returns the status and the JSON body (Null if none). An answer of the
/// REST API is checked against the OpenAPI document ([`check_documented`]).
pub async fn send(req: reqwest::RequestBuilder) -> (u16, serde_json::Value) {
    let (client, req) = req.build_split();
    let req = req.expect("a request");
    let (method, url) = (req.method().clone(), req.url().clone());
    let r = client.execute(req).await.expect("request");
    let status = r.status().as_u16();
    let content_type = r
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let text = r.text().await.expect("body");
    let body = if text.is_empty() {
        serde_json::Value::Null
    } else {
        serde_json::from_str(&text).unwrap_or(serde_json::Value::String(text))
    };
    check_documented(
        method.as_str(),
        url.path(),
        status,
        content_type.as_deref(),
        &body,
    );
    (status, body)
}

/// The OpenAPI document with every object schema closed (`additionalProperties: false`
/// where it says nothing), so that an undocumented field in an answer fails the check.
fn strict_document() -> &'static serde_json::Value {
    static DOC: std::sync::OnceLock<serde_json::Value> = std::sync::OnceLock::new();
    DOC.get_or_init(|| {
        fn close(v: &mut serde_json::Value) {
            match v {
                serde_json::Value::Object(map) => {
                    if map.contains_key("properties") && !map.contains_key("additionalProperties") {
                        map.insert("additionalProperties".into(), false.into());
                    }
                    map.values_mut().for_each(close);
                }
                serde_json::Value::Array(items) => items.iter_mut().for_each(close),
                _ => {}
            }
        }
        let mut doc = serde_json::to_value(web::api::openapi()).expect("document");
        close(&mut doc["components"]["schemas"]);
        close(&mut doc["paths"]);
        doc
    })
}

/// Checks an answer of `/api/v1/…` against the OpenAPI document: the route, the method and
/// the status are documented, the content type is one the document gives for that status,
/// and a JSON body matches its schema exactly. Answers to routes that do not exist (404) or
/// methods a route does not have (405) are not checked.
pub fn check_documented(
    method: &str,
    path: &str,
    status: u16,
    content_type: Option<&str>,
    body: &serde_json::Value,
) {
    if !path.starts_with("/api/v1/") || path == "/api/v1/openapi.json" || status == 405 {
        return;
    }
    let doc = strict_document();
    let segments: Vec<&str> = path.split('/').collect();
    let template = doc["paths"]
        .as_object()
        .expect("paths")
        .keys()
        .filter_map(|t| {
            let ts: Vec<&str> = t.split('/').collect();
            let fits = ts.len() == segments.len()
                && ts
                    .iter()
                    .zip(&segments)
                    .all(|(t, s)| t.starts_with('{') || t == s);
            fits.then(|| (ts.iter().filter(|t| !t.starts_with('{')).count(), t))
        })
        .max()
        .map(|(_, t)| t.clone());
    let Some(template) = template else {
        assert_eq!(status, 404, "{method} {path}: not in the OpenAPI document");
        return;
    };
    let at = format!("{method} {template}");
    let op = &doc["paths"][&template][method.to_lowercase()];
    assert!(op.is_object(), "{at}: not in the OpenAPI document");
    let mut response = &op["responses"][status.to_string()];
    assert!(
        response.is_object(),
        "{at}: status {status} is not documented\n{body:#}"
    );
    if let Some(r) = response["$ref"].as_str() {
        response = &doc["components"]["responses"][r.trim_start_matches("#/components/responses/")];
    }
    let Some(content) = response["content"].as_object() else {
        assert!(
            body.is_null(),
            "{at} {status}: documented without a body\n{body:#}"
        );
        return;
    };
    let mime = content_type
        .unwrap_or("")
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_string();
    let media = content
        .get(&mime)
        .unwrap_or_else(|| panic!("{at} {status}: content type {mime} is not documented"));
    let Some(schema) = media.get("schema") else {
        return;
    };
    let mut root = schema.clone();
    root["components"] = doc["components"].clone();
    let validator = jsonschema::options()
        .with_draft(jsonschema::Draft::Draft202012)
        .build(&root)
        .unwrap_or_else(|e| panic!("{at} {status}: schema does not compile: {e}"));
    let errors: Vec<String> = validator
        .iter_errors(body)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "{at} {status}: the answer does not match the document: {errors:#?}\n{body:#}"
    );
}

/// Asserts that a refused field is tied to its message as a screen reader needs: the element
/// with `id` (or, for a group, its choices) says `aria-invalid="true"`, its `aria-describedby`
/// names `<id>-error`, and the message with that id is on the page.
pub fn assert_tied(html: &str, id: &str) {
    assert!(
        html.contains(&format!("id=\"{id}-error\"")),
        "no message with the id {id}-error"
    );
    let start = html
        .find(&format!("id=\"{id}\""))
        .unwrap_or_else(|| panic!("no element #{id}"));
    let open = html[..start].rfind('<').expect("a tag");
    let tag = &html[open..open + html[open..].find('>').expect("end of tag")];
    let described = tag
        .split("aria-describedby=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap_or_else(|| panic!("#{id} has no aria-describedby: {tag}"));
    assert!(
        described.split(' ').any(|d| d == format!("{id}-error")),
        "#{id} is described by {described:?}, not by its message"
    );
    let invalid_here = tag.contains("aria-invalid=\"true\"");
    // A group (fieldset) carries the description; its choices carry aria-invalid.
    let group = tag.starts_with("<fieldset")
        && html[start..]
            .split("</fieldset>")
            .next()
            .is_some_and(|g| g.contains("aria-invalid=\"true\""));
    assert!(invalid_here || group, "#{id} is not aria-invalid: {tag}");
}
