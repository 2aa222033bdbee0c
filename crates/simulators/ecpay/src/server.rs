//! The simulators' routes and their memory (trades, wallet orders), behind one mutex.
//!
//! ECPay AIO (forms, `CheckMacValue`):
//! - `POST /Cashier/AioCheckOut/V5`: the merchant's checkout form → the cashier page;
//! - `GET /Cashier/AioCheckOut/V5/{token}`: the cashier page again (or the outcome);
//! - `POST /Cashier/AioCheckOut/V5/{token}/choice`: the payer's choice → notice, browser back;
//! - `POST /Cashier/QueryTradeInfo/V5`: a trade's state;
//! - `POST /CreditDetail/DoAction`: a card refund (`Action=R`).
//!
//! Wallet point of sale (JSON, `X-Signature`):
//! - `POST /pos/v1/payments`, `GET /pos/v1/payments/{merchantOrderNo}`, `POST /pos/v1/refunds`.

use crate::{SimConfig, aio, notice, query, wallet};
use axum::Router;
use axum::extract::State;
use axum::routing::{get, post};
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, MutexGuard};
use time::{OffsetDateTime, UtcOffset};
use tokio::sync::watch;

/// Taiwan's time (UTC+8, no daylight saving), in which ECPay writes every date.
pub(crate) const TAIPEI: UtcOffset = time::macros::offset!(+8);

/// Now, in Taipei time, to the second.
pub(crate) fn taipei_now() -> OffsetDateTime {
    let now = OffsetDateTime::now_utc().to_offset(TAIPEI);
    now.replace_nanosecond(0).unwrap_or(now)
}

