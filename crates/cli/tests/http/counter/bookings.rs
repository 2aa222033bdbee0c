//! Reservations: a citizen books and cancels; a clerk books for a phone caller and checks
//! people in with queue numbers; the last place of a slot goes to exactly one of two people
//! booking it at once; a booking whose slot ends without an arrival is a no-show.

use super::*;
use domain::clock::FixedClock;
use std::sync::Arc;

/// The open slots a booking page offers (radio values not disabled).
fn open_slots(html: &str) -> Vec<String> {
    regex::Regex::new(r#"name="slot" value="(\d+)">"#)
        .unwrap()
        .captures_iter(html)
        .map(|c| c[1].to_string())
        .collect()
}

#[tokio::test]
async fn a_clerk_books_for_callers_and_two_people_for_the_last_place_get_it_once() {
    let d = desk().await;
    let (app, me, clerk) = (&d.app, &d.citizen, &d.clerk);
    let day = get(
        app,
        clerk,
        &format!("/staff/counter/bookings?office={OFFICE}&purpose=apply"),
    )
    .await;
    assert_eq!(day.status, 200, "{}", day.body);
    let slot = open_slots(&day.body)
        .first()
        .cloned()
        .expect("an open slot");
    // A caller with a wrong mobile: named, nothing booked.
    let bad = post(
        app,
        clerk,
        "/staff/counter/bookings",
        &[
            ("office", OFFICE),
            ("purpose", "apply"),
            ("slot", &slot),
            ("name", "林阿嬤"),
            ("mobile", "12345"),
        ],
    )
    .await;
    assert_eq!(bad.status, 400, "{}", bad.body);
    assert!(bad.body.contains("href=\"#f-mobile\""), "{}", bad.body);
    // Three of the four places go to callers.
    for (name, mobile) in [
        ("林阿嬤", "0911111111"),
        ("張先生", "0922222222"),
        ("王小姐", "0933333333"),
    ] {
        let booked = post(
            app,
            clerk,
            "/staff/counter/bookings",
            &[
                ("office", OFFICE),
                ("purpose", "apply"),
                ("slot", &slot),
                ("name", name),
                ("mobile", mobile),
            ],
        )
        .await;
        assert_eq!(booked.status, 303, "{}", booked.body);
    }
    // Two citizens at once for the last place.
    app.citizen("second@example.tw", PASSWORD).await;
    let other = app.sign_in("second@example.tw", PASSWORD).await;
    let form = [
        ("office", OFFICE),
        ("purpose", "apply"),
        ("slot", slot.as_str()),
    ];
    let (a, b) = tokio::join!(
        post(app, me, "/services/bookings", &form),
        post(app, &other, "/services/bookings", &form)
    );
    let mut statuses = [a.status, b.status];
    statuses.sort_unstable();
    assert_eq!(statuses, [303, 400], "{} / {}", a.body, b.body);
    let loser = if a.status == 400 { &a } else { &b };
    assert!(loser.body.contains("That time is full"), "{}", loser.body);
    // The slot now shows no place left, and is not offered.
    let after = get(
        app,
        clerk,
        &format!("/staff/counter/bookings?office={OFFICE}&purpose=apply"),
    )
    .await;
    assert!(
        !open_slots(&after.body).contains(&slot),
        "a full slot is not offered"
    );

    // Check-ins take queue numbers in order.
    let rows = regex::Regex::new(r#"/staff/counter/bookings/([0-9a-f-]{36})/arrive"#)
        .unwrap()
        .captures_iter(&after.body)
        .map(|c| c[1].to_string())
        .collect::<Vec<_>>();
    assert_eq!(rows.len(), 4, "{}", after.body);
    let first = post(
        app,
        clerk,
        &format!("/staff/counter/bookings/{}/arrive", rows[0]),
        &[],
    )
    .await;
    assert_eq!(first.status, 303);
    assert!(
        first
            .location
            .as_deref()
            .unwrap_or_default()
            .contains("queue=A-001"),
        "{:?}",
        first.location
    );
    let second = post(
        app,
        clerk,
        &format!("/staff/counter/bookings/{}/arrive", rows[1]),
        &[],
    )
    .await;
    assert!(
        second
            .location
            .as_deref()
            .unwrap_or_default()
            .contains("queue=A-002"),
        "{:?}",
        second.location
    );
    // Twice: refused.
    let again = post(
        app,
        clerk,
        &format!("/staff/counter/bookings/{}/arrive", rows[0]),
        &[],
    )
    .await;
    assert_eq!(again.status, 409, "{}", again.body);
}

#[tokio::test]
async fn a_citizen_books_cancels_and_a_missed_booking_is_a_no_show() {
    let clock = Arc::new(FixedClock::at(1_796_608_800));
    let app = TestApp::start_with_clock(|_| {}, Some(clock.clone())).await;
    app.citizen(CITIZEN, PASSWORD).await;
    let me = app.sign_in(CITIZEN, PASSWORD).await;
    let page = get(
        &app,
        &me,
        &format!("/services/bookings?office={OFFICE}&purpose=pickup"),
    )
    .await;
    assert_eq!(page.status, 200, "{}", page.body);
    let slots = open_slots(&page.body);
    let (first, second) = (slots[0].clone(), slots[1].clone());
    let form = |s: &str| {
        vec![
            ("office", OFFICE.to_string()),
            ("purpose", "pickup".to_string()),
            ("slot", s.to_string()),
        ]
    };
    let f1 = form(&first);
    let f1: Vec<(&str, &str)> = f1.iter().map(|(k, v)| (*k, v.as_str())).collect();
    assert_eq!(post(&app, &me, "/services/bookings", &f1).await.status, 303);
    // The same time twice: refused, named on the form.
    let twice = post(&app, &me, "/services/bookings", &f1).await;
    assert_eq!(twice.status, 400, "{}", twice.body);
    assert!(
        twice.body.contains("You have already booked this time"),
        "{}",
        twice.body
    );
    let f2 = form(&second);
    let f2: Vec<(&str, &str)> = f2.iter().map(|(k, v)| (*k, v.as_str())).collect();
    assert_eq!(post(&app, &me, "/services/bookings", &f2).await.status, 303);
    // The first is cancelled in time.
    let mine = get(&app, &me, "/services/bookings").await;
    let ids = regex::Regex::new(r#"/services/bookings/([0-9a-f-]{36})/cancel"#)
        .unwrap()
        .captures_iter(&mine.body)
        .map(|c| c[1].to_string())
        .collect::<Vec<_>>();
    assert_eq!(ids.len(), 2, "{}", mine.body);
    assert_eq!(
        post(
            &app,
            &me,
            &format!("/services/bookings/{}/cancel", ids[0]),
            &[]
        )
        .await
        .status,
        303
    );
    // The other passes without an arrival: a no-show once its slot has ended.
    let second_at: i64 = second.parse().expect("instant");
    clock.set(second_at + 3_600);
    app.modules().run_due_jobs().await.expect("jobs");
    let list = app
        .modules()
        .counter
        .my_bookings(&platform::authz::Actor {
            account_id: identity::testkit::account_id(&app.platform.db, TAIPEI, CITIZEN)
                .await
                .expect("id"),
            jurisdiction_id: TAIPEI.into(),
            kind: platform::authz::ActorKind::Citizen,
            label: "citizen".into(),
            grants: Vec::new(),
            permissions: platform::authz::Permissions::NONE,
            request_id: None,
        })
        .await
        .expect("bookings");
    let states: Vec<&str> = list.iter().map(|b| b.state.as_str()).collect();
    assert!(
        states.contains(&"cancelled") && states.contains(&"no_show"),
        "{states:?}"
    );
}
