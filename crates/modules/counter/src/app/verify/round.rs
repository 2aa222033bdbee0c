//! Verifications written together: a batch is taken in rounds, and each round reads and
//! writes what its verifications need with one statement per kind (their nonces, devices,
//! grants, doors and applications; the grants used and doors opened; the wrong codes counted
//! on their grants, doors and kiosks; the applications' changes; one stretch of the event
//! chain; the messages).
//!
//! Within a round no two verifications share a device, a grant, a door or an application, so
//! none depends on another's writes: one that would is left, with every later one that shares
//! anything with it, for the next round, which reads again after them.
//! A round of one is exactly a verification on its own (PostgreSQL writes each alone).

use super::{CheckedAsk, Verified, answer, door_refuses};
use crate::app::pickup::PickedUp;
use crate::app::{Application, CounterApp, Result};
use crate::domain::application::{Role, State};
use crate::domain::device::{MAX_SKEW_SECONDS, Refusal};
use crate::domain::lockers::{DoorAction, DoorState, door_after};
use crate::domain::pickup::{self, GrantState, Verdict};
use crate::store;
use crate::store::grants::Grant;
use crate::store::lockers::Door;
use ::store::Tx;
use domain::Message;
use platform::ServiceError;
use std::collections::{BTreeMap, HashMap, HashSet};

use crate::app::device::{DeviceRefusal, KIOSK_GUESSES, VerifyAnswer};

/// What a kiosk's ask names.
enum Asked {
    /// An agent whose mandate refuses (decided before the transaction).
    Refused(VerifyAnswer),
    /// Not a 6-digit code, or a malformed QR.
    Malformed,
    /// By QR: one grant, and the code's hash.
    Qr { grant: String, hash: String },
    /// By mobile and code: the mobile's hash (none for a number that is not a mobile).
    Mobile {
        mobile: Option<String>,
        hash: String,
    },
}

/// A right code on a live grant, about to open its door.
struct Opening {
    at: usize,
    grant: Grant,
    /// The application as read, and as the pickup changes it.
    read: Application,
    app: Application,
    door: Door,
    from: String,
    to: &'static str,
}

impl CounterApp {
    /// Every verification of a batch, in `tx`, in rounds.
    pub(super) async fn verify_all_in(
        &self,
        tx: &mut Tx,
        items: &[CheckedAsk],
        now: i64,
    ) -> Result<Vec<Verified>> {
        let mut out: Vec<Option<Verified>> = items.iter().map(|_| None).collect();
        let mut pending: Vec<usize> = (0..items.len()).collect();
        while !pending.is_empty() {
            pending = self.round_in(tx, items, pending, now, &mut out).await?;
        }
        out.into_iter()
            .map(|o| o.ok_or_else(|| ServiceError::Internal("a verification undecided".into())))
            .collect()
    }

    fn asked(&self, item: &CheckedAsk) -> Asked {
        if let Some(Some(a)) = &item.mandate {
            return Asked::Refused(a.clone());
        }
        let ask = &item.ask;
        if !ask.qr.trim().is_empty() {
            return match pickup::read_qr(&ask.qr) {
                Some((grant, code)) => Asked::Qr {
                    grant,
                    hash: self.code_hash(&item.site, &code),
                },
                None => Asked::Malformed,
            };
        }
        match pickup::normalise(&ask.code) {
            Some(code) => Asked::Mobile {
                mobile: self.mobile_hash(&item.site, &ask.mobile),
                hash: self.code_hash(&item.site, &code),
            },
            None => Asked::Malformed,
        }
    }

