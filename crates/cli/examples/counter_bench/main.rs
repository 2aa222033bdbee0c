//! The counter module's benchmarks (`bench/counter.sh`), in process over a fresh database with
//! the Taipei reference data (the shipped Taitung counter catalogue installs itself), and the
//! real router (`web::router_with_pages`, as `civicdesk serve` builds it, 16 database
//! connections as `serve` has by default) on a loopback port. It prints numbers, and checks
//! only that the work was done:
//! - **code verification by the device API**: `GRANTS` (5,000) documents waiting in Smart Desk
//!   doors, `REAL` (20) of them taken through the app (start, submit, approve, issue to a door
//!   of a free service, a new code asked with `rotate_code`), the rest seeded below the app
//!   API on doors added to the site, as those steps leave them. `DEVICES` (64) registered
//!   kiosks each send signed `POST /device/v1/verify` over HTTP back to back (for at most
//!   `VERIFY_SECONDS`, 90): every right code once (the door opens, the pickup is recorded,
//!   chained and told: a write) and 4 wrong codes for each of `WRONG` other grants (by
//!   default 20 a kiosk, its limit in 15 minutes; each counted on its grant, its door and the
//!   kiosk). The figures leave out the warm-up, shown on a line of its own: the requests
//!   sent before every kiosk had its first answer (the 64 open their connections at the same
//!   instant, and the first batches queue behind them). `LAT_DUMP=1` prints each request's
//!   send time and duration to stderr, to set beside the batch log.
//!   Then `FEW_DEVICES` (8) kiosks back to back with `FEW_GRANTS` (1,000) right codes,
//!   and all the kiosks paced at `RATE` (100) right codes a second for `PACED_SECONDS` (10);
//!   and ten wrong codes for one grant at once, to see each counted;
//! - **one slot of capacity 10 booked by `CITIZENS` (1,000) at once**: signed-in citizens
//!   posting the booking page (`POST /services/bookings`) all at once; then the same through
//!   the app API (`CounterApp::book`) for the next slot;
//! - **the clerk's queue with `APPLICATIONS` (100,000) on file**, seeded in mixed states:
//!   `QUEUE_READS` (1,000) pages as a signed-in clerk over HTTP (`GET /staff/counter`), one at
//!   a time, and as many `CounterApp::queue` calls, over four filters: all waiting, one
//!   service, one office, and the second page of all waiting (keyset).
//!
//! Usage: `counter_bench [POSTGRES_ADMIN_URL]`: SQLite in a temporary directory by default
//! (`KEEP=1` keeps it and prints where); with a URL, a fresh PostgreSQL database
//! `cd_bench_counter_…` made through it (`bench/counter.sh` drops it). `PHASES` (default
//! `bookings,verify,queue`) picks parts; `RUST_LOG=sqlx::query=debug` logs every statement.

mod bookings;
mod common;
mod queue;
mod verify;

use common::*;
use std::time::Instant;

