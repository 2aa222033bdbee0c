//! The `civicdesk` binary.

mod backup;
mod config;
mod demo;
mod demo_sample;
mod import;
mod jobs_config;
mod login_config;
mod maps_config;
mod modules_config;
mod payments_config;
mod smart_desk_config;
mod users;
mod webhook_config;

use anyhow::{Context, Result, bail};
use clap::{Parser, Subcommand};
use config::{DbArgs, FileConfig, ServeArgs, Settings};
use platform::ServiceConfig;
use std::path::PathBuf;
use tracing_subscriber::EnvFilter;
use web::Modules;

/// civicdesk: the citizen-service platform of a city — 1999 hotline cases, Open311, and more.
#[derive(Parser)]
#[command(version, about, long_about = None)]
struct Cli {
    /// Configuration file [default: ./civicdesk.toml if it exists]
    #[arg(long, env = "CIVICDESK_CONFIG", global = true)]
    config: Option<PathBuf>,
    #[command(flatten)]
    db: DbArgs,
    /// Log format: text or json
    #[arg(long, env = "CIVICDESK_LOG_FORMAT", global = true)]
    log_format: Option<String>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve HTTP (Open311 GeoReport v2, media, health checks). Applies migrations first.
    Serve(ServeArgs),
    /// Serve a ready-to-try instance: Taipei, New Taipei and Kaohsiung with their districts and
    /// taxonomy, sample cases, and a fresh API key printed at start. Needs no configuration.
    Demo(ServeArgs),
    /// Apply database migrations and exit.
    Migrate,
    /// Load the built-in reference data (jurisdictions, districts, departments, categories).
    Seed,
    /// Manage API keys of Open311 client applications.
    #[command(subcommand)]
    ApiKey(ApiKeyCommand),
    /// Manage staff accounts.
    #[command(subcommand)]
    User(users::UserCommand),
    /// Import published case data (Taipei 1999 dispatch data, street-light reports) as
    /// historical, closed cases. Re-running skips rows already imported.
    #[command(subcommand)]
    Import(import::ImportCommand),
    /// Walk the hash chains of every jurisdiction's case events and audit trail and report the
    /// first broken link.
    VerifyAudit,
    /// Back up the SQLite database and the media to a new directory, consistently while the
    /// server keeps running, with a manifest of checksums. (PostgreSQL: prints the pg_dump
    /// commands to use instead.)
    Backup {
        /// Directory to create (it must be new or empty)
        dir: PathBuf,
    },
    /// Restore a `civicdesk backup` directory into the configured database and data directory,
    /// after checking its checksums and integrity. The replaced files are kept beside.
    Restore {
        /// Directory written by `civicdesk backup`
        dir: PathBuf,
        /// Restore even if another process has the database open
        #[arg(long)]
        force: bool,
    },
    /// Print the effective configuration (passwords hidden).
    Config(ServeArgs),
    /// Notification delivery.
    #[command(subcommand)]
    Notify(NotifyCommand),
    MydataSim(mydata_sim::cli::Args),
    EcpaySim(ecpay_sim::cli::Args),
}

#[derive(Subcommand)]
enum NotifyCommand {
    /// Send the `notify_test` message now through the configured SMTP server or SMS gateway
    /// and report what happened, to check the mail settings.
    Test(NotifyTestArgs),
}

#[derive(clap::Args)]
struct NotifyTestArgs {
    /// An e-mail address, or a mobile number in E.164 form (+886912345678)
    #[arg(long)]
    to: String,
    /// Jurisdiction whose name and template overrides to use [default: the default jurisdiction]
    #[arg(long)]
    jurisdiction: Option<String>,
    /// Language of the message: zh-TW or en
    #[arg(long, default_value = "zh-TW")]
    locale: String,
    #[command(flatten)]
    serve: ServeArgs,
}

