//! The cashier's pages, in Chinese first with English: the cashier, the outcome (with the form
//! back to the merchant), a refusal listing what is wrong, and short messages. Plain HTML and
//! forms, no script.

use crate::SimConfig;
use crate::aio::{Trade, offered};
use crate::notice::Mode;
use askama::Template;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};

/// What is wrong with a request to the cashier: the field, in Chinese and in English.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Problem {
    pub field: &'static str,
    pub zh: &'static str,
    pub en: &'static str,
}

const fn problem(field: &'static str, zh: &'static str, en: &'static str) -> Problem {
    Problem { field, zh, en }
}

impl Problem {
    pub const REPEATED_FIELD: Problem = problem("", "有欄位重複送出。", "A field was sent twice.");
    pub const MAC: Problem = problem(
        "CheckMacValue",
        "檢查碼錯誤（10200073 CheckMacValue Error）。",
        "The CheckMacValue is missing or wrong (10200073 CheckMacValue Error).",
    );
    pub const MERCHANT: Problem = problem(
        "MerchantID",
        "特店編號不是此模擬器登記的特店。",
        "The MerchantID is not the merchant registered with this simulator.",
    );
    pub const TRADE_NO: Problem = problem(
        "MerchantTradeNo",
        "特店交易編號須為 1 至 20 個英文字母或數字（10200052）。",
        "The MerchantTradeNo must be 1 to 20 letters and digits (10200052 MerchantTradeNo Error).",
    );
    pub const TRADE_NO_USED: Problem = problem(
        "MerchantTradeNo",
        "特店交易編號已使用過，不可重複。",
        "This MerchantTradeNo has already been used.",
    );
    pub const TRADE_DATE: Problem = problem(
        "MerchantTradeDate",
        "特店交易時間格式須為 yyyy/MM/dd HH:mm:ss。",
        "The MerchantTradeDate must be written yyyy/MM/dd HH:mm:ss.",
    );
    pub const PAYMENT_TYPE: Problem = problem(
        "PaymentType",
        "交易類型須為 aio。",
        "The PaymentType must be aio.",
    );
    pub const AMOUNT: Problem = problem(
        "TotalAmount",
        "交易金額須為正整數（新臺幣元，不可有小數）。",
        "The TotalAmount must be a positive whole number of NT dollars.",
    );
    pub const TRADE_DESC: Problem = problem(
        "TradeDesc",
        "交易描述須為 1 至 200 個字。",
        "The TradeDesc must be 1 to 200 characters.",
    );
    pub const ITEM_NAME: Problem = problem(
        "ItemName",
        "商品名稱須為 1 至 400 個字。",
        "The ItemName must be 1 to 400 characters.",
    );
    pub const RETURN_URL: Problem = problem(
        "ReturnURL",
        "付款完成通知網址須為 http:// 網址（模擬器只以 http 送出通知），最多 200 字。",
        "The ReturnURL must be an http:// URL of at most 200 characters (the simulator sends notices over plain HTTP only).",
    );
    pub const ORDER_RESULT_URL: Problem = problem(
        "OrderResultURL",
        "付款結果頁網址須為 http:// 或 https:// 網址，最多 200 字。",
        "The OrderResultURL must be an http:// or https:// URL of at most 200 characters.",
    );
    pub const CLIENT_BACK_URL: Problem = problem(
        "ClientBackURL",
        "返回商店網址須為 http:// 或 https:// 網址，最多 200 字。",
        "The ClientBackURL must be an http:// or https:// URL of at most 200 characters.",
    );
    pub const CHOOSE_PAYMENT: Problem = problem(
        "ChoosePayment",
        "付款方式須為 ALL、Credit、WebATM、ATM、CVS、BARCODE、ApplePay、TWQR 或 BNPL。",
        "The ChoosePayment must be ALL, Credit, WebATM, ATM, CVS, BARCODE, ApplePay, TWQR or BNPL.",
    );
    pub const ENCRYPT_TYPE: Problem = problem(
        "EncryptType",
        "檢查碼加密類型須為 1（SHA256）。",
        "The EncryptType must be 1 (SHA-256).",
    );
    pub const STORE_ID: Problem = problem(
        "StoreID",
        "分店代號最多 20 字。",
        "The StoreID must be at most 20 characters.",
    );
    pub const CUSTOM_FIELD: Problem = problem(
        "CustomField1-4",
        "自訂欄位每欄最多 50 字。",
        "Each CustomField must be at most 50 characters.",
    );
    pub const METHOD: Problem = problem(
        "method",
        "這筆交易不提供所選的付款方式。",
        "This trade does not offer the payment method chosen.",
    );
    pub const CHOICE: Problem = problem(
        "choice",
        "請選擇付款成功、付款失敗或取消。",
        "Choose pay, fail or cancel.",
    );
    pub const NOTICE_MODE: Problem = problem(
        "notice",
        "通知選項須為 normal、withhold 或 duplicate。",
        "The notice option must be normal, withhold or duplicate.",
    );
}

