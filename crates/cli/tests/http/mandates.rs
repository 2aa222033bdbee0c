//! Mandates (代理) through the citizen's pages: given to an account by its sign-in name, accepted
//! there, used by a service (the one question, `may_act_for`), the use shown to both people,
//! then revoked, after which the same question is refused; a mandate to a named person without
//! an account; and a wrong form refused field by field.

use crate::support::{TAIPEI, TestApp};
use crate::ui_staff::{follow, get, post};
use identity::accounts::ActingFor;
use identity::domain::mandates::{Agent, Decision, NamedPerson, Refusal, Theme};
use sea_query::ExprTrait;

fn between(html: &str, start: &str, end: &str) -> Option<String> {
    let from = html.find(start)? + start.len();
    let to = html[from..].find(end)? + from;
    Some(html[from..to].to_string())
}

#[tokio::test]
async fn a_mandate_is_given_accepted_used_by_a_service_and_revoked() {
    let app = TestApp::start().await;
    let grandma = app.citizen("0911000111", "lantern-kite-harbour-7").await;
    let grandson = app
        .citizen("grandson@example.tw", "river-tea-sky-lantern")
        .await;
    let her = app.sign_in("0911000111", "lantern-kite-harbour-7").await;
    let him = app
        .sign_in("grandson@example.tw", "river-tea-sky-lantern")
        .await;

    let page = get(&app, &her, "/account/mandates").await;
    assert_eq!(page.status, 200, "{}", page.body);
    let today = between(&page.body, "name=\"starts_on\" value=\"", "\"").expect("today");
    let next_year = between(&page.body, "name=\"ends_on\" value=\"", "\"").expect("a year on");
    let given = post(
        &app,
        &her,
        "/account/mandates",
        &[
            ("theme", "pick_up_documents"),
            ("agent_login", "grandson@example.tw"),
            ("starts_on", &today),
            ("ends_on", &next_year),
        ],
    )
    .await;
    assert_eq!(
        given.location.as_deref(),
        Some("/account/mandates?done=given")
    );

    // He is told, by the address he signs in with, in his language.
    let offered = sea_query::Query::select()
        .columns(["address", "template", "vars"])
        .from("notifications")
        .and_where(sea_query::Expr::col("template").eq("mandate_offered"))
        .to_owned();
    let rows = app.platform.db.fetch_all(&offered).await.expect("outbox");
    assert_eq!(rows.len(), 1);
    assert_eq!(
        rows[0].get::<String>("address").unwrap(),
        "grandson@example.tw"
    );
    let vars: String = rows[0].get("vars").unwrap();
    assert!(vars.contains("/account/mandates"), "{vars}");
    assert!(vars.contains("代領"), "the theme in words: {vars}");

    // Until he accepts, she sees the sign-in name she typed, masked, not his name.
    let page = get(&app, &her, "/account/mandates").await;
    assert!(page.body.contains("gr***@example.tw"), "{}", page.body);

    let agent = Agent::Account(grandson.clone());
    let ask = || async {
        identity::IdentityApp::new(app.platform.clone())
            .may_act_for(&ActingFor {
                jurisdiction_id: TAIPEI,
                agent: &agent,
                principal: &grandma,
                theme: Theme::PickUpDocuments,
                thing: None,
                service: "counter",
                what: "戶籍謄本 1 份",
            })
            .await
            .expect("a decision")
    };
    assert_eq!(ask().await, Decision::Refused(Refusal::NotAccepted));

    // The grandson sees it offered and accepts it.
    let page = get(&app, &him, "/account/mandates").await;
    let id = between(&page.body, "action=\"/account/mandates/", "/answer\"").expect("an offer");
    let accepted = follow(
        &app,
        &him,
        post(
            &app,
            &him,
            &format!("/account/mandates/{id}/answer"),
            &[("answer", "accept")],
        )
        .await,
    )
    .await;
    assert!(
        accepted.body.contains("You accepted the mandate"),
        "{}",
        accepted.body
    );

    // A service asks, and the use is shown to both.
    assert!(matches!(ask().await, Decision::Allowed { .. }));
    for who in [&her, &him] {
        let page = get(&app, who, "/account/mandates").await;
        assert!(page.body.contains("戶籍謄本 1 份"), "{}", page.body);
    }
    // Not for another theme.
    let other = identity::IdentityApp::new(app.platform.clone())
        .may_act_for(&ActingFor {
            jurisdiction_id: TAIPEI,
            agent: &agent,
            principal: &grandma,
            theme: Theme::ApplyForMe,
            thing: None,
            service: "counter",
            what: "x",
        })
        .await
        .unwrap();
    assert_eq!(other, Decision::Refused(Refusal::OtherTheme));

    // Revoked by the grandmother: refused from then on.
    let revoked = post(&app, &her, &format!("/account/mandates/{id}/revoke"), &[]).await;
    assert_eq!(
        revoked.location.as_deref(),
        Some("/account/mandates?done=revoked")
    );
    assert_eq!(ask().await, Decision::Refused(Refusal::Ended));
    // Nobody else may touch it.
    let stranger = app.citizen("0911222333", "moon-river-tea-kite").await;
    let _ = stranger;
    let them = app.sign_in("0911222333", "moon-river-tea-kite").await;
    let refused = post(&app, &them, &format!("/account/mandates/{id}/revoke"), &[]).await;
    assert_eq!(refused.status, 404);
}

