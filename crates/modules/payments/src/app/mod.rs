//! The module's use cases, its only public API. Another module asks for a payment
//! ([`PaymentsApp::create_payment`]) and hears that it finished through its
//! [`PaymentListener`]; staff and department systems ask through [`PaymentsApp::request_payment`].
//! The payer's journey online is in [`online`], the gateway's notices in [`notices`], the counter
//! (a wallet's barcode, cash) in [`counter`], refunds in [`refunds`], and reconciliation with
//! its report and export in [`reconcile`]. Every change to a payment goes through
//! [`PaymentsApp::step`]: the state machine decides, the row and its hash-chained event are
//! written in one transaction, and a finished payment is announced to its asker in that
//! same transaction.

mod change;
pub mod counter;
pub mod notices;
pub mod online;
mod providers;
pub mod reconcile;
pub mod refunds;

use crate::domain::money::Amount;
use crate::domain::state::PaymentState;
use crate::domain::trade_no;
use crate::module::{TAKE_PAYMENTS, VIEW_PAYMENTS};
use crate::store::{self, events};
use ::store::Tx;
pub(crate) use change::{Change, EventBuffer};
use domain::{Locale, Message};
use identity::IdentityApp;
use platform::authz::{Actor, Target};
use platform::jobs::BoxFuture;
use platform::payment_providers::PaymentProviders;
use platform::{Platform, ServiceError};
use providers::Providers;
use std::sync::Arc;

pub use events::Event as PaymentEvent;
pub use store::notices::NoticeRecord;

pub type Result<T> = std::result::Result<T, ServiceError>;

/// How long an online payment may wait to be paid, from when it is asked for (GOV.UK Pay's 90
/// minutes): long enough for a card's 3-D Secure, short enough that an abandoned one clears.
pub const ONLINE_MINUTES: i64 = 90;
/// How long a payment request staff send a citizen stays payable.
pub const LINK_DAYS: i64 = 7;
/// The longest description, in characters.
pub const MAX_DESCRIPTION: usize = 100;
/// The longest reference, in characters.
pub const MAX_REFERENCE: usize = 64;

/// A payment, as its row holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Payment {
    pub id: String,
    pub jurisdiction_id: String,
    pub trade_no: String,
    pub owner: String,
    pub reference: String,
    pub description: String,
    pub amount: i64,
    pub return_url: String,
    pub payer_account_id: Option<String>,
    pub language: String,
    pub channel: String,
    pub method: Option<String>,
    pub state: PaymentState,
    pub provider_ref: Option<String>,
    pub payment_type: Option<String>,
    pub carrier_kind: Option<String>,
    pub carrier_id: Option<String>,
    pub refunded: i64,
    pub retry_of: Option<String>,
    pub failure: Option<String>,
    pub created_by: String,
    pub created_at: i64,
    pub updated_at: i64,
    pub expires_at: i64,
    pub submitted_at: Option<i64>,
    pub settled_at: Option<i64>,
    pub checked_at: Option<i64>,
    pub provider_status: Option<String>,
    pub provider_amount: Option<i64>,
}

impl Payment {
    /// The payer's language.
    pub fn locale(&self) -> Locale {
        Locale::from_tag(&self.language).unwrap_or(Locale::ZhTw)
    }

    /// What was taken from the payer: the amount of a paid payment, or what the provider took
    /// for one that had already ended (paid late: to be given back).
    pub fn taken(&self) -> i64 {
        if self.state == PaymentState::Success {
            self.amount
        } else if self.provider_status.as_deref() == Some("paid") && self.state.is_finished() {
            self.provider_amount.unwrap_or(0)
        } else {
            0
        }
    }

    /// What may still be refunded (refunds asked of a provider and not yet answered count).
    pub fn refundable(&self) -> i64 {
        (self.taken() - self.refunded).max(0)
    }
}

