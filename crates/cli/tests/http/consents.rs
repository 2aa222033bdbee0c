//! The consent ledger through the citizen's pages and the REST API: a purpose shown with its
//! data, recipient and basis; consent given for a chosen time, its receipt (ISO/IEC TS 27560),
//! a use that stands on it (`basis_for`, the one question), withdrawal that stops the next use
//! at once, renewal, expiry, the history; and wrong input, someone else's consent and staff
//! refused.

use crate::support::{Browser, STAFF_PASSWORD, TAIPEI, TestApp, send};
use crate::ui_staff::{follow, get, post};
use domain::clock::FixedClock;
use identity::domain::consent::Basis;
use platform::ServiceError;
use reqwest::Method;
use std::sync::Arc;

const PREFILL: &str = "identity.mydata-prefill";
const T0: i64 = 1_796_000_000;

fn between(html: &str, start: &str, end: &str) -> Option<String> {
    let from = html.find(start)? + start.len();
    let to = html[from..].find(end)? + from;
    Some(html[from..to].to_string())
}

async fn refused(app: &TestApp, account: &str) -> String {
    match app.identity.basis_for(account, PREFILL).await {
        Err(ServiceError::Forbidden(m)) => m.id.to_string(),
        other => panic!("expected a refusal, got {other:?}"),
    }
}

#[tokio::test]
async fn consent_is_given_used_withdrawn_and_the_next_use_is_refused() {
    let app = TestApp::start().await;
    let her = app.citizen("0911000222", "lantern-kite-harbour-7").await;
    let b = app.sign_in("0911000222", "lantern-kite-harbour-7").await;

    // The purpose is shown with what it takes, who receives it and its basis.
    let page = get(&app, &b, "/account/consents").await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(
        page.body
            .contains("Fill in my applications with the records I bring from MyData")
    );
    assert!(
        page.body.contains("Household registration"),
        "{}",
        page.body
    );
    assert!(page.body.contains("Your consent"));
    assert!(page.body.contains("You have not given any consent."));
    assert_eq!(refused(&app, &her).await, "error-consent-never-given");

    let given = post(
        &app,
        &b,
        "/account/consents",
        &[("purpose", PREFILL), ("days", "90")],
    )
    .await;
    assert_eq!(
        given.location.as_deref(),
        Some("/account/consents?done=given")
    );
    let page = follow(&app, &b, given).await;
    assert!(
        page.body.contains("Your consent is recorded."),
        "{}",
        page.body
    );
    let id = between(&page.body, "action=\"/account/consents/", "/withdraw\"").expect("running");

    // A use stands on it, until 90 days on.
    match app.identity.basis_for(&her, PREFILL).await {
        Ok(Basis::Consent { id: used, until }) => {
            assert_eq!(used, id);
            assert!(until > app.platform.now() + 89 * 86_400);
        }
        other => panic!("expected the consent, got {other:?}"),
    }

    // Its receipt, as a file to keep.
    let r = crate::ui_staff::with_session(
        crate::ui_staff::pages().get(format!("{}/account/consents/{id}/receipt", app.base)),
        &b,
    )
    .send()
    .await
    .expect("receipt");
    assert_eq!(r.status(), 200);
    assert!(
        r.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .contains(&format!("consent-{id}.json"))
    );
    let receipt: serde_json::Value = r.json().await.expect("json");
    assert_eq!(receipt["schema_version"], "ISO/IEC TS 27560:2023");
    assert_eq!(receipt["record_id"], id.as_str());
    assert_eq!(receipt["pii_principal_id"], her.as_str());
    assert_eq!(receipt["state"], "active");
    assert_eq!(receipt["language"], "en");
    assert_eq!(receipt["purposes"][0]["purpose_id"], PREFILL);
    assert_eq!(receipt["purposes"][0]["storage_duration"], "P90D");
    assert_eq!(
        receipt["purposes"][0]["pii_categories"][1],
        "Household registration"
    );
    assert_eq!(
        receipt["pii_controllers"][0]["pii_controller"],
        "Taipei City Government"
    );
    assert_eq!(receipt["event"][0]["event_type"], "express consent given");

    // Withdrawn: the next use is refused, saying why; the record stays in the history.
    let withdrawn = post(&app, &b, &format!("/account/consents/{id}/withdraw"), &[]).await;
    assert_eq!(
        withdrawn.location.as_deref(),
        Some("/account/consents?done=withdrawn")
    );
    assert_eq!(refused(&app, &her).await, "error-consent-withdrawn");
    let page = get(&app, &b, "/account/consents").await;
    assert!(page.body.contains("Withdrawn"), "{}", page.body);
    assert!(
        !page.body.contains("/withdraw\""),
        "nothing left to withdraw"
    );
    let again = post(&app, &b, &format!("/account/consents/{id}/withdraw"), &[]).await;
    assert_eq!(again.status, 400, "{}", again.body);
    assert!(again.body.contains("This consent has already ended"));

    // The audit trail holds both, with her as the data subject.
    let records = store::audit::list(
        &app.platform.db,
        TAIPEI,
        &store::audit::AuditFilter {
            data_subject_id: Some(her.clone()),
            limit: 50,
            ..Default::default()
        },
    )
    .await
    .expect("audit");
    let actions: Vec<&str> = records.iter().map(|r| r.record.action.as_str()).collect();
    assert!(actions.contains(&"consent.given"), "{actions:?}");
    assert!(actions.contains(&"consent.withdrawn"), "{actions:?}");
}

