//! ECPay's AIO: checkout, the cashier's choices, the server notices, `QueryTradeInfo` and card
//! refunds.

use super::*;
use civicdesk_ecpay_sim::DEMO_MERCHANT_ID;

/// The merchant's checkout form for `no`, unsigned.
fn checkout(merchant: &Merchant, no: &str, amount: &str) -> Fields {
    owned(&[
        ("MerchantID", DEMO_MERCHANT_ID),
        ("MerchantTradeNo", no),
        ("MerchantTradeDate", "2026/05/01 09:30:00"),
        ("PaymentType", "aio"),
        ("TotalAmount", amount),
        ("TradeDesc", "civicdesk 規費 fees"),
        ("ItemName", "戶籍謄本 household transcript#郵寄 postage"),
        ("ReturnURL", &merchant.notice_url()),
        ("OrderResultURL", "http://127.0.0.1:9/payments/return"),
        ("ClientBackURL", "http://127.0.0.1:9/payments/back"),
        ("ChoosePayment", "ALL"),
        ("EncryptType", "1"),
        ("CustomField1", "fee:transcript"),
    ])
}

/// Opens the cashier for `fields` and returns the choice URL.
async fn open_cashier(sim: &RunningSim, fields: Fields) -> String {
    let page = post_form(
        &format!("{}/Cashier/AioCheckOut/V5", sim.base_url()),
        &sign(fields),
    )
    .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let start = page.body.find("action=\"/Cashier/AioCheckOut/V5/").unwrap() + 8;
    let end = start + page.body[start..].find('"').unwrap();
    format!("{}{}", sim.base_url(), &page.body[start..end])
}

async fn choose(choice_url: &str, choice: &str, method: &str, notice: &str) -> Answer {
    post_form(
        choice_url,
        &owned(&[("choice", choice), ("method", method), ("notice", notice)]),
    )
    .await
}

async fn query_trade(sim: &RunningSim, no: &str, timestamp: i64) -> Answer {
    let fields = sign(owned(&[
        ("MerchantID", DEMO_MERCHANT_ID),
        ("MerchantTradeNo", no),
        ("TimeStamp", &timestamp.to_string()),
    ]));
    let url = format!("{}/Cashier/QueryTradeInfo/V5", sim.base_url());
    post_form(&url, &fields).await
}

