//! A kiosk asks whether a code opens a door (`POST /device/v1/verify`).
//!
//! What can be checked without writing is checked first, outside any transaction: the
//! device and its signature, its site, and (for an agent's code) the agent's mandate, whose
//! use identity records in a transaction of its own. The rest is one transaction: the nonce
//! taken, the device touched, the code compared with the live grants it may name, and either
//! the door opened and the pickup recorded (chained, the applicant told), or the wrong code
//! counted on the grant, its door and the kiosk.
//!
//! On SQLite, where writers take turns, verifications that arrive together are written
//! together (`platform::group_commit`): one writer takes every verification waiting and
//! checks them one after another in one transaction, so a burst of kiosks costs one commit
//! and no hand-over of the write lock between requests. Each kiosk is answered once the
//! transaction holding its verification has committed. A batch that fails is written again
//! one verification at a time, so one bad verification fails only itself. On PostgreSQL,
//! where transactions run side by side, each verification is its own transaction.

use super::device::{DeviceRefusal, DeviceRequest, KIOSK_GUESSES, VerifyAnswer, VerifyAsk};
use super::pickup::PickedUp;
use super::{CounterApp, Result};
use crate::domain::application::{Role, State};
use crate::domain::device::Refusal;
use crate::domain::lockers::{DoorAction, DoorState, door_after};
use crate::domain::pickup::{self, GrantState, Verdict};
use crate::store;
use crate::store::grants::Grant;
use crate::store::lockers::{Device, Door, Site};
use ::store::Tx;
use domain::Message;
use platform::ServiceError;
use platform::group_commit::{BatchWriter, GroupCommit};
use platform::jobs::BoxFuture;

/// The most verifications one transaction takes: every kiosk of a large site at once.
pub const MAX_BATCH: usize = 128;

/// A verification whose device and signature were checked, waiting to be written.
pub struct CheckedAsk {
    device: Device,
    site: Site,
    nonce: String,
    ask: VerifyAsk,
    /// The answer already decided before the transaction (an agent whose mandate refuses).
    refused: Option<VerifyAnswer>,
}

/// What a verification came to.
pub enum Verified {
    Answer(VerifyAnswer),
    Refused(DeviceRefusal),
    /// A wrong code past the kiosk's limit (counted all the same).
    KioskLimited,
}

pub(crate) type VerifyQueue = GroupCommit<CheckedAsk, Verified>;

pub(crate) fn verify_queue() -> VerifyQueue {
    GroupCommit::new(MAX_BATCH)
}

impl BatchWriter<CheckedAsk, Verified> for CounterApp {
    fn write_batch<'a>(&'a self, items: &'a [CheckedAsk]) -> BoxFuture<'a, Result<Vec<Verified>>> {
        Box::pin(async move {
            let now = self.now();
            let mut tx = self.platform.db.begin().await?;
            let mut out = Vec::with_capacity(items.len());
            for item in items {
                out.push(self.verify_in(&mut tx, item, now).await?);
            }
            tx.commit().await?;
            Ok(out)
        })
    }
}

pub(super) fn words(id: &'static str) -> (String, String) {
    let m = Message::new(id);
    (
        webkit::i18n::message(domain::Locale::ZhTw, &m),
        webkit::i18n::message(domain::Locale::En, &m),
    )
}

pub(super) fn answer(result: &'static str, id: &'static str) -> VerifyAnswer {
    let (zh, en) = words(id);
    VerifyAnswer {
        result,
        door: None,
        door_id: None,
        message_zh: zh,
        message_en: en,
    }
}

impl CounterApp {
    /// A kiosk asks whether a code opens a door. A right code on a live grant opens its door:
    /// the grant is used, the door opened and the pickup recorded (the applicant told) in one
    /// transaction. Wrong codes count against the grant, its door and the kiosk.
    pub async fn verify_code(
        &self,
        req: &DeviceRequest<'_>,
        ask: &VerifyAsk,
    ) -> Result<std::result::Result<VerifyAnswer, DeviceRefusal>> {
        let now = self.now();
        let device = match self.signed_by(req).await? {
            Ok(d) => d,
            Err(r) => return Ok(Err(r)),
        };
        let Some(site) = store::lockers::site_by_id(&self.platform.db, &device.site_id).await?
        else {
            return Ok(Err(DeviceRefusal {
                refusal: Refusal::UnknownDevice,
                server_time: now,
            }));
        };
        let refused = self.agent_refused(&site, ask).await?;
        let item = CheckedAsk {
            device,
            site,
            nonce: req.signed.nonce.to_string(),
            ask: ask.clone(),
            refused,
        };
        let verified = match &self.platform.db {
            ::store::Db::Sqlite(..) => self.verifications.write(self, item).await?,
            ::store::Db::Postgres(_) => {
                let mut tx = self.platform.db.begin().await?;
                let v = self.verify_in(&mut tx, &item, now).await?;
                tx.commit().await?;
                v
            }
        };
        match verified {
            Verified::Answer(a) => Ok(Ok(a)),
            Verified::Refused(r) => Ok(Err(r)),
            Verified::KioskLimited => Err(ServiceError::RateLimited {
                message: Message::new("counter-kiosk-locked"),
                retry_after: KIOSK_GUESSES.window,
            }),
        }
    }

