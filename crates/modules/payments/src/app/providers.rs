//! The adapters: how the module talks to the payment services over HTTP, exactly as to the
//! real ones (the simulators in the demo and the tests). What each message means is in
//! `domain::ecpay` and `domain::wallet`; here are only the requests and the answers' bytes.

use crate::domain::ecpay::{self, Merchant, TradeInfo};
use crate::domain::mac::MacKeys;
use crate::domain::wallet::{
    self, OrderStatus, Outcome, PaymentRequest, RefundOutcome, RefundRequest,
};
use platform::http_client::{Outbound, OutboundError};
use platform::payment_providers::PaymentProviders;
use std::time::Duration;

/// How long a payment service has to answer one request.
const TIMEOUT: Duration = Duration::from_secs(10);
/// The largest answer read.
const MAX_ANSWER: usize = 64 * 1024;

/// Why a payment service gave no answer to believe.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum ProviderError {
    /// Not reached, or no answer in time: trying again later may work.
    #[error("unreachable: {0}")]
    Unreachable(String),
    /// An answer, but not one to believe (a signature, a shape, a refusal of the request).
    #[error("untrusted answer: {0}")]
    Untrusted(String),
}

impl From<OutboundError> for ProviderError {
    fn from(e: OutboundError) -> Self {
        ProviderError::Unreachable(e.to_string())
    }
}

/// The services a city configured, ready to call.
pub(crate) struct Providers {
    pub config: PaymentProviders,
    pub ecpay: Option<Ecpay>,
    pub wallet: Option<Wallet>,
    client: Option<Outbound>,
}

pub(crate) struct Ecpay {
    pub merchant: Merchant,
    base: String,
}

pub(crate) struct Wallet {
    pub merchant_id: String,
    key: String,
    base: String,
}

/// An ECPay card refund's answer (`RtnCode`, `RtnMsg`).
pub(crate) struct EcpayRefund {
    pub code: String,
    pub message: String,
}

impl Providers {
    pub fn new(config: &PaymentProviders) -> Providers {
        let client = match Outbound::new("payments", TIMEOUT, MAX_ANSWER) {
            Ok(c) => Some(c),
            Err(e) => {
                tracing::error!(error = %e, "the payments client cannot be set up");
                None
            }
        };
        Providers {
            config: config.clone(),
            ecpay: config.ecpay.as_ref().map(|e| Ecpay {
                merchant: Merchant {
                    id: e.merchant_id.clone(),
                    keys: MacKeys {
                        hash_key: e.hash_key.clone(),
                        hash_iv: e.hash_iv.clone(),
                    },
                },
                base: e.base_url.trim_end_matches('/').to_string(),
            }),
            wallet: config.wallet.as_ref().map(|w| Wallet {
                merchant_id: w.merchant_id.clone(),
                key: w.key.clone(),
                base: w.base_url.trim_end_matches('/').to_string(),
            }),
            client,
        }
    }

    fn client(&self) -> Result<&Outbound, ProviderError> {
        self.client
            .as_ref()
            .ok_or_else(|| ProviderError::Unreachable("no HTTP client".into()))
    }

    async fn post_form(
        &self,
        url: &str,
        fields: &[(String, String)],
    ) -> Result<(u16, String), ProviderError> {
        let body = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(fields.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .finish();
        let request = http::Request::post(url)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body.into_bytes())
            .map_err(|e| ProviderError::Unreachable(e.to_string()))?;
        let answer = self.client()?.send(request).await?;
        let status = answer.status().as_u16();
        Ok((status, String::from_utf8_lossy(answer.body()).into_owned()))
    }

    async fn send_json(
        &self,
        request: http::Request<Vec<u8>>,
    ) -> Result<(u16, Vec<u8>, Option<String>), ProviderError> {
        let answer = self.client()?.send(request).await?;
        let sig = answer
            .headers()
            .get(wallet::SIGNATURE_HEADER)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        Ok((answer.status().as_u16(), answer.body().clone(), sig))
    }

    /// Asks ECPay about a trade (`QueryTradeInfo`).
    pub async fn ecpay_query(
        &self,
        e: &Ecpay,
        trade_no: &str,
        now: i64,
    ) -> Result<TradeInfo, ProviderError> {
        let fields = ecpay::query_fields(&e.merchant, trade_no, now);
        let url = format!("{}/Cashier/QueryTradeInfo/V5", e.base);
        let (status, body) = self.post_form(&url, &fields).await?;
        if status != 200 {
            return Err(ProviderError::Untrusted(format!("status {status}: {body}")));
        }
        let info = ecpay::read_trade_info(&e.merchant, &body)
            .map_err(|err| ProviderError::Untrusted(err.to_string()))?;
        if info.merchant_trade_no != trade_no {
            return Err(ProviderError::Untrusted("another trade's answer".into()));
        }
        Ok(info)
    }

