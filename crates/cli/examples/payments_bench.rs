//! The payments module's benchmarks (`bench/payments.sh`), in process over a fresh database
//! with the Taipei reference data and the ECPay simulator on a loopback port. It prints numbers
//! and asserts only that the work was done:
//! - signed server notices taken per second: each verified (`CheckMacValue`), matched on its
//!   trade number under the payment's row lock, settled with its hash-chained event and its
//!   notice log row, and committed before the answer (the durability a filing has: one
//!   transaction, committed); then the same notices again, as the gateway's re-sends
//!   (duplicates);
//! - a reconciliation pass over 100,000 payments handed to the gateway and not settled: each
//!   asked about with a signed `QueryTradeInfo` over HTTP, the signed answer verified, and
//!   the gateway's word recorded.
//!
//! Usage: `payments_bench [POSTGRES_ADMIN_URL]`; `NOTICES` (default 20,000) and `PAYMENTS`
//! (default 100,000) change the sizes.

use std::time::Instant;

const TAIPEI: &str = "taipei.gov.tw";

fn size(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

#[tokio::main(flavor = "multi_thread")]
async fn main() {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = match std::env::args().nth(1) {
        Some(admin) => {
            let name = format!("cd_bench_payments_{}", uuid::Uuid::now_v7().simple());
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
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let sim = ecpay_sim::start(ecpay_sim::SimConfig::demo(), listener)
        .await
        .expect("the ECPay simulator");
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
        payments: platform::payment_providers::PaymentProviders {
            ecpay: Some(platform::payment_providers::EcpayAccount {
                base_url: sim.base_url(),
                merchant_id: ecpay_sim::DEMO_MERCHANT_ID.into(),
                hash_key: ecpay_sim::DEMO_HASH_KEY.into(),
                hash_iv: ecpay_sim::DEMO_HASH_IV.into(),
            }),
            wallet: None,
        },
        pickup: Default::default(),
    };
    let modules = web::BUILD.open(db, config).await.expect("modules");
    modules
        .cases
        .seed_reference()
        .await
        .expect("reference data");
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    println!("payments benchmarks on {backend}, {cores} cores");
    let app = modules.payments.clone();
    let now = modules.platform.now();

    // Signed notices, from 64 senders at once.
    let n = size("NOTICES", 20_000);
    let trades = payments::testkit::seed_submitted(&modules.platform, TAIPEI, n, now - 60)
        .await
        .expect("seed");
    let bodies: Vec<Vec<u8>> = trades
        .iter()
        .enumerate()
        .map(|(i, (_, trade_no))| notice(trade_no, i))
        .collect();
    for round in ["first notices", "re-sent notices (duplicates)"] {
        let started = Instant::now();
        let chunks: Vec<Vec<Vec<u8>>> = bodies.chunks(n.div_ceil(64)).map(<[_]>::to_vec).collect();
        let mut tasks = Vec::new();
        for chunk in chunks {
            let app = app.clone();
            tasks.push(tokio::spawn(async move {
                for body in chunk {
                    let answer = app.ecpay_notice(&body).await.expect("notice");
                    assert_eq!(answer, payments::app::notices::NoticeAnswer::Taken);
                }
            }));
        }
        for t in tasks {
            t.await.expect("task");
        }
        let secs = started.elapsed().as_secs_f64();
        println!(
            "  {round}: {n} in {secs:.2} s = {:.0} a second (64 senders)",
            n as f64 / secs
        );
    }
    let paid = app
        .search(
            &platform::authz::Actor::system(TAIPEI, "bench"),
            &payments::app::Search {
                state: Some(payments::domain::state::PaymentState::Success),
                ..Default::default()
            },
            200,
        )
        .await
        .expect("search");
    assert_eq!(paid.len(), 200, "the notices settled their payments");

    // Reconciliation of unsettled payments handed to the gateway ten minutes ago.
    let m = size("PAYMENTS", 100_000);
    let started = Instant::now();
    payments::testkit::seed_submitted(&modules.platform, TAIPEI, m, now - 600)
        .await
        .expect("seed");
    println!(
        "  seeding {m} unsettled payments: {:.1} s",
        started.elapsed().as_secs_f64()
    );
    let started = Instant::now();
    let pass = app.reconcile_pass().await.expect("reconciliation");
    let secs = started.elapsed().as_secs_f64();
    assert_eq!(pass.asked, m, "every unsettled payment was asked about");
    println!(
        "  reconciliation pass: {} asked, {} unanswered, in {secs:.1} s = {:.0} a second",
        pass.asked,
        pass.unanswered,
        pass.asked as f64 / secs
    );
    sim.shutdown().await;
}

/// ECPay's paid notice of a trade, signed, as the form body it posts.
fn notice(trade_no: &str, i: usize) -> Vec<u8> {
    let fields = [
        ("MerchantID", ecpay_sim::DEMO_MERCHANT_ID.to_string()),
        ("MerchantTradeNo", trade_no.to_string()),
        ("StoreID", String::new()),
        ("RtnCode", "1".to_string()),
        ("RtnMsg", "交易成功".to_string()),
        ("TradeNo", format!("2612070900{i:06}")),
        ("TradeAmt", "15".to_string()),
        ("PaymentDate", "2026/12/07 09:00:00".to_string()),
        ("PaymentType", "Credit_CreditCard".to_string()),
        ("PaymentTypeChargeFee", "1".to_string()),
        ("TradeDate", "2026/12/07 08:59:00".to_string()),
        ("SimulatePaid", "0".to_string()),
    ];
    let pairs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let mac =
        ecpay_sim::mac::check_mac_value(ecpay_sim::DEMO_HASH_KEY, ecpay_sim::DEMO_HASH_IV, &pairs);
    let mut s = form_urlencoded::Serializer::new(String::new());
    for (k, v) in &pairs {
        s.append_pair(k, v);
    }
    s.append_pair("CheckMacValue", &mac);
    s.finish().into_bytes()
}
