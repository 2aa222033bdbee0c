//! Refunds: whole or in part, never past what was taken (counting earlier refunds, and those
//! asked of a provider and not yet answered), with a reason, by staff who may refund and who
//! prove it is them again (a step up). The money goes back through the provider where it can
//! (ECPay for a card, the wallet), otherwise the refund is made by hand and recorded as manual.
//! A payment paid after it had ended (paid late) is refunded the same way.
//!
//! A provider's refund is reserved first: under the payment's row lock the amount is checked
//! and a `pending` refund written, so two refunds at once cannot pass what was taken. Then the
//! provider is asked; its answer makes the refund `done` or `refused` (the amount released).
//! A provider that gives no answer leaves it `pending`, the money reserved, and says so: ECPay's
//! card refund has no refund number, so asking again could refund twice.

use super::{Change, Payment, PaymentsApp, Refund, Result, not_found};
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

/// How the money goes back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum How {
    Gateway,
    Wallet,
    Manual,
}

impl How {
    fn as_str(self) -> &'static str {
        match self {
            How::Gateway => "gateway",
            How::Wallet => "wallet",
            How::Manual => "manual",
        }
    }

    fn of(app: &PaymentsApp, p: &Payment) -> How {
        let card = p.payment_type.as_deref() == Some("Credit_CreditCard");
        match p.method.as_deref() {
            Some("ecpay") if card && app.providers.ecpay.is_some() => How::Gateway,
            Some("wallet") if app.providers.wallet.is_some() => How::Wallet,
            _ => How::Manual,
        }
    }
}

/// Whether `amount` may be refunded of `p` now; the messages if not.
fn check(p: &Payment, amount: i64) -> std::result::Result<(), Message> {
    let taken = p.taken();
    let Ok(taken) = Amount::new(taken) else {
        return Err(Message::new("error-refund-unpaid"));
    };
    let asked = Amount::new(amount)?;
    money::refundable(taken, u32::try_from(p.refunded).unwrap_or(u32::MAX), asked)
}

impl PaymentsApp {
    /// Refunds part or all of what was taken for a payment.
    pub async fn refund(&self, actor: &Actor, id: &str, ask: RefundAsk) -> Result<Refund> {
        actor.require(REFUND_PAYMENTS, Target::Jurisdiction)?;
        let p = self.in_jurisdiction(actor, id).await?;
        let reason = ask.reason.trim().to_string();
        let mut problems = Vec::new();
        if let Err(m) = Amount::new(ask.amount) {
            problems.push(m);
        } else if let Err(m) = check(&p, ask.amount) {
            problems.push(m);
        }
        if reason.is_empty() || reason.chars().count() > MAX_REASON {
            problems.push(Message::new("error-refund-reason").arg("max", MAX_REASON.to_string()));
        }
        if !problems.is_empty() {
            return Err(ServiceError::Invalid(problems));
        }
        self.identity
            .confirm_second_factor(actor, &ask.code)
            .await?;

        // Reserve it (or, by hand, make it) under the row lock.
        let now = self.now();
        let mut tx = self.platform.db.begin().await?;
        let Some(mut p) = store::get_for_update(&mut tx, id).await? else {
            return Err(not_found());
        };
        check(&p, ask.amount).map_err(ServiceError::invalid)?;
        let how = How::of(self, &p);
        let mut refund = Refund {
            id: uuid::Uuid::now_v7().to_string(),
            payment_id: p.id.clone(),
            amount: ask.amount,
            reason: reason.clone(),
            how: how.as_str().into(),
            state: if how == How::Manual {
                "done"
            } else {
                "pending"
            }
            .into(),
            provider_ref: None,
            created_by: actor.label.clone(),
            created_at: now,
        };
        store::refunds::insert(&mut tx, &p.jurisdiction_id, &refund).await?;
        p.refunded += ask.amount;
        let kind = if how == How::Manual {
            "refunded"
        } else {
            "refund_asked"
        };
        self.refund_event(&mut tx, &mut p, &refund, kind).await?;
        if how == How::Manual {
            self.refund_done(&mut tx, actor, &p, &refund, now).await?;
            tx.commit().await?;
            return Ok(refund);
        }
        tx.commit().await?;

        // Ask the provider.
        let answer = match how {
            How::Gateway => self.refund_at_gateway(&p, ask.amount).await,
            _ => self.refund_at_wallet(&p, &refund).await,
        };
        let (refused, provider_ref) = match answer {
            Ok(Ok(provider_ref)) => (None, provider_ref),
            Ok(Err(message)) => (Some(message), None),
            Err(()) => {
                return Err(ServiceError::Unavailable(Message::new(
                    "error-refund-unknown",
                )));
            }
        };
        let mut tx = self.platform.db.begin().await?;
        let Some(mut p) = store::get_for_update(&mut tx, id).await? else {
            return Err(not_found());
        };
        if let Some(message) = refused {
            store::refunds::settle(&mut tx, &refund.id, "refused", None).await?;
            p.refunded -= refund.amount;
            self.refund_event(&mut tx, &mut p, &refund, "refund_refused")
                .await?;
            tx.commit().await?;
            return Err(ServiceError::invalid(message));
        }
        store::refunds::settle(&mut tx, &refund.id, "done", provider_ref.as_deref()).await?;
        refund.state = "done".into();
        refund.provider_ref = provider_ref;
        self.refund_event(&mut tx, &mut p, &refund, "refunded")
            .await?;
        self.refund_done(&mut tx, actor, &p, &refund, now).await?;
        tx.commit().await?;
        Ok(refund)
    }

