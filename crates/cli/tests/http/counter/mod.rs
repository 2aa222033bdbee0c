//! The counter (issue 20): the catalogue as citizens read it, an application from its draft
//! (pre-filled from a proved identity) through submission with the PDPA consent, a correction
//! and the clerk's decision, and what is refused on the way: forged fields, documents that are
//! not documents, an application edited after submission, someone else's application, two
//! clerks deciding at once. Pages over HTTP as a browser without JavaScript uses them.

mod apply;
mod bookings;
mod device_api;
mod smart_desk;

use crate::support::{Browser, STAFF_PASSWORD, TAIPEI, TestApp};
use crate::ui_staff::{Answer, answer, get, pages, post, with_session};

pub(super) const CITIZEN: &str = "applicant@example.tw";
pub(super) const PASSWORD: &str = "lantern-kite-harbour-7";
/// A current household transcript (戶籍謄本): NT$15 a copy, counter, locker or post.
pub(super) const TRANSCRIPT: &str = "hr-transcript-current-full";
pub(super) const OFFICE: &str = "taitung-csc";

pub(super) struct Desk {
    pub(super) app: TestApp,
    pub(super) citizen: Browser,
    pub(super) clerk: Browser,
}

/// The app with a citizen whose real name is proved (陳美玲, A123456789) and a counter clerk.
pub(super) async fn desk() -> Desk {
    desk_on(TestApp::start().await).await
}

/// [`desk`] with the services reading the time from `clock`.
pub(super) async fn desk_at(clock: std::sync::Arc<domain::clock::FixedClock>) -> Desk {
    desk_on(TestApp::start_with_clock(|_| {}, Some(clock)).await).await
}

async fn desk_on(app: TestApp) -> Desk {
    let citizen_id = app.citizen(CITIZEN, PASSWORD).await;
    identity::testkit::prove_real_name(
        &app.platform.db,
        &citizen_id,
        "陳美玲",
        "A123456789",
        store::now_unix(),
    )
    .await
    .expect("real name");
    let citizen = app.sign_in(CITIZEN, PASSWORD).await;
    app.staff("clerk.one", &["counter_clerk"]).await;
    let clerk = app.sign_in("clerk.one", STAFF_PASSWORD).await;
    Desk {
        app,
        citizen,
        clerk,
    }
}

/// Posts an application's form as the page does: multipart, with the token, the answers as
/// `a.<key>`, files as `file.<key>`, and the button pressed as `do`.
pub(super) async fn post_application(
    app: &TestApp,
    b: &Browser,
    id: &str,
    action: &str,
    answers: &[(&str, &str)],
    files: &[(&str, &str, Vec<u8>)],
    consent: bool,
) -> Answer {
    let mut form = reqwest::multipart::Form::new()
        .text("_csrf", b.csrf.clone())
        .text("do", action.to_string());
    for (k, v) in answers {
        form = form.text(format!("a.{k}"), v.to_string());
    }
    for (k, name, bytes) in files {
        form = form.part(
            format!("file.{k}"),
            reqwest::multipart::Part::bytes(bytes.clone()).file_name(name.to_string()),
        );
    }
    if consent {
        form = form.text("consent", "yes");
    }
    answer(
        with_session(
            pages().post(format!("{}/services/applications/{id}", app.base)),
            b,
        )
        .multipart(form),
    )
    .await
}

/// Starts an application of `service` at the Smart Desk office; its id.
pub(super) async fn start(app: &TestApp, b: &Browser, service: &str, pickup: &str) -> String {
    let started = post(
        app,
        b,
        &format!("/services/catalogue/{service}/apply"),
        &[("office", OFFICE), ("pickup", pickup)],
    )
    .await;
    assert_eq!(started.status, 303, "{}", started.body);
    let to = started.location.expect("to the draft");
    to.trim_start_matches("/services/applications/").to_string()
}

