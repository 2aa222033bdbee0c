//! Reads and seeds below the app API, for black-box tests and benchmarks only (the `testkit`
//! feature, which only dev-dependencies turn on). The seeds write rows as the app's own paths
//! leave them (codes and mobiles hashed with the app's own keys), many at a time.

use crate::app::{Application, CounterApp, Result, new_id};
use crate::domain::application::{self, State};
use crate::domain::catalogue::Pickup;
use crate::domain::lockers::{DoorSize, DoorState};
use crate::domain::reservations::Rules;
use crate::store;
use crate::store::grants::Grant;
use crate::store::lockers::Door;
use ::store::{Db, StoreError};
use domain::Message;
use platform::ServiceError;
use sea_query::{Expr, ExprTrait, Query};
use std::collections::{BTreeMap, HashSet};

/// An application as stored, whatever its state (a draft too).
pub async fn application(
    db: &Db,
    id: &str,
) -> std::result::Result<Option<Application>, StoreError> {
    crate::store::applications::find(db, id).await
}

/// A pickup grant as stored: its wrong-code count, whether it is locked, and whether it was
/// used; and its door's wrong-code count.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GrantRead {
    pub application_id: String,
    pub wrong: i64,
    pub locked: bool,
    pub used: bool,
    pub door_wrong: Option<i64>,
}

/// A grant as stored, by id.
pub async fn grant(db: &Db, id: &str) -> std::result::Result<Option<GrantRead>, StoreError> {
    let Some(g) = store::grants::grant_by_id(db, id).await? else {
        return Ok(None);
    };
    let door_wrong = match &g.door_id {
        Some(d) => store::lockers::door_by_id(db, d).await?.map(|d| d.wrong),
        None => None,
    };
    Ok(Some(GrantRead {
        application_id: g.application_id,
        wrong: g.wrong,
        locked: g.locked_at.is_some(),
        used: g.used_at.is_some(),
        door_wrong,
    }))
}

/// An application's grants as stored, oldest first.
pub async fn grants_of(
    db: &Db,
    application_id: &str,
) -> std::result::Result<Vec<GrantRead>, StoreError> {
    let mut out = Vec::new();
    for g in store::grants::grants_of(db, application_id).await? {
        if let Some(read) = grant(db, &g.id).await? {
            out.push(read);
        }
    }
    Ok(out)
}

/// A document waiting in a Smart Desk door, with the code and mobile that open it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadyInLocker {
    pub application_id: String,
    pub grant_id: String,
    /// The applicant's mobile as typed at the kiosk (`09…`).
    pub mobile: String,
    pub code: String,
    pub door: String,
}

/// A small xorshift generator: the seeds are reproducible and need no dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % std::cmp::Ord::max(n, 1)
    }
}

/// A bare application of `service` at `office`, filed `at`, in `state`.
#[allow(clippy::too_many_arguments)]
fn bare(
    jurisdiction_id: &str,
    number: String,
    service: &crate::domain::catalogue::Service,
    form_version: i64,
    office: &str,
    applicant_id: &str,
    mobile: &str,
    state: State,
    pickup: Pickup,
    at: i64,
) -> Application {
    let mut answers = BTreeMap::new();
    answers.insert("applicant_name".to_string(), "陳美玲".to_string());
    answers.insert("applicant_id".to_string(), "A123456789".to_string());
    answers.insert("mobile".to_string(), mobile.to_string());
    answers.insert("applies_for".to_string(), "self".to_string());
    Application {
        id: new_id(),
        jurisdiction_id: jurisdiction_id.to_string(),
        number,
        service_code: service.code.clone(),
        office_code: office.to_string(),
        applicant_id: applicant_id.to_string(),
        form_key: service.form.clone(),
        form_version,
        answers,
        consent_version: Some(form_version),
        consented_at: Some(at),
        state,
        version: 4,
        pickup: pickup.as_str().to_string(),
        copies: 1,
        fee: service.fee.amount(1),
        payment_id: None,
        paid_at: None,
        due_at: None,
        correction: None,
        reason: None,
        place: None,
        door_id: None,
        picked_up_by: None,
        picked_up_how: None,
        picked_up_where: None,
        submitted_at: Some(at),
        decided_at: None,
        issued_at: None,
        picked_up_at: None,
        created_at: at,
        updated_at: at,
    }
}

