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
//!   kiosk). Then `FEW_DEVICES` (8) kiosks back to back with `FEW_GRANTS` (1,000) right codes,
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

use counter::app::bookings::BookingAsk;
use counter::app::issue::IssueTo;
use counter::app::review::QueueQuery;
use counter::domain::device::{canonical, sign};
use counter::domain::reservations::Purpose;
use identity::accounts::{NewStaff, SignUp};
use platform::authz::{Actor, ActorKind, Permissions};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

const TAIPEI: &str = "taipei.gov.tw";
/// The catalogue's office with a Smart Desk.
const OFFICE: &str = "taitung-csc";
/// A free service that may be picked up at the Smart Desk: issue activates its code at once.
const FREE_SERVICE: &str = "welfare-low-income-certificate";
/// A transcript: the commonest service, for the queue's service filter.
const TRANSCRIPT: &str = "hr-transcript-current-full";
const PASSWORD: &str = "lantern-kite-harbour-7";
const STAFF_PASSWORD: &str = "quiet-harbour-lantern-42";

fn size(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Latencies, summarised as percentiles.
#[derive(Default)]
struct Lat(Vec<Duration>);

impl Lat {
    fn add(&mut self, d: Duration) {
        self.0.push(d);
    }

    fn merge(&mut self, other: &Lat) {
        self.0.extend_from_slice(&other.0);
    }

    fn pct(sorted: &[Duration], p: f64) -> f64 {
        if sorted.is_empty() {
            return 0.0;
        }
        let rank = ((p * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
        sorted[rank - 1].as_secs_f64() * 1e3
    }

    fn summary(&self) -> String {
        let mut s = self.0.clone();
        s.sort_unstable();
        format!(
            "p50 {:.2} ms, p95 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
            Lat::pct(&s, 0.50),
            Lat::pct(&s, 0.95),
            Lat::pct(&s, 0.99),
            Lat::pct(&s, 1.0)
        )
    }
}

fn citizen_actor(id: &str) -> Actor {
    Actor {
        account_id: Some(id.to_string()),
        jurisdiction_id: TAIPEI.into(),
        kind: ActorKind::Citizen,
        label: "陳美玲".into(),
        grants: Vec::new(),
        permissions: Permissions::NONE,
        request_id: None,
    }
}

fn system() -> Actor {
    Actor::system(TAIPEI, "bench")
}

/// A signed-in browser: its session cookie and CSRF token.
#[derive(Clone)]
struct Browser {
    cookie: String,
    csrf: String,
}

/// A client that does not follow redirects (the pages answer a form with 303).
fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
}

/// A small xorshift generator (reproducible shuffles and wrong codes).
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        (x % n.max(1) as u64) as usize
    }

    fn shuffle<T>(&mut self, v: &mut [T]) {
        for i in (1..v.len()).rev() {
            v.swap(i, self.below(i + 1));
        }
    }
}

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
        bookings(&modules, &base, &citizens).await;
    }
    if phases.contains(&"verify") {
        if std::env::var("TRY_INDEXES").is_ok_and(|v| v == "1") {
            try_indexes(&modules.platform.db).await;
        }
        verification(&modules, &base, &ids).await;
    }
    if phases.contains(&"queue") {
        queue(&modules, &base, &ids).await;
    }

    if std::env::var_os("KEEP").is_some() && backend == "SQLite" {
        let kept = dir.keep();
        println!("  database kept in {}", kept.display());
    }
}