#[tokio::test]
async fn a_named_person_without_an_account_may_act_and_a_wrong_form_is_refused_by_field() {
    let app = TestApp::start().await;
    let principal = app.citizen("0922000222", "lantern-kite-harbour-8").await;
    let me = app.sign_in("0922000222", "lantern-kite-harbour-8").await;
    let page = get(&app, &me, "/account/mandates").await;
    let today = between(&page.body, "name=\"starts_on\" value=\"", "\"").unwrap();
    let ends = between(&page.body, "name=\"ends_on\" value=\"", "\"").unwrap();

    let wrong = post(
        &app,
        &me,
        "/account/mandates",
        &[
            ("agent_name", ""),
            ("agent_id_last4", "12"),
            ("agent_mobile", "12345"),
            ("starts_on", "2020-01-01"),
            ("ends_on", "someday"),
        ],
    )
    .await;
    assert_eq!(wrong.status, 400, "{}", wrong.body);
    for field in ["f-theme", "f-agent_mobile", "f-ends_on"] {
        assert!(
            wrong.body.contains(&format!("href=\"#{field}\"")),
            "{field} in the summary: {}",
            wrong.body
        );
    }

    let given = post(
        &app,
        &me,
        "/account/mandates",
        &[
            ("theme", "pick_up_documents"),
            ("agent_name", "王大同"),
            ("agent_id_last4", "6789"),
            ("agent_mobile", "0912-345-678"),
            ("specifier", "A-1150001"),
            ("starts_on", &today),
            ("ends_on", &ends),
        ],
    )
    .await;
    assert_eq!(given.status, 303, "{}", given.body);
    let person = Agent::Person(NamedPerson {
        name: "王大同".into(),
        id_last4: "6789".into(),
        mobile: "+886912345678".into(),
    });
    let app_api = identity::IdentityApp::new(app.platform.clone());
    let for_thing = |thing: &'static str| {
        let (app_api, person, principal) = (app_api.clone(), person.clone(), principal.clone());
        async move {
            app_api
                .may_act_for(&ActingFor {
                    jurisdiction_id: TAIPEI,
                    agent: &person,
                    principal: &principal,
                    theme: Theme::PickUpDocuments,
                    thing: Some(thing),
                    service: "counter",
                    what: "代領",
                })
                .await
                .unwrap()
        }
    };
    assert!(matches!(
        for_thing("A-1150001").await,
        Decision::Allowed { .. }
    ));
    assert_eq!(
        for_thing("A-1150002").await,
        Decision::Refused(Refusal::OtherThing)
    );
}
