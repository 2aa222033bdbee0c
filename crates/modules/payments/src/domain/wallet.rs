//! A mobile wallet's point of sale, in EasyWallet's shape (`docs/PAYMENTS-SIMULATORS.md`): the
//! clerk scans the payer's barcode and the counter asks the wallet to take the amount at once
//! (`tradeType` IMMEDIATE) under a unique order number. A retry after a lost answer carries the
//! same body with `retry` counted up, and gets the first answer back: nothing is taken twice.
//! Bodies are JSON; each side signs the exact bytes it sends (`X-Signature`, HMAC-SHA256 under
//! the merchant key, lower-case hex).

use super::invoice::Carrier;
use super::money::Amount;
use hmac::{KeyInit, Mac};
use serde::{Deserialize, Serialize};

pub const SIGNATURE_HEADER: &str = "X-Signature";

/// The signature of a body.
pub fn signature(key: &str, body: &[u8]) -> String {
    // HMAC takes a key of any length: this never fails.
    let Ok(mut mac) = hmac::Hmac::<sha2::Sha256>::new_from_slice(key.as_bytes()) else {
        return String::new();
    };
    mac.update(body);
    hex::encode(mac.finalize().into_bytes())
}

/// Whether `given` signs `body` (compared in constant time).
pub fn verify(key: &str, body: &[u8], given: &str) -> bool {
    let expected = signature(key, body);
    let given = given.trim().to_ascii_lowercase();
    given.len() == expected.len()
        && given
            .bytes()
            .zip(expected.bytes())
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0
}

/// A line of what is paid for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Item {
    pub name: String,
    pub quantity: u32,
    /// The line's total, NT$.
    pub amount: u32,
}

/// A payment asked of the wallet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PaymentRequest {
    pub merchant_id: String,
    pub merchant_order_no: String,
    pub order_amount: u32,
    pub payment_bar_code: String,
    pub items: Vec<Item>,
    pub trade_type: &'static str,
    /// 0 the first time; counted up on each retry of the same request.
    pub retry: u32,
}

impl PaymentRequest {
    /// An immediate payment of `items` (their totals make the amount).
    pub fn immediate(
        merchant_id: &str,
        order_no: &str,
        barcode: &str,
        items: Vec<Item>,
    ) -> Result<PaymentRequest, domain::Message> {
        let total: u64 = items.iter().map(|i| u64::from(i.amount)).sum();
        let amount = Amount::new(i64::try_from(total).unwrap_or(i64::MAX))?;
        Ok(PaymentRequest {
            merchant_id: merchant_id.to_string(),
            merchant_order_no: order_no.to_string(),
            order_amount: amount.dollars(),
            payment_bar_code: domain::width::to_half_width(barcode).trim().to_string(),
            items,
            trade_type: "IMMEDIATE",
            retry: 0,
        })
    }

    /// The body to send, and its signature.
    pub fn signed(&self, key: &str) -> (Vec<u8>, String) {
        let body = serde_json::to_vec(self).unwrap_or_default();
        let sig = signature(key, &body);
        (body, sig)
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Answer {
    result_code: String,
    #[serde(default)]
    message: String,
    #[serde(default)]
    transaction_id: Option<String>,
    #[serde(default)]
    order_amount: Option<u32>,
    #[serde(default)]
    invoice_carrier: Option<CarrierOut>,
}

#[derive(Deserialize)]
struct CarrierOut {
    #[serde(rename = "type")]
    kind: String,
    id: String,
}

/// What the wallet answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Paid: the wallet's transaction, and the payer's e-invoice carrier if they have one.
    Paid {
        transaction_id: String,
        carrier: Option<Carrier>,
    },
    /// Declined, nothing taken: an unknown or expired barcode, too little balance. The payer
    /// may show another barcode.
    Declined { code: String, message: String },
    /// The request itself was refused (a signature, a conflict): a fault to look into.
    Refused { code: String, message: String },
}

/// Why an answer is not believed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AnswerError {
    #[error("the answer's signature does not match")]
    Signature,
    #[error("the answer is not the wallet's JSON")]
    Malformed,
    #[error("the answer is paid for another amount")]
    Amount,
}

/// Reads the wallet's answer to `request`: its signature, its code, and for a payment the
/// amount it took (which must be the one asked).
pub fn read_answer(
    key: &str,
    request: &PaymentRequest,
    body: &[u8],
    signature_header: Option<&str>,
) -> Result<Outcome, AnswerError> {
    if !signature_header.is_some_and(|s| verify(key, body, s)) {
        return Err(AnswerError::Signature);
    }
    let a: Answer = serde_json::from_slice(body).map_err(|_| AnswerError::Malformed)?;
    Ok(match a.result_code.as_str() {
        "0000" => {
            if a.order_amount != Some(request.order_amount) {
                return Err(AnswerError::Amount);
            }
            Outcome::Paid {
                transaction_id: a.transaction_id.ok_or(AnswerError::Malformed)?,
                // A carrier that does not read is not kept (the invoice goes on paper).
                carrier: a
                    .invoice_carrier
                    .and_then(|c| Carrier::parse(&c.kind, &c.id).ok()),
            }
        }
        code if code.starts_with('2') => Outcome::Declined {
            code: code.to_string(),
            message: a.message,
        },
        code => Outcome::Refused {
            code: code.to_string(),
            message: a.message,
        },
    })
}

/// A refund asked of the wallet, idempotent by `merchant_refund_no`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RefundRequest {
    pub merchant_id: String,
    pub merchant_order_no: String,
    pub merchant_refund_no: String,
    pub refund_amount: u32,
}