/// A refund of a payment, whole or in part.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refund {
    pub id: String,
    pub payment_id: String,
    pub amount: i64,
    pub reason: String,
    /// `gateway`, `wallet` or `manual`.
    pub how: String,
    /// `pending` (asked of the provider, the money reserved), `done` or `refused`.
    pub state: String,
    pub provider_ref: Option<String>,
    pub created_by: String,
    pub created_at: i64,
}

/// What an asker wants paid.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaymentAsk {
    /// The asker's own reference (an application's number); one payment per reference is
    /// paid, and asking again while one is unfinished finds it.
    pub reference: String,
    pub description: String,
    /// Whole NT$.
    pub amount: i64,
    /// Where the payer goes once it is over: a path on this site (`/services/…`) or an
    /// `https://` address of a department's system.
    pub return_url: String,
    /// The citizen who pays, when the asker knows them.
    pub payer_account_id: Option<String>,
    pub language: Locale,
    /// Whether it is paid online (`next_url`) or at a counter.
    pub counter: bool,
}

/// A payment just asked for (or found, if asked again) and where the payer goes to pay it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Created {
    pub payment: Payment,
    /// The payer's page: the summary before paying.
    pub next_url: String,
    /// Whether this ask found a payment already asked for (a double click).
    pub existing: bool,
}

/// What a staff search filters by.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Search {
    /// A trade number, reference, provider reference or payment id.
    pub text: Option<String>,
    pub state: Option<PaymentState>,
    pub method: Option<String>,
    pub from: Option<i64>,
    pub until: Option<i64>,
    /// Keyset: strictly older than this (created_at, id).
    pub before: Option<(i64, String)>,
}

/// A payment with everything staff see of it.
#[derive(Debug, Clone)]
pub struct PaymentDetail {
    pub payment: Payment,
    pub events: Vec<PaymentEvent>,
    pub refunds: Vec<Refund>,
    pub notices: Vec<NoticeRecord>,
}

/// How an asking module hears that its payment finished (paid, failed, cancelled or expired),
/// inside the transaction that finishes it: what it does there commits with the payment or
/// not at all.
pub trait PaymentListener: Send + Sync {
    /// The asker whose payments this listener hears (the `owner` it asks with).
    fn owner(&self) -> &'static str;
    fn finished<'a>(&'a self, tx: &'a mut Tx, payment: &'a Payment) -> BoxFuture<'a, Result<()>>;
}

/// The module's use cases. Cheap to clone.
#[derive(Clone)]
pub struct PaymentsApp {
    pub(crate) platform: Platform,
    pub(crate) identity: IdentityApp,
    pub(crate) providers: Arc<Providers>,
    listeners: Arc<Vec<Arc<dyn PaymentListener>>>,
    /// Gateway notices waiting to be taken together (`notices`).
    notices: Arc<notices::NoticeQueue>,
}

fn not_found() -> ServiceError {
    ServiceError::NotFound(Message::new("error-payment-not-found"))
}

fn new_trade_no(now: i64) -> String {
    trade_no::trade_no(now, &platform::secrets::random_bytes::<12>())
}

/// Checks a return address: a path on this site, or an https address (a department's
/// system), at most 500 characters, with nothing that could break out of an attribute.
fn check_return_url(url: &str) -> std::result::Result<(), Message> {
    let url = url.trim();
    let path = url.starts_with('/') && !url.starts_with("//") && !url.starts_with("/\\");
    let http = url.starts_with("https://");
    let clean = !url.chars().any(|c| c.is_control() || c.is_whitespace());
    if (path || http) && clean && url.len() <= 500 {
        Ok(())
    } else {
        Err(Message::new("error-payment-return-url"))
    }
}

impl PaymentsApp {
    pub fn new(platform: Platform, identity: IdentityApp) -> PaymentsApp {
        let providers = Providers::new(&platform.config().payments);
        PaymentsApp {
            platform,
            identity,
            providers: Arc::new(providers),
            listeners: Arc::new(Vec::new()),
            notices: Arc::new(platform::group_commit::GroupCommit::new(notices::MAX_BATCH)),
        }
    }

