//! Reservations (預約): the slots of an office and purpose on a day with their free places;
//! booking by a citizen on the web or by a clerk for a phone caller (the seed's phone line);
//! cancelling before the cut-off; a queue number (取號) on arrival; a reminder the day before;
//! a booking whose slot ends without an arrival recorded as a no-show. The last place of a
//! slot goes to exactly one of two people booking it at once (`store::bookings::take_place`).

use super::{CounterApp, Result, new_id};
use crate::domain::reservations::{self, BookingState, Channel, Purpose, Rules};
use crate::module::REVIEW_APPLICATIONS;
use crate::store;
use crate::store::bookings::Booking;
use domain::Message;
use platform::ServiceError;
use platform::authz::{Actor, Target};
use platform::notify::{self, Notification, Recipient};

/// A booking's reminder, the day before.
pub const BOOKING_REMIND: &str = "counter.booking_remind";
/// A booking's slot has ended: a no-show unless the person arrived.
pub const BOOKING_DUE: &str = "counter.booking_due";
/// The longest name on a phone booking.
pub const MAX_NAME: usize = 50;

/// A slot as a booking page shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SlotView {
    pub starts_at: i64,
    pub capacity: i64,
    pub booked: i64,
    /// Whether it may be booked now (inside the window, not full).
    pub open: bool,
}

/// What is asked to book.
#[derive(Debug, Clone, Default)]
pub struct BookingAsk {
    pub office: String,
    pub purpose: String,
    pub starts_at: i64,
    pub service: Option<String>,
    /// For a phone booking: the caller's name and mobile.
    pub name: String,
    pub mobile: String,
}

fn unknown() -> ServiceError {
    ServiceError::NotFound(Message::new("counter-error-booking-unknown"))
}

impl CounterApp {
    async fn rules_of(&self, j: &str, office: &str) -> Result<Rules> {
        self.catalogue(j)
            .await?
            .office(office)
            .map(|(_, r)| *r)
            .ok_or_else(|| ServiceError::invalid(Message::new("counter-error-office")))
    }

    /// The slots of an office and purpose on a local date, with their free places.
    pub async fn slots(
        &self,
        j: &str,
        office: &str,
        purpose: Purpose,
        date: time::Date,
    ) -> Result<Vec<SlotView>> {
        let rules = self.rules_of(j, office).await?;
        let calendar = self.calendar(j).await?;
        let starts = reservations::slots_on(&calendar, rules, date);
        let (Some(first), Some(last)) = (starts.first(), starts.last()) else {
            return Ok(Vec::new());
        };
        let booked = store::bookings::booked_between(
            &self.platform.db,
            j,
            office,
            purpose.as_str(),
            *first,
            last + 1,
        )
        .await?;
        let now = self.now();
        Ok(starts
            .into_iter()
            .map(|s| {
                let taken = booked
                    .iter()
                    .find(|(at, _)| *at == s)
                    .map_or(0, |(_, n)| *n);
                let capacity = i64::from(rules.capacity);
                SlotView {
                    starts_at: s,
                    capacity,
                    booked: taken,
                    open: taken < capacity
                        && reservations::may_book(&calendar, rules, s, now).is_ok(),
                }
            })
            .collect())
    }

