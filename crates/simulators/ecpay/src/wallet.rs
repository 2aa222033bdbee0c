//! The wallet's point of sale, shaped like EasyWallet's (悠遊付) offline-barcode payment: JSON
//! over HTTP, every request and answer signed with `X-Signature`, the hexadecimal
//! HMAC-SHA256 under the merchant's key of the body (or, for a `GET`, of the path and query).
//!
//! - `POST /pos/v1/payments`: take `orderAmount` from the wallet behind `paymentBarCode`. The
//!   first answer to an order number is kept: the same request again with `retry` > 0 gets it
//!   again; a different request under the same number is a conflict.
//! - `GET /pos/v1/payments/{merchantOrderNo}`: where an order stands.
//! - `POST /pos/v1/refunds`: give back part or all of a paid order, idempotent by
//!   `merchantRefundNo`.

use crate::barcodes::{InvoiceCarrier, WalletBarcode};
use crate::server::{Shared, number_prefix, taipei_now};
use axum::body::Bytes;
use axum::extract::{OriginalUri, Path, State};
use axum::http::{HeaderMap, HeaderName, StatusCode, header};
use axum::response::{IntoResponse, Response};
use hmac::{Hmac, KeyInit, Mac};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};
use sha2::Sha256;
use std::collections::HashMap;

/// The header of the signature, both ways.
pub const SIGNATURE_HEADER: &str = "x-signature";
/// The header naming the merchant on a `GET`.
pub const MERCHANT_HEADER: &str = "x-merchant-id";

/// `resultCode`s.
pub const SUCCESS: &str = "0000";
pub const BAD_SIGNATURE: &str = "1001";
pub const BAD_REQUEST: &str = "1002";
pub const UNKNOWN_MERCHANT: &str = "1003";
pub const UNKNOWN_BARCODE: &str = "2001";
pub const EXPIRED_BARCODE: &str = "2002";
pub const INSUFFICIENT_BALANCE: &str = "2003";
pub const CONFLICT: &str = "3001";
pub const ORDER_NOT_FOUND: &str = "3002";
pub const ORDER_NO_USED: &str = "3003";
pub const REFUND_TOO_LARGE: &str = "4001";
pub const NOT_PAID: &str = "4002";

/// The lower-case hexadecimal HMAC-SHA256 of `message` under `key`: the `X-Signature` of a
/// request or an answer.
pub fn signature(key: &str, message: &[u8]) -> String {
    match Hmac::<Sha256>::new_from_slice(key.as_bytes()) {
        Ok(mut mac) => {
            mac.update(message);
            hex::encode(mac.finalize().into_bytes())
        }
        // HMAC takes a key of any length.
        Err(_) => String::new(),
    }
}

fn signature_ok(key: &str, message: &[u8], headers: &HeaderMap) -> bool {
    let given = headers
        .get(SIGNATURE_HEADER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| hex::decode(v.trim()).ok());
    let (Some(given), Ok(mut mac)) = (given, Hmac::<Sha256>::new_from_slice(key.as_bytes())) else {
        return false;
    };
    mac.update(message);
    mac.verify_slice(&given).is_ok()
}

/// A barcode's wallet as it stands.
struct Wallet {
    balance: u64,
    carrier: Option<InvoiceCarrier>,
    expired: bool,
}

/// A payment request, as the merchant sends it.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct PaymentRequest {
    merchant_id: String,
    merchant_order_no: String,
    order_amount: u64,
    payment_bar_code: String,
    items: Vec<Item>,
    trade_type: String,
    #[serde(default)]
    retry: u32,
    #[serde(default)]
    branch_code: Option<String>,
    #[serde(default, rename = "posSN")]
    pos_sn: Option<String>,
    #[serde(default)]
    rebate_not_applicable_amount: Option<u64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
struct Item {
    name: String,
    quantity: u32,
    /// The line's total in NT$.
    amount: u64,
}

impl PaymentRequest {
    /// Whether `other` asks for the same payment (only the retry counter may differ).
    fn same_order(&self, other: &PaymentRequest) -> bool {
        self.merchant_order_no == other.merchant_order_no
            && self.order_amount == other.order_amount
            && self.payment_bar_code == other.payment_bar_code
            && self.items == other.items
            && self.trade_type == other.trade_type
            && self.branch_code == other.branch_code
            && self.pos_sn == other.pos_sn
            && self.rebate_not_applicable_amount == other.rebate_not_applicable_amount
    }

