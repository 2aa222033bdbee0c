//! Payments through the simulators of ECPay's cashier and a wallet's point of sale (real HTTP
//! servers speaking the providers' protocols): the payer's journey online and the gateway's
//! notices (`online`), and the counter, refunds and an asking module's listener
//! (`counter_refunds`). Here: the app with both simulators, and what the tests share.

mod counter_refunds;
mod online;

use crate::support::{Browser, STAFF_PASSWORD, TestApp, send, session_cookie};
use crate::ui_staff::{get, pages, post};
use reqwest::Method;
use serde_json::{Value, json};

pub(super) struct Pay {
    pub(super) app: TestApp,
    pub(super) sim: Option<ecpay_sim::RunningSim>,
    pub(super) admin: Browser,
    pub(super) payer: Browser,
}

pub(super) async fn setup() -> Pay {
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
    pub(super) fn sim_url(&self) -> String {
        self.sim.as_ref().expect("the simulator runs").base_url()
    }

    pub(super) async fn ask(&self, reference: &str, amount: i64, counter: bool) -> Value {
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

    pub(super) async fn payment(&self, id: &str) -> Value {
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
    pub(super) async fn until(&self, id: &str, state: &str) -> Value {
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
    pub(super) async fn to_cashier(&self, id: &str) -> String {
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

    pub(super) async fn choose(
        &self,
        token: &str,
        choice: &str,
        notice: &str,
    ) -> reqwest::Response {
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
pub(super) fn hidden_fields(html: &str) -> Vec<(String, String)> {
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

pub(super) fn kinds(detail: &Value) -> Vec<String> {
    detail["events"]
        .as_array()
        .expect("events")
        .iter()
        .map(|e| e["kind"].as_str().unwrap_or_default().to_string())
        .collect()
}

pub(super) fn today() -> String {
    payments::app::reconcile::day_of(store::now_unix())
}

/// A supervisor who turned on an authenticator app and signed in again with it; their browser
/// and their recovery codes (the first used).
pub(super) async fn with_app(t: &Pay) -> (Browser, Vec<String>) {
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
