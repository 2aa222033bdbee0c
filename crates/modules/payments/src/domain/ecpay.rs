//! ECPay's AIO protocol, as messages: the checkout form the payer's browser posts to the
//! cashier, the server notice the gateway posts back (answered with exactly `1|OK`), and the
//! `QueryTradeInfo` request and answer the reconciliation job uses. Every message is signed
//! with [`super::mac`]. Times are written in Taipei time (`yyyy/MM/dd HH:mm:ss`).

use super::mac::{self, MacKeys};
use super::money::Amount;
use super::trade_no;

/// What the merchant answers a notice it took (or had already taken).
pub const NOTICE_ANSWER: &str = "1|OK";

/// The merchant as the gateway knows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Merchant {
    pub id: String,
    pub keys: MacKeys,
}

/// A payment handed to the cashier.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkout<'a> {
    pub trade_no: &'a str,
    /// When the payment was created, unix seconds.
    pub created_at: i64,
    pub amount: Amount,
    /// `TradeDesc`: what the city sells, in a few words.
    pub description: &'a str,
    /// `ItemName`: the line the payer sees.
    pub item: &'a str,
    /// `ReturnURL`: where the gateway posts its server notice.
    pub notice_url: &'a str,
    /// `OrderResultURL`: where the payer's browser comes back (never trusted for settlement).
    pub result_url: &'a str,
    /// `ClientBackURL`: where "back to the shop" leads.
    pub back_url: &'a str,
}

/// `yyyy/MM/dd HH:mm:ss` in Taipei time (UTC+8, no daylight saving).
pub fn taipei_datetime(unix: i64) -> String {
    let t = time::OffsetDateTime::from_unix_timestamp(unix)
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH)
        .to_offset(time::macros::offset!(+8));
    format!(
        "{:04}/{:02}/{:02} {:02}:{:02}:{:02}",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

/// A field value as the cashier takes it: no control characters, and `ItemName`'s `#` (its
/// line separator) turned into a space; cut to `max` characters.
fn clean(text: &str, max: usize) -> String {
    text.chars()
        .map(|c| if c.is_control() || c == '#' { ' ' } else { c })
        .take(max)
        .collect::<String>()
        .trim()
        .to_string()
}

fn signed(keys: &MacKeys, mut fields: Vec<(String, String)>) -> Vec<(String, String)> {
    let borrowed: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let mac = mac::check_mac_value(keys, &borrowed);
    fields.push(("CheckMacValue".into(), mac));
    fields
}

/// The fields of the checkout form (`POST {cashier}/Cashier/AioCheckOut/V5`), signed.
pub fn checkout_fields(merchant: &Merchant, c: &Checkout<'_>) -> Vec<(String, String)> {
    let fields = vec![
        ("MerchantID".to_string(), merchant.id.clone()),
        ("MerchantTradeNo".into(), c.trade_no.to_string()),
        ("MerchantTradeDate".into(), taipei_datetime(c.created_at)),
        ("PaymentType".into(), "aio".into()),
        ("TotalAmount".into(), c.amount.to_string()),
        ("TradeDesc".into(), clean(c.description, 200)),
        ("ItemName".into(), clean(c.item, 400)),
        ("ReturnURL".into(), c.notice_url.to_string()),
        ("OrderResultURL".into(), c.result_url.to_string()),
        ("ClientBackURL".into(), c.back_url.to_string()),
        ("ChoosePayment".into(), "ALL".into()),
        // Only methods paid there and then: an ATM transfer, a convenience-store code or a
        // barcode is paid hours or days later, long after the payment's time.
        ("IgnorePayment".into(), "ATM#CVS#BARCODE".into()),
        ("EncryptType".into(), "1".into()),
    ];
    signed(&merchant.keys, fields)
}

/// Why a message from the gateway is not taken.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MessageError {
    #[error("the CheckMacValue does not match")]
    Signature,
    #[error("the message is for another merchant")]
    Merchant,
    #[error("the field {0} is missing or unreadable")]
    Field(&'static str),
}

/// A server notice, verified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    pub merchant_trade_no: String,
    /// The gateway's own number of the trade.
    pub trade_no: String,
    /// `RtnCode` 1: paid. Anything else: failed, with the gateway's words.
    pub paid: bool,
    pub rtn_code: String,
    pub rtn_msg: String,
    pub amount: Amount,
    pub payment_type: String,
    pub payment_date: String,
}

