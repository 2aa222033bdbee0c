//! Identity's benchmarks (`bench/identity.sh`), in process over a fresh database with the
//! Taipei reference data. It prints numbers and asserts nothing:
//! - password sign-ins per second, on one task and on one task per core, at the Argon2id
//!   parameters civicdesk hashes with (each a full sign-in: rate-limit counters, the hash
//!   check, a session written);
//! - the consent check (`IdentityApp::basis_for`) and the mandate check
//!   (`IdentityApp::may_act_for`, which also records the use), per call, and their pure rules;
//! - a "my data" download for a citizen with 1,000 cases: gathering it from every module, and
//!   writing the ZIP.
//!
//! Usage: `identity_bench [POSTGRES_ADMIN_URL]`: SQLite in a temporary directory by default;
//! with a URL, a fresh PostgreSQL database made through it (`bench/identity.sh` drops it).

use domain::Locale;
use identity::accounts::{ActingFor, MandateInput, SignUp};
use identity::domain::mandates::{Agent, Theme};
use platform::authz::Actor;
use std::time::{Duration, Instant};

const TAIPEI: &str = "taipei.gov.tw";
const PASSWORD: &str = "lantern-kite-harbour-7";

fn per_call(total: Duration, n: u32) -> String {
    let us = total.as_secs_f64() * 1e6 / f64::from(n);
    format!("{us:.1} µs")
}

async fn citizen(modules: &web::Modules, login: &str) -> String {
    modules
        .identity
        .sign_up(
            SignUp {
                jurisdiction_id: TAIPEI.into(),
                login: login.into(),
                password: PASSWORD.into(),
                display_name: "陳小明".into(),
                locale: Locale::ZhTw,
            },
            &format!("bench-{login}"),
            None,
        )
        .await
        .expect("sign-up");
    identity::testkit::activate(&modules.platform.db, TAIPEI, login, modules.platform.now())
        .await
        .expect("activate")
        .expect("account")
}

async fn signed_in(modules: &web::Modules, login: &str) -> Actor {
    let outcome = modules
        .identity
        .sign_in(TAIPEI, login, PASSWORD, "bench-actor", None)
        .await
        .expect("sign-in");
    modules
        .identity
        .authenticate_session(&outcome.session.id, None)
        .await
        .expect("session")
        .expect("live")
        .1
}