#[derive(Subcommand)]
enum ApiKeyCommand {
    /// Create a key; it is printed once and stored only as a hash.
    Create {
        /// Jurisdiction id, e.g. taipei.gov.tw
        #[arg(long)]
        jurisdiction: String,
        /// Name of the client application
        #[arg(long)]
        name: String,
    },
    /// List keys (prefixes only).
    List {
        #[arg(long)]
        jurisdiction: Option<String>,
    },
    /// Revoke a key by its id or prefix.
    Revoke { id_or_prefix: String },
}

fn init_logging(format: Option<&str>, command: &Command) {
    // sqlx warns about slow statements with their full text: for the multi-row inserts of an
    // import, that is megabytes of placeholders, so only its errors are shown there. Backups
    // and restores run statements that are slow by nature (VACUUM INTO, integrity_check).
    let default = match command {
        Command::Import(_) | Command::Backup { .. } | Command::Restore { .. } => "info,sqlx=error",
        _ => "info,sqlx=warn,tower_http=info",
    };
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    if format == Some("json") {
        builder.json().init();
    } else {
        builder.init();
    }
}

pub(crate) async fn open(settings: &Settings) -> Result<Modules> {
    let (db, _) = Modules::connect_and_migrate(&settings.database_url, settings.max_connections)
        .await
        .with_context(|| {
            format!(
                "connecting to {} and applying migrations",
                settings.database_url_redacted()
            )
        })?;
    let config = ServiceConfig {
        public_url: settings.public_url.clone(),
        media_dir: settings.data_dir.join("media"),
        default_jurisdiction: settings.default_jurisdiction.clone(),
        public_grid_m: settings.public_grid_m,
        notify: settings.notify.clone(),
        webhooks: settings.webhooks.clone(),
        jobs: settings.jobs,
        filing_limits: settings.filing_limits,
        modules: settings.modules.clone(),
        maps: maps_config::load(settings)?,
        second_factor_roles: if settings.default_second_factor {
            platform::ServiceConfig::SECOND_FACTOR_ROLES.to_vec()
        } else {
            Vec::new()
        },
        login_providers: settings.login_providers.clone(),
        retention: settings.retention.clone(),
        breach_report_hours: settings.breach_report_hours,
        mydata: settings.mydata.clone(),
        payments: settings.payments.clone(),
        pickup: settings.pickup,
    };
    Ok(Modules::open(db, config).await?)
}

/// Loads the city sample into Taipei once (a database that has Taipei cases is left alone),
/// with its services reading a clock the sample moves to each case's own time.
pub(crate) async fn seed_city(modules: &Modules) -> Result<()> {
    let now = modules.platform.now();
    let replay = std::sync::Arc::new(domain::clock::FixedClock::at(now));
    let seeding = modules.clone().with_clock(replay.clone());
    let (dispatch, streetlights) = demo_sample::texts()?;
    let started = std::time::Instant::now();
    let seeded = seeding
        .cases
        .seed_city_sample(
            "taipei.gov.tw",
            &cases::demo::CitySample {
                dispatch_csv: &dispatch,
                streetlights_csv: &streetlights,
            },
            &replay,
            now,
        )
        .await?;
    if seeded.imported + seeded.filed > 0 {
        println!(
            "  city sample:     {} closed cases of the past month and {} live ones of the last {} days ({} resolved, {} surveys) in {:.1} s",
            seeded.imported,
            seeded.filed,
            cases::demo::LIVE_DAYS,
            seeded.resolved,
            seeded.surveys,
            started.elapsed().as_secs_f64()
        );
        println!(
            "                   資料來源：臺北市政府資料開放平臺 (Taipei City Government open data)"
        );
    }
    let answers = modules.cases.seed_starter_answers("taipei.gov.tw").await?;
    if answers > 0 {
        println!("  knowledge base:  {answers} starter answers (中文 and English)");
    }
    Ok(())
}