/// An experiment, not the module's schema (`TRY_INDEXES=1`): the indexes the reading of the
/// profile asks for, to measure what they would change. A mobile's live grants at a site are
/// looked up by `(site_id, mobile_hash)` (the partial index on `(site_id, code_hash)` cannot
/// serve it, and with `revoked = ?` bound, SQLite's planner stability guarantee keeps it from
/// any partial index), and a device's spent nonces by `(device_id, expires_at)`.
async fn try_indexes(db: &store::Db) {
    const INDEXES: [&str; 2] = [
        "CREATE INDEX bench_grants_mobile ON counter_grants (site_id, mobile_hash)",
        "CREATE INDEX bench_nonces_expiry ON counter_device_nonces (device_id, expires_at)",
    ];
    for sql in INDEXES {
        match db {
            store::Db::Sqlite(pool, _) => sqlx::query(sql).execute(pool).await.map(|_| ()),
            store::Db::Postgres(pool) => sqlx::query(sql).execute(pool).await.map(|_| ()),
        }
        .expect("index");
    }
    println!("  (TRY_INDEXES: with {INDEXES:?}, which the module does not have)");
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

/// 1,000 (`CITIZENS`) book one slot of capacity 10 at once: through the booking page, then
/// through the app API for the next slot.
async fn bookings(modules: &web::Modules, base: &str, citizens: &[(String, Browser)]) {
    let counter = &modules.counter;
    let capacity = 10;
    counter::testkit::set_booking_capacity(counter, TAIPEI, OFFICE, capacity)
        .await
        .expect("capacity");
    let calendar = counter.calendar_of(TAIPEI).await.expect("calendar");
    let today = calendar.local_date(modules.platform.now());
    let day = calendar.next_working_day(today);
    let slots = counter
        .slots(TAIPEI, OFFICE, Purpose::Apply, day)
        .await
        .expect("slots");
    let open: Vec<i64> = slots
        .iter()
        .filter(|s| s.open && s.capacity == i64::from(capacity))
        .map(|s| s.starts_at)
        .collect();
    assert!(open.len() >= 2, "two open slots on {day}: {slots:?}");
    let n = citizens.len();
    println!("bookings: {n} at once for one slot of capacity {capacity} ({OFFICE}, apply, {day})");

    // Through the page, as signed-in browsers.
    let slot = open[0];
    let http = client();
    let started = Instant::now();
    let mut tasks = Vec::with_capacity(n);
    for (_, b) in citizens {
        let (http, b, url) = (http.clone(), b.clone(), format!("{base}/services/bookings"));
        tasks.push(tokio::spawn(async move {
            let t = Instant::now();
            let r = http
                .post(url)
                .header(
                    "cookie",
                    format!("{}={}", web::api::SESSION_COOKIE, b.cookie),
                )
                .header("accept-language", "en")
                .form(&[
                    ("_csrf", b.csrf.as_str()),
                    ("office", OFFICE),
                    ("purpose", "apply"),
                    ("slot", &slot.to_string()),
                ])
                .send()
                .await;
            match r {
                Ok(r) => {
                    let status = r.status().as_u16();
                    let body = r.text().await.unwrap_or_default();
                    (status, body.contains("That time is full"), t.elapsed())
                }
                Err(_) => (0, false, t.elapsed()),
            }
        }));
    }
    let mut by_status: BTreeMap<u16, usize> = BTreeMap::new();
    let (mut full, mut lat) = (0, Lat::default());
    for t in tasks {
        let (status, said_full, d) = t.await.expect("task");
        *by_status.entry(status).or_default() += 1;
        full += usize::from(status == 400 && said_full);
        lat.add(d);
    }
    let wall = started.elapsed().as_secs_f64();
    let booked = counter::testkit::booked(&modules.platform.db, TAIPEI, OFFICE, "apply", slot)
        .await
        .expect("slot");
    let rows = counter::testkit::bookings_in(&modules.platform.db, TAIPEI, OFFICE, slot, "booked")
        .await
        .expect("rows");
    let ok = by_status.get(&303).copied().unwrap_or(0);
    let errors: usize = by_status
        .iter()
        .filter(|(s, _)| **s >= 500 || **s == 0)
        .map(|(_, n)| n)
        .sum();
    println!(
        "  page POST /services/bookings: {ok} booked (303), {full} refused as full (400), {errors} 5xx or failed; answers {by_status:?}; wall {wall:.2} s; {}",
        lat.summary()
    );
    println!(
        "    stored: the slot says {booked} booked, {rows} booking rows; exactly {capacity}: {}",
        if ok == capacity as usize
            && booked == i64::from(capacity)
            && rows == capacity as usize
            && errors == 0
        {
            "yes"
        } else {
            "NO"
        }
    );

    // Through the app API.
    let slot = open[1];
    let started = Instant::now();
    let mut tasks = Vec::with_capacity(n);
    for (id, _) in citizens {
        let (c, actor) = (counter.clone(), citizen_actor(id));
        tasks.push(tokio::spawn(async move {
            let t = Instant::now();
            let r = c
                .book(
                    &actor,
                    BookingAsk {
                        office: OFFICE.into(),
                        purpose: "apply".into(),
                        starts_at: slot,
                        ..BookingAsk::default()
                    },
                )
                .await;
            (r.map(|_| ()).map_err(|e| e.status()), t.elapsed())
        }));
    }
    let (mut ok, mut by_error, mut lat) = (0, BTreeMap::<u16, usize>::new(), Lat::default());
    for t in tasks {
        let (r, d) = t.await.expect("task");
        match r {
            Ok(()) => ok += 1,
            Err(s) => *by_error.entry(s).or_default() += 1,
        }
        lat.add(d);
    }
    let wall = started.elapsed().as_secs_f64();
    let booked = counter::testkit::booked(&modules.platform.db, TAIPEI, OFFICE, "apply", slot)
        .await
        .expect("slot");
    let errors: usize = by_error
        .iter()
        .filter(|(s, _)| **s >= 500)
        .map(|(_, n)| n)
        .sum();
    println!(
        "  app CounterApp::book: {ok} booked, {} refused as full (409), {errors} 5xx; refusals by status {by_error:?}; wall {wall:.2} s; {}; the slot says {booked} booked",
        by_error.get(&409).copied().unwrap_or(0),
        lat.summary()
    );
}

/// A registered kiosk: its id and secret.
#[derive(Clone)]
struct Kiosk {
    device: String,
    secret: String,
}

/// One verification a kiosk sends.
#[derive(Clone)]
struct Try {
    mobile: String,
    code: String,
    right: bool,
}

/// Sends a signed verification; the status, the `result` and the time it took.
async fn verify(
    http: &reqwest::Client,
    base: &str,
    k: &Kiosk,
    now: i64,
    t: &Try,
) -> (u16, String, Duration) {
    let body = json!({ "mobile": t.mobile, "code": t.code }).to_string();
    let nonce = uuid::Uuid::new_v4().simple().to_string();
    let path = "/device/v1/verify";
    let signature = sign(
        k.secret.as_bytes(),
        &canonical("POST", path, now, &nonce, body.as_bytes()),
    );
    let started = Instant::now();
    let r = http
        .post(format!("{base}{path}"))
        .header("x-civicdesk-device", &k.device)
        .header("x-civicdesk-timestamp", now.to_string())
        .header("x-civicdesk-nonce", &nonce)
        .header("x-civicdesk-signature", signature)
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await;
    let (status, result) = match r {
        Ok(r) => {
            let status = r.status().as_u16();
            let v: Value = r.json().await.unwrap_or(Value::Null);
            let result = v["result"]
                .as_str()
                .or(v["error"].as_str())
                .unwrap_or("?")
                .to_string();
            (status, result)
        }
        Err(e) if e.is_timeout() => (0, "client timeout".to_string()),
        Err(_) => (0, "connection failed".to_string()),
    };
    (status, result, started.elapsed())
}

/// A code that is not `code`.
fn wrong_code(rng: &mut Rng, code: &str) -> String {
    loop {
        let c = format!("{:06}", rng.below(1_000_000));
        if c != code {
            return c;
        }
    }
}

/// What a run of verifications gave: the latencies of right and wrong codes, the answers by
/// kind, status and result, the tries not sent before the deadline, and the wall time.
struct Run {
    right: Lat,
    wrong: Lat,
    outcomes: BTreeMap<(bool, u16, String), usize>,
    not_sent: usize,
    wall: f64,
}

impl Run {
    fn print(&self, indent: &str) {
        let mut all = Lat::default();
        all.merge(&self.right);
        all.merge(&self.wrong);
        let n = all.0.len();
        println!(
            "{indent}all: {n} answered in {:.2} s = {:.0} requests/s; {}",
            self.wall,
            n as f64 / self.wall,
            all.summary()
        );
        for (name, l) in [("right codes", &self.right), ("wrong codes", &self.wrong)] {
            if !l.0.is_empty() {
                println!(
                    "{indent}{name}: {} = {:.0}/s; {}",
                    l.0.len(),
                    l.0.len() as f64 / self.wall,
                    l.summary()
                );
            }
        }
        let unexpected: usize = self
            .outcomes
            .iter()
            .filter(|((r, s, res), _)| !(*s == 200 && res == if *r { "open" } else { "wrong" }))
            .map(|(_, n)| n)
            .sum();
        let shown: Vec<String> = self
            .outcomes
            .iter()
            .map(|((r, s, res), n)| {
                format!("{} {s} {res}: {n}", if *r { "right" } else { "wrong" })
            })
            .collect();
        println!(
            "{indent}answers {}; unexpected: {unexpected}{}",
            shown.join(", "),
            if self.not_sent > 0 {
                format!("; {} not sent (the run's deadline passed)", self.not_sent)
            } else {
                String::new()
            }
        );
    }

    /// Whether every try was sent and got the answer its code should.
    fn clean(&self) -> bool {
        self.not_sent == 0
            && self
                .outcomes
                .keys()
                .all(|(r, s, res)| *s == 200 && res == if *r { "open" } else { "wrong" })
    }
}

/// Runs `plans` (one list of tries per kiosk) back to back from every kiosk at once, sending
/// nothing new after `deadline`.
async fn run_closed(
    http: &reqwest::Client,
    base: &str,
    platform: &platform::Platform,
    kiosks: &[Kiosk],
    plans: Vec<Vec<Try>>,
    deadline: Instant,
) -> Run {
    let started = Instant::now();
    let mut tasks = Vec::with_capacity(kiosks.len());
    for (k, plan) in kiosks.iter().cloned().zip(plans) {
        let (http, base, platform) = (http.clone(), base.to_string(), platform.clone());
        tasks.push(tokio::spawn(async move {
            let mut out = Vec::with_capacity(plan.len());
            let mut not_sent = 0;
            for t in plan {
                if Instant::now() >= deadline {
                    not_sent += 1;
                    continue;
                }
                let (status, result, d) = verify(&http, &base, &k, platform.now(), &t).await;
                out.push((t.right, status, result, d));
            }
            (out, not_sent)
        }));
    }
    let (mut results, mut not_sent) = (Vec::new(), 0);
    for t in tasks {
        let (out, n) = t.await.expect("task");
        results.extend(out);
        not_sent += n;
    }
    let wall = started.elapsed().as_secs_f64();
    tally(results, not_sent, wall)
}

fn tally(results: Vec<(bool, u16, String, Duration)>, not_sent: usize, wall: f64) -> Run {
    let (mut right, mut wrong) = (Lat::default(), Lat::default());
    let mut outcomes: BTreeMap<(bool, u16, String), usize> = BTreeMap::new();
    for (is_right, status, result, d) in results {
        if is_right {
            right.add(d);
        } else {
            wrong.add(d);
        }
        *outcomes.entry((is_right, status, result)).or_default() += 1;
    }
    Run {
        right,
        wrong,
        outcomes,
        not_sent,
        wall,
    }
}

/// Right codes as tries, dealt to `n` kiosks in turn.
fn deal(grants: &[counter::testkit::ReadyInLocker], n: usize) -> Vec<Vec<Try>> {
    let mut plans = vec![Vec::new(); n];
    for (i, g) in grants.iter().enumerate() {
        plans[i % n].push(Try {
            mobile: g.mobile.clone(),
            code: g.code.clone(),
            right: true,
        });
    }
    plans
}

/// Code verification by the device API at `DEVICES` concurrent kiosks.
async fn verification(modules: &web::Modules, base: &str, citizens: &[String]) {
    let counter = &modules.counter;
    let n_devices = size("DEVICES", 64).max(1);
    // A kiosk takes 20 wrong codes in 15 minutes (`KIOSK_GUESSES`), then answers 429: by
    // default each kiosk sends as many, 4 for each of 5 grants.
    let budget = usize::try_from(counter::app::device::KIOSK_GUESSES.max).unwrap_or(20);
    let n_grants = size("GRANTS", 5_000);
    let n_wrong = size("WRONG", budget * n_devices / 4).min(n_grants);
    let n_real = size("REAL", 20).min(24);
    let seconds = size("VERIFY_SECONDS", 90) as u64;
    let few = size("FEW_DEVICES", 8).max(1);
    let n_few = size("FEW_GRANTS", 1_000);
    let rate = size("RATE", 100).max(1);
    let paced_seconds = size("PACED_SECONDS", 10);
    let n_paced = rate * paced_seconds;

    // Through the app: a free service applied for, approved, issued to a door; a code asked.
    let started = Instant::now();
    let applicant = &citizens[0];
    identity::testkit::prove_real_name(
        &modules.platform.db,
        applicant,
        "陳美玲",
        "A123456789",
        modules.platform.now(),
    )
    .await
    .expect("real name");
    let me = citizen_actor(applicant);
    let site = counter.smart_desks(&system()).await.expect("sites");
    let site = &site[0];
    let free: Vec<String> = site
        .doors
        .iter()
        .filter(|d| d.state == "free")
        .map(|d| d.id.clone())
        .collect();
    let mut real = Vec::new();
    for (i, door) in free.iter().take(n_real).enumerate() {
        let mobile = format!("09880{i:05}");
        let a = counter
            .start_application(&me, FREE_SERVICE, OFFICE, "locker")
            .await
            .expect("start");
        let answers: BTreeMap<String, String> = [
            ("mobile", mobile.as_str()),
            ("applies_for", "self"),
            ("household_address", "臺東縣臺東市中山路276號"),
            ("household_size", "3"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        if let Err(e) = counter.submit(&me, &a.id, answers, true).await {
            panic!("submit: {e:?}");
        }
        counter.approve(&system(), &a.id).await.expect("approve");
        let issued = counter
            .issue(&system(), &a.id, IssueTo::Door(door.clone()))
            .await
            .expect("issue");
        assert_eq!(issued.state.as_str(), "ready_for_pickup");
        let (_, code) = counter.rotate_code(&me, &a.id).await.expect("code");
        real.push(Try {
            mobile,
            code,
            right: true,
        });
    }
    let n_real = real.len();
    let through_app = started.elapsed().as_secs_f64();
    let started = Instant::now();
    let seeded = counter::testkit::seed_ready_in_lockers(
        counter,
        TAIPEI,
        OFFICE,
        FREE_SERVICE,
        citizens,
        n_grants + n_few + n_paced + 1,
    )
    .await
    .expect("seed");
    println!(
        "code verification: {} documents waiting in doors of one Smart Desk site ({OFFICE}, the catalogue's only one): {n_real} through the app (start, submit, approve, issue to a door, rotate_code: {through_app:.1} s), {} seeded below the app API as those steps leave them ({:.1} s, as many doors added to the site)",
        n_real + seeded.len(),
        seeded.len(),
        started.elapsed().as_secs_f64(),
    );
    let (main, rest) = seeded.split_at(n_grants);
    let (few_grants, rest) = rest.split_at(n_few);
    let (paced, probe) = rest.split_at(n_paced);

    let mut kiosks = Vec::with_capacity(n_devices + 10);
    for i in 0..n_devices + 10 {
        let c = counter
            .register_device(&system(), &site.site.id, &format!("Bench kiosk {i:02}"))
            .await
            .expect("device");
        kiosks.push(Kiosk {
            device: c.device_id,
            secret: c.secret,
        });
    }
    let spare = kiosks.split_off(n_devices);
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(30))
        .build()
        .expect("client");

    // Back to back: every right code once; 4 wrong codes for each of `n_wrong` grants, all
    // four from one kiosk (a person trying again at the same kiosk).
    let mut rng = Rng(0x5DEE_CE66_D1CE_4E5B);
    let (wrong_targets, right_seeded) = main.split_at(n_wrong);
    let mut plans = deal(right_seeded, n_devices);
    for (i, t) in real.into_iter().enumerate() {
        plans[(i * 7) % n_devices].push(t);
    }
    for (i, g) in wrong_targets.iter().enumerate() {
        for _ in 0..4 {
            let code = wrong_code(&mut rng, &g.code);
            plans[i % n_devices].push(Try {
                mobile: g.mobile.clone(),
                code,
                right: false,
            });
        }
    }
    for p in &mut plans {
        rng.shuffle(p);
    }
    let total: usize = plans.iter().map(Vec::len).sum();
    let rights: usize = plans.iter().flatten().filter(|t| t.right).count();
    println!(
        "  {n_devices} kiosks at once, each sending signed POST /device/v1/verify (mobile + code) over HTTP back to back (at most {seconds} s; a request may take 30 s): {total} requests, {rights} right codes (each opens its door once: grant used, door opened, pickup recorded, chained and told) and {} wrong (4 for each of {n_wrong} grants, {} a kiosk: its limit; each counted on its grant, its door and the kiosk)",
        total - rights,
        (total - rights).div_ceil(n_devices)
    );
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let run = run_closed(&http, base, &modules.platform, &kiosks, plans, deadline).await;
    run.print("    ");
    if !run.clean() {
        // Requests the client gave up on may still hold the server's connections.
        tokio::time::sleep(Duration::from_secs(15)).await;
    }

    // Fewer kiosks than the server's 16 database connections, right codes only.
    println!(
        "  {few} kiosks at once, back to back, right codes only: {} requests",
        few_grants.len()
    );
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let run = run_closed(
        &http,
        base,
        &modules.platform,
        &kiosks[..few.min(n_devices)],
        deal(few_grants, few.min(n_devices)),
        deadline,
    )
    .await;
    run.print("    ");

    // Paced: the kiosks each sending a right code every `n_devices / rate` seconds (open
    // loop: a late answer does not delay the next request).
    let interval = Duration::from_secs_f64(n_devices as f64 / rate as f64);
    let started = Instant::now();
    let mut tasks = Vec::with_capacity(n_devices);
    for (d, (k, mine)) in kiosks
        .iter()
        .cloned()
        .zip(deal(paced, n_devices))
        .enumerate()
    {
        let (http, base, platform) = (http.clone(), base.to_string(), modules.platform.clone());
        let first = tokio::time::Instant::now() + interval.mul_f64(d as f64 / n_devices as f64);
        tasks.push(tokio::spawn(async move {
            let mut sent = Vec::with_capacity(mine.len());
            for (j, t) in mine.into_iter().enumerate() {
                tokio::time::sleep_until(first + interval * u32::try_from(j).unwrap_or(0)).await;
                let (http, base, k, platform) =
                    (http.clone(), base.clone(), k.clone(), platform.clone());
                sent.push(tokio::spawn(async move {
                    let (status, result, d) = verify(&http, &base, &k, platform.now(), &t).await;
                    (true, status, result, d)
                }));
            }
            let mut out = Vec::with_capacity(sent.len());
            for s in sent {
                out.push(s.await.expect("request"));
            }
            out
        }));
    }
    let mut results = Vec::new();
    for t in tasks {
        results.extend(t.await.expect("task"));
    }
    let run = tally(results, 0, started.elapsed().as_secs_f64());
    println!(
        "  paced: the {n_devices} kiosks each sending a right code every {:.0} ms ({rate}/s offered, open loop) for {paced_seconds} s:",
        interval.as_secs_f64() * 1e3,
    );
    run.print("    ");

    // Ten wrong codes for one grant at once, from ten other kiosks: each must be counted on
    // the grant (which locks at 5) and on its door.
    let g = &probe[0];
    let mut tasks = Vec::new();
    for k in spare {
        let (http, base, platform) = (http.clone(), base.to_string(), modules.platform.clone());
        let t = Try {
            mobile: g.mobile.clone(),
            code: wrong_code(&mut rng, &g.code),
            right: false,
        };
        tasks.push(tokio::spawn(async move {
            verify(&http, &base, &k, platform.now(), &t).await
        }));
    }
    let mut answers: BTreeMap<String, usize> = BTreeMap::new();
    for t in tasks {
        let (status, result, _) = t.await.expect("task");
        *answers.entry(format!("{status} {result}")).or_default() += 1;
    }
    let stored = counter::testkit::grant(&modules.platform.db, &g.grant_id)
        .await
        .expect("grant")
        .expect("the grant");
    println!(
        "  check: 10 wrong codes for one grant at once from 10 other kiosks: answers {answers:?}; the grant counts {} (locked: {}), its door {}",
        stored.wrong,
        stored.locked,
        stored.door_wrong.unwrap_or(-1)
    );
}

/// The clerk's queue with `APPLICATIONS` on file.
async fn queue(modules: &web::Modules, base: &str, citizens: &[String]) {
    let counter = &modules.counter;
    let n = size("APPLICATIONS", 100_000);
    let reads = size("QUEUE_READS", 1_000).max(4);
    let started = Instant::now();
    let counts = counter::testkit::seed_applications(counter, TAIPEI, citizens, n)
        .await
        .expect("seed");
    let waiting: usize = counts
        .iter()
        .filter(|(s, _)| {
            matches!(
                **s,
                "submitted" | "under_review" | "needs_correction" | "approved"
            )
        })
        .map(|(_, n)| n)
        .sum();
    println!(
        "clerk queue: {n} applications seeded in {:.1} s ({waiting} waiting on a clerk; {counts:?}), besides the verification's",
        started.elapsed().as_secs_f64()
    );
    let role = platform::authz::Role::parse("counter_clerk").expect("role");
    modules
        .identity
        .create_staff(
            &system(),
            NewStaff {
                login: "clerk.bench".into(),
                display_name: "Clerk Bench".into(),
                email: Some("clerk.bench@taipei.gov.tw".into()),
                mobile: None,
                locale: domain::Locale::En,
                roles: vec![platform::authz::Grant {
                    role,
                    scope: role.scope_kinds()[0],
                    scope_id: TAIPEI.into(),
                }],
                password: Some(STAFF_PASSWORD.into()),
            },
        )
        .await
        .expect("clerk");
    let outcome = modules
        .identity
        .sign_in(TAIPEI, "clerk.bench", STAFF_PASSWORD, "bench-clerk", None)
        .await
        .expect("sign-in");
    let clerk = modules
        .identity
        .authenticate_session(&outcome.session.id, None)
        .await
        .expect("session")
        .expect("live")
        .1;
    let cookie = format!("{}={}", web::api::SESSION_COOKIE, outcome.session.id);

    let first = counter
        .queue(&clerk, &QueueQuery::default())
        .await
        .expect("queue");
    let last = first.last().expect("a full first page");
    let after = (last.due_at.unwrap_or(0), last.id.clone());
    let filters: Vec<(&str, QueueQuery, String)> = vec![
        ("all waiting", QueueQuery::default(), String::new()),
        (
            "one service",
            QueueQuery {
                service: Some(TRANSCRIPT.into()),
                ..QueueQuery::default()
            },
            format!("service={TRANSCRIPT}"),
        ),
        (
            "one office",
            QueueQuery {
                office: Some(OFFICE.into()),
                ..QueueQuery::default()
            },
            format!("office={OFFICE}"),
        ),
        (
            "second page",
            QueueQuery {
                after: Some(after.clone()),
                ..QueueQuery::default()
            },
            format!("after={}.{}", after.0, after.1),
        ),
    ];
    for (name, q, _) in &filters {
        let rows = counter.queue(&clerk, q).await.expect("queue").len();
        println!("  {name}: {rows} rows a page");
    }

    // Over HTTP, as the signed-in clerk.
    let http = client();
    let mut lats: Vec<Lat> = filters.iter().map(|_| Lat::default()).collect();
    for i in 0..reads + 8 {
        let f = i % filters.len();
        let t = Instant::now();
        let r = http
            .get(format!("{base}/staff/counter?{}", filters[f].2))
            .header("cookie", &cookie)
            .header("accept-language", "en")
            .send()
            .await
            .expect("GET");
        let status = r.status().as_u16();
        let body = r.bytes().await.expect("body");
        assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
        if i >= 8 {
            lats[f].add(t.elapsed());
        }
    }
    println!("  GET /staff/counter as a signed-in clerk, one at a time, {reads} pages:");
    let mut all = Lat::default();
    for ((name, _, _), l) in filters.iter().zip(&lats) {
        println!("    {name}: {}", l.summary());
        all.merge(l);
    }
    println!("    all: {}", all.summary());

    // The app's call alone.
    let mut lats: Vec<Lat> = filters.iter().map(|_| Lat::default()).collect();
    for i in 0..reads {
        let f = i % filters.len();
        let t = Instant::now();
        let rows = counter.queue(&clerk, &filters[f].1).await.expect("queue");
        lats[f].add(t.elapsed());
        assert!(!rows.is_empty());
    }
    println!("  CounterApp::queue, {reads} calls:");
    let mut all = Lat::default();
    for ((name, _, _), l) in filters.iter().zip(&lats) {
        println!("    {name}: {}", l.summary());
        all.merge(l);
    }
    println!("    all: {}", all.summary());
}