fn field<'a>(fields: &'a [(String, String)], name: &'static str) -> Result<&'a str, MessageError> {
    fields
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
        .ok_or(MessageError::Field(name))
}

fn verified(merchant: &Merchant, fields: &[(String, String)]) -> Result<(), MessageError> {
    let borrowed: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    if !mac::verify(&merchant.keys, &borrowed) {
        return Err(MessageError::Signature);
    }
    if field(fields, "MerchantID")? != merchant.id {
        return Err(MessageError::Merchant);
    }
    Ok(())
}

/// Reads a server notice (its form fields): the signature first, then the merchant, then the
/// fields.
pub fn read_notice(
    merchant: &Merchant,
    fields: &[(String, String)],
) -> Result<Notice, MessageError> {
    verified(merchant, fields)?;
    let merchant_trade_no = field(fields, "MerchantTradeNo")?;
    if !trade_no::is_valid(merchant_trade_no) {
        return Err(MessageError::Field("MerchantTradeNo"));
    }
    let rtn_code = field(fields, "RtnCode")?.trim().to_string();
    Ok(Notice {
        merchant_trade_no: merchant_trade_no.to_string(),
        trade_no: field(fields, "TradeNo")?.to_string(),
        paid: rtn_code == "1",
        rtn_msg: field(fields, "RtnMsg").unwrap_or_default().to_string(),
        rtn_code,
        amount: Amount::parse(field(fields, "TradeAmt")?)
            .map_err(|_| MessageError::Field("TradeAmt"))?,
        payment_type: field(fields, "PaymentType").unwrap_or_default().to_string(),
        payment_date: field(fields, "PaymentDate").unwrap_or_default().to_string(),
    })
}

/// The fields of `POST {gateway}/Cashier/QueryTradeInfo/V5`, signed, at `unix` seconds.
pub fn query_fields(
    merchant: &Merchant,
    merchant_trade_no: &str,
    unix: i64,
) -> Vec<(String, String)> {
    signed(
        &merchant.keys,
        vec![
            ("MerchantID".into(), merchant.id.clone()),
            ("MerchantTradeNo".into(), merchant_trade_no.to_string()),
            ("TimeStamp".into(), unix.to_string()),
        ],
    )
}

/// What `QueryTradeInfo` says of a trade.
/// The fields of a card refund (`/CreditDetail/DoAction`, `Action=R`) of `amount` now.
pub fn refund_fields(
    merchant: &Merchant,
    merchant_trade_no: &str,
    gateway_trade_no: &str,
    amount: i64,
) -> Vec<(String, String)> {
    signed(
        &merchant.keys,
        vec![
            ("MerchantID".into(), merchant.id.clone()),
            ("MerchantTradeNo".into(), merchant_trade_no.to_string()),
            ("TradeNo".into(), gateway_trade_no.to_string()),
            ("Action".into(), "R".into()),
            ("TotalAmount".into(), amount.to_string()),
        ],
    )
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TradeStatus {
    /// `0`: not paid (yet).
    Unpaid,
    /// `1`: paid.
    Paid,
    /// Anything else (`10200095`: failed or cancelled; unknown trades).
    Other,
}

/// `QueryTradeInfo`'s answer, verified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TradeInfo {
    pub merchant_trade_no: String,
    pub status: TradeStatus,
    /// `TradeStatus` as sent: `0`, `1`, or the gateway's code (`10200095` failed or
    /// cancelled, `10200047` no such trade).
    pub status_code: String,
    pub trade_no: String,
    /// What the gateway holds as the amount (checked against ours by the caller).
    pub amount: Option<Amount>,
    pub payment_type: String,
    pub payment_date: String,
}