    /// Books a place: a citizen for themself on the web, or a clerk for a caller on the phone
    /// (name and mobile required). Refused past the window or the capacity (409, the slot is
    /// full), and twice for one person in one slot.
    pub async fn book(&self, actor: &Actor, ask: BookingAsk) -> Result<Booking> {
        let j = actor.jurisdiction_id.clone();
        let purpose = Purpose::parse(&ask.purpose)
            .ok_or_else(|| ServiceError::invalid(Message::new("counter-error-purpose")))?;
        let (channel, account_id, name, mobile) = if actor.is_citizen() {
            let me = actor.account()?;
            let account = self.identity.account_in(&j, me).await?;
            (
                Channel::Web,
                Some(me.to_string()),
                account.display_name,
                account.mobile,
            )
        } else {
            actor.require(REVIEW_APPLICATIONS, Target::Jurisdiction)?;
            let name = ask.name.trim().to_string();
            let mut problems = Vec::new();
            if name.is_empty()
                || name.chars().count() > MAX_NAME
                || name.chars().any(char::is_control)
            {
                problems.push(Message::new("counter-error-booking-name"));
            }
            let mobile = domain::identity::Mobile::parse(&ask.mobile).map(|m| m.e164().to_string());
            if mobile.is_err() {
                problems.push(Message::new("counter-error-booking-mobile"));
            }
            if !problems.is_empty() {
                return Err(ServiceError::Invalid(problems));
            }
            (Channel::Phone, None, name, mobile.ok())
        };
        let rules = self.rules_of(&j, &ask.office).await?;
        let calendar = self.calendar(&j).await?;
        let now = self.now();
        reservations::may_book(&calendar, rules, ask.starts_at, now)
            .map_err(ServiceError::invalid)?;
        let booking = Booking {
            id: new_id(),
            jurisdiction_id: j.clone(),
            office_code: ask.office.clone(),
            purpose: purpose.as_str().into(),
            service_code: ask.service.clone().filter(|s| !s.is_empty()),
            application_id: None,
            starts_at: ask.starts_at,
            state: BookingState::Booked.as_str().into(),
            account_id,
            name,
            mobile,
            channel: channel.as_str().into(),
            created_by: actor.label.clone(),
            queue_number: None,
            arrived_at: None,
            reminded_at: None,
            created_at: now,
        };
        let mut tx = self.platform.db.begin().await?;
        if let Some(me) = &booking.account_id {
            let mine = store::bookings::of_account(&mut tx, me, ask.starts_at).await?;
            if mine.iter().any(|b| {
                b.starts_at == ask.starts_at
                    && b.office_code == ask.office
                    && b.state == BookingState::Booked.as_str()
            }) {
                return Err(ServiceError::Conflict(Message::new(
                    "counter-error-booked-already",
                )));
            }
        }
        if !store::bookings::take_place(
            &mut tx,
            &j,
            &ask.office,
            purpose.as_str(),
            ask.starts_at,
            i64::from(rules.capacity),
        )
        .await?
        {
            return Err(ServiceError::Conflict(Message::new(
                "counter-error-slot-full",
            )));
        }
        store::bookings::insert(&mut tx, &booking).await?;
        let remind_at = ask.starts_at - 86_400;
        if remind_at > now {
            platform::jobs::enqueue(
                &mut tx,
                BOOKING_REMIND,
                "",
                Some(&booking.id),
                Some(&j),
                remind_at,
                now,
            )
            .await?;
        }
        let ends = ask.starts_at + i64::from(rules.slot_minutes) * 60;
        platform::jobs::enqueue(
            &mut tx,
            BOOKING_DUE,
            "",
            Some(&booking.id),
            Some(&j),
            ends,
            now,
        )
        .await?;
        self.tell_booking_in(&mut tx, &booking, now).await?;
        tx.commit().await?;
        Ok(booking)
    }

    async fn tell_booking_in(&self, tx: &mut ::store::Tx, b: &Booking, now: i64) -> Result<()> {
        let catalogue = self.catalogue(&b.jurisdiction_id).await?;
        let office = catalogue
            .office(&b.office_code)
            .map(|(o, _)| o.name.zh.clone())
            .unwrap_or_default();
        let purpose = if b.purpose == "apply" {
            "臨櫃申請"
        } else {
            "櫃台領件"
        };
        let vars = serde_json::json!({
            "office": office,
            "slot": self.local_time(&b.jurisdiction_id, b.starts_at).await?,
            "purpose": purpose,
        });
        let recipient = match (&b.account_id, &b.mobile) {
            (Some(a), _) => Recipient::Account(a.clone()),
            (None, Some(m)) => Recipient::Sms(m.clone()),
            (None, None) => return Ok(()),
        };
        notify::enqueue(
            tx,
            &Notification {
                jurisdiction_id: b.jurisdiction_id.clone(),
                recipient,
                template: "counter_booking".into(),
                locale: domain::Locale::ZhTw,
                vars,
                urgent: false,
            },
            now,
        )
        .await
    }

    async fn booking_of(&self, actor: &Actor, id: &str) -> Result<Booking> {
        let b = store::bookings::find(&self.platform.db, id)
            .await?
            .filter(|b| b.jurisdiction_id == actor.jurisdiction_id)
            .ok_or_else(unknown)?;
        let mine = actor.is_citizen() && b.account_id.as_deref() == actor.account_id.as_deref();
        let clerk = actor.is_staff() && actor.may(REVIEW_APPLICATIONS, Target::Jurisdiction);
        if !(mine || clerk) {
            return Err(unknown());
        }
        Ok(b)
    }