pub(crate) async fn serve(
    modules: Modules,
    settings: &Settings,
    bench_ceiling: bool,
) -> Result<()> {
    let bind = &settings.bind;
    let web_config = web::WebConfig {
        trusted_proxies: web::api::TrustedProxies::parse(&settings.trusted_proxies)
            .map_err(|e| anyhow::anyhow!("trusted proxies: {e}"))?,
        bench_ceiling,
        map_tiles: settings.map_tiles.clone(),
        open311_cache: settings.open311_cache,
        open311_cache_bytes: settings.open311_cache_bytes,
        ..web::WebConfig::for_public_url(&settings.public_url)
    };
    if let Some(tiles) = &settings.map_tiles
        && web::tile_origin(tiles).is_none()
    {
        anyhow::bail!("map tiles: {tiles:?} is not an http(s) URL template");
    }
    let listener = tokio::net::TcpListener::bind(bind)
        .await
        .with_context(|| format!("listening on {bind}"))?;
    let addr = listener.local_addr()?;
    println!("civicdesk listening on http://{addr}");
    let pages = ui::pages();
    let app = web::router_with_pages(modules.clone(), web_config, pages);
    // Job workers (every running module's kinds: notifications, webhooks) run beside the HTTP
    // server on every node; the job claim makes sure each job is run by one of them only.
    let (stop_workers, stopped) = tokio::sync::watch::channel(false);
    let mut workers: Vec<_> = (0..modules.platform.config().jobs.workers)
        .map(|_| tokio::spawn(modules.clone().run_jobs(stopped.clone())))
        .collect();
    // SLA supervision runs on every node that runs the cases module; the row lock makes each
    // warning happen once.
    if modules.runs(&cases::MODULE) {
        workers.push(tokio::spawn(cases::casework::run_supervisor(
            modules.cases.clone(),
            std::time::Duration::from_secs(60),
            stopped.clone(),
        )));
    }
    // The retention pass (personal data past its period), hourly on every node: each update
    // touches only what still holds personal data, so nodes do not repeat one another's work.
    if modules.runs(&cases::MODULE) {
        workers.push(tokio::spawn(cases::retention::run_retention(
            modules.cases.clone(),
            std::time::Duration::from_secs(3600),
            stopped.clone(),
        )));
    }
    // MyData imports past their time are purged on every node (also after `[mydata]` is
    // removed: what was brought still goes on time).
    workers.push(tokio::spawn(identity::accounts::run_mydata_purge(
        modules.identity.clone(),
        std::time::Duration::from_secs(600),
        stopped.clone(),
    )));
    // Payments handed to a gateway or a wallet and not settled are asked about every minute,
    // on every node (each payment is settled under its row lock, once).
    if modules.runs(&payments::MODULE) {
        workers.push(tokio::spawn(payments::app::reconcile::run_reconciliation(
            modules.payments.clone(),
            std::time::Duration::from_secs(60),
            stopped.clone(),
        )));
    }
    let options = web::server::ServeOptions::default();
    web::server::serve(listener, app, options, async {
        let ctrl_c = tokio::signal::ctrl_c();
        #[cfg(unix)]
        {
            let mut term =
                tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
                    .expect("installing the SIGTERM handler");
            tokio::select! { _ = ctrl_c => {}, _ = term.recv() => {} }
        }
        #[cfg(not(unix))]
        let _ = ctrl_c.await;
        tracing::info!("shutting down");
    })
    .await?;
    let _ = stop_workers.send(true);
    for worker in workers {
        let _ = worker.await;
    }
    modules.platform.db.close().await;
    Ok(())
}

