//! The counter: a clerk takes a payment from the citizen's wallet barcode (the wallet's point
//! of sale, in EasyWallet's shape) or in cash against a receipt number. Both land in the same
//! ledger as online payments.

use super::online::log_unanswered;
use super::providers::ProviderError;
use super::{Change, Payment, PaymentsApp, Result, new_trade_no, not_found};
use crate::domain::invoice::Carrier;
use crate::domain::state::{Happening, PaymentState};
use crate::domain::wallet::{self, Item, OrderStatus, Outcome};
use crate::module::TAKE_PAYMENTS;
use crate::store;
use domain::Message;
use platform::ServiceError;
use platform::authz::{Actor, Target};

/// How many times a wallet request is sent when no answer comes (the first and the retries).
const WALLET_SENDS: u32 = 3;
/// The longest cash receipt number.
const MAX_RECEIPT: usize = 40;

/// What the wallet did with a barcode.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CounterOutcome {
    Paid(Payment),
    /// Declined, nothing taken: the payer may show another barcode. The wallet's code and
    /// words.
    Declined {
        payment: Payment,
        code: String,
        message: String,
    },
}

fn unavailable() -> ServiceError {
    ServiceError::Unavailable(Message::new("error-wallet-down"))
}

impl PaymentsApp {
    /// A payment of the clerk's jurisdiction that can still be taken at the counter, locked.
    async fn takeable(&self, tx: &mut ::store::Tx, actor: &Actor, id: &str) -> Result<Payment> {
        let p = store::get_for_update(tx, id)
            .await?
            .filter(|p| p.jurisdiction_id == actor.jurisdiction_id)
            .ok_or_else(not_found)?;
        if !matches!(p.state, PaymentState::Created | PaymentState::Started) {
            return Err(ServiceError::invalid(
                Message::new("error-payment-state").arg("state", p.state.as_str()),
            ));
        }
        Ok(p)
    }

