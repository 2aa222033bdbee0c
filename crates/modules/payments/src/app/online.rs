//! The payer's journey online: the summary, the hand-over to the gateway's cashier, the way
//! back, and another go after a failure. The browser's return is never believed: the outcome
//! comes from the gateway's signed notice ([`super::notices`]) or from asking the gateway
//! (`QueryTradeInfo`), which is what [`PaymentsApp::came_back`] does.

use super::providers::{Ecpay, ProviderError};
use super::{Change, ONLINE_MINUTES, Payment, PaymentsApp, Result, new_trade_no, not_found};
use crate::domain::ecpay::{self, Checkout, TradeInfo};
use crate::domain::money::Amount;
use crate::domain::state::{Happening, PaymentState};
use crate::store;
use domain::Message;
use platform::ServiceError;

/// The gateway's path for its server notices on this site.
pub const ECPAY_NOTICE_PATH: &str = "/payments/ecpay/notice";

/// The form the payer's browser posts to the gateway's cashier.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CashierForm {
    pub action: String,
    pub fields: Vec<(String, String)>,
}

/// What follows the payer's "pay".
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PayNext {
    /// To the cashier with this form.
    Cashier(CashierForm),
    /// Nothing to pay: the payment finished (the outcome page says how).
    Finished(Box<Payment>),
}

pub(crate) fn gateway_down() -> ServiceError {
    ServiceError::Unavailable(Message::new("error-payment-gateway-down"))
}

fn no_gateway() -> ServiceError {
    ServiceError::invalid(Message::new("error-payment-no-gateway"))
}

/// What the gateway's word means for a payment: the step to take, if any, and the words kept.
pub(crate) fn step_for(
    info: &TradeInfo,
    p: &Payment,
    now: i64,
) -> (Option<Happening>, &'static str) {
    match info.status_code.as_str() {
        "1" if info.amount.map(Amount::dollars).map(i64::from) == Some(p.amount) => {
            (Some(Happening::Paid), "paid")
        }
        "1" => (None, "paid"),
        "0" if now > p.expires_at => (Some(Happening::Expire), "unpaid"),
        "0" => (None, "unpaid"),
        "10200095" if info.payment_date.is_empty() => (Some(Happening::Cancel), "cancelled"),
        "10200095" => (Some(Happening::Fail), "failed"),
        // The gateway has no such trade: the payer never reached the cashier.
        _ if now > p.expires_at => (Some(Happening::Expire), "unknown"),
        _ => (None, "unknown"),
    }
}

impl PaymentsApp {
    /// The payer opens the summary: a payment asked for becomes started (once).
    pub async fn open_summary(&self, id: &str) -> Result<Payment> {
        let p = self.for_payer(id).await?;
        if p.state != PaymentState::Created || p.channel != "online" {
            return Ok(p);
        }
        let mut tx = self.platform.db.begin().await?;
        let Some(mut p) = store::get_for_update(&mut tx, id).await? else {
            return Err(not_found());
        };
        if p.state == PaymentState::Created {
            let change = Change {
                kind: "started",
                actor: "payer".into(),
                step: Some(Happening::Start),
                amount: None,
                data: serde_json::json!({}),
            };
            self.step(&mut tx, &mut p, change).await?;
            tx.commit().await?;
        }
        Ok(p)
    }

    fn ecpay(&self) -> Result<&Ecpay> {
        self.providers.ecpay.as_ref().ok_or_else(no_gateway)
    }

    /// The cashier's origin, when a gateway is configured (the payer's page posts to it).
    pub fn cashier_origin(&self) -> Option<String> {
        self.providers.ecpay.as_ref().map(Ecpay::origin)
    }

    fn cashier_form(&self, e: &Ecpay, p: &Payment) -> CashierForm {
        let base = self.platform.config().public_base();
        let notice = format!("{base}{ECPAY_NOTICE_PATH}");
        let result = format!("{base}/pay/{}/result", p.id);
        let back = format!("{base}/pay/{}/back", p.id);
        let amount = Amount::new(p.amount).unwrap_or_else(|_| Amount::new(1).expect("1"));
        let fields = ecpay::checkout_fields(
            &e.merchant,
            &Checkout {
                trade_no: &p.trade_no,
                created_at: p.submitted_at.unwrap_or(p.created_at),
                amount,
                description: &p.description,
                item: &format!("{} x 1", p.description),
                notice_url: &notice,
                result_url: &result,
                back_url: &back,
            },
        );
        CashierForm {
            action: e.cashier_url(),
            fields,
        }
    }