/// mimalloc instead of glibc's malloc: see "Memory allocator" in docs/ARCHITECTURE.md.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> Result<()> {
    let cli = Cli::parse();
    let file = FileConfig::load(cli.config.as_deref())?;
    init_logging(
        cli.log_format.as_deref().or(file.log_format.as_deref()),
        &cli.command,
    );
    let no_serve = ServeArgs::default();
    match cli.command {
        Command::Serve(args) => {
            let settings = Settings::load(&file, &cli.db, &args)?;
            let modules = open(&settings).await?;
            serve(modules, &settings, args.bench_ceiling).await
        }
        Command::Demo(args) => demo::run(&file, &cli.db, args).await,
        Command::Migrate => {
            let settings = Settings::resolve(&file, &cli.db, &no_serve);
            let db = store::Db::connect(&settings.database_url, 2).await?;
            let report = Modules::migrate(&db).await?;
            for (module, v, name) in &report.applied {
                println!("applied migration {module} {v} ({name})");
            }
            println!(
                "database is up to date ({} migrations already applied)",
                report.already
            );
            Ok(())
        }
        Command::Seed => {
            let modules = open(&Settings::resolve(&file, &cli.db, &no_serve)).await?;
            let n = modules.cases.seed_reference().await?;
            println!("loaded {n} reference sets");
            Ok(())
        }
        Command::ApiKey(cmd) => {
            let modules = open(&Settings::resolve(&file, &cli.db, &no_serve)).await?;
            match cmd {
                ApiKeyCommand::Create { jurisdiction, name } => {
                    let created = modules
                        .identity
                        .create_api_key(&operator(&jurisdiction), &name)
                        .await
                        .map_err(explain)?;
                    println!("{}", created.key);
                    eprintln!(
                        "Key for \"{name}\" in {jurisdiction} (id {}). It is shown only now: store it safely.",
                        created.client.id
                    );
                }
                ApiKeyCommand::List { jurisdiction } => {
                    let jurisdictions = match jurisdiction {
                        Some(j) => vec![j],
                        None => modules
                            .platform
                            .jurisdictions()
                            .await?
                            .into_iter()
                            .map(|j| j.id)
                            .collect(),
                    };
                    let mut keys = Vec::new();
                    for j in &jurisdictions {
                        keys.extend(
                            modules
                                .identity
                                .list_api_keys(&operator(j))
                                .await
                                .map_err(explain)?,
                        );
                    }
                    for k in keys {
                        let state = if k.revoked_at.is_some() {
                            "revoked"
                        } else {
                            "active"
                        };
                        println!(
                            "{}  {}…  {:<8} {:<16} {}",
                            k.id, k.key_prefix, state, k.jurisdiction_id, k.name
                        );
                    }
                }
                ApiKeyCommand::Revoke { id_or_prefix } => {
                    let mut owner = None;
                    for j in modules.platform.jurisdictions().await? {
                        let keys = modules
                            .identity
                            .list_api_keys(&operator(&j.id))
                            .await
                            .map_err(explain)?;
                        if keys
                            .iter()
                            .any(|k| k.id == id_or_prefix || k.key_prefix == id_or_prefix)
                        {
                            owner = Some(j.id);
                        }
                    }
                    let Some(owner) = owner else {
                        bail!("no API key with id or prefix {id_or_prefix:?}");
                    };
                    modules
                        .identity
                        .revoke_api_key(&operator(&owner), &id_or_prefix)
                        .await
                        .map_err(explain)?;
                    println!("revoked");
                }
            }
            Ok(())
        }
        Command::User(cmd) => {
            let modules = open(&Settings::resolve(&file, &cli.db, &no_serve)).await?;
            users::run(&modules, cmd).await
        }
        Command::Import(cmd) => {
            let modules = open(&Settings::resolve(&file, &cli.db, &no_serve)).await?;
            import::run(&modules, cmd).await
        }
        Command::VerifyAudit => {
            let modules = open(&Settings::resolve(&file, &cli.db, &no_serve)).await?;
            let mut broken = false;
            for j in modules.platform.jurisdictions().await? {
                let chains = [
                    (
                        "case events",
                        modules.cases.verify_event_chain(&j.id).await?,
                    ),
                    (
                        "audit trail",
                        store::audit::verify_chain(&modules.platform.db, &j.id).await?,
                    ),
                    (
                        "payment events",
                        modules.payments.verify_event_chain(&j.id).await?,
                    ),
                    (
                        "application events",
                        modules.counter.verify_event_chain(&j.id).await?,
                    ),
                ];
                for (name, report) in chains {
                    match report {
                        store::chain::ChainReport::Intact { records } => {
                            println!("{}: {name} intact ({records} records)", j.id)
                        }
                        store::chain::ChainReport::Broken {
                            chain_seq,
                            record_id,
                            reason,
                        } => {
                            broken = true;
                            println!(
                                "{}: {name} BROKEN at record {chain_seq}{}: {reason}",
                                j.id,
                                record_id.map(|id| format!(" ({id})")).unwrap_or_default()
                            );
                        }
                    }
                }
            }
            if broken {
                bail!("the audit chain is broken");
            }
            Ok(())
        }
        Command::Backup { dir } => {
            backup::backup(&Settings::resolve(&file, &cli.db, &no_serve), &dir).await
        }
        Command::Restore { dir, force } => {
            backup::restore(&Settings::resolve(&file, &cli.db, &no_serve), &dir, force).await
        }
        Command::Config(args) => {
            let s = Settings::load(&file, &cli.db, &args)?;
            println!(
                "database_url = {:?}\ndata_dir = {:?}\nbind = {:?}\npublic_url = {:?}\ndefault_jurisdiction = {:?}\nmax_connections = {}",
                s.database_url_redacted(),
                s.data_dir.display().to_string(),
                s.bind,
                s.public_url,
                s.default_jurisdiction,
                s.max_connections
            );
            println!("trusted_proxies = {:?}", s.trusted_proxies);
            let switches: Vec<String> = web::COMPILED
                .iter()
                .filter(|m| m.switchable)
                .map(|m| format!("{} = {}", m.module, s.modules.runs(m.module)))
                .collect();
            println!("modules = {{ {} }}", switches.join(", "));
            println!(
                "open311_cache_mb = {}\nfilings_per_key = {}\nfilings_per_address = {}",
                s.open311_cache_bytes / 1024 / 1024,
                s.filing_limits.per_key,
                s.filing_limits.per_address
            );
            print!("{}", config::describe_notify(&s.notify));
            print!("{}", webhook_config::describe(&s.webhooks));
            print!("{}", jobs_config::describe(&s.jobs));
            Ok(())
        }
        Command::MydataSim(args) => Ok(mydata_sim::cli::run(args).await?),
        Command::EcpaySim(args) => Ok(ecpay_sim::cli::run(args).await?),
        Command::Notify(NotifyCommand::Test(args)) => {
            let settings = Settings::load(&file, &cli.db, &args.serve)?;
            let locale = domain::Locale::from_tag(&args.locale)
                .with_context(|| format!("unknown locale {:?}: use zh-TW or en", args.locale))?;
            let modules = open(&settings).await?;
            let outcome = platform::notify::send_test(
                &modules.platform,
                args.to.trim(),
                args.jurisdiction.as_deref(),
                locale,
            )
            .await
            .map_err(explain)?;
            match outcome {
                Ok(sent) => {
                    println!(
                        "sent the test message by {} to {}{}",
                        sent.channel.as_str(),
                        sent.to,
                        sent.provider_message_id
                            .map(|p| format!(" (server said: {p})"))
                            .unwrap_or_default()
                    );
                    Ok(())
                }
                Err(detail) => bail!("the test message was not sent: {detail}"),
            }
        }
    }
}

/// Turns a service error into a readable CLI error, in English.
pub(crate) fn explain(e: platform::ServiceError) -> anyhow::Error {
    use platform::ServiceError as E;
    let messages = match &e {
        E::Invalid(m) => m.clone(),
        E::Forbidden(m)
        | E::NotFound(m)
        | E::TooLarge(m)
        | E::Unauthenticated(m)
        | E::Unavailable(m) => {
            vec![m.clone()]
        }
        _ => return e.into(),
    };
    let text: Vec<String> = messages
        .iter()
        .map(|m| web::i18n::message(domain::Locale::En, m))
        .collect();
    anyhow::anyhow!(text.join("; "))
}

/// The operator at the command line, acting in a jurisdiction.
pub(crate) fn operator(jurisdiction_id: &str) -> platform::authz::Actor {
    platform::authz::Actor::system(jurisdiction_id, "civicdesk command line")
}