/// `n` applications of `service` issued to Smart Desk doors of `office` and ready for pickup,
/// each with its fee settled and its applicant's grant active: what submit, approve, issue to
/// a door and a settled fee leave (`CounterApp::issue` then `activate_in`), without the events
/// and messages on the way. `n` new doors (bank `Z`) are added to the office's site; each
/// applicant has a mobile of their own (`0990000000` on) and a code unique among the site's
/// live codes, hashed with the site's key. Applicants are taken from `applicants` in turn.
pub async fn seed_ready_in_lockers(
    app: &CounterApp,
    jurisdiction_id: &str,
    office: &str,
    service_code: &str,
    applicants: &[String],
    n: usize,
) -> Result<Vec<ReadyInLocker>> {
    let site = app
        .site_of(jurisdiction_id, office)
        .await?
        .ok_or_else(|| ServiceError::invalid(Message::new("counter-error-no-locker")))?;
    let catalogue = app.catalogue(jurisdiction_id).await?;
    let service = catalogue
        .service(service_code)
        .cloned()
        .ok_or_else(crate::app::unknown_service)?;
    let form_version = catalogue.form(&service.form).map_or(1, |(_, v)| *v);
    let db = &app.platform.db;
    let now = app.now();
    let day = app.calendar(jurisdiction_id).await?.local_date(now);
    let mut taken: HashSet<String> = store::grants::active_at_site(db, &site.id, 0)
        .await?
        .into_iter()
        .map(|g| g.code_hash)
        .collect();
    let first_door = store::lockers::doors(db, &site.id)
        .await?
        .iter()
        .filter(|d| d.bank == "Z")
        .map(|d| d.number)
        .max()
        .unwrap_or(0)
        + 1;
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15 ^ u64::try_from(now).unwrap_or(1));
    let mut out = Vec::with_capacity(n);
    let mut done = 0;
    while done < n {
        let batch = (n - done).min(1_000);
        let mut apps = Vec::with_capacity(batch);
        let mut doors = Vec::with_capacity(batch);
        let mut grants = Vec::with_capacity(batch);
        for i in done..done + batch {
            let number = first_door + i64::try_from(i).unwrap_or(0);
            let mobile = format!("09{:08}", 90_000_000 + number);
            let applicant = &applicants[i % applicants.len().max(1)];
            let mut a = bare(
                jurisdiction_id,
                application::number("BL", day, u32::try_from(number).unwrap_or(u32::MAX)),
                &service,
                form_version,
                office,
                applicant,
                &mobile,
                State::ReadyForPickup,
                Pickup::Locker,
                now - 3_600,
            );
            let door = Door {
                id: new_id(),
                site_id: site.id.clone(),
                bank: "Z".into(),
                number,
                size: DoorSize::Small.as_str().into(),
                state: DoorState::Loaded.as_str().into(),
                application_id: Some(a.id.clone()),
                sensed: None,
                sensed_at: None,
                wrong: 0,
                wrong_since: None,
                updated_at: now,
            };
            a.fee = 0;
            a.due_at = Some(now);
            a.decided_at = Some(now - 600);
            a.issued_at = Some(now - 60);
            a.place = Some("door".into());
            a.door_id = Some(door.id.clone());
            let (code, hash) = loop {
                let code = format!("{:06}", rng.below(1_000_000));
                let hash = app.code_hash(&site, &code);
                if taken.insert(hash.clone()) {
                    break (code, hash);
                }
            };
            let g = Grant {
                id: new_id(),
                application_id: a.id.clone(),
                site_id: Some(site.id.clone()),
                door_id: Some(door.id.clone()),
                holder: "applicant".into(),
                mobile_hash: app.mobile_hash(&site, &mobile),
                mandate_id: None,
                agent_name: None,
                agent_mobile: None,
                code_hash: hash,
                active: true,
                revoked: false,
                locked_at: None,
                wrong: 0,
                used_at: None,
                expires_at: now + site.locker_days * 86_400,
                reminded_at: None,
                created_at: now - 60,
            };
            out.push(ReadyInLocker {
                application_id: a.id.clone(),
                grant_id: g.id.clone(),
                mobile,
                code,
                door: door.label(),
            });
            apps.push(a);
            doors.push(door);
            grants.push(g);
        }
        let mut tx = db.begin().await?;
        store::applications::insert_many(&mut tx, &apps).await?;
        for chunk in doors.chunks(500) {
            store::lockers::insert_doors(&mut tx, chunk).await?;
        }
        for g in &grants {
            store::grants::insert_grant(&mut tx, g).await?;
        }
        tx.commit().await?;
        done += batch;
    }
    Ok(out)
}