    /// Takes a payment from a wallet barcode. The payment is handed to the wallet (and
    /// committed) before the request goes, so a lost answer is asked about again under the
    /// same order number (`retry` counted up), and reconciliation settles it if the counter
    /// gives up.
    pub async fn take_wallet(
        &self,
        actor: &Actor,
        id: &str,
        barcode: &str,
    ) -> Result<CounterOutcome> {
        actor.require(TAKE_PAYMENTS, Target::Jurisdiction)?;
        let Some(w) = self.providers.wallet.as_ref() else {
            return Err(ServiceError::invalid(Message::new("error-wallet-none")));
        };
        let barcode = domain::width::to_half_width(barcode).trim().to_string();
        if barcode.is_empty()
            || barcode.len() > 64
            || !barcode.bytes().all(|b| b.is_ascii_graphic())
        {
            return Err(ServiceError::invalid(Message::new("error-wallet-barcode")));
        }
        let now = self.now();
        let mut tx = self.platform.db.begin().await?;
        let mut p = self.takeable(&mut tx, actor, id).await?;
        p.method = Some("wallet".into());
        p.submitted_at = Some(now);
        let change = Change {
            kind: "submitted",
            actor: actor.label.clone(),
            step: Some(Happening::Submit),
            amount: None,
            data: serde_json::json!({ "provider": "wallet", "trade_no": p.trade_no }),
        };
        self.step(&mut tx, &mut p, change).await?;
        tx.commit().await?;

        let items = vec![Item {
            name: p.description.chars().take(100).collect(),
            quantity: 1,
            amount: u32::try_from(p.amount).unwrap_or(0),
        }];
        let mut request =
            wallet::PaymentRequest::immediate(&w.merchant_id, &p.trade_no, &barcode, items)
                .map_err(ServiceError::invalid)?;
        let mut answer = Err(ProviderError::Unreachable("not sent".into()));
        for retry in 0..WALLET_SENDS {
            request.retry = retry;
            answer = self.providers.wallet_pay(w, &request).await;
            if !matches!(answer, Err(ProviderError::Unreachable(_))) {
                break;
            }
        }
        let outcome = match answer {
            Ok(o) => o,
            Err(err) => {
                log_unanswered(&err, &p);
                return Err(unavailable());
            }
        };
        let mut tx = self.platform.db.begin().await?;
        let Some(mut p) = store::get_for_update(&mut tx, id).await? else {
            return Err(not_found());
        };
        if p.state != PaymentState::Submitted {
            // Reconciliation settled it while the wallet answered.
            return match (p.state, outcome) {
                (PaymentState::Success, _) => Ok(CounterOutcome::Paid(p)),
                (_, Outcome::Paid { transaction_id, .. }) => {
                    // The wallet took the money for a payment already over: kept in its
                    // history, to refund, and the clerk is told.
                    p.provider_status = Some("paid".into());
                    p.provider_amount = Some(p.amount);
                    let change = Change {
                        kind: "paid_late",
                        actor: format!("{} (wallet)", actor.label),
                        step: None,
                        amount: Some(p.amount),
                        data: serde_json::json!({ "transactionId": transaction_id }),
                    };
                    self.step(&mut tx, &mut p, change).await?;
                    tx.commit().await?;
                    Err(ServiceError::invalid(Message::new(
                        "error-wallet-paid-late",
                    )))
                }
                (state, _) => Err(ServiceError::invalid(
                    Message::new("error-payment-state").arg("state", state.as_str()),
                )),
            };
        }
        let result = match outcome {
            Outcome::Paid {
                transaction_id,
                carrier,
            } => {
                p.provider_ref = Some(transaction_id.clone());
                p.provider_status = Some("paid".into());
                p.provider_amount = Some(p.amount);
                if let Some(c) = &carrier {
                    let (kind, cid) = c.parts();
                    p.carrier_kind = Some(kind.into());
                    p.carrier_id = Some(cid.into());
                }
                let change = Change {
                    kind: "paid",
                    actor: format!("{} (wallet)", actor.label),
                    step: Some(Happening::Paid),
                    amount: None,
                    data: serde_json::json!({ "transactionId": transaction_id }),
                };
                self.step(&mut tx, &mut p, change).await?;
                CounterOutcome::Paid(p)
            }
            Outcome::Declined { code, message } => {
                let old = std::mem::replace(&mut p.trade_no, new_trade_no(self.now()));
                store::add_trade(&mut tx, &p.trade_no, &p.id, self.now()).await?;
                p.method = None;
                p.submitted_at = None;
                let change = Change {
                    kind: "declined",
                    actor: format!("{} (wallet)", actor.label),
                    step: Some(Happening::Decline),
                    amount: None,
                    data: serde_json::json!({ "resultCode": code, "message": message, "trade_no": old }),
                };
                self.step(&mut tx, &mut p, change).await?;
                CounterOutcome::Declined {
                    payment: p,
                    code,
                    message,
                }
            }
            Outcome::Refused { code, message } => {
                // The request itself was refused (a signature, a conflict): nothing was taken.
                // The payment fails, and the clerk is told to take it another way.
                tracing::error!(payment = %p.id, code, message, "the wallet refused a payment request");
                p.failure = Some(format!("wallet {code} {message}"));
                let change = Change {
                    kind: "failed",
                    actor: format!("{} (wallet)", actor.label),
                    step: Some(Happening::Fail),
                    amount: None,
                    data: serde_json::json!({ "resultCode": code, "message": message }),
                };
                self.step(&mut tx, &mut p, change).await?;
                tx.commit().await?;
                return Err(ServiceError::invalid(
                    Message::new("error-wallet-refused").arg("code", code),
                ));
            }
        };
        tx.commit().await?;
        Ok(result)
    }

