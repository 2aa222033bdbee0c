//! Configuration: built-in defaults, then `civicdesk.toml`, then `CIVICDESK_*` environment
//! variables and command-line flags (clap reads both; a flag wins over its variable).

use anyhow::{Context, Result, bail};
use clap::Args;
use platform::notify::{ChannelCaps, DailyCaps, NotifyConfig, SmsConfig, SmtpConfig, SmtpTls};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Options shared by the commands that open the database.
#[derive(Debug, Clone, Default, Args)]
pub struct DbArgs {
    /// Database URL: sqlite://path/to/file.db or postgres://user@host/db [default: sqlite://<data-dir>/civicdesk.db]
    #[arg(long, env = "CIVICDESK_DATABASE_URL", global = true)]
    pub database_url: Option<String>,
    /// Directory for the SQLite file and uploaded media [default: ./civicdesk-data]
    #[arg(long, env = "CIVICDESK_DATA_DIR", global = true)]
    pub data_dir: Option<PathBuf>,
}

/// Options of the commands that serve HTTP.
#[derive(Debug, Clone, Default, Args)]
pub struct ServeArgs {
    /// Address to listen on [default: 127.0.0.1:8080]
    #[arg(long, env = "CIVICDESK_BIND")]
    pub bind: Option<String>,
    /// Public base URL used in links (media, discovery) [default: http://<bind>]
    #[arg(long, env = "CIVICDESK_PUBLIC_URL")]
    pub public_url: Option<String>,
    /// Jurisdiction that answers /open311/v2/ when a request names none
    #[arg(long, env = "CIVICDESK_DEFAULT_JURISDICTION")]
    pub default_jurisdiction: Option<String>,
    /// Size in metres of the grid cells whose centre is published instead of a case's own
    /// point (Open311, the update feed), 50 to 5000 [default: 100]
    #[arg(long, env = "CIVICDESK_PUBLIC_GRID_M")]
    pub public_grid_m: Option<f64>,
    /// Maximum database connections of this node [default: 16]
    #[arg(long, env = "CIVICDESK_MAX_CONNECTIONS")]
    pub max_connections: Option<u32>,
    /// Reverse proxies whose X-Forwarded-For is believed (addresses or CIDR blocks, comma
    /// separated) [default: none: the peer address is the client]
    #[arg(
        long = "trusted-proxy",
        env = "CIVICDESK_TRUSTED_PROXIES",
        value_delimiter = ','
    )]
    pub trusted_proxies: Vec<String>,
    /// Map tiles for the web pages, e.g. https://tile.openstreetmap.org/{z}/{x}/{y}.png
    /// [default: none: places are given by district and address]
    #[arg(long, env = "CIVICDESK_MAP_TILES")]
    pub map_tiles: Option<String>,
    /// District and village boundaries of a jurisdiction, for its maps and for finding the
    /// district of a point: JURISDICTION=DISTRICTS.geojson[,VILLAGES.geojson], in the form of
    /// data/boundaries/taipei/ (repeat the option, or separate with ';') [default: Taipei's
    /// built-in boundaries for taipei.gov.tw]
    #[arg(
        long = "boundaries",
        env = "CIVICDESK_BOUNDARIES",
        value_delimiter = ';'
    )]
    pub boundaries: Vec<String>,
    /// `civicdesk demo` only: `city` loads 30 days of Taipei's real 1999 cases (the first
    /// start takes a little while), `basic` a handful of hand-written ones [default: city]
    #[arg(long, env = "CIVICDESK_DEMO_SAMPLE")]
    pub demo_sample: Option<String>,
    /// How many milliseconds a public Open311 list (services, requests, updates) may be
    /// answered from memory; 0 turns this off [default: 1000]
    #[arg(long, env = "CIVICDESK_OPEN311_CACHE_MS")]
    pub open311_cache_ms: Option<u64>,
    /// The most memory, in MB, that cached Open311 lists may take on this node [default: 64]
    #[arg(long, env = "CIVICDESK_OPEN311_CACHE_MB")]
    pub open311_cache_mb: Option<usize>,
    /// Cases one Open311 API key may file per hour; 0: no limit [default: 1000]
    #[arg(long, env = "CIVICDESK_FILINGS_PER_KEY")]
    pub filings_per_key: Option<i64>,
    /// Cases Open311 clients may file per hour from one address; 0: no limit [default: 300]
    #[arg(long, env = "CIVICDESK_FILINGS_PER_ADDRESS")]
    pub filings_per_address: Option<i64>,
    /// Run the cases module (the 1999 hotline, Open311, the desk, supervision); false serves
    /// only sign-in, accounts and administration [default: true]
    #[arg(long = "module-cases", env = "CIVICDESK_MODULE_CASES")]
    pub module_cases: Option<bool>,
    /// Serve /bench/ceiling/<path>: the bytes of /<path> from memory, the benchmark's ceiling.
    /// For benchmarks only.
    #[arg(long, hide = true)]
    pub bench_ceiling: bool,
    #[command(flatten)]
    pub notify: NotifyArgs,
    #[command(flatten)]
    pub webhooks: crate::webhook_config::WebhookArgs,
    #[command(flatten)]
    pub jobs: crate::jobs_config::JobArgs,
}