#[tokio::main(flavor = "multi_thread")]
async fn main() {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = match std::env::args().nth(1) {
        Some(admin) => {
            let name = format!("cd_bench_identity_{}", uuid::Uuid::now_v7().simple());
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
    let config = platform::ServiceConfig {
        public_url: "http://127.0.0.1".into(),
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
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    println!("identity benchmarks on {backend}, {cores} cores");

    // Password sign-ins: each a full sign-in, from its own address (the per-address limit is
    // for abuse, not for a benchmark).
    let accounts: Vec<String> = (0..8).map(|i| format!("bench{i}@example.tw")).collect();
    for a in &accounts {
        citizen(&modules, a).await;
    }
    let n = 40u32;
    let started = Instant::now();
    for i in 0..n {
        let login = &accounts[i as usize % accounts.len()];
        modules
            .identity
            .sign_in(TAIPEI, login, PASSWORD, &format!("one-{i}"), None)
            .await
            .expect("sign-in");
    }
    let one = f64::from(n) / started.elapsed().as_secs_f64();
    let started = Instant::now();
    let mut tasks = Vec::new();
    for t in 0..cores {
        let (m, logins) = (modules.clone(), accounts.clone());
        tasks.push(tokio::spawn(async move {
            for i in 0..n {
                let login = &logins[(i as usize + t) % logins.len()];
                m.identity
                    .sign_in(TAIPEI, login, PASSWORD, &format!("all-{t}-{i}"), None)
                    .await
                    .expect("sign-in");
            }
        }));
    }
    for t in tasks {
        t.await.expect("task");
    }
    let all = f64::from(n) * cores as f64 / started.elapsed().as_secs_f64();
    println!(
        "password sign-in (Argon2id m=19 MiB t=2 p=1): {one:.1}/s on one task, {all:.1}/s on {cores} tasks = {:.1}/s per core",
        all / cores as f64
    );

    // The consent check on a hot path: a citizen with a consent running.
    let me_id = citizen(&modules, "0912345678").await;
    let me = signed_in(&modules, "0912345678").await;
    modules
        .identity
        .give_consent(&me, "identity.mydata-prefill", 365, "zh-TW")
        .await
        .expect("consent");
    let n = 20_000u32;
    let started = Instant::now();
    for _ in 0..n {
        modules
            .identity
            .basis_for(&me_id, "identity.mydata-prefill")
            .await
            .expect("basis");
    }
    println!(
        "consent check (basis_for, one indexed read): {} per call",
        per_call(started.elapsed(), n)
    );
    let purpose = modules
        .platform
        .purpose("identity.mydata-prefill")
        .expect("declared");
    let consents = vec![identity::domain::consent::Consent {
        id: "c".into(),
        subject: me_id.clone(),
        purpose: purpose.code.into(),
        data: vec![],
        recipient_kind: "module".into(),
        recipient: "identity".into(),
        given_at: 0,
        expires_at: i64::MAX,
        ended: None,
    }];
    let started = Instant::now();
    for i in 0..1_000_000i64 {
        let _ = std::hint::black_box(identity::domain::consent::decide(purpose, &consents, i));
    }
    println!(
        "consent rule alone (domain::consent::decide): {:.0} ns per call",
        started.elapsed().as_secs_f64() * 1e9 / 1e6
    );

    // The mandate check: the grandson acts for her; each yes is recorded as a use.
    let grandson_id = citizen(&modules, "grandson@example.tw").await;
    let today = time::OffsetDateTime::now_utc().date();
    let day = |d: time::Date| d.to_string();
    let mandate = modules
        .identity
        .give_mandate(
            &me,
            MandateInput {
                agent_name: "陳大文".into(),
                agent_id_last4: "6789".into(),
                agent_login: "grandson@example.tw".into(),
                theme: "pick_up_documents".into(),
                starts_on: day(today),
                ends_on: day(today.replace_year(today.year() + 1).expect("a year on")),
                ..MandateInput::default()
            },
        )
        .await
        .expect("mandate");
    let grandson = signed_in(&modules, "grandson@example.tw").await;
    modules
        .identity
        .answer_mandate(&grandson, &mandate.id, true)
        .await
        .expect("accepted");
    let agent = Agent::Account(grandson_id);
    let act = ActingFor {
        jurisdiction_id: TAIPEI,
        agent: &agent,
        principal: &me_id,
        theme: Theme::PickUpDocuments,
        thing: None,
        service: "counter",
        what: "bench",
    };
    let n = 20_000u32;
    let started = Instant::now();
    for _ in 0..n {
        modules
            .identity
            .mandate_allows(&act)
            .await
            .expect("decision");
    }
    println!(
        "mandate check (mandate_allows, read only): {} per call",
        per_call(started.elapsed(), n)
    );
    let n = 2_000u32;
    let started = Instant::now();
    for _ in 0..n {
        modules
            .identity
            .may_act_for(&ActingFor {
                jurisdiction_id: TAIPEI,
                agent: &agent,
                principal: &me_id,
                theme: Theme::PickUpDocuments,
                thing: None,
                service: "counter",
                what: "bench",
            })
            .await
            .expect("decision");
    }
    println!(
        "mandate check (may_act_for, read and a recorded use): {} per call",
        per_call(started.elapsed(), n)
    );

    // A citizen with 1,000 cases downloads everything.
    let j = modules.platform.jurisdiction(TAIPEI).await.expect("taipei");
    let filer = cases::intake::Filer::Citizen {
        account_id: Some(me_id.clone()),
    };
    for i in 0..1_000 {
        let mut report = cases::intake::NewReport {
            service_code: Some("1999-L01".into()),
            address: Some(format!("臺北市大同區承德路一段{}號", i + 1)),
            description: Some(format!("路燈不亮，第 {i} 次反映")),
            attributes: vec![("lamps_out".into(), vec!["1".into()])],
            ..Default::default()
        };
        report.reporter.account_id = Some(me_id.clone());
        report.reporter.phone = Some("0912345678".into());
        modules
            .cases
            .file_case(&j, &filer, cases::intake::Channel::Web, report)
            .await
            .expect("filed");
    }
    let holders = modules.data_holders();
    let runs = 5u32;
    let mut gather = Duration::ZERO;
    let mut write = Duration::ZERO;
    let mut size = 0;
    let mut rows = 0;
    for _ in 0..runs {
        let started = Instant::now();
        let data = modules
            .identity
            .my_data_for_download(&me, &holders)
            .await
            .expect("my data");
        gather += started.elapsed();
        let started = Instant::now();
        let zip = identity::my_data_files::archive(&data, Locale::ZhTw, modules.platform.now())
            .expect("zip");
        write += started.elapsed();
        size = zip.len();
        rows = data
            .sets
            .iter()
            .find(|s| s.key == "cases.reports")
            .map_or(0, |s| s.rows.len());
    }
    println!(
        "my-data download, {rows} cases: gather {:.0} ms + ZIP {:.0} ms = {:.0} ms ({} KiB)",
        gather.as_secs_f64() * 1e3 / f64::from(runs),
        write.as_secs_f64() * 1e3 / f64::from(runs),
        (gather + write).as_secs_f64() * 1e3 / f64::from(runs),
        size / 1024
    );
}