    /// Takes a payment in cash against the receipt the clerk wrote (its number is used once in
    /// the jurisdiction).
    pub async fn take_cash(&self, actor: &Actor, id: &str, receipt: &str) -> Result<Payment> {
        actor.require(TAKE_PAYMENTS, Target::Jurisdiction)?;
        let receipt = domain::width::to_half_width(receipt).trim().to_string();
        if receipt.is_empty()
            || receipt.chars().count() > MAX_RECEIPT
            || receipt.chars().any(|c| c.is_control())
        {
            return Err(ServiceError::invalid(
                Message::new("error-cash-receipt").arg("max", MAX_RECEIPT.to_string()),
            ));
        }
        let now = self.now();
        let mut tx = self.platform.db.begin().await?;
        let mut p = self.takeable(&mut tx, actor, id).await?;
        let used = store::receipt_used(&mut tx, &actor.jurisdiction_id, &receipt).await?;
        if used {
            return Err(ServiceError::invalid(Message::new(
                "error-cash-receipt-used",
            )));
        }
        p.method = Some("cash".into());
        p.submitted_at = Some(now);
        p.provider_ref = Some(receipt.clone());
        p.provider_status = Some("paid".into());
        p.provider_amount = Some(p.amount);
        let change = Change {
            kind: "submitted",
            actor: format!("{} (cash)", actor.label),
            step: Some(Happening::Submit),
            amount: None,
            data: serde_json::json!({ "receipt": receipt }),
        };
        match self.step(&mut tx, &mut p, change).await {
            Ok(()) => {}
            // Another clerk used the number at the same moment (`payments_receipt`).
            Err(ServiceError::Store(e)) if e.is_unique_violation() => {
                return Err(ServiceError::invalid(Message::new(
                    "error-cash-receipt-used",
                )));
            }
            Err(e) => return Err(e),
        }
        let change = Change {
            kind: "paid",
            actor: format!("{} (cash)", actor.label),
            step: Some(Happening::Paid),
            amount: None,
            data: serde_json::json!({ "receipt": receipt }),
        };
        self.step(&mut tx, &mut p, change).await?;
        tx.commit().await?;
        Ok(p)
    }

    /// Asks the wallet what became of a payment handed to it, and settles it if the wallet
    /// knows: what the counter's "check again" and reconciliation do.
    pub(crate) async fn settle_from_wallet(
        &self,
        id: &str,
        status: &OrderStatus,
    ) -> Result<Payment> {
        let now = self.now();
        let mut tx = self.platform.db.begin().await?;
        let Some(mut p) = store::get_for_update(&mut tx, id).await? else {
            return Err(not_found());
        };
        let (word, amount) = match status {
            OrderStatus::Paid { amount, .. } => ("paid", Some(i64::from(*amount))),
            OrderStatus::Declined => ("failed", None),
            OrderStatus::Unknown => ("unknown", None),
        };
        p.checked_at = Some(now);
        p.provider_status = Some(word.into());
        p.provider_amount = amount;
        let step = match status {
            OrderStatus::Paid {
                amount,
                transaction_id,
            } if i64::from(*amount) == p.amount => {
                p.provider_ref = Some(transaction_id.clone());
                Some((Happening::Paid, "paid"))
            }
            OrderStatus::Declined => Some((Happening::Fail, "failed")),
            // The request never arrived: nothing was taken, and nothing will be.
            OrderStatus::Unknown if p.submitted_at.is_some_and(|at| now - at > 300) => {
                Some((Happening::Fail, "failed"))
            }
            _ => None,
        };
        match step {
            Some((step, kind)) if p.state == PaymentState::Submitted => {
                let change = Change {
                    kind,
                    actor: "reconciliation (wallet)".into(),
                    step: Some(step),
                    amount: None,
                    data: serde_json::json!({ "status": word, "amount": amount }),
                };
                self.step(&mut tx, &mut p, change).await?;
            }
            _ => store::record_provider_word(&mut tx, &p.id, word, amount, now, false).await?,
        }
        tx.commit().await?;
        Ok(p)
    }

    /// The carrier a payer gave for their e-invoice, for a payment not yet settled.
    pub async fn set_carrier(&self, id: &str, kind: &str, carrier_id: &str) -> Result<Payment> {
        let carrier = Carrier::parse(kind, carrier_id).map_err(ServiceError::invalid)?;
        let mut tx = self.platform.db.begin().await?;
        let Some(mut p) = store::get_for_update(&mut tx, id).await? else {
            return Err(not_found());
        };
        if p.state.is_finished() {
            return Err(ServiceError::invalid(
                Message::new("error-payment-state").arg("state", p.state.as_str()),
            ));
        }
        let (k, c) = carrier.parts();
        p.carrier_kind = Some(k.into());
        p.carrier_id = Some(c.into());
        let change = Change {
            kind: "carrier",
            actor: "payer".into(),
            step: None,
            amount: None,
            data: serde_json::json!({ "kind": k }),
        };
        self.step(&mut tx, &mut p, change).await?;
        tx.commit().await?;
        Ok(p)
    }
}