/// How many applications [`seed_applications`] left in each state.
pub type StateCounts = BTreeMap<&'static str, usize>;

/// `n` applications on file in mixed states, as a county's year leaves them: most picked up,
/// about a fifth waiting on a clerk (submitted, under review, waiting for a correction,
/// approved), the rest ready, rejected, withdrawn or expired. Each is of an active service of
/// the catalogue, at one of its offices, by one of `applicants`, filed over the last 60 days;
/// the waiting ones are due from 5 days ago to 15 days on. Written in transactions of 5,000
/// rows, statements of 500, without events.
pub async fn seed_applications(
    app: &CounterApp,
    jurisdiction_id: &str,
    applicants: &[String],
    n: usize,
) -> Result<StateCounts> {
    // Per mille.
    const MIX: [(State, u64); 9] = [
        (State::Submitted, 100),
        (State::UnderReview, 60),
        (State::NeedsCorrection, 20),
        (State::Approved, 40),
        (State::ReadyForPickup, 30),
        (State::PickedUp, 600),
        (State::Rejected, 50),
        (State::Withdrawn, 50),
        (State::Expired, 50),
    ];
    let catalogue = app.catalogue(jurisdiction_id).await?;
    let services: Vec<_> = catalogue
        .services
        .iter()
        .filter(|s| s.active && !s.offices.is_empty())
        .cloned()
        .collect();
    if services.is_empty() || applicants.is_empty() {
        return Err(ServiceError::Internal("nothing to seed with".into()));
    }
    let now = app.now();
    let day = app.calendar(jurisdiction_id).await?.local_date(now);
    let mut rng = Rng(0x2545_F491_4F6C_DD1D);
    let mut counts = StateCounts::new();
    let db = &app.platform.db;
    let mut done = 0;
    while done < n {
        let batch = (n - done).min(5_000);
        let mut apps = Vec::with_capacity(batch);
        for i in done..done + batch {
            let service = &services[usize::try_from(rng.below(services.len() as u64)).unwrap_or(0)];
            let office = &service.offices
                [usize::try_from(rng.below(service.offices.len() as u64)).unwrap_or(0)];
            let mut roll = rng.below(1_000);
            let state = MIX
                .iter()
                .find(|(_, w)| {
                    if roll < *w {
                        true
                    } else {
                        roll -= w;
                        false
                    }
                })
                .map_or(State::PickedUp, |(s, _)| *s);
            let pickup = [Pickup::Counter, Pickup::Locker, Pickup::Post]
                .into_iter()
                .find(|p| service.offers(*p))
                .unwrap_or(Pickup::Counter);
            let filed = now - i64::try_from(rng.below(60 * 86_400)).unwrap_or(0);
            let form_version = catalogue.form(&service.form).map_or(1, |(_, v)| *v);
            let mobile = format!("09{:08}", 10_000_000 + i % 80_000_000);
            let mut a = bare(
                jurisdiction_id,
                application::number("BQ", day, u32::try_from(i + 1).unwrap_or(u32::MAX)),
                service,
                form_version,
                office,
                &applicants[i % applicants.len()],
                &mobile,
                state,
                pickup,
                filed,
            );
            a.due_at = Some(if State::QUEUE.contains(&state) {
                now - 5 * 86_400 + i64::try_from(rng.below(20 * 86_400)).unwrap_or(0)
            } else {
                filed + 7 * 86_400
            });
            if !matches!(
                state,
                State::Submitted | State::UnderReview | State::NeedsCorrection | State::Withdrawn
            ) {
                a.decided_at = Some(filed + 86_400);
            }
            match state {
                State::NeedsCorrection => a.correction = Some("請補附身分證影本".into()),
                State::Rejected => a.reason = Some("資格不符".into()),
                State::ReadyForPickup | State::PickedUp | State::Expired => {
                    a.issued_at = Some(filed + 2 * 86_400);
                    a.place = Some(if state == State::Expired {
                        "returned".into()
                    } else {
                        "counter".into()
                    });
                    a.paid_at = (a.fee > 0).then_some(filed + 2 * 86_400);
                }
                _ => {}
            }
            if state == State::PickedUp {
                a.picked_up_by = Some("applicant".into());
                a.picked_up_how = Some("counter".into());
                a.picked_up_where = Some(office.clone());
                a.picked_up_at = Some(filed + 3 * 86_400);
            }
            *counts.entry(state.as_str()).or_default() += 1;
            apps.push(a);
        }
        let mut tx = db.begin().await?;
        store::applications::insert_many(&mut tx, &apps).await?;
        tx.commit().await?;
        done += batch;
    }
    Ok(counts)
}

