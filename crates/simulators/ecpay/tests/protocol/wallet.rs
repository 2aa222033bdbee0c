//! The wallet's point of sale: payments (idempotent by order number), declines, queries and
//! refunds, every message signed.

use super::*;
use civicdesk_ecpay_sim::wallet::signature;
use civicdesk_ecpay_sim::{DEMO_WALLET_KEY, DEMO_WALLET_MERCHANT_ID};
use serde_json::{Value, json};

async fn wallet_post(sim: &RunningSim, path: &str, body: &Value, key: &str) -> (StatusCode, Value) {
    let text = body.to_string();
    let request = Request::post(format!("{}{path}", sim.base_url()))
        .header(header::CONTENT_TYPE, "application/json")
        .header("X-Signature", signature(key, text.as_bytes()))
        .body(Full::new(Bytes::from(text)))
        .unwrap();
    let answer = send(request).await;
    let signed = answer.headers["x-signature"].to_str().unwrap();
    assert_eq!(signed, signature(DEMO_WALLET_KEY, answer.body.as_bytes()));
    (answer.status, serde_json::from_str(&answer.body).unwrap())
}

async fn wallet_get(sim: &RunningSim, no: &str) -> (StatusCode, Value) {
    let path = format!("/pos/v1/payments/{no}");
    let request = Request::get(format!("{}{path}", sim.base_url()))
        .header("X-Merchant-Id", DEMO_WALLET_MERCHANT_ID)
        .header("X-Signature", signature(DEMO_WALLET_KEY, path.as_bytes()))
        .body(Full::new(Bytes::new()))
        .unwrap();
    let answer = send(request).await;
    (answer.status, serde_json::from_str(&answer.body).unwrap())
}

fn payment(no: &str, amount: u64, barcode: &str, retry: u32) -> Value {
    json!({
        "merchantId": DEMO_WALLET_MERCHANT_ID,
        "merchantOrderNo": no,
        "orderAmount": amount,
        "paymentBarCode": barcode,
        "items": [{"name": "戶籍謄本", "quantity": 1, "amount": amount}],
        "tradeType": "IMMEDIATE",
        "retry": retry,
    })
}

async fn pay(sim: &RunningSim, body: &Value) -> (StatusCode, Value) {
    wallet_post(sim, "/pos/v1/payments", body, DEMO_WALLET_KEY).await
}

const CARRIER: &str = "280000000000000001";
const PLAIN: &str = "280000000000000002";
const LOW: &str = "280000000000000004";
const EXPIRED: &str = "280000000000000005";