#[tokio::test]
async fn a_consent_is_renewed_by_a_newer_one_and_expires_by_the_clock() {
    let clock = Arc::new(FixedClock::at(T0));
    let app = TestApp::start_with_clock(|_| {}, Some(clock.clone())).await;
    let her = app
        .citizen("renew@example.tw", "lantern-kite-harbour-7")
        .await;
    let b = app
        .sign_in("renew@example.tw", "lantern-kite-harbour-7")
        .await;
    for days in ["30", "365"] {
        let given = post(
            &app,
            &b,
            "/account/consents",
            &[("purpose", PREFILL), ("days", days)],
        )
        .await;
        assert_eq!(given.status, 303, "{}", given.body);
        clock.advance(60);
    }
    let (status, body) = send(app.as_browser(&b, Method::GET, "/me/consents")).await;
    assert_eq!(status, 200, "{body}");
    let history = body["history"].as_array().expect("history");
    assert_eq!(history.len(), 2);
    assert_eq!(history[0]["state"], "active");
    assert_eq!(history[1]["state"], "renewed");
    let purpose = body["purposes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["code"] == PREFILL)
        .expect("declared");
    assert_eq!(purpose["basis"], "consent");
    assert_eq!(purpose["max_days"], 365);
    assert_eq!(purpose["running"]["id"], history[0]["id"]);

    // A year and a day on, the consent has run out.
    clock.advance(366 * 86_400);
    assert_eq!(refused(&app, &her).await, "error-consent-expired");
}

#[tokio::test]
async fn wrong_input_and_other_peoples_consents_are_refused() {
    let app = TestApp::start().await;
    app.citizen("first@example.tw", "lantern-kite-harbour-7")
        .await;
    app.citizen("second@example.tw", "river-tea-sky-lantern")
        .await;
    let first = app
        .sign_in("first@example.tw", "lantern-kite-harbour-7")
        .await;
    let second = app
        .sign_in("second@example.tw", "river-tea-sky-lantern")
        .await;

    // Too long: refused beside the purpose's choices, in the page's language.
    let long = post(
        &app,
        &first,
        "/account/consents",
        &[("purpose", PREFILL), ("days", "400")],
    )
    .await;
    assert_eq!(long.status, 400, "{}", long.body);
    assert!(long.body.contains("at most 365 days"), "{}", long.body);
    crate::support::assert_tied(&long.body, "f-days-identity-mydata-prefill");
    let unknown = post(
        &app,
        &first,
        "/account/consents",
        &[("purpose", "cases.sell-my-data"), ("days", "30")],
    )
    .await;
    assert_eq!(unknown.status, 404, "{}", unknown.body);

    // Through the API: zero days, and an unknown field, are 400.
    let (status, body) = send(
        app.as_browser(&first, Method::POST, "/me/consents")
            .json(&serde_json::json!({ "purpose": PREFILL, "days": 0 })),
    )
    .await;
    assert_eq!(status, 400, "{body}");
    let (status, _) = send(
        app.as_browser(&first, Method::POST, "/me/consents")
            .json(&serde_json::json!({ "purpose": PREFILL, "days": 30, "for": "ever" })),
    )
    .await;
    assert_eq!(status, 400);
    let (status, c) = send(
        app.as_browser(&first, Method::POST, "/me/consents")
            .json(&serde_json::json!({ "purpose": PREFILL, "days": 30 })),
    )
    .await;
    assert_eq!(status, 201, "{c}");
    let id = c["id"].as_str().expect("id").to_string();

    // The second citizen can neither read nor withdraw the first one's consent.
    for path in [
        format!("/me/consents/{id}/receipt"),
        format!("/me/consents/{id}/withdraw"),
    ] {
        let method = if path.ends_with("receipt") {
            Method::GET
        } else {
            Method::POST
        };
        let (status, _) = send(app.as_browser(&second, method, &path)).await;
        assert_eq!(status, 404, "{path}");
    }
    let page = get(&app, &second, &format!("/account/consents/{id}/receipt")).await;
    assert_eq!(page.status, 404);
    let (status, receipt) =
        send(app.as_browser(&first, Method::GET, &format!("/me/consents/{id}/receipt"))).await;
    assert_eq!(status, 200);
    assert_eq!(receipt["record_id"], id.as_str());

    // Staff give no consent.
    app.staff("clerk.consent", &["agent"]).await;
    let staff: Browser = app.sign_in("clerk.consent", STAFF_PASSWORD).await;
    let (status, _) = send(app.as_browser(&staff, Method::GET, "/me/consents")).await;
    assert_eq!(status, 403);
}
