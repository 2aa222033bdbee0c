//! The gateway's server notices (ECPay's `ReturnURL`): verified, matched on the trade number,
//! taken once, and logged whatever happens to them. The answer is `1|OK` when the notice is
//! taken or was already (a duplicate, a re-send), so the gateway stops re-sending; anything
//! else makes it try again later, which only helps when our side failed.

use super::{Change, EventBuffer, PaymentsApp, Result};
use crate::domain::ecpay::{self, MessageError, Notice};
use crate::domain::state::{Happening, PaymentState};
use crate::store::{self, notices::NoticeRecord};
use ::store::Tx;
use platform::ServiceError;
use platform::group_commit::{BatchWriter, GroupCommit};
use platform::jobs::BoxFuture;

/// What to answer the gateway.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoticeAnswer {
    /// `1|OK`: taken (now or before).
    Taken,
    /// Refused, with the reason logged; the gateway will send it again.
    Refused(&'static str),
}

/// A notice whose signature was checked, waiting to be taken with others in one transaction
/// (`platform::group_commit`).
pub struct VerifiedNotice {
    notice: Notice,
    log: NoticeRecord,
}

/// The most notices one transaction takes.
pub const MAX_BATCH: usize = 256;

pub(crate) type NoticeQueue = GroupCommit<VerifiedNotice, NoticeAnswer>;

impl BatchWriter<VerifiedNotice, NoticeAnswer> for PaymentsApp {
    fn write_batch<'a>(
        &'a self,
        items: &'a [VerifiedNotice],
    ) -> BoxFuture<'a, Result<Vec<NoticeAnswer>>> {
        Box::pin(async move {
            // Rows are locked in trade-number order, so two nodes' batches never wait on
            // each other in a circle (PostgreSQL).
            let mut order: Vec<usize> = (0..items.len()).collect();
            order.sort_by(|a, b| {
                items[*a]
                    .notice
                    .merchant_trade_no
                    .cmp(&items[*b].notice.merchant_trade_no)
            });
            let mut tx = self.platform.db.begin().await?;
            let mut events = EventBuffer::default();
            let mut answers = vec![NoticeAnswer::Taken; items.len()];
            for i in order {
                answers[i] = self.take(&mut tx, &items[i], &mut events).await?;
            }
            events.append(&mut tx).await?;
            tx.commit().await?;
            Ok(answers)
        })
    }

    fn embedded(&self) -> bool {
        self.platform.db.backend() == ::store::Backend::Sqlite
    }
}

impl PaymentsApp {
    /// Takes one ECPay server notice (its form body as received). The signature is checked
    /// here; the notice is then taken with whatever other notices wait, in one transaction.
    pub async fn ecpay_notice(&self, body: &[u8]) -> Result<NoticeAnswer> {
        let now = self.now();
        let text = String::from_utf8_lossy(body).into_owned();
        let fields: Vec<(String, String)> = form_urlencoded::parse(body)
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        let claimed = fields
            .iter()
            .find(|(k, _)| k == "MerchantTradeNo")
            .map(|(_, v)| v.chars().take(40).collect::<String>());
        let log = NoticeRecord {
            id: uuid::Uuid::now_v7().to_string(),
            provider: "ecpay".into(),
            trade_no: claimed,
            payment_id: None,
            outcome: String::new(),
            body: text,
            received_at: now,
        };
        let Some(e) = self.providers.ecpay.as_ref() else {
            return self.refuse(log, "no-gateway").await;
        };
        let notice = match ecpay::read_notice(&e.merchant, &fields) {
            Ok(n) => n,
            Err(MessageError::Signature) => return self.refuse(log, "signature").await,
            Err(MessageError::Merchant) => return self.refuse(log, "merchant").await,
            Err(MessageError::Field(_)) => return self.refuse(log, "malformed").await,
        };
        self.notices
            .write(self, VerifiedNotice { notice, log })
            .await
    }

