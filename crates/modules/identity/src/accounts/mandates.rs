//! Mandates between citizens: given by a principal, accepted or declined by an agent's account,
//! revoked by either; and the one question services ask, [`IdentityApp::may_act_for`], whose
//! every yes is recorded as a use both people see. The rules are `domain::mandates`.

use super::{AccountKind, Login, STATUS_ACTIVE};
use crate::audit::{self, Subject};
use crate::authz::Actor;
use crate::domain::mandates::{
    self, Agent, Decision, Mandate, NamedPerson, Question, Request, State, Theme,
};
use crate::store::accounts;
use crate::store::mandates as store;
use crate::{IdentityApp, Result, ServiceError};
use domain::Message;
use domain::identity::Mobile;
use time::Date;
use time::macros::format_description;

/// A mandate as a principal gives it in the form: the agent by their sign-in name, or as a
/// named person; the theme by its key; the dates as `YYYY-MM-DD`.
#[derive(Debug, Clone, Default)]
pub struct MandateInput {
    pub agent_login: String,
    pub agent_name: String,
    pub agent_id_last4: String,
    pub agent_mobile: String,
    pub theme: String,
    pub specifier: String,
    pub starts_on: String,
    pub ends_on: String,
}

/// An act one person would do for another, as a service describes it to
/// [`IdentityApp::may_act_for`].
#[derive(Debug, Clone, Copy)]
pub struct ActingFor<'a> {
    pub jurisdiction_id: &'a str,
    pub agent: &'a Agent,
    pub principal: &'a str,
    pub theme: Theme,
    /// The thing acted on (an application's number), if the act concerns one.
    pub thing: Option<&'a str>,
    /// The service asking (e.g. `counter`), and what it does, in words both people read.
    pub service: &'a str,
    pub what: &'a str,
}

/// The mandates of one person: those they gave, and those given to them.
#[derive(Debug, Clone, Default)]
pub struct MyMandates {
    pub given: Vec<Mandate>,
    pub received: Vec<Mandate>,
}

fn field(id: &'static str, f: &'static str) -> Message {
    Message::new(id).arg("field", f)
}

fn parse_day(text: &str, f: &'static str) -> std::result::Result<Date, Message> {
    Date::parse(text.trim(), format_description!("[year]-[month]-[day]"))
        .map_err(|_| field("error-date-invalid", f))
}

fn not_yours() -> ServiceError {
    ServiceError::NotFound(Message::new("error-mandate-unknown"))
}

impl IdentityApp {
    /// Today in the actor's jurisdiction.
    pub(crate) async fn today(&self, jurisdiction_id: &str) -> Result<Date> {
        let j = self.platform.jurisdiction(jurisdiction_id).await?;
        let local = self.now() + i64::from(j.utc_offset_minutes) * 60;
        time::OffsetDateTime::from_unix_timestamp(local)
            .map(|t| t.date())
            .map_err(|e| ServiceError::Internal(e.to_string()))
    }

