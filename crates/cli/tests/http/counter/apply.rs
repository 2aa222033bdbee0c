//! An application from draft to decision, and what is refused on the way.

use super::*;
use crate::ui_staff::follow;

#[tokio::test]
async fn a_citizen_applies_with_a_proved_identity_answers_a_correction_and_is_approved() {
    let d = desk().await;
    let (app, me, clerk) = (&d.app, &d.citizen, &d.clerk);
    let id = start(app, me, TRANSCRIPT, "locker").await;
    // The draft is filled in from the proved identity.
    let draft = get(app, me, &format!("/services/applications/{id}")).await;
    assert_eq!(draft.status, 200);
    assert!(draft.body.contains("value=\"陳美玲\""), "{}", draft.body);
    assert!(
        draft.body.contains("value=\"A123456789\""),
        "{}",
        draft.body
    );
    assert!(
        draft.body.contains("version 1"),
        "the notice's version: {}",
        draft.body
    );

    // Without the consent, nothing is sent and the box is named.
    let refused = post_application(app, me, &id, "submit", &for_myself("3"), &[], false).await;
    assert_eq!(refused.status, 400, "{}", refused.body);
    assert!(
        refused.body.contains("href=\"#f-consent\""),
        "{}",
        refused.body
    );
    assert_eq!(stored(app, &id).await.state.as_str(), "draft");

    // A required field missing is named in the summary and by the field.
    let missing = post_application(
        app,
        me,
        &id,
        "submit",
        &[("applies_for", "self")],
        &[],
        true,
    )
    .await;
    assert_eq!(missing.status, 400);
    assert!(
        missing.body.contains("href=\"#f-purpose\""),
        "{}",
        missing.body
    );

    let sent = post_application(app, me, &id, "submit", &for_myself("3"), &[], true).await;
    let shown = follow(app, me, sent).await;
    assert!(
        shown.body.contains("Your application has been sent"),
        "{}",
        shown.body
    );
    let a = stored(app, &id).await;
    assert_eq!(a.state.as_str(), "submitted");
    assert_eq!(a.fee, 45, "three copies at NT$15");
    assert_eq!(a.consent_version, Some(1));
    assert!(
        a.due_at.is_some_and(|d| d > a.submitted_at.unwrap_or(0)),
        "the review clock runs"
    );

    // Edited after submission: refused, nothing changed.
    let late = post_application(app, me, &id, "save", &[("copies", "9")], &[], false).await;
    assert_eq!(late.status, 409, "{}", late.body);
    assert_eq!(stored(app, &id).await.copies, 3);

    // The clerk finds it in the queue and asks for a correction.
    let queue = get(app, clerk, "/staff/counter").await;
    assert!(queue.body.contains(&a.number), "{}", queue.body);
    let page = get(app, clerk, &format!("/staff/counter/{id}")).await;
    assert!(
        page.body.contains("National ID check digit is right"),
        "{}",
        page.body
    );
    let empty = post(
        app,
        clerk,
        &format!("/staff/counter/{id}/request_correction"),
        &[("note", " ")],
    )
    .await;
    assert_eq!(empty.status, 400, "{}", empty.body);
    let asked = post(
        app,
        clerk,
        &format!("/staff/counter/{id}/request_correction"),
        &[("note", "用途請改選「法院」")],
    )
    .await;
    assert_eq!(asked.status, 303, "{}", asked.body);
    let paused = stored(app, &id).await;
    assert_eq!(paused.state.as_str(), "needs_correction");

    let mine = get(app, me, &format!("/services/applications/{id}")).await;
    assert!(mine.body.contains("用途請改選「法院」"), "{}", mine.body);
    let corrected =
        post_application(app, me, &id, "correct", &[("purpose", "court")], &[], false).await;
    assert_eq!(corrected.status, 303, "{}", corrected.body);
    let resumed = stored(app, &id).await;
    assert_eq!(resumed.state.as_str(), "under_review");
    assert_eq!(
        resumed.answers.get("purpose").map(String::as_str),
        Some("court")
    );
    assert!(
        resumed.due_at >= paused.due_at,
        "the pause moved the due time, never earlier"
    );

    let approved = post(app, clerk, &format!("/staff/counter/{id}/approve"), &[]).await;
    assert_eq!(approved.status, 303, "{}", approved.body);
    let after = get(app, me, &format!("/services/applications/{id}")).await;
    assert!(
        after.body.contains("Pay online"),
        "a fee is payable: {}",
        after.body
    );
    // Every change is on the chain.
    let report = app
        .modules()
        .counter
        .verify_event_chain(TAIPEI)
        .await
        .expect("chain");
    assert!(
        matches!(report, store::chain::ChainReport::Intact { records } if records >= 5),
        "{report:?}"
    );
}

