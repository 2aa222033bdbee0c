//! Picking up. The applicant may name an agent (an identity mandate "pick up documents" for
//! this application), who gets their own code; the applicant may rotate their code (which also
//! unlocks it). At the counter a clerk hands over after checking the ID of the applicant or the
//! agent; at a door the device does (`device`). Either way the pickup is recorded and told.

use super::change::{Step, Tell};
use super::{Application, CounterApp, Result, not_found};
use crate::domain::application::{Action, Role, State};
use crate::domain::pickup;
use crate::module::REVIEW_APPLICATIONS;
use crate::store;
use crate::store::events::NewEvent;
use crate::store::grants::Grant;
use ::store::Tx;
use domain::Message;
use identity::accounts::{ActingFor, MandateInput};
use identity::domain::mandates::{Agent, Decision, Theme};
use platform::ServiceError;
use platform::authz::{Actor, Target};

/// Who takes a document at the counter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HandOver {
    /// The applicant; the clerk typed the last four characters of the ID they were shown.
    Applicant { id_last4: String },
    /// An agent, with their code and the last four characters of their ID.
    Agent { code: String, id_last4: String },
}

/// An agent as the applicant names them: an account by its sign-in name, or a person.
#[derive(Debug, Clone, Default)]
pub struct AgentInput {
    pub login: String,
    pub name: String,
    pub id_last4: String,
    pub mobile: String,
}

/// The days an agent's mandate for one pickup runs, from today.
pub const AGENT_DAYS: i64 = 30;

fn last4(text: &str) -> String {
    let t = domain::width::to_half_width(text.trim()).to_ascii_uppercase();
    t.chars()
        .rev()
        .take(4)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect()
}