/// Notification settings given as flags or variables. The SMTP password and the SMS secret
/// are read only from `CIVICDESK_SMTP_PASSWORD` / `CIVICDESK_SMS_SECRET` or the file, never
/// from flags (which other users can see in the process list).
#[derive(Debug, Clone, Default, Args)]
pub struct NotifyArgs {
    /// SMTP server host name; e-mail is sent only when it is set
    #[arg(long, env = "CIVICDESK_SMTP_HOST")]
    pub smtp_host: Option<String>,
    /// SMTP port [default: 587 for starttls, 465 for tls, 25 for none]
    #[arg(long, env = "CIVICDESK_SMTP_PORT")]
    pub smtp_port: Option<u16>,
    /// SMTP security: starttls, tls or none [default: starttls]
    #[arg(long, env = "CIVICDESK_SMTP_TLS")]
    pub smtp_tls: Option<String>,
    /// SMTP user name (the password comes from CIVICDESK_SMTP_PASSWORD)
    #[arg(long, env = "CIVICDESK_SMTP_USERNAME")]
    pub smtp_username: Option<String>,
    /// From header of e-mail, e.g. "臺北市 1999 <no-reply@example.gov.tw>"
    #[arg(long, env = "CIVICDESK_SMTP_FROM")]
    pub smtp_from: Option<String>,
    /// SMS gateway URL; SMS is sent only when it is set (the secret comes from CIVICDESK_SMS_SECRET)
    #[arg(long, env = "CIVICDESK_SMS_URL")]
    pub sms_url: Option<String>,
    /// Older name of the job workers setting (see --job-workers); 0 sends no notifications
    /// from this node
    #[arg(long, env = "CIVICDESK_NOTIFY_WORKERS")]
    pub notify_workers: Option<usize>,
}

/// The contents of `civicdesk.toml`; every key is optional.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    pub database_url: Option<String>,
    pub data_dir: Option<PathBuf>,
    pub bind: Option<String>,
    pub public_url: Option<String>,
    pub default_jurisdiction: Option<String>,
    pub public_grid_m: Option<f64>,
    pub max_connections: Option<u32>,
    pub log_format: Option<String>,
    pub trusted_proxies: Option<Vec<String>>,
    pub map_tiles: Option<String>,
    pub boundaries: Option<Vec<String>>,
    pub open311_cache_ms: Option<u64>,
    pub open311_cache_mb: Option<usize>,
    pub filings_per_key: Option<i64>,
    pub filings_per_address: Option<i64>,
    pub notify: Option<NotifyFile>,
    pub webhooks: Option<crate::webhook_config::WebhooksFile>,
    pub jobs: Option<crate::jobs_config::JobsFile>,
    pub modules: Option<ModulesFile>,
    pub login_providers: Option<Vec<platform::login::LoginProvider>>,
    /// `[retention]`: how many days each kind of personal data is kept, by the key its module
    /// declares (`cases.reporters = 1826`); the modules' defaults otherwise.
    pub retention: Option<std::collections::BTreeMap<String, u32>>,
    /// Hours to report a personal-data breach and tell the people affected (72).
    pub breach_report_hours: Option<u32>,
    /// `[smart_desk]`: how long issued documents wait for their holders.
    pub smart_desk: Option<crate::smart_desk_config::SmartDeskFile>,
    /// `[mydata]`: the city's registration at the national MyData platform.
    pub mydata: Option<platform::login::MyDataService>,
    /// `[payments.ecpay]`, `[payments.wallet]`: the city's merchant accounts.
    pub payments: Option<platform::payment_providers::PaymentProviders>,
}

