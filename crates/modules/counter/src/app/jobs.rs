//! The counter's deferred work, on the one job queue: a grant's reminder a day before it ends
//! (`counter.remind`), and its end (`counter.grant_due`: a locker's item moves to the counter,
//! where it waits its time; a counter's item is then returned). Each job names a grant and is
//! queued in the transaction that activates it; each does nothing if the grant has moved on
//! (used, revoked, renewed), so a job run twice or late is harmless.

use super::{Application, CounterApp, Result};
use crate::domain::application::{Action, Role, State};
use crate::domain::pickup;
use crate::store;
use crate::store::grants::Grant;
use ::store::Tx;
use ::store::jobs::{Job, Settle};
use platform::authz::{Actor, Target};
use platform::jobs::{BoxFuture, JobKind, Ran};
use platform::{Platform, ServiceError};
use store::applications;

/// A grant's reminder, a day before it ends.
pub const REMIND: &str = "counter.remind";
/// A grant's end.
pub const GRANT_DUE: &str = "counter.grant_due";

impl CounterApp {
    /// Queues a grant's reminder and end (only the applicant's: an agent's follows it).
    pub(crate) async fn schedule_in(
        &self,
        tx: &mut Tx,
        app: &Application,
        g: &Grant,
        now: i64,
    ) -> Result<()> {
        if g.holder != "applicant" {
            return Ok(());
        }
        let remind_at = g.expires_at - pickup::REMIND_BEFORE_SECONDS;
        if remind_at > now {
            platform::jobs::enqueue(
                tx,
                REMIND,
                "",
                Some(&g.id),
                Some(&app.jurisdiction_id),
                remind_at,
                now,
            )
            .await?;
        }
        platform::jobs::enqueue(
            tx,
            GRANT_DUE,
            "",
            Some(&g.id),
            Some(&app.jurisdiction_id),
            g.expires_at,
            now,
        )
        .await?;
        Ok(())
    }