#[tokio::test]
async fn a_wallet_payment_is_idempotent_under_its_order_number() {
    let sim = sim(|_| {}).await;
    let (status, first) = pay(&sim, &payment("POS1", 15, CARRIER, 0)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(first["resultCode"], "0000");
    assert_eq!(first["orderAmount"], 15);
    assert_eq!(
        first["invoiceCarrier"],
        json!({"type": "3J0002", "id": "/ABC+123"})
    );
    assert_eq!(first["transactionId"].as_str().unwrap().len(), 18);
    assert!(first["paidAt"].as_str().unwrap().ends_with("+08:00"));

    let (status, again) = pay(&sim, &payment("POS1", 15, CARRIER, 1)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(again, first);
    let (status, reused) = pay(&sim, &payment("POS1", 15, CARRIER, 0)).await;
    assert_eq!(
        (status, &reused["resultCode"]),
        (StatusCode::CONFLICT, &json!("3003"))
    );
    let (status, conflict) = pay(&sim, &payment("POS1", 16, CARRIER, 1)).await;
    assert_eq!(
        (status, &conflict["resultCode"]),
        (StatusCode::CONFLICT, &json!("3001"))
    );

    let (_, plain) = pay(&sim, &payment("POS2", 20, PLAIN, 0)).await;
    assert_eq!(plain["resultCode"], "0000");
    assert!(plain.get("invoiceCarrier").is_none());

    let (status, query) = wallet_get(&sim, "POS1").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(query["status"], "PAID");
    assert_eq!(query["transactionId"], first["transactionId"]);
    assert_eq!(query["invoiceCarrier"]["id"], "/ABC+123");
    let (status, none) = wallet_get(&sim, "POS404").await;
    assert_eq!(
        (status, &none["resultCode"]),
        (StatusCode::NOT_FOUND, &json!("3002"))
    );
}

#[tokio::test]
async fn a_wallet_payment_is_declined_for_a_bad_barcode_or_balance_and_refused_unsigned() {
    let sim = sim(|_| {}).await;
    for (no, barcode, code) in [
        ("POSX1", "999999999999999999", "2001"),
        ("POSX2", EXPIRED, "2002"),
        ("POSX3", LOW, "2003"),
    ] {
        let (status, answer) = pay(&sim, &payment(no, 15, barcode, 0)).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(answer["resultCode"], code, "{barcode}");
        assert!(answer.get("transactionId").is_none());
    }
    let (_, declined) = wallet_get(&sim, "POSX3").await;
    assert_eq!(declined["status"], "DECLINED");
    assert_eq!(declined["paymentResultCode"], "2003");
    // The low wallet can still pay what it holds.
    assert_eq!(
        pay(&sim, &payment("POSX4", 10, LOW, 0)).await.1["resultCode"],
        "0000"
    );

    let body = payment("POSX5", 15, PLAIN, 0);
    let (status, answer) = wallet_post(&sim, "/pos/v1/payments", &body, "another-key-of-16+").await;
    assert_eq!(
        (status, &answer["resultCode"]),
        (StatusCode::UNAUTHORIZED, &json!("1001"))
    );
    let mut bad = payment("POSX6", 15, PLAIN, 0);
    bad["items"][0]["amount"] = json!(14);
    let (status, answer) = pay(&sim, &bad).await;
    assert_eq!(
        (status, &answer["resultCode"]),
        (StatusCode::BAD_REQUEST, &json!("1002"))
    );
    let mut other = payment("POSX7", 15, PLAIN, 0);
    other["merchantId"] = json!("SOMEONE-ELSE");
    assert_eq!(pay(&sim, &other).await.0, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn a_wallet_refund_gives_back_at_most_what_was_paid() {
    let sim = sim(|_| {}).await;
    assert_eq!(
        pay(&sim, &payment("POSR1", 100, PLAIN, 0)).await.1["resultCode"],
        "0000"
    );
    let refund = |no: &str, amount: u64| {
        json!({
            "merchantId": DEMO_WALLET_MERCHANT_ID, "merchantOrderNo": "POSR1",
            "merchantRefundNo": no, "refundAmount": amount,
        })
    };
    let post = |body: Value| {
        let sim = &sim;
        async move { wallet_post(sim, "/pos/v1/refunds", &body, DEMO_WALLET_KEY).await }
    };
    let (status, first) = post(refund("RF1", 60)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(first["resultCode"], "0000");
    assert_eq!(first["refundedTotal"], 60);
    assert_eq!(post(refund("RF1", 60)).await.1, first, "idempotent");
    assert_eq!(post(refund("RF1", 50)).await.0, StatusCode::CONFLICT);
    let (_, beyond) = post(refund("RF2", 41)).await;
    assert_eq!(beyond["resultCode"], "4001");
    assert_eq!(
        wallet_get(&sim, "POSR1").await.1["status"],
        "PARTIALLY_REFUNDED"
    );
    assert_eq!(post(refund("RF3", 40)).await.1["resultCode"], "0000");
    let (_, query) = wallet_get(&sim, "POSR1").await;
    assert_eq!(
        (&query["status"], &query["refundedAmount"]),
        (&json!("REFUNDED"), &json!(100))
    );
    let mut unknown = refund("RF4", 1);
    unknown["merchantOrderNo"] = json!("POSNONE");
    assert_eq!(post(unknown).await.0, StatusCode::NOT_FOUND);
}
