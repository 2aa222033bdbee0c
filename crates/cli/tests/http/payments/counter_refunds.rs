//! The counter (a wallet's barcode, cash), refunds with a step up, and an asking module's
//! listener.

use super::{setup, today, with_app};
use crate::support::{STAFF_PASSWORD, send};
use reqwest::Method;
use serde_json::json;

#[tokio::test]
async fn a_card_payment_is_refunded_through_the_gateway_with_a_step_up() {
    let t = setup().await;
    let id = t.ask("A-006", 15, false).await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let token = t.to_cashier(&id).await;
    t.choose(&token, "pay", "normal").await;
    t.until(&id, "success").await;
    // Without an authenticator app the step up cannot be made.
    let (status, body) = send(
        t.app
            .as_browser(&t.admin, Method::POST, &format!("payments/{id}/refunds"))
            .json(&json!({ "amount": 5, "reason": "多收", "code": "123456" })),
    )
    .await;
    assert_eq!(status, 403, "{body}");
    assert_eq!(body["errors"][0]["code"], "error-step-up-no-app");
    let (admin, codes) = with_app(&t).await;
    let refund = |amount: i64, code: &str| {
        t.app
            .as_browser(&admin, Method::POST, &format!("payments/{id}/refunds"))
            .json(&json!({ "amount": amount, "reason": "多收一份", "code": code }))
    };
    let (status, body) = send(refund(5, "000000")).await;
    assert_eq!(status, 400, "a wrong code: {body}");
    let (status, body) = send(refund(20, &codes[1])).await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["errors"][0]["code"], "error-refund-too-much");
    let (status, body) = send(refund(5, &codes[2])).await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["how"], "gateway");
    let (status, body) = send(refund(11, &codes[3])).await;
    assert_eq!(status, 400, "only 10 is left: {body}");
    let detail = t.payment(&id).await;
    assert_eq!(detail["payment"]["refunded"], 5);
    assert_eq!(detail["refunds"][0]["reason"], "多收一份");
    assert_eq!(detail["refunds"][0]["state"], "done");

    // A wallet payment goes back to the wallet.
    let wallet_id = t.ask("A-008", 15, true).await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let (status, body) = send(
        t.app
            .as_browser(
                &t.admin,
                Method::POST,
                &format!("payments/{wallet_id}/wallet"),
            )
            .json(&json!({ "barcode": "280000000000000002" })),
    )
    .await;
    assert_eq!(
        (status, body["paid"].as_bool()),
        (200, Some(true)),
        "{body}"
    );
    let (status, body) = send(
        t.app
            .as_browser(
                &admin,
                Method::POST,
                &format!("payments/{wallet_id}/refunds"),
            )
            .json(&json!({ "amount": 15, "reason": "申請撤回", "code": codes[4] })),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(
        (body["how"].as_str(), body["state"].as_str()),
        (Some("wallet"), Some("done"))
    );
    assert!(
        body["provider_ref"]
            .as_str()
            .is_some_and(|r| r.starts_with('R')),
        "{body}"
    );
    let (status, body) = send(
        t.app
            .as_browser(
                &admin,
                Method::POST,
                &format!("payments/{wallet_id}/refunds"),
            )
            .json(&json!({ "amount": 1, "reason": "again", "code": codes[5] })),
    )
    .await;
    assert_eq!(status, 400, "nothing is left: {body}");
}

#[tokio::test]
async fn at_the_counter_a_declined_wallet_then_a_paid_one_and_cash() {
    let t = setup().await;
    let id = t.ask("C-001", 15, true).await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let wallet = |barcode: &'static str| {
        t.app
            .as_browser(&t.admin, Method::POST, &format!("payments/{id}/wallet"))
            .json(&json!({ "barcode": barcode }))
    };
    // 張雅婷's wallet holds NT$10: declined, nothing taken, the payment may be taken again.
    let (status, body) = send(wallet("280000000000000004")).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        (body["paid"].as_bool(), body["declined_code"].as_str()),
        (Some(false), Some("2003"))
    );
    assert_eq!(body["payment"]["state"], "started");
    let (status, body) = send(wallet("280000000000000001")).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["paid"], true);
    assert_eq!(body["payment"]["state"], "success");
    assert_eq!(body["payment"]["method"], "wallet");
    assert_eq!(
        (
            body["payment"]["carrier_kind"].as_str(),
            body["payment"]["carrier_id"].as_str()
        ),
        (Some("3J0002"), Some("/ABC+123"))
    );
    // Cash against a receipt, whose number is used once.
    let cash_id = t.ask("C-002", 30, true).await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let cash = |id: &str| {
        t.app
            .as_browser(&t.admin, Method::POST, &format!("payments/{id}/cash"))
            .json(&json!({ "receipt": "R-115-000001" }))
    };
    let (status, body) = send(cash(&cash_id)).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        (body["state"].as_str(), body["provider_ref"].as_str()),
        (Some("success"), Some("R-115-000001"))
    );
    let other = t.ask("C-003", 30, true).await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let (status, body) = send(cash(&other)).await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["errors"][0]["code"], "error-cash-receipt-used");
    // A receipt number that happens to be another payment's reference is not "used".
    let (status, body) = send(
        t.app
            .as_browser(&t.admin, Method::POST, &format!("payments/{other}/cash"))
            .json(&json!({ "receipt": "C-002" })),
    )
    .await;
    assert_eq!(
        (status, body["state"].as_str()),
        (200, Some("success")),
        "{body}"
    );
    // Both are in the day's export.
    let r = t
        .app
        .as_browser(
            &t.admin,
            Method::GET,
            &format!("payments/export.csv?from={}&until={}", today(), today()),
        )
        .send()
        .await
        .expect("export");
    assert_eq!(r.status().as_u16(), 200);
    let csv = r.text().await.unwrap();
    assert!(
        csv.contains("R-115-000001") && csv.contains("wallet"),
        "{csv}"
    );
}

