//! Local simulators of two payment services, for development, demos and tests: real HTTP
//! servers that follow the services' published protocol shapes, so that civicdesk's payments
//! module talks to them exactly as it would to the real services.
//!
//! - **ECPay's AIO cashier** (綠界科技 全方位金流): `POST /Cashier/AioCheckOut/V5` (the payer's
//!   browser, with the merchant's signed form) shows a cashier page where the payer chooses
//!   success, failure or cancel; the simulator then POSTs the signed server notice to the
//!   trade's `ReturnURL` (retried until the merchant answers `1|OK`) and sends the browser
//!   back. `POST /Cashier/QueryTradeInfo/V5` answers a trade's state and
//!   `POST /CreditDetail/DoAction` refunds a card payment.
//! - **A wallet's point of sale** shaped like EasyWallet's (悠遊付): JSON under `/pos/v1/`,
//!   signed with an HMAC-SHA256 header: pay with the payer's barcode (idempotent by the
//!   merchant's order number), query, refund.
//!
//! Everything is kept in memory. The protocols, as implemented here, are described in
//! `docs/PAYMENTS-SIMULATORS.md`; the signature is in [`mac`].
//!
//! ```no_run
//! # async fn run() -> Result<(), civicdesk_ecpay_sim::SimError> {
//! use civicdesk_ecpay_sim::{SimConfig, start};
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
//! let sim = start(SimConfig::demo(), listener).await?;
//! println!("cashier at {}/Cashier/AioCheckOut/V5", sim.base_url());
//! sim.shutdown().await;
//! # Ok(())
//! # }
//! ```

pub mod barcodes;
#[cfg(feature = "cli")]
pub mod cli;
pub mod mac;

pub mod query;
pub mod wallet;

mod aio;
mod notice;
mod page;
mod server;

pub use barcodes::{InvoiceCarrier, WalletBarcode, demo_barcodes};
pub use notice::ACKNOWLEDGEMENT;

use std::net::SocketAddr;
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// ECPay's public test merchant (its stage environment's): the demo's merchant id.
pub const DEMO_MERCHANT_ID: &str = "3002607";
/// The public test merchant's HashKey.
pub const DEMO_HASH_KEY: &str = "pwFHCqoQZGmho4w6";
/// The public test merchant's HashIV.
pub const DEMO_HASH_IV: &str = "EkRm7iFT261dpevs";
/// The demo merchant at the wallet's point of sale.
pub const DEMO_WALLET_MERCHANT_ID: &str = "CIVICDESK-POS";
/// The demo merchant's wallet signing key (the HMAC-SHA256 key of `X-Signature`).
pub const DEMO_WALLET_KEY: &str = "civicdesk-demo-wallet-key-32byte";

/// The simulators' registrations and switches.
#[derive(Debug, Clone)]
pub struct SimConfig {
    /// ECPay `MerchantID`: 1–10 letters and digits.
    pub merchant_id: String,
    /// The merchant's `HashKey` for `CheckMacValue`.
    pub hash_key: String,
    /// The merchant's `HashIV` for `CheckMacValue`.
    pub hash_iv: String,
    /// The shop's name on the cashier page.
    pub merchant_name: String,
    /// The pauses, in seconds, before each new attempt at a notice the merchant did not
    /// acknowledge with `1|OK`: `[5, 30, 120]` makes four attempts in all.
    pub retry_seconds: Vec<u64>,
    /// How long the merchant has to answer one notice (10 s at ECPay).
    pub notice_timeout_seconds: u64,
    /// Send no server notice at all (the default of the cashier page's choice; for testing
    /// reconciliation through `QueryTradeInfo`).
    pub withhold_notices: bool,
    /// Send every notice twice (the default of the cashier page's choice).
    pub duplicate_notices: bool,
    /// How far a `QueryTradeInfo` `TimeStamp` may be from the simulator's clock (180 s).
    pub timestamp_window_seconds: u64,
    /// The wallet's point of sale.
    pub wallet: WalletConfig,
}

/// The wallet point of sale's registration.
#[derive(Debug, Clone)]
pub struct WalletConfig {
    /// The merchant's id (`merchantId` in every request).
    pub merchant_id: String,
    /// The key of the HMAC-SHA256 in `X-Signature`, as UTF-8 bytes.
    pub key: String,
    /// The payment barcodes the wallet knows.
    pub barcodes: Vec<WalletBarcode>,
}

impl SimConfig {
    /// ECPay's public test merchant ([`DEMO_MERCHANT_ID`], [`DEMO_HASH_KEY`],
    /// [`DEMO_HASH_IV`]), notices retried after 5, 30 and 120 seconds, sent once each; the
    /// wallet's demo merchant ([`DEMO_WALLET_MERCHANT_ID`], [`DEMO_WALLET_KEY`]) with the
    /// [`demo_barcodes`].
    pub fn demo() -> SimConfig {
        SimConfig {
            merchant_id: DEMO_MERCHANT_ID.to_string(),
            hash_key: DEMO_HASH_KEY.to_string(),
            hash_iv: DEMO_HASH_IV.to_string(),
            merchant_name: "civicdesk 示範市政府 (civicdesk demo city)".to_string(),
            retry_seconds: vec![5, 30, 120],
            notice_timeout_seconds: 10,
            withhold_notices: false,
            duplicate_notices: false,
            timestamp_window_seconds: 180,
            wallet: WalletConfig {
                merchant_id: DEMO_WALLET_MERCHANT_ID.to_string(),
                key: DEMO_WALLET_KEY.to_string(),
                barcodes: demo_barcodes(),
            },
        }
    }

