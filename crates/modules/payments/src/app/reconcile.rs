//! Reconciliation: payments handed to a provider and not settled are asked about
//! (`QueryTradeInfo`, the wallet's order query) until the provider's word settles them, so a
//! notice that never came, or came while we could not take it, is settled either way. The
//! daily report sets each day's trades against what the provider said of them, and the export
//! gives the finance office the day's payments and refunds as CSV.

use super::online::{log_unanswered, step_for};
use super::{Payment, PaymentsApp, Result};
use crate::domain::money::Amount;
use crate::domain::reconcile::{self, Finding, Ours, Theirs};
use crate::domain::state::PaymentState;
use crate::module::VIEW_PAYMENTS;
use crate::store;
use domain::Message;
use platform::ServiceError;
use platform::authz::{Actor, Target};
use std::time::Duration;

/// How long after a payment is handed to a provider before reconciliation asks about it (the
/// notice usually comes first).
pub const GRACE_SECONDS: i64 = 120;
/// How long before the same payment is asked about again.
pub const RECHECK_SECONDS: i64 = 300;
/// How many questions are in flight at once.
const CONCURRENCY: usize = 16;
const BATCH: u64 = 500;
/// Days are Taipei's (UTC+8): the gateway's and the finance office's.
const DAY_OFFSET: i64 = 8 * 3600;

/// What one pass of reconciliation did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Pass {
    /// Payments asked about.
    pub asked: usize,
    /// Payments the answer finished (paid, failed, cancelled, expired).
    pub settled: usize,
    /// Payments never handed to a provider that expired.
    pub expired: usize,
    /// Questions without an answer to believe.
    pub unanswered: usize,
}

/// What asking the provider about one payment came to.
enum Asked {
    /// The answer finished it.
    Settled,
    /// The answer was taken and changed nothing to settle.
    Unchanged,
    /// The provider's word, which leaves the payment as it is: recorded with the others.
    Said(Word),
    /// No answer to believe.
    Unanswered,
}

/// What a provider said of a payment it leaves as it is.
struct Word {
    id: String,
    word: &'static str,
    amount: Option<i64>,
}

/// One line of a day's report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportLine {
    pub payment_id: Option<String>,
    pub trade_no: String,
    pub finding: Finding,
    pub state: Option<PaymentState>,
    pub ours: Option<i64>,
    pub theirs: Option<i64>,
    pub provider_status: Option<String>,
}

/// A day's reconciliation of one provider.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DayReport {
    pub day: String,
    pub method: String,
    pub lines: Vec<ReportLine>,
    /// Sums of what we hold as paid and what the provider holds as paid.
    pub ours_total: i64,
    pub theirs_total: i64,
    /// Trades never asked about (their provider's word is not known yet).
    pub unchecked: usize,
}

/// The methods a report can be of.
pub const METHODS: [&str; 3] = ["ecpay", "wallet", "cash"];

/// `[from, until)` in unix seconds of a Taipei day written `YYYY-MM-DD`.
pub fn day_bounds(day: &str) -> Option<(i64, i64)> {
    let mut parts = day.trim().splitn(3, '-');
    let y: i32 = parts.next()?.parse().ok()?;
    let m: u8 = parts.next()?.parse().ok()?;
    let d: u8 = parts.next()?.parse().ok()?;
    let date = time::Date::from_calendar_date(y, time::Month::try_from(m).ok()?, d).ok()?;
    let start = date.midnight().assume_utc().unix_timestamp() - DAY_OFFSET;
    Some((start, start + 86_400))
}

/// The Taipei day of a moment, `YYYY-MM-DD`.
pub fn day_of(unix: i64) -> String {
    let t = time::OffsetDateTime::from_unix_timestamp(unix + DAY_OFFSET)
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
    format!("{:04}-{:02}-{:02}", t.year(), u8::from(t.month()), t.day())
}

fn bad_day() -> ServiceError {
    ServiceError::invalid(Message::new("error-report-day"))
}

