//! A local simulator of Taiwan's national MyData platform (個人化資料自主運用平臺), for
//! development, demos and tests: a real HTTP server that follows the platform's service-provider
//! (SP) protocol, so that civicdesk talks to it exactly as it would to the real platform.
//!
//! One SP with one service is registered ([`SimConfig`]). The citizen's browser comes to
//! `GET /service/{ps_id}`, consents (or declines) on the page shown; on consent the simulator
//! sends the SP a server-to-server notice with a `permission_ticket` and the encrypted
//! `secret_key`, redirects the browser back to the SP, and serves the packaged data once at
//! `GET /service/data` (a JWE around a ZIP). Everything is kept in memory. The protocol, as
//! implemented here, is described in `docs/MYDATA.md`; the wire formats are in [`wire`], the
//! register of fictional people in [`people`].
//!
//! ```no_run
//! # async fn run() -> Result<(), civicdesk_mydata_sim::SimError> {
//! use civicdesk_mydata_sim::{SimConfig, start};
//! let config = SimConfig::demo("http://127.0.0.1:8080/mydata/notice", "http://127.0.0.1:8080/");
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
//! let sim = start(config, listener).await?;
//! println!("MyData simulator at {}", sim.base_url());
//! sim.shutdown().await;
//! # Ok(())
//! # }
//! ```

#[cfg(feature = "cli")]
pub mod cli;
mod page;
pub mod people;
mod server;
pub mod wire;

pub use people::{Person, demo_people};

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// The one dataset the simulator can package: a person's household-registration record.
pub const HOUSEHOLD_REGISTRATION: &str = "household-registration";

/// The demo SP's registration, which `civicdesk mydata-sim` uses unless told otherwise.
pub const DEMO_CLIENT_ID: &str = "CIVICDESK";
/// 32 ASCII characters: the AES-256 key of the `secret_key` in the notice.
pub const DEMO_CLIENT_SECRET: &str = "civicdesk-demo-secret-32-bytes!!";
/// 16 ASCII characters: the AES-CBC IV of the service.
pub const DEMO_IV: &str = "civicdesk-iv-16b";
pub const DEMO_PS_ID: &str = "PS-CIVICDESK-PREFILL";

/// The identity-verification methods the consent page offers, by the platform's codes, with
/// their names in Chinese and English. The simulator verifies nothing: any choice passes.
pub const VERIFY_METHODS: [(&str, &str, &str); 10] = [
    ("cer", "自然人憑證", "Citizen Digital Certificate"),
    ("moeaca", "工商憑證", "Business certificate"),
    ("tfido", "行動自然人憑證 (TW FidO)", "TW FidO"),
    ("nhi", "健保卡", "NHI card"),
    (
        "pii",
        "雙證件",
        "Two documents (NHI card and household book)",
    ),
    ("mobile", "手機門號", "Mobile number"),
    ("email", "電子郵件", "E-mail one-time code"),
    ("fic", "金融晶片卡", "Bank chip card"),
    ("fch", "硬體金融憑證", "Hardware financial certificate"),
    ("fcs", "軟體金融憑證", "Software financial certificate"),
];

/// The SP registered with the simulator, its service, and the simulator's own settings.
#[derive(Debug, Clone)]
pub struct SimConfig {
    /// The SP's client id; the data file is named `<client_id>.zip`.
    pub client_id: String,
    /// Exactly 32 ASCII characters: its bytes are the AES-256 key of the notice's `secret_key`.
    pub client_secret: String,
    /// Exactly 16 ASCII characters: its bytes are the AES-CBC IV of the notice's `secret_key`.
    pub iv: String,
    /// The service id (`psId`) the SP sends the browser to: `/service/{ps_id}`.
    pub ps_id: String,
    /// The service's name on the consent page.
    pub service_name: String,
    /// Where the notice is POSTed (the SP's server-to-server endpoint).
    pub notify_url: String,
    /// A `return_url` must start with this (and, unless it ends with `/`, continue with `/`,
    /// `?` or nothing): the consent page is no open redirect.
    pub return_url_prefix: String,
    /// The datasets (resource ids) the service asks for; only [`HOUSEHOLD_REGISTRATION`] is
    /// known.
    pub resources: Vec<String>,
    /// Seconds after consent until the data is ready (`429` with `Retry-After` before).
    pub wait_seconds: u64,
    /// Seconds a ticket and its packaged file are kept after consent (8 hours on the real
    /// platform); after that the ticket is unknown (`403`).
    pub retention_seconds: u64,
    /// The addresses that may call `GET /service/data` (`401` for any other).
    pub allowed_ips: Vec<IpAddr>,
    /// The people the simulator knows, by national ID.
    pub people: Vec<Person>,
}