/// Sets an office's booking capacity (its other booking rules kept), as an administrator's
/// edit would, and drops the cached catalogue.
pub async fn set_booking_capacity(
    app: &CounterApp,
    jurisdiction_id: &str,
    office: &str,
    capacity: u32,
) -> Result<Rules> {
    // The first read installs the shipped catalogue.
    app.catalogue(jurisdiction_id).await?;
    let db = &app.platform.db;
    let (o, rules) = store::catalogue::offices(db, jurisdiction_id)
        .await?
        .into_iter()
        .find(|(o, _)| o.code == office)
        .ok_or_else(|| ServiceError::invalid(Message::new("counter-error-office")))?;
    let rules = Rules { capacity, ..rules };
    rules.check().map_err(ServiceError::invalid)?;
    store::catalogue::upsert_office(db, jurisdiction_id, &o, rules).await?;
    app.catalogue_changed();
    Ok(rules)
}

/// The booked places of a slot, as its row holds them (0 when nobody booked it).
pub async fn booked(
    db: &Db,
    jurisdiction_id: &str,
    office: &str,
    purpose: &str,
    starts_at: i64,
) -> std::result::Result<i64, StoreError> {
    Ok(store::bookings::booked_between(
        db,
        jurisdiction_id,
        office,
        purpose,
        starts_at,
        starts_at + 1,
    )
    .await?
    .first()
    .map_or(0, |(_, n)| *n))
}

/// How many bookings of a slot are stored in `state`.
pub async fn bookings_in(
    db: &Db,
    jurisdiction_id: &str,
    office: &str,
    starts_at: i64,
    state: &str,
) -> std::result::Result<usize, StoreError> {
    let stmt = Query::select()
        .column("id")
        .from("counter_bookings")
        .and_where(Expr::col("jurisdiction_id").eq(jurisdiction_id))
        .and_where(Expr::col("office_code").eq(office))
        .and_where(Expr::col("starts_at").eq(starts_at))
        .and_where(Expr::col("state").eq(state))
        .to_owned();
    Ok(db.fetch_all(&stmt).await?.len())
}