impl CounterApp {
    /// The applicant asks for a new code (the old one stops working; a locked code is
    /// unlocked). The grant and the new code are returned to show once (with its QR).
    pub async fn rotate_code(&self, actor: &Actor, id: &str) -> Result<(String, String)> {
        let me = actor.account()?;
        let mut app = store::applications::find(&self.platform.db, id)
            .await?
            .filter(|a| a.applicant_id == me && a.jurisdiction_id == actor.jurisdiction_id)
            .ok_or_else(not_found)?;
        let now = self.now();
        let site = match &app.door_id {
            Some(_) => self.site_of(&app.jurisdiction_id, &app.office_code).await?,
            None => None,
        };
        let mut tx = self.platform.db.begin().await?;
        let mut grant = store::grants::grants_of(&mut tx, &app.id)
            .await?
            .into_iter()
            .find(|g| {
                g.holder == "applicant"
                    && g.active
                    && !g.revoked
                    && g.used_at.is_none()
                    && g.site_id.is_some()
            })
            .ok_or_else(|| ServiceError::Conflict(Message::new("counter-error-no-code")))?;
        if app.state != State::ReadyForPickup || grant.expires_at <= now {
            return Err(ServiceError::Conflict(Message::new(
                "counter-error-no-code",
            )));
        }
        let (code, hash) = self
            .fresh_code(&mut tx, site.as_ref(), &app.jurisdiction_id)
            .await?;
        grant.code_hash = hash;
        grant.wrong = 0;
        grant.locked_at = None;
        store::grants::update_grant(&mut tx, &grant).await?;
        self.note_in(
            &mut tx,
            &mut app,
            "code_rotated",
            &actor.label,
            serde_json::json!({ "grant": grant.id }),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok((grant.id, code))
    }

    /// The applicant names an agent to pick up for them: a mandate "pick up documents" for
    /// this application only, from today for [`AGENT_DAYS`]. A named person gets their own code
    /// by SMS; an account gets it once they accept the mandate and the document is ready.
    pub async fn name_agent(&self, actor: &Actor, id: &str, input: AgentInput) -> Result<()> {
        let me = actor.account()?;
        let app = store::applications::find(&self.platform.db, id)
            .await?
            .filter(|a| a.applicant_id == me && a.jurisdiction_id == actor.jurisdiction_id)
            .ok_or_else(not_found)?;
        let service = self
            .catalogue(&app.jurisdiction_id)
            .await?
            .service(&app.service_code)
            .cloned()
            .ok_or_else(super::unknown_service)?;
        if !service.agent_may_pick_up {
            return Err(ServiceError::invalid(Message::new(
                "counter-error-agent-not-allowed",
            )));
        }
        if app.state.is_final() || app.state == State::Draft {
            return Err(ServiceError::Conflict(Message::new(
                "counter-error-agent-not-now",
            )));
        }
        let today = self
            .calendar(&app.jurisdiction_id)
            .await?
            .local_date(self.now());
        let ends = today + time::Duration::days(AGENT_DAYS);
        let mandate = self
            .identity
            .give_mandate(
                actor,
                MandateInput {
                    agent_login: input.login.clone(),
                    agent_name: input.name.clone(),
                    agent_id_last4: input.id_last4.clone(),
                    agent_mobile: input.mobile.clone(),
                    theme: Theme::PickUpDocuments.as_str().to_string(),
                    specifier: app.number.clone(),
                    starts_on: today.to_string(),
                    ends_on: ends.to_string(),
                },
            )
            .await?;
        let now = self.now();
        let site = match &app.door_id {
            Some(_) => self.site_of(&app.jurisdiction_id, &app.office_code).await?,
            None => None,
        };
        let person = match &mandate.agent {
            Agent::Person(p) => Some(p.clone()),
            Agent::Account(_) => None,
        };
        let mut app = app;
        let mut tx = self.platform.db.begin().await?;
        // One agent at a time: an earlier agent's grant ends.
        for mut g in store::grants::grants_of(&mut tx, &app.id).await? {
            if g.holder == "agent" && !g.revoked && g.used_at.is_none() {
                g.revoked = true;
                store::grants::update_grant(&mut tx, &g).await?;
            }
        }
        let at_site = site
            .as_ref()
            .filter(|_| app.place.as_deref() == Some("door"));
        self.add_grant_in(
            &mut tx,
            &app,
            at_site,
            "agent",
            person.as_ref(),
            Some(&mandate.id),
            person.as_ref().map(|p| p.mobile.as_str()),
            now,
        )
        .await?;
        self.note_in(
            &mut tx,
            &mut app,
            "agent_named",
            &actor.label,
            serde_json::json!({ "mandate": mandate.id, "named_person": person.is_some() }),
            now,
        )
        .await?;
        if app.state == State::ReadyForPickup && app.fee_settled() {
            self.activate_in(&mut tx, &mut app, now).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Whether a grant's holder may take the document now: the applicant always; an agent only
    /// while their mandate allows it (recorded as a use of the mandate).
    pub(crate) async fn holder_allowed(
        &self,
        app: &Application,
        g: &Grant,
        what: &str,
    ) -> Result<std::result::Result<(), Message>> {
        if g.holder != "agent" {
            return Ok(Ok(()));
        }
        let Some(mid) = &g.mandate_id else {
            return Ok(Err(Message::new("error-mandate-none")));
        };
        let given = self.identity.mandates_given_by(&app.applicant_id).await?;
        let Some(m) = given.into_iter().find(|m| &m.id == mid) else {
            return Ok(Err(Message::new("error-mandate-none")));
        };
        let decision = self
            .identity
            .may_act_for(&ActingFor {
                jurisdiction_id: &app.jurisdiction_id,
                agent: &m.agent,
                principal: &app.applicant_id,
                theme: Theme::PickUpDocuments,
                thing: Some(&app.number),
                service: "counter",
                what,
            })
            .await?;
        Ok(match decision {
            Decision::Allowed { .. } => Ok(()),
            Decision::Refused(r) => Err(r.message()),
        })
    }

    /// A clerk hands over at the counter, after checking the ID of the applicant or of their
    /// agent (whose code the clerk types).
    pub async fn hand_over(&self, actor: &Actor, id: &str, who: HandOver) -> Result<Application> {
        actor.require(REVIEW_APPLICATIONS, Target::Jurisdiction)?;
        let mut app = self.staff_find(actor, id).await?;
        if app.place.as_deref() != Some("counter") {
            return Err(ServiceError::Conflict(Message::new(
                "counter-error-not-at-counter",
            )));
        }
        if !app.fee_settled() {
            return Err(ServiceError::Conflict(Message::new("counter-error-unpaid")));
        }
        let now = self.now();
        let grants = store::grants::grants_of(&self.platform.db, &app.id).await?;
        let (by, mut grant) = match &who {
            HandOver::Applicant { id_last4 } => {
                let on_file = app
                    .answers
                    .get("applicant_id")
                    .map(|i| last4(i))
                    .unwrap_or_default();
                if on_file.is_empty() || last4(id_last4) != on_file {
                    return Err(ServiceError::invalid(Message::new(
                        "counter-error-id-mismatch",
                    )));
                }
                (
                    "applicant",
                    grants
                        .into_iter()
                        .find(|g| g.holder == "applicant" && !g.revoked && g.used_at.is_none()),
                )
            }
            HandOver::Agent { code, id_last4 } => {
                let code = pickup::normalise(code).ok_or_else(|| {
                    ServiceError::invalid(Message::new("counter-error-code-shape"))
                })?;
                let hash = self.grant_hash(None, &app.jurisdiction_id, &code);
                let g = grants
                    .into_iter()
                    .find(|g| {
                        g.holder == "agent"
                            && g.active
                            && !g.revoked
                            && g.used_at.is_none()
                            && g.code_hash == hash
                    })
                    .ok_or_else(|| ServiceError::invalid(Message::new("counter-kiosk-wrong")))?;
                {
                    // The ID the agent shows: a named person's as the applicant gave it; an
                    // account's as its own verified record holds it.
                    let given = self.identity.mandates_given_by(&app.applicant_id).await?;
                    let expected = match given
                        .iter()
                        .find(|m| Some(&m.id) == g.mandate_id.as_ref())
                        .map(|m| &m.agent)
                    {
                        Some(Agent::Person(p)) => p.id_last4.to_ascii_uppercase(),
                        Some(Agent::Account(a)) => self
                            .identity
                            .account_in(&app.jurisdiction_id, a)
                            .await?
                            .national_id
                            .map(|n| last4(&n))
                            .unwrap_or_default(),
                        None => String::new(),
                    };
                    if expected.is_empty() || last4(id_last4) != expected {
                        return Err(ServiceError::invalid(Message::new(
                            "counter-error-id-mismatch",
                        )));
                    }
                }
                if let Err(m) = self
                    .holder_allowed(&app, &g, "picked up at the counter")
                    .await?
                {
                    return Err(ServiceError::Forbidden(m));
                }
                ("agent", Some(g))
            }
        };
        let mut tx = self.platform.db.begin().await?;
        if let Some(g) = grant.as_mut() {
            g.used_at = Some(now);
            store::grants::update_grant(&mut tx, g).await?;
        }
        let how = PickedUp {
            by,
            how: "counter",
            role: Role::Clerk,
            actor: &actor.label,
            place: None,
        };
        self.picked_up_in(&mut tx, &mut app, how, now).await?;
        tx.commit().await?;
        Ok(app)
    }

    /// Records a pickup and tells the applicant at once (who took it, where).
    pub(crate) async fn picked_up_in(
        &self,
        tx: &mut Tx,
        app: &mut Application,
        p: PickedUp<'_>,
        now: i64,
    ) -> Result<()> {
        let (event, place) = self.pick_up_row_in(tx, app, p, now).await?;
        if !store::applications::update(tx, app, app.version - 1).await? {
            return Err(ServiceError::Conflict(Message::new(
                "counter-error-changed",
            )));
        }
        store::events::append(tx, &app.jurisdiction_id, &[event]).await?;
        // Other live grants of the application end with it.
        store::grants::revoke_live_of(tx, std::slice::from_ref(&app.id)).await?;
        self.tell_picked_up_in(tx, app, &place, now).await
    }

    /// [`CounterApp::picked_up_in`]'s change: the application changed (for the caller to
    /// write, its version one past the one read) and its event (for the caller to append),
    /// with where it was taken.
    pub(crate) async fn pick_up_row_in(
        &self,
        tx: &mut Tx,
        app: &mut Application,
        p: PickedUp<'_>,
        now: i64,
    ) -> Result<(NewEvent, String)> {
        let place = match p.place {
            Some(place) => place,
            None => {
                let site = match &app.door_id {
                    Some(_) => {
                        store::lockers::site_of_office(
                            &mut *tx,
                            &app.jurisdiction_id,
                            &app.office_code,
                        )
                        .await?
                    }
                    None => None,
                };
                self.place_words(&mut *tx, app, site.as_ref()).await?
            }
        };
        app.picked_up_by = Some(p.by.into());
        app.picked_up_how = Some(p.how.into());
        app.picked_up_where = Some(place.clone());
        app.picked_up_at = Some(now);
        let event = self
            .step_unwritten_in(
                tx,
                app,
                Step {
                    action: Action::PickUp,
                    role: p.role,
                    actor: p.actor,
                    data: serde_json::json!({ "by": p.by, "how": p.how, "where": place }),
                },
                now,
            )
            .await?;
        Ok((event, place))
    }

    /// Tells the applicant their document was taken (by them or their agent), and where.
    pub(crate) async fn tell_picked_up_in(
        &self,
        tx: &mut Tx,
        app: &Application,
        place: &str,
        now: i64,
    ) -> Result<()> {
        let locale = self.applicant_locale_in(tx, app).await?;
        self.tell_in_as(tx, app, picked_up_tell(app, place, locale), locale, now)
            .await
    }
}

/// What tells an applicant their document was taken, in their language.
pub(crate) fn picked_up_tell(app: &Application, place: &str, locale: domain::Locale) -> Tell {
    let who = match (app.picked_up_by.as_deref(), locale) {
        (Some("agent"), domain::Locale::ZhTw) => "您指定的代領人",
        (Some("agent"), domain::Locale::En) => "the agent you named",
        (_, domain::Locale::ZhTw) => "您本人",
        (_, domain::Locale::En) => "you",
    };
    Tell {
        template: "counter_picked_up",
        vars: serde_json::json!({ "who": who, "place": place }),
        sms_to: None,
        urgent: true,
    }
}

/// How a document was picked up, for [`CounterApp::picked_up_in`].
pub(crate) struct PickedUp<'a> {
    /// `applicant` or `agent`.
    pub by: &'a str,
    /// `door`, `counter` or `post`.
    pub how: &'a str,
    pub role: Role,
    pub actor: &'a str,
    /// Where, when the caller has it in hand already (a kiosk holds the door it opened).
    pub place: Option<String>,
}

/// Where an issued document waits and how it is taken, as its applicant sees it.
#[derive(Debug, Clone)]
pub struct PickupInfo {
    /// The site and door, or the office's counter.
    pub place: String,
    /// When the applicant's grant ends (the locker's time, or the counter's).
    pub until: Option<i64>,
    /// Whether a code is live (paid, not used, not locked).
    pub code_live: bool,
    pub locked: bool,
    /// Whether the pickup is at a Smart Desk door (a code opens it).
    pub at_door: bool,
    /// The named agent's name, if an agent may pick up.
    pub agent: Option<String>,
}

impl CounterApp {
    /// What the applicant sees of the pickup of an issued application.
    pub async fn pickup_info(&self, app: &Application) -> Result<Option<PickupInfo>> {
        if app.issued_at.is_none() || app.place.as_deref() == Some("post") {
            return Ok(None);
        }
        let db = &self.platform.db;
        let site = match &app.door_id {
            Some(_) => {
                store::lockers::site_of_office(db, &app.jurisdiction_id, &app.office_code).await?
            }
            None => None,
        };
        let grants = store::grants::grants_of(db, &app.id).await?;
        let live = |g: &&Grant| !g.revoked && g.used_at.is_none();
        let mine = grants.iter().filter(live).find(|g| g.holder == "applicant");
        let agent = grants.iter().filter(live).find(|g| g.holder == "agent");
        Ok(Some(PickupInfo {
            place: self.place_words(db, app, site.as_ref()).await?,
            until: mine.filter(|g| g.active).map(|g| g.expires_at),
            code_live: mine.is_some_and(|g| g.active && g.locked_at.is_none()),
            locked: mine.is_some_and(|g| g.locked_at.is_some()),
            at_door: app.place.as_deref() == Some("door"),
            agent: agent.map(|g| g.agent_name.clone().unwrap_or_default()),
        }))
    }
}
