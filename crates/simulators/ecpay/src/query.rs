//! The merchant's server-to-server calls to ECPay: `QueryTradeInfo` (a trade's state, signed)
//! and `CreditDetail/DoAction` (a card refund). Both take a signed form; both answer
//! `application/x-www-form-urlencoded` text.
//!
//! A request that cannot be read (a field missing or repeated, a wrong signature or merchant,
//! a stale `TimeStamp`) is answered `400` with `RtnCode=…&RtnMsg=…`; an answer about a trade,
//! whatever it says, `200`.

use crate::aio::{CARD_PAYMENT_TYPE, Outcome, parse_amount, valid_trade_no};
use crate::server::{self, Shared, field, form_encode, mac_ok};
use crate::{SimConfig, mac};
use axum::extract::{RawForm, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};

/// ECPay's code of a wrong `CheckMacValue`.
pub const CHECK_MAC_VALUE_ERROR: &str = "10200073";
/// ECPay's code of an unknown trade (`TradeStatus` of `QueryTradeInfo`, `RtnCode` of `DoAction`).
pub const TRADE_NOT_FOUND: &str = "10200047";
/// ECPay's code of a `TradeNo` that is not the trade's.
pub const TRADE_NO_ERROR: &str = "10200027";
/// `TradeStatus` of a failed or cancelled trade.
pub const TRADE_FAILED: &str = "10200095";
/// The simulator's own codes (`10209…`), for what it refuses.
pub const PARAMETER_ERROR: &str = "10209001";
pub const MERCHANT_ERROR: &str = "10209002";
pub const TIMESTAMP_ERROR: &str = "10209003";
pub const NOT_PAID: &str = "10209101";
pub const NOT_BY_CARD: &str = "10209102";
pub const REFUND_TOO_LARGE: &str = "10209103";
pub const ACTION_ERROR: &str = "10209104";

fn form_answer(status: StatusCode, fields: &[(String, String)]) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "application/x-www-form-urlencoded")],
        form_encode(fields),
    )
        .into_response()
}