/// `[modules]`: which modules run, `<module> = false` to switch one off (see
/// `crate::modules_config`).
pub type ModulesFile = std::collections::BTreeMap<String, bool>;

/// `[notify]` in `civicdesk.toml`. `workers`, `batch_size`, `poll_interval_ms` and
/// `lease_secs` are older names of the `[jobs]` settings (see `jobs_config`).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NotifyFile {
    pub workers: Option<usize>,
    pub batch_size: Option<u64>,
    pub poll_interval_ms: Option<u64>,
    pub lease_secs: Option<u64>,
    pub send_timeout_secs: Option<u64>,
    pub retry_schedule_secs: Option<Vec<u64>>,
    pub max_attempts: Option<u32>,
    pub smtp: Option<SmtpFile>,
    pub sms: Option<SmsFile>,
    pub caps: Option<CapsFile>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SmtpFile {
    pub host: Option<String>,
    pub port: Option<u16>,
    pub tls: Option<String>,
    pub username: Option<String>,
    pub password: Option<String>,
    pub from: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SmsFile {
    pub url: Option<String>,
    pub secret: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CapsFile {
    pub email: Option<u64>,
    pub sms: Option<u64>,
    #[serde(default)]
    pub jurisdictions: BTreeMap<String, ChannelCapsFile>,
}

#[derive(Debug, Clone, Copy, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChannelCapsFile {
    pub email: Option<u64>,
    pub sms: Option<u64>,
}

/// Builds the notification settings: flags and variables over the file over defaults.
/// `env` reads the secret-only variables.
pub fn resolve_notify(
    file: Option<&NotifyFile>,
    args: &NotifyArgs,
    env: impl Fn(&str) -> Option<String>,
) -> Result<NotifyConfig> {
    let default = NotifyFile::default();
    let file = file.unwrap_or(&default);
    let mut config = NotifyConfig::default();
    let smtp_file = file.smtp.clone().unwrap_or_default();
    if let Some(host) = args.smtp_host.clone().or(smtp_file.host.clone()) {
        let tls_text = args.smtp_tls.clone().or(smtp_file.tls.clone());
        let tls = match tls_text {
            Some(t) => SmtpTls::parse(&t)
                .with_context(|| format!("SMTP tls must be starttls, tls or none, not {t:?}"))?,
            None => SmtpTls::Starttls,
        };
        let from = args.smtp_from.clone().or(smtp_file.from.clone()).context(
            "notify.smtp.from (CIVICDESK_SMTP_FROM) is required when an SMTP host is set",
        )?;
        config.smtp = Some(SmtpConfig {
            host,
            port: args.smtp_port.or(smtp_file.port).unwrap_or(match tls {
                SmtpTls::Starttls => 587,
                SmtpTls::Tls => 465,
                SmtpTls::None => 25,
            }),
            tls,
            username: args.smtp_username.clone().or(smtp_file.username.clone()),
            password: env("CIVICDESK_SMTP_PASSWORD").or(smtp_file.password.clone()),
            from,
        });
    }
    let sms_file = file.sms.clone().unwrap_or_default();
    if let Some(url) = args.sms_url.clone().or(sms_file.url.clone()) {
        if !(url.starts_with("https://") || url.starts_with("http://")) {
            bail!("the SMS gateway URL must start with https:// or http://");
        }
        let secret = env("CIVICDESK_SMS_SECRET")
            .or(sms_file.secret.clone())
            .context("notify.sms.secret (CIVICDESK_SMS_SECRET) is required when an SMS gateway URL is set")?;
        if secret.len() < 16 {
            bail!("the SMS gateway secret must be at least 16 characters");
        }
        config.sms = Some(SmsConfig { url, secret });
    }
    if let Some(caps) = &file.caps {
        config.caps = DailyCaps {
            email: caps.email,
            sms: caps.sms,
            jurisdictions: caps
                .jurisdictions
                .iter()
                .map(|(k, v)| {
                    (
                        k.clone(),
                        ChannelCaps {
                            email: v.email,
                            sms: v.sms,
                        },
                    )
                })
                .collect(),
        };
    }
    if let Some(s) = file.send_timeout_secs {
        config.send_timeout = Duration::from_secs(s.max(1));
    }
    if let Some(r) = &file.retry_schedule_secs {
        if r.is_empty() {
            bail!("notify.retry_schedule_secs needs at least one delay");
        }
        config.retry_schedule = r.clone();
    }
    if let Some(m) = file.max_attempts {
        config.max_attempts = m.max(1);
    }
    Ok(config)
}

/// The notification settings as `civicdesk config` prints them: no password or secret.
pub fn describe_notify(c: &NotifyConfig) -> String {
    let mut out = String::from("[notify]\n");
    out.push_str(&format!(
        "enabled = {}\nsend_timeout_secs = {}\nretry_schedule_secs = {:?}\nmax_attempts = {}\n",
        c.enabled,
        c.send_timeout.as_secs(),
        c.retry_schedule,
        c.max_attempts
    ));
    match &c.smtp {
        Some(s) => out.push_str(&format!(
            "smtp = {{ host = {:?}, port = {}, tls = {:?}, username = {:?}, password = {:?}, from = {:?} }}\n",
            s.host,
            s.port,
            s.tls.as_str(),
            s.username.as_deref().unwrap_or(""),
            if s.password.is_some() { "***" } else { "" },
            s.from
        )),
        None => out.push_str("smtp = \"not configured: e-mail waits in the outbox\"\n"),
    }
    match &c.sms {
        Some(s) => out.push_str(&format!(
            "sms = {{ url = {:?}, secret = \"***\" }}\n",
            s.url
        )),
        None => out.push_str("sms = \"not configured: SMS waits in the outbox\"\n"),
    }
    let cap = |v: Option<u64>| {
        v.map(|n| n.to_string())
            .unwrap_or_else(|| "\"none\"".into())
    };
    out.push_str(&format!(
        "caps = {{ email = {}, sms = {} }}\n",
        cap(c.caps.email),
        cap(c.caps.sms)
    ));
    for (j, caps) in &c.caps.jurisdictions {
        out.push_str(&format!(
            "caps.jurisdictions.{j:?} = {{ email = {}, sms = {} }}\n",
            cap(caps.email),
            cap(caps.sms)
        ));
    }
    out
}

impl FileConfig {
    /// Reads `path`, or `./civicdesk.toml` if it exists and no path was given.
    pub fn load(path: Option<&Path>) -> Result<FileConfig> {
        let (path, required) = match path {
            Some(p) => (p.to_path_buf(), true),
            None => (PathBuf::from("civicdesk.toml"), false),
        };
        match std::fs::read_to_string(&path) {
            Ok(text) => {
                toml::from_str(&text).with_context(|| format!("reading {}", path.display()))
            }
            Err(e) if !required && e.kind() == std::io::ErrorKind::NotFound => {
                Ok(FileConfig::default())
            }
            Err(e) => Err(e).with_context(|| format!("reading {}", path.display())),
        }
    }
}

/// The effective settings.
#[derive(Debug, Clone)]
pub struct Settings {
    pub database_url: String,
    pub data_dir: PathBuf,
    pub bind: String,
    pub public_url: String,
    pub default_jurisdiction: Option<String>,
    pub public_grid_m: f64,
    pub max_connections: u32,
    pub trusted_proxies: Vec<String>,
    pub map_tiles: Option<String>,
    /// `JURISDICTION=DISTRICTS.geojson[,VILLAGES.geojson]`, loaded at start (`maps_config::load`).
    pub boundaries: Vec<String>,
    /// Administrators and supervisors need a second factor unless their jurisdiction's
    /// policy says otherwise (`platform::ServiceConfig::SECOND_FACTOR_ROLES`); the demo
    /// turns this default off.
    pub default_second_factor: bool,
    pub open311_cache: std::time::Duration,
    pub open311_cache_bytes: usize,
    pub filing_limits: platform::rate_limit::FilingLimits,
    pub notify: NotifyConfig,
    pub webhooks: platform::webhooks::WebhookConfig,
    pub jobs: platform::jobs::JobsConfig,
    pub modules: platform::ModulesConfig,
    pub login_providers: Vec<platform::login::LoginProvider>,
    pub retention: std::collections::BTreeMap<String, u32>,
    pub breach_report_hours: u32,
    pub mydata: Option<platform::login::MyDataService>,
    pub payments: platform::payment_providers::PaymentProviders,
    pub pickup: platform::PickupTimes,
}

/// `[retention]` checked: each key is one a module of the build declares, and each period is
/// at least a day.
fn retention(
    file: Option<&std::collections::BTreeMap<String, u32>>,
) -> Result<std::collections::BTreeMap<String, u32>> {
    let Some(file) = file else {
        return Ok(Default::default());
    };
    let known: Vec<&str> = web::COMPILED
        .iter()
        .flat_map(|m| m.retention.iter().map(|r| r.key))
        .collect();
    for (key, days) in file {
        if !known.contains(&key.as_str()) {
            anyhow::bail!(
                "[retention] {key}: no module keeps data under this key (known: {})",
                known.join(", ")
            );
        }
        if *days == 0 {
            anyhow::bail!("[retention] {key}: keep data at least 1 day");
        }
    }
    Ok(file.clone())
}

impl Settings {
    /// The effective settings, with the notification settings checked.
    pub fn load(file: &FileConfig, db: &DbArgs, serve: &ServeArgs) -> Result<Settings> {
        let mut s = Settings::resolve(file, db, serve);
        s.notify = resolve_notify(file.notify.as_ref(), &serve.notify, |k| {
            std::env::var(k).ok().filter(|v| !v.is_empty())
        })?;
        s.webhooks =
            crate::webhook_config::resolve(file.webhooks.as_ref(), &serve.webhooks, false)?;
        s.resolve_jobs(file, serve)?;
        s.modules = crate::modules_config::resolve(file.modules.as_ref(), serve.module_cases)?;
        s.login_providers = crate::login_config::from_env(file.login_providers.as_deref())?;
        s.retention = retention(file.retention.as_ref())?;
        s.breach_report_hours = match file.breach_report_hours {
            Some(0) => bail!("breach_report_hours: at least 1 hour"),
            Some(h) => h,
            None => 72,
        };
        s.payments = crate::payments_config::resolve(file.payments.as_ref())?;
        s.pickup = crate::smart_desk_config::resolve(file.smart_desk.as_ref())?;
        s.mydata = match &file.mydata {
            Some(m) => {
                let mut m = m.clone();
                if let Some(name) = m.client_secret.strip_prefix("env:") {
                    m.client_secret = std::env::var(name.trim()).unwrap_or_default();
                }
                let problems = m.problems();
                if !problems.is_empty() {
                    bail!("{}", problems.join("; "));
                }
                Some(m)
            }
            None => None,
        };
        Ok(s)
    }

    /// Fills in the job settings (after the notification and webhook ones, whose send
    /// timeouts bound the lease) and which kinds run on this node.
    pub fn resolve_jobs(&mut self, file: &FileConfig, serve: &ServeArgs) -> Result<()> {
        let r = crate::jobs_config::resolve(
            file.jobs.as_ref(),
            file.notify.as_ref(),
            file.webhooks.as_ref(),
            &serve.jobs,
            crate::jobs_config::Legacy {
                notify_workers: serve.notify.notify_workers,
                webhook_workers: serve.webhooks.webhook_workers,
            },
            self.notify.send_timeout.max(self.webhooks.send_timeout),
        )?;
        self.jobs = r.jobs;
        self.notify.enabled = r.notify_enabled;
        self.webhooks.enabled = r.webhooks_enabled;
        Ok(())
    }

    /// The effective settings with default notification settings.
    pub fn resolve(file: &FileConfig, db: &DbArgs, serve: &ServeArgs) -> Settings {
        let data_dir = db
            .data_dir
            .clone()
            .or_else(|| file.data_dir.clone())
            .unwrap_or_else(|| PathBuf::from("civicdesk-data"));
        let database_url = db
            .database_url
            .clone()
            .or_else(|| file.database_url.clone())
            .unwrap_or_else(|| format!("sqlite://{}", data_dir.join("civicdesk.db").display()));
        let bind = serve
            .bind
            .clone()
            .or_else(|| file.bind.clone())
            .unwrap_or_else(|| "127.0.0.1:8080".into());
        let public_url = serve
            .public_url
            .clone()
            .or_else(|| file.public_url.clone())
            .unwrap_or_else(|| format!("http://{bind}"));
        Settings {
            database_url,
            data_dir,
            public_url,
            default_jurisdiction: serve
                .default_jurisdiction
                .clone()
                .or_else(|| file.default_jurisdiction.clone()),
            public_grid_m: serve
                .public_grid_m
                .or(file.public_grid_m)
                .unwrap_or(domain::geo::PublicGrid::DEFAULT_CELL_M),
            max_connections: serve.max_connections.or(file.max_connections).unwrap_or(16),
            trusted_proxies: if serve.trusted_proxies.is_empty() {
                file.trusted_proxies.clone().unwrap_or_default()
            } else {
                serve.trusted_proxies.clone()
            },
            map_tiles: serve
                .map_tiles
                .clone()
                .or_else(|| file.map_tiles.clone())
                .filter(|t| !t.trim().is_empty()),
            default_second_factor: true,
            boundaries: if serve.boundaries.is_empty() {
                file.boundaries.clone().unwrap_or_default()
            } else {
                serve.boundaries.clone()
            },
            open311_cache: serve
                .open311_cache_ms
                .or(file.open311_cache_ms)
                .map_or(web::DEFAULT_OPEN311_CACHE, std::time::Duration::from_millis),
            open311_cache_bytes: serve
                .open311_cache_mb
                .or(file.open311_cache_mb)
                .map_or(web::DEFAULT_OPEN311_CACHE_BYTES, |mb| {
                    mb.saturating_mul(1024 * 1024)
                }),
            filing_limits: {
                let default = platform::rate_limit::FilingLimits::default();
                platform::rate_limit::FilingLimits {
                    per_key: serve
                        .filings_per_key
                        .or(file.filings_per_key)
                        .unwrap_or(default.per_key),
                    per_address: serve
                        .filings_per_address
                        .or(file.filings_per_address)
                        .unwrap_or(default.per_address),
                }
            },
            // `load` refuses a `[modules]` that names no switchable module; the commands that
            // only resolve (migrate, seed, …) run every module.
            modules: crate::modules_config::resolve(file.modules.as_ref(), serve.module_cases)
                .unwrap_or_default(),
            bind,
            notify: NotifyConfig::default(),
            webhooks: Default::default(),
            jobs: Default::default(),
            login_providers: Vec::new(),
            retention: Default::default(),
            breach_report_hours: 72,
            mydata: None,
            payments: Default::default(),
            pickup: Default::default(),
        }
    }

    /// The database URL with any password hidden, for printing.
    pub fn database_url_redacted(&self) -> String {
        match self.database_url.split_once("://") {
            Some((scheme, rest)) => match rest.split_once('@') {
                Some((user, host)) => {
                    let user = user.split(':').next().unwrap_or("");
                    format!("{scheme}://{user}:***@{host}")
                }
                None => self.database_url.clone(),
            },
            None => self.database_url.clone(),
        }
    }
}

#[cfg(test)]
mod tests;