#[tokio::test]
async fn the_cashier_page_shows_the_trade_and_three_choices_without_script() {
    let merchant = Merchant::start("1|OK").await;
    let sim = sim(|_| {}).await;
    let url = format!("{}/Cashier/AioCheckOut/V5", sim.base_url());
    let page = post_form(&url, &sign(checkout(&merchant, "CDPAGE1", "150"))).await;
    assert_eq!(page.status, StatusCode::OK);
    let html = page.body;
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(html.contains(r#"<html lang="zh-Hant-TW">"#));
    assert!(html.contains("NT$ 150"));
    assert!(html.contains("<li>戶籍謄本 household transcript</li>"));
    assert!(html.contains("<li>郵寄 postage</li>"));
    assert!(html.contains(DEMO_MERCHANT_ID));
    for choice in ["pay", "fail", "cancel"] {
        assert!(html.contains(&format!(r#"name="choice" value="{choice}""#)));
    }
    assert!(!html.contains("<script"));
}

#[tokio::test]
async fn checkout_refuses_a_bad_signature_a_used_trade_number_and_a_bad_amount() {
    let merchant = Merchant::start("1|OK").await;
    let sim = sim(|_| {}).await;
    let url = format!("{}/Cashier/AioCheckOut/V5", sim.base_url());

    let mut forged = sign(checkout(&merchant, "CDBAD1", "150"));
    forged[4].1 = "15".into(); // TotalAmount changed after signing
    let page = post_form(&url, &forged).await;
    assert_eq!(page.status, StatusCode::BAD_REQUEST);
    assert!(page.body.contains("10200073"), "{}", page.body);

    let fields = sign(checkout(&merchant, "CDBAD2", "150"));
    assert_eq!(post_form(&url, &fields).await.status, StatusCode::OK);
    let again = post_form(&url, &fields).await;
    assert_eq!(again.status, StatusCode::BAD_REQUEST);
    assert!(again.body.contains("already been used"), "{}", again.body);

    for amount in ["0", "-5", "1.5", "abc", ""] {
        let page = post_form(&url, &sign(checkout(&merchant, "CDBAD3", amount))).await;
        assert_eq!(page.status, StatusCode::BAD_REQUEST, "{amount}");
        assert!(page.body.contains("TotalAmount"), "{amount}");
    }

    let mut fields = checkout(&merchant, "CD-BAD-4", "150");
    fields[0].1 = "2000132".into();
    fields.retain(|(k, _)| k != "ItemName");
    let page = post_form(&url, &sign(fields)).await;
    assert_eq!(page.status, StatusCode::BAD_REQUEST);
    for field in ["MerchantID", "MerchantTradeNo", "ItemName"] {
        assert!(
            page.body.contains(&format!("<code>{field}</code>")),
            "{field}"
        );
    }
    assert!(merchant.notices().is_empty());
}

#[tokio::test]
async fn a_payment_sends_one_signed_notice_and_no_retry_once_acknowledged() {
    let merchant = Merchant::start("1|OK").await;
    let sim = sim(|c| c.retry_seconds = vec![1]).await;
    let choice = open_cashier(&sim, checkout(&merchant, "CDPAID1", "500")).await;
    let page = choose(&choice, "pay", "Credit", "normal").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("付款成功"));
    assert!(
        page.body
            .contains(r#"action="http://127.0.0.1:9/payments/return""#)
    );
    let notices = merchant.wait_for(1).await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(merchant.notices().len(), 1, "acknowledged: no retry");
    let notice = decode(&notices[0].1);
    assert!(signature_ok(&notice));
    let names: Vec<&str> = notice.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(
        names,
        [
            "MerchantID",
            "MerchantTradeNo",
            "StoreID",
            "RtnCode",
            "RtnMsg",
            "TradeNo",
            "TradeAmt",
            "PaymentDate",
            "PaymentType",
            "PaymentTypeChargeFee",
            "TradeDate",
            "SimulatePaid",
            "CustomField1",
            "CustomField2",
            "CustomField3",
            "CustomField4",
            "CheckMacValue"
        ]
    );
    assert_eq!(get(&notice, "MerchantID"), DEMO_MERCHANT_ID);
    assert_eq!(get(&notice, "MerchantTradeNo"), "CDPAID1");
    assert_eq!(get(&notice, "RtnCode"), "1");
    assert_eq!(get(&notice, "RtnMsg"), "交易成功");
    assert_eq!(get(&notice, "TradeAmt"), "500");
    assert_eq!(get(&notice, "PaymentType"), "Credit_CreditCard");
    assert_eq!(get(&notice, "PaymentTypeChargeFee"), "14");
    assert_eq!(get(&notice, "SimulatePaid"), "0");
    assert_eq!(get(&notice, "CustomField1"), "fee:transcript");
    let trade_no = get(&notice, "TradeNo");
    assert_eq!(trade_no.len(), 16);
    assert!(trade_no.bytes().all(|b| b.is_ascii_digit()));
    assert_eq!(get(&notice, "PaymentDate").len(), 19);
    // The browser's return carries the same signed fields.
    for (name, value) in &notice {
        let value = value.replace('&', "&amp;");
        assert!(
            page.body
                .contains(&format!(r#"name="{name}" value="{value}""#)),
            "{name}"
        );
    }
    // A second click shows the outcome again and sends nothing more.
    let again = choose(&choice, "fail", "Credit", "normal").await;
    assert!(again.body.contains("付款成功"));
    let cashier = choice.trim_end_matches("/choice");
    let request = Request::get(cashier).body(Full::new(Bytes::new())).unwrap();
    assert!(send(request).await.body.contains("付款成功"));
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(merchant.notices().len(), 1);
}

#[tokio::test]
async fn an_unacknowledged_notice_is_retried_on_the_schedule() {
    let merchant = Merchant::start("OK").await;
    let sim = sim(|c| c.retry_seconds = vec![1, 1]).await;
    let choice = open_cashier(&sim, checkout(&merchant, "CDRETRY1", "300")).await;
    choose(&choice, "pay", "Credit", "normal").await;
    let notices = merchant.wait_for(3).await;
    assert_eq!(notices.len(), 3);
    // The re-sends are the same notice, in ECPay's words for them, signed again.
    let first = decode(&notices[0].1);
    assert_eq!(get(&first, "RtnMsg"), "交易成功");
    assert_eq!(notices[1].1, notices[2].1);
    let resent = decode(&notices[1].1);
    assert!(signature_ok(&resent));
    assert_eq!(get(&resent, "RtnMsg"), "paid");
    for (name, value) in &first {
        if name != "RtnMsg" && name != "CheckMacValue" {
            assert_eq!(get(&resent, name), value, "{name}");
        }
    }
    for pair in notices.windows(2) {
        let gap = pair[1].0 - pair[0].0;
        assert!(gap >= Duration::from_millis(900), "{gap:?}");
    }
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(merchant.notices().len(), 3, "the schedule is spent");

    // Acknowledged on the second attempt: no third.
    let merchant = Merchant::start("1|OK ").await;
    let choice = open_cashier(&sim, checkout(&merchant, "CDRETRY2", "300")).await;
    choose(&choice, "pay", "Credit", "normal").await;
    merchant.wait_for(1).await;
    *merchant.answer.lock().unwrap() = "1|OK";
    merchant.wait_for(2).await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(merchant.notices().len(), 2);
}

#[tokio::test]
async fn a_withheld_notice_is_never_sent_and_the_query_says_paid() {
    let merchant = Merchant::start("1|OK").await;
    let sim = sim(|_| {}).await;
    let choice = open_cashier(&sim, checkout(&merchant, "CDHOLD1", "250")).await;
    let pending = query_trade(&sim, "CDHOLD1", now()).await;
    assert_eq!(get(&decode(&pending.body), "TradeStatus"), "0");
    choose(&choice, "pay", "Credit", "withhold").await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert!(merchant.notices().is_empty());
    let answer = query_trade(&sim, "CDHOLD1", now()).await;
    assert_eq!(answer.status, StatusCode::OK);
    let fields = decode(&answer.body);
    assert!(signature_ok(&fields));
    assert_eq!(get(&fields, "TradeStatus"), "1");
    assert_eq!(get(&fields, "TradeAmt"), "250");
    assert_eq!(get(&fields, "PaymentType"), "Credit_CreditCard");
    assert_eq!(
        get(&fields, "ItemName"),
        "戶籍謄本 household transcript#郵寄 postage"
    );
    assert_eq!(get(&fields, "CustomField1"), "fee:transcript");
    assert_eq!(get(&fields, "TradeNo").len(), 16);

    // The configuration's default does the same.
    let sim = self::sim(|c| c.withhold_notices = true).await;
    let choice = open_cashier(&sim, checkout(&merchant, "CDHOLD2", "250")).await;
    post_form(&choice, &owned(&[("choice", "pay")])).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(merchant.notices().is_empty());
}

#[tokio::test]
async fn a_duplicated_notice_comes_twice_identical() {
    let merchant = Merchant::start("1|OK").await;
    let sim = sim(|_| {}).await;
    let choice = open_cashier(&sim, checkout(&merchant, "CDTWICE1", "80")).await;
    choose(&choice, "pay", "ATM", "duplicate").await;
    let notices = merchant.wait_for(2).await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(merchant.notices().len(), 2);
    assert_eq!(notices[0].1, notices[1].1);
    assert_eq!(get(&decode(&notices[0].1), "PaymentType"), "ATM_TAISHIN");
}

#[tokio::test]
async fn a_failed_payment_is_noticed_with_another_code() {
    let merchant = Merchant::start("1|OK").await;
    let sim = sim(|_| {}).await;
    let choice = open_cashier(&sim, checkout(&merchant, "CDFAIL1", "120")).await;
    let page = choose(&choice, "fail", "Credit", "normal").await;
    assert!(page.body.contains("付款失敗"));
    let notice = decode(&merchant.wait_for(1).await[0].1);
    assert!(signature_ok(&notice));
    assert_eq!(get(&notice, "RtnCode"), "10100058");
    assert_ne!(get(&notice, "RtnMsg"), "交易成功");
    let fields = decode(&query_trade(&sim, "CDFAIL1", now()).await.body);
    assert_eq!(get(&fields, "TradeStatus"), "10200095");
}

#[tokio::test]
async fn a_cancel_sends_no_notice_and_the_browser_back() {
    let merchant = Merchant::start("1|OK").await;
    let sim = sim(|_| {}).await;
    let choice = open_cashier(&sim, checkout(&merchant, "CDCANCEL1", "120")).await;
    let answer = choose(&choice, "cancel", "Credit", "normal").await;
    assert_eq!(answer.status, StatusCode::SEE_OTHER);
    assert_eq!(
        answer.headers[header::LOCATION],
        "http://127.0.0.1:9/payments/back"
    );
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(merchant.notices().is_empty());
    let fields = decode(&query_trade(&sim, "CDCANCEL1", now()).await.body);
    assert_eq!(get(&fields, "TradeStatus"), "10200095");
}

#[tokio::test]
async fn query_trade_info_checks_the_signature_and_the_timestamp() {
    let merchant = Merchant::start("1|OK").await;
    let sim = sim(|_| {}).await;
    open_cashier(&sim, checkout(&merchant, "CDQUERY1", "120")).await;
    let url = format!("{}/Cashier/QueryTradeInfo/V5", sim.base_url());

    let mut forged = sign(owned(&[
        ("MerchantID", DEMO_MERCHANT_ID),
        ("MerchantTradeNo", "CDQUERY1"),
        ("TimeStamp", &now().to_string()),
    ]));
    forged[1].1 = "CDQUERY2".into();
    let answer = post_form(&url, &forged).await;
    assert_eq!(answer.status, StatusCode::BAD_REQUEST);
    assert_eq!(get(&decode(&answer.body), "RtnCode"), "10200073");

    let stale = query_trade(&sim, "CDQUERY1", now() - 181).await;
    assert_eq!(stale.status, StatusCode::BAD_REQUEST);
    assert_eq!(get(&decode(&stale.body), "RtnMsg"), "TimeStamp Error");
    let early = query_trade(&sim, "CDQUERY1", now() + 600).await;
    assert_eq!(early.status, StatusCode::BAD_REQUEST);

    let unknown = query_trade(&sim, "CDNOSUCH", now()).await;
    assert_eq!(unknown.status, StatusCode::OK);
    let fields = decode(&unknown.body);
    assert!(signature_ok(&fields));
    assert_eq!(get(&fields, "TradeStatus"), "10200047");

    let pending = decode(&query_trade(&sim, "CDQUERY1", now() - 60).await.body);
    assert_eq!(get(&pending, "TradeStatus"), "0");
    assert_eq!(get(&pending, "PaymentDate"), "");
}

async fn refund(sim: &RunningSim, no: &str, trade_no: &str, amount: &str) -> Fields {
    let fields = sign(owned(&[
        ("MerchantID", DEMO_MERCHANT_ID),
        ("MerchantTradeNo", no),
        ("TradeNo", trade_no),
        ("Action", "R"),
        ("TotalAmount", amount),
    ]));
    let answer = post_form(
        &format!("{}/CreditDetail/DoAction", sim.base_url()),
        &fields,
    )
    .await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    decode(&answer.body)
}

#[tokio::test]
async fn card_refunds_add_up_to_the_amount_paid_and_no_further() {
    let merchant = Merchant::start("1|OK").await;
    let sim = sim(|_| {}).await;
    let choice = open_cashier(&sim, checkout(&merchant, "CDREFUND1", "500")).await;
    choose(&choice, "pay", "Credit", "normal").await;
    let notice = decode(&merchant.wait_for(1).await[0].1);
    let trade_no = get(&notice, "TradeNo").to_string();

    let first = refund(&sim, "CDREFUND1", &trade_no, "200").await;
    assert_eq!(get(&first, "RtnCode"), "1");
    assert_eq!(get(&first, "TradeNo"), trade_no);
    assert_eq!(
        get(
            &refund(&sim, "CDREFUND1", &trade_no, "300").await,
            "RtnCode"
        ),
        "1"
    );
    let beyond = refund(&sim, "CDREFUND1", &trade_no, "1").await;
    assert_ne!(get(&beyond, "RtnCode"), "1");
    let wrong = refund(&sim, "CDREFUND1", "1905090000188278", "1").await;
    assert_ne!(get(&wrong, "RtnCode"), "1");

    // Not a card payment: refused.
    let choice = open_cashier(&sim, checkout(&merchant, "CDREFUND2", "500")).await;
    choose(&choice, "pay", "CVS", "normal").await;
    let notice = decode(&merchant.wait_for(2).await[1].1);
    let cvs = refund(&sim, "CDREFUND2", get(&notice, "TradeNo"), "100").await;
    assert_ne!(get(&cvs, "RtnCode"), "1");
    assert!(get(&cvs, "RtnMsg").contains("credit card"));

    // A bad signature: 400.
    let mut forged = sign(owned(&[
        ("MerchantID", DEMO_MERCHANT_ID),
        ("MerchantTradeNo", "CDREFUND1"),
        ("TradeNo", &trade_no),
        ("Action", "R"),
        ("TotalAmount", "1"),
    ]));
    forged[4].1 = "100".into();
    let answer = post_form(
        &format!("{}/CreditDetail/DoAction", sim.base_url()),
        &forged,
    )
    .await;
    assert_eq!(answer.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn dropping_the_simulator_stops_it_and_its_pending_retries() {
    let merchant = Merchant::start("not yet").await;
    let sim = sim(|c| c.retry_seconds = vec![1]).await;
    let choice = open_cashier(&sim, checkout(&merchant, "CDSTOP1", "100")).await;
    choose(&choice, "pay", "Credit", "normal").await;
    merchant.wait_for(1).await;
    let addr = sim.addr();
    drop(sim);
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(merchant.notices().len(), 1, "the retry was dropped");
    assert!(tokio::net::TcpStream::connect(addr).await.is_err());
}
