//! `civicdesk demo`: a ready-to-try instance (Taipei, New Taipei and Kaohsiung with their
//! reference data, sample cases, staff accounts printed at start) and, when the configuration
//! names no MyData platform, the MyData simulator beside it (`docs/MYDATA.md`).

use crate::config::{DbArgs, FileConfig, ServeArgs, Settings};
use crate::{demo_sample, open, seed_city, serve, webhook_config};
use anyhow::{Context, Result};

pub async fn run(file: &FileConfig, db: &DbArgs, mut args: ServeArgs) -> Result<()> {
    args.default_jurisdiction
        .get_or_insert_with(|| "taipei.gov.tw".into());
    let mut settings = Settings::load(file, db, &args)?;
    // The demo may send webhooks to receivers on this machine or network.
    let enabled = settings.webhooks.enabled;
    settings.webhooks = webhook_config::resolve(file.webhooks.as_ref(), &args.webhooks, true)?;
    settings.webhooks.enabled = enabled;
    // Demo accounts sign in with the printed password alone; a real instance asks its
    // administrators and supervisors for a second factor.
    settings.default_second_factor = false;
    let sample = demo_sample::Sample::parse(args.demo_sample.as_deref())?;
    // Without a `[mydata]` of its own, the demo runs the MyData simulator beside it.
    let simulator = match settings.mydata {
        Some(_) => None,
        None => {
            let (sim, service) = start_mydata(&settings.public_url).await?;
            settings.mydata = Some(service);
            Some(sim)
        }
    };
    // Without a `[payments]` of its own, the demo takes payments through the simulators of
    // ECPay's cashier and a wallet's point of sale, beside it.
    let payments_sim = if settings.payments == Default::default() {
        let (sim, providers) = start_payments().await?;
        settings.payments = providers;
        Some(sim)
    } else {
        None
    };
    let modules = open(&settings).await?;
    modules.cases.seed_reference().await?;
    if sample == demo_sample::Sample::City {
        seed_city(&modules).await?;
    }
    let filed = modules.cases.seed_sample_cases().await?;
    let key = modules.cases.demo_api_key("taipei.gov.tw").await?;
    let staff = modules.cases.demo_staff("taipei.gov.tw").await?;
    let base = modules.platform.config().public_base();
    println!("civicdesk demo — 臺北市、新北市、高雄市 / Taipei, New Taipei, Kaohsiung");
    println!("  web:             {base}/   (staff: {base}/sign-in with an account below)");
    println!("  database:        {}", settings.database_url_redacted());
    if filed > 0 {
        println!("  sample cases:    {filed} filed");
    }
    println!("  services:        {base}/open311/v2/services.xml   (English: ?locale=en)");
    println!("  requests:        {base}/open311/v2/requests.json?extensions=true");
    println!("  discovery:       {base}/open311/v2/discovery.json");
    println!("  Kaohsiung:       {base}/open311/v2/kcg.gov.tw/services.json");
    println!(
        "  Taipei API key:  {}   (new at every start; the previous demo key is revoked)",
        key.key
    );
    println!(
        "  file a case:     curl -d api_key={} -d service_code=1999-L01 -d lat=25.0377 -d long=121.5436 \\",
        key.key
    );
    println!(
        "                        -d 'attribute[lamps_out]=2' -d 'description=路燈不亮' {base}/open311/v2/requests.json"
    );
    println!("  REST API:        {base}/api/docs   (OpenAPI: {base}/api/v1/openapi.json)");
    if let Some(sim) = &simulator {
        println!(
            "  MyData:          {}   (simulated; its people: A123456789, A223456781, F213579245, …)",
            sim.base_url()
        );
    }
    if let Some(sim) = &payments_sim {
        println!(
            "  payments:        {}   (simulated ECPay cashier and wallet; barcodes 280000000000000001…5)",
            sim.base_url()
        );
        println!("                   ask for one at {base}/staff/payments/new (admin or clerk)");
    }
    let kiosk = modules.counter.demo_kiosk("taipei.gov.tw").await?;
    println!(
        "  online services: {base}/services   (apply, pay, pick up; clerk: {base}/staff/counter)"
    );
    println!(
        "  Smart Desk:      {base}/smart-desk/kiosk#device={}&secret={}&site_key={}",
        kiosk.device_id, kiosk.secret, kiosk.site_key
    );
    println!(
        "                   (the kiosk: open this link once on the kiosk's browser; it keeps the keys)"
    );
    println!(
        "  staff accounts (Taipei; new passwords at every start; no second factor in the demo,"
    );
    println!("                  which a real instance asks of administrators and supervisors):");
    for (login, role, password) in &staff {
        println!("    {login:<11} {password}   {role}");
    }
    println!(
        "  sign in:         curl -c jar -H 'content-type: application/json' -d '{{\"login\":\"admin\",\"password\":\"…\"}}' {base}/api/v1/auth/sign-in"
    );
    serve(modules, &settings, args.bench_ceiling).await
}

/// Starts the payment simulators (ECPay's cashier and a wallet's point of sale, one server)
/// on a free loopback port, and the `[payments]` settings that speak to them.
async fn start_payments() -> Result<(
    ecpay_sim::RunningSim,
    platform::payment_providers::PaymentProviders,
)> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let sim = ecpay_sim::start(ecpay_sim::SimConfig::demo(), listener)
        .await
        .context("starting the payment simulators")?;
    let providers = platform::payment_providers::PaymentProviders {
        ecpay: Some(platform::payment_providers::EcpayAccount {
            base_url: sim.base_url(),
            merchant_id: ecpay_sim::DEMO_MERCHANT_ID.into(),
            hash_key: ecpay_sim::DEMO_HASH_KEY.into(),
            hash_iv: ecpay_sim::DEMO_HASH_IV.into(),
        }),
        wallet: Some(platform::payment_providers::WalletAccount {
            base_url: sim.base_url(),
            merchant_id: ecpay_sim::DEMO_WALLET_MERCHANT_ID.into(),
            key: ecpay_sim::DEMO_WALLET_KEY.into(),
        }),
    };
    Ok((sim, providers))
}

/// Starts the MyData simulator on a free loopback port, registered with this instance as its
/// service provider, and the `[mydata]` settings that speak to it.
async fn start_mydata(
    public_url: &str,
) -> Result<(mydata_sim::RunningSim, platform::login::MyDataService)> {
    let base = public_url.trim_end_matches('/');
    let config = mydata_sim::SimConfig::demo(
        &format!("{base}{}", identity::accounts::MYDATA_NOTICE_PATH),
        base,
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let sim = mydata_sim::start(config, listener)
        .await
        .context("starting the MyData simulator")?;
    let service = platform::login::MyDataService {
        base_url: sim.base_url(),
        client_id: mydata_sim::DEMO_CLIENT_ID.into(),
        client_secret: mydata_sim::DEMO_CLIENT_SECRET.into(),
        iv: mydata_sim::DEMO_IV.into(),
        ps_id: mydata_sim::DEMO_PS_ID.into(),
    };
    Ok((sim, service))
}
