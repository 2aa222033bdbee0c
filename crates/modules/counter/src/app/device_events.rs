//! A device's events and its offline list (docs/COUNTER.md "Device API"): events taken in
//! order, once each, late ones (kept while offline) included, each with an outcome; and the
//! signed list of active code hashes a device works from while it cannot reach the server.

use super::device::{
    Authenticated, DeviceEventIn, DeviceRefusal, DeviceRequest, EventOutcome, LIST_SECONDS,
    MAX_EVENTS, OfflineGrant, OfflineList,
};
use super::pickup::PickedUp;
use super::{CounterApp, Result};
use crate::domain::application::{Role, State};
use crate::domain::device;
use crate::domain::lockers::{DoorAction, DoorState, door_after};
use crate::domain::pickup;
use crate::store;
use crate::store::lockers::Door;
use ::store::Tx;
use domain::Message;
use platform::ServiceError;

impl CounterApp {
    /// A device's events, taken in order once each: a door opened or closed (with whether
    /// something is inside), a fault, a pickup it let through from its offline list. An event
    /// already taken is ignored; each gets an outcome.
    pub async fn device_events(
        &self,
        req: &DeviceRequest<'_>,
        mut events: Vec<DeviceEventIn>,
    ) -> Result<std::result::Result<Vec<EventOutcome>, DeviceRefusal>> {
        if events.len() > MAX_EVENTS {
            return Err(ServiceError::TooLarge(Message::new(
                "counter-error-too-many-events",
            )));
        }
        events.sort_by_key(|e| e.seq);
        let now = self.now();
        if let Err(r) = self.signed_by(req).await? {
            return Ok(Err(r));
        }
        let mut tx = self.platform.db.begin().await?;
        let mut auth = match self.authenticate_in(&mut tx, req).await? {
            Ok(a) => a,
            Err(r) => return Ok(Err(r)),
        };
        let mut out = Vec::with_capacity(events.len());
        for e in &events {
            let outcome = if e.seq <= auth.device.last_seq {
                "already taken".to_string()
            } else {
                let outcome = self.device_event_in(&mut tx, &auth, e, now).await?;
                store::lockers::insert_device_event(
                    &mut tx,
                    &store::lockers::DeviceEvent {
                        device_id: &auth.device.id,
                        seq: e.seq,
                        kind: &e.kind,
                        door_id: None,
                        data: serde_json::to_string(e).unwrap_or_default(),
                        occurred_at: e.at,
                        received_at: now,
                        outcome: &outcome,
                    },
                )
                .await?;
                auth.device.last_seq = e.seq;
                outcome
            };
            out.push(EventOutcome {
                seq: e.seq,
                outcome,
            });
        }
        store::lockers::set_last_seq(&mut tx, &auth.device.id, auth.device.last_seq).await?;
        self.queue_reconcile_in(&mut tx, &auth.site, super::reconcile::UPLOAD, now, now)
            .await?;
        tx.commit().await?;
        Ok(Ok(out))
    }

    async fn device_event_in(
        &self,
        tx: &mut Tx,
        auth: &Authenticated,
        e: &DeviceEventIn,
        now: i64,
    ) -> Result<String> {
        let door = match e.door.as_deref().and_then(parse_label) {
            Some((bank, number)) => {
                store::lockers::door_by_label(&mut *tx, &auth.site.id, &bank, number).await?
            }
            None => None,
        };
        let sensed = match (e.kind.as_str(), e.occupied) {
            ("door_opened", _) => "open",
            ("door_closed", Some(true)) => "closed_occupied",
            ("door_closed", _) => "closed_empty",
            ("fault", _) => "fault",
            ("offline_pickup", _) => return self.offline_pickup_in(tx, auth, e, now).await,
            _ => return Ok("ignored: unknown kind".into()),
        };
        let Some(mut door) = door else {
            return Ok("ignored: unknown door".into());
        };
        let from = door.state.clone();
        let action = match sensed {
            "open" => DoorAction::Open,
            "closed_occupied" => DoorAction::ClosedOccupied,
            "closed_empty" => DoorAction::ClosedEmpty,
            _ => DoorAction::Fault,
        };
        door.sensed = Some(sensed.into());
        door.sensed_at = Some(e.at.min(now));
        let outcome = match DoorState::parse(&from).and_then(|s| door_after(s, action)) {
            Some(to) => {
                // `updated_at` is when the state last moved (reconciliation compares it with
                // when the device sensed).
                door.updated_at = now;
                door.state = to.as_str().into();
                if to == DoorState::Free {
                    door.application_id = None;
                }
                format!("applied: {from} -> {}", door.state)
            }
            // Opened twice, or closed when already closed: the sensor is recorded, the state
            // stays; reconciliation looks at what remains different.
            None => format!("recorded: {from} stays"),
        };
        store::lockers::move_door(tx, &door, &from).await?;
        Ok(outcome)
    }

