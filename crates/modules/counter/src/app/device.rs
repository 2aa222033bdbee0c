//! The locker device API (docs/COUNTER.md, "Device API"): every request signed by its device
//! (`domain::device`), its nonce used once; a code verified (and, when right, the door opened
//! and the pickup recorded in one transaction); the device's events taken in order, once each,
//! late ones (kept while offline) included; and the signed list of active code hashes a device
//! works from while it cannot reach the server.

use super::{CounterApp, Result};
use crate::domain::application::{Role, State};
use crate::domain::device::{self, MAX_SKEW_SECONDS, Refusal, Signed};
use crate::domain::lockers::{DoorAction, DoorState, door_after};
use crate::domain::pickup::{self, GrantState, Verdict};
use crate::store;
use crate::store::grants::Grant;
use crate::store::lockers::{Device, Door, Site};
use ::store::Tx;
use domain::Message;
use platform::ServiceError;
use platform::rate_limit::Limit;
use serde::{Deserialize, Serialize};

/// Codes tried at one kiosk for a mobile number it holds no grant for.
pub const KIOSK_GUESSES: Limit = Limit {
    name: "counter-kiosk",
    max: 20,
    window: 15 * 60,
};
/// How long an offline list may be used.
pub const LIST_SECONDS: i64 = 6 * 3600;
/// The most events one upload carries.
pub const MAX_EVENTS: usize = 500;

/// A device request as received.
pub struct DeviceRequest<'a> {
    pub device_id: &'a str,
    pub signed: Signed<'a>,
}

/// Why a device request was refused, with the server's time so a device whose clock is off
/// can correct it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceRefusal {
    pub refusal: Refusal,
    pub server_time: i64,
}

/// A device, authenticated, with its site.
pub struct Authenticated {
    pub device: Device,
    pub site: Site,
}

/// What a kiosk sends to verify a code: a mobile number and the code typed, or a QR payload.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct VerifyAsk {
    #[serde(default)]
    pub mobile: String,
    #[serde(default)]
    pub code: String,
    #[serde(default)]
    pub qr: String,
}

/// What the server answers.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct VerifyAnswer {
    /// `open`, `wrong`, `locked`, `expired`, `used`, `inactive`, `refused`.
    pub result: &'static str,
    /// The door to open (when `open`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub door: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub door_id: Option<String>,
    /// What the kiosk shows, in both languages.
    pub message_zh: String,
    pub message_en: String,
}

/// One event a device reports, in its own order.
#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct DeviceEventIn {
    pub seq: i64,
    /// `door_opened`, `door_closed`, `fault`, `offline_pickup`.
    pub kind: String,
    #[serde(default)]
    pub door: Option<String>,
    /// For `door_closed`: whether something is still inside.
    #[serde(default)]
    pub occupied: Option<bool>,
    /// For `offline_pickup`: the grant the device matched from its list, and the code that was
    /// typed (the proof: the server checks it against the grant's hash).
    #[serde(default)]
    pub grant: Option<String>,
    #[serde(default)]
    pub code: Option<String>,
    pub at: i64,
}

/// What the server did with each event.
#[derive(Debug, Clone, Serialize)]
pub struct EventOutcome {
    pub seq: i64,
    pub outcome: String,
}

/// The offline list: the site's active grants as code hashes, signed.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct OfflineList {
    pub site: String,
    pub key_generation: i64,
    pub generated_at: i64,
    pub valid_until: i64,
    pub grants: Vec<OfflineGrant>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct OfflineGrant {
    pub grant: String,
    pub door: Option<String>,
    pub code_hash: String,
    pub mobile_hash: Option<String>,
    pub expires_at: i64,
}

fn words(id: &'static str) -> (String, String) {
    let m = Message::new(id);
    (
        webkit::i18n::message(domain::Locale::ZhTw, &m),
        webkit::i18n::message(domain::Locale::En, &m),
    )
}