    /// One round over `pending` (in batch order); the verifications left for the next round.
    async fn round_in(
        &self,
        tx: &mut Tx,
        items: &[CheckedAsk],
        pending: Vec<usize>,
        now: i64,
        out: &mut [Option<Verified>],
    ) -> Result<Vec<usize>> {
        let asked: Vec<(usize, Asked)> = pending
            .iter()
            .map(|&i| (i, self.asked(&items[i])))
            .collect();
        // The grants the asks may name, and their doors.
        let mut by_site: BTreeMap<&str, Vec<String>> = BTreeMap::new();
        let mut by_id: Vec<String> = Vec::new();
        for (i, a) in &asked {
            match a {
                Asked::Mobile {
                    mobile: Some(m), ..
                } => by_site
                    .entry(items[*i].site.id.as_str())
                    .or_default()
                    .push(m.clone()),
                Asked::Qr { grant, .. } => by_id.push(grant.clone()),
                _ => {}
            }
        }
        let mut grants: Vec<Grant> = store::grants::grants_by_ids(&mut *tx, &by_id).await?;
        for (site, mobiles) in &by_site {
            grants.extend(store::grants::live_by_mobiles(&mut *tx, site, mobiles).await?);
        }
        let candidates = |i: usize, a: &Asked| -> Vec<Grant> {
            let site = items[i].site.id.as_str();
            let mut found: Vec<Grant> = grants
                .iter()
                .filter(|g| g.site_id.as_deref() == Some(site))
                .filter(|g| match a {
                    Asked::Qr { grant, .. } => &g.id == grant,
                    Asked::Mobile {
                        mobile: Some(m), ..
                    } => {
                        g.mobile_hash.as_deref() == Some(m.as_str())
                            && !g.revoked
                            && g.used_at.is_none()
                    }
                    _ => false,
                })
                .cloned()
                .collect();
            found.sort_by(|a, b| a.id.cmp(&b.id));
            found.dedup_by(|a, b| a.id == b.id);
            found
        };
        // The round: verifications whose device, grants and doors no earlier one in it has.
        let mut claimed: HashSet<String> = HashSet::new();
        let (mut round, mut later) = (Vec::new(), Vec::new());
        for (i, a) in asked {
            let found = candidates(i, &a);
            let mut keys = vec![format!("device:{}", items[i].device.id)];
            for g in &found {
                keys.push(format!("grant:{}", g.id));
                keys.push(format!("application:{}", g.application_id));
                if let Some(d) = &g.door_id {
                    keys.push(format!("door:{d}"));
                }
            }
            if keys.iter().any(|k| claimed.contains(k)) {
                // What it touches stays claimed, so no later verification of the batch that
                // shares any of it goes before it.
                later.push(i);
                claimed.extend(keys);
                continue;
            }
            // An agent's right code: their mandate is asked first, outside the transaction,
            // and the verification comes back (nothing of it is written now).
            if items[i].mandate.is_none()
                && let Asked::Qr { hash, .. } | Asked::Mobile { hash, .. } = &a
                && let Some(g) = found
                    .iter()
                    .find(|g| platform::secrets::constant_time_eq(&g.code_hash, hash))
                && g.holder == "agent"
                && g.active
                && !g.revoked
                && g.used_at.is_none()
            {
                out[i] = Some(Verified::NeedsMandate(Box::new(g.clone())));
                continue;
            }
            {
                claimed.extend(keys);
                round.push((i, a, found));
            }
        }
        let door_ids: Vec<String> = round
            .iter()
            .flat_map(|(_, _, found)| found.iter().filter_map(|g| g.door_id.clone()))
            .collect();
        let doors: HashMap<String, Door> = store::lockers::doors_by_ids(&mut *tx, &door_ids)
            .await?
            .into_iter()
            .map(|d| (d.id.clone(), d))
            .collect();
        // Nonces, used once; devices, not retired and with the secret that signed.
        let nonces: Vec<(String, String)> = round
            .iter()
            .map(|(i, _, _)| (items[*i].device.id.clone(), items[*i].nonce.clone()))
            .collect();
        let taken = store::lockers::take_nonces(tx, &nonces, now + 2 * MAX_SKEW_SECONDS).await?;
        let devices: Vec<String> = nonces.iter().map(|(d, _)| d.clone()).collect();
        let live = store::lockers::touch_devices(tx, &devices, now).await?;
        // Each verification's outcome, or what it will write.
        let mut wrongs: Vec<(usize, Vec<Grant>)> = Vec::new();
        let mut matched: Vec<(usize, Grant)> = Vec::new();
        for (i, a, found) in round {
            let item = &items[i];
            let refuse = |refusal| {
                Some(Verified::Refused(DeviceRefusal {
                    refusal,
                    server_time: now,
                }))
            };
            if !taken.contains(&(item.device.id.clone(), item.nonce.clone())) {
                out[i] = refuse(Refusal::Replayed);
                continue;
            }
            if live.get(&item.device.id) != Some(&item.device.generation) {
                // Retired, or given a new secret, since its signature was checked.
                out[i] = refuse(Refusal::UnknownDevice);
                continue;
            }
            let hash = match &a {
                Asked::Refused(r) => {
                    out[i] = Some(Verified::Answer(r.clone()));
                    continue;
                }
                Asked::Malformed => {
                    out[i] = Some(Verified::Answer(answer("wrong", "counter-kiosk-wrong")));
                    continue;
                }
                Asked::Qr { hash, .. } | Asked::Mobile { hash, .. } => hash,
            };
            // A door that has seen too many wrong codes refuses every code for a while, right
            // or wrong, before any is compared.
            let refusing = found.iter().any(|g| {
                g.door_id
                    .as_ref()
                    .and_then(|d| doors.get(d))
                    .is_some_and(|d| door_refuses(d, now))
            });
            if refusing {
                out[i] = Some(Verified::Answer(answer(
                    "locked",
                    "counter-kiosk-door-locked",
                )));
                continue;
            }
            match found
                .iter()
                .find(|g| platform::secrets::constant_time_eq(&g.code_hash, hash))
            {
                Some(g) => matched.push((i, g.clone())),
                None => wrongs.push((i, found)),
            }
        }
        self.count_wrong_in(tx, items, wrongs, now, out).await?;
        self.open_in(tx, items, matched, doors, now, out).await?;
        Ok(later)
    }