    /// A pickup a device let through while offline (the code matched its list): recorded now,
    /// unless the grant was already used or revoked meanwhile.
    async fn offline_pickup_in(
        &self,
        tx: &mut Tx,
        auth: &Authenticated,
        e: &DeviceEventIn,
        now: i64,
    ) -> Result<String> {
        let Some(gid) = &e.grant else {
            return Ok("ignored: no grant".into());
        };
        let Some(mut g) = store::grants::grant_by_id(&mut *tx, gid)
            .await?
            .filter(|g| g.site_id.as_deref() == Some(auth.site.id.as_str()))
        else {
            return Ok("ignored: unknown grant".into());
        };
        if g.used_at.is_some() {
            return Ok("ignored: already picked up".into());
        }
        // The proof: the code typed, which only the holder had. Without it (or with a wrong one)
        // a device could mark any listed grant picked up.
        let proved = e
            .code
            .as_deref()
            .and_then(pickup::normalise)
            .is_some_and(|c| {
                platform::secrets::constant_time_eq(&self.code_hash(&auth.site, &c), &g.code_hash)
            });
        if !proved {
            return Ok("refused: no proof of the code".into());
        }
        // When it happened: no earlier than the offline list it was checked against could be.
        let at = e.at.clamp(now - LIST_SECONDS, now);
        if !g.active || g.locked_at.is_some() || at >= g.expires_at {
            return Ok("refused: the grant was not open then".into());
        }
        let Some(mut app) = store::applications::find(&mut *tx, &g.application_id).await? else {
            return Ok("ignored: unknown application".into());
        };
        if app.state != State::ReadyForPickup {
            return Ok(format!("repaired: application was {}", app.state.as_str()));
        }
        // The item left the locker: that is recorded even if the code was changed meanwhile
        // (the device could not know), and said so.
        let revoked = g.revoked;
        g.used_at = Some(at);
        store::grants::update_grant(tx, &g).await?;
        if let Some(d) = &g.door_id
            && let Some(mut door) = store::lockers::door_by_id(&mut *tx, d)
                .await?
                .filter(|d| d.application_id.as_deref() == Some(app.id.as_str()))
        {
            let from = door.state.clone();
            if let Some(to) = DoorState::parse(&from).and_then(|s| door_after(s, DoorAction::Open))
            {
                door.state = to.as_str().into();
                door.updated_at = now;
                store::lockers::move_door(tx, &door, &from).await?;
            }
        }
        let by = if g.holder == "agent" {
            "agent"
        } else {
            "applicant"
        };
        let actor = format!("device:{} (offline)", auth.device.name);
        let how = PickedUp {
            by,
            how: "door",
            role: Role::Device,
            actor: &actor,
            place: None,
        };
        self.picked_up_in(tx, &mut app, how, at).await?;
        Ok(if revoked {
            "applied: picked up offline with a code changed meanwhile".into()
        } else {
            "applied: picked up offline".into()
        })
    }

    /// The signed offline list of a device's site.
    pub async fn offline_list(
        &self,
        req: &DeviceRequest<'_>,
    ) -> Result<std::result::Result<(String, String), DeviceRefusal>> {
        let now = self.now();
        if let Err(r) = self.signed_by(req).await? {
            return Ok(Err(r));
        }
        let mut tx = self.platform.db.begin().await?;
        let auth = match self.authenticate_in(&mut tx, req).await? {
            Ok(a) => a,
            Err(r) => return Ok(Err(r)),
        };
        let grants = store::grants::active_at_site(&mut tx, &auth.site.id, now).await?;
        let doors: Vec<Door> = store::lockers::doors(&mut tx, &auth.site.id).await?;
        tx.commit().await?;
        let list = OfflineList {
            site: auth.site.id.clone(),
            key_generation: auth.site.key_generation,
            generated_at: now,
            valid_until: now + LIST_SECONDS,
            grants: grants
                .into_iter()
                .map(|g| OfflineGrant {
                    door: g
                        .door_id
                        .as_ref()
                        .and_then(|d| doors.iter().find(|x| &x.id == d))
                        .map(Door::label),
                    grant: g.id,
                    code_hash: g.code_hash,
                    mobile_hash: g.mobile_hash,
                    expires_at: g.expires_at,
                })
                .collect(),
        };
        let body =
            serde_json::to_string(&list).map_err(|e| ServiceError::Internal(e.to_string()))?;
        let signature = device::sign_list(self.device_secret(&auth.device).as_bytes(), &body);
        Ok(Ok((body, signature)))
    }
}

/// `B-07` → (`B`, 7).
pub fn parse_label(label: &str) -> Option<(String, i64)> {
    let (bank, number) = label.trim().split_once('-')?;
    Some((bank.to_ascii_uppercase(), number.parse().ok()?))
}