    /// A reminder: the applicant is told the item waits until the grant ends. `false` when
    /// there was nothing to remind of.
    pub async fn remind(&self, grant_id: &str) -> Result<bool> {
        let now = self.now();
        let mut tx = self.platform.db.begin().await?;
        let Some((mut g, app)) = self.live_grant_in(&mut tx, grant_id).await? else {
            return Ok(false);
        };
        if g.reminded_at.is_some() || g.expires_at <= now {
            return Ok(false);
        }
        g.reminded_at = Some(now);
        store::grants::update_grant(&mut tx, &g).await?;
        let site = match &g.site_id {
            Some(s) => store::lockers::site_by_id(&mut tx, s).await?,
            None => None,
        };
        let place = self.place_words(&mut tx, &app, site.as_ref()).await?;
        let until = self.local_time(&app.jurisdiction_id, g.expires_at).await?;
        self.tell_in(
            &mut tx,
            &app,
            super::change::Tell {
                template: "counter_expiring",
                vars: serde_json::json!({ "place": place, "until": until }),
                sms_to: None,
                urgent: false,
            },
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(true)
    }

    async fn live_grant_in(
        &self,
        tx: &mut Tx,
        grant_id: &str,
    ) -> Result<Option<(Grant, Application)>> {
        let Some(g) = store::grants::grant_by_id(&mut *tx, grant_id).await? else {
            return Ok(None);
        };
        if !g.active || g.revoked || g.used_at.is_some() {
            return Ok(None);
        }
        let Some(app) = applications::find(&mut *tx, &g.application_id).await? else {
            return Ok(None);
        };
        if app.state != State::ReadyForPickup {
            return Ok(None);
        }
        Ok(Some((g, app)))
    }

    /// A grant's end: a locker's item goes to the counter (new grants there, the applicant
    /// told); a counter's item is returned (the application expires). `false` when the grant
    /// had already moved on.
    pub async fn grant_due(&self, grant_id: &str) -> Result<bool> {
        let now = self.now();
        let mut tx = self.platform.db.begin().await?;
        let Some((g, mut app)) = self.live_grant_in(&mut tx, grant_id).await? else {
            return Ok(false);
        };
        if g.expires_at > now {
            // Renewed since the job was queued: its own job comes later.
            return Ok(false);
        }
        if g.site_id.is_some() {
            self.move_to_counter_in(&mut tx, &mut app, Role::System, "counter", now)
                .await?;
        } else {
            for mut other in store::grants::grants_of(&mut tx, &app.id).await? {
                if !other.revoked && other.used_at.is_none() {
                    other.revoked = true;
                    store::grants::update_grant(&mut tx, &other).await?;
                }
            }
            app.place = Some("returned".into());
            self.step_in(
                &mut tx,
                &mut app,
                super::change::Step {
                    action: Action::Expire,
                    role: Role::System,
                    actor: "counter",
                    data: serde_json::json!({}),
                },
                now,
            )
            .await?;
            self.tell_in(
                &mut tx,
                &app,
                super::change::Tell {
                    template: "counter_returned",
                    vars: serde_json::json!({}),
                    sms_to: None,
                    urgent: false,
                },
                now,
            )
            .await?;
        }
        tx.commit().await?;
        Ok(true)
    }

    /// Moves an item from its locker to the counter: the door's grants end, new ones at the
    /// counter are made and activated (the applicant told, an agent given a new code); the
    /// door stays loaded until staff clear it.
    pub(crate) async fn move_to_counter_in(
        &self,
        tx: &mut Tx,
        app: &mut Application,
        role: Role,
        actor: &str,
        now: i64,
    ) -> Result<()> {
        let grants = store::grants::grants_of(&mut *tx, &app.id).await?;
        for mut other in grants
            .iter()
            .filter(|x| !x.revoked && x.used_at.is_none())
            .cloned()
        {
            other.revoked = true;
            store::grants::update_grant(tx, &other).await?;
        }
        app.place = Some("counter".into());
        let data = serde_json::json!({ "door": app.door_id });
        self.step_in(
            tx,
            app,
            super::change::Step {
                action: Action::ToCounter,
                role,
                actor,
                data,
            },
            now,
        )
        .await?;
        for holder in grants.iter().filter(|x| !x.revoked && x.used_at.is_none()) {
            let mut copy = holder.clone();
            copy.id = super::new_id();
            copy.site_id = None;
            copy.door_id = None;
            copy.mobile_hash = None;
            copy.active = false;
            copy.revoked = false;
            copy.wrong = 0;
            copy.locked_at = None;
            copy.reminded_at = None;
            copy.code_hash = format!("inactive:{}", platform::secrets::token());
            copy.created_at = now;
            store::grants::insert_grant(&mut *tx, &copy).await?;
        }
        self.activate_with_in(tx, app, now, "counter_to_counter")
            .await
    }

    /// A clerk moves an item out of its locker to the counter (a faulty door, or the applicant
    /// asked): as when its time in the locker ends.
    pub async fn to_counter(&self, actor: &Actor, id: &str) -> Result<Application> {
        actor.require(crate::module::REVIEW_APPLICATIONS, Target::Jurisdiction)?;
        let mut app = self.staff_find(actor, id).await?;
        if app.place.as_deref() != Some("door") {
            return Err(ServiceError::Conflict(domain::Message::new(
                "counter-error-not-in-locker",
            )));
        }
        let now = self.now();
        let mut tx = self.platform.db.begin().await?;
        self.move_to_counter_in(&mut tx, &mut app, Role::Clerk, &actor.label, now)
            .await?;
        tx.commit().await?;
        Ok(app)
    }
}

/// A job kind over the counter's app.
pub struct CounterJob {
    pub counter: CounterApp,
    pub kind: &'static str,
}

impl JobKind for CounterJob {
    fn kind(&self) -> &'static str {
        self.kind
    }

    fn lanes(&self) -> Vec<&'static str> {
        if self.kind == super::reconcile::RECONCILE {
            vec![super::reconcile::PERIODIC, super::reconcile::UPLOAD]
        } else {
            vec![""]
        }
    }

    fn run<'a>(
        &'a self,
        platform: &'a Platform,
        batch: &'a [Job],
        token: &'a str,
    ) -> BoxFuture<'a, std::result::Result<(), ServiceError>> {
        Box::pin(async move {
            for job in batch {
                let subject = job.subject_id.as_deref().unwrap_or_default();
                let did = match self.kind {
                    REMIND => self.counter.remind(subject).await?,
                    super::bookings::BOOKING_REMIND => self.counter.remind_booking(subject).await?,
                    super::bookings::BOOKING_DUE => self.counter.booking_due(subject).await?,
                    super::reconcile::RECONCILE => {
                        let repairs = self.counter.reconcile_site(subject).await?;
                        // The quarter-hourly run queues the next one; an upload's run does not.
                        if job.lane == super::reconcile::PERIODIC {
                            self.counter.next_periodic_reconcile(subject).await?;
                        }
                        !repairs.is_empty()
                    }
                    _ => self.counter.grant_due(subject).await?,
                };
                let ran = Ran {
                    attempts: job.attempts + 1,
                    how: Settle::Done,
                    outcome: "done",
                    detail: if did { "done" } else { "nothing to do" },
                };
                let mut tx = platform.db.begin().await?;
                if platform::jobs::settle(&mut tx, job, token, platform.now(), ran).await? {
                    tx.commit().await?;
                }
            }
            Ok(())
        })
    }
}