impl PaymentsApp {
    /// One pass: payments never handed to a provider past their time expire; each payment
    /// handed to the gateway or the wallet, unsettled, and not asked about lately is asked
    /// about, and settled by the answer. Each payment is settled in its own transaction under
    /// its row lock, so passes on several nodes never settle one twice.
    pub async fn reconcile_pass(&self) -> Result<Pass> {
        let now = self.now();
        let mut pass = Pass::default();
        for id in store::stale_unsubmitted(&self.platform.db, now, 1000).await? {
            if self.expire(&id).await?.state == PaymentState::Expired {
                pass.expired += 1;
            }
        }
        for method in ["ecpay", "wallet"] {
            let configured = match method {
                "ecpay" => self.providers.ecpay.is_some(),
                _ => self.providers.wallet.is_some(),
            };
            if !configured {
                continue;
            }
            // A page at a time in (submitted_at, id) order, so a payment the provider did not
            // answer about is not asked again in this pass.
            let mut after: Option<(i64, String)> = None;
            loop {
                let batch = store::unsettled(
                    &self.platform.db,
                    method,
                    now - GRACE_SECONDS,
                    now - RECHECK_SECONDS,
                    after.as_ref().map(|(at, id)| (*at, id.as_str())),
                    BATCH,
                )
                .await?;
                let n = batch.len();
                after = batch
                    .last()
                    .map(|p| (p.submitted_at.unwrap_or(0), p.id.clone()));
                self.ask_all(batch, &mut pass).await?;
                if (n as u64) < BATCH {
                    break;
                }
            }
        }
        Ok(pass)
    }