    /// A citizen gives a mandate. To an account it is offered until the agent accepts; to a
    /// named person it holds from its start.
    pub async fn give_mandate(&self, actor: &Actor, input: MandateInput) -> Result<Mandate> {
        let principal = citizen(actor)?;
        // Each try names a sign-in name: bounded, so it cannot be used to sweep for accounts.
        self.platform
            .count_attempt(crate::rate_limit::MANDATES_PER_ACCOUNT, principal)
            .await?;
        let mut errors = Vec::new();
        let theme = Theme::parse(input.theme.trim());
        if theme.is_none() {
            errors.push(field("error-mandate-theme", "theme"));
        }
        let starts_on = parse_day(&input.starts_on, "starts_on").map_err(|e| errors.push(e));
        let ends_on = parse_day(&input.ends_on, "ends_on").map_err(|e| errors.push(e));
        let agent = if !input.agent_login.trim().is_empty() {
            let found = match Login::parse(&input.agent_login) {
                Ok(l) => accounts::find_by_login(&self.db, &actor.jurisdiction_id, l.as_str())
                    .await?
                    .filter(|a| {
                        a.kind == AccountKind::Citizen.as_str() && a.status == STATUS_ACTIVE
                    }),
                Err(_) => None,
            };
            match found {
                Some(a) => Some(Agent::Account(a.id)),
                None => {
                    errors.push(field("error-mandate-agent-unknown", "agent_login"));
                    None
                }
            }
        } else {
            let mobile = match Mobile::parse(&input.agent_mobile) {
                Ok(m) => m.e164().to_string(),
                Err(_) if input.agent_mobile.trim().is_empty() => String::new(),
                Err(_) => {
                    errors.push(field("error-mandate-agent-mobile", "agent_mobile"));
                    "invalid".into()
                }
            };
            Some(Agent::Person(NamedPerson {
                name: input.agent_name.trim().to_string(),
                id_last4: input.agent_id_last4.trim().to_ascii_uppercase(),
                mobile,
            }))
        };
        let today = self.today(&actor.jurisdiction_id).await?;
        let (Some(theme), Ok(starts_on), Ok(ends_on), Some(agent)) =
            (theme, starts_on, ends_on, agent)
        else {
            return Err(ServiceError::Invalid(errors));
        };
        let specifier = Some(input.specifier.trim().to_string()).filter(|s| !s.is_empty());
        let request = Request {
            agent,
            theme,
            specifier,
            starts_on,
            ends_on,
        };
        if let Err(more) = mandates::check_request(&request, principal, today) {
            errors.extend(more);
        }
        if !errors.is_empty() {
            return Err(ServiceError::Invalid(errors));
        }
        let state = match request.agent {
            Agent::Account(_) => State::Offered,
            Agent::Person(_) => State::Active,
        };
        let m = Mandate {
            id: uuid::Uuid::now_v7().to_string(),
            principal: principal.to_string(),
            agent: request.agent,
            theme: request.theme,
            specifier: request.specifier,
            starts_on: request.starts_on,
            ends_on: request.ends_on,
            state,
        };
        let now = self.now();
        let mut tx = self.db.begin().await?;
        store::insert(&mut tx, &actor.jurisdiction_id, &m, now).await?;
        if let Agent::Account(agent) = &m.agent {
            self.tell_agent(&mut tx, principal, agent, m.theme).await?;
        }
        audit::record(
            &mut tx,
            actor,
            "mandate.given",
            Subject {
                kind: "mandate",
                id: &m.id,
                data_subject: Some(principal),
            },
            None,
            serde_json::json!({ "theme": m.theme.as_str(), "state": m.state.as_str() }),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(m)
    }

    /// The agent's account accepts (or declines) a mandate offered to it.
    pub async fn answer_mandate(&self, actor: &Actor, id: &str, accept: bool) -> Result<()> {
        let me = citizen(actor)?;
        let m = store::find(&self.db, id).await?.ok_or_else(not_yours)?;
        if m.agent != Agent::Account(me.to_string()) {
            return Err(not_yours());
        }
        let to = if accept {
            State::Active
        } else {
            State::Declined
        };
        self.move_mandate(actor, &m, &[State::Offered], to, "mandate.answered")
            .await
    }

    /// The principal revokes a mandate, or the agent's account withdraws from it.
    pub async fn revoke_mandate(&self, actor: &Actor, id: &str) -> Result<()> {
        let me = citizen(actor)?;
        let m = store::find(&self.db, id).await?.ok_or_else(not_yours)?;
        if m.principal != me && m.agent != Agent::Account(me.to_string()) {
            return Err(not_yours());
        }
        self.move_mandate(
            actor,
            &m,
            &[State::Offered, State::Active],
            State::Revoked,
            "mandate.revoked",
        )
        .await
    }

    async fn move_mandate(
        &self,
        actor: &Actor,
        m: &Mandate,
        from: &[State],
        to: State,
        action: &str,
    ) -> Result<()> {
        let now = self.now();
        let mut tx = self.db.begin().await?;
        if !store::set_state(&mut tx, &m.id, from, to, now).await? {
            return Err(ServiceError::invalid(Message::new("error-mandate-state")));
        }
        audit::record(
            &mut tx,
            actor,
            action,
            Subject {
                kind: "mandate",
                id: &m.id,
                data_subject: Some(&m.principal),
            },
            None,
            serde_json::json!({ "state": to.as_str() }),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Tells the agent's account that a mandate waits for their answer, by the contact they
    /// signed in with, in their language.
    async fn tell_agent(
        &self,
        tx: &mut ::store::Tx,
        principal: &str,
        agent: &str,
        theme: Theme,
    ) -> Result<()> {
        let Some(account) = accounts::find(&self.db, agent).await? else {
            return Ok(());
        };
        let Ok(login) = Login::parse(&account.login) else {
            return Ok(());
        };
        let locale = domain::Locale::from_tag(&account.locale).unwrap_or_default();
        let words = |id: &str| webkit::i18n::tr(locale, id, &[]);
        crate::notify::enqueue(
            tx,
            &crate::notify::Notification {
                jurisdiction_id: account.jurisdiction_id.clone(),
                recipient: super::signup::recipient_for(&login),
                template: "mandate_offered".into(),
                locale,
                vars: serde_json::json!({
                    "principal": self.display_name(principal).await?,
                    "theme": words(&format!("mandate-theme-{}", theme.as_str())),
                    "link": format!("{}/account/mandates", self.config().public_base()),
                }),
                urgent: false,
            },
            self.now(),
        )
        .await?;
        Ok(())
    }

    /// The sign-in name of an account, for a mandate not yet accepted (shown masked).
    pub(crate) async fn login_of(&self, account_id: &str) -> Result<String> {
        Ok(accounts::find(&self.db, account_id)
            .await?
            .map(|a| a.login)
            .unwrap_or_default())
    }

    /// The name an account goes by, for the other person of a mandate.
    pub(crate) async fn display_name(&self, account_id: &str) -> Result<String> {
        Ok(accounts::find(&self.db, account_id)
            .await?
            .map(|a| a.display_name)
            .unwrap_or_default())
    }

    /// The signed-in citizen's mandates, given and received.
    pub async fn my_mandates(&self, actor: &Actor) -> Result<MyMandates> {
        let me = citizen(actor)?;
        Ok(MyMandates {
            given: store::given_by(&self.db, me).await?,
            received: store::given_to(&self.db, me).await?,
        })
    }

    /// The mandates a principal gave, for a service that holds their id (a pickup grant
    /// names its mandate): to find whom a mandate names.
    pub async fn mandates_given_by(&self, principal: &str) -> Result<Vec<Mandate>> {
        Ok(store::given_by(&self.db, principal).await?)
    }

    /// The uses of a mandate, for either of its two people.
    pub async fn mandate_uses(&self, actor: &Actor, id: &str) -> Result<Vec<store::Use>> {
        let me = citizen(actor)?;
        let m = store::find(&self.db, id).await?.ok_or_else(not_yours)?;
        if m.principal != me && m.agent != Agent::Account(me.to_string()) {
            return Err(not_yours());
        }
        Ok(store::uses(&self.db, id).await?)
    }

    /// [`Self::may_act_for`] without recording a use: for showing what an agent may do (which
    /// of the principal's cases they may follow, whether to offer "apply for them") before
    /// they do it. The act itself asks `may_act_for`.
    pub async fn mandate_allows(&self, act: &ActingFor<'_>) -> Result<Decision> {
        let today = self.today(act.jurisdiction_id).await?;
        let given = store::given_by(&self.db, act.principal).await?;
        Ok(mandates::decide(
            &given,
            &Question {
                principal: act.principal,
                agent: act.agent,
                theme: act.theme,
                thing: act.thing,
                today,
            },
        ))
    }

    /// The question services ask: may `agent` act for `principal` on `theme` (and `thing`),
    /// today? A yes is recorded as a use of the mandate (`service` did `what`), which both
    /// people see; a no says why.
    pub async fn may_act_for(&self, act: &ActingFor<'_>) -> Result<Decision> {
        let ActingFor {
            jurisdiction_id,
            agent,
            principal,
            theme,
            thing,
            service,
            what,
        } = *act;
        let today = self.today(jurisdiction_id).await?;
        let given = store::given_by(&self.db, principal).await?;
        let decision = mandates::decide(
            &given,
            &Question {
                principal,
                agent,
                theme,
                thing,
                today,
            },
        );
        if let Decision::Allowed { mandate } = &decision {
            let now = self.now();
            let mut tx = self.db.begin().await?;
            // Revoked since it was read: refused, and nothing is recorded.
            if !store::hold_active(&mut tx, mandate).await? {
                return Ok(Decision::Refused(mandates::Refusal::Ended));
            }
            store::record_use(
                &mut tx,
                &store::Use {
                    id: uuid::Uuid::now_v7().to_string(),
                    mandate_id: mandate.clone(),
                    service: service.to_string(),
                    what: what.to_string(),
                    used_at: now,
                },
            )
            .await?;
            tx.commit().await?;
        }
        Ok(decision)
    }
}

/// The account of a signed-in citizen (mandates are between citizens).
fn citizen(actor: &Actor) -> Result<&str> {
    if actor.kind != crate::authz::ActorKind::Citizen {
        return Err(crate::authz::forbidden());
    }
    actor.account()
}