/// The answers of a transcript for oneself, with `copies`.
pub(super) fn for_myself(copies: &'static str) -> Vec<(&'static str, &'static str)> {
    vec![
        ("mobile", "0912345678"),
        ("applies_for", "self"),
        ("record_notes", "omitted"),
        ("purpose", "bank"),
        ("copies", copies),
    ]
}

/// The application as the module holds it.
pub(super) async fn stored(app: &TestApp, id: &str) -> counter::app::Application {
    counter::testkit::application(&app.platform.db, id)
        .await
        .expect("read")
        .expect("the application")
}

#[tokio::test]
async fn the_catalogue_lists_real_services_with_their_fees_in_both_languages() {
    let app = TestApp::start().await;
    let zh = answer(
        pages()
            .get(format!("{}/services", app.base))
            .header("accept-language", "zh-TW"),
    )
    .await;
    assert_eq!(zh.status, 200, "{}", zh.body);
    assert!(zh.body.contains("戶籍謄本"), "{}", zh.body);
    assert!(zh.body.contains("每份 NT$15"), "the real fee: {}", zh.body);
    assert!(
        zh.body.contains("其中 52 項可於24小時智慧櫃台領件"),
        "{}",
        zh.body
    );
    let en = answer(
        pages()
            .get(format!("{}/services", app.base))
            .header("accept-language", "en"),
    )
    .await;
    assert!(
        en.body
            .contains("NT$100 for the first copy, NT$15 each further copy"),
        "{}",
        en.body
    );
    let one = answer(
        pages()
            .get(format!("{}/services/catalogue/{TRANSCRIPT}", app.base))
            .header("accept-language", "en"),
    )
    .await;
    assert_eq!(one.status, 200);
    assert!(one.body.contains("Sign in to apply"), "{}", one.body);
    let none =
        answer(pages().get(format!("{}/services/catalogue/no-such-service", app.base))).await;
    assert_eq!(none.status, 404);
}

#[tokio::test]
async fn staff_cannot_apply_and_visitors_are_sent_to_sign_in() {
    let d = desk().await;
    let page = get(
        &d.app,
        &d.clerk,
        &format!("/services/catalogue/{TRANSCRIPT}"),
    )
    .await;
    assert!(
        page.body.contains("Online applications are for citizens"),
        "{}",
        page.body
    );
    let tried = post(
        &d.app,
        &d.clerk,
        &format!("/services/catalogue/{TRANSCRIPT}/apply"),
        &[("office", OFFICE), ("pickup", "locker")],
    )
    .await;
    assert_eq!(tried.status, 403, "{}", tried.body);
    let visitor = answer(pages().get(format!("{}/services/applications", d.app.base))).await;
    assert_eq!(visitor.status, 303);
    assert_eq!(
        visitor.location.as_deref(),
        Some("/sign-in?back=/services/applications")
    );
    // The clerk's queue is the clerk's: a citizen is refused.
    assert_eq!(get(&d.app, &d.citizen, "/staff/counter").await.status, 403);
}

