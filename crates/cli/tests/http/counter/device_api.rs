//! The device API's refusals and repairs: unsigned, forged, replayed and skewed requests;
//! wrong codes up to the lock and a new code; a pickup let through offline and proved by its
//! code; a door sensed with something that should not be there; a door still waiting for its
//! holder, and a retired device.

use super::smart_desk::{Kiosk, kiosk, last_message, ready_in_locker, system};
use super::*;
use serde_json::{Value, json};

#[tokio::test]
async fn unsigned_forged_replayed_and_skewed_requests_are_refused() {
    let d = desk().await;
    let app = &d.app;
    let k = kiosk(app).await;
    let body = json!({ "mobile": "0912345678", "code": "123456" }).to_string();
    // Unsigned.
    let r = pages()
        .post(format!("{}/device/v1/verify", app.base))
        .body(body.clone())
        .send()
        .await
        .expect("send");
    assert_eq!(r.status().as_u16(), 401);
    assert_eq!(r.json::<Value>().await.expect("json")["error"], "unsigned");
    // Forged: signed with another secret.
    let forged = Kiosk {
        device: k.device.clone(),
        secret: "not the secret".into(),
    };
    let (status, answer) = forged.send(app, "POST", "/device/v1/verify", &body).await;
    assert_eq!(
        (status, answer["error"].as_str()),
        (401, Some("bad_signature"))
    );
    // Replayed: the same nonce twice.
    let now = app.platform.now();
    let nonce = "0123456789abcdef0123";
    let (first, _) = k
        .send_at(app, "POST", "/device/v1/verify", &body, now, nonce)
        .await;
    assert_eq!(first, 200);
    let (second, answer) = k
        .send_at(app, "POST", "/device/v1/verify", &body, now, nonce)
        .await;
    assert_eq!((second, answer["error"].as_str()), (401, Some("replayed")));
    // A clock three hours off: refused with the server's time, which the device then uses.
    let (status, answer) = k
        .send_at(
            app,
            "POST",
            "/device/v1/verify",
            &body,
            now - 3 * 3600,
            "skewed-nonce-000001",
        )
        .await;
    assert_eq!(
        (status, answer["error"].as_str()),
        (401, Some("clock_skew"))
    );
    let server_time = answer["server_time"].as_i64().expect("server time");
    let (status, _) = k
        .send_at(
            app,
            "POST",
            "/device/v1/verify",
            &body,
            server_time,
            "skewed-nonce-000002",
        )
        .await;
    assert_eq!(status, 200);
    // An unknown device.
    let stranger = Kiosk {
        device: "no-such-device".into(),
        secret: k.secret.clone(),
    };
    let (status, answer) = stranger.send(app, "GET", "/device/v1/list", "").await;
    assert_eq!(
        (status, answer["error"].as_str()),
        (401, Some("unknown_device"))
    );
}

#[tokio::test]
async fn wrong_codes_lock_the_grant_and_the_applicant_unlocks_it_with_a_new_code() {
    let d = desk().await;
    let app = &d.app;
    let (id, code) = ready_in_locker(&d).await;
    let k = kiosk(app).await;
    let wrong = if code == "000000" { "111111" } else { "000000" };
    let first = k.verify(app, "0912345678", wrong).await;
    assert_eq!(first["result"], "wrong", "{first}");
    // The same answer as for a mobile with nothing waiting: a passer-by learns nothing.
    assert!(first.get("attempts_left").is_none(), "{first}");
    let nothing = k.verify(app, "0911222333", wrong).await;
    assert_eq!(nothing["result"], first["result"], "{nothing}");
    for _ in 0..3 {
        k.verify(app, "0912345678", wrong).await;
    }
    let fifth = k.verify(app, "0912345678", wrong).await;
    // The fifth locks the grant, but the kiosk answers as for any wrong code.
    assert_eq!(fifth["result"], "wrong", "{fifth}");
    // Locked: even the right code is refused, and the applicant is told.
    let right = k.verify(app, "0912345678", &code).await;
    assert_eq!(right["result"], "locked", "{right}");
    let told = last_message(app, "counter_locked").await;
    assert_eq!(told["application_number"], stored(app, &id).await.number);
    // A new code unlocks it; the page shows it once, with its QR.
    let page = post(
        app,
        &d.citizen,
        &format!("/services/applications/{id}/code"),
        &[],
    )
    .await;
    assert_eq!(page.status, 200, "{}", page.body);
    let new_code = regex::Regex::new(r"data-pickup-code>(\d{6})<")
        .unwrap()
        .captures(&page.body)
        .expect("the code shown")[1]
        .to_string();
    assert!(page.body.contains("<svg"), "a QR: {}", page.body);
    let opened = k.verify(app, "0912345678", &new_code).await;
    assert_eq!(opened["result"], "open", "{opened}");
}