fn answer(result: &'static str, id: &'static str) -> VerifyAnswer {
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
    /// Checks a request's device and signature without a transaction, so an unsigned or forged
    /// request never waits for (or holds up) a writer.
    pub async fn signed_by(
        &self,
        req: &DeviceRequest<'_>,
    ) -> Result<std::result::Result<Device, DeviceRefusal>> {
        let now = self.now();
        let refusal = |refusal| DeviceRefusal {
            refusal,
            server_time: now,
        };
        let Some(dev) = store::lockers::device_by_id(&self.platform.db, req.device_id)
            .await?
            .filter(|d| d.retired_at.is_none())
        else {
            return Ok(Err(refusal(Refusal::UnknownDevice)));
        };
        if let Err(r) = device::check(self.device_secret(&dev).as_bytes(), req.signed, now) {
            return Ok(Err(refusal(r)));
        }
        // A cold node reads the catalogue now, before the request's transaction needs it.
        if self.nothing_kept()
            && let Some(site) = store::lockers::site_by_id(&self.platform.db, &dev.site_id).await?
        {
            self.catalogue(&site.jurisdiction_id).await?;
        }
        Ok(Ok(dev))
    }

    /// Authenticates a device request in `tx`: a known, working device, its signature, the
    /// clock, and a nonce not seen before.
    pub async fn authenticate_in(
        &self,
        tx: &mut Tx,
        req: &DeviceRequest<'_>,
    ) -> Result<std::result::Result<Authenticated, DeviceRefusal>> {
        let now = self.now();
        let refuse = |refusal| {
            Ok(Err(DeviceRefusal {
                refusal,
                server_time: now,
            }))
        };
        let Some(dev) = store::lockers::device_by_id(&mut *tx, req.device_id)
            .await?
            .filter(|d| d.retired_at.is_none())
        else {
            return refuse(Refusal::UnknownDevice);
        };
        if let Err(r) = device::check(self.device_secret(&dev).as_bytes(), req.signed, now) {
            return refuse(r);
        }
        if !store::lockers::take_nonce(
            tx,
            &dev.id,
            req.signed.nonce,
            now + 2 * MAX_SKEW_SECONDS,
            now,
        )
        .await?
        {
            return refuse(Refusal::Replayed);
        }
        let Some(site) = store::lockers::site_by_id(&mut *tx, &dev.site_id).await? else {
            return refuse(Refusal::UnknownDevice);
        };
        let mut dev = dev;
        dev.last_seen_at = Some(now);
        store::lockers::touch_device(tx, &dev.id, now).await?;
        Ok(Ok(Authenticated { device: dev, site }))
    }

    /// A kiosk asks whether a code opens a door. A right code on a live grant opens its door:
    /// the grant is used, the door opened and the pickup recorded (the applicant told) in one
    /// transaction. Wrong codes count against the grant and its door.
    pub async fn verify_code(
        &self,
        req: &DeviceRequest<'_>,
        ask: &VerifyAsk,
    ) -> Result<std::result::Result<VerifyAnswer, DeviceRefusal>> {
        let now = self.now();
        if let Err(r) = self.signed_by(req).await? {
            return Ok(Err(r));
        }
        // An agent's mandate is asked (and its use recorded) before the transaction: identity
        // writes in its own, and a writer must never wait on another.
        if let Some(refused) = self.agent_refused(req, ask, now).await? {
            let mut tx = self.platform.db.begin().await?;
            let auth = self.authenticate_in(&mut tx, req).await?;
            tx.commit().await?;
            return Ok(auth.map(|_| refused));
        }
        let mut tx = self.platform.db.begin().await?;
        let auth = match self.authenticate_in(&mut tx, req).await? {
            Ok(a) => a,
            Err(r) => return Ok(Err(r)),
        };
        let site = &auth.site;
        // By QR: the grant and the code in one. By mobile and code: the mobile's grants here.
        let Some((candidates, matched)) = self.candidates(&mut tx, site, ask).await? else {
            tx.commit().await?;
            return Ok(Ok(answer("wrong", "counter-kiosk-wrong")));
        };
        // A door that has seen too many wrong codes refuses every code for a while, right or
        // wrong, before any is compared.
        for g in &candidates {
            if let Some(d) = &g.door_id
                && let Some(door) = store::lockers::door_by_id(&mut tx, d).await?
                && door_refuses(&door, now)
            {
                tx.commit().await?;
                return Ok(Ok(answer("locked", "counter-kiosk-door-locked")));
            }
        }
        let Some(mut grant) = matched else {
            let out = self.wrong_code_in(&mut tx, &auth, candidates, now).await?;
            tx.commit().await?;
            // Every wrong code counts against the kiosk too, across nodes.
            self.platform
                .count_attempt(KIOSK_GUESSES, &auth.device.id)
                .await
                .map_err(|_| ServiceError::RateLimited {
                    message: Message::new("counter-kiosk-locked"),
                    retry_after: KIOSK_GUESSES.window,
                })?;
            return Ok(Ok(out));
        };
        let door = match &grant.door_id {
            Some(d) => store::lockers::door_by_id(&mut tx, d).await?,
            None => None,
        };
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
            tx.commit().await?;
            return Ok(Ok(answer(verdict.as_str(), verdict.message_id())));
        }
        let Some(mut app) = store::applications::find(&mut tx, &grant.application_id).await? else {
            tx.commit().await?;
            return Ok(Ok(answer("refused", "counter-kiosk-wrong")));
        };
        if app.state != State::ReadyForPickup || !app.fee_settled() {
            tx.commit().await?;
            return Ok(Ok(answer("inactive", "counter-kiosk-inactive")));
        }
        // The door must still hold this application's item: a door cleared and loaded again
        // for someone else is not opened by an old code.
        let Some(mut door) =
            door.filter(|d| d.application_id.as_deref() == Some(grant.application_id.as_str()))
        else {
            tx.commit().await?;
            return Ok(Ok(answer("refused", "counter-kiosk-door-state")));
        };
        let from = door.state.clone();
        let Some(opened) = DoorState::parse(&from).and_then(|s| door_after(s, DoorAction::Open))
        else {
            tx.commit().await?;
            return Ok(Ok(answer("refused", "counter-kiosk-door-state")));
        };
        door.state = opened.as_str().into();
        door.wrong = 0;
        door.wrong_since = None;
        door.updated_at = now;
        if !store::lockers::move_door(&mut tx, &door, &from).await? {
            return Err(ServiceError::Conflict(Message::new(
                "counter-error-door-state",
            )));
        }
        grant.used_at = Some(now);
        store::grants::update_grant(&mut tx, &grant).await?;
        let by = if grant.holder == "agent" {
            "agent"
        } else {
            "applicant"
        };
        let actor = format!("device:{}", auth.device.name);
        self.picked_up_in(&mut tx, &mut app, by, "door", Role::Device, &actor, now)
            .await?;
        tx.commit().await?;
        let mut out = answer("open", "counter-kiosk-open");
        out.door = Some(door.label());
        out.door_id = Some(door.id);
        Ok(Ok(out))
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

    /// When the code is an agent's: whether their mandate refuses (read before any write).
    async fn agent_refused(
        &self,
        req: &DeviceRequest<'_>,
        ask: &VerifyAsk,
        now: i64,
    ) -> Result<Option<VerifyAnswer>> {
        let db = &self.platform.db;
        let Some(dev) = store::lockers::device_by_id(db, req.device_id).await? else {
            return Ok(None);
        };
        if device::check(self.device_secret(&dev).as_bytes(), req.signed, now).is_err() {
            return Ok(None);
        }
        let Some(site) = store::lockers::site_by_id(db, &dev.site_id).await? else {
            return Ok(None);
        };
        let Some((_, Some(g))) = self.candidates(db, &site, ask).await? else {
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
        auth: &Authenticated,
        candidates: Vec<Grant>,
        now: i64,
    ) -> Result<VerifyAnswer> {
        let max = i64::from(pickup::MAX_WRONG_PER_GRANT);
        for g in candidates {
            if !g.active || g.used_at.is_some() || g.revoked || g.locked_at.is_some() {
                continue;
            }
            let wrong = store::grants::bump_wrong(tx, &g.id).await?;
            if wrong >= max
                && store::grants::lock(tx, &g.id, now).await?
                && let Some(app) = store::applications::find(&mut *tx, &g.application_id).await?
            {
                let place = self.place_words(&mut *tx, &app, Some(&auth.site)).await?;
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
            if let Some(d) = &g.door_id
                && let Some(mut door) = store::lockers::door_by_id(&mut *tx, d).await?
            {
                let fresh = door
                    .wrong_since
                    .is_none_or(|s| now - s > pickup::DOOR_WINDOW_SECONDS);
                door.wrong = if fresh { 1 } else { door.wrong + 1 };
                if fresh {
                    door.wrong_since = Some(now);
                }
                let state = door.state.clone();
                store::lockers::move_door(tx, &door, &state).await?;
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
