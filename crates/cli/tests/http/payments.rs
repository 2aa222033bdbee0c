//! Payments through the simulators of ECPay's cashier and a wallet's point of sale (real HTTP
//! servers speaking the providers' protocols): a payment paid with a duplicated notice, one
//! that fails and is tried again, one cancelled at the cashier, one whose notice is lost and
//! is settled by reconciliation, forged and changed notices, a refund with a step up, and the
//! counter's wallet (declined, then paid) and cash.

use crate::support::{Browser, STAFF_PASSWORD, TestApp, send, session_cookie};
use crate::ui_staff::{get, pages, post};
use reqwest::Method;
use serde_json::{Value, json};

struct Pay {
    app: TestApp,
    sim: Option<ecpay_sim::RunningSim>,
    admin: Browser,
    payer: Browser,
}

async fn setup() -> Pay {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let mut config = ecpay_sim::SimConfig::demo();
    config.retry_seconds = vec![1, 1];
    let sim = ecpay_sim::start(config, listener).await.expect("simulator");
    let base = sim.base_url();
    let app = TestApp::start_with(|c| {
        c.payments = platform::payment_providers::PaymentProviders {
            ecpay: Some(platform::payment_providers::EcpayAccount {
                base_url: base.clone(),
                merchant_id: ecpay_sim::DEMO_MERCHANT_ID.into(),
                hash_key: ecpay_sim::DEMO_HASH_KEY.into(),
                hash_iv: ecpay_sim::DEMO_HASH_IV.into(),
            }),
            wallet: Some(platform::payment_providers::WalletAccount {
                base_url: base.clone(),
                merchant_id: ecpay_sim::DEMO_WALLET_MERCHANT_ID.into(),
                key: ecpay_sim::DEMO_WALLET_KEY.into(),
            }),
        };
    })
    .await;
    app.staff("pay.admin", &["jurisdiction_admin"]).await;
    let admin = app.sign_in("pay.admin", STAFF_PASSWORD).await;
    app.citizen("payer@example.tw", "lantern-kite-harbour-7")
        .await;
    let payer = app
        .sign_in("payer@example.tw", "lantern-kite-harbour-7")
        .await;
    Pay {
        app,
        sim: Some(sim),
        admin,
        payer,
    }
}

impl Pay {
    fn sim_url(&self) -> String {
        self.sim.as_ref().expect("the simulator runs").base_url()
    }

    async fn ask(&self, reference: &str, amount: i64, counter: bool) -> Value {
        let (status, body) = send(
            self.app
                .as_browser(&self.admin, Method::POST, "payments")
                .json(&json!({
                    "reference": reference,
                    "description": "戶籍謄本 1 份",
                    "amount": amount,
                    "return_url": "/",
                    "counter": counter,
                })),
        )
        .await;
        assert_eq!(status, 201, "{body}");
        body
    }

    async fn payment(&self, id: &str) -> Value {
        let (status, body) = send(self.app.as_browser(
            &self.admin,
            Method::GET,
            &format!("payments/{id}"),
        ))
        .await;
        assert_eq!(status, 200, "{body}");
        body
    }

