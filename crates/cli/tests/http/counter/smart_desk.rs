//! The Smart Desk: a clerk issues to a locker door, the fee is taken at the counter (which
//! activates the code), the code goes out by SMS, a device opens the door with it, and the
//! pickup is recorded and told. And the device API's refusals: unsigned, forged, replayed, a
//! clock hours off, wrong codes up to the lock, a code used twice, a door reported open twice,
//! an upload repeated; an agent's own code and a revoked mandate; an item not collected moving
//! to the counter and then back to the issuing office.

use super::*;
use counter::domain::device::{canonical, sign};
use domain::clock::FixedClock;
use platform::authz::Actor;
use reqwest::Method;
use serde_json::{Value, json};
use std::sync::Arc;

/// A registered device, as its kiosk holds it.
pub(super) struct Kiosk {
    pub(super) device: String,
    pub(super) secret: String,
}

impl Kiosk {
    /// Sends a signed request at `ts` with `nonce`; status and JSON.
    pub(super) async fn send_at(
        &self,
        app: &TestApp,
        method: &str,
        path: &str,
        body: &str,
        ts: i64,
        nonce: &str,
    ) -> (u16, Value) {
        let sig = sign(
            self.secret.as_bytes(),
            &canonical(method, path, ts, nonce, body.as_bytes()),
        );
        let req = pages()
            .request(
                Method::from_bytes(method.as_bytes()).expect("method"),
                format!("{}{path}", app.base),
            )
            .header("x-civicdesk-device", &self.device)
            .header("x-civicdesk-timestamp", ts.to_string())
            .header("x-civicdesk-nonce", nonce)
            .header("x-civicdesk-signature", sig)
            .header("content-type", "application/json")
            .body(body.to_string());
        let r = req.send().await.expect("device request");
        let status = r.status().as_u16();
        (status, r.json().await.unwrap_or(Value::Null))
    }

    pub(super) async fn send(
        &self,
        app: &TestApp,
        method: &str,
        path: &str,
        body: &str,
    ) -> (u16, Value) {
        let nonce = uuid::Uuid::new_v4().simple().to_string();
        self.send_at(app, method, path, body, app.platform.now(), &nonce)
            .await
    }

    pub(super) async fn verify(&self, app: &TestApp, mobile: &str, code: &str) -> Value {
        let (status, body) = self
            .send(
                app,
                "POST",
                "/device/v1/verify",
                &json!({ "mobile": mobile, "code": code }).to_string(),
            )
            .await;
        assert_eq!(status, 200, "{body}");
        body
    }
}

pub(super) fn system() -> Actor {
    Actor::system(TAIPEI, "test")
}

/// Registers a device at the Smart Desk site.
pub(super) async fn kiosk(app: &TestApp) -> Kiosk {
    let m = app.modules().counter;
    let sites = m.smart_desks(&system()).await.expect("sites");
    let c = m
        .register_device(&system(), &sites[0].site.id, "Lobby kiosk")
        .await
        .expect("device");
    Kiosk {
        device: c.device_id,
        secret: c.secret,
    }
}

/// The variables of the last queued message of `template` (before delivery empties them).
pub(super) async fn last_message(app: &TestApp, template: &str) -> Value {
    let list = app
        .platform
        .notifications(&system(), None, 200)
        .await
        .expect("notifications");
    let m = list
        .iter()
        .find(|m| m.template == template)
        .unwrap_or_else(|| {
            panic!(
                "no {template} message: {:?}",
                list.iter().map(|m| &m.template).collect::<Vec<_>>()
            )
        });
    let row = store::outbox::get(&app.platform.db, &m.id)
        .await
        .expect("get")
        .expect("row");
    serde_json::from_str(&row.vars).expect("vars")
}