#[tokio::test]
async fn forged_fields_and_files_that_are_not_documents_are_refused() {
    let d = desk().await;
    let (app, me) = (&d.app, &d.citizen);
    let id = start(app, me, TRANSCRIPT, "counter").await;
    let mut forged = for_myself("1");
    forged.push(("fee", "0"));
    let refused = post_application(app, me, &id, "save", &forged, &[], false).await;
    assert_eq!(refused.status, 400, "{}", refused.body);
    assert!(
        refused.body.contains("The form has no such field"),
        "{}",
        refused.body
    );

    // Applying for someone else as their agent needs the letter: an executable is no letter.
    let mut agent = vec![
        ("mobile", "0912345678"),
        ("applies_for", "other"),
        ("subject_name", "陳大同"),
        ("subject_id", "A123456789"),
        ("relation", "agent"),
        ("record_notes", "omitted"),
        ("purpose", "bank"),
        ("copies", "1"),
    ];
    let exe = post_application(
        app,
        me,
        &id,
        "save",
        &agent,
        &[(
            "authorisation_letter",
            "letter.pdf",
            b"MZ\x90\x00\x03\x00".to_vec(),
        )],
        false,
    )
    .await;
    assert_eq!(exe.status, 400, "{}", exe.body);
    assert!(
        exe.body.contains("takes only a PDF, JPG or PNG"),
        "{}",
        exe.body
    );
    // A wrong check digit is named.
    agent[3] = ("subject_id", "A123456788");
    let bad_id = post_application(app, me, &id, "save", &agent, &[], false).await;
    assert_eq!(bad_id.status, 400);
    assert!(
        bad_id.body.contains("href=\"#f-subject_id\""),
        "{}",
        bad_id.body
    );
    // A real PDF is taken, and submission then asks only for the missing copy of the ID.
    agent[3] = ("subject_id", "A123456789");
    let pdf = post_application(
        app,
        me,
        &id,
        "submit",
        &agent,
        &[(
            "authorisation_letter",
            "letter.pdf",
            b"%PDF-1.7\n%test\n".to_vec(),
        )],
        true,
    )
    .await;
    assert_eq!(pdf.status, 400, "{}", pdf.body);
    assert!(
        pdf.body.contains("href=\"#f-principal_id_copy\""),
        "{}",
        pdf.body
    );
    assert!(
        !pdf.body.contains("href=\"#f-authorisation_letter\""),
        "{}",
        pdf.body
    );
    let a = stored(app, &id).await;
    assert!(
        a.answers.contains_key("authorisation_letter"),
        "the letter is kept"
    );
    // A document attached to another field is not an answer to this one.
    let letter = a.answers["authorisation_letter"].clone();
    let mut swapped_answers = agent.clone();
    swapped_answers.push(("principal_id_copy", letter.as_str()));
    let swapped = post_application(app, me, &id, "save", &swapped_answers, &[], false).await;
    assert_eq!(swapped.status, 400, "{}", swapped.body);
    assert!(
        swapped.body.contains("href=\"#f-principal_id_copy\""),
        "{}",
        swapped.body
    );
}

#[tokio::test]
async fn someone_elses_application_is_not_found_and_two_clerks_decide_once() {
    let d = desk().await;
    let (app, me) = (&d.app, &d.citizen);
    let id = start(app, me, TRANSCRIPT, "counter").await;
    let sent = post_application(app, me, &id, "submit", &for_myself("1"), &[], true).await;
    assert_eq!(sent.status, 303, "{}", sent.body);

    app.citizen("other@example.tw", PASSWORD).await;
    let other = app.sign_in("other@example.tw", PASSWORD).await;
    assert_eq!(
        get(app, &other, &format!("/services/applications/{id}"))
            .await
            .status,
        404
    );
    let withdraw = post(
        app,
        &other,
        &format!("/services/applications/{id}/withdraw"),
        &[],
    )
    .await;
    assert_eq!(withdraw.status, 404);

    app.staff("clerk.two", &["counter_clerk"]).await;
    let second = app.sign_in("clerk.two", STAFF_PASSWORD).await;
    let path = format!("/staff/counter/{id}/approve");
    let (a, b) = tokio::join!(
        post(app, &d.clerk, &path, &[]),
        post(app, &second, &path, &[])
    );
    let mut statuses = [a.status, b.status];
    statuses.sort_unstable();
    assert_eq!(statuses, [303, 409], "{} / {}", a.body, b.body);
    let events = app
        .modules()
        .counter
        .application_for_clerk(&platform::authz::Actor::system(TAIPEI, "test"), &id)
        .await
        .expect("view")
        .events;
    assert_eq!(
        events.iter().filter(|e| e.event.kind == "approve").count(),
        1
    );

    // Withdrawn once approved? Yes until issued; then it is over.
    let gone = post(
        app,
        me,
        &format!("/services/applications/{id}/withdraw"),
        &[],
    )
    .await;
    assert_eq!(gone.status, 303);
    assert_eq!(stored(app, &id).await.state.as_str(), "withdrawn");
    let again = post(
        app,
        me,
        &format!("/services/applications/{id}/withdraw"),
        &[],
    )
    .await;
    assert_eq!(again.status, 409, "{}", again.body);
}