    /// Settles a refund the provider left unanswered, once staff have checked with the provider
    /// what became of it: `done` (the money went back) or not (`refused`: the reservation is
    /// released, and it may be asked again). A step up, like the refund.
    pub async fn resolve_refund(
        &self,
        actor: &Actor,
        payment_id: &str,
        refund_id: &str,
        done: bool,
        code: &str,
    ) -> Result<Refund> {
        actor.require(REFUND_PAYMENTS, Target::Jurisdiction)?;
        self.in_jurisdiction(actor, payment_id).await?;
        self.identity.confirm_second_factor(actor, code).await?;
        let now = self.now();
        let mut tx = self.platform.db.begin().await?;
        let Some(mut p) = store::get_for_update(&mut tx, payment_id).await? else {
            return Err(not_found());
        };
        let Some(mut refund) = store::refunds::get(&mut tx, payment_id, refund_id).await? else {
            return Err(not_found());
        };
        if refund.state != "pending" {
            return Err(ServiceError::invalid(Message::new(
                "error-refund-not-pending",
            )));
        }
        refund.created_by = actor.label.clone();
        if done {
            store::refunds::settle(&mut tx, &refund.id, "done", None).await?;
            refund.state = "done".into();
            self.refund_event(&mut tx, &mut p, &refund, "refunded")
                .await?;
            self.refund_done(&mut tx, actor, &p, &refund, now).await?;
        } else {
            store::refunds::settle(&mut tx, &refund.id, "refused", None).await?;
            refund.state = "refused".into();
            p.refunded -= refund.amount;
            self.refund_event(&mut tx, &mut p, &refund, "refund_refused")
                .await?;
        }
        tx.commit().await?;
        Ok(refund)
    }

    async fn refund_event(
        &self,
        tx: &mut ::store::Tx,
        p: &mut Payment,
        r: &Refund,
        kind: &'static str,
    ) -> Result<()> {
        let change = Change {
            kind,
            actor: r.created_by.clone(),
            step: None,
            amount: Some(r.amount),
            data: serde_json::json!({ "how": r.how, "reason": r.reason, "refund_id": r.id }),
        };
        self.step(tx, p, change).await
    }

    /// The audit record and the department systems' webhook of a refund made.
    async fn refund_done(
        &self,
        tx: &mut ::store::Tx,
        actor: &Actor,
        p: &Payment,
        r: &Refund,
        now: i64,
    ) -> Result<()> {
        audit::record(
            tx,
            actor,
            "payment.refund",
            Subject {
                kind: "payment",
                id: &p.id,
                data_subject: None,
            },
            Some(&r.reason),
            serde_json::json!({ "amount": r.amount, "how": r.how }),
            now,
        )
        .await?;
        platform::webhooks::enqueue(
            tx,
            &p.jurisdiction_id,
            "payment.refunded",
            None,
            &r.id,
            serde_json::json!({
                "payment_id": p.id,
                "reference": p.reference,
                "amount": r.amount,
                "refunded": p.refunded,
            }),
            now,
        )
        .await?;
        Ok(())
    }

    /// ECPay's card refund: `Ok(Ok(None))` refunded, `Ok(Err(why))` refused, `Err(())` no answer.
    async fn refund_at_gateway(
        &self,
        p: &Payment,
        amount: i64,
    ) -> std::result::Result<std::result::Result<Option<String>, Message>, ()> {
        let Some(e) = self.providers.ecpay.as_ref() else {
            return Err(());
        };
        let gateway_no = p.provider_ref.clone().unwrap_or_default();
        match self
            .providers
            .ecpay_refund(e, &p.trade_no, &gateway_no, amount)
            .await
        {
            Ok(a) if a.code == "1" => Ok(Ok(None)),
            Ok(a) => Ok(Err(Message::new("error-refund-refused")
                .arg("code", a.code)
                .arg("message", a.message))),
            Err(err) => {
                tracing::warn!(error = %err, payment = %p.id, "ECPay refund unanswered");
                Err(())
            }
        }
    }

    /// The wallet's refund, idempotent by the refund's id.
    async fn refund_at_wallet(
        &self,
        p: &Payment,
        r: &Refund,
    ) -> std::result::Result<std::result::Result<Option<String>, Message>, ()> {
        let Some(w) = self.providers.wallet.as_ref() else {
            return Err(());
        };
        let request = RefundRequest {
            merchant_id: w.merchant_id.clone(),
            merchant_order_no: p.trade_no.clone(),
            merchant_refund_no: r.id.replace('-', "").chars().take(32).collect(),
            refund_amount: u32::try_from(r.amount).unwrap_or(0),
        };
        match self.providers.wallet_refund(w, &request).await {
            Ok(RefundOutcome::Refunded { refund_id }) => Ok(Ok(Some(refund_id))),
            Ok(RefundOutcome::Refused { code, message }) => {
                Ok(Err(Message::new("error-refund-refused")
                    .arg("code", code)
                    .arg("message", message)))
            }
            Err(err) => {
                tracing::warn!(error = %err, payment = %p.id, "wallet refund unanswered");
                Err(())
            }
        }
    }
}