    /// Checks the registrations: ids, keys, the retry schedule and the barcodes.
    pub fn validate(&self) -> Result<(), SimError> {
        let bad = |what: &str| Err(SimError::Config(what.to_string()));
        let plain = |s: &str, max: usize| {
            (1..=max).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_alphanumeric())
        };
        if !plain(&self.merchant_id, 10) {
            return bad("the merchant id must be 1-10 letters and digits");
        }
        if !plain(&self.hash_key, 64) || !plain(&self.hash_iv, 64) {
            return bad("the HashKey and HashIV must be 1-64 letters and digits");
        }
        if self.retry_seconds.len() > 20 || self.retry_seconds.iter().any(|s| *s > 86_400) {
            return bad("at most 20 retries, each at most a day after the one before");
        }
        if !(1..=60).contains(&self.notice_timeout_seconds) {
            return bad("the notice timeout must be 1-60 seconds");
        }
        if self.withhold_notices && self.duplicate_notices {
            return bad("notices cannot be both withheld and duplicated");
        }
        if self.timestamp_window_seconds == 0 {
            return bad("the TimeStamp window must be at least a second");
        }
        let w = &self.wallet;
        if !(1..=64).contains(&w.merchant_id.len())
            || !w
                .merchant_id
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        {
            return bad("the wallet merchant id must be 1-64 characters of A-Z, a-z, 0-9, - and _");
        }
        if w.key.len() < 16 {
            return bad("the wallet key must be at least 16 bytes");
        }
        for (i, b) in w.barcodes.iter().enumerate() {
            if !plain(&b.code, 64) {
                return bad("a barcode must be 1-64 letters and digits");
            }
            if w.barcodes[..i].iter().any(|o| o.code == b.code) {
                return bad("a barcode is registered twice");
            }
            if b.carrier.as_ref().is_some_and(|c| !c.is_valid()) {
                return bad("a barcode's e-invoice carrier is not a valid 3J0002 or CQ0001");
            }
        }
        Ok(())
    }
}

/// Why the simulator could not start.
#[derive(Debug, thiserror::Error)]
pub enum SimError {
    #[error("payment simulator configuration: {0}")]
    Config(String),
    #[error("payment simulator: {0}")]
    Io(#[from] std::io::Error),
}

/// The simulators serving on their listener. Dropping it stops the server and any notice
/// still waiting for a retry (without waiting); [`RunningSim::shutdown`] stops them and waits
/// for the server.
pub struct RunningSim {
    addr: SocketAddr,
    stop: watch::Sender<bool>,
    task: Option<JoinHandle<()>>,
}

impl RunningSim {
    /// The address the simulators listen on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://<addr>`, without a trailing slash: ECPay's `https://payment-stage.ecpay.com.tw`
    /// and the wallet's base URL both become this.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Stops accepting connections and pending notices, lets the requests under way finish,
    /// and waits.
    pub async fn shutdown(mut self) {
        let _ = self.stop.send(true);
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for RunningSim {
    fn drop(&mut self) {
        let _ = self.stop.send(true);
    }
}

/// Starts the simulators on `listener` (bind `127.0.0.1:0` for a free port) and returns once
/// they accept connections.
pub async fn start(
    config: SimConfig,
    listener: tokio::net::TcpListener,
) -> Result<RunningSim, SimError> {
    config.validate()?;
    let addr = listener.local_addr()?;
    let (stop, stopped) = watch::channel(false);
    let app = server::router(config, stopped.clone());
    let task = tokio::spawn(async move {
        let mut stopped = stopped;
        let serve = axum::serve(listener, app).with_graceful_shutdown(async move {
            let _ = stopped.wait_for(|s| *s).await;
        });
        if let Err(e) = serve.await {
            tracing::error!(error = %e, "the payment simulator stopped");
        }
    });
    Ok(RunningSim {
        addr,
        stop,
        task: Some(task),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_demo_configuration_is_valid() {
        assert!(SimConfig::demo().validate().is_ok());
    }

    #[test]
    fn a_bad_configuration_is_refused() {
        let cases: [fn(&mut SimConfig); 7] = [
            |c| c.merchant_id = "30026-07".into(),
            |c| c.hash_key = String::new(),
            |c| c.retry_seconds = vec![0; 21],
            |c| (c.withhold_notices, c.duplicate_notices) = (true, true),
            |c| c.wallet.key = "short".into(),
            |c| {
                let again = c.wallet.barcodes[0].clone();
                c.wallet.barcodes.push(again);
            },
            |c| {
                c.wallet.barcodes[0].carrier = Some(InvoiceCarrier {
                    kind: "3J0002".into(),
                    id: "nope".into(),
                })
            },
        ];
        for change in cases {
            let mut c = SimConfig::demo();
            change(&mut c);
            assert!(matches!(c.validate(), Err(SimError::Config(_))), "{c:?}");
        }
    }
}
