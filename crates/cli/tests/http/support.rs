use services::{ServiceConfig, Services};
use std::path::PathBuf;

pub const TAIPEI: &str = "taipei.gov.tw";
pub const KAOHSIUNG: &str = "kcg.gov.tw";

pub struct TestApp {
    pub base: String,
    pub services: Services,
    pub database_url: String,
    pub key: String,
    pub kcg_key: String,
    pub client: reqwest::Client,
    pub dir: tempfile::TempDir,
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

    /// Starts with adjusted service settings (e.g. notification transports).
    pub async fn start_with(configure: impl FnOnce(&mut ServiceConfig)) -> TestApp {
        let dir = tempfile::tempdir().expect("temp dir");
        let database_url = fresh_database(dir.path()).await;
        let db = store::Db::connect(&database_url, 8)
            .await
            .expect("database");
        store::migrate::migrate(&db).await.expect("migrations");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let base = format!("http://{}", listener.local_addr().expect("addr"));
        let mut config = ServiceConfig {
            public_url: base.clone(),
            media_dir: PathBuf::from(dir.path()).join("media"),
            default_jurisdiction: Some(TAIPEI.into()),
            notify: Default::default(),
        };
        configure(&mut config);
        let services = Services::new(db, config).await.expect("services");
        services.seed_reference().await.expect("reference data");
        let key = services
            .create_api_key(TAIPEI, "test app")
            .await
            .expect("key")
            .key;
        let kcg_key = services
            .create_api_key(KAOHSIUNG, "kcg app")
            .await
            .expect("key")
            .key;
        let app = web::router(services.clone());
        tokio::spawn(async move { axum::serve(listener, app).await.expect("server") });
        TestApp {
            base,
            services,
            database_url,
            key,
            kcg_key,
            client: reqwest::Client::new(),
            dir,
        }
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
        store::cases::count(&self.services.db, TAIPEI)
            .await
            .expect("count")
            + store::cases::count(&self.services.db, KAOHSIUNG)
                .await
                .expect("count")
    }
}

/// Validates a JSON value against a schema of `../shared/reference/open311-schemas/`.
pub fn assert_schema(schema_file: &str, value: &serde_json::Value) {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/reference/open311-schemas/"
    );
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
