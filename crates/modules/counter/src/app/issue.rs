//! Issuing. A clerk issues an approved application to a locker door, to the counter, or by
//! post; pickup grants are made inactive and become active (each with a new 6-digit code sent
//! to its holder) once the fee is settled, with their reminder and end queued.

use super::change::{Step, Tell};
use super::pickup::PickedUp;
use super::{Application, CounterApp, Result, new_id};
use crate::domain::application::{Action, Role, State};
use crate::domain::catalogue::Pickup;
use crate::domain::lockers::{DoorAction, DoorState, door_after};
use crate::domain::pickup;
use crate::module::REVIEW_APPLICATIONS;
use crate::store;
use crate::store::grants::Grant;
use crate::store::lockers::Site;
use ::store::Tx;
use domain::Message;
use identity::domain::mandates::{Agent, NamedPerson};
use platform::ServiceError;
use platform::authz::{Actor, Target};
use platform::notify::{self, Notification, Recipient};

/// Where a clerk issues a document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IssueTo {
    Counter,
    Door(String),
    Post,
}

impl CounterApp {
    /// The key a grant's code is hashed with: its site's, or the jurisdiction's counter key.
    pub(crate) fn grant_hash(
        &self,
        site: Option<&Site>,
        jurisdiction_id: &str,
        code: &str,
    ) -> String {
        match site {
            Some(s) => self.code_hash(s, code),
            None => pickup::code_hash(
                self.platform
                    .sign("counter-code", jurisdiction_id)
                    .as_bytes(),
                code,
            ),
        }
    }

    /// A clerk issues an approved application: loads a door (the applicant chose the Smart
    /// Desk), puts it at the counter, or posts it.
    pub async fn issue(&self, actor: &Actor, id: &str, to: IssueTo) -> Result<Application> {
        actor.require(REVIEW_APPLICATIONS, Target::Jurisdiction)?;
        let mut app = self.staff_find(actor, id).await?;
        let now = self.now();
        let site = self.site_of(&app.jurisdiction_id, &app.office_code).await?;
        let mut tx = self.platform.db.begin().await?;
        let mut door_label = None;
        match &to {
            IssueTo::Door(door_id) => {
                let site = site
                    .as_ref()
                    .filter(|_| app.pickup == Pickup::Locker.as_str())
                    .ok_or_else(|| {
                        ServiceError::invalid(Message::new("counter-error-no-locker"))
                    })?;
                let mut door = store::lockers::door_by_id(&mut tx, door_id)
                    .await?
                    .filter(|d| d.site_id == site.id)
                    .ok_or_else(|| {
                        ServiceError::NotFound(Message::new("counter-error-door-unknown"))
                    })?;
                let from = door.state.clone();
                let to = DoorState::parse(&from)
                    .and_then(|s| door_after(s, DoorAction::Load))
                    .ok_or_else(|| {
                        ServiceError::Conflict(Message::new("counter-error-door-taken"))
                    })?;
                door.state = to.as_str().into();
                door.application_id = Some(app.id.clone());
                door.updated_at = now;
                if !store::lockers::move_door(&mut tx, &door, &from).await? {
                    return Err(ServiceError::Conflict(Message::new(
                        "counter-error-door-taken",
                    )));
                }
                app.place = Some("door".into());
                app.door_id = Some(door.id.clone());
                door_label = Some(door.label());
            }
            IssueTo::Counter => app.place = Some("counter".into()),
            IssueTo::Post => {
                if app.pickup != Pickup::Post.as_str() {
                    return Err(ServiceError::invalid(Message::new(
                        "counter-error-not-post",
                    )));
                }
                if !app.fee_settled() {
                    return Err(ServiceError::Conflict(Message::new("counter-error-unpaid")));
                }
                app.place = Some("post".into());
            }
        }
        app.issued_at = Some(now);
        let data = serde_json::json!({ "place": app.place, "door": door_label });
        self.step_in(
            &mut tx,
            &mut app,
            Step {
                action: Action::Issue,
                role: Role::Clerk,
                actor: &actor.label,
                data,
            },
            now,
        )
        .await?;
        if to != IssueTo::Post {
            let door_site = matches!(to, IssueTo::Door(_))
                .then_some(site.as_ref())
                .flatten();
            // The applicant's grant: at the door, or (at the counter) for the record of who
            // may take it.
            let mobile = app.answers.get("mobile").cloned().unwrap_or_default();
            self.add_grant_in(
                &mut tx,
                &app,
                door_site,
                "applicant",
                None,
                None,
                Some(&mobile),
                now,
            )
            .await?;
            // An agent named before issue gets a grant of their own.
            for g in store::grants::grants_of(&mut tx, &app.id).await? {
                if g.holder == "agent" && !g.revoked && g.used_at.is_none() {
                    let mut g = g;
                    g.site_id = door_site.map(|s| s.id.clone());
                    g.door_id = door_site.and(app.door_id.clone());
                    g.mobile_hash = door_site.and_then(|s| {
                        g.agent_mobile
                            .as_deref()
                            .and_then(|m| self.mobile_hash(s, m))
                    });
                    store::grants::update_grant(&mut tx, &g).await?;
                }
            }
            if app.fee_settled() {
                self.activate_in(&mut tx, &mut app, now).await?;
            }
        } else {
            // Posted: it has left the office, registered, to the applicant's address.
            let how = PickedUp {
                by: "applicant",
                how: "post",
                role: Role::Clerk,
                actor: &actor.label,
                place: None,
            };
            self.picked_up_in(&mut tx, &mut app, how, now).await?;
        }
        tx.commit().await?;
        Ok(app)
    }