    /// The payer pressed "pay": the gateway is asked first (so a gateway that is down says so
    /// now, and the payment stays as it was, to try again), then the payment is handed to it
    /// and the browser goes to the cashier. Pressing again (a double click, the back button)
    /// finds the same payment: the same form while the cashier has not seen it; once it has,
    /// what the gateway says of it.
    pub async fn pay_online(&self, id: &str) -> Result<PayNext> {
        let e = self.ecpay()?;
        let p = self.for_payer(id).await?;
        if p.state.is_finished() || p.channel != "online" {
            return Ok(PayNext::Finished(Box::new(p)));
        }
        let now = self.now();
        if p.state != PaymentState::Submitted && now > p.expires_at {
            let p = self.expire(id).await?;
            return Ok(PayNext::Finished(Box::new(p)));
        }
        let info = self
            .providers
            .ecpay_query(e, &p.trade_no, now)
            .await
            .map_err(|err| {
                tracing::warn!(error = %err, payment = %p.id, "ECPay did not answer before the cashier");
                gateway_down()
            })?;
        if p.state == PaymentState::Submitted && info.status_code != "10200047" {
            // The cashier has seen this trade: it decides.
            let p = self.settle_from_gateway(id, &info, "payer").await?;
            if p.state.is_finished() {
                return Ok(PayNext::Finished(Box::new(p)));
            }
            // Still open at the cashier (the payer came back without choosing): that trade is
            // left, and this payment goes on under a new trade number. The old one stays the
            // payment's (`payment_trades`): if it is paid after all, its notice settles this
            // payment, and a second payment shows as paid late, to refund.
            let p = self.renumber(id).await?;
            if p.state != PaymentState::Submitted {
                return Ok(PayNext::Finished(Box::new(p)));
            }
            return Ok(PayNext::Cashier(self.cashier_form(e, &p)));
        }
        let mut tx = self.platform.db.begin().await?;
        let Some(mut p) = store::get_for_update(&mut tx, id).await? else {
            return Err(not_found());
        };
        if p.state.is_finished() {
            return Ok(PayNext::Finished(Box::new(p)));
        }
        if p.state != PaymentState::Submitted {
            p.method = Some("ecpay".into());
            p.submitted_at = Some(now);
            p.expires_at = p.expires_at.max(now + ONLINE_MINUTES * 60);
            let change = Change {
                kind: "submitted",
                actor: "payer".into(),
                step: Some(Happening::Submit),
                amount: None,
                data: serde_json::json!({ "provider": "ecpay", "trade_no": p.trade_no }),
            };
            self.step(&mut tx, &mut p, change).await?;
            tx.commit().await?;
        }
        Ok(PayNext::Cashier(self.cashier_form(e, &p)))
    }

    /// Gives a submitted payment a new trade number (the last one was left at the cashier).
    async fn renumber(&self, id: &str) -> Result<Payment> {
        let now = self.now();
        let mut tx = self.platform.db.begin().await?;
        let Some(mut p) = store::get_for_update(&mut tx, id).await? else {
            return Err(not_found());
        };
        if p.state != PaymentState::Submitted {
            // Settled meanwhile (its notice came): nothing to pay again.
            return Ok(p);
        }
        let old = std::mem::replace(&mut p.trade_no, new_trade_no(now));
        store::add_trade(&mut tx, &p.trade_no, &p.id, now).await?;
        p.submitted_at = Some(now);
        p.expires_at = p.expires_at.max(now + ONLINE_MINUTES * 60);
        let change = Change {
            kind: "resubmitted",
            actor: "payer".into(),
            step: None,
            amount: None,
            data: serde_json::json!({ "left": old, "trade_no": p.trade_no }),
        };
        self.step(&mut tx, &mut p, change).await?;
        tx.commit().await?;
        Ok(p)
    }