/// Reads `QueryTradeInfo`'s answer (`k=v&…`, URL-encoded).
pub fn read_trade_info(merchant: &Merchant, body: &str) -> Result<TradeInfo, MessageError> {
    let fields: Vec<(String, String)> = form_urlencoded::parse(body.trim().as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    verified(merchant, &fields)?;
    let status_code = field(&fields, "TradeStatus")?.trim().to_string();
    let status = match status_code.as_str() {
        "0" => TradeStatus::Unpaid,
        "1" => TradeStatus::Paid,
        _ => TradeStatus::Other,
    };
    Ok(TradeInfo {
        merchant_trade_no: field(&fields, "MerchantTradeNo")?.to_string(),
        status,
        status_code,
        trade_no: field(&fields, "TradeNo").unwrap_or_default().to_string(),
        amount: field(&fields, "TradeAmt")
            .ok()
            .and_then(|a| Amount::parse(a).ok()),
        payment_type: field(&fields, "PaymentType")
            .unwrap_or_default()
            .to_string(),
        payment_date: field(&fields, "PaymentDate")
            .unwrap_or_default()
            .to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn merchant() -> Merchant {
        Merchant {
            id: "3002607".into(),
            keys: MacKeys {
                hash_key: "pwFHCqoQZGmho4w6".into(),
                hash_iv: "EkRm7iFT261dpevs".into(),
            },
        }
    }

    fn owned(fields: &[(&str, &str)]) -> Vec<(String, String)> {
        fields
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn the_checkout_is_signed_and_dated_in_taipei() {
        let fields = checkout_fields(
            &merchant(),
            &Checkout {
                trade_no: "CD0TQXJ0GABCDEFGHIJK",
                created_at: 1_796_000_000,
                amount: Amount::new(15).expect("amount"),
                description: "戶籍謄本",
                item: "戶籍謄本 x 1 #1",
                notice_url: "https://1999.example.gov.tw/payments/ecpay/notice",
                result_url: "https://1999.example.gov.tw/pay/x/result",
                back_url: "https://1999.example.gov.tw/pay/x",
            },
        );
        let get = |k: &str| fields.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
        assert_eq!(
            get("MerchantTradeDate").as_deref(),
            Some("2026/11/30 08:53:20")
        );
        assert_eq!(get("ItemName").as_deref(), Some("戶籍謄本 x 1  1"));
        assert_eq!(get("TotalAmount").as_deref(), Some("15"));
        let borrowed: Vec<(&str, &str)> = fields
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        assert!(mac::verify(&merchant().keys, &borrowed));
    }

    #[test]
    fn a_notice_is_read_only_when_signed_for_this_merchant() {
        let mut fields = owned(&[
            ("MerchantID", "3002607"),
            ("MerchantTradeNo", "WPLL4E341E122DB44D62"),
            ("PaymentDate", "2019/05/09 00:01:21"),
            ("PaymentType", "Credit_CreditCard"),
            ("PaymentTypeChargeFee", "1"),
            ("RtnCode", "1"),
            ("RtnMsg", "交易成功"),
            ("SimulatePaid", "0"),
            ("TradeAmt", "500"),
            ("TradeDate", "2019/05/09 00:00:18"),
            ("TradeNo", "1905090000188278"),
        ]);
        fields.push((
            "CheckMacValue".into(),
            "6E7F053EF215FC851A050A2FF01D72CBE440EA138DC3E905647985DDF236FD25".into(),
        ));
        let n = read_notice(&merchant(), &fields).expect("a good notice");
        assert!(n.paid);
        assert_eq!(n.amount.dollars(), 500);
        assert_eq!(n.trade_no, "1905090000188278");

        let mut changed = fields.clone();
        changed[8].1 = "5".into();
        assert_eq!(
            read_notice(&merchant(), &changed),
            Err(MessageError::Signature)
        );
        let other = Merchant {
            id: "2000132".into(),
            keys: merchant().keys,
        };
        assert_eq!(read_notice(&other, &fields), Err(MessageError::Merchant));
    }

    #[test]
    fn a_trade_info_answer_is_verified() {
        let body_fields = signed(
            &merchant().keys,
            owned(&[
                ("MerchantID", "3002607"),
                ("MerchantTradeNo", "CD0TQXJ0GABCDEFGHIJK"),
                ("TradeNo", "2612070000000001"),
                ("TradeAmt", "15"),
                ("TradeStatus", "1"),
                ("PaymentType", "Credit_CreditCard"),
                ("PaymentDate", "2026/12/07 12:00:00"),
            ]),
        );
        let body: String = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(body_fields.iter())
            .finish();
        let info = read_trade_info(&merchant(), &body).expect("verified");
        assert_eq!(info.status, TradeStatus::Paid);
        assert_eq!(info.amount.map(Amount::dollars), Some(15));
        let forged = body.replace("TradeAmt=15", "TradeAmt=1");
        assert_eq!(
            read_trade_info(&merchant(), &forged),
            Err(MessageError::Signature)
        );
    }
}