    #[allow(clippy::too_many_arguments)]
    pub(crate) async fn add_grant_in(
        &self,
        tx: &mut Tx,
        app: &Application,
        site: Option<&Site>,
        holder: &str,
        agent: Option<&NamedPerson>,
        mandate_id: Option<&str>,
        mobile: Option<&str>,
        now: i64,
    ) -> Result<Grant> {
        let g = Grant {
            id: new_id(),
            application_id: app.id.clone(),
            site_id: site.map(|s| s.id.clone()),
            door_id: app.door_id.clone().filter(|_| site.is_some()),
            holder: holder.into(),
            mobile_hash: match (site, mobile) {
                (Some(s), Some(m)) => self.mobile_hash(s, m),
                _ => None,
            },
            mandate_id: mandate_id.map(str::to_string),
            agent_name: agent.map(|a| a.name.clone()),
            agent_mobile: agent.map(|a| a.mobile.clone()),
            // Inactive: a random value no code hashes to, until the fee is settled.
            code_hash: format!("inactive:{}", platform::secrets::token()),
            active: false,
            revoked: false,
            locked_at: None,
            wrong: 0,
            used_at: None,
            expires_at: now,
            reminded_at: None,
            created_at: now,
        };
        store::grants::insert_grant(&mut *tx, &g).await?;
        Ok(g)
    }

    /// A fresh code for a grant, unique among the site's live codes.
    pub(crate) async fn fresh_code(
        &self,
        tx: &mut Tx,
        site: Option<&Site>,
        j: &str,
    ) -> Result<(String, String)> {
        for _ in 0..8 {
            let code = platform::secrets::numeric_code(pickup::CODE_DIGITS);
            let hash = self.grant_hash(site, j, &code);
            let taken = match site {
                Some(s) => store::grants::live_by_code(&mut *tx, &s.id, &hash)
                    .await?
                    .is_some(),
                None => false,
            };
            if !taken {
                return Ok((code, hash));
            }
        }
        Err(ServiceError::Internal(
            "no free pickup code after 8 draws".into(),
        ))
    }

    /// Activates the issued application's inactive grants: each gets a new code, sent to its
    /// holder, and its time runs from now; the reminder and the move to the counter are queued.
    pub(crate) async fn activate_in(
        &self,
        tx: &mut Tx,
        app: &mut Application,
        now: i64,
    ) -> Result<()> {
        self.activate_with_in(tx, app, now, "counter_ready").await
    }

    /// [`Self::activate_in`], telling the applicant with `template` (`counter_ready`, or
    /// `counter_to_counter` when the document has moved to the counter).
    pub(crate) async fn activate_with_in(
        &self,
        tx: &mut Tx,
        app: &mut Application,
        now: i64,
        template: &'static str,
    ) -> Result<()> {
        if app.state != State::ReadyForPickup || !app.fee_settled() {
            return Ok(());
        }
        let site = match &app.door_id {
            Some(_) => {
                store::lockers::site_of_office(&mut *tx, &app.jurisdiction_id, &app.office_code)
                    .await?
            }
            None => None,
        };
        let place = self.place_words(&mut *tx, app, site.as_ref()).await?;
        for mut g in store::grants::grants_of(&mut *tx, &app.id).await? {
            if g.active || g.revoked || g.used_at.is_some() {
                continue;
            }
            let at_site = g.site_id.as_ref().and(site.as_ref());
            let (code, hash) = self.fresh_code(tx, at_site, &app.jurisdiction_id).await?;
            // The instance's times (`[smart_desk]`): in the locker, else at the counter.
            let times = self.platform.config().pickup;
            let seconds = if at_site.is_some() {
                times.locker_seconds
            } else {
                times.counter_seconds
            };
            g.code_hash = hash;
            g.active = true;
            g.wrong = 0;
            g.locked_at = None;
            g.expires_at = now + seconds;
            store::grants::update_grant(tx, &g).await?;
            let until = self.local_time(&app.jurisdiction_id, g.expires_at).await?;
            // The applicant at the counter shows their ID: a code only opens a door.
            let code_shown = if g.holder == "agent" || at_site.is_some() {
                code.clone()
            } else {
                String::new()
            };
            self.tell_holder_in(tx, app, &g, (template, &code_shown), &place, &until, now)
                .await?;
            self.schedule_in(tx, app, &g, now).await?;
        }
        Ok(())
    }