    /// Refunds `amount` of a card payment at ECPay (`DoAction`, `R`).
    pub async fn ecpay_refund(
        &self,
        e: &Ecpay,
        trade_no: &str,
        gateway_trade_no: &str,
        amount: i64,
    ) -> Result<EcpayRefund, ProviderError> {
        let fields = ecpay::refund_fields(&e.merchant, trade_no, gateway_trade_no, amount);
        let url = format!("{}/CreditDetail/DoAction", e.base);
        let (_, body) = self.post_form(&url, &fields).await?;
        let mut code = None;
        let mut message = String::new();
        for (k, v) in form_urlencoded::parse(body.trim().as_bytes()) {
            match k.as_ref() {
                "RtnCode" => code = Some(v.into_owned()),
                "RtnMsg" => message = v.into_owned(),
                _ => {}
            }
        }
        let code = code.ok_or_else(|| ProviderError::Untrusted(format!("no RtnCode: {body}")))?;
        Ok(EcpayRefund { code, message })
    }

    /// Takes a payment from the payer's wallet barcode.
    pub async fn wallet_pay(
        &self,
        w: &Wallet,
        request: &PaymentRequest,
    ) -> Result<Outcome, ProviderError> {
        let (body, sig) = request.signed(&w.key);
        let request_http = http::Request::post(format!("{}/pos/v1/payments", w.base))
            .header("content-type", "application/json")
            .header(wallet::SIGNATURE_HEADER, sig)
            .body(body)
            .map_err(|e| ProviderError::Unreachable(e.to_string()))?;
        let (status, body, sig) = self.send_json(request_http).await?;
        if status == 401 || status == 400 {
            return Err(ProviderError::Untrusted(format!(
                "status {status}: {}",
                String::from_utf8_lossy(&body)
            )));
        }
        wallet::read_answer(&w.key, request, &body, sig.as_deref())
            .map_err(|e| ProviderError::Untrusted(e.to_string()))
    }

    /// Asks the wallet about an order.
    pub async fn wallet_status(
        &self,
        w: &Wallet,
        order_no: &str,
    ) -> Result<OrderStatus, ProviderError> {
        let path = format!("/pos/v1/payments/{order_no}");
        let request = http::Request::get(format!("{}{path}", w.base))
            .header("x-merchant-id", w.merchant_id.as_str())
            .header(
                wallet::SIGNATURE_HEADER,
                wallet::signature(&w.key, path.as_bytes()),
            )
            .body(Vec::new())
            .map_err(|e| ProviderError::Unreachable(e.to_string()))?;
        let (status, body, sig) = self.send_json(request).await?;
        wallet::read_status(&w.key, status, &body, sig.as_deref())
            .map_err(|e| ProviderError::Untrusted(e.to_string()))
    }

    /// Refunds to the payer's wallet.
    pub async fn wallet_refund(
        &self,
        w: &Wallet,
        refund: &RefundRequest,
    ) -> Result<RefundOutcome, ProviderError> {
        let (body, sig) = refund.signed(&w.key);
        let request = http::Request::post(format!("{}/pos/v1/refunds", w.base))
            .header("content-type", "application/json")
            .header(wallet::SIGNATURE_HEADER, sig)
            .body(body)
            .map_err(|e| ProviderError::Unreachable(e.to_string()))?;
        let (_, body, sig) = self.send_json(request).await?;
        wallet::read_refund_answer(&w.key, &body, sig.as_deref())
            .map_err(|e| ProviderError::Untrusted(e.to_string()))
    }
}

impl Ecpay {
    /// Where the payer's browser posts the checkout form.
    pub fn cashier_url(&self) -> String {
        format!("{}/Cashier/AioCheckOut/V5", self.base)
    }

    /// The cashier's origin, for the page's form-action policy.
    pub fn origin(&self) -> String {
        origin_of(&self.base)
    }
}

/// `scheme://host[:port]` of a URL.
pub(crate) fn origin_of(url: &str) -> String {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let host_len = rest.find('/').unwrap_or(rest.len());
    let scheme_len = url.len() - rest.len();
    url[..scheme_len + host_len].to_string()
}
