//! Finding any case: every staff role that may see a case opens it by number, and only the
//! department holding it acts; the search in the header of every staff page takes a case
//! number, a phone number or words.

use super::*;

fn offers(body: &str, action: &str) -> bool {
    body.contains(&format!(r#"name="action" value="{action}""#))
}

#[tokio::test]
async fn every_role_that_may_see_a_case_opens_it_and_only_the_holding_department_acts() {
    let app = TestApp::start().await;
    app.staff("agent.ho", &["agent"]).await;
    app.staff("sup.ho", &["supervisor"]).await;
    app.staff("disp.ho", &["dispatcher:PWD-PKS"]).await;
    app.staff("disp.other", &["dispatcher:TPC"]).await;
    app.citizen("resident@example.tw", "a quiet citizen's passphrase")
        .await;
    let agent = app.sign_in("agent.ho", STAFF_PASSWORD).await;
    let sup = app.sign_in("sup.ho", STAFF_PASSWORD).await;
    let disp = app.sign_in("disp.ho", STAFF_PASSWORD).await;
    let other = app.sign_in("disp.other", STAFF_PASSWORD).await;
    let citizen = app
        .sign_in("resident@example.tw", "a quiet citizen's passphrase")
        .await;
    let number = file_streetlight_by_api(&app, &agent, "臺北市大安區仁愛路四段1號", "不亮").await;
    let path = format!("/work/cases/{number}");

    // The holding department's dispatcher acts.
    let page = get(&app, &disp, &path).await;
    assert_eq!(page.status, 200);
    assert!(offers(&page.body, "acknowledge") && offers(&page.body, "reassign"));

    // The agent answering "what is happening with my case?" and the supervisor following it
    // read the case, and may write a note, but offer nothing else.
    for who in [&agent, &sup] {
        let page = get(&app, who, &path).await;
        assert_eq!(page.status, 200, "{}", page.body);
        assert!(page.body.contains(&number));
        assert!(offers(&page.body, "note"), "{}", page.body);
        for action in ["acknowledge", "reassign", "reject", "request_cosign"] {
            assert!(!offers(&page.body, action), "{action} offered");
        }
    }
    let noted = post(
        &app,
        &agent,
        &format!("{path}/act"),
        &[("action", "note"), ("note", "民眾來電詢問進度")],
    )
    .await;
    assert_eq!(noted.status, 303);
    let refused = post(
        &app,
        &agent,
        &format!("{path}/act"),
        &[("action", "acknowledge")],
    )
    .await;
    assert_eq!(
        refused.status, 403,
        "not offered, and refused if sent anyway"
    );
    let (_, case) = api(&app, &disp, Method::GET, &format!("cases/{number}")).await;
    assert_eq!(case["status"], "assigned");

    // Another department's dispatcher does not learn that the case exists.
    assert_eq!(get(&app, &other, &path).await.status, 404);

    // The search box is in the header of staff pages, and not of the citizen's.
    for who in [&agent, &sup, &disp] {
        assert!(
            get(&app, who, "/")
                .await
                .body
                .contains(r#"class="site-search""#)
        );
    }
    assert!(!get(&app, &citizen, "/").await.body.contains("site-search"));
}

#[tokio::test]
async fn the_header_search_opens_a_case_a_caller_or_a_list() {
    let app = TestApp::start().await;
    app.staff("agent.ko", &["agent"]).await;
    app.staff("disp.ko", &["dispatcher:PWD-PKS"]).await;
    app.staff("disp.tpc", &["dispatcher:TPC"]).await;
    let agent = app.sign_in("agent.ko", STAFF_PASSWORD).await;
    let disp = app.sign_in("disp.ko", STAFF_PASSWORD).await;
    let other = app.sign_in("disp.tpc", STAFF_PASSWORD).await;
    let number =
        file_streetlight_by_api(&app, &agent, "臺北市大安區仁愛路四段1號", "燈柱傾斜").await;
    let find = |q: &str| format!("/cases/find?q={}", urlencode(q));

    // A case number, however it is typed, opens the case.
    let spaced: String = number
        .chars()
        .map(|c| char::from_u32(c as u32 - '0' as u32 + '０' as u32).unwrap())
        .collect();
    for typed in [number.clone(), format!(" {number} "), spaced] {
        let found = get(&app, &agent, &find(&typed)).await;
        assert_eq!(found.status, 303, "{typed}: {}", found.body);
        assert_eq!(
            found.location.as_deref(),
            Some(format!("/work/cases/{number}").as_str())
        );
    }
    // A phone number goes to the desk's caller lookup, filled in.
    let found = get(&app, &agent, &find("+886 912 345 678")).await;
    assert_eq!(found.status, 303);
    let desk = found.location.expect("to the desk");
    assert!(desk.starts_with("/desk?phone="), "{desk}");
    let console = get(&app, &agent, &desk).await;
    assert!(
        console
            .body
            .contains(r#"name="phone" value="0912-345-678""#),
        "{}",
        console.body
    );
    // Words find the cases whose address or description holds them.
    let listed = get(&app, &disp, &find("仁愛路四段")).await;
    assert_eq!(listed.status, 200);
    assert!(
        listed
            .body
            .contains(&format!(r#"href="/work/cases/{number}""#)),
        "{}",
        listed.body
    );
    let listed = get(&app, &agent, &find("燈柱傾斜")).await;
    assert!(
        listed
            .body
            .contains(&format!(r#"href="/work/cases/{number}""#))
    );

    // Another department's dispatcher finds nothing of it, by number or by words.
    let hidden = get(&app, &other, &find(&number)).await;
    assert_eq!(hidden.status, 200);
    assert!(hidden.body.contains("No case matches"), "{}", hidden.body);
    let hidden = get(&app, &other, &find("仁愛路四段")).await;
    assert!(!hidden.body.contains(&number));
    // A dispatcher has no caller lookup: a number is looked for as words.
    assert_eq!(get(&app, &disp, &find("0912345678")).await.status, 200);
}

fn urlencode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[tokio::test]
async fn each_role_starts_on_its_own_console_and_staff_headers_carry_no_citizen_links() {
    let app = TestApp::start().await;
    for (login, role, console) in [
        ("agent.la", "agent", "/desk"),
        ("disp.la", "dispatcher:PWD-PKS", "/work"),
        ("field.la", "field_worker:PWD-PKS", "/field"),
        ("sup.la", "supervisor", "/supervise"),
        ("admin.la", "jurisdiction_admin", "/admin"),
    ] {
        app.staff(login, &[role]).await;
        let who = app.sign_in(login, STAFF_PASSWORD).await;
        let start = get(&app, &who, "/start").await;
        assert_eq!(start.location.as_deref(), Some(console), "{role}");
        let page = get(&app, &who, console).await;
        assert_eq!(page.status, 200, "{role} {console}");
        assert!(
            !page.body.contains(r#"href="/report""#) && !page.body.contains(r#"href="/track""#),
            "{role}: no citizen links in a staff header"
        );
    }
    // Visitors and citizens keep them.
    let home = answer(pages().get(format!("{}/", app.base))).await;
    assert!(home.body.contains(r#"href="/report""#));
}