impl SimConfig {
    /// The demo SP ([`DEMO_CLIENT_ID`], [`DEMO_CLIENT_SECRET`], [`DEMO_IV`], [`DEMO_PS_ID`])
    /// asking for the household-registration record, ready 2 seconds after consent, kept 8
    /// hours, fetched from loopback only, with the [`demo_people`].
    pub fn demo(notify_url: &str, return_url_prefix: &str) -> SimConfig {
        SimConfig {
            client_id: DEMO_CLIENT_ID.to_string(),
            client_secret: DEMO_CLIENT_SECRET.to_string(),
            iv: DEMO_IV.to_string(),
            ps_id: DEMO_PS_ID.to_string(),
            service_name:
                "civicdesk 市民服務平臺：申請資料預填 (civicdesk: prefilling applications)"
                    .to_string(),
            notify_url: notify_url.to_string(),
            return_url_prefix: return_url_prefix.to_string(),
            resources: vec![HOUSEHOLD_REGISTRATION.to_string()],
            wait_seconds: 2,
            retention_seconds: 8 * 3600,
            allowed_ips: vec![
                IpAddr::V4(Ipv4Addr::LOCALHOST),
                IpAddr::V6(Ipv6Addr::LOCALHOST),
            ],
            people: demo_people(),
        }
    }

    /// Checks the registration: the secret and IV lengths, the ids, the URLs and datasets.
    pub fn validate(&self) -> Result<(), SimError> {
        let bad = |what: String| Err(SimError::Config(what));
        if self.client_secret.len() != 32 || !self.client_secret.is_ascii() {
            return bad("the client secret must be exactly 32 ASCII characters".into());
        }
        if self.iv.len() != 16 || !self.iv.is_ascii() {
            return bad("the IV must be exactly 16 ASCII characters".into());
        }
        if !server::valid_id(&self.client_id) {
            return bad("the client id must be 1-64 characters of A-Z, a-z, 0-9, _ and -".into());
        }
        if !server::valid_id(&self.ps_id) || self.ps_id == "data" {
            return bad(
                "the service id must be 1-64 characters of A-Z, a-z, 0-9, _ and -, not `data`"
                    .into(),
            );
        }
        for (what, url) in [
            ("notify URL", &self.notify_url),
            ("return URL prefix", &self.return_url_prefix),
        ] {
            let rest = url
                .strip_prefix("http://")
                .or_else(|| url.strip_prefix("https://"));
            if rest.is_none_or(|r| r.is_empty() || r.starts_with('/')) {
                return bad(format!("the {what} must be an http:// or https:// URL"));
            }
        }
        if self.resources.is_empty() {
            return bad("the service must ask for at least one dataset".into());
        }
        if let Some(r) = self.resources.iter().find(|r| *r != HOUSEHOLD_REGISTRATION) {
            return bad(format!(
                "unknown dataset {r:?}: the simulator packages {HOUSEHOLD_REGISTRATION} only"
            ));
        }
        if self.allowed_ips.is_empty() {
            return bad("the allow-list of /service/data is empty".into());
        }
        Ok(())
    }
}

/// Why the simulator could not start.
#[derive(Debug, thiserror::Error)]
pub enum SimError {
    #[error("MyData simulator configuration: {0}")]
    Config(String),
    #[error("MyData simulator: {0}")]
    Io(#[from] std::io::Error),
    #[error("MyData simulator's HTTP client: {0}")]
    Client(String),
}

/// A simulator serving on its listener. Dropping it stops the server (without waiting);
/// [`RunningSim::shutdown`] stops it and waits.
pub struct RunningSim {
    addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
}

impl RunningSim {
    /// The address the simulator listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://<addr>`, without a trailing slash.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Stops accepting connections, lets the requests under way finish, and waits.
    pub async fn shutdown(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for RunningSim {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// Starts the simulator on `listener` (bind `127.0.0.1:0` for a free port) and returns once it
/// accepts connections.
pub async fn start(
    config: SimConfig,
    listener: tokio::net::TcpListener,
) -> Result<RunningSim, SimError> {
    config.validate()?;
    let addr = listener.local_addr()?;
    let app = server::router(config)?;
    let (stop, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        let serve = axum::serve(
            listener,
            app.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(async {
            let _ = stopped.await;
        });
        if let Err(e) = serve.await {
            tracing::error!(error = %e, "the MyData simulator stopped");
        }
    });
    Ok(RunningSim {
        addr,
        stop: Some(stop),
        task: Some(task),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_demo_registration_is_valid() {
        let c = SimConfig::demo("http://127.0.0.1:1/notice", "http://127.0.0.1:1/");
        assert!(c.validate().is_ok());
    }

    #[test]
    fn a_registration_with_a_short_secret_or_iv_or_a_strange_url_is_refused() {
        let ok = SimConfig::demo("http://127.0.0.1:1/notice", "http://127.0.0.1:1/");
        let cases: [fn(&mut SimConfig); 6] = [
            |c| c.client_secret = "short".into(),
            |c| c.iv = "秘密秘密0123".into(), // 16 bytes, not ASCII
            |c| c.ps_id = "data".into(),
            |c| c.notify_url = "ftp://x/".into(),
            |c| c.return_url_prefix = "http:///x".into(),
            |c| c.resources = vec!["land-registration".into()],
        ];
        for change in cases {
            let mut c = ok.clone();
            change(&mut c);
            assert!(matches!(c.validate(), Err(SimError::Config(_))), "{c:?}");
        }
    }
}
