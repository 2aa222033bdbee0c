//! The payer's journey online and the gateway's notices.

use super::{hidden_fields, kinds, setup, today};
use crate::support::send;
use crate::ui_staff::{get, pages, post};
use reqwest::Method;
use serde_json::json;

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
