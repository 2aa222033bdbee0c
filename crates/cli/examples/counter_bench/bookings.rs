//! One slot of capacity 10 booked by `CITIZENS` at once.

use crate::common::*;

/// 1,000 (`CITIZENS`) book one slot of capacity 10 at once: through the booking page, then
/// through the app API for the next slot.
pub(crate) async fn bookings(modules: &web::Modules, base: &str, citizens: &[(String, Browser)]) {
    let counter = &modules.counter;
    let capacity = 10;
    counter::testkit::set_booking_capacity(counter, TAIPEI, OFFICE, capacity)
        .await
        .expect("capacity");
    let calendar = counter.calendar_of(TAIPEI).await.expect("calendar");
    let today = calendar.local_date(modules.platform.now());
    let day = calendar.next_working_day(today);
    let slots = counter
        .slots(TAIPEI, OFFICE, Purpose::Apply, day)
        .await
        .expect("slots");
    let open: Vec<i64> = slots
        .iter()
        .filter(|s| s.open && s.capacity == i64::from(capacity))
        .map(|s| s.starts_at)
        .collect();
    assert!(open.len() >= 2, "two open slots on {day}: {slots:?}");
    let n = citizens.len();
    println!("bookings: {n} at once for one slot of capacity {capacity} ({OFFICE}, apply, {day})");

    // Through the page, as signed-in browsers.
    let slot = open[0];
    let http = client();
    let started = Instant::now();
    let mut tasks = Vec::with_capacity(n);
    for (_, b) in citizens {
        let (http, b, url) = (http.clone(), b.clone(), format!("{base}/services/bookings"));
        tasks.push(tokio::spawn(async move {
            let t = Instant::now();
            let r = http
                .post(url)
                .header(
                    "cookie",
                    format!("{}={}", web::api::SESSION_COOKIE, b.cookie),
                )
                .header("accept-language", "en")
                .form(&[
                    ("_csrf", b.csrf.as_str()),
                    ("office", OFFICE),
                    ("purpose", "apply"),
                    ("slot", &slot.to_string()),
                ])
                .send()
                .await;
            match r {
                Ok(r) => {
                    let status = r.status().as_u16();
                    let body = r.text().await.unwrap_or_default();
                    (status, body.contains("That time is full"), t.elapsed())
                }
                Err(_) => (0, false, t.elapsed()),
            }
        }));
    }
    let mut by_status: BTreeMap<u16, usize> = BTreeMap::new();
    let (mut full, mut lat) = (0, Lat::default());
    for t in tasks {
        let (status, said_full, d) = t.await.expect("task");
        *by_status.entry(status).or_default() += 1;
        full += usize::from(status == 400 && said_full);
        lat.add(d);
    }
    let wall = started.elapsed().as_secs_f64();
    let booked = counter::testkit::booked(&modules.platform.db, TAIPEI, OFFICE, "apply", slot)
        .await
        .expect("slot");
    let rows = counter::testkit::bookings_in(&modules.platform.db, TAIPEI, OFFICE, slot, "booked")
        .await
        .expect("rows");
    let ok = by_status.get(&303).copied().unwrap_or(0);
    let errors: usize = by_status
        .iter()
        .filter(|(s, _)| **s >= 500 || **s == 0)
        .map(|(_, n)| n)
        .sum();
    println!(
        "  page POST /services/bookings: {ok} booked (303), {full} refused as full (400), {errors} 5xx or failed; answers {by_status:?}; wall {wall:.2} s; {}",
        lat.summary()
    );
    println!(
        "    stored: the slot says {booked} booked, {rows} booking rows; exactly {capacity}: {}",
        if ok == capacity as usize
            && booked == i64::from(capacity)
            && rows == capacity as usize
            && errors == 0
        {
            "yes"
        } else {
            "NO"
        }
    );

    // Through the app API.
    let slot = open[1];
    let started = Instant::now();
    let mut tasks = Vec::with_capacity(n);
    for (id, _) in citizens {
        let (c, actor) = (counter.clone(), citizen_actor(id));
        tasks.push(tokio::spawn(async move {
            let t = Instant::now();
            let r = c
                .book(
                    &actor,
                    BookingAsk {
                        office: OFFICE.into(),
                        purpose: "apply".into(),
                        starts_at: slot,
                        ..BookingAsk::default()
                    },
                )
                .await;
            (r.map(|_| ()).map_err(|e| e.status()), t.elapsed())
        }));
    }
    let (mut ok, mut by_error, mut lat) = (0, BTreeMap::<u16, usize>::new(), Lat::default());
    for t in tasks {
        let (r, d) = t.await.expect("task");
        match r {
            Ok(()) => ok += 1,
            Err(s) => *by_error.entry(s).or_default() += 1,
        }
        lat.add(d);
    }
    let wall = started.elapsed().as_secs_f64();
    let booked = counter::testkit::booked(&modules.platform.db, TAIPEI, OFFICE, "apply", slot)
        .await
        .expect("slot");
    let errors: usize = by_error
        .iter()
        .filter(|(s, _)| **s >= 500)
        .map(|(_, n)| n)
        .sum();
    println!(
        "  app CounterApp::book: {ok} booked, {} refused as full (409), {errors} 5xx; refusals by status {by_error:?}; wall {wall:.2} s; {}; the slot says {booked} booked",
        by_error.get(&409).copied().unwrap_or(0),
        lat.summary()
    );
}