    /// One verification, in `tx` (which may hold others before and after it).
    async fn verify_in(&self, tx: &mut Tx, item: &CheckedAsk, now: i64) -> Result<Verified> {
        let (device, site) = (&item.device, &item.site);
        let refuse = |refusal| {
            Ok(Verified::Refused(DeviceRefusal {
                refusal,
                server_time: now,
            }))
        };
        if !store::lockers::take_nonce(
            tx,
            &device.id,
            &item.nonce,
            now + 2 * crate::domain::device::MAX_SKEW_SECONDS,
        )
        .await?
        {
            return refuse(Refusal::Replayed);
        }
        // Its last-seen time; retired or given a new secret since its signature was checked:
        // refused like an unknown device.
        if !store::lockers::touch_device(tx, &device.id, device.generation, now).await? {
            return refuse(Refusal::UnknownDevice);
        }
        if let Some(refused) = &item.refused {
            return Ok(Verified::Answer(refused.clone()));
        }
        // By QR: the grant and the code in one. By mobile and code: the mobile's grants here.
        let Some((candidates, matched)) = self.candidates(&mut *tx, site, &item.ask).await? else {
            return Ok(Verified::Answer(answer("wrong", "counter-kiosk-wrong")));
        };
        // A door that has seen too many wrong codes refuses every code for a while, right or
        // wrong, before any is compared.
        let mut doors: Vec<Door> = Vec::new();
        for g in &candidates {
            if let Some(d) = &g.door_id
                && let Some(door) = store::lockers::door_by_id(&mut *tx, d).await?
            {
                if door_refuses(&door, now) {
                    return Ok(Verified::Answer(answer(
                        "locked",
                        "counter-kiosk-door-locked",
                    )));
                }
                doors.push(door);
            }
        }
        let Some(grant) = matched else {
            let out = self.wrong_code_in(tx, site, candidates, now).await?;
            // Every wrong code counts against the kiosk too, across nodes.
            return Ok(
                match self
                    .platform
                    .count_attempt_in(tx, KIOSK_GUESSES, &device.id)
                    .await
                {
                    Ok(()) => Verified::Answer(out),
                    Err(ServiceError::RateLimited { .. }) => Verified::KioskLimited,
                    Err(e) => return Err(e),
                },
            );
        };
        let door = grant
            .door_id
            .as_deref()
            .and_then(|id| doors.into_iter().find(|d| d.id == id));
        self.open_in(tx, device, grant, door, now)
            .await
            .map(Verified::Answer)
    }

    /// A right code: its grant's verdict, then the door opened and the pickup recorded.
    async fn open_in(
        &self,
        tx: &mut Tx,
        device: &Device,
        mut grant: Grant,
        door: Option<Door>,
        now: i64,
    ) -> Result<VerifyAnswer> {
        let verdict = pickup::verdict(
            GrantState {
                active: grant.active,
                revoked: grant.revoked,
                used: grant.used_at.is_some(),
                wrong: u32::try_from(grant.wrong).unwrap_or(u32::MAX),
                expires_at: grant.expires_at,
            },
            now,
        );
        if verdict != Verdict::Open {
            return Ok(answer(verdict.as_str(), verdict.message_id()));
        }
        let Some(mut app) = store::applications::find(&mut *tx, &grant.application_id).await?
        else {
            return Ok(answer("refused", "counter-kiosk-wrong"));
        };
        if app.state != State::ReadyForPickup || !app.fee_settled() {
            return Ok(answer("inactive", "counter-kiosk-inactive"));
        }
        // The door must still hold this application's item: a door cleared and loaded again
        // for someone else is not opened by an old code.
        let Some(mut door) =
            door.filter(|d| d.application_id.as_deref() == Some(grant.application_id.as_str()))
        else {
            return Ok(answer("refused", "counter-kiosk-door-state"));
        };
        let from = door.state.clone();
        let Some(opened) = DoorState::parse(&from).and_then(|s| door_after(s, DoorAction::Open))
        else {
            return Ok(answer("refused", "counter-kiosk-door-state"));
        };
        door.state = opened.as_str().into();
        door.wrong = 0;
        door.wrong_since = None;
        door.updated_at = now;
        if !store::lockers::move_door(tx, &door, &from).await? {
            return Err(ServiceError::Conflict(Message::new(
                "counter-error-door-state",
            )));
        }
        grant.used_at = Some(now);
        store::grants::update_grant(tx, &grant).await?;
        let actor = format!("device:{}", device.name);
        let label = door.label();
        let place = if app.place.as_deref() == Some("door") {
            self.place_text(&app, Some(&label)).await?
        } else {
            self.place_text(&app, None).await?
        };
        let how = PickedUp {
            by: if grant.holder == "agent" {
                "agent"
            } else {
                "applicant"
            },
            how: "door",
            role: Role::Device,
            actor: &actor,
            place: Some(place),
        };
        self.picked_up_in(tx, &mut app, how, now).await?;
        let mut out = answer("open", "counter-kiosk-open");
        out.door = Some(label);
        out.door_id = Some(door.id);
        Ok(out)
    }

