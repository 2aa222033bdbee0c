//! Refunds: whole or in part, never past what was paid (counting earlier refunds), with a
//! reason, by staff who may refund and who prove it is them again (a step up). The money goes
//! back through the provider where it can (ECPay for a card, the wallet), otherwise the refund
//! is made by hand and recorded as manual.

use super::{Change, PaymentsApp, Refund, Result, not_found};
use crate::domain::money::{self, Amount};
use crate::domain::wallet::{RefundOutcome, RefundRequest};
use crate::module::REFUND_PAYMENTS;
use crate::store;
use domain::Message;
use platform::ServiceError;
use platform::audit::{self, Subject};
use platform::authz::{Actor, Target};

/// The longest reason, in characters.
pub const MAX_REASON: usize = 500;

/// A refund asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefundAsk {
    pub amount: i64,
    pub reason: String,
    /// A current code from the staff member's authenticator app.
    pub code: String,
}

impl PaymentsApp {
    /// Refunds part or all of a paid payment.
    pub async fn refund(&self, actor: &Actor, id: &str, ask: RefundAsk) -> Result<Refund> {
        actor.require(REFUND_PAYMENTS, Target::Jurisdiction)?;
        let p = self.in_jurisdiction(actor, id).await?;
        let reason = ask.reason.trim().to_string();
        let mut problems = Vec::new();
        let amount = match Amount::new(ask.amount) {
            Ok(a) => Some(a),
            Err(m) => {
                problems.push(m);
                None
            }
        };
        if reason.is_empty() || reason.chars().count() > MAX_REASON {
            problems.push(Message::new("error-refund-reason").arg("max", MAX_REASON.to_string()));
        }
        if p.state != crate::domain::state::PaymentState::Success {
            problems.push(Message::new("error-refund-unpaid"));
        } else if let Some(a) = amount
            && let Ok(paid) = Amount::new(p.amount)
            && let Err(m) = money::refundable(paid, u32::try_from(p.refunded).unwrap_or(0), a)
        {
            problems.push(m);
        }
        if !problems.is_empty() {
            return Err(ServiceError::Invalid(problems));
        }
        self.identity
            .confirm_second_factor(actor, &ask.code)
            .await?;
        let now = self.now();
        let refund_id = uuid::Uuid::now_v7().to_string();
        let card = p.payment_type.as_deref() == Some("Credit_CreditCard");
        let (how, provider_ref) = match (
            p.method.as_deref(),
            &self.providers.ecpay,
            &self.providers.wallet,
        ) {
            (Some("ecpay"), Some(e), _) if card => {
                let gateway_no = p.provider_ref.clone().unwrap_or_default();
                let answer = self
                    .providers
                    .ecpay_refund(e, &p.trade_no, &gateway_no, ask.amount)
                    .await
                    .map_err(|err| {
                        tracing::warn!(error = %err, payment = %p.id, "ECPay refund unanswered");
                        super::online::gateway_down()
                    })?;
                if answer.code != "1" {
                    return Err(ServiceError::invalid(
                        Message::new("error-refund-refused")
                            .arg("code", answer.code)
                            .arg("message", answer.message),
                    ));
                }
                ("gateway", None)
            }
            (Some("wallet"), _, Some(w)) => {
                let request = RefundRequest {
                    merchant_id: w.merchant_id.clone(),
                    merchant_order_no: p.trade_no.clone(),
                    merchant_refund_no: refund_id.replace('-', "").chars().take(32).collect(),
                    refund_amount: u32::try_from(ask.amount).unwrap_or(0),
                };
                match self.providers.wallet_refund(w, &request).await {
                    Ok(RefundOutcome::Refunded { refund_id }) => ("wallet", Some(refund_id)),
                    Ok(RefundOutcome::Refused { code, message }) => {
                        return Err(ServiceError::invalid(
                            Message::new("error-refund-refused")
                                .arg("code", code)
                                .arg("message", message),
                        ));
                    }
                    Err(err) => {
                        tracing::warn!(error = %err, payment = %p.id, "wallet refund unanswered");
                        return Err(ServiceError::Unavailable(Message::new("error-wallet-down")));
                    }
                }
            }
            _ => ("manual", None),
        };
        let mut tx = self.platform.db.begin().await?;
        let Some(mut p) = store::get_for_update(&mut tx, id).await? else {
            return Err(not_found());
        };
        if ask.amount > p.refundable() {
            // Another refund went first; the provider took this one too, which the
            // reconciliation report will show. Record what the provider did.
            tracing::error!(payment = %p.id, "a refund passed what was paid after a concurrent refund");
        }
        let refund = Refund {
            id: refund_id,
            payment_id: p.id.clone(),
            amount: ask.amount,
            reason: reason.clone(),
            how: how.into(),
            provider_ref,
            created_by: actor.label.clone(),
            created_at: now,
        };
        store::refunds::insert(&mut tx, &p.jurisdiction_id, &refund).await?;
        p.refunded += ask.amount;
        let change = Change {
            kind: "refunded",
            actor: actor.label.clone(),
            step: None,
            amount: Some(ask.amount),
            data: serde_json::json!({ "how": how, "reason": reason, "refund_id": refund.id }),
        };
        self.step(&mut tx, &mut p, change).await?;
        audit::record(
            &mut tx,
            actor,
            "payment.refund",
            Subject {
                kind: "payment",
                id: &p.id,
                data_subject: None,
            },
            Some(&reason),
            serde_json::json!({ "amount": ask.amount, "how": how }),
            now,
        )
        .await?;
        platform::webhooks::enqueue(
            &mut tx,
            &p.jurisdiction_id,
            "payment.refunded",
            None,
            &refund.id,
            serde_json::json!({
                "payment_id": p.id,
                "reference": p.reference,
                "amount": ask.amount,
                "refunded": p.refunded,
            }),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(refund)
    }
}
