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
use super::{CounterApp, Result};
use crate::domain::device::Refusal;
use crate::domain::pickup;
use crate::store;
use crate::store::grants::Grant;
use crate::store::lockers::{Device, Door, Site};
use domain::Message;
use platform::ServiceError;
use platform::group_commit::{BatchWriter, GroupCommit};

mod round;
use platform::jobs::BoxFuture;

/// The most verifications one transaction takes: every kiosk of a large site at once.
pub const MAX_BATCH: usize = 128;

/// How long a device and its site are kept after they are read (see `known_device`).
pub const KEEP_DEVICE: std::time::Duration = std::time::Duration::from_secs(30);

/// A verification whose device and signature were checked, waiting to be written.
#[derive(Clone)]
pub struct CheckedAsk {
    device: Device,
    site: Site,
    nonce: String,
    ask: VerifyAsk,
    /// For an agent's code: its mandate was asked (and this is what it refused, if it did).
    mandate: Option<Option<VerifyAnswer>>,
}

/// What a verification came to.
pub enum Verified {
    Answer(VerifyAnswer),
    Refused(DeviceRefusal),
    /// A wrong code past the kiosk's limit (counted all the same).
    KioskLimited,
    /// The right code of an agent's grant, whose mandate must be asked before it is written
    /// (identity records the use in a transaction of its own). Nothing was written.
    NeedsMandate(Box<Grant>),
}

pub(crate) type VerifyQueue = GroupCommit<CheckedAsk, Verified>;

/// How long the verification writer waits for the kiosks of its last batch to be back (see
/// `platform::group_commit`): about what 64 kiosks' requests take to arrive after their
/// answers, on two cores.
pub const GATHER: std::time::Duration = std::time::Duration::from_millis(4);

pub(crate) fn verify_queue() -> VerifyQueue {
    GroupCommit::new(MAX_BATCH).gathering(GATHER)
}

impl BatchWriter<CheckedAsk, Verified> for CounterApp {
    fn write_batch<'a>(&'a self, items: &'a [CheckedAsk]) -> BoxFuture<'a, Result<Vec<Verified>>> {
        Box::pin(async move {
            let now = self.now();
            let mut tx = self.platform.db.begin().await?;
            let out = self.verify_all_in(&mut tx, items, now).await?;
            tx.commit().await?;
            Ok(out)
        })
    }

    fn embedded(&self) -> bool {
        self.platform.db.backend() == ::store::Backend::Sqlite
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
        let (device, site) = match self.known_device(req).await? {
            Ok(known) => known,
            Err(r) => return Ok(Err(r)),
        };
        let mut item = CheckedAsk {
            device,
            site,
            nonce: req.signed.nonce.to_string(),
            ask: ask.clone(),
            mandate: None,
        };
        let mut verified = self.write_one(&item).await?;
        if let Verified::NeedsMandate(grant) = &verified {
            // Read again, not kept: a device retired or given a new secret on another node
            // must not have a mandate's use recorded for it.
            match self.signed_by(req).await? {
                Ok(d) if d.generation == item.device.generation => {}
                Ok(_) => {
                    return Ok(Err(DeviceRefusal {
                        refusal: Refusal::UnknownDevice,
                        server_time: self.now(),
                    }));
                }
                Err(r) => return Ok(Err(r)),
            }
            item.mandate = Some(self.mandate_refuses(grant).await?);
            verified = self.write_one(&item).await?;
        }
        match verified {
            Verified::Answer(a) => Ok(Ok(a)),
            Verified::Refused(r) => Ok(Err(r)),
            Verified::KioskLimited => Err(ServiceError::RateLimited {
                message: Message::new("counter-kiosk-locked"),
                retry_after: KIOSK_GUESSES.window,
            }),
            Verified::NeedsMandate(_) => Err(ServiceError::Internal(
                "an agent's mandate asked for twice".into(),
            )),
        }
    }

    /// Writes one verification: with others waiting (SQLite), or alone (PostgreSQL).
    async fn write_one(&self, item: &CheckedAsk) -> Result<Verified> {
        match &self.platform.db {
            ::store::Db::Sqlite(..) => self.verifications.write(self, item.clone()).await,
            ::store::Db::Postgres(_) => self
                .write_batch(std::slice::from_ref(item))
                .await?
                .pop()
                .ok_or_else(|| ServiceError::Internal("no answer for a verification".into())),
        }
    }

    /// The device that signed a request, and its site: kept for [`KEEP_DEVICE`] after they
    /// are read, so that a kiosk's requests read neither. What is kept only has to check the
    /// signature: the transaction then refuses a device retired or given a new secret since
    /// ([`store::lockers::touch_devices`]), and a signature the kept device does not accept
    /// is checked again against the stored one.
    async fn known_device(
        &self,
        req: &DeviceRequest<'_>,
    ) -> Result<std::result::Result<(Device, Site), DeviceRefusal>> {
        let kept = self
            .devices_lock()
            .get(req.device_id)
            .filter(|(_, _, at)| at.elapsed() < KEEP_DEVICE)
            .map(|(d, s, _)| (d.clone(), s.clone()));
        if let Some((device, site)) = kept
            && crate::domain::device::check(
                self.device_secret(&device).as_bytes(),
                req.signed,
                self.now(),
            )
            .is_ok()
        {
            return Ok(Ok((device, site)));
        }
        let device = match self.signed_by(req).await? {
            Ok(d) => d,
            Err(r) => return Ok(Err(r)),
        };
        let Some(site) = store::lockers::site_by_id(&self.platform.db, &device.site_id).await?
        else {
            return Ok(Err(DeviceRefusal {
                refusal: Refusal::UnknownDevice,
                server_time: self.now(),
            }));
        };
        self.devices_lock().insert(
            device.id.clone(),
            (device.clone(), site.clone(), std::time::Instant::now()),
        );
        Ok(Ok((device, site)))
    }

    pub(crate) fn devices_lock(&self) -> std::sync::MutexGuard<'_, super::KeptDevices> {
        self.devices.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Whether an agent's mandate refuses this pickup (identity records its use).
    async fn mandate_refuses(&self, g: &Grant) -> Result<Option<VerifyAnswer>> {
        let Some(app) = store::applications::find(&self.platform.db, &g.application_id).await?
        else {
            return Ok(None);
        };
        Ok(
            match self
                .holder_allowed(&app, g, "picked up at the Smart Desk")
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
}

/// Whether a door refuses codes for now (too many wrong ones within the window).
pub(super) fn door_refuses(d: &Door, now: i64) -> bool {
    d.wrong >= i64::from(pickup::MAX_WRONG_PER_DOOR)
        && d.wrong_since
            .is_some_and(|s| now - s <= pickup::DOOR_WINDOW_SECONDS)
}