#[derive(Template)]
#[template(path = "cashier.html")]
struct CashierPage<'a> {
    merchant_name: &'a str,
    merchant_id: &'a str,
    trade: &'a Trade,
    /// `ItemName`'s lines (`#` separates them).
    items: Vec<&'a str>,
    /// Code, Chinese and English names, whether chosen.
    methods: Vec<(&'static str, &'static str, &'static str, bool)>,
    /// The notice option chosen by default: `normal`, `withhold` or `duplicate`.
    notice: &'static str,
}

#[derive(Template)]
#[template(path = "result.html")]
struct ResultPage<'a> {
    paid: bool,
    trade: &'a Trade,
    fields: &'a [(String, String)],
}

#[derive(Template)]
#[template(path = "refused.html")]
struct RefusedPage<'a> {
    problems: &'a [Problem],
}

#[derive(Template)]
#[template(path = "message.html")]
struct MessagePage {
    zh: &'static str,
    en: &'static str,
}

/// The cashier page (`200`).
pub(crate) fn cashier(config: &SimConfig, trade: &Trade, notice: Mode) -> Response {
    let page = CashierPage {
        merchant_name: &config.merchant_name,
        merchant_id: &config.merchant_id,
        trade,
        items: trade
            .item_name
            .split('#')
            .map(str::trim)
            .filter(|i| !i.is_empty())
            .collect(),
        methods: offered(&trade.choose_payment)
            .enumerate()
            .map(|(i, m)| (m.choose, m.zh, m.en, i == 0))
            .collect(),
        notice: notice.as_str(),
    };
    render(StatusCode::OK, page.render())
}

/// The outcome of a paid or failed trade, with the signed `fields` to post back to
/// `OrderResultURL` (`200`).
pub(crate) fn result(trade: &Trade, fields: &[(String, String)]) -> Response {
    let paid = fields.iter().any(|(k, v)| k == "RtnCode" && v == "1");
    render(
        StatusCode::OK,
        ResultPage {
            paid,
            trade,
            fields,
        }
        .render(),
    )
}

/// A request the cashier does not take (`400`), with every problem found.
pub(crate) fn refused(problems: &[Problem]) -> Response {
    render(StatusCode::BAD_REQUEST, RefusedPage { problems }.render())
}

/// A page that says only `zh` / `en`, with `status`.
pub(crate) fn message(status: StatusCode, zh: &'static str, en: &'static str) -> Response {
    render(status, MessagePage { zh, en }.render())
}

pub(crate) fn not_found() -> Response {
    message(StatusCode::NOT_FOUND, "找不到這筆交易。", "No such trade.")
}

pub(crate) fn failure() -> Response {
    message(
        StatusCode::INTERNAL_SERVER_ERROR,
        "模擬器發生錯誤。",
        "The simulator failed.",
    )
}

fn render(status: StatusCode, html: askama::Result<String>) -> Response {
    match html {
        Ok(html) => (status, Html(html)).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "rendering a payment simulator page");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}