/// Kiosks asking at the same moment (on SQLite their verifications are written together in
/// one transaction): every wrong code is counted on the grant and on its door, a nonce sent
/// twice in the same burst is taken once, and the right code then opens the door.
#[tokio::test]
async fn kiosks_asking_at_once_are_each_counted_and_a_nonce_is_taken_once() {
    let d = desk().await;
    let app = &d.app;
    let (id, code) = ready_in_locker(&d).await;
    let mut kiosks = Vec::new();
    for _ in 0..4 {
        kiosks.push(kiosk(app).await);
    }
    let wrong = if code == "000000" { "111111" } else { "000000" };
    let guess = json!({ "mobile": "0912345678", "code": wrong }).to_string();
    let stranger = json!({ "mobile": "0911222333", "code": wrong }).to_string();
    let now = app.platform.now();
    let nonce = "burst-nonce-0000000001";
    let verify = "/device/v1/verify";
    let (g0, g1, g2, g3, t0, t1) = tokio::join!(
        kiosks[0].send(app, "POST", verify, &guess),
        kiosks[1].send(app, "POST", verify, &guess),
        kiosks[2].send(app, "POST", verify, &guess),
        kiosks[3].send(app, "POST", verify, &guess),
        kiosks[0].send_at(app, "POST", verify, &stranger, now, nonce),
        kiosks[0].send_at(app, "POST", verify, &stranger, now, nonce),
    );
    for (status, answer) in [g0, g1, g2, g3] {
        assert_eq!((status, answer["result"].as_str()), (200, Some("wrong")));
    }
    let mut statuses = [t0.0, t1.0];
    statuses.sort_unstable();
    assert_eq!(statuses, [200, 401], "one taken, one replayed");
    let grants = counter::testkit::grants_of(&app.platform.db, &id)
        .await
        .expect("grants");
    let live: Vec<_> = grants.iter().filter(|g| !g.used).collect();
    assert_eq!(live.len(), 1, "{grants:?}");
    assert_eq!((live[0].wrong, live[0].door_wrong), (4, Some(4)));
    assert!(!live[0].locked);
    let opened = kiosks[3].verify(app, "0912345678", &code).await;
    assert_eq!(opened["result"], "open", "{opened}");
    assert_eq!(
        stored(app, &id).await.state,
        counter::domain::application::State::PickedUp
    );
}

/// Two codes of one mobile typed at two kiosks at once (on SQLite they share the mobile's
/// grants, so one waits for the other's round in the same batch): both doors open, both
/// applications are picked up and each applicant's message is queued.
#[tokio::test]
async fn two_codes_of_one_mobile_at_two_kiosks_at_once_both_open_and_both_are_told() {
    let d = desk().await;
    let app = &d.app;
    let (first, first_code) = ready_in_locker(&d).await;
    let (second, second_code) = ready_in_locker(&d).await;
    let (k1, k2) = (kiosk(app).await, kiosk(app).await);
    let (a, b) = tokio::join!(
        k1.verify(app, "0912345678", &first_code),
        k2.verify(app, "0912345678", &second_code)
    );
    assert_eq!(
        (a["result"].as_str(), b["result"].as_str()),
        (Some("open"), Some("open")),
        "{a} {b}"
    );
    assert_ne!(a["door_id"], b["door_id"]);
    for id in [&first, &second] {
        assert_eq!(
            stored(app, id).await.state,
            counter::domain::application::State::PickedUp
        );
    }
    let told = app
        .platform
        .notifications(&system(), None, 200)
        .await
        .expect("notifications")
        .iter()
        .filter(|m| m.template == "counter_picked_up")
        .count();
    assert_eq!(told, 2);
}

