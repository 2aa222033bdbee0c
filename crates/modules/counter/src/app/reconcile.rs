//! Reconciling a Smart Desk: what civicdesk intends of each door against what the devices last
//! sensed (`counter.reconcile` on the job queue, queued after every upload of device events
//! and every quarter of an hour per site). A door left open in the records but sensed closed
//! and empty is free; one sensed faulty is out of order; a free door with something inside is
//! taken out of use until staff look; a loaded door whose item has gone another way (handed
//! over at the counter, returned) and is sensed empty is free. Each repair is audited.

use super::{CounterApp, Result};
use crate::domain::application::State;
use crate::domain::lockers::DoorState;
use crate::store;
use crate::store::lockers::Door;
use platform::audit::{self, Subject};
use platform::authz::Actor;

/// The job kind.
pub const RECONCILE: &str = "counter.reconcile";
/// The lane of the quarter-hourly runs (each queues the next).
pub const PERIODIC: &str = "periodic";
/// The lane of the runs an upload of device events queues.
pub const UPLOAD: &str = "upload";
/// How often a site is reconciled without a device upload.
pub const EVERY_SECONDS: i64 = 15 * 60;
/// How long a door may stay open in the records while sensed closed with the item inside.
pub const OPEN_GRACE_SECONDS: i64 = 10 * 60;

/// What reconciling a door decides: the state it should have, and why.
pub fn repair(d: &Door, item_elsewhere: bool, now: i64) -> Option<(DoorState, &'static str)> {
    let state = DoorState::parse(&d.state)?;
    let sensed = d.sensed.as_deref()?;
    // Sensed since the door was last moved, and long enough ago.
    let stale = d
        .sensed_at
        .is_some_and(|at| at >= d.updated_at && now - at >= OPEN_GRACE_SECONDS);
    match (state, sensed) {
        (DoorState::OutOfOrder, _) => None,
        (_, "fault") => Some((DoorState::OutOfOrder, "sensed a fault")),
        (DoorState::Opened, "closed_empty") => Some((DoorState::Free, "closed and empty")),
        (DoorState::Opened, "closed_occupied") if stale => {
            Some((DoorState::Loaded, "closed with the item still inside"))
        }
        (DoorState::Free | DoorState::Reserved, "closed_occupied") => Some((
            DoorState::OutOfOrder,
            "something inside a door meant to be empty",
        )),
        (DoorState::Loaded, "closed_empty") if item_elsewhere => Some((
            DoorState::Free,
            "its item went another way and the door is empty",
        )),
        _ => None,
    }
}

impl CounterApp {
    /// Reconciles one site's doors; returns the repairs made.
    pub async fn reconcile_site(&self, site_id: &str) -> Result<Vec<String>> {
        let now = self.now();
        let mut tx = self.platform.db.begin().await?;
        let Some(site) = store::lockers::site_by_id(&mut tx, site_id).await? else {
            return Ok(Vec::new());
        };
        // The devices' spent nonces past their time (a request carrying one is refused for its
        // timestamp by then) are forgotten here, not on every request.
        store::lockers::purge_nonces(&mut tx, &site.id, now).await?;
        let mut repairs = Vec::new();
        for mut door in store::lockers::doors(&mut tx, &site.id).await? {
            let item_elsewhere = match &door.application_id {
                Some(a) => store::applications::find(&mut tx, a)
                    .await?
                    .is_none_or(|app| {
                        app.state != State::ReadyForPickup || app.place.as_deref() != Some("door")
                    }),
                None => true,
            };
            let Some((to, why)) = repair(&door, item_elsewhere, now) else {
                continue;
            };
            let from = door.state.clone();
            door.state = to.as_str().into();
            if to == DoorState::Free {
                door.application_id = None;
            }
            door.updated_at = now;
            if !store::lockers::move_door(&mut tx, &door, &from).await? {
                continue;
            }
            let actor = Actor::system(&site.jurisdiction_id, "counter reconciliation");
            audit::record(
                &mut tx,
                &actor,
                "counter.door_reconciled",
                Subject {
                    kind: "counter_door",
                    id: &door.id,
                    data_subject: None,
                },
                None,
                serde_json::json!({ "door": door.label(), "from": from, "to": door.state, "why": why }),
                now,
            )
            .await?;
            repairs.push(format!(
                "{}: {from} -> {} ({why})",
                door.label(),
                door.state
            ));
        }
        tx.commit().await?;
        Ok(repairs)
    }

    /// Queues the next quarter-hourly run of a site.
    pub async fn next_periodic_reconcile(&self, site_id: &str) -> Result<()> {
        let now = self.now();
        let mut tx = self.platform.db.begin().await?;
        if let Some(site) = store::lockers::site_by_id(&mut tx, site_id).await? {
            self.queue_reconcile_in(&mut tx, &site, PERIODIC, now + EVERY_SECONDS, now)
                .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Queues a site's reconciliation at `at` in the caller's transaction.
    pub(crate) async fn queue_reconcile_in(
        &self,
        tx: &mut ::store::Tx,
        site: &store::lockers::Site,
        lane: &'static str,
        at: i64,
        now: i64,
    ) -> Result<()> {
        platform::jobs::enqueue(
            tx,
            RECONCILE,
            lane,
            Some(&site.id),
            Some(&site.jurisdiction_id),
            at,
            now,
        )
        .await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn door(state: &str, sensed: Option<&str>, at: i64) -> Door {
        Door {
            id: "d".into(),
            site_id: "s".into(),
            bank: "A".into(),
            number: 1,
            size: "s".into(),
            state: state.into(),
            application_id: None,
            sensed: sensed.map(str::to_string),
            sensed_at: Some(at),
            wrong: 0,
            wrong_since: None,
            updated_at: at,
        }
    }

    #[test]
    fn mismatches_are_repaired_and_agreements_left_alone() {
        assert_eq!(
            repair(&door("opened", Some("closed_empty"), 0), true, 10).map(|r| r.0),
            Some(DoorState::Free)
        );
        assert_eq!(
            repair(&door("opened", Some("closed_occupied"), 0), true, 10),
            None,
            "within the grace"
        );
        assert_eq!(
            repair(
                &door("opened", Some("closed_occupied"), 0),
                true,
                OPEN_GRACE_SECONDS
            )
            .map(|r| r.0),
            Some(DoorState::Loaded)
        );
        assert_eq!(
            repair(&door("free", Some("closed_occupied"), 0), true, 1).map(|r| r.0),
            Some(DoorState::OutOfOrder)
        );
        assert_eq!(
            repair(&door("loaded", Some("closed_empty"), 0), false, 1),
            None,
            "its item is still due here"
        );
        assert_eq!(
            repair(&door("loaded", Some("closed_empty"), 0), true, 1).map(|r| r.0),
            Some(DoorState::Free)
        );
        assert_eq!(
            repair(&door("loaded", Some("fault"), 0), false, 1).map(|r| r.0),
            Some(DoorState::OutOfOrder)
        );
        assert_eq!(
            repair(&door("free", Some("closed_empty"), 0), true, 1),
            None
        );
        assert_eq!(repair(&door("free", None, 0), true, 1), None);
    }
}