    fn problem(&self) -> Option<&'static str> {
        let amount_ok = (1..=99_999_999).contains(&self.order_amount);
        let lines: Option<u64> = self.items.iter().try_fold(0u64, |sum, i| {
            let ok = (1..=100).contains(&i.name.chars().count()) && i.quantity >= 1;
            ok.then(|| sum.checked_add(i.amount)).flatten()
        });
        if !valid_number(&self.merchant_order_no) {
            Some("merchantOrderNo must be 1-32 characters of A-Z, a-z, 0-9, - and _")
        } else if !amount_ok {
            Some("orderAmount must be a whole number of NT dollars from 1 to 99999999")
        } else if !(1..=64).contains(&self.payment_bar_code.len()) {
            Some("paymentBarCode must be 1-64 characters")
        } else if self.items.is_empty() || self.items.len() > 100 {
            Some("items must hold 1-100 lines")
        } else if lines != Some(self.order_amount) {
            Some(
                "every item needs a name and a quantity of at least 1, and the items' amounts must add up to orderAmount",
            )
        } else if self.trade_type != "IMMEDIATE" {
            Some("tradeType must be IMMEDIATE (the simulator does not keep SAFEKEEPING payments)")
        } else if self
            .rebate_not_applicable_amount
            .is_some_and(|r| r > self.order_amount)
        {
            Some("rebateNotApplicableAmount cannot exceed orderAmount")
        } else {
            None
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct RefundRequest {
    merchant_id: String,
    merchant_order_no: String,
    merchant_refund_no: String,
    refund_amount: u64,
}

/// Whether `s` is 1–32 characters of `[A-Za-z0-9_-]` (an order or refund number).
fn valid_number(s: &str) -> bool {
    (1..=32).contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

struct Order {
    request: PaymentRequest,
    /// The first answer, given again to every retry.
    status: StatusCode,
    answer: Value,
    /// The barcode that paid (`None`: declined).
    paid_by: Option<String>,
    refunded: u64,
}

struct Refund {
    request: RefundRequest,
    status: StatusCode,
    answer: Value,
}

/// The wallet's memory: balances, orders by `merchantOrderNo`, refunds by `merchantRefundNo`.
#[derive(Default)]
pub(crate) struct Ledger {
    wallets: HashMap<String, Wallet>,
    orders: HashMap<String, Order>,
    refunds: HashMap<String, Refund>,
}

impl Ledger {
    pub(crate) fn new(barcodes: &[WalletBarcode]) -> Ledger {
        let wallets = barcodes
            .iter()
            .map(|b| {
                let wallet = Wallet {
                    balance: b.balance,
                    carrier: b.carrier.clone(),
                    expired: b.expired,
                };
                (b.code.clone(), wallet)
            })
            .collect();
        Ledger {
            wallets,
            ..Ledger::default()
        }
    }
}

/// A signed JSON answer.
fn reply(sim: &Shared, status: StatusCode, body: &Value) -> Response {
    let text = body.to_string();
    let signed = signature(&sim.config.wallet.key, text.as_bytes());
    (
        status,
        [
            (header::CONTENT_TYPE, "application/json".to_string()),
            (HeaderName::from_static(SIGNATURE_HEADER), signed),
        ],
        text,
    )
        .into_response()
}

fn error(sim: &Shared, status: StatusCode, code: &str, message: &str) -> Response {
    reply(
        sim,
        status,
        &json!({ "resultCode": code, "message": message }),
    )
}

/// Why a request is refused: the status, the `resultCode` and the message.
type Refusal = (StatusCode, &'static str, String);

/// The body of a signed request from the registered merchant, read as `T`.
fn signed_body<T: DeserializeOwned>(
    sim: &Shared,
    headers: &HeaderMap,
    body: &[u8],
    merchant: impl Fn(&T) -> &str,
) -> Result<T, Refusal> {
    if !signature_ok(&sim.config.wallet.key, body, headers) {
        let why = "the X-Signature is missing or does not match the body";
        return Err((StatusCode::UNAUTHORIZED, BAD_SIGNATURE, why.into()));
    }
    let request: T = serde_json::from_slice(body).map_err(|e| {
        let why = format!("the body is not a valid request: {e}");
        (StatusCode::BAD_REQUEST, BAD_REQUEST, why)
    })?;
    if merchant(&request) != sim.config.wallet.merchant_id {
        let why = "unknown merchantId";
        return Err((StatusCode::FORBIDDEN, UNKNOWN_MERCHANT, why.into()));
    }
    Ok(request)
}

fn wallet_time() -> String {
    let format = time::format_description::well_known::Rfc3339;
    taipei_now().format(&format).unwrap_or_default()
}

/// `POST /pos/v1/payments`.
pub(crate) async fn pay(State(sim): State<Shared>, headers: HeaderMap, body: Bytes) -> Response {
    let request = match signed_body(&sim, &headers, &body, |r: &PaymentRequest| &r.merchant_id) {
        Ok(request) => request,
        Err((status, code, why)) => return error(&sim, status, code, &why),
    };
    if let Some(why) = request.problem() {
        return error(&sim, StatusCode::BAD_REQUEST, BAD_REQUEST, why);
    }
    let no = request.merchant_order_no.clone();
    let mut memory = sim.memory();
    if let Some(order) = memory.wallet.orders.get(&no) {
        if !order.request.same_order(&request) {
            let why = "this merchantOrderNo was used for a different payment";
            return error(&sim, StatusCode::CONFLICT, CONFLICT, why);
        }
        if request.retry == 0 {
            let why = "this merchantOrderNo was already used: a retry must carry retry > 0";
            return error(&sim, StatusCode::CONFLICT, ORDER_NO_USED, why);
        }
        tracing::info!(
            order = no,
            retry = request.retry,
            "wallet simulator: retry answered again"
        );
        return reply(&sim, order.status, &order.answer);
    }
    let sequence = memory.next(1_000_000);
    let now = taipei_now();
    let ledger = &mut memory.wallet;
    let amount = request.order_amount;
    let declined = |code: &str, message: &str| {
        json!({
            "resultCode": code, "message": message,
            "merchantOrderNo": no, "orderAmount": amount,
        })
    };
    let (answer, paid_by) = match ledger.wallets.get_mut(&request.payment_bar_code) {
        None => (
            declined(UNKNOWN_BARCODE, "付款條碼無效 (unknown barcode)"),
            None,
        ),
        Some(w) if w.expired => (
            declined(EXPIRED_BARCODE, "付款條碼已過期 (expired barcode)"),
            None,
        ),
        Some(w) if w.balance < amount => (
            declined(INSUFFICIENT_BALANCE, "餘額不足 (insufficient balance)"),
            None,
        ),
        Some(w) => {
            w.balance -= amount;
            let mut answer = json!({
                "resultCode": SUCCESS, "message": "交易成功",
                "merchantOrderNo": no,
                "transactionId": format!("{}{sequence:06}", number_prefix(now)),
                "paidAt": wallet_time(),
                "orderAmount": amount,
            });
            if let (Some(carrier), Some(fields)) = (&w.carrier, answer.as_object_mut()) {
                fields.insert("invoiceCarrier".into(), json!(carrier));
            }
            (answer, Some(request.payment_bar_code.clone()))
        }
    };
    tracing::info!(order = no, amount, result = %answer["resultCode"], "wallet simulator: payment");
    ledger.orders.insert(
        no,
        Order {
            request,
            status: StatusCode::OK,
            answer: answer.clone(),
            paid_by,
            refunded: 0,
        },
    );
    drop(memory);
    reply(&sim, StatusCode::OK, &answer)
}

/// `GET /pos/v1/payments/{merchantOrderNo}`, with `X-Merchant-Id` and the `X-Signature` of the
/// path and query.
pub(crate) async fn query(
    State(sim): State<Shared>,
    Path(no): Path<String>,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
) -> Response {
    let signed = uri.path_and_query().map_or(uri.path(), |p| p.as_str());
    if !signature_ok(&sim.config.wallet.key, signed.as_bytes(), &headers) {
        let why = "the X-Signature is missing or does not match the path";
        return error(&sim, StatusCode::UNAUTHORIZED, BAD_SIGNATURE, why);
    }
    let merchant = headers.get(MERCHANT_HEADER).and_then(|v| v.to_str().ok());
    if merchant != Some(sim.config.wallet.merchant_id.as_str()) {
        return error(
            &sim,
            StatusCode::FORBIDDEN,
            UNKNOWN_MERCHANT,
            "unknown X-Merchant-Id",
        );
    }
    let answer = {
        let memory = sim.memory();
        memory.wallet.orders.get(&no).map(|order| {
            let status = match (&order.paid_by, order.refunded) {
                (None, _) => "DECLINED",
                (Some(_), 0) => "PAID",
                (Some(_), r) if r < order.request.order_amount => "PARTIALLY_REFUNDED",
                (Some(_), _) => "REFUNDED",
            };
            let mut answer = json!({
                "resultCode": SUCCESS, "message": "查詢成功",
                "merchantOrderNo": no,
                "status": status,
                "orderAmount": order.request.order_amount,
                "refundedAmount": order.refunded,
                "paymentResultCode": order.answer["resultCode"],
            });
            if let Some(fields) = answer.as_object_mut() {
                for name in ["transactionId", "paidAt", "invoiceCarrier"] {
                    if let Some(value) = order.answer.get(name) {
                        fields.insert(name.into(), value.clone());
                    }
                }
            }
            answer
        })
    };
    match answer {
        Some(answer) => reply(&sim, StatusCode::OK, &answer),
        None => error(
            &sim,
            StatusCode::NOT_FOUND,
            ORDER_NOT_FOUND,
            "no such merchantOrderNo",
        ),
    }
}

/// `POST /pos/v1/refunds`.
pub(crate) async fn refund(State(sim): State<Shared>, headers: HeaderMap, body: Bytes) -> Response {
    let request = match signed_body(&sim, &headers, &body, |r: &RefundRequest| &r.merchant_id) {
        Ok(request) => request,
        Err((status, code, why)) => return error(&sim, status, code, &why),
    };
    if !valid_number(&request.merchant_order_no) || !valid_number(&request.merchant_refund_no) {
        let why = "merchantOrderNo and merchantRefundNo must be 1-32 characters of A-Z, a-z, 0-9, - and _";
        return error(&sim, StatusCode::BAD_REQUEST, BAD_REQUEST, why);
    }
    if request.refund_amount == 0 {
        let why = "refundAmount must be at least 1";
        return error(&sim, StatusCode::BAD_REQUEST, BAD_REQUEST, why);
    }
    let refund_no = request.merchant_refund_no.clone();
    let mut memory = sim.memory();
    if let Some(refund) = memory.wallet.refunds.get(&refund_no) {
        if refund.request != request {
            let why = "this merchantRefundNo was used for a different refund";
            return error(&sim, StatusCode::CONFLICT, CONFLICT, why);
        }
        return reply(&sim, refund.status, &refund.answer);
    }
    let sequence = memory.next(1_000_000);
    let now = taipei_now();
    let ledger = &mut memory.wallet;
    let Some(order) = ledger.orders.get_mut(&request.merchant_order_no) else {
        drop(memory);
        return error(
            &sim,
            StatusCode::NOT_FOUND,
            ORDER_NOT_FOUND,
            "no such merchantOrderNo",
        );
    };
    let refunded_before = order.refunded;
    let refused = |code: &str, message: &str| {
        json!({
            "resultCode": code, "message": message,
            "merchantOrderNo": request.merchant_order_no,
            "merchantRefundNo": refund_no,
            "refundAmount": request.refund_amount,
            "refundedTotal": refunded_before,
        })
    };
    let answer = match order.paid_by.clone() {
        None => refused(NOT_PAID, "訂單未付款 (the order was not paid)"),
        Some(_) if refunded_before + request.refund_amount > order.request.order_amount => refused(
            REFUND_TOO_LARGE,
            "退款金額超過可退金額 (the refunds would exceed the amount paid)",
        ),
        Some(barcode) => {
            order.refunded += request.refund_amount;
            if let Some(wallet) = ledger.wallets.get_mut(&barcode) {
                wallet.balance += request.refund_amount;
            }
            json!({
                "resultCode": SUCCESS, "message": "退款成功",
                "merchantOrderNo": request.merchant_order_no,
                "merchantRefundNo": refund_no,
                "refundId": format!("R{}{sequence:06}", number_prefix(now)),
                "refundAmount": request.refund_amount,
                "refundedAt": wallet_time(),
                "refundedTotal": order.refunded,
            })
        }
    };
    tracing::info!(refund = refund_no, result = %answer["resultCode"], "wallet simulator: refund");
    ledger.refunds.insert(
        refund_no,
        Refund {
            request,
            status: StatusCode::OK,
            answer: answer.clone(),
        },
    );
    drop(memory);
    reply(&sim, StatusCode::OK, &answer)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_signature_is_rfc_4231s_hmac_sha256() {
        // RFC 4231, test case 2.
        assert_eq!(
            signature("Jefe", b"what do ya want for nothing?"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn numbers_are_short_and_plain() {
        assert!(valid_number("CD0ABC-12_x"));
        assert!(!valid_number(""));
        assert!(!valid_number(&"1".repeat(33)));
        assert!(!valid_number("a b"));
    }
}