impl RefundRequest {
    /// The body to send, and its signature.
    pub fn signed(&self, key: &str) -> (Vec<u8>, String) {
        let body = serde_json::to_vec(self).unwrap_or_default();
        let sig = signature(key, &body);
        (body, sig)
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RefundAnswer {
    result_code: String,
    #[serde(default)]
    message: String,
    #[serde(default)]
    refund_id: Option<String>,
}

/// What the wallet answered to a refund.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RefundOutcome {
    /// The money went back to the wallet, under the wallet's refund id.
    Refunded { refund_id: String },
    /// Refused (more than was paid, a declined order): nothing went back.
    Refused { code: String, message: String },
}

/// Reads the wallet's answer to a refund.
pub fn read_refund_answer(
    key: &str,
    body: &[u8],
    signature_header: Option<&str>,
) -> Result<RefundOutcome, AnswerError> {
    if !signature_header.is_some_and(|s| verify(key, body, s)) {
        return Err(AnswerError::Signature);
    }
    let a: RefundAnswer = serde_json::from_slice(body).map_err(|_| AnswerError::Malformed)?;
    Ok(match a.result_code.as_str() {
        "0000" => RefundOutcome::Refunded {
            refund_id: a.refund_id.ok_or(AnswerError::Malformed)?,
        },
        code => RefundOutcome::Refused {
            code: code.to_string(),
            message: a.message,
        },
    })
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct StatusAnswer {
    result_code: String,
    #[serde(default)]
    status: Option<String>,
    #[serde(default)]
    order_amount: Option<u32>,
    #[serde(default)]
    transaction_id: Option<String>,
}

/// What the wallet holds of an order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OrderStatus {
    /// Paid (refunds or not): the amount taken and the wallet's transaction.
    Paid { amount: u32, transaction_id: String },
    /// Declined: nothing taken.
    Declined,
    /// The wallet has no such order (the first request never arrived).
    Unknown,
}

/// Reads the wallet's answer to `GET /pos/v1/payments/{order}` (`status` 404 is an unknown
/// order, and is signed like any answer).
pub fn read_status(
    key: &str,
    http_status: u16,
    body: &[u8],
    signature_header: Option<&str>,
) -> Result<OrderStatus, AnswerError> {
    if !signature_header.is_some_and(|s| verify(key, body, s)) {
        return Err(AnswerError::Signature);
    }
    let a: StatusAnswer = serde_json::from_slice(body).map_err(|_| AnswerError::Malformed)?;
    if http_status == 404 || a.result_code == "3002" {
        return Ok(OrderStatus::Unknown);
    }
    if a.result_code != "0000" {
        return Err(AnswerError::Malformed);
    }
    Ok(match a.status.as_deref() {
        Some("PAID" | "PARTIALLY_REFUNDED" | "REFUNDED") => OrderStatus::Paid {
            amount: a.order_amount.ok_or(AnswerError::Malformed)?,
            transaction_id: a.transaction_id.ok_or(AnswerError::Malformed)?,
        },
        Some("DECLINED") => OrderStatus::Declined,
        _ => return Err(AnswerError::Malformed),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "civicdesk-demo-wallet-key-32byte";

    fn request() -> PaymentRequest {
        PaymentRequest::immediate(
            "CIVICDESK-POS",
            "CD0TQXJ0GABCDEFGHIJK",
            "２８0000000000000001",
            vec![Item {
                name: "戶籍謄本".into(),
                quantity: 1,
                amount: 15,
            }],
        )
        .expect("request")
    }

    fn answer(json: serde_json::Value) -> (Vec<u8>, String) {
        let body = serde_json::to_vec(&json).expect("json");
        let sig = signature(KEY, &body);
        (body, sig)
    }

    #[test]
    fn a_paid_answer_with_its_carrier() {
        let r = request();
        assert_eq!(r.order_amount, 15);
        assert_eq!(r.payment_bar_code, "280000000000000001");
        let (body, sig) = answer(serde_json::json!({
            "resultCode": "0000", "message": "ok", "merchantOrderNo": r.merchant_order_no,
            "transactionId": "260000000000000001", "orderAmount": 15,
            "invoiceCarrier": { "type": "3J0002", "id": "/ABC+123" },
        }));
        assert_eq!(
            read_answer(KEY, &r, &body, Some(&sig)),
            Ok(Outcome::Paid {
                transaction_id: "260000000000000001".into(),
                carrier: Some(Carrier::Mobile("/ABC+123".into())),
            })
        );
    }

    #[test]
    fn declines_refusals_forgeries_and_other_amounts() {
        let r = request();
        let (body, sig) =
            answer(serde_json::json!({ "resultCode": "2003", "message": "餘額不足" }));
        assert!(matches!(
            read_answer(KEY, &r, &body, Some(&sig)),
            Ok(Outcome::Declined { .. })
        ));
        let (body, sig) =
            answer(serde_json::json!({ "resultCode": "3001", "message": "conflict" }));
        assert!(matches!(
            read_answer(KEY, &r, &body, Some(&sig)),
            Ok(Outcome::Refused { .. })
        ));
        assert_eq!(
            read_answer(KEY, &r, &body, Some("00")),
            Err(AnswerError::Signature)
        );
        assert_eq!(
            read_answer(KEY, &r, &body, None),
            Err(AnswerError::Signature)
        );
        let (body, sig) = answer(serde_json::json!({
            "resultCode": "0000", "transactionId": "1", "orderAmount": 150,
        }));
        assert_eq!(
            read_answer(KEY, &r, &body, Some(&sig)),
            Err(AnswerError::Amount)
        );
    }

    #[test]
    fn the_signature_is_the_simulators() {
        let (body, sig) = request().signed(KEY);
        assert_eq!(sig, ecpay_sim::wallet::signature(KEY, &body));
    }
}
