//! `[payments]`: the city's accounts at the payment services the payments module talks to.
//! Plain settings, read by the composition root and handed to the module: ECPay's AIO gateway
//! (its base URL, the merchant id and the two keys of `CheckMacValue`) and a wallet's point of
//! sale (its base URL, the merchant id and the signing key). The demo points both at the local
//! simulators; a city changes only these (`docs/PAYMENTS.md`).

use serde::Deserialize;

/// The services a city takes payments through; a service left out is not offered.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PaymentProviders {
    pub ecpay: Option<EcpayAccount>,
    pub wallet: Option<WalletAccount>,
}

/// The city's merchant account at ECPay.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EcpayAccount {
    /// `https://payment.ecpay.com.tw` (production) or `https://payment-stage.ecpay.com.tw`
    /// (test); the cashier, the trade query and the card refund are under it.
    pub base_url: String,
    pub merchant_id: String,
    pub hash_key: String,
    pub hash_iv: String,
}

/// The city's merchant account at a wallet's point of sale.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WalletAccount {
    /// The point of sale's base URL; `/pos/v1/payments` and `/pos/v1/refunds` are under it.
    pub base_url: String,
    pub merchant_id: String,
    /// The HMAC-SHA256 key of `X-Signature`.
    pub key: String,
}

fn is_http(url: &str) -> bool {
    url.starts_with("https://") || url.starts_with("http://")
}

impl PaymentProviders {
    /// The problems with these settings, in words for an operator (empty when fine).
    pub fn problems(&self) -> Vec<String> {
        let mut out = Vec::new();
        if let Some(e) = &self.ecpay {
            if !is_http(&e.base_url) {
                out.push("[payments.ecpay] base_url: an http(s) URL".to_string());
            }
            let id_ok = (1..=10).contains(&e.merchant_id.len())
                && e.merchant_id.bytes().all(|b| b.is_ascii_alphanumeric());
            if !id_ok {
                out.push("[payments.ecpay] merchant_id: 1 to 10 letters and digits".to_string());
            }
            if e.hash_key.trim().is_empty() || e.hash_iv.trim().is_empty() {
                out.push("[payments.ecpay] hash_key and hash_iv: required".to_string());
            }
        }
        if let Some(w) = &self.wallet {
            if !is_http(&w.base_url) {
                out.push("[payments.wallet] base_url: an http(s) URL".to_string());
            }
            if w.merchant_id.trim().is_empty() {
                out.push("[payments.wallet] merchant_id: required".to_string());
            }
            if w.key.len() < 16 {
                out.push("[payments.wallet] key: at least 16 characters".to_string());
            }
        }
        out
    }
}
