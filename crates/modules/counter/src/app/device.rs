//! The locker device API (docs/COUNTER.md, "Device API"): every request signed by its device
//! (`domain::device`), its nonce used once; a code verified (and, when right, the door opened
//! and the pickup recorded in one transaction); the device's events taken in order, once each,
//! late ones (kept while offline) included; and the signed list of active code hashes a device
//! works from while it cannot reach the server.

use super::{CounterApp, Result};
use crate::domain::device::{self, MAX_SKEW_SECONDS, Refusal, Signed};
use crate::store;
use crate::store::lockers::{Device, Site};
use ::store::Tx;
use platform::rate_limit::Limit;
use serde::{Deserialize, Serialize};

/// Wrong codes at one kiosk, whatever the mobile: past the limit a wrong code answers 429.
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
        if !store::lockers::take_nonce(tx, &dev.id, req.signed.nonce, now + 2 * MAX_SKEW_SECONDS)
            .await?
        {
            return refuse(Refusal::Replayed);
        }
        let Some(site) = store::lockers::site_by_id(&mut *tx, &dev.site_id).await? else {
            return refuse(Refusal::UnknownDevice);
        };
        let mut dev = dev;
        dev.last_seen_at = Some(now);
        store::lockers::touch_device(tx, &dev.id, dev.generation, now).await?;
        Ok(Ok(Authenticated { device: dev, site }))
    }
}
