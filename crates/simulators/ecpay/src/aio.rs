//! ECPay's AIO cashier: the merchant's checkout form, checked field by field; the cashier page;
//! the payer's choice, which settles the trade, sends the server notice and sends the browser
//! back to the merchant.

use crate::notice::{self, Mode};
use crate::page::{self, Problem};
use crate::server::{self, Shared, field, form_encode, mac_ok, taipei_now};
use crate::{SimConfig, mac};
use axum::extract::{Form, Path, RawForm, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

/// A payment method of the cashier: its `ChoosePayment` code, the `PaymentType` a payment by it
/// gets, its names, and the simulator's fee in hundredths of a percent of the amount (rounded
/// up).
pub(crate) struct Method {
    pub choose: &'static str,
    pub payment_type: &'static str,
    pub zh: &'static str,
    pub en: &'static str,
    pub fee_basis_points: u64,
}

pub(crate) const METHODS: [Method; 8] = [
    Method {
        choose: "Credit",
        payment_type: "Credit_CreditCard",
        zh: "信用卡",
        en: "Credit card",
        fee_basis_points: 275,
    },
    Method {
        choose: "WebATM",
        payment_type: "WebATM_TAISHIN",
        zh: "網路 ATM",
        en: "Web ATM",
        fee_basis_points: 100,
    },
    Method {
        choose: "ATM",
        payment_type: "ATM_TAISHIN",
        zh: "ATM 櫃員機轉帳",
        en: "ATM transfer",
        fee_basis_points: 100,
    },
    Method {
        choose: "CVS",
        payment_type: "CVS_CVS",
        zh: "超商代碼繳費",
        en: "Convenience-store code",
        fee_basis_points: 100,
    },
    Method {
        choose: "BARCODE",
        payment_type: "BARCODE_BARCODE",
        zh: "超商條碼繳費",
        en: "Convenience-store barcode",
        fee_basis_points: 100,
    },
    Method {
        choose: "ApplePay",
        payment_type: "ApplePay",
        zh: "Apple Pay",
        en: "Apple Pay",
        fee_basis_points: 275,
    },
    Method {
        choose: "TWQR",
        payment_type: "TWQR_OPAY",
        zh: "台灣 Pay",
        en: "Taiwan Pay",
        fee_basis_points: 200,
    },
    Method {
        choose: "BNPL",
        payment_type: "BNPL_URICH",
        zh: "無卡分期",
        en: "Buy now, pay later",
        fee_basis_points: 275,
    },
];

/// The `PaymentType` of a card payment, the only kind `DoAction` refunds.
pub(crate) const CARD_PAYMENT_TYPE: &str = "Credit_CreditCard";

/// The methods a trade offers: all for `ChoosePayment=ALL`, else the one named.
pub(crate) fn offered(choose_payment: &str) -> impl Iterator<Item = &'static Method> {
    METHODS
        .iter()
        .filter(move |m| choose_payment == "ALL" || m.choose == choose_payment)
}

/// The `RtnCode` and `RtnMsg` of a failed payment.
pub(crate) const FAILED_CODE: &str = "10100058";
pub(crate) const FAILED_MESSAGE: &str = "付款失敗";

/// Where a trade stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Outcome {
    /// The cashier page is shown; nothing chosen yet.
    Pending,
    Paid {
        payment_type: &'static str,
        payment_date: String,
        fee: u64,
    },
    Failed {
        payment_type: &'static str,
        payment_date: String,
    },
    Cancelled,
}

/// One checkout, as the simulator keeps it.
#[derive(Debug, Clone)]
pub(crate) struct Trade {
    pub merchant_trade_no: String,
    /// ECPay's own number, given at checkout: 16 digits.
    pub trade_no: String,
    /// When the trade was created at the cashier (`yyyy/MM/dd HH:mm:ss`, Taipei).
    pub trade_date: String,
    pub amount: u64,
    pub item_name: String,
    pub return_url: String,
    pub order_result_url: Option<String>,
    pub client_back_url: Option<String>,
    pub choose_payment: String,
    pub store_id: String,
    pub custom_fields: [String; 4],
    /// The cashier page's token: `/Cashier/AioCheckOut/V5/{token}`.
    pub token: String,
    pub outcome: Outcome,
    /// The amount refunded so far (card payments only).
    pub refunded: u64,
}

/// A checkout form that passed every check.
struct Checked {
    merchant_trade_no: String,
    amount: u64,
    item_name: String,
    return_url: String,
    order_result_url: Option<String>,
    client_back_url: Option<String>,
    choose_payment: String,
    store_id: String,
    custom_fields: [String; 4],
}