    /// Waits until the payment reaches `state` (the notice comes from the simulator).
    async fn until(&self, id: &str, state: &str) -> Value {
        for _ in 0..100 {
            let body = self.payment(id).await;
            if body["payment"]["state"] == state {
                return body;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        panic!("{id} never reached {state}: {}", self.payment(id).await);
    }

    /// The payer presses "pay" and posts the page's form to the cashier; the cashier's token.
    async fn to_cashier(&self, id: &str) -> String {
        let summary = get(&self.app, &self.payer, &format!("/pay/{id}")).await;
        assert_eq!(summary.status, 200, "{}", summary.body);
        assert!(summary.body.contains("NT$15"), "{}", summary.body);
        let page = post(&self.app, &self.payer, &format!("/pay/{id}/go"), &[]).await;
        assert_eq!(page.status, 200, "{}", page.body);
        let action = format!("{}/Cashier/AioCheckOut/V5", self.sim_url());
        assert!(
            page.body.contains(&format!("action=\"{action}\"")),
            "{}",
            page.body
        );
        let fields = hidden_fields(&page.body);
        assert!(fields.iter().any(|(k, _)| k == "CheckMacValue"));
        let cashier = pages()
            .post(&action)
            .form(&fields)
            .send()
            .await
            .expect("cashier");
        assert_eq!(cashier.status().as_u16(), 200);
        let html = cashier.text().await.expect("page");
        let at = html
            .find("/Cashier/AioCheckOut/V5/")
            .expect("the choice form");
        html[at + "/Cashier/AioCheckOut/V5/".len()..]
            .chars()
            .take_while(char::is_ascii_hexdigit)
            .collect()
    }

    async fn choose(&self, token: &str, choice: &str, notice: &str) -> reqwest::Response {
        pages()
            .post(format!(
                "{}/Cashier/AioCheckOut/V5/{token}/choice",
                self.sim_url()
            ))
            .form(&[("choice", choice), ("method", "Credit"), ("notice", notice)])
            .send()
            .await
            .expect("choice")
    }
}

/// The hidden fields of the page's form, unescaped.
fn hidden_fields(html: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for part in html.split("<input type=\"hidden\" name=\"").skip(1) {
        let Some((name, rest)) = part.split_once('"') else {
            continue;
        };
        let Some(value) = rest
            .split("value=\"")
            .nth(1)
            .and_then(|v| v.split('"').next())
        else {
            continue;
        };
        if name == "_csrf" {
            continue;
        }
        let value = value
            .replace("&#x2f;", "/")
            .replace("&#47;", "/")
            .replace("&quot;", "\"")
            .replace("&#x27;", "'")
            .replace("&#39;", "'")
            .replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&amp;", "&");
        out.push((name.to_string(), value));
    }
    out
}

fn kinds(detail: &Value) -> Vec<String> {
    detail["events"]
        .as_array()
        .expect("events")
        .iter()
        .map(|e| e["kind"].as_str().unwrap_or_default().to_string())
        .collect()
}

#[tokio::test]
async fn paid_at_the_cashier_once_though_the_notice_comes_twice() {
    let t = setup().await;
    let asked = t.ask("A-001", 15, false).await;
    let id = asked["id"].as_str().expect("id").to_string();
    assert!(
        asked["next_url"]
            .as_str()
            .unwrap()
            .ends_with(&format!("/pay/{id}"))
    );
    // Asking again under the same reference (a double click) finds the same payment.
    let (status, again) = send(
        t.app.as_browser(&t.admin, Method::POST, "payments").json(&json!({
            "reference": "A-001", "description": "戶籍謄本 1 份", "amount": 15, "return_url": "/",
        })),
    )
    .await;
    assert_eq!((status, again["id"].as_str()), (200, Some(id.as_str())));

    let token = t.to_cashier(&id).await;
    let outcome = t.choose(&token, "pay", "duplicate").await;
    assert_eq!(outcome.status().as_u16(), 200);
    let detail = t.until(&id, "success").await;
    assert_eq!(detail["payment"]["payment_type"], "Credit_CreditCard");
    assert_eq!(
        kinds(&detail).iter().filter(|k| *k == "paid").count(),
        1,
        "{detail}"
    );
    // Both notices were answered `1|OK` (the simulator stops re-sending), the second as a
    // duplicate; the payment's history says paid once.
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let html = get(&t.app, &t.admin, &format!("/staff/payments/{id}")).await;
    assert_eq!(html.status, 200, "{}", html.body);
    assert!(
        html.body.contains("duplicate") && html.body.contains("settled"),
        "{}",
        html.body
    );

    // The payer sees the outcome and a receipt.
    let back = get(&t.app, &t.payer, &format!("/pay/{id}/back")).await;
    assert_eq!(back.status, 303);
    let page = get(&t.app, &t.payer, &format!("/pay/{id}")).await;
    assert!(
        page.body.contains(&format!("/pay/{id}/receipt")),
        "{}",
        page.body
    );
    let receipt = get(&t.app, &t.payer, &format!("/pay/{id}/receipt")).await;
    assert_eq!(receipt.status, 200);
    assert!(
        receipt
            .body
            .contains(detail["payment"]["trade_no"].as_str().unwrap())
    );
    // A paid reference is not asked for again.
    let (status, body) = send(
        t.app.as_browser(&t.admin, Method::POST, "payments").json(&json!({
            "reference": "A-001", "description": "戶籍謄本 1 份", "amount": 15, "return_url": "/",
        })),
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(body["errors"][0]["code"], "error-payment-already-paid");
    // The day's reconciliation matches.
    let (status, report) = send(t.app.as_browser(
        &t.admin,
        Method::GET,
        &format!("payments/reconciliation?day={}&method=ecpay", today()),
    ))
    .await;
    assert_eq!(status, 200, "{report}");
    assert_eq!(report["lines"][0]["finding"], "matched", "{report}");
    assert_eq!(report["ours_total"], 15);
}

fn today() -> String {
    payments::app::reconcile::day_of(store::now_unix())
}

#[tokio::test]
async fn a_failed_payment_is_tried_again_as_a_new_one() {
    let t = setup().await;
    let id = t.ask("A-002", 15, false).await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let token = t.to_cashier(&id).await;
    t.choose(&token, "fail", "normal").await;
    let detail = t.until(&id, "failed").await;
    assert!(
        detail["payment"]["failure"]
            .as_str()
            .unwrap()
            .contains("10100058")
    );
    let page = get(&t.app, &t.payer, &format!("/pay/{id}")).await;
    assert!(
        page.body.contains(&format!("/pay/{id}/again")),
        "{}",
        page.body
    );
    let again = post(&t.app, &t.payer, &format!("/pay/{id}/again"), &[]).await;
    assert_eq!(again.status, 303, "{}", again.body);
    let to = again.location.expect("the new payment");
    assert!(
        to.starts_with("/pay/") && to != format!("/pay/{id}"),
        "{to}"
    );
    let new_id = to.trim_start_matches("/pay/").to_string();
    let new = t.payment(&new_id).await;
    assert_eq!(new["payment"]["retry_of"], id.as_str());
    assert_eq!(new["payment"]["reference"], "A-002");
    let token = t.to_cashier(&new_id).await;
    t.choose(&token, "pay", "normal").await;
    t.until(&new_id, "success").await;
}

#[tokio::test]
async fn cancelled_at_the_cashier_the_gateway_is_asked_on_the_way_back() {
    let t = setup().await;
    let id = t.ask("A-003", 15, false).await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let token = t.to_cashier(&id).await;
    let r = t.choose(&token, "cancel", "normal").await;
    assert_eq!(r.status().as_u16(), 303);
    let back = r.headers()["location"].to_str().unwrap().to_string();
    let path = &back[back.find("/pay/").expect("our back URL")..];
    let came = get(&t.app, &t.payer, path).await;
    assert_eq!(came.status, 303, "{}", came.body);
    let detail = t.payment(&id).await;
    assert_eq!(detail["payment"]["state"], "cancelled", "{detail}");
    assert!(kinds(&detail).contains(&"cancelled".to_string()));
}

#[tokio::test]
async fn a_lost_notice_is_settled_by_reconciliation() {
    let t = setup().await;
    let id = t.ask("A-004", 15, false).await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let token = t.to_cashier(&id).await;
    t.choose(&token, "pay", "withhold").await;
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    assert_eq!(t.payment(&id).await["payment"]["state"], "submitted");
    // Before anyone asks, the report cannot say what the gateway holds.
    let (_, report) = send(t.app.as_browser(
        &t.admin,
        Method::GET,
        &format!("payments/reconciliation?day={}&method=ecpay", today()),
    ))
    .await;
    assert_eq!(report["unchecked"], 1, "{report}");
    let (status, pass) = send(
        t.app
            .as_browser(&t.admin, Method::POST, "payments/reconciliation/check")
            .json(&json!({ "day": today(), "method": "ecpay" })),
    )
    .await;
    assert_eq!(status, 200, "{pass}");
    assert_eq!(
        (pass["asked"].as_u64(), pass["settled"].as_u64()),
        (Some(1), Some(1))
    );
    let detail = t.payment(&id).await;
    assert_eq!(detail["payment"]["state"], "success");
    let paid = detail["events"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["kind"] == "paid")
        .expect("paid");
    assert!(
        paid["actor"].as_str().unwrap().contains("QueryTradeInfo"),
        "{paid}"
    );
    // The event chain holds.
    let report = t
        .app
        .modules()
        .payments
        .verify_event_chain("taipei.gov.tw")
        .await
        .unwrap();
    assert!(
        matches!(report, store::chain::ChainReport::Intact { .. }),
        "{report:?}"
    );
}

#[tokio::test]
async fn forged_changed_and_unknown_notices_are_refused_and_logged() {
    let t = setup().await;
    let id = t.ask("A-005", 15, false).await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let token = t.to_cashier(&id).await;
    t.choose(&token, "pay", "withhold").await;
    let trade_no = t.payment(&id).await["payment"]["trade_no"]
        .as_str()
        .unwrap()
        .to_string();
    let keys = (ecpay_sim::DEMO_HASH_KEY, ecpay_sim::DEMO_HASH_IV);
    let notice = |amount: &str, trade: &str| {
        let mut fields = vec![
            ("MerchantID", ecpay_sim::DEMO_MERCHANT_ID.to_string()),
            ("MerchantTradeNo", trade.to_string()),
            ("RtnCode", "1".to_string()),
            ("RtnMsg", "交易成功".to_string()),
            ("TradeNo", "2612070000001234".to_string()),
            ("TradeAmt", amount.to_string()),
            ("PaymentDate", "2026/12/07 09:00:00".to_string()),
            ("PaymentType", "Credit_CreditCard".to_string()),
        ];
        let pairs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let mac = ecpay_sim::mac::check_mac_value(keys.0, keys.1, &pairs);
        fields.push(("CheckMacValue", mac));
        fields
    };
    let url = format!("{}/payments/ecpay/notice", t.app.base);
    let client = pages();
    let send_notice = |fields: Vec<(&'static str, String)>| {
        let client = client.clone();
        let url = url.clone();
        async move {
            let r = client
                .post(&url)
                .form(&fields)
                .send()
                .await
                .expect("notice");
            (r.status().as_u16(), r.text().await.unwrap_or_default())
        }
    };
    let mut forged = notice("15", &trade_no);
    forged.last_mut().unwrap().1 = "0".repeat(64);
    assert_eq!(send_notice(forged).await, (400, "0|signature".to_string()));
    assert_eq!(
        send_notice(notice("1500", &trade_no)).await,
        (400, "0|amount".to_string())
    );
    assert_eq!(
        send_notice(notice("15", "CDNOSUCHTRADE0000000")).await,
        (400, "0|unknown-trade".to_string())
    );
    assert_eq!(t.payment(&id).await["payment"]["state"], "submitted");
    // The genuine one settles it, and a replay is taken as a duplicate.
    assert_eq!(
        send_notice(notice("15", &trade_no)).await,
        (200, "1|OK".to_string())
    );
    assert_eq!(
        send_notice(notice("15", &trade_no)).await,
        (200, "1|OK".to_string())
    );
    let detail = t.payment(&id).await;
    assert_eq!(detail["payment"]["state"], "success");
    assert_eq!(kinds(&detail).iter().filter(|k| *k == "paid").count(), 1);
    let html = get(&t.app, &t.admin, &format!("/staff/payments/{id}")).await;
    for outcome in ["refused:amount", "settled", "duplicate"] {
        assert!(html.body.contains(outcome), "{outcome}: {}", html.body);
    }
}

/// A supervisor who turned on an authenticator app and signed in again with it; their browser
/// and their recovery codes (the first used).
async fn with_app(t: &Pay) -> (Browser, Vec<String>) {
    t.app.staff("pay.boss", &["supervisor"]).await;
    let boss = t.app.sign_in("pay.boss", STAFF_PASSWORD).await;
    let (status, setup) = send(t.app.as_browser(&boss, Method::POST, "me/second-factor")).await;
    assert_eq!(status, 200, "{setup}");
    let secret = domain::totp::TotpSecret::from_base32(setup["secret"].as_str().unwrap()).unwrap();
    let (status, confirmed) = send(
        t.app
            .as_browser(&boss, Method::POST, "me/second-factor/confirm")
            .json(&json!({ "code": domain::totp::code_at(&secret, store::now_unix()) })),
    )
    .await;
    assert_eq!(status, 200, "{confirmed}");
    let codes: Vec<String> = serde_json::from_value(confirmed["recovery_codes"].clone()).unwrap();
    let (_, _, half) = t.app.try_sign_in("pay.boss", STAFF_PASSWORD).await;
    let half = half.expect("half");
    let r = t
        .app
        .as_browser(&half, Method::POST, "auth/second-factor")
        .json(&json!({ "code": codes[0] }))
        .send()
        .await
        .expect("second factor");
    let cookie = session_cookie(&r).expect("a full session");
    let body: Value = r.json().await.expect("json");
    (
        Browser {
            cookie,
            csrf: body["csrf_token"].as_str().unwrap_or_default().to_string(),
        },
        codes,
    )
}

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

#[tokio::test]
async fn a_trade_left_at_the_cashier_still_settles_its_payment() {
    let t = setup().await;
    let id = t.ask("A-007", 15, false).await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let first = t.payment(&id).await["payment"]["trade_no"]
        .as_str()
        .unwrap()
        .to_string();
    let left = t.to_cashier(&id).await;
    // The payer comes back without choosing and presses "pay" again: the gateway holds the
    // first trade unpaid, so the payment goes on under a new trade number.
    let again = post(&t.app, &t.payer, &format!("/pay/{id}/go"), &[]).await;
    assert_eq!(again.status, 200, "{}", again.body);
    let fields = hidden_fields(&again.body);
    let second = fields
        .iter()
        .find(|(k, _)| k == "MerchantTradeNo")
        .map(|(_, v)| v.clone())
        .expect("a trade number");
    assert_ne!(second, first);
    assert!(kinds(&t.payment(&id).await).contains(&"resubmitted".to_string()));
    // The first cashier tab is paid after all: its notice finds the payment and settles it.
    t.choose(&left, "pay", "normal").await;
    let detail = t.until(&id, "success").await;
    assert_eq!(
        kinds(&detail).iter().filter(|k| *k == "paid").count(),
        1,
        "{detail}"
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

#[tokio::test]
async fn a_gateway_down_before_the_cashier_says_so_and_the_payment_waits() {
    let mut t = setup().await;
    let id = t.ask("A-010", 15, false).await["id"]
        .as_str()
        .unwrap()
        .to_string();
    // A double click on "pay" hands the same trade to the cashier twice, not two payments.
    let summary = get(&t.app, &t.payer, &format!("/pay/{id}")).await;
    assert_eq!(summary.status, 200);
    let trade = |body: &str| {
        hidden_fields(body)
            .into_iter()
            .find(|(k, _)| k == "MerchantTradeNo")
            .map(|(_, v)| v)
    };
    let first = post(&t.app, &t.payer, &format!("/pay/{id}/go"), &[]).await;
    let second = post(&t.app, &t.payer, &format!("/pay/{id}/go"), &[]).await;
    assert_eq!((first.status, second.status), (200, 200));
    assert!(trade(&first.body).is_some());
    assert_eq!(trade(&first.body), trade(&second.body));
    // Another payment, with the gateway gone: the payer is told, and nothing changes.
    let other = t.ask("A-011", 15, false).await["id"]
        .as_str()
        .unwrap()
        .to_string();
    get(&t.app, &t.payer, &format!("/pay/{other}")).await;
    t.sim.take().expect("simulator").shutdown().await;
    let down = post(&t.app, &t.payer, &format!("/pay/{other}/go"), &[]).await;
    assert_eq!(down.status, 503, "{}", down.body);
    assert!(
        down.body.contains("金流服務暫時沒有回應")
            || down
                .body
                .contains("The payment service is not answering just now"),
        "{}",
        down.body
    );
    assert!(
        down.body.contains(&format!("action=\"/pay/{other}/go\"")),
        "pay stays offered"
    );
    assert_eq!(t.payment(&other).await["payment"]["state"], "started");
}