fn pairs(fields: &[(&str, &str)]) -> Vec<(String, String)> {
    fields
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// `400` with `RtnCode` and `RtnMsg`.
fn refusal(code: &str, message: &str) -> Response {
    form_answer(
        StatusCode::BAD_REQUEST,
        &pairs(&[("RtnCode", code), ("RtnMsg", message)]),
    )
}

/// Why a request is refused: its `RtnCode` and `RtnMsg`.
type Refusal = (&'static str, String);

/// The fields of a signed request from the merchant, once every `required` field is there,
/// the signature is right and the merchant is the registered one.
fn signed_request(
    config: &SimConfig,
    body: &[u8],
    required: &[&str],
) -> Result<Vec<(String, String)>, Refusal> {
    let Some(fields) = server::parse_form(body) else {
        let why = "Parameter Error: a field was sent twice";
        return Err((PARAMETER_ERROR, why.into()));
    };
    for name in required.iter().chain(&[mac::FIELD]) {
        if field(&fields, name).is_none_or(str::is_empty) {
            let why = format!("Parameter Error: {name} is missing");
            return Err((PARAMETER_ERROR, why));
        }
    }
    if !mac_ok(config, &fields) {
        return Err((CHECK_MAC_VALUE_ERROR, "CheckMacValue Error".into()));
    }
    if field(&fields, "MerchantID") != Some(config.merchant_id.as_str()) {
        return Err((MERCHANT_ERROR, "MerchantID Error".into()));
    }
    Ok(fields)
}

/// `POST /Cashier/QueryTradeInfo/V5`: `MerchantID`, `MerchantTradeNo`, `TimeStamp` (unix
/// seconds, within the window), optional `PlatformID`, `CheckMacValue`.
pub(crate) async fn query_trade_info(
    State(sim): State<Shared>,
    RawForm(body): RawForm,
) -> Response {
    let config = &sim.config;
    let fields = match signed_request(
        config,
        &body,
        &["MerchantID", "MerchantTradeNo", "TimeStamp"],
    ) {
        Ok(fields) => fields,
        Err((code, why)) => return refusal(code, &why),
    };
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let fresh = field(&fields, "TimeStamp")
        .and_then(|t| t.parse::<i64>().ok())
        .is_some_and(|t| now.abs_diff(t) <= config.timestamp_window_seconds);
    if !fresh {
        return refusal(TIMESTAMP_ERROR, "TimeStamp Error");
    }
    let no = field(&fields, "MerchantTradeNo").unwrap_or_default();
    let trade = sim.memory().trades.get(no).cloned();
    let answer = match trade {
        None => pairs(&[
            ("MerchantID", &config.merchant_id),
            ("MerchantTradeNo", no),
            ("StoreID", ""),
            ("TradeNo", ""),
            ("TradeAmt", ""),
            ("PaymentDate", ""),
            ("PaymentType", ""),
            ("HandlingCharge", ""),
            ("PaymentTypeChargeFee", ""),
            ("TradeDate", ""),
            ("TradeStatus", TRADE_NOT_FOUND),
            ("ItemName", ""),
            ("CustomField1", ""),
            ("CustomField2", ""),
            ("CustomField3", ""),
            ("CustomField4", ""),
        ]),
        Some(trade) => {
            let (status, payment_date, payment_type, fee) = match &trade.outcome {
                Outcome::Pending => ("0", "", "", 0),
                Outcome::Paid {
                    payment_type,
                    payment_date,
                    fee,
                } => ("1", payment_date.as_str(), *payment_type, *fee),
                Outcome::Failed {
                    payment_type,
                    payment_date,
                } => (TRADE_FAILED, payment_date.as_str(), *payment_type, 0),
                Outcome::Cancelled => (TRADE_FAILED, "", "", 0),
            };
            let (amount, fee) = (trade.amount.to_string(), fee.to_string());
            let [c1, c2, c3, c4] = &trade.custom_fields;
            pairs(&[
                ("MerchantID", &config.merchant_id),
                ("MerchantTradeNo", &trade.merchant_trade_no),
                ("StoreID", &trade.store_id),
                ("TradeNo", &trade.trade_no),
                ("TradeAmt", &amount),
                ("PaymentDate", payment_date),
                ("PaymentType", payment_type),
                ("HandlingCharge", &fee),
                ("PaymentTypeChargeFee", &fee),
                ("TradeDate", &trade.trade_date),
                ("TradeStatus", status),
                ("ItemName", &trade.item_name),
                ("CustomField1", c1),
                ("CustomField2", c2),
                ("CustomField3", c3),
                ("CustomField4", c4),
            ])
        }
    };
    form_answer(
        StatusCode::OK,
        &mac::signed(&config.hash_key, &config.hash_iv, answer),
    )
}

/// `POST /CreditDetail/DoAction`: `MerchantID`, `MerchantTradeNo`, `TradeNo`, `Action` (`R`
/// only), `TotalAmount` (the amount to refund now), optional `PlatformID`, `CheckMacValue`.
/// Refunds add up; together they may not pass the amount paid.
pub(crate) async fn do_action(State(sim): State<Shared>, RawForm(body): RawForm) -> Response {
    let config = &sim.config;
    let required = [
        "MerchantID",
        "MerchantTradeNo",
        "TradeNo",
        "Action",
        "TotalAmount",
    ];
    let fields = match signed_request(config, &body, &required) {
        Ok(fields) => fields,
        Err((code, why)) => return refusal(code, &why),
    };
    let get = |name: &str| field(&fields, name).unwrap_or_default();
    let (no, trade_no) = (get("MerchantTradeNo"), get("TradeNo"));
    if !valid_trade_no(no) {
        return refusal(PARAMETER_ERROR, "Parameter Error: MerchantTradeNo");
    }
    let Some(amount) = parse_amount(get("TotalAmount")) else {
        return refusal(PARAMETER_ERROR, "Parameter Error: TotalAmount");
    };
    let outcome = if get("Action") == "R" {
        refund(&sim, no, trade_no, amount)
    } else {
        Err((
            ACTION_ERROR,
            "Action Error: the simulator carries out R (refund) only",
        ))
    };
    let (code, message) = match outcome {
        Ok(()) => ("1", "成功"),
        Err((code, message)) => (code, message),
    };
    tracing::info!(trade = no, amount, code, "payment simulator: refund");
    form_answer(
        StatusCode::OK,
        &pairs(&[
            ("MerchantID", &config.merchant_id),
            ("MerchantTradeNo", no),
            ("TradeNo", trade_no),
            ("RtnCode", code),
            ("RtnMsg", message),
        ]),
    )
}

/// Refunds `amount` of the card payment `no`, or says why not.
fn refund(
    sim: &Shared,
    no: &str,
    trade_no: &str,
    amount: u64,
) -> Result<(), (&'static str, &'static str)> {
    let mut memory = sim.memory();
    let Some(trade) = memory.trades.get_mut(no) else {
        return Err((TRADE_NOT_FOUND, "Cant find the trade"));
    };
    if trade.trade_no != trade_no {
        return Err((TRADE_NO_ERROR, "TradeNo Error"));
    }
    let Outcome::Paid { payment_type, .. } = &trade.outcome else {
        return Err((NOT_PAID, "the trade is not paid"));
    };
    if *payment_type != CARD_PAYMENT_TYPE {
        return Err((
            NOT_BY_CARD,
            "only a credit card payment can be refunded through DoAction",
        ));
    }
    if trade.refunded + amount > trade.amount {
        return Err((REFUND_TOO_LARGE, "the refunds would exceed the amount paid"));
    }
    trade.refunded += amount;
    Ok(())
}