#[tokio::test]
async fn a_pickup_let_through_offline_is_recorded_when_the_device_uploads_it() {
    let d = desk().await;
    let app = &d.app;
    let (id, code) = ready_in_locker(&d).await;
    let k = kiosk(app).await;
    let (status, list) = k.send(app, "GET", "/device/v1/list", "").await;
    assert_eq!(status, 200, "{list}");
    let grant = list["grants"][0]["grant"]
        .as_str()
        .expect("a grant")
        .to_string();
    assert_eq!(list["grants"][0]["door"], "A-01");
    assert!(list["valid_until"].as_i64() > list["generated_at"].as_i64());
    // Without the code (a device claiming a pickup it cannot prove): refused.
    let wrong = if code == "000000" { "111111" } else { "000000" };
    let unproved = json!({ "events": [
        { "seq": 6, "kind": "offline_pickup", "grant": grant, "door": "A-01", "code": wrong, "at": app.platform.now() - 600 },
    ]})
    .to_string();
    let (status, body) = k.send(app, "POST", "/device/v1/events", &unproved).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body["events"][0]["outcome"], "refused: no proof of the code",
        "{body}"
    );
    assert_eq!(stored(app, &id).await.state.as_str(), "ready_for_pickup");
    // With the code the holder typed: recorded at the device's time.
    let upload = json!({ "events": [
        { "seq": 7, "kind": "offline_pickup", "grant": grant, "door": "A-01", "code": code, "at": app.platform.now() - 600 },
    ]})
    .to_string();
    let (status, body) = k.send(app, "POST", "/device/v1/events", &upload).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body["events"][0]["outcome"], "applied: picked up offline",
        "{body}"
    );
    let a = stored(app, &id).await;
    assert_eq!(a.state.as_str(), "picked_up");
    assert_eq!(a.picked_up_at, Some(app.platform.now() - 600));
}

#[tokio::test]
async fn reconciliation_takes_a_door_out_of_use_when_the_device_senses_what_should_not_be_there() {
    let d = desk().await;
    let app = &d.app;
    let k = kiosk(app).await;
    // Something inside a free door: recorded at once, repaired by the job the upload queued.
    let upload = json!({ "events": [
        { "seq": 1, "kind": "door_closed", "door": "B-01", "occupied": true, "at": app.platform.now() },
    ]})
    .to_string();
    let (status, body) = k.send(app, "POST", "/device/v1/events", &upload).await;
    assert_eq!(status, 200, "{body}");
    assert!(
        body["events"][0]["outcome"]
            .as_str()
            .unwrap_or_default()
            .starts_with("recorded"),
        "{body}"
    );
    app.modules().run_due_jobs().await.expect("jobs");
    let sites = app
        .modules()
        .counter
        .smart_desks(&system())
        .await
        .expect("sites");
    let door = sites[0]
        .doors
        .iter()
        .find(|x| x.label() == "B-01")
        .expect("B-01");
    assert_eq!(door.state, "out_of_order");
    assert_eq!(door.sensed.as_deref(), Some("closed_occupied"));
    // Staff clear it out and mark it repaired from the Smart Desk page.
    let page = get(app, &d.clerk, "/staff/counter/smart-desk").await;
    assert!(page.body.contains("B-01"), "{}", page.body);
    let repaired = post(
        app,
        &d.clerk,
        &format!("/staff/counter/smart-desk/doors/{}", door.id),
        &[("action", "repair")],
    )
    .await;
    assert_eq!(repaired.status, 303, "{}", repaired.body);
}

#[tokio::test]
async fn a_door_still_waiting_for_its_holder_is_not_cleared_and_a_retired_device_is_refused() {
    let d = desk().await;
    let app = &d.app;
    let (id, code) = ready_in_locker(&d).await;
    let sites = app
        .modules()
        .counter
        .smart_desks(&system())
        .await
        .expect("sites");
    let door = sites[0]
        .doors
        .iter()
        .find(|x| x.label() == "A-01")
        .expect("A-01")
        .id
        .clone();
    // Cleared while its item still waits: refused (the application is moved to the counter
    // first, which ends its codes).
    let cleared = post(
        app,
        &d.clerk,
        &format!("/staff/counter/smart-desk/doors/{door}"),
        &[("action", "clear")],
    )
    .await;
    assert_eq!(cleared.status, 409, "{}", cleared.body);
    // A retired device is an unknown device, even with its secret.
    let k = kiosk(app).await;
    app.modules()
        .counter
        .retire_device(&system(), &k.device)
        .await
        .expect("retired");
    let (status, body) = k
        .send(
            app,
            "POST",
            "/device/v1/verify",
            &json!({ "mobile": "0912345678", "code": code }).to_string(),
        )
        .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (401, Some("unknown_device"))
    );
    assert_eq!(stored(app, &id).await.state.as_str(), "ready_for_pickup");
}