    /// The same app with an asking module's listener added (the composition root adds each
    /// asking module's).
    pub fn with_listener(mut self, listener: Arc<dyn PaymentListener>) -> PaymentsApp {
        let mut all: Vec<_> = self.listeners.iter().cloned().collect();
        all.push(listener);
        self.listeners = Arc::new(all);
        self
    }

    /// The services configured (`[payments]`).
    pub fn configured(&self) -> &PaymentProviders {
        &self.providers.config
    }

    pub(crate) fn now(&self) -> i64 {
        self.platform.now()
    }

    /// The payer's page of a payment.
    pub fn payer_url(&self, id: &str) -> String {
        format!("{}/pay/{id}", self.platform.config().public_base())
    }

    /// Checks what is asked, in the asker's words.
    fn check_ask(ask: &PaymentAsk) -> Result<()> {
        let mut problems = Vec::new();
        if let Err(m) = Amount::new(ask.amount) {
            problems.push(m);
        }
        let reference = ask.reference.trim();
        if reference.is_empty()
            || reference.chars().count() > MAX_REFERENCE
            || reference.chars().any(char::is_control)
        {
            problems.push(
                Message::new("error-payment-reference").arg("max", MAX_REFERENCE.to_string()),
            );
        }
        let description = ask.description.trim();
        if description.is_empty()
            || description.chars().count() > MAX_DESCRIPTION
            || description.chars().any(char::is_control)
        {
            problems.push(
                Message::new("error-payment-description").arg("max", MAX_DESCRIPTION.to_string()),
            );
        }
        if let Err(m) = check_return_url(&ask.return_url) {
            problems.push(m);
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(ServiceError::Invalid(problems))
        }
    }

    /// A module asks for a payment on behalf of `actor` (the citizen or clerk it acts for).
    /// Asking again under the same reference while the first is unfinished finds the first; a
    /// reference already paid is refused.
    pub async fn create_payment(
        &self,
        actor: &Actor,
        owner: &'static str,
        ask: PaymentAsk,
    ) -> Result<Created> {
        self.create(actor, owner, ask, ONLINE_MINUTES * 60).await
    }

    /// Staff (a payment request sent to a citizen, `link`) or a department's system (`api`)
    /// ask for a payment.
    pub async fn request_payment(
        &self,
        actor: &Actor,
        from_api: bool,
        ask: PaymentAsk,
    ) -> Result<Created> {
        actor.require(TAKE_PAYMENTS, Target::Jurisdiction)?;
        let (owner, ttl) = if from_api {
            ("api", ONLINE_MINUTES * 60)
        } else {
            ("link", LINK_DAYS * 86_400)
        };
        self.create(actor, owner, ask, ttl).await
    }