/// Whether `s` is 1–20 ASCII letters and digits (a `MerchantTradeNo`).
pub(crate) fn valid_trade_no(s: &str) -> bool {
    (1..=20).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_alphanumeric())
}

/// Whether `s` is a positive whole number without sign or leading zero, at most 99,999,999.
pub(crate) fn parse_amount(s: &str) -> Option<u64> {
    if s.is_empty() || s.len() > 8 || s.starts_with('0') || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

/// Whether `url` is an absolute `http://` (or, when `https` is allowed, `https://`) URL of at
/// most 200 characters, with a host, and nothing a browser or a client would read otherwise.
fn valid_url(url: &str, https: bool) -> bool {
    let rest = url
        .strip_prefix("http://")
        .or_else(|| url.strip_prefix("https://").filter(|_| https));
    url.len() <= 200
        && rest.is_some_and(|r| !r.is_empty() && !r.starts_with('/'))
        && !url
            .chars()
            .any(|c| c.is_control() || c.is_whitespace() || c == '\\')
        && url.parse::<hyper::Uri>().is_ok()
}

fn valid_datetime(s: &str) -> bool {
    let format = time::macros::format_description!("[year]/[month]/[day] [hour]:[minute]:[second]");
    time::PrimitiveDateTime::parse(s, format).is_ok()
}

/// Checks a checkout form: every problem found, or the trade to open.
fn check(config: &SimConfig, fields: &[(String, String)]) -> Result<Checked, Vec<Problem>> {
    let mut problems = Vec::new();
    let get = |name: &str| field(fields, name).unwrap_or_default();
    let mut require = |ok: bool, problem: Problem| {
        if !ok {
            problems.push(problem);
        }
    };
    require(mac_ok(config, fields), Problem::MAC);
    require(get("MerchantID") == config.merchant_id, Problem::MERCHANT);
    require(valid_trade_no(get("MerchantTradeNo")), Problem::TRADE_NO);
    require(
        valid_datetime(get("MerchantTradeDate")),
        Problem::TRADE_DATE,
    );
    require(get("PaymentType") == "aio", Problem::PAYMENT_TYPE);
    let amount = parse_amount(get("TotalAmount"));
    require(amount.is_some(), Problem::AMOUNT);
    let chars = |name: &str, max: usize| (1..=max).contains(&get(name).chars().count());
    require(chars("TradeDesc", 200), Problem::TRADE_DESC);
    require(chars("ItemName", 400), Problem::ITEM_NAME);
    require(valid_url(get("ReturnURL"), false), Problem::RETURN_URL);
    let optional_url = |name: &str| {
        let url = get(name);
        (!url.is_empty()).then(|| url.to_string())
    };
    let order_result_url = optional_url("OrderResultURL");
    let client_back_url = optional_url("ClientBackURL");
    require(
        order_result_url
            .as_deref()
            .is_none_or(|u| valid_url(u, true)),
        Problem::ORDER_RESULT_URL,
    );
    require(
        client_back_url
            .as_deref()
            .is_none_or(|u| valid_url(u, true)),
        Problem::CLIENT_BACK_URL,
    );
    let choose = get("ChoosePayment");
    require(offered(choose).next().is_some(), Problem::CHOOSE_PAYMENT);
    require(get("EncryptType") == "1", Problem::ENCRYPT_TYPE);
    require(get("StoreID").len() <= 20, Problem::STORE_ID);
    let custom = |i: usize| get(&format!("CustomField{i}")).to_string();
    let custom_fields = [custom(1), custom(2), custom(3), custom(4)];
    require(
        custom_fields.iter().all(|c| c.chars().count() <= 50),
        Problem::CUSTOM_FIELD,
    );
    match amount {
        Some(amount) if problems.is_empty() => Ok(Checked {
            merchant_trade_no: get("MerchantTradeNo").to_string(),
            amount,
            item_name: get("ItemName").to_string(),
            return_url: get("ReturnURL").to_string(),
            order_result_url,
            client_back_url,
            choose_payment: choose.to_string(),
            store_id: get("StoreID").to_string(),
            custom_fields,
        }),
        _ => Err(problems),
    }
}

/// `POST /Cashier/AioCheckOut/V5`: the merchant's form, posted by the payer's browser.
pub(crate) async fn checkout(State(sim): State<Shared>, RawForm(body): RawForm) -> Response {
    let Some(fields) = server::parse_form(&body) else {
        return page::refused(&[Problem::REPEATED_FIELD]);
    };
    let checked = match check(&sim.config, &fields) {
        Ok(checked) => checked,
        Err(problems) => return page::refused(&problems),
    };
    let Some(token) = server::random_token() else {
        return page::failure();
    };
    let now = taipei_now();
    let trade = {
        let mut memory = sim.memory();
        if memory.trades.contains_key(&checked.merchant_trade_no) {
            return page::refused(&[Problem::TRADE_NO_USED]);
        }
        let trade = Trade {
            trade_no: memory.new_trade_no(now),
            trade_date: server::ecpay_datetime(now),
            merchant_trade_no: checked.merchant_trade_no,
            amount: checked.amount,
            item_name: checked.item_name,
            return_url: checked.return_url,
            order_result_url: checked.order_result_url,
            client_back_url: checked.client_back_url,
            choose_payment: checked.choose_payment,
            store_id: checked.store_id,
            custom_fields: checked.custom_fields,
            token: token.clone(),
            outcome: Outcome::Pending,
            refunded: 0,
        };
        memory.tokens.insert(token, trade.merchant_trade_no.clone());
        memory
            .trades
            .insert(trade.merchant_trade_no.clone(), trade.clone());
        trade
    };
    tracing::info!(
        trade = trade.merchant_trade_no,
        amount = trade.amount,
        "payment simulator: checkout"
    );
    page::cashier(&sim.config, &trade, default_mode(&sim.config))
}

fn default_mode(config: &SimConfig) -> Mode {
    if config.withhold_notices {
        Mode::Withhold
    } else if config.duplicate_notices {
        Mode::Duplicate
    } else {
        Mode::Normal
    }
}

/// The trade behind a cashier token.
fn trade_of(sim: &Shared, token: &str) -> Option<Trade> {
    let memory = sim.memory();
    let no = memory.tokens.get(token)?;
    memory.trades.get(no).cloned()
}

/// The `RtnMsg` of a paid trade's first notice, and of its re-sends (ECPay writes the re-sends'
/// in English).
pub(crate) const PAID_MESSAGE: &str = "交易成功";
pub(crate) const PAID_MESSAGE_RESENT: &str = "paid";

/// The signed fields of a settled trade's notice (and of the browser's return to
/// `OrderResultURL`), or with `resent` of the notice's re-sends; `None` while the trade is
/// pending or once cancelled.
pub(crate) fn result_fields(
    config: &SimConfig,
    trade: &Trade,
    resent: bool,
) -> Option<Vec<(String, String)>> {
    let paid_message = if resent {
        PAID_MESSAGE_RESENT
    } else {
        PAID_MESSAGE
    };
    let (code, message, payment_type, date, fee) = match &trade.outcome {
        Outcome::Paid {
            payment_type,
            payment_date,
            fee,
        } => ("1", paid_message, *payment_type, payment_date, *fee),
        Outcome::Failed {
            payment_type,
            payment_date,
        } => (FAILED_CODE, FAILED_MESSAGE, *payment_type, payment_date, 0),
        Outcome::Pending | Outcome::Cancelled => return None,
    };
    let mut fields: Vec<(String, String)> = [
        ("MerchantID", config.merchant_id.as_str()),
        ("MerchantTradeNo", &trade.merchant_trade_no),
        ("StoreID", &trade.store_id),
        ("RtnCode", code),
        ("RtnMsg", message),
        ("TradeNo", &trade.trade_no),
        ("TradeAmt", &trade.amount.to_string()),
        ("PaymentDate", date),
        ("PaymentType", payment_type),
        ("PaymentTypeChargeFee", &fee.to_string()),
        ("TradeDate", &trade.trade_date),
        ("SimulatePaid", "0"),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    for (i, value) in trade.custom_fields.iter().enumerate() {
        fields.push((format!("CustomField{}", i + 1), value.clone()));
    }
    Some(mac::signed(&config.hash_key, &config.hash_iv, fields))
}

/// Where a trade's browser goes once decided: the outcome page, or back to the shop after a
/// cancel.
fn decided(config: &SimConfig, trade: &Trade) -> Response {
    match result_fields(config, trade, false) {
        Some(fields) => page::result(trade, &fields),
        None => match &trade.client_back_url {
            Some(url) => Redirect::to(url).into_response(),
            None => page::message(StatusCode::OK, "交易已取消。", "The payment was cancelled."),
        },
    }
}

/// `GET /Cashier/AioCheckOut/V5/{token}`: the cashier page again while the trade is pending,
/// else its outcome (no new notice).
pub(crate) async fn cashier_again(
    State(sim): State<Shared>,
    Path(token): Path<String>,
) -> Response {
    match trade_of(&sim, &token) {
        None => page::not_found(),
        Some(trade) if trade.outcome == Outcome::Pending => {
            page::cashier(&sim.config, &trade, default_mode(&sim.config))
        }
        Some(trade) => decided(&sim.config, &trade),
    }
}

#[derive(Deserialize)]
pub(crate) struct ChoiceForm {
    choice: Option<String>,
    method: Option<String>,
    notice: Option<String>,
}

/// `POST /Cashier/AioCheckOut/V5/{token}/choice`: pay, fail or cancel. A trade is decided once:
/// a second choice (a double click, the back button) shows the first outcome again.
pub(crate) async fn choice(
    State(sim): State<Shared>,
    Path(token): Path<String>,
    Form(form): Form<ChoiceForm>,
) -> Response {
    let mode = match form.notice.as_deref().filter(|m| !m.is_empty()) {
        None => default_mode(&sim.config),
        Some(value) => match Mode::parse(value) {
            Some(mode) => mode,
            None => return page::refused(&[Problem::NOTICE_MODE]),
        },
    };
    let now = server::ecpay_datetime(taipei_now());
    let (trade, fresh) = {
        let mut memory = sim.memory();
        let Some(no) = memory.tokens.get(&token).cloned() else {
            return page::not_found();
        };
        let Some(trade) = memory.trades.get_mut(&no) else {
            return page::not_found();
        };
        let fresh = trade.outcome == Outcome::Pending;
        if fresh {
            let method = match &form.method {
                None => offered(&trade.choose_payment).next(),
                Some(m) => offered(&trade.choose_payment).find(|o| o.choose == m),
            };
            let Some(method) = method else {
                return page::refused(&[Problem::METHOD]);
            };
            trade.outcome = match form.choice.as_deref() {
                Some("pay") => Outcome::Paid {
                    payment_type: method.payment_type,
                    payment_date: now,
                    fee: (trade.amount * method.fee_basis_points).div_ceil(10_000),
                },
                Some("fail") => Outcome::Failed {
                    payment_type: method.payment_type,
                    payment_date: now,
                },
                Some("cancel") => Outcome::Cancelled,
                _ => return page::refused(&[Problem::CHOICE]),
            };
        }
        (trade.clone(), fresh)
    };
    if fresh {
        tracing::info!(
            trade = trade.merchant_trade_no,
            outcome = ?trade.outcome,
            notice = mode.as_str(),
            "payment simulator: the payer chose"
        );
        let first = result_fields(&sim.config, &trade, false);
        let resent = result_fields(&sim.config, &trade, true);
        if let (Some(first), Some(resent)) = (first, resent) {
            notice::spawn(
                sim.clone(),
                notice::Notice {
                    trade: trade.merchant_trade_no.clone(),
                    url: trade.return_url.clone(),
                    first: form_encode(&first),
                    resent: form_encode(&resent),
                },
                mode,
            );
        }
    }
    decided(&sim.config, &trade)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_are_positive_whole_numbers() {
        assert_eq!(parse_amount("15"), Some(15));
        assert_eq!(parse_amount("99999999"), Some(99_999_999));
        for bad in ["", "0", "015", "-5", "+5", "1.5", "1e3", "100000000", " 5"] {
            assert_eq!(parse_amount(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn urls_are_absolute_and_plain() {
        assert!(valid_url(
            "http://127.0.0.1:8080/payments/ecpay/notice",
            false
        ));
        assert!(!valid_url("https://city.example/notice", false));
        assert!(valid_url("https://city.example/back?x=1", true));
        for bad in [
            "",
            "/relative",
            "http:///x",
            "ftp://x/",
            "http://a b/",
            "http://x/\\",
        ] {
            assert!(!valid_url(bad, true), "{bad:?}");
        }
    }

    #[test]
    fn trade_numbers_are_short_and_alphanumeric() {
        assert!(valid_trade_no("CD0ABCDEF1234567890Z"));
        assert!(!valid_trade_no("CD0ABCDEF1234567890ZZ"));
        assert!(!valid_trade_no("CD-1"));
        assert!(!valid_trade_no(""));
    }

    #[test]
    fn all_offers_every_method_and_a_name_offers_one() {
        assert_eq!(offered("ALL").count(), METHODS.len());
        assert_eq!(offered("Credit").count(), 1);
        assert_eq!(offered("Bitcoin").count(), 0);
    }
}