    /// Wrong codes: each active candidate grant and its door count one (the doors first, in
    /// the order a right code takes them); a grant reaching the limit locks and its holder is
    /// told; the kiosk counts one. The answer is the same whether or not the mobile has a
    /// document waiting, so a passer-by learns nothing from it.
    async fn count_wrong_in(
        &self,
        tx: &mut Tx,
        items: &[CheckedAsk],
        wrongs: Vec<(usize, Vec<Grant>)>,
        now: i64,
        out: &mut [Option<Verified>],
    ) -> Result<()> {
        if wrongs.is_empty() {
            return Ok(());
        }
        let countable: Vec<&Grant> = wrongs
            .iter()
            .flat_map(|(_, found)| found.iter())
            .filter(|g| g.active && g.used_at.is_none() && !g.revoked && g.locked_at.is_none())
            .collect();
        let door_ids: Vec<String> = countable.iter().filter_map(|g| g.door_id.clone()).collect();
        store::lockers::bump_door_wrong(tx, &door_ids, now, pickup::DOOR_WINDOW_SECONDS).await?;
        let grant_ids: Vec<String> = countable.iter().map(|g| g.id.clone()).collect();
        let max = i64::from(pickup::MAX_WRONG_PER_GRANT);
        for (id, wrong) in store::grants::bump_wrong_many(tx, &grant_ids).await? {
            if wrong >= max
                && store::grants::lock(tx, &id, now).await?
                && let Some(g) = countable.iter().find(|g| g.id == id)
                && let Some(app) = store::applications::find(&mut *tx, &g.application_id).await?
            {
                let site = wrongs
                    .iter()
                    .find(|(_, found)| found.iter().any(|f| f.id == id))
                    .map(|(i, _)| &items[*i].site);
                let place = self.place_words(&mut *tx, &app, site).await?;
                self.tell_in(
                    tx,
                    &app,
                    crate::app::change::Tell {
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
        // Every wrong code counts against its kiosk too, across nodes (a round's kiosks are
        // distinct: one statement).
        let kiosks: Vec<&str> = wrongs
            .iter()
            .map(|(i, _)| items[*i].device.id.as_str())
            .collect();
        let counted = self
            .platform
            .count_attempts_in(tx, KIOSK_GUESSES, &kiosks)
            .await?;
        for ((i, _), kiosk) in wrongs.iter().zip(counted) {
            out[*i] = Some(match kiosk {
                Ok(()) => Verified::Answer(answer("wrong", "counter-kiosk-wrong")),
                Err(ServiceError::RateLimited { .. }) => Verified::KioskLimited,
                Err(e) => return Err(e),
            });
        }
        Ok(())
    }

    /// Right codes: each grant's verdict; for those that open, the doors opened and the grants
    /// used with one statement each, the pickups recorded as one stretch of the chain, the
    /// applications' other grants revoked, and each applicant told.
    async fn open_in(
        &self,
        tx: &mut Tx,
        items: &[CheckedAsk],
        matched: Vec<(usize, Grant)>,
        mut doors: HashMap<String, Door>,
        now: i64,
        out: &mut [Option<Verified>],
    ) -> Result<()> {
        let mut open = Vec::new();
        for (i, g) in matched {
            let verdict = pickup::verdict(
                GrantState {
                    active: g.active,
                    revoked: g.revoked,
                    used: g.used_at.is_some(),
                    wrong: u32::try_from(g.wrong).unwrap_or(u32::MAX),
                    expires_at: g.expires_at,
                },
                now,
            );
            if verdict == Verdict::Open {
                open.push((i, g));
            } else {
                out[i] = Some(Verified::Answer(answer(
                    verdict.as_str(),
                    verdict.message_id(),
                )));
            }
        }
        if open.is_empty() {
            return Ok(());
        }
        let app_ids: Vec<String> = open.iter().map(|(_, g)| g.application_id.clone()).collect();
        let mut apps: HashMap<String, Application> =
            store::applications::find_many(&mut *tx, &app_ids)
                .await?
                .into_iter()
                .map(|a| (a.id.clone(), a))
                .collect();
        let mut openings: Vec<Opening> = Vec::new();
        for (i, grant) in open {
            let answer_now = |result, id| Some(Verified::Answer(answer(result, id)));
            let Some(app) = apps.remove(&grant.application_id) else {
                out[i] = answer_now("refused", "counter-kiosk-wrong");
                continue;
            };
            if app.state != State::ReadyForPickup || !app.fee_settled() {
                out[i] = answer_now("inactive", "counter-kiosk-inactive");
                continue;
            }
            // The door must still hold this application's item: a door cleared and loaded
            // again for someone else is not opened by an old code.
            let door = grant
                .door_id
                .as_ref()
                .and_then(|d| doors.remove(d))
                .filter(|d| d.application_id.as_deref() == Some(app.id.as_str()));
            let Some((door, to)) = door.and_then(|d| {
                let to = DoorState::parse(&d.state).and_then(|s| door_after(s, DoorAction::Open));
                to.map(|to| (d, to.as_str()))
            }) else {
                out[i] = answer_now("refused", "counter-kiosk-door-state");
                continue;
            };
            openings.push(Opening {
                at: i,
                from: door.state.clone(),
                grant,
                read: app.clone(),
                app,
                door,
                to,
            });
        }
        // The doors, then the grants (the order a wrong code takes them too).
        let mut moves: BTreeMap<(&str, &str), Vec<String>> = BTreeMap::new();
        for o in &openings {
            moves
                .entry((o.from.as_str(), o.to))
                .or_default()
                .push(o.door.id.clone());
        }
        for ((from, to), ids) in moves {
            if store::lockers::open_doors(tx, &ids, from, to, now).await? != ids.len() as u64 {
                return Err(ServiceError::Conflict(Message::new(
                    "counter-error-door-state",
                )));
            }
        }
        let used: Vec<String> = openings.iter().map(|o| o.grant.id.clone()).collect();
        if store::grants::use_grants(tx, &used, now).await? != used.len() as u64 {
            return Err(ServiceError::Conflict(Message::new(
                "counter-error-door-state",
            )));
        }
        // The pickups: each application's change, their events as one stretch per chain.
        let mut events: BTreeMap<String, Vec<store::events::NewEvent>> = BTreeMap::new();
        let mut places = Vec::with_capacity(openings.len());
        for o in &mut openings {
            let label = o.door.label();
            let place = if o.app.place.as_deref() == Some("door") {
                self.place_text(&o.app, Some(&label)).await?
            } else {
                self.place_text(&o.app, None).await?
            };
            let actor = format!("device:{}", items[o.at].device.name);
            let how = PickedUp {
                by: if o.grant.holder == "agent" {
                    "agent"
                } else {
                    "applicant"
                },
                how: "door",
                role: Role::Device,
                actor: &actor,
                place: Some(place),
            };
            let (event, place) = self.pick_up_row_in(tx, &mut o.app, how, now).await?;
            events
                .entry(o.app.jurisdiction_id.clone())
                .or_default()
                .push(event);
            places.push(place);
        }
        let changed: Vec<(&Application, &Application)> =
            openings.iter().map(|o| (&o.read, &o.app)).collect();
        if store::applications::update_many(tx, &changed).await? != changed.len() as u64 {
            return Err(ServiceError::Conflict(Message::new(
                "counter-error-changed",
            )));
        }
        for (jurisdiction, es) in &events {
            store::events::append(tx, jurisdiction, es).await?;
        }
        // Other live grants of the applications end with them.
        let picked: Vec<String> = openings.iter().map(|o| o.app.id.clone()).collect();
        store::grants::revoke_live_of(tx, &picked).await?;
        // Each applicant told, in their language, with one set of statements for the round.
        let applicants: Vec<String> = openings
            .iter()
            .map(|o| o.app.applicant_id.clone())
            .collect();
        let contacts = ::store::outbox::account_contacts_in(tx, &applicants).await?;
        let mut messages = Vec::new();
        for (o, place) in openings.iter().zip(&places) {
            let locale = contacts
                .get(&o.app.applicant_id)
                .and_then(|c| domain::Locale::from_tag(&c.locale))
                .unwrap_or(domain::Locale::ZhTw);
            let tell = crate::app::pickup::picked_up_tell(&o.app, place, locale);
            messages.extend(self.messages(&o.app, tell, locale).await?);
        }
        platform::notify::enqueue_many(tx, &messages, now).await?;
        for o in openings {
            let mut a = answer("open", "counter-kiosk-open");
            a.door = Some(o.door.label());
            a.door_id = Some(o.door.id);
            out[o.at] = Some(Verified::Answer(a));
        }
        Ok(())
    }
}