/// An asking module's listener, recording what it heard.
struct Heard {
    finished: std::sync::Mutex<Vec<(String, String)>>,
}

impl payments::PaymentListener for Heard {
    fn owner(&self) -> &'static str {
        "counter"
    }

    fn finished<'a>(
        &'a self,
        _tx: &'a mut store::Tx,
        payment: &'a payments::Payment,
    ) -> platform::jobs::BoxFuture<'a, platform::Result<()>> {
        Box::pin(async move {
            self.finished.lock().unwrap().push((
                payment.reference.clone(),
                payment.state.as_str().to_string(),
            ));
            Ok(())
        })
    }
}

#[tokio::test]
async fn the_asking_module_hears_its_payment_finish_once() {
    let t = setup().await;
    let heard = std::sync::Arc::new(Heard {
        finished: std::sync::Mutex::new(Vec::new()),
    });
    let app = t
        .app
        .modules()
        .payments
        .clone()
        .with_listener(heard.clone());
    let identity = &t.app.modules().identity;
    let session = identity
        .sign_in(
            "taipei.gov.tw",
            "pay.admin",
            STAFF_PASSWORD,
            "listener-test",
            None,
        )
        .await
        .expect("sign-in")
        .session;
    let clerk = identity
        .authenticate_session(&session.id, None)
        .await
        .expect("session")
        .expect("live")
        .1;
    let ask = |reference: &str| payments::PaymentAsk {
        reference: reference.into(),
        description: "戶籍謄本 1 份".into(),
        amount: 15,
        return_url: "/services/1".into(),
        payer_account_id: None,
        language: domain::Locale::ZhTw,
        counter: true,
    };
    let created = app
        .create_payment(&clerk, "counter", ask("APP-1"))
        .await
        .expect("asked");
    assert!(
        created
            .next_url
            .ends_with(&format!("/pay/{}", created.payment.id))
    );
    // Asking again under the reference finds the same payment.
    let again = app
        .create_payment(&clerk, "counter", ask("APP-1"))
        .await
        .expect("asked");
    assert!(again.existing && again.payment.id == created.payment.id);
    app.take_cash(&clerk, &created.payment.id, "R-LISTEN-1")
        .await
        .expect("paid");
    // Another module's payments are not its business.
    let other = app
        .create_payment(&clerk, "housing", ask("RENT-1"))
        .await
        .expect("asked");
    app.take_cash(&clerk, &other.payment.id, "R-LISTEN-2")
        .await
        .expect("paid");
    assert_eq!(
        *heard.finished.lock().unwrap(),
        vec![("APP-1".to_string(), "success".to_string())]
    );
}

#[tokio::test]
async fn a_refund_the_gateway_does_not_answer_stays_pending_until_settled_by_hand() {
    let mut t = setup().await;
    let id = t.ask("A-009", 15, false).await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let token = t.to_cashier(&id).await;
    t.choose(&token, "pay", "normal").await;
    t.until(&id, "success").await;
    let (admin, codes) = with_app(&t).await;
    // The gateway goes away before the refund.
    t.sim.take().expect("simulator").shutdown().await;
    let (status, body) = send(
        t.app
            .as_browser(&admin, Method::POST, &format!("payments/{id}/refunds"))
            .json(&json!({ "amount": 15, "reason": "重複繳費", "code": codes[1] })),
    )
    .await;
    assert_eq!(status, 503, "{body}");
    assert_eq!(body["errors"][0]["code"], "error-refund-unknown");
    let detail = t.payment(&id).await;
    assert_eq!(detail["refunds"][0]["state"], "pending");
    assert_eq!(detail["payment"]["refunded"], 15, "the amount is reserved");
    // Nothing more can be refunded while it is reserved.
    let (status, _) = send(
        t.app
            .as_browser(&admin, Method::POST, &format!("payments/{id}/refunds"))
            .json(&json!({ "amount": 1, "reason": "again", "code": codes[2] })),
    )
    .await;
    assert_eq!(status, 400);
    // Staff checked with ECPay: it did not refund. The reservation is released.
    let refund_id = detail["refunds"][0]["id"].as_str().unwrap().to_string();
    let resolve = |outcome: &'static str, code: &str| {
        t.app
            .as_browser(
                &admin,
                Method::POST,
                &format!("payments/{id}/refunds/{refund_id}/resolve"),
            )
            .json(&json!({ "outcome": outcome, "code": code }))
    };
    let (status, body) = send(resolve("refused", &codes[3])).await;
    assert_eq!(
        (status, body["state"].as_str()),
        (200, Some("refused")),
        "{body}"
    );
    assert_eq!(t.payment(&id).await["payment"]["refunded"], 0);
    let (status, body) = send(resolve("done", &codes[4])).await;
    assert_eq!(status, 400, "settled once: {body}");
    assert_eq!(body["errors"][0]["code"], "error-refund-not-pending");
}