    async fn create(
        &self,
        actor: &Actor,
        owner: &str,
        ask: PaymentAsk,
        ttl: i64,
    ) -> Result<Created> {
        Self::check_ask(&ask)?;
        let jurisdiction = actor.jurisdiction_id.as_str();
        let reference = ask.reference.trim().to_string();
        let now = self.now();
        let mut tx = self.platform.db.begin().await?;
        if store::paid_for_reference(&mut tx, jurisdiction, owner, &reference)
            .await?
            .is_some()
        {
            return Err(ServiceError::invalid(Message::new(
                "error-payment-already-paid",
            )));
        }
        if let Some(open) =
            store::open_for_reference(&mut tx, jurisdiction, owner, &reference).await?
        {
            if open.amount != ask.amount {
                return Err(ServiceError::invalid(Message::new(
                    "error-payment-reference-open",
                )));
            }
            return Ok(Created {
                next_url: self.payer_url(&open.id),
                payment: open,
                existing: true,
            });
        }
        let payment = Payment {
            id: platform::secrets::token_of::<16>(),
            jurisdiction_id: jurisdiction.to_string(),
            trade_no: new_trade_no(now),
            owner: owner.to_string(),
            reference,
            description: ask.description.trim().to_string(),
            amount: ask.amount,
            return_url: ask.return_url.trim().to_string(),
            payer_account_id: ask.payer_account_id,
            language: ask.language.tag().to_string(),
            channel: if ask.counter { "counter" } else { "online" }.to_string(),
            method: None,
            state: PaymentState::Created,
            provider_ref: None,
            payment_type: None,
            carrier_kind: None,
            carrier_id: None,
            refunded: 0,
            retry_of: None,
            failure: None,
            created_by: actor.label.clone(),
            created_at: now,
            updated_at: now,
            expires_at: now + ttl,
            submitted_at: None,
            settled_at: None,
            checked_at: None,
            provider_status: None,
            provider_amount: None,
        };
        match self.insert_new(&mut tx, &payment, &actor.label).await {
            Ok(()) => tx.commit().await?,
            // Asked twice at once (a double click on two nodes): the other ask's payment.
            Err(ServiceError::Store(e)) if e.is_unique_violation() => {
                drop(tx);
                let db = &self.platform.db;
                return match store::open_for_reference(db, jurisdiction, owner, &payment.reference)
                    .await?
                {
                    Some(open) if open.amount == payment.amount => Ok(Created {
                        next_url: self.payer_url(&open.id),
                        payment: open,
                        existing: true,
                    }),
                    Some(_) => Err(ServiceError::invalid(Message::new(
                        "error-payment-reference-open",
                    ))),
                    None => Err(ServiceError::invalid(Message::new(
                        "error-payment-already-paid",
                    ))),
                };
            }
            Err(e) => return Err(e),
        }
        Ok(Created {
            next_url: self.payer_url(&payment.id),
            payment,
            existing: false,
        })
    }

    /// The payment the payer's page names (its id is the payer's key).
    pub async fn for_payer(&self, id: &str) -> Result<Payment> {
        store::get(&self.platform.db, id)
            .await?
            .ok_or_else(not_found)
    }

    /// A payment of the actor's jurisdiction, for staff.
    pub(crate) async fn in_jurisdiction(&self, actor: &Actor, id: &str) -> Result<Payment> {
        store::get(&self.platform.db, id)
            .await?
            .filter(|p| p.jurisdiction_id == actor.jurisdiction_id)
            .ok_or_else(not_found)
    }

    /// A payment with its history, refunds and notices, for staff who may see payments.
    pub async fn detail(&self, actor: &Actor, id: &str) -> Result<PaymentDetail> {
        actor.require(VIEW_PAYMENTS, Target::Jurisdiction)?;
        let payment = self.in_jurisdiction(actor, id).await?;
        let db = &self.platform.db;
        Ok(PaymentDetail {
            events: events::of_payment(db, &payment.id).await?,
            refunds: store::refunds::of_payment(db, &payment.id).await?,
            notices: store::notices::of_payment(db, &payment.id).await?,
            payment,
        })
    }

    /// The jurisdiction's payments matching `search`, newest first, at most `limit` (≤ 200).
    pub async fn search(&self, actor: &Actor, search: &Search, limit: u64) -> Result<Vec<Payment>> {
        actor.require(VIEW_PAYMENTS, Target::Jurisdiction)?;
        Ok(store::search(
            &self.platform.db,
            &actor.jurisdiction_id,
            search,
            limit.clamp(1, 200),
        )
        .await?)
    }

    /// Recomputes the payment event chain of a jurisdiction (`civicdesk verify-audit`).
    pub async fn verify_event_chain(&self, jurisdiction_id: &str) -> Result<events::ChainReport> {
        Ok(events::verify_chain(&self.platform.db, jurisdiction_id).await?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn return_addresses_are_paths_here_or_http() {
        for ok in ["/services/1/paid", "https://dept.example.gov.tw/paid?x=1"] {
            assert!(check_return_url(ok).is_ok(), "{ok}");
        }
        for bad in [
            "//evil.example",
            "/\\evil",
            "javascript:alert(1)",
            "/a b",
            "",
            "http://dept.example.gov.tw/",
        ] {
            assert!(check_return_url(bad).is_err(), "{bad}");
        }
    }
}
