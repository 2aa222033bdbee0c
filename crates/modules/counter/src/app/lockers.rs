//! Smart Desk sites: made for every office with a Smart Desk (three banks of doors to begin
//! with), their doors as staff see and set them, and the devices registered to them. A
//! device's secret and the site's code key are derived from the instance secret (nothing of
//! either is stored), so a rotation is a new generation.

use super::{CounterApp, Result, new_id};
use crate::domain::lockers::{DoorAction, DoorSize, DoorState, door_after};
use crate::domain::pickup;
use crate::module::{MANAGE_COUNTER, REVIEW_APPLICATIONS};
use crate::store::lockers::{self as store, Device, Door, Site};
use domain::Message;
use platform::ServiceError;
use platform::audit::{self, Subject};
use platform::authz::{Actor, Target};

/// The doors a new site starts with: 12 small (A), 8 medium (B), 4 large (C).
pub const DEFAULT_BANKS: [(&str, DoorSize, i64); 3] = [
    ("A", DoorSize::Small, 12),
    ("B", DoorSize::Medium, 8),
    ("C", DoorSize::Large, 4),
];
/// The longest device name.
pub const MAX_DEVICE_NAME: usize = 60;

/// A site with its doors and devices.
#[derive(Debug, Clone)]
pub struct SiteView {
    pub site: Site,
    pub doors: Vec<Door>,
    pub devices: Vec<Device>,
}

/// What a device is given once, when it is registered: what it signs with, and the key its
/// offline list's code hashes are made with.
#[derive(Debug, Clone)]
pub struct DeviceCredentials {
    pub device_id: String,
    pub site_id: String,
    pub secret: String,
    pub site_key: String,
    pub key_generation: i64,
}

fn door_unknown() -> ServiceError {
    ServiceError::NotFound(Message::new("counter-error-door-unknown"))
}

impl CounterApp {
    /// A device's secret: the instance's MAC of its id and generation.
    pub(crate) fn device_secret(&self, d: &Device) -> String {
        self.platform
            .sign("counter-device", &format!("{}.{}", d.id, d.generation))
    }

    /// A site's code key at its generation.
    pub(crate) fn site_key(&self, s: &Site) -> String {
        self.platform
            .sign("counter-site", &format!("{}.{}", s.id, s.key_generation))
    }

    /// A code's stored hash at a site.
    pub(crate) fn code_hash(&self, s: &Site, code: &str) -> String {
        pickup::code_hash(self.site_key(s).as_bytes(), code)
    }

    /// A mobile number's hash at a site (what the kiosk asks with the code).
    pub(crate) fn mobile_hash(&self, s: &Site, mobile: &str) -> Option<String> {
        let m = domain::identity::Mobile::parse(mobile).ok()?;
        Some(pickup::code_hash(
            format!("{}:mobile", self.site_key(s)).as_bytes(),
            m.e164(),
        ))
    }

    /// Makes the sites of the offices with a Smart Desk that have none (with the default
    /// banks), in one transaction.
    pub(crate) async fn ensure_sites(&self, jurisdiction_id: &str) -> Result<Vec<Site>> {
        let catalogue = self.catalogue(jurisdiction_id).await?;
        let now = self.now();
        let mut tx = self.platform.db.begin().await?;
        let mut out = Vec::new();
        for (office, _) in catalogue.offices.iter().filter(|(o, _)| o.smart_desk) {
            let site = store::ensure_site(
                &mut tx,
                &Site {
                    id: new_id(),
                    jurisdiction_id: jurisdiction_id.to_string(),
                    office_code: office.code.clone(),
                    name: office.name.zh.clone(),
                    key_generation: 1,
                    locker_days: i64::from(pickup::DEFAULT_LOCKER_DAYS),
                    counter_days: i64::from(pickup::DEFAULT_COUNTER_DAYS),
                },
            )
            .await?;
            let mut doors = Vec::new();
            for (bank, size, n) in DEFAULT_BANKS {
                for number in 1..=n {
                    doors.push(Door {
                        id: new_id(),
                        site_id: site.id.clone(),
                        bank: bank.to_string(),
                        number,
                        size: size.as_str().to_string(),
                        state: DoorState::Free.as_str().to_string(),
                        application_id: None,
                        sensed: None,
                        sensed_at: None,
                        wrong: 0,
                        wrong_since: None,
                        updated_at: now,
                    });
                }
            }
            if store::doors(&mut tx, &site.id).await?.is_empty() {
                store::insert_doors(&mut tx, &doors).await?;
                // A new site: its quarter-hourly reconciliation begins.
                self.queue_reconcile_in(
                    &mut tx,
                    &site,
                    super::reconcile::PERIODIC,
                    now + super::reconcile::EVERY_SECONDS,
                    now,
                )
                .await?;
            }
            out.push(site);
        }
        tx.commit().await?;
        Ok(out)
    }