/// An application submitted, approved and issued to the first free door; the fee taken in
/// cash at the counter. Its id and the code sent by SMS.
pub(super) async fn ready_in_locker(d: &Desk) -> (String, String) {
    let (app, me, clerk) = (&d.app, &d.citizen, &d.clerk);
    let id = start(app, me, TRANSCRIPT, "locker").await;
    let sent = post_application(app, me, &id, "submit", &for_myself("2"), &[], true).await;
    assert_eq!(sent.status, 303, "{}", sent.body);
    assert_eq!(
        post(app, clerk, &format!("/staff/counter/{id}/approve"), &[])
            .await
            .status,
        303
    );
    let page = get(app, clerk, &format!("/staff/counter/{id}")).await;
    let door = regex::Regex::new(r#"name="to" value="([0-9a-f-]{36})""#)
        .unwrap()
        .captures(&page.body)
        .unwrap_or_else(|| panic!("a free door offered: {}", page.body))[1]
        .to_string();
    let issued = post(
        app,
        clerk,
        &format!("/staff/counter/{id}/issue"),
        &[("to", &door)],
    )
    .await;
    assert_eq!(issued.status, 303, "{}", issued.body);
    // Issued but unpaid: no code yet.
    let mine = get(app, me, &format!("/services/applications/{id}")).await;
    assert!(
        mine.body.contains("sent by SMS once the fee is paid"),
        "{}",
        mine.body
    );
    // The fee at the counter, in cash, on the payments module's page.
    let fee = post(app, clerk, &format!("/staff/counter/{id}/fee"), &[]).await;
    assert_eq!(fee.status, 303, "{}", fee.body);
    let payment = fee.location.expect("to the payment");
    // A receipt number of its own (a second application's may not reuse it).
    let receipt = format!("R-{}", &id[id.len() - 6..]);
    let cash = post(
        app,
        clerk,
        &format!("{payment}/cash"),
        &[("receipt", &receipt)],
    )
    .await;
    assert_eq!(cash.status, 303, "{}", cash.body);
    let a = stored(app, &id).await;
    assert!(a.paid_at.is_some(), "the fee is recorded");
    let vars = last_message(app, "counter_ready").await;
    let code = vars["code"].as_str().expect("a code").to_string();
    assert_eq!(code.len(), 6);
    assert!(
        vars["place"]
            .as_str()
            .unwrap_or_default()
            .contains("智慧櫃台 A-0"),
        "{vars}"
    );
    (id, code)
}

pub(super) async fn desk_with_clerk_cashier() -> Desk {
    desk().await
}

#[tokio::test]
async fn a_code_opens_the_door_once_and_the_pickup_is_told() {
    let d = desk_with_clerk_cashier().await;
    let app = &d.app;
    let (id, code) = ready_in_locker(&d).await;
    let k = kiosk(app).await;
    // The SMS went to the mobile on the form.
    let list = app
        .platform
        .notifications(&system(), None, 50)
        .await
        .expect("list");
    assert!(
        list.iter()
            .any(|m| m.template == "counter_ready" && m.channel == "sms"),
        "{list:?}"
    );

    let opened = k.verify(app, "0912345678", &code).await;
    assert_eq!(opened["result"], "open", "{opened}");
    assert_eq!(opened["door"], "A-01");
    let a = stored(app, &id).await;
    assert_eq!(a.state.as_str(), "picked_up");
    assert_eq!(a.picked_up_by.as_deref(), Some("applicant"));
    assert_eq!(a.picked_up_how.as_deref(), Some("door"));
    let told = last_message(app, "counter_picked_up").await;
    assert!(
        told["place"].as_str().unwrap_or_default().contains("A-01"),
        "{told}"
    );

    // The same code again: already used.
    let again = k.verify(app, "0912345678", &code).await;
    assert_eq!(
        again["result"], "wrong",
        "a used grant is no longer live: {again}"
    );

    // The door: opened by the pickup; reported open twice, then closed and empty.
    let events = json!({ "events": [
        { "seq": 1, "kind": "door_opened", "door": "A-01", "at": app.platform.now() },
        { "seq": 2, "kind": "door_opened", "door": "A-01", "at": app.platform.now() },
        { "seq": 3, "kind": "door_closed", "door": "A-01", "occupied": false, "at": app.platform.now() },
    ]})
    .to_string();
    let (status, body) = k.send(app, "POST", "/device/v1/events", &events).await;
    assert_eq!(status, 200, "{body}");
    assert!(
        body["events"][1]["outcome"]
            .as_str()
            .unwrap_or_default()
            .starts_with("recorded"),
        "{body}"
    );
    assert!(
        body["events"][2]["outcome"]
            .as_str()
            .unwrap_or_default()
            .contains("-> free"),
        "{body}"
    );
    // The same upload again (a retry after a lost answer): taken once.
    let (_, again) = k.send(app, "POST", "/device/v1/events", &events).await;
    assert_eq!(again["events"][0]["outcome"], "already taken", "{again}");
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
        .expect("A-01");
    assert_eq!(door.state, "free");
}

#[tokio::test]
async fn an_agent_named_by_the_applicant_collects_with_their_own_code_until_revoked() {
    let d = desk().await;
    let app = &d.app;
    let (id, _code) = ready_in_locker(&d).await;
    let named = post(
        app,
        &d.citizen,
        &format!("/services/applications/{id}/agent"),
        &[
            ("name", "王小明"),
            ("id_last4", "6789"),
            ("mobile", "0987654321"),
        ],
    )
    .await;
    assert_eq!(named.status, 303, "{}", named.body);
    let vars = last_message(app, "counter_agent_code").await;
    let agent_code = vars["code"].as_str().expect("the agent's code").to_string();
    let k = kiosk(app).await;
    // The applicant revokes the mandate: the agent's code no longer opens.
    let mandates = app
        .identity
        .mandates_given_by(&stored(app, &id).await.applicant_id)
        .await
        .expect("mandates");
    let revoked = post(
        app,
        &d.citizen,
        &format!("/account/mandates/{}/revoke", mandates[0].id),
        &[],
    )
    .await;
    assert_eq!(revoked.status, 303, "{}", revoked.body);
    let refused = k.verify(app, "0987654321", &agent_code).await;
    assert_eq!(refused["result"], "refused", "{refused}");
    assert_eq!(stored(app, &id).await.state.as_str(), "ready_for_pickup");
    // Named again: the new agent code opens, and the pickup is the agent's.
    let again = post(
        app,
        &d.citizen,
        &format!("/services/applications/{id}/agent"),
        &[
            ("name", "王小明"),
            ("id_last4", "6789"),
            ("mobile", "0987654321"),
        ],
    )
    .await;
    assert_eq!(again.status, 303, "{}", again.body);
    let agent_code = last_message(app, "counter_agent_code").await["code"]
        .as_str()
        .expect("code")
        .to_string();
    let opened = k.verify(app, "0987654321", &agent_code).await;
    assert_eq!(opened["result"], "open", "{opened}");
    let a = stored(app, &id).await;
    assert_eq!(a.picked_up_by.as_deref(), Some("agent"));
    let told = last_message(app, "counter_picked_up").await;
    assert_eq!(
        told["who"], "您指定的代領人",
        "the applicant is told an agent took it: {told}"
    );
}

#[tokio::test]
async fn an_item_not_collected_moves_to_the_counter_then_goes_back() {
    let clock = Arc::new(FixedClock::at(1_796_608_800));
    let d = desk_at(clock.clone()).await;
    let (id, code) = ready_in_locker(&d).await;
    let app = &d.app;
    // A day before the end: a reminder.
    clock.advance(2 * 86_400 + 60);
    app.modules().run_due_jobs().await.expect("jobs");
    let list = app
        .platform
        .notifications(&system(), None, 100)
        .await
        .expect("list");
    assert!(
        list.iter().any(|m| m.template == "counter_expiring"),
        "{list:?}"
    );
    // Three days on: to the counter; the locker code no longer opens.
    clock.advance(86_400);
    app.modules().run_due_jobs().await.expect("jobs");
    let a = stored(app, &id).await;
    assert_eq!(a.state.as_str(), "ready_for_pickup");
    assert_eq!(a.place.as_deref(), Some("counter"));
    let list = app
        .platform
        .notifications(&system(), None, 100)
        .await
        .expect("list");
    assert!(
        list.iter().any(|m| m.template == "counter_to_counter"),
        "{list:?}"
    );
    let k = kiosk(app).await;
    let late = k.verify(app, "0912345678", &code).await;
    assert_ne!(late["result"], "open", "{late}");
    // The counter's time passes too: returned, the application expired.
    clock.advance(15 * 86_400);
    app.modules().run_due_jobs().await.expect("jobs");
    let a = stored(app, &id).await;
    assert_eq!(a.state.as_str(), "expired");
    assert_eq!(a.place.as_deref(), Some("returned"));
}

#[tokio::test]
async fn an_agents_code_is_refused_once_the_mandate_has_run_out() {
    let clock = Arc::new(FixedClock::at(1_796_608_800));
    let d = desk_at(clock.clone()).await;
    let (id, _) = ready_in_locker(&d).await;
    let app = &d.app;
    let named = post(
        app,
        &d.citizen,
        &format!("/services/applications/{id}/agent"),
        &[
            ("name", "王小明"),
            ("id_last4", "6789"),
            ("mobile", "0987654321"),
        ],
    )
    .await;
    assert_eq!(named.status, 303, "{}", named.body);
    let agent_code = last_message(app, "counter_agent_code").await["code"]
        .as_str()
        .expect("code")
        .to_string();
    // The mandate runs 30 days from today; on the 31st its code is refused, saying why, and
    // nothing is picked up.
    clock.advance(31 * 86_400);
    let k = kiosk(app).await;
    let refused = k.verify(app, "0987654321", &agent_code).await;
    assert_eq!(refused["result"], "refused", "{refused}");
    assert_eq!(
        refused["message_en"], "The mandate is not in force today.",
        "{refused}"
    );
    assert_eq!(stored(app, &id).await.state.as_str(), "ready_for_pickup");
}