/// The server's allocator (`crates/cli/src/main.rs`): the bench runs the server in process.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main(flavor = "multi_thread")]
async fn main() {
    // `RUST_LOG=sqlx::query=debug` shows every statement with its time (for profiling only).
    if std::env::var_os("RUST_LOG").is_some() {
        tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
            .with_writer(std::io::stderr)
            .init();
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let url = match std::env::args().nth(1) {
        Some(admin) => {
            let name = format!("cd_bench_counter_{}", uuid::Uuid::now_v7().simple());
            store::create_postgres_database(&admin, &name)
                .await
                .expect("PostgreSQL")
        }
        None => format!("sqlite://{}", dir.path().join("bench.db").display()),
    };
    let backend = if url.starts_with("postgres") {
        "PostgreSQL"
    } else {
        "SQLite"
    };
    let (db, _) = web::BUILD
        .connect_and_migrate(&url, 16)
        .await
        .expect("database");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    let config = platform::ServiceConfig {
        public_url: base.clone(),
        media_dir: dir.path().join("media"),
        default_jurisdiction: Some(TAIPEI.into()),
        public_grid_m: domain::geo::PublicGrid::DEFAULT_CELL_M,
        notify: Default::default(),
        webhooks: Default::default(),
        jobs: Default::default(),
        filing_limits: Default::default(),
        modules: Default::default(),
        maps: Default::default(),
        second_factor_roles: Vec::new(),
        login_providers: Vec::new(),
        retention: Default::default(),
        breach_report_hours: 72,
        mydata: None,
        payments: Default::default(),
        pickup: Default::default(),
    };
    let modules = web::BUILD.open(db, config).await.expect("modules");
    modules
        .cases
        .seed_reference()
        .await
        .expect("reference data");
    let router = web::router_with_pages(
        modules.clone(),
        web::WebConfig::for_public_url(&base),
        ui::pages(),
    );
    web::server::spawn(listener, router);
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    println!("counter benchmarks on {backend}, {cores} cores, server on {base} in process");

    // Citizens with sessions, for the bookings (and as applicants).
    let n_citizens = size("CITIZENS", 1_000).max(1);
    let started = Instant::now();
    let citizens = citizens(&modules, n_citizens, cores).await;
    println!(
        "  set-up: {n_citizens} citizens signed up, activated and signed in (Argon2id twice each) in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    let ids: Vec<String> = citizens.iter().map(|(id, _)| id.clone()).collect();

    let phases = std::env::var("PHASES").unwrap_or_else(|_| "bookings,verify,queue".into());
    let phases: Vec<&str> = phases.split(',').map(str::trim).collect();
    if phases.contains(&"bookings") {
        bookings::bookings(&modules, &base, &citizens).await;
    }
    if phases.contains(&"verify") {
        verify::verification(&modules, &base, &ids).await;
    }
    if phases.contains(&"queue") {
        queue::queue(&modules, &base, &ids).await;
    }

    if std::env::var_os("KEEP").is_some() && backend == "SQLite" {
        let kept = dir.keep();
        println!("  database kept in {}", kept.display());
    }
}

/// Signs up, activates and signs in citizen `i`: their id and session.
async fn citizen(m: web::Modules, i: usize) -> (String, Browser) {
    let login = format!("bench{i}@example.tw");
    m.identity
        .sign_up(
            SignUp {
                jurisdiction_id: TAIPEI.into(),
                login: login.clone(),
                password: PASSWORD.into(),
                display_name: "陳美玲".into(),
                locale: domain::Locale::En,
            },
            &format!("bench-signup-{i}"),
            None,
        )
        .await
        .expect("sign-up");
    let id = identity::testkit::activate(&m.platform.db, TAIPEI, &login, m.platform.now())
        .await
        .expect("activate")
        .expect("account");
    let outcome = m
        .identity
        .sign_in(TAIPEI, &login, PASSWORD, &format!("bench-signin-{i}"), None)
        .await
        .expect("sign-in");
    (
        id,
        Browser {
            cookie: outcome.session.id,
            csrf: outcome.session.csrf_token,
        },
    )
}

/// Signs up, activates and signs in `n` citizens, `2 * parallel` at a time; their ids and
/// sessions. The first alone: it starts the jurisdiction's audit chain, whose first row two
/// sign-ups at once would both insert on PostgreSQL (a duplicate key).
async fn citizens(modules: &web::Modules, n: usize, parallel: usize) -> Vec<(String, Browser)> {
    let mut out = Vec::with_capacity(n);
    out.push(citizen(modules.clone(), 0).await);
    let gate = Arc::new(tokio::sync::Semaphore::new(parallel * 2));
    let mut tasks = Vec::with_capacity(n);
    for i in 1..n {
        let (m, gate) = (modules.clone(), gate.clone());
        tasks.push(tokio::spawn(async move {
            let _turn = gate.acquire_owned().await.expect("gate");
            citizen(m, i).await
        }));
    }
    for t in tasks {
        out.push(t.await.expect("task"));
    }
    out
}