    /// Applies what the gateway said of a payment's trade (from a query), unless the payment
    /// moved meanwhile; records the gateway's word either way.
    pub(crate) async fn settle_from_gateway(
        &self,
        id: &str,
        info: &TradeInfo,
        actor: &str,
    ) -> Result<Payment> {
        let now = self.now();
        let mut tx = self.platform.db.begin().await?;
        let Some(mut p) = store::get_for_update(&mut tx, id).await? else {
            return Err(not_found());
        };
        let (step, word) = step_for(info, &p, now);
        let amount = info.amount.map(|a| i64::from(a.dollars()));
        p.checked_at = Some(now);
        p.provider_status = Some(word.into());
        p.provider_amount = amount;
        if p.state == PaymentState::Submitted
            && info.merchant_trade_no == p.trade_no
            && let Some(step) = step
        {
            if step == Happening::Paid {
                p.provider_ref = Some(info.trade_no.clone());
                p.payment_type = Some(info.payment_type.clone());
            }
            if matches!(step, Happening::Fail) {
                p.failure = Some(format!("ECPay {}", info.status_code));
            }
            let kind = match step {
                Happening::Paid => "paid",
                Happening::Fail => "failed",
                Happening::Cancel => "cancelled",
                _ => "expired",
            };
            let change = Change {
                kind,
                actor: format!("{actor} (ECPay QueryTradeInfo)"),
                step: Some(step),
                amount: None,
                data: serde_json::json!({
                    "TradeStatus": info.status_code,
                    "TradeNo": info.trade_no,
                    "TradeAmt": amount,
                    "PaymentType": info.payment_type,
                    "PaymentDate": info.payment_date,
                }),
            };
            self.step(&mut tx, &mut p, change).await?;
        } else {
            store::record_provider_word(&mut tx, &p.id, word, amount, now, false).await?;
        }
        tx.commit().await?;
        Ok(p)
    }

    /// Expires a payment that was never handed to a provider.
    pub(crate) async fn expire(&self, id: &str) -> Result<Payment> {
        let mut tx = self.platform.db.begin().await?;
        let Some(mut p) = store::get_for_update(&mut tx, id).await? else {
            return Err(not_found());
        };
        if matches!(p.state, PaymentState::Created | PaymentState::Started) {
            let change = Change {
                kind: "expired",
                actor: "civicdesk".into(),
                step: Some(Happening::Expire),
                amount: None,
                data: serde_json::json!({}),
            };
            self.step(&mut tx, &mut p, change).await?;
            tx.commit().await?;
        }
        Ok(p)
    }

    /// The payer is back from the cashier (its "back to the shop", or the result it posts):
    /// the gateway is asked what happened. A gateway that does not answer leaves the payment
    /// as it is (its notice, or reconciliation, settles it).
    pub async fn came_back(&self, id: &str) -> Result<Payment> {
        let p = self.for_payer(id).await?;
        if p.state != PaymentState::Submitted || p.method.as_deref() != Some("ecpay") {
            return Ok(p);
        }
        let Ok(e) = self.ecpay() else {
            return Ok(p);
        };
        match self.providers.ecpay_query(e, &p.trade_no, self.now()).await {
            Ok(info) => self.settle_from_gateway(id, &info, "payer").await,
            Err(err) => {
                log_unanswered(&err, &p);
                Ok(p)
            }
        }
    }

    /// Another go after a payment failed or was cancelled: a new payment for the same ask
    /// (or the one already open or paid for it).
    pub async fn pay_again(&self, id: &str) -> Result<Payment> {
        let old = self.for_payer(id).await?;
        if !matches!(old.state, PaymentState::Failed | PaymentState::Cancelled) {
            return Ok(old);
        }
        let now = self.now();
        let mut tx = self.platform.db.begin().await?;
        let (j, o, r) = (&old.jurisdiction_id, &old.owner, &old.reference);
        if let Some(p) = store::paid_for_reference(&mut tx, j, o, r).await? {
            return Ok(p);
        }
        if let Some(p) = store::open_for_reference(&mut tx, j, o, r).await? {
            return Ok(p);
        }
        let p = Payment {
            id: platform::secrets::token_of::<16>(),
            trade_no: new_trade_no(now),
            state: PaymentState::Created,
            method: None,
            provider_ref: None,
            payment_type: None,
            carrier_kind: None,
            carrier_id: None,
            refunded: 0,
            retry_of: Some(old.id.clone()),
            failure: None,
            created_by: "payer".into(),
            created_at: now,
            updated_at: now,
            expires_at: old.expires_at.max(now + ONLINE_MINUTES * 60),
            submitted_at: None,
            settled_at: None,
            checked_at: None,
            provider_status: None,
            provider_amount: None,
            ..old
        };
        match self.insert_new(&mut tx, &p, "payer").await {
            Ok(()) => tx.commit().await?,
            // Pressed twice at once: the other press's payment.
            Err(ServiceError::Store(e)) if e.is_unique_violation() => {
                drop(tx);
                let db = &self.platform.db;
                let (j, o, r) = (&p.jurisdiction_id, &p.owner, &p.reference);
                if let Some(found) = store::open_for_reference(db, j, o, r).await? {
                    return Ok(found);
                }
                return Err(ServiceError::Store(e));
            }
            Err(e) => return Err(e),
        }
        Ok(p)
    }
}

pub(crate) fn log_unanswered(err: &ProviderError, p: &Payment) {
    tracing::warn!(error = %err, payment = %p.id, trade_no = %p.trade_no, "a payment service did not answer");
}