    /// Takes a verified notice inside `tx`: matched on its trade number under the payment's
    /// row lock, applied once, logged either way.
    async fn take(
        &self,
        tx: &mut Tx,
        item: &VerifiedNotice,
        events: &mut EventBuffer,
    ) -> Result<NoticeAnswer> {
        let notice = &item.notice;
        let mut log = item.log.clone();
        let Some(mut p) = store::by_trade_no_for_update(tx, &notice.merchant_trade_no).await?
        else {
            return refused(tx, log, "unknown-trade").await;
        };
        log.payment_id = Some(p.id.clone());
        let paid_amount = i64::from(notice.amount.dollars());
        if paid_amount != p.amount {
            tracing::error!(payment = %p.id, asked = p.amount, notice = paid_amount, "an ECPay notice names another amount");
            return refused(tx, log, "amount").await;
        }
        let data = serde_json::json!({
            "RtnCode": notice.rtn_code,
            "RtnMsg": notice.rtn_msg,
            "TradeNo": notice.trade_no,
            "TradeAmt": paid_amount,
            "PaymentType": notice.payment_type,
            "PaymentDate": notice.payment_date,
        });
        // A notice of a trade the payment left at the cashier: its payment settles the
        // payment; its failure says nothing about the trade the payment is under now.
        let current = notice.merchant_trade_no == p.trade_no;
        let outcome = match p.state {
            PaymentState::Submitted if !notice.paid && !current => "earlier-trade-failed",
            PaymentState::Submitted => {
                let (step, kind) = if notice.paid {
                    p.provider_ref = Some(notice.trade_no.clone());
                    p.payment_type = Some(notice.payment_type.clone());
                    (Happening::Paid, "paid")
                } else {
                    p.failure = Some(format!("{} {}", notice.rtn_code, notice.rtn_msg));
                    (Happening::Fail, "failed")
                };
                p.provider_status = Some(if notice.paid { "paid" } else { "failed" }.into());
                p.provider_amount = notice.paid.then_some(paid_amount);
                let change = Change {
                    kind,
                    actor: "ECPay notice".into(),
                    step: Some(step),
                    amount: None,
                    data,
                };
                self.step_into(tx, &mut p, change, events).await?;
                "settled"
            }
            PaymentState::Success if notice.paid => "duplicate",
            PaymentState::Failed if !notice.paid => "duplicate",
            s if s.is_finished() && notice.paid => {
                // Paid after we gave up on it (cancelled, expired, failed): money was taken
                // for a payment that is over. Kept in its history, and shown in the
                // reconciliation report for a refund.
                p.provider_status = Some("paid".into());
                p.provider_amount = Some(paid_amount);
                let change = Change {
                    kind: "paid_late",
                    actor: "ECPay notice".into(),
                    step: None,
                    amount: Some(paid_amount),
                    data,
                };
                self.step_into(tx, &mut p, change, events).await?;
                "late"
            }
            _ => "ignored",
        };
        log.outcome = outcome.into();
        store::notices::insert(&mut *tx, &log).await?;
        Ok(NoticeAnswer::Taken)
    }

    async fn refuse(&self, mut log: NoticeRecord, why: &'static str) -> Result<NoticeAnswer> {
        tracing::warn!(trade_no = ?log.trade_no, why, "an ECPay notice was refused");
        log.outcome = format!("refused:{why}");
        store::notices::insert(&self.platform.db, &log)
            .await
            .map_err(ServiceError::from)?;
        Ok(NoticeAnswer::Refused(why))
    }
}

/// Logs a verified notice refused inside the batch's transaction.
async fn refused(tx: &mut Tx, mut log: NoticeRecord, why: &'static str) -> Result<NoticeAnswer> {
    tracing::warn!(trade_no = ?log.trade_no, why, "an ECPay notice was refused");
    log.outcome = format!("refused:{why}");
    store::notices::insert(&mut *tx, &log).await?;
    Ok(NoticeAnswer::Refused(why))
}