    /// The Smart Desk sites of the actor's jurisdiction, for clerks (which door to load) and
    /// administrators.
    pub async fn smart_desks(&self, actor: &Actor) -> Result<Vec<SiteView>> {
        if !actor.may(REVIEW_APPLICATIONS, Target::Jurisdiction) {
            actor.require(MANAGE_COUNTER, Target::Jurisdiction)?;
        }
        let sites = self.ensure_sites(&actor.jurisdiction_id).await?;
        let db = &self.platform.db;
        let mut out = Vec::with_capacity(sites.len());
        for site in sites {
            out.push(SiteView {
                doors: store::doors(db, &site.id).await?,
                devices: store::devices(db, &site.id).await?,
                site,
            });
        }
        Ok(out)
    }

    /// The site of an office, if it has a Smart Desk.
    pub(crate) async fn site_of(
        &self,
        jurisdiction_id: &str,
        office: &str,
    ) -> Result<Option<Site>> {
        if let Some(s) = store::site_of_office(&self.platform.db, jurisdiction_id, office).await? {
            return Ok(Some(s));
        }
        Ok(self
            .ensure_sites(jurisdiction_id)
            .await?
            .into_iter()
            .find(|s| s.office_code == office))
    }

    /// An administrator registers a device at a site; its credentials are shown once.
    pub async fn register_device(
        &self,
        actor: &Actor,
        site_id: &str,
        name: &str,
    ) -> Result<DeviceCredentials> {
        actor.require(MANAGE_COUNTER, Target::Jurisdiction)?;
        let site = store::site_by_id(&self.platform.db, site_id)
            .await?
            .filter(|s| s.jurisdiction_id == actor.jurisdiction_id)
            .ok_or_else(|| ServiceError::NotFound(Message::new("counter-error-site-unknown")))?;
        let name = name.trim();
        if name.is_empty()
            || name.chars().count() > MAX_DEVICE_NAME
            || name.chars().any(char::is_control)
        {
            return Err(ServiceError::invalid(Message::new(
                "counter-error-device-name",
            )));
        }
        let now = self.now();
        let device = Device {
            id: new_id(),
            site_id: site.id.clone(),
            name: name.to_string(),
            generation: 1,
            last_seen_at: None,
            last_seq: 0,
            retired_at: None,
            created_at: now,
        };
        let mut tx = self.platform.db.begin().await?;
        store::insert_device(&mut tx, &device).await?;
        audit::record(
            &mut tx,
            actor,
            "counter.device_registered",
            Subject {
                kind: "counter_device",
                id: &device.id,
                data_subject: None,
            },
            None,
            serde_json::json!({ "site": site.id, "name": device.name }),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(DeviceCredentials {
            secret: self.device_secret(&device),
            site_key: self.site_key(&site),
            key_generation: site.key_generation,
            device_id: device.id,
            site_id: site.id,
        })
    }

    /// Staff set a door: hold or release it, report it out of order or repaired, or clear it
    /// (the item taken out, back to the counter).
    pub async fn set_door(&self, actor: &Actor, door_id: &str, action: DoorAction) -> Result<Door> {
        if !matches!(
            action,
            DoorAction::Hold
                | DoorAction::Release
                | DoorAction::Fault
                | DoorAction::Repair
                | DoorAction::Clear
        ) {
            return Err(ServiceError::invalid(Message::new(
                "counter-error-door-action",
            )));
        }
        actor.require(REVIEW_APPLICATIONS, Target::Jurisdiction)?;
        let mut door = self.door_in_jurisdiction(actor, door_id).await?;
        // An item still waiting in the door for its holder is moved to the counter first (the
        // application's own action), so its codes end with it.
        if action == DoorAction::Clear
            && let Some(a) = &door.application_id
            && let Some(app) = crate::store::applications::find(&self.platform.db, a).await?
            && app.state == crate::domain::application::State::ReadyForPickup
            && app.place.as_deref() == Some("door")
        {
            return Err(ServiceError::Conflict(Message::new(
                "counter-error-door-in-use",
            )));
        }
        let from = DoorState::parse(&door.state).ok_or_else(door_unknown)?;
        let to = door_after(from, action)
            .ok_or_else(|| ServiceError::Conflict(Message::new("counter-error-door-state")))?;
        let now = self.now();
        let previous = door.state.clone();
        door.state = to.as_str().to_string();
        door.updated_at = now;
        if to == DoorState::Free {
            door.application_id = None;
        }
        let mut tx = self.platform.db.begin().await?;
        if !store::move_door(&mut tx, &door, &previous).await? {
            return Err(ServiceError::Conflict(Message::new(
                "counter-error-door-state",
            )));
        }
        audit::record(
            &mut tx,
            actor,
            "counter.door_set",
            Subject {
                kind: "counter_door",
                id: &door.id,
                data_subject: None,
            },
            None,
            serde_json::json!({ "door": door.label(), "from": previous, "to": door.state }),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(door)
    }

    pub(crate) async fn door_in_jurisdiction(&self, actor: &Actor, door_id: &str) -> Result<Door> {
        let db = &self.platform.db;
        let door = store::door_by_id(db, door_id)
            .await?
            .ok_or_else(door_unknown)?;
        let site = store::site_by_id(db, &door.site_id)
            .await?
            .ok_or_else(door_unknown)?;
        if site.jurisdiction_id != actor.jurisdiction_id {
            return Err(door_unknown());
        }
        Ok(door)
    }

    /// The demo's kiosk: the first device of the first Smart Desk (registered the first time),
    /// with its credentials, which are derived and so can be shown again.
    pub async fn demo_kiosk(&self, jurisdiction_id: &str) -> Result<DeviceCredentials> {
        let operator = Actor::system(jurisdiction_id, "demo");
        let sites = self.smart_desks(&operator).await?;
        let view = sites
            .into_iter()
            .next()
            .ok_or_else(|| ServiceError::Internal("no Smart Desk in the catalogue".into()))?;
        match view.devices.into_iter().find(|d| d.retired_at.is_none()) {
            Some(device) => Ok(DeviceCredentials {
                secret: self.device_secret(&device),
                site_key: self.site_key(&view.site),
                key_generation: view.site.key_generation,
                device_id: device.id,
                site_id: view.site.id,
            }),
            None => {
                self.register_device(&operator, &view.site.id, "示範取件機 Demo kiosk")
                    .await
            }
        }
    }

    /// An administrator retires a device (lost, stolen, replaced): from now on its requests are
    /// refused as an unknown device.
    pub async fn retire_device(&self, actor: &Actor, device_id: &str) -> Result<()> {
        actor.require(MANAGE_COUNTER, Target::Jurisdiction)?;
        let db = &self.platform.db;
        let unknown = || ServiceError::NotFound(Message::new("counter-error-device-unknown"));
        let mut device = store::device_by_id(db, device_id)
            .await?
            .ok_or_else(unknown)?;
        let site = store::site_by_id(db, &device.site_id)
            .await?
            .ok_or_else(unknown)?;
        if site.jurisdiction_id != actor.jurisdiction_id {
            return Err(unknown());
        }
        let now = self.now();
        device.retired_at.get_or_insert(now);
        let mut tx = db.begin().await?;
        store::set_device(&mut tx, &device).await?;
        audit::record(
            &mut tx,
            actor,
            "counter.device_retired",
            Subject {
                kind: "counter_device",
                id: &device.id,
                data_subject: None,
            },
            None,
            serde_json::json!({ "site": site.id, "name": device.name }),
            now,
        )
        .await?;
        tx.commit().await?;
        // This node forgets it at once (others within `verify::KEEP_DEVICE`; their
        // transactions refuse it meanwhile).
        self.devices_lock().remove(&device.id);
        Ok(())
    }
}