    #[allow(clippy::too_many_arguments)]
    async fn tell_holder_in(
        &self,
        tx: &mut Tx,
        app: &Application,
        g: &Grant,
        (template, code): (&'static str, &str),
        place: &str,
        until: &str,
        now: i64,
    ) -> Result<()> {
        if g.holder == "agent" {
            let principal = self
                .identity
                .account_in(&app.jurisdiction_id, &app.applicant_id)
                .await?;
            let service = self.service_name(app, domain::Locale::ZhTw).await?;
            let vars = serde_json::json!({
                "application_number": app.number,
                "service": service,
                "track_url": format!("{}/services", self.platform.config().public_base()),
                "who": principal.display_name,
                "code": code,
                "place": place,
                "until": until,
            });
            let recipient = match &g.agent_mobile {
                Some(m) if !m.is_empty() => Recipient::Sms(m.clone()),
                _ => match self.mandate_agent_account(app, g).await? {
                    Some(account) => Recipient::Account(account),
                    None => return Ok(()),
                },
            };
            notify::enqueue(
                tx,
                &Notification {
                    jurisdiction_id: app.jurisdiction_id.clone(),
                    recipient,
                    template: "counter_agent_code".into(),
                    locale: domain::Locale::ZhTw,
                    vars,
                    urgent: true,
                },
                now,
            )
            .await?;
            return Ok(());
        }
        let mobile = app
            .answers
            .get("mobile")
            .and_then(|m| domain::identity::Mobile::parse(m).ok())
            .map(|m| m.e164().to_string());
        self.tell_in(
            tx,
            app,
            Tell {
                template,
                vars: serde_json::json!({ "code": code, "place": place, "until": until }),
                sms_to: mobile,
                urgent: true,
            },
            now,
        )
        .await
    }

    /// The account an agent's mandate names, if it names one.
    async fn mandate_agent_account(&self, app: &Application, g: &Grant) -> Result<Option<String>> {
        let Some(mid) = &g.mandate_id else {
            return Ok(None);
        };
        let given = self.identity.mandates_given_by(&app.applicant_id).await?;
        Ok(given
            .into_iter()
            .find(|m| &m.id == mid)
            .and_then(|m| match m.agent {
                Agent::Account(a) => Some(a),
                Agent::Person(_) => None,
            }))
    }

    /// Where the document waits, in words (the site and door, or the office's counter).
    /// Where the document waits, in words; the door is read through `conn` (the caller's
    /// transaction when it holds one: a writer never waits on a second connection).
    pub(crate) async fn place_words(
        &self,
        conn: impl ::store::Conn,
        app: &Application,
        site: Option<&Site>,
    ) -> Result<String> {
        let door = match (&app.door_id, site) {
            (Some(d), Some(_)) if app.place.as_deref() == Some("door") => {
                store::lockers::door_by_id(conn, d)
                    .await?
                    .map(|d| d.label())
            }
            _ => None,
        };
        self.place_text(app, door.as_deref()).await
    }

    /// [`CounterApp::place_words`] with the door's label (if at a door) in hand.
    pub(crate) async fn place_text(&self, app: &Application, door: Option<&str>) -> Result<String> {
        let catalogue = self.catalogue(&app.jurisdiction_id).await?;
        let office = catalogue
            .office(&app.office_code)
            .map(|(o, _)| o.name.zh.clone())
            .unwrap_or_default();
        Ok(match door {
            Some(label) => format!("{office} 智慧櫃台 {label}"),
            None => format!("{office} 櫃台"),
        })
    }

    pub(crate) async fn service_name(
        &self,
        app: &Application,
        locale: domain::Locale,
    ) -> Result<String> {
        Ok(self
            .catalogue(&app.jurisdiction_id)
            .await?
            .service(&app.service_code)
            .map(|s| s.name.get(locale).to_string())
            .unwrap_or_else(|| app.service_code.clone()))
    }

    /// A local date and time (`YYYY-MM-DD HH:MM`) in the jurisdiction.
    pub(crate) async fn local_time(&self, jurisdiction_id: &str, at: i64) -> Result<String> {
        let j = self.jurisdiction(jurisdiction_id).await?;
        let local = at + i64::from(j.utc_offset_minutes) * 60;
        let t = time::OffsetDateTime::from_unix_timestamp(local)
            .map_err(|e| ServiceError::Internal(e.to_string()))?;
        Ok(format!(
            "{:04}-{:02}-{:02} {:02}:{:02}",
            t.year(),
            u8::from(t.month()),
            t.day(),
            t.hour(),
            t.minute()
        ))
    }
}
