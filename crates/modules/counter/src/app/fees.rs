//! Fees through the payments module. Once an application is approved its fee is payable:
//! online by the applicant (`pay_fee`: the payment is asked, or the open one found, and the
//! applicant goes to the payer's page), or at the counter (`fee_at_counter`: the clerk takes
//! the wallet's barcode or cash on the payments module's counter page). The payments module
//! tells [`FeeListener`] in the transaction that settles the payment; a paid fee activates the
//! pickup codes of an issued document.

use super::{Application, CounterApp, CounterState, Result, not_found};
use crate::domain::application::State;
use crate::module::REVIEW_APPLICATIONS;
use crate::store;
use ::store::Tx;
use domain::Message;
use payments::{Created, Payment, PaymentAsk, PaymentListener};
use platform::ServiceError;
use platform::authz::{Actor, Target};
use platform::jobs::BoxFuture;
use std::sync::{Arc, OnceLock, Weak};

/// The owner the counter asks payments as.
pub const OWNER: &str = "counter";

fn payable(app: &Application) -> Result<()> {
    if app.fee == 0 || app.paid_at.is_some() {
        return Err(ServiceError::Conflict(Message::new(
            "counter-error-nothing-to-pay",
        )));
    }
    if !matches!(app.state, State::Approved | State::ReadyForPickup) {
        return Err(ServiceError::Conflict(Message::new(
            "counter-error-not-payable",
        )));
    }
    Ok(())
}

impl CounterApp {
    fn ask(
        &self,
        app: &Application,
        service: &str,
        locale: domain::Locale,
        counter: bool,
    ) -> PaymentAsk {
        PaymentAsk {
            reference: app.number.clone(),
            description: format!("{} {}", app.number, service)
                .chars()
                .take(100)
                .collect(),
            amount: app.fee,
            return_url: format!("/services/applications/{}", app.id),
            payer_account_id: Some(app.applicant_id.clone()),
            language: locale,
            counter,
        }
    }

    /// The applicant pays the fee of an approved application online: where to go to pay.
    pub async fn pay_fee(&self, actor: &Actor, id: &str) -> Result<Created> {
        let me = actor.account()?;
        let app = store::applications::find(&self.platform.db, id)
            .await?
            .filter(|a| a.applicant_id == me && a.jurisdiction_id == actor.jurisdiction_id)
            .ok_or_else(not_found)?;
        payable(&app)?;
        let locale = self.account_locale(&app.jurisdiction_id, me).await;
        let name = self
            .catalogue(&app.jurisdiction_id)
            .await?
            .service(&app.service_code)
            .map(|s| s.name.get(locale).to_string())
            .unwrap_or_default();
        self.payments
            .create_payment(actor, OWNER, self.ask(&app, &name, locale, false))
            .await
    }

    /// A clerk takes the fee at the counter: the payment to take on the payments module's
    /// counter page (wallet barcode or cash).
    pub async fn fee_at_counter(&self, actor: &Actor, id: &str) -> Result<Created> {
        actor.require(REVIEW_APPLICATIONS, Target::Jurisdiction)?;
        let app = self.staff_find(actor, id).await?;
        payable(&app)?;
        let name = self
            .catalogue(&app.jurisdiction_id)
            .await?
            .service(&app.service_code)
            .map(|s| s.name.zh.clone())
            .unwrap_or_default();
        self.payments
            .create_payment(
                actor,
                OWNER,
                self.ask(&app, &name, domain::Locale::ZhTw, true),
            )
            .await
    }

    /// A fee's payment finished: a paid one is recorded on its application (once).
    async fn fee_finished(&self, tx: &mut Tx, payment: &Payment) -> Result<()> {
        if payment.state != payments::domain::state::PaymentState::Success {
            return Ok(());
        }
        let Some(mut app) = store::applications::find_by_number(
            &mut *tx,
            &payment.jurisdiction_id,
            &payment.reference,
        )
        .await?
        else {
            return Ok(());
        };
        if app.paid_at.is_some() || payment.amount != app.fee {
            return Ok(());
        }
        let now = self.now();
        app.paid_at = Some(now);
        app.payment_id = Some(payment.id.clone());
        self.note_in(
            tx,
            &mut app,
            "fee_paid",
            payment.method.as_deref().unwrap_or("payments"),
            serde_json::json!({ "payment": payment.id, "amount": payment.amount, "method": payment.method }),
            now,
        )
        .await?;
        self.fee_settled_in(tx, &mut app, now).await
    }

    /// What a settled fee sets off: an issued document's codes become active.
    pub(crate) async fn fee_settled_in(
        &self,
        tx: &mut Tx,
        app: &mut Application,
        now: i64,
    ) -> Result<()> {
        self.activate_in(tx, app, now).await
    }
}

/// The counter's ear on the payments module: built before the apps (payments needs it, and the
/// counter needs payments), and given the counter once it exists. It holds the counter weakly:
/// the counter holds payments, which holds this listener.
#[derive(Clone, Default)]
pub struct FeeListener {
    counter: Arc<OnceLock<Weak<CounterState>>>,
}

impl FeeListener {
    pub fn new() -> FeeListener {
        FeeListener::default()
    }

    /// Gives the listener the counter it tells (once; a second call is ignored).
    pub fn attach(&self, counter: &CounterApp) {
        let _ = self.counter.set(Arc::downgrade(&counter.0));
    }
}

impl PaymentListener for FeeListener {
    fn owner(&self) -> &'static str {
        OWNER
    }

    fn finished<'a>(&'a self, tx: &'a mut Tx, payment: &'a Payment) -> BoxFuture<'a, Result<()>> {
        Box::pin(async move {
            match self.counter.get().and_then(Weak::upgrade) {
                Some(counter) => CounterApp(counter).fee_finished(tx, payment).await,
                None => Err(ServiceError::Internal(
                    "the counter's fee listener is not attached, or the counter is gone".into(),
                )),
            }
        })
    }
}