#[tokio::test]
async fn an_administrator_edits_a_service_and_builds_a_form_with_a_preview() {
    let app = TestApp::start().await;
    app.staff("counter.admin", &["jurisdiction_admin"]).await;
    let admin = app.sign_in("counter.admin", STAFF_PASSWORD).await;
    app.staff("clerk.one", &["counter_clerk"]).await;
    let clerk = app.sign_in("clerk.one", STAFF_PASSWORD).await;
    // Only administrators reach the catalogue; the admin index offers it to them alone.
    assert_eq!(get(&app, &clerk, "/admin/counter").await.status, 403);
    let index = get(&app, &admin, "/admin").await;
    assert!(
        index.body.contains("href=\"/admin/counter\""),
        "{}",
        index.body
    );
    let list = get(&app, &admin, "/admin/counter").await;
    assert!(list.body.contains(TRANSCRIPT), "{}", list.body);

    // A service's fee is changed; a fee that is not a number is named.
    let page = get(
        &app,
        &admin,
        &format!("/admin/counter/services/{TRANSCRIPT}"),
    )
    .await;
    assert_eq!(page.status, 200);
    let field = |name: &str| {
        regex::Regex::new(&format!(r#"name="{name}" value="([^"]*)""#))
            .unwrap()
            .captures(&page.body)
            .map(|c| c[1].to_string())
            .unwrap_or_default()
    };
    let mut form: Vec<(&str, String)> = [
        "name_zh",
        "name_en",
        "fee_first",
        "fee_further",
        "processing_days",
        "offices",
    ]
    .iter()
    .map(|n| (*n, field(n)))
    .collect();
    form.extend([
        ("fee_kind", "per_copy".to_string()),
        ("group", "household".to_string()),
        ("assurance", "real_name".to_string()),
        ("form", "transcript".to_string()),
        ("pickup_counter", "yes".to_string()),
        ("pickup_locker", "yes".to_string()),
        ("agent_pick_up", "yes".to_string()),
        ("active", "yes".to_string()),
        ("description_zh", "戶籍謄本".to_string()),
        ("eligibility_zh", "本人".to_string()),
    ]);
    let mut bad = form.clone();
    bad.retain(|(k, _)| *k != "fee_first");
    bad.push(("fee_first", "fifteen".into()));
    let refused = post(
        &app,
        &admin,
        &format!("/admin/counter/services/{TRANSCRIPT}"),
        &bad.iter()
            .map(|(k, v)| (*k, v.as_str()))
            .collect::<Vec<_>>(),
    )
    .await;
    assert_eq!(refused.status, 400, "{}", refused.body);
    assert!(
        refused.body.contains("href=\"#f-fee_first\""),
        "{}",
        refused.body
    );
    form.retain(|(k, _)| *k != "fee_first");
    form.push(("fee_first", "20".into()));
    let saved = post(
        &app,
        &admin,
        &format!("/admin/counter/services/{TRANSCRIPT}"),
        &form
            .iter()
            .map(|(k, v)| (*k, v.as_str()))
            .collect::<Vec<_>>(),
    )
    .await;
    assert_eq!(saved.status, 303, "{}", saved.body);
    let visitor = answer(
        pages()
            .get(format!("{}/services/catalogue/{TRANSCRIPT}", app.base))
            .header("accept-language", "en"),
    )
    .await;
    assert!(visitor.body.contains("NT$20 a copy"), "{}", visitor.body);

    // The form: previewed, refused when broken, saved as version 2.
    let editor = get(&app, &admin, "/admin/counter/forms/transcript").await;
    let text = regex::Regex::new(r#"(?s)<textarea id="f-text" name="text"[^>]*>(.*?)</textarea>"#)
        .unwrap()
        .captures(&editor.body)
        .expect("the form's text")[1]
        .replace("&quot;", "\"")
        .replace("&#34;", "\"")
        .replace("&#39;", "'")
        .replace("&#x27;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&#38;", "&")
        .replace("&amp;", "&");
    let renamed = text.replacen("申請人姓名", "申請人全名", 1);
    let preview = post(
        &app,
        &admin,
        "/admin/counter/forms/transcript",
        &[("text", renamed.as_str()), ("do", "preview")],
    )
    .await;
    assert_eq!(preview.status, 200, "{}", preview.body);
    assert!(
        preview.body.contains("申請人全名"),
        "the preview shows the change"
    );
    let broken = post(
        &app,
        &admin,
        "/admin/counter/forms/transcript",
        &[("text", "key = \"transcript\""), ("do", "save")],
    )
    .await;
    assert_eq!(broken.status, 400, "{}", broken.body);
    let saved = post(
        &app,
        &admin,
        "/admin/counter/forms/transcript",
        &[("text", renamed.as_str()), ("do", "save")],
    )
    .await;
    assert_eq!(saved.status, 303, "{}", saved.body);
    assert_eq!(
        saved.location.as_deref(),
        Some("/admin/counter?done=form-2")
    );
}