/// `yyyy/MM/dd HH:mm:ss`, ECPay's way of writing a time.
pub(crate) fn ecpay_datetime(t: OffsetDateTime) -> String {
    format!(
        "{:04}/{:02}/{:02} {:02}:{:02}:{:02}",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

/// `yyMMddHHmmss`: the first 12 digits of the simulator's trade and transaction numbers.
pub(crate) fn number_prefix(t: OffsetDateTime) -> String {
    format!(
        "{:02}{:02}{:02}{:02}{:02}{:02}",
        t.year().rem_euclid(100),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

/// 32 random hexadecimal digits (a cashier page's token).
pub(crate) fn random_token() -> Option<String> {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).ok()?;
    Some(hex::encode(bytes))
}

/// A form's fields in the order sent, or `None` when a field comes twice (which the signature
/// could not tell apart).
pub(crate) fn parse_form(body: &[u8]) -> Option<Vec<(String, String)>> {
    let mut fields: Vec<(String, String)> = Vec::new();
    for (k, v) in form_urlencoded::parse(body) {
        if fields.iter().any(|(seen, _)| *seen == k) {
            return None;
        }
        fields.push((k.into_owned(), v.into_owned()));
    }
    Some(fields)
}

/// The value of the field `name`, if sent.
pub(crate) fn field<'a>(fields: &'a [(String, String)], name: &str) -> Option<&'a str> {
    fields
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

/// `fields` as `application/x-www-form-urlencoded` text.
pub(crate) fn form_encode(fields: &[(String, String)]) -> String {
    let mut out = form_urlencoded::Serializer::new(String::new());
    for (k, v) in fields {
        out.append_pair(k, v);
    }
    out.finish()
}

/// Whether `fields` carry a valid `CheckMacValue` under the merchant's keys.
pub(crate) fn mac_ok(config: &SimConfig, fields: &[(String, String)]) -> bool {
    let borrowed: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    crate::mac::verify(&config.hash_key, &config.hash_iv, &borrowed)
}

/// Everything the simulators remember.
#[derive(Default)]
pub(crate) struct Memory {
    /// ECPay trades by `MerchantTradeNo`.
    pub trades: HashMap<String, aio::Trade>,
    /// The cashier page's token of each trade → its `MerchantTradeNo`.
    pub tokens: HashMap<String, String>,
    /// Every `TradeNo` given out.
    pub trade_nos: HashSet<String>,
    /// A counter for the last digits of trade and transaction numbers.
    pub sequence: u64,
    /// The wallet's orders, refunds and balances.
    pub wallet: wallet::Ledger,
}

impl Memory {
    /// The next value of the counter, modulo `modulus`.
    pub(crate) fn next(&mut self, modulus: u64) -> u64 {
        self.sequence = self.sequence.wrapping_add(1);
        self.sequence % modulus
    }

    /// A new 16-digit ECPay `TradeNo`: `yyMMddHHmmss` and 4 digits.
    pub(crate) fn new_trade_no(&mut self, now: OffsetDateTime) -> String {
        let prefix = number_prefix(now);
        loop {
            let candidate = format!("{prefix}{:04}", self.next(10_000));
            if self.trade_nos.insert(candidate.clone()) {
                return candidate;
            }
        }
    }
}

pub(crate) struct Sim {
    pub config: SimConfig,
    pub client: notice::Client,
    /// Becomes `true` when the simulator stops: pending notices are dropped.
    pub stopped: watch::Receiver<bool>,
    memory: Mutex<Memory>,
}

impl Sim {
    pub(crate) fn memory(&self) -> MutexGuard<'_, Memory> {
        self.memory.lock().unwrap_or_else(|e| e.into_inner())
    }
}

pub(crate) type Shared = Arc<Sim>;

pub(crate) fn router(config: SimConfig, stopped: watch::Receiver<bool>) -> Router {
    let memory = Memory {
        wallet: wallet::Ledger::new(&config.wallet.barcodes),
        ..Memory::default()
    };
    let sim = Arc::new(Sim {
        config,
        client: notice::client(),
        stopped,
        memory: Mutex::new(memory),
    });
    Router::new()
        .route("/", get(index))
        .route("/Cashier/AioCheckOut/V5", post(aio::checkout))
        .route("/Cashier/AioCheckOut/V5/{token}", get(aio::cashier_again))
        .route("/Cashier/AioCheckOut/V5/{token}/choice", post(aio::choice))
        .route("/Cashier/QueryTradeInfo/V5", post(query::query_trade_info))
        .route("/CreditDetail/DoAction", post(query::do_action))
        .route("/pos/v1/payments", post(wallet::pay))
        .route("/pos/v1/payments/{merchant_order_no}", get(wallet::query))
        .route("/pos/v1/refunds", post(wallet::refund))
        .with_state(sim)
}

async fn index(State(sim): State<Shared>) -> String {
    format!(
        "Payment simulators (docs/PAYMENTS-SIMULATORS.md).\n\
         ECPay AIO, merchant {}: POST /Cashier/AioCheckOut/V5, POST /Cashier/QueryTradeInfo/V5, \
         POST /CreditDetail/DoAction\n\
         Wallet point of sale, merchant {}: POST /pos/v1/payments, \
         GET /pos/v1/payments/{{merchantOrderNo}}, POST /pos/v1/refunds\n",
        sim.config.merchant_id, sim.config.wallet.merchant_id
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_and_numbers_are_written_in_taipei_time() {
        let t = time::macros::datetime!(2019-05-08 16:00:18 UTC).to_offset(TAIPEI);
        assert_eq!(ecpay_datetime(t), "2019/05/09 00:00:18");
        assert_eq!(number_prefix(t), "190509000018");
        let mut memory = Memory::default();
        let a = memory.new_trade_no(t);
        let b = memory.new_trade_no(t);
        assert_eq!(a.len(), 16);
        assert_ne!(a, b);
    }

    #[test]
    fn a_form_with_a_field_twice_is_refused() {
        assert_eq!(
            parse_form(b"a=1&b=%E4%BA%A4+x"),
            Some(vec![("a".into(), "1".into()), ("b".into(), "交 x".into())])
        );
        assert_eq!(parse_form(b"a=1&a=2"), None);
    }
}