    /// Cancels a booking before its cut-off (the person, or a clerk for a caller).
    pub async fn cancel_booking(&self, actor: &Actor, id: &str) -> Result<Booking> {
        let mut b = self.booking_of(actor, id).await?;
        let rules = self.rules_of(&b.jurisdiction_id, &b.office_code).await?;
        if actor.is_citizen() {
            reservations::may_cancel(rules, b.starts_at, self.now())
                .map_err(ServiceError::invalid)?;
        }
        let from = b.state.clone();
        if from != BookingState::Booked.as_str() {
            return Err(ServiceError::Conflict(Message::new(
                "counter-error-booking-over",
            )));
        }
        b.state = BookingState::Cancelled.as_str().into();
        let mut tx = self.platform.db.begin().await?;
        if !store::bookings::set_state(&mut tx, &b, &from).await? {
            return Err(ServiceError::Conflict(Message::new(
                "counter-error-booking-over",
            )));
        }
        store::bookings::give_back(
            &mut tx,
            &b.jurisdiction_id,
            &b.office_code,
            &b.purpose,
            b.starts_at,
        )
        .await?;
        tx.commit().await?;
        Ok(b)
    }

    /// A clerk checks a person in: they get the next queue number of the day for the purpose.
    pub async fn arrive(&self, actor: &Actor, id: &str) -> Result<Booking> {
        actor.require(REVIEW_APPLICATIONS, Target::Jurisdiction)?;
        let mut b = self.booking_of(actor, id).await?;
        let from = b.state.clone();
        if from != BookingState::Booked.as_str() {
            return Err(ServiceError::Conflict(Message::new(
                "counter-error-booking-over",
            )));
        }
        let now = self.now();
        let day = self
            .calendar(&b.jurisdiction_id)
            .await?
            .local_date(now)
            .to_string();
        let purpose = Purpose::parse(&b.purpose).unwrap_or(Purpose::Apply);
        let mut tx = self.platform.db.begin().await?;
        let n = store::sequences::next(
            &mut tx,
            &b.jurisdiction_id,
            &format!("queue:{}:{}", b.office_code, b.purpose),
            &day,
        )
        .await?;
        b.state = BookingState::Arrived.as_str().into();
        b.arrived_at = Some(now);
        b.queue_number = Some(reservations::queue_number(
            purpose,
            u32::try_from(n).unwrap_or(u32::MAX),
        ));
        if !store::bookings::set_state(&mut tx, &b, &from).await? {
            return Err(ServiceError::Conflict(Message::new(
                "counter-error-booking-over",
            )));
        }
        tx.commit().await?;
        Ok(b)
    }

    /// The signed-in citizen's coming bookings.
    pub async fn my_bookings(&self, actor: &Actor) -> Result<Vec<Booking>> {
        let me = actor.account()?;
        Ok(store::bookings::of_account(&self.platform.db, me, self.now() - 86_400).await?)
    }

    /// An office's bookings on a local date, for the clerk's day list.
    pub async fn day_bookings(
        &self,
        actor: &Actor,
        office: &str,
        date: time::Date,
    ) -> Result<Vec<Booking>> {
        actor.require(REVIEW_APPLICATIONS, Target::Jurisdiction)?;
        let calendar = self.calendar(&actor.jurisdiction_id).await?;
        let from = calendar.start_of(date);
        Ok(store::bookings::of_office(
            &self.platform.db,
            &actor.jurisdiction_id,
            office,
            from,
            from + 86_400,
        )
        .await?)
    }

    /// A booking's reminder (once, if still booked).
    pub async fn remind_booking(&self, id: &str) -> Result<bool> {
        let Some(mut b) = store::bookings::find(&self.platform.db, id).await? else {
            return Ok(false);
        };
        if b.state != BookingState::Booked.as_str() || b.reminded_at.is_some() {
            return Ok(false);
        }
        let now = self.now();
        b.reminded_at = Some(now);
        let mut tx = self.platform.db.begin().await?;
        if !store::bookings::set_state(&mut tx, &b, BookingState::Booked.as_str()).await? {
            return Ok(false);
        }
        self.tell_booking_in(&mut tx, &b, now).await?;
        tx.commit().await?;
        Ok(true)
    }

    /// A booking's slot has ended: a no-show unless the person arrived or cancelled.
    pub async fn booking_due(&self, id: &str) -> Result<bool> {
        let Some(mut b) = store::bookings::find(&self.platform.db, id).await? else {
            return Ok(false);
        };
        let rules = self.rules_of(&b.jurisdiction_id, &b.office_code).await?;
        if b.state != BookingState::Booked.as_str()
            || !reservations::is_no_show(rules, b.starts_at, self.now())
        {
            return Ok(false);
        }
        b.state = BookingState::NoShow.as_str().into();
        let mut tx = self.platform.db.begin().await?;
        let moved = store::bookings::set_state(&mut tx, &b, BookingState::Booked.as_str()).await?;
        tx.commit().await?;
        Ok(moved)
    }
}