    /// The grants a kiosk's ask may name (by QR: one; by mobile: the mobile's live grants at
    /// the site) and the one the code matches; `None` when the ask is malformed.
    async fn candidates(
        &self,
        conn: impl ::store::Conn,
        site: &Site,
        ask: &VerifyAsk,
    ) -> Result<Option<(Vec<Grant>, Option<Grant>)>> {
        let (candidates, code) = if !ask.qr.trim().is_empty() {
            let Some((grant, code)) = pickup::read_qr(&ask.qr) else {
                return Ok(None);
            };
            let g = store::grants::grant_by_id(conn, &grant)
                .await?
                .filter(|g| g.site_id.as_deref() == Some(site.id.as_str()));
            (g.into_iter().collect::<Vec<_>>(), code)
        } else {
            let Some(code) = pickup::normalise(&ask.code) else {
                return Ok(None);
            };
            let grants = match self.mobile_hash(site, &ask.mobile) {
                Some(h) => store::grants::live_by_mobile(conn, &site.id, &h).await?,
                None => Vec::new(),
            };
            (grants, code)
        };
        let hash = self.code_hash(site, &code);
        let matched = candidates
            .iter()
            .find(|g| platform::secrets::constant_time_eq(&g.code_hash, &hash))
            .cloned();
        Ok(Some((candidates, matched)))
    }

    /// When the code is an agent's: whether their mandate refuses (read, and its use recorded
    /// by identity, before the verification's transaction).
    async fn agent_refused(&self, site: &Site, ask: &VerifyAsk) -> Result<Option<VerifyAnswer>> {
        let db = &self.platform.db;
        let Some((_, Some(g))) = self.candidates(db, site, ask).await? else {
            return Ok(None);
        };
        if g.holder != "agent" || !g.active || g.revoked || g.used_at.is_some() {
            return Ok(None);
        }
        let Some(app) = store::applications::find(db, &g.application_id).await? else {
            return Ok(None);
        };
        Ok(
            match self
                .holder_allowed(&app, &g, "picked up at the Smart Desk")
                .await?
            {
                Ok(()) => None,
                Err(m) => Some(VerifyAnswer {
                    result: "refused",
                    door: None,
                    door_id: None,
                    message_zh: webkit::i18n::message(domain::Locale::ZhTw, &m),
                    message_en: webkit::i18n::message(domain::Locale::En, &m),
                }),
            },
        )
    }

    /// A wrong code: each active candidate grant and its door count it (in one statement each,
    /// so concurrent guesses all count); a grant reaching the limit locks, and its holder is
    /// told. The answer is the same whether or not the mobile has a document waiting, so a
    /// passer-by learns nothing from it.
    async fn wrong_code_in(
        &self,
        tx: &mut Tx,
        site: &Site,
        candidates: Vec<Grant>,
        now: i64,
    ) -> Result<VerifyAnswer> {
        let max = i64::from(pickup::MAX_WRONG_PER_GRANT);
        for g in candidates {
            if !g.active || g.used_at.is_some() || g.revoked || g.locked_at.is_some() {
                continue;
            }
            // The door before the grant, in the order a right code takes them (PostgreSQL
            // must never find two transactions waiting on each other's rows).
            if let Some(d) = &g.door_id {
                store::lockers::bump_door_wrong(tx, d, now, pickup::DOOR_WINDOW_SECONDS).await?;
            }
            let wrong = store::grants::bump_wrong(tx, &g.id).await?;
            if wrong >= max
                && store::grants::lock(tx, &g.id, now).await?
                && let Some(app) = store::applications::find(&mut *tx, &g.application_id).await?
            {
                let place = self.place_words(&mut *tx, &app, Some(site)).await?;
                self.tell_in(
                    tx,
                    &app,
                    super::change::Tell {
                        template: "counter_locked",
                        vars: serde_json::json!({ "place": place }),
                        sms_to: None,
                        urgent: true,
                    },
                    now,
                )
                .await?;
            }
        }
        Ok(answer("wrong", "counter-kiosk-wrong"))
    }
}

/// Whether a door refuses codes for now (too many wrong ones within the window).
fn door_refuses(d: &Door, now: i64) -> bool {
    d.wrong >= i64::from(pickup::MAX_WRONG_PER_DOOR)
        && d.wrong_since
            .is_some_and(|s| now - s <= pickup::DOOR_WINDOW_SECONDS)
}