    /// Asks the provider about each payment, `CONCURRENCY` at a time.
    async fn ask_all(&self, payments: Vec<Payment>, pass: &mut Pass) -> Result<()> {
        let mut running = tokio::task::JoinSet::new();
        let mut queue = payments.into_iter();
        // What the provider said of payments it leaves as they are, written together.
        let mut words: Vec<Word> = Vec::new();
        loop {
            while running.len() < CONCURRENCY {
                let Some(p) = queue.next() else { break };
                let app = self.clone();
                running.spawn(async move { app.ask_one(p).await });
            }
            let Some(done) = running.join_next().await else {
                break;
            };
            pass.asked += 1;
            match done {
                Ok(Ok(Asked::Settled)) => pass.settled += 1,
                Ok(Ok(Asked::Unchanged)) => {}
                Ok(Ok(Asked::Said(word))) => words.push(word),
                Ok(Ok(Asked::Unanswered)) => pass.unanswered += 1,
                Ok(Err(e)) => return Err(e),
                Err(e) => return Err(ServiceError::Internal(format!("reconciliation task: {e}"))),
            }
        }
        let now = self.now();
        let mut tx = self.platform.db.begin().await?;
        for w in &words {
            store::record_provider_word(&mut tx, &w.id, w.word, w.amount, now, true).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Asks about one payment, and settles it when the answer does.
    async fn ask_one(&self, p: Payment) -> Result<Asked> {
        let now = self.now();
        let after = match p.method.as_deref() {
            Some("ecpay") => {
                let Some(e) = self.providers.ecpay.as_ref() else {
                    return Ok(Asked::Unanswered);
                };
                match self.providers.ecpay_query(e, &p.trade_no, now).await {
                    Ok(info) => {
                        let (step, word) = step_for(&info, &p, now);
                        if step.is_none() {
                            return Ok(Asked::Said(Word {
                                id: p.id,
                                word,
                                amount: info.amount.map(|a| i64::from(a.dollars())),
                            }));
                        }
                        self.settle_from_gateway(&p.id, &info, "reconciliation")
                            .await?
                    }
                    Err(err) => {
                        log_unanswered(&err, &p);
                        return Ok(Asked::Unanswered);
                    }
                }
            }
            Some("wallet") => {
                let Some(w) = self.providers.wallet.as_ref() else {
                    return Ok(Asked::Unanswered);
                };
                match self.providers.wallet_status(w, &p.trade_no).await {
                    Ok(status) => self.settle_from_wallet(&p.id, &status).await?,
                    Err(err) => {
                        log_unanswered(&err, &p);
                        return Ok(Asked::Unanswered);
                    }
                }
            }
            _ => return Ok(Asked::Unchanged),
        };
        Ok(if after.state.is_finished() && !p.state.is_finished() {
            Asked::Settled
        } else {
            Asked::Unchanged
        })
    }

    /// Asks the provider about one payment now (staff's "check again").
    pub async fn check_payment(&self, actor: &Actor, id: &str) -> Result<Payment> {
        actor.require(VIEW_PAYMENTS, Target::Jurisdiction)?;
        let p = self.in_jurisdiction(actor, id).await?;
        if p.state == PaymentState::Submitted {
            self.ask_all(vec![p], &mut Pass::default()).await?;
        }
        self.in_jurisdiction(actor, id).await
    }

    /// Asks the provider about every trade of a day (the report's "check with the provider"),
    /// settling what it can; how many were asked.
    pub async fn check_day(&self, actor: &Actor, day: &str, method: &str) -> Result<Pass> {
        actor.require(VIEW_PAYMENTS, Target::Jurisdiction)?;
        let (from, until) = day_bounds(day).ok_or_else(bad_day)?;
        if !METHODS.contains(&method) {
            return Err(bad_day());
        }
        let payments = store::of_day(
            &self.platform.db,
            &actor.jurisdiction_id,
            method,
            from,
            until,
        )
        .await?;
        let mut pass = Pass::default();
        self.ask_all(payments, &mut pass).await?;
        Ok(pass)
    }

    /// The day's report of one provider: our trades against the provider's word on them.
    pub async fn day_report(&self, actor: &Actor, day: &str, method: &str) -> Result<DayReport> {
        actor.require(VIEW_PAYMENTS, Target::Jurisdiction)?;
        let (from, until) = day_bounds(day).ok_or_else(bad_day)?;
        if !METHODS.contains(&method) {
            return Err(bad_day());
        }
        let payments = store::of_day(
            &self.platform.db,
            &actor.jurisdiction_id,
            method,
            from,
            until,
        )
        .await?;
        Ok(report_of(day, method, &payments))
    }

    /// The payments settled paid and the refunds made in `[from_day, until_day]` (Taipei
    /// days), as CSV for the finance office.
    pub async fn export_csv(
        &self,
        actor: &Actor,
        from_day: &str,
        until_day: &str,
    ) -> Result<String> {
        actor.require(VIEW_PAYMENTS, Target::Jurisdiction)?;
        let (from, _) = day_bounds(from_day).ok_or_else(bad_day)?;
        let (_, until) = day_bounds(until_day).ok_or_else(bad_day)?;
        if until <= from || until - from > 366 * 86_400 {
            return Err(bad_day());
        }
        let db = &self.platform.db;
        let mut out = csv::Writer::from_writer(Vec::new());
        let header = [
            "kind",
            "at",
            "payment_id",
            "trade_no",
            "reference",
            "description",
            "method",
            "payment_type",
            "provider_ref",
            "amount",
            "refunded",
            "carrier_kind",
            "carrier_id",
            "reason",
        ];
        let csv_error = |e: csv::Error| ServiceError::Internal(format!("CSV: {e}"));
        out.write_record(header).map_err(csv_error)?;
        let j = &actor.jurisdiction_id;
        let mut rows: Vec<(i64, Vec<String>)> = Vec::new();
        for p in store::settled_paid_between(db, j, from, until).await? {
            let at = p.settled_at.unwrap_or(p.updated_at);
            rows.push((
                at,
                vec![
                    "payment".into(),
                    domain::datetime::format_unix(at),
                    p.id,
                    p.trade_no,
                    p.reference,
                    p.description,
                    p.method.unwrap_or_default(),
                    p.payment_type.unwrap_or_default(),
                    p.provider_ref.unwrap_or_default(),
                    p.amount.to_string(),
                    p.refunded.to_string(),
                    p.carrier_kind.unwrap_or_default(),
                    p.carrier_id.unwrap_or_default(),
                    String::new(),
                ],
            ));
        }
        let refunds = store::refunds::between(db, j, from, until).await?;
        let mut ids: Vec<String> = refunds.iter().map(|r| r.payment_id.clone()).collect();
        ids.sort_unstable();
        ids.dedup();
        let refunded: std::collections::HashMap<String, Payment> = store::get_many(db, j, &ids)
            .await?
            .into_iter()
            .map(|p| (p.id.clone(), p))
            .collect();
        for r in refunds {
            let Some(p) = refunded.get(&r.payment_id) else {
                continue;
            };
            rows.push((
                r.created_at,
                vec![
                    "refund".into(),
                    domain::datetime::format_unix(r.created_at),
                    p.id.clone(),
                    p.trade_no.clone(),
                    p.reference.clone(),
                    p.description.clone(),
                    p.method.clone().unwrap_or_default(),
                    r.how,
                    r.provider_ref.unwrap_or_default(),
                    (-r.amount).to_string(),
                    String::new(),
                    String::new(),
                    String::new(),
                    r.reason,
                ],
            ));
        }
        rows.sort_by_key(|r| r.0);
        for (_, row) in rows {
            out.write_record(row.iter().map(|c| defuse(c)))
                .map_err(csv_error)?;
        }
        let bytes = out
            .into_inner()
            .map_err(|e| ServiceError::Internal(format!("CSV: {e}")))?;
        Ok(String::from_utf8_lossy(&bytes).into_owned())
    }
}

/// A cell a spreadsheet would read as a formula is written as text.
fn defuse(cell: &str) -> String {
    match cell.chars().next() {
        Some('=' | '+' | '@' | '\t' | '\r') => format!("'{cell}"),
        Some('-') if cell.parse::<i64>().is_err() => format!("'{cell}"),
        _ => cell.to_string(),
    }
}

/// The report of a day's payments of one provider, from what is stored.
pub fn report_of(day: &str, method: &str, payments: &[Payment]) -> DayReport {
    let amount = |a: i64| Amount::new(a).ok();
    let ours: Vec<Ours> = payments
        .iter()
        .filter_map(|p| {
            Some(Ours {
                trade_no: p.trade_no.clone(),
                paid: p.state == PaymentState::Success,
                amount: amount(p.amount)?,
            })
        })
        .collect();
    let theirs: Vec<Theirs> = payments
        .iter()
        .filter_map(|p| {
            let status = p.provider_status.as_deref()?;
            Some(Theirs {
                trade_no: p.trade_no.clone(),
                paid: status == "paid",
                amount: p.provider_amount.and_then(amount),
            })
        })
        .collect();
    let by_trade: std::collections::HashMap<&str, &Payment> =
        payments.iter().map(|p| (p.trade_no.as_str(), p)).collect();
    let lines: Vec<ReportLine> = reconcile::reconcile(&ours, &theirs)
        .into_iter()
        .map(|l| {
            let p = by_trade.get(l.trade_no.as_str());
            ReportLine {
                payment_id: p.map(|p| p.id.clone()),
                state: p.map(|p| p.state),
                provider_status: p.and_then(|p| p.provider_status.clone()),
                ours: l.ours.map(|a| i64::from(a.dollars())),
                theirs: l.theirs.map(|a| i64::from(a.dollars())),
                trade_no: l.trade_no,
                finding: l.finding,
            }
        })
        .collect();
    DayReport {
        day: day.to_string(),
        method: method.to_string(),
        ours_total: lines.iter().filter_map(|l| l.ours).sum(),
        theirs_total: lines.iter().filter_map(|l| l.theirs).sum(),
        unchecked: payments
            .iter()
            .filter(|p| p.provider_status.is_none())
            .count(),
        lines,
    }
}

/// Runs a reconciliation pass every `interval` until `shutdown` turns true: what every node
/// that runs the payments module does.
pub async fn run_reconciliation(
    app: PaymentsApp,
    interval: Duration,
    mut shutdown: tokio::sync::watch::Receiver<bool>,
) {
    loop {
        if *shutdown.borrow() {
            break;
        }
        match app.reconcile_pass().await {
            Ok(p) if p.asked + p.expired > 0 => tracing::info!(
                asked = p.asked,
                settled = p.settled,
                expired = p.expired,
                unanswered = p.unanswered,
                "payments reconciled"
            ),
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "payment reconciliation failed"),
        }
        tokio::select! {
            _ = tokio::time::sleep(interval) => {}
            _ = shutdown.changed() => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn taipei_days() {
        let (from, until) = day_bounds("2026-12-07").expect("day");
        assert_eq!(until - from, 86_400);
        assert_eq!(day_of(from), "2026-12-07");
        assert_eq!(day_of(until - 1), "2026-12-07");
        assert_eq!(day_of(until), "2026-12-08");
        assert!(day_bounds("2026-13-01").is_none() && day_bounds("yesterday").is_none());
    }

    #[test]
    fn formulas_are_defused() {
        assert_eq!(defuse("=SUM(A1)"), "'=SUM(A1)");
        assert_eq!(defuse("-15"), "-15");
        assert_eq!(defuse("-x"), "'-x");
        assert_eq!(defuse("戶籍謄本"), "戶籍謄本");
    }
}
