//! The one way a payment changes: the state machine decides, the row is written, its event is
//! appended to the jurisdiction's hash chain, and a payment that has just finished is announced
//! to its asker and to department systems, all in the caller's transaction.

use super::{Payment, PaymentsApp, Result};
use crate::domain::state::{Happening, PaymentState};
use crate::store::{self, events};
use ::store::Tx;
use domain::Message;
use platform::ServiceError;

/// A change to a payment: its event's kind, who made it, and what they said.
pub(crate) struct Change {
    pub kind: &'static str,
    pub actor: String,
    pub step: Option<Happening>,
    pub amount: Option<i64>,
    pub data: serde_json::Value,
}

/// Events waiting to be appended together, per jurisdiction in order: a batch of changes adds
/// one stretch to each chain (one head update) instead of a link at a time.
#[derive(Default)]
pub(crate) struct EventBuffer {
    events: Vec<(String, events::NewEvent)>,
}

impl EventBuffer {
    fn push(&mut self, jurisdiction_id: &str, e: events::NewEvent) {
        self.events.push((jurisdiction_id.to_string(), e));
    }

    /// Appends every event kept, in order, and empties the buffer.
    pub(crate) async fn append(&mut self, tx: &mut Tx) -> Result<()> {
        let mut all = std::mem::take(&mut self.events);
        // Chains in jurisdiction order (their heads are locked in that order on every node);
        // each chain's events in the order they happened (a stable sort).
        all.sort_by(|a, b| a.0.cmp(&b.0));
        let mut i = 0;
        while i < all.len() {
            let j = all[i].0.clone();
            let end = all[i..]
                .iter()
                .position(|(x, _)| *x != j)
                .map_or(all.len(), |n| i + n);
            let these: Vec<events::NewEvent> = all[i..end].iter().map(|(_, e)| e.clone()).collect();
            events::append_many(tx, &j, &these).await?;
            i = end;
        }
        Ok(())
    }
}

impl PaymentsApp {
    /// Inserts a new payment with its `created` event.
    pub(crate) async fn insert_new(&self, tx: &mut Tx, p: &Payment, actor: &str) -> Result<()> {
        store::insert(&mut *tx, p).await?;
        store::add_trade(&mut *tx, &p.trade_no, &p.id, p.created_at).await?;
        let data = serde_json::json!({
            "owner": p.owner,
            "reference": p.reference,
            "description": p.description,
            "retry_of": p.retry_of,
        });
        events::append(
            tx,
            &p.jurisdiction_id,
            &events::NewEvent {
                id: uuid::Uuid::now_v7().to_string(),
                payment_id: p.id.clone(),
                kind: "created".into(),
                actor: actor.to_string(),
                from_state: None,
                to_state: Some(p.state.as_str().into()),
                amount: Some(p.amount),
                data: data.to_string(),
                created_at: p.created_at,
            },
        )
        .await?;
        Ok(())
    }

    /// Applies a change: the state machine decides the new state (a refused step is an
    /// error), then the row, its event and, when the payment has just finished, its asker's
    /// listener and the department systems' webhook, all in `tx`.
    pub(crate) async fn step(&self, tx: &mut Tx, p: &mut Payment, change: Change) -> Result<()> {
        let mut one = EventBuffer::default();
        self.step_into(tx, p, change, &mut one).await?;
        one.append(tx).await
    }

    /// [`PaymentsApp::step`] with the event kept in `events`, to be appended with others as one
    /// stretch of the chain ([`EventBuffer::append`], before the transaction commits).
    pub(crate) async fn step_into(
        &self,
        tx: &mut Tx,
        p: &mut Payment,
        change: Change,
        events: &mut EventBuffer,
    ) -> Result<()> {
        let now = self.now();
        let from = p.state;
        if let Some(step) = change.step {
            p.state = from.after(step).map_err(|_| {
                ServiceError::invalid(
                    Message::new("error-payment-state").arg("state", from.as_str()),
                )
            })?;
        }
        p.updated_at = now;
        let finished_now = p.state.is_finished() && !from.is_finished();
        if finished_now {
            p.settled_at = Some(now);
        }
        store::update(tx, p).await?;
        events.push(
            &p.jurisdiction_id,
            events::NewEvent {
                id: uuid::Uuid::now_v7().to_string(),
                payment_id: p.id.clone(),
                kind: change.kind.into(),
                actor: change.actor,
                from_state: Some(from.as_str().into()),
                to_state: Some(p.state.as_str().into()),
                amount: change.amount,
                data: change.data.to_string(),
                created_at: now,
            },
        );
        if finished_now {
            self.announce(tx, p, now).await?;
        }
        Ok(())
    }

    /// Tells the asker (its listener) and any department system (a webhook) that a payment
    /// finished.
    async fn announce(&self, tx: &mut Tx, p: &Payment, now: i64) -> Result<()> {
        for l in self.listeners.iter().filter(|l| l.owner() == p.owner) {
            l.finished(tx, p).await?;
        }
        let event_type = if p.state == PaymentState::Success {
            "payment.succeeded"
        } else {
            "payment.failed"
        };
        let payload = serde_json::json!({
            "payment_id": p.id,
            "reference": p.reference,
            "owner": p.owner,
            "state": p.state.as_str(),
            "amount": p.amount,
            "method": p.method,
        });
        platform::webhooks::enqueue(
            tx,
            &p.jurisdiction_id,
            event_type,
            None,
            &p.id,
            payload,
            now,
        )
        .await?;
        Ok(())
    }
}
