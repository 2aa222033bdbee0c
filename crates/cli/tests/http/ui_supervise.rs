//! The supervisor's dashboard and the statistics API over known cases: open, overdue, at
//! risk, resolved on time and late, rated. The page, `GET /api/v1/reports/…` and the CSV files
//! must show the same numbers, the charts must be named and described, and only staff with
//! the statistics permission get them, narrowed to their departments.

use crate::support::*;
use reqwest::Method;
use sea_query::{Expr, ExprTrait, Query};
use serde_json::{Value, json};

const DAY: i64 = 86_400;

/// A page or file as a signed-in browser gets it: status, headers and body.
async fn page(
    app: &TestApp,
    who: Option<&Browser>,
    path: &str,
) -> (u16, reqwest::header::HeaderMap, String) {
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    let mut req = client
        .get(format!("{}{path}", app.base))
        .header("accept-language", "zh-TW");
    if let Some(b) = who {
        req = req.header(
            "cookie",
            format!("{}={}", web::api::SESSION_COOKIE, b.cookie),
        );
    }
    let r = req.send().await.expect("GET");
    let status = r.status().as_u16();
    let headers = r.headers().clone();
    (status, headers, r.text().await.expect("body"))
}

/// The body rows of the table with `id`, each cell as plain text.
fn table(html: &str, id: &str) -> Vec<Vec<String>> {
    let start = html
        .find(&format!("<table id=\"{id}\">"))
        .unwrap_or_else(|| panic!("table {id} in {html}"));
    let end = start + html[start..].find("</table>").expect("table end");
    let body = html[start..end]
        .split("<tbody>")
        .nth(1)
        .and_then(|b| b.split("</tbody>").next())
        .unwrap_or("");
    let cell = regex::Regex::new(r"(?s)<t[hd][^>]*>(.*?)</t[hd]>").expect("regex");
    let tag = regex::Regex::new(r"<[^>]+>").expect("regex");
    body.split("<tr>")
        .skip(1)
        .map(|row| {
            cell.captures_iter(row)
                .map(|c| {
                    tag.replace_all(&c[1], "")
                        .replace("&#39;", "'")
                        .replace("&amp;", "&")
                        .trim()
                        .to_string()
                })
                .collect()
        })
        .collect()
}

/// A CSV download: checks it is one, drops the byte-order mark, splits rows and fields (the
/// fixtures hold no quoted commas).
fn csv_rows(headers: &reqwest::header::HeaderMap, body: &str, file: &str) -> Vec<Vec<String>> {
    assert_eq!(headers["content-type"], "text/csv; charset=utf-8");
    let disposition = headers["content-disposition"].to_str().unwrap();
    assert!(
        disposition.starts_with(&format!("attachment; filename=\"{file}-"))
            && disposition.ends_with(".csv\""),
        "{disposition}"
    );
    let text = body
        .strip_prefix('\u{feff}')
        .expect("a UTF-8 byte-order mark for Excel");
    assert!(text.ends_with("\r\n"), "CRLF line ends");
    text.split("\r\n")
        .filter(|l| !l.is_empty())
        .skip(1)
        .map(|l| l.split(',').map(str::to_string).collect())
        .collect()
}

fn set(column: &str, value: Option<i64>) -> (String, Option<i64>) {
    (column.to_string(), value)
}

/// Rewrites a case's times (the fixture's way of letting days pass).
async fn backdate(
    app: &TestApp,
    number: &str,
    values: &[(String, Option<i64>)],
    sla: Option<&str>,
) {
    let mut stmt = Query::update();
    stmt.table("cases");
    for (column, v) in values {
        stmt.value(sea_query::Alias::new(column.as_str()), *v);
    }
    if let Some(s) = sla {
        stmt.value("sla_state", s);
    }
    stmt.and_where(Expr::col("jurisdiction_id").eq(TAIPEI))
        .and_where(Expr::col("case_number").eq(number));
    app.platform.db.execute(&stmt).await.expect("update");
}

async fn file(app: &TestApp, code: &str, attributes: &[(&str, &str)]) -> String {
    let mut form: Vec<(String, String)> = vec![
        ("api_key".into(), app.key.clone()),
        ("service_code".into(), code.into()),
        ("lat".into(), "25.0377".into()),
        ("long".into(), "121.5436".into()),
        ("description".into(), "督導統計測試".into()),
    ];
    for (k, v) in attributes {
        form.push((format!("attribute[{k}]"), v.to_string()));
    }
    let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let (status, body) = app.post_form("requests.json", &form).await;
    assert_eq!(status, 200, "{body}");
    let v: Value = serde_json::from_str(&body).expect("json");
    v[0]["service_request_id"].as_str().expect("id").to_string()
}

async fn act(app: &TestApp, who: &Browser, number: &str, body: Value) {
    let (status, answer) = send(
        app.as_browser(who, Method::POST, &format!("cases/{number}/actions"))
            .json(&body),
    )
    .await;
    assert_eq!(status, 200, "{body} on {number}: {answer}");
}

async fn resolve(app: &TestApp, who: &Browser, number: &str) {
    act(app, who, number, json!({ "action": "acknowledge" })).await;
    act(
        app,
        who,
        number,
        json!({ "action": "resolve", "outcome": "fixed", "note": "已處理" }),
    )
    .await;
}

async fn rate(app: &TestApp, number: &str, score: i64) {
    let answered =
        cases::testkit::answer_survey(&app.platform.db, TAIPEI, number, score, store::now_unix())
            .await
            .expect("answer");
    assert!(answered, "case {number}");
}

/// The fixture: three open cases (one overdue, one at risk, one new), three resolved (two of
/// them on time) and three survey answers, in two departments.
struct Fixture {
    overdue: String,
    at_risk: String,
}

/// The application with the fixture's two dispatchers, and anyone else `more` asks for.
async fn app_with_dispatchers(more: impl FnOnce(TestAppBuilder) -> TestAppBuilder) -> TestApp {
    more(
        TestApp::new()
            .with_user("dispatcher", Some("PWD-PKS"))
            .with_user("dispatcher", Some("DEP")),
    )
    .start()
    .await
}

async fn fixture(app: &TestApp) -> Fixture {
    let pks = app.user("dispatcher", Some("PWD-PKS")).browser.clone();
    let dep = app.user("dispatcher", Some("DEP")).browser.clone();
    let light = |app| file(app, "1999-L01", &[("lamps_out", "2"), ("fault", "dark")]);
    let noise = |app| {
        file(
            app,
            "1999-N01",
            &[("source", "construction"), ("ongoing", "yes")],
        )
    };
    let overdue = light(app).await;
    let at_risk = light(app).await;
    let on_time = light(app).await;
    let late = light(app).await;
    let _new = noise(app).await;
    let noise_done = noise(app).await;
    for (number, department) in [(&overdue, "PWD-PKS"), (&noise_done, "DEP")] {
        let (_, case) = send(app.as_browser(&pks, Method::GET, &format!("cases/{number}"))).await;
        if department == "PWD-PKS" {
            assert_eq!(case["department"], department, "{case}");
        }
    }
    resolve(app, &pks, &on_time).await;
    resolve(app, &pks, &late).await;
    resolve(app, &dep, &noise_done).await;

    let now = store::now_unix();
    backdate(
        app,
        &overdue,
        &[
            set("requested_at", Some(now - 10 * DAY)),
            set("resolution_due_at", Some(now - 2 * DAY)),
        ],
        Some("breached"),
    )
    .await;
    backdate(
        app,
        &at_risk,
        &[
            set("requested_at", Some(now - 2 * DAY)),
            set("resolution_due_at", Some(now + DAY)),
        ],
        Some("at_risk"),
    )
    .await;
    // Resolved an hour after its deadline.
    let late_case = cases::testkit::work_case(&app.platform.db, TAIPEI, &late)
        .await
        .unwrap()
        .unwrap();
    let closed = late_case.closed_at.expect("resolved");
    backdate(app, &late, &[set("expected_at", Some(closed - 3600))], None).await;

    rate(app, &on_time, 5).await;
    rate(app, &late, 2).await;
    rate(app, &noise_done, 4).await;
    Fixture { overdue, at_risk }
}

fn count_of(list: &Value, key: &str, code: &str) -> i64 {
    list.as_array()
        .unwrap()
        .iter()
        .find(|r| r[key] == code)
        .map_or(0, |r| r["count"].as_i64().unwrap())
}

#[tokio::test]
async fn the_dashboard_the_api_and_the_csv_files_agree() {
    let app = app_with_dispatchers(|b| b.with_user("supervisor", None)).await;
    let f = fixture(&app).await;
    let sup = app.user("supervisor", None).browser.clone();
    let j = app.platform.jurisdiction(TAIPEI).await.unwrap();
    let departments = app.platform.departments(&j).await.unwrap();
    let name = |code: &str| {
        departments
            .iter()
            .find(|d| d.code == code)
            .map(|d| d.name.zh.clone())
            .unwrap_or_else(|| panic!("department {code}"))
    };

    // The API.
    let (status, backlog) = send(app.as_browser(&sup, Method::GET, "reports/backlog")).await;
    assert_eq!(status, 200, "{backlog}");
    assert_eq!(backlog["total"], 3);
    assert_eq!(
        count_of(&backlog["by_department"], "department", "PWD-PKS"),
        2
    );
    assert_eq!(count_of(&backlog["by_category"], "category", "1999-L01"), 2);
    assert_eq!(count_of(&backlog["by_category"], "category", "1999-N01"), 1);
    // Every case was filed at a point only, which lies in Da'an.
    assert_eq!(count_of(&backlog["by_district"], "district", "106"), 3);
    let (_, ageing) = send(app.as_browser(&sup, Method::GET, "reports/ageing")).await;
    let buckets: Vec<(String, i64)> = ageing["buckets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| {
            (
                b["bucket"].as_str().unwrap().to_string(),
                b["count"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        buckets,
        [
            ("under_1_day".to_string(), 1),
            ("1_to_3_days".to_string(), 1),
            ("3_to_7_days".to_string(), 0),
            ("7_to_30_days".to_string(), 1),
            ("over_30_days".to_string(), 0),
        ]
    );
    let (_, sla) = send(app.as_browser(&sup, Method::GET, "reports/sla")).await;
    assert_eq!(
        sla["overall"],
        json!({ "resolved": 3, "on_time": 2, "percent": 66.7 })
    );
    let pks_sla = sla["by_department"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["department"] == "PWD-PKS")
        .unwrap();
    assert_eq!(pks_sla["resolved"], 2);
    assert_eq!(pks_sla["percent"], 50.0);
    assert_eq!(
        sla["by_department"][0]["department"], "PWD-PKS",
        "the lowest share comes first"
    );
    let (_, overdue) = send(app.as_browser(&sup, Method::GET, "reports/overdue")).await;
    assert_eq!(overdue["total"], 1);
    assert_eq!(overdue["cases"][0]["case_number"], f.overdue.as_str());
    assert_eq!(overdue["cases"][0]["age_days"], 10);
    let (_, at_risk) = send(app.as_browser(&sup, Method::GET, "reports/at-risk")).await;
    assert_eq!(at_risk["total"], 1);
    assert_eq!(at_risk["cases"][0]["case_number"], f.at_risk.as_str());
    assert_eq!(at_risk["cases"][0]["sla_state"], "at_risk");
    let (_, ratings) = send(app.as_browser(&sup, Method::GET, "reports/satisfaction")).await;
    assert_eq!(
        ratings["overall"],
        json!({ "count": 3, "average": 3.67, "distribution": [0, 1, 0, 1, 1] })
    );

    // The page shows the same numbers.
    let (status, _, html) = page(&app, Some(&sup), "/supervise").await;
    assert_eq!(status, 200, "{html}");
    let rows = table(&html, "t-backlog-department");
    let api_rows: Vec<Vec<String>> = backlog["by_department"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            vec![
                name(r["department"].as_str().unwrap()),
                r["count"].to_string(),
            ]
        })
        .collect();
    assert_eq!(rows, api_rows);
    // By district: a table, and the map filled by it (the table its text alternative).
    assert_eq!(
        table(&html, "t-backlog-district"),
        [vec!["大安區".to_string(), "3".to_string()]]
    );
    let map_at = html
        .find(r#"class="chart report-map""#)
        .expect("a district map");
    assert!(
        html[map_at..].contains(r#"class="map-area map-d"#),
        "{html}"
    );
    // By village: the open cases with a point, placed in their village by its boundary.
    let villages = table(&html, "t-backlog-village");
    assert_eq!(villages.len(), 1, "{villages:?}");
    assert!(
        villages[0][0].starts_with("大安區 ") && villages[0][0].ends_with('里'),
        "{villages:?}"
    );
    assert_eq!(villages[0][1], "3");
    assert_eq!(
        html.matches(r#"class="chart report-map""#).count(),
        2,
        "a district map and a village map"
    );
    let ageing_rows: Vec<String> = table(&html, "t-ageing")
        .into_iter()
        .map(|r| r[1].clone())
        .collect();
    assert_eq!(ageing_rows, ["1", "1", "0", "1", "0"]);
    let sla_rows = table(&html, "t-sla-department");
    assert_eq!(
        sla_rows[0],
        [name("PWD-PKS"), "2".into(), "1".into(), "50%".into()]
    );
    assert!(html.contains("66.7%"), "the overall share");
    let overdue_rows = table(&html, "t-overdue");
    assert_eq!(overdue_rows.len(), 1);
    assert_eq!(overdue_rows[0][0], f.overdue);
    assert!(html.contains(&format!("href=\"/work/cases/{}\"", f.overdue)));
    assert_eq!(table(&html, "t-at-risk")[0][0], f.at_risk);
    assert!(
        table(&html, "t-at-risk")[0][7].contains("即將到期"),
        "the state in words"
    );
    assert!(
        table(&html, "t-at-risk")[0][5].contains("上班時間"),
        "which calendar the due date was counted on"
    );
    let distribution: Vec<String> = table(&html, "t-satisfaction-distribution")
        .into_iter()
        .map(|r| r[1].clone())
        .collect();
    assert_eq!(
        distribution,
        ["1", "1", "0", "1", "0"],
        "scores 5 down to 1"
    );
    assert!(html.contains("3.67"));

    // Each chart is an image named by its title and described.
    for chart in [
        "chart-backlog",
        "chart-ageing",
        "chart-sla",
        "chart-satisfaction",
    ] {
        assert!(
            html.contains(&format!(
                "role=\"img\" aria-labelledby=\"{chart}-title {chart}-desc\""
            )),
            "{chart}"
        );
        assert!(
            html.contains(&format!("<title id=\"{chart}-title\">")),
            "{chart}"
        );
        assert!(
            html.contains(&format!("<desc id=\"{chart}-desc\">")),
            "{chart}"
        );
    }
    let desc = html
        .split("<desc id=\"chart-backlog-desc\">")
        .nth(1)
        .and_then(|d| d.split("</desc>").next())
        .unwrap();
    assert!(
        desc.contains(&format!("{}：2 件", name("PWD-PKS"))),
        "{desc}"
    );
    assert!(
        html.contains(">2 件</text>"),
        "values are written on the bars"
    );

    // Every section links its CSV file, and the files hold the same numbers.
    for file in [
        "backlog",
        "ageing",
        "sla",
        "overdue",
        "at-risk",
        "satisfaction",
    ] {
        assert!(
            html.contains(&format!("href=\"/supervise/{file}.csv\"")),
            "{file}"
        );
    }
    let (status, headers, body) = page(&app, Some(&sup), "/supervise/backlog.csv").await;
    assert_eq!(status, 200);
    let rows = csv_rows(&headers, &body, "backlog");
    let pks = rows
        .iter()
        .find(|r| r[1] == "PWD-PKS")
        .expect("PWD-PKS row");
    assert_eq!(pks[2], name("PWD-PKS"));
    assert_eq!(pks[3], "2");
    assert_eq!(rows.iter().filter(|r| r[0] == "類別").count(), 2);
    let (_, headers, body) = page(&app, Some(&sup), "/supervise/ageing.csv").await;
    let counts: Vec<String> = csv_rows(&headers, &body, "ageing")
        .into_iter()
        .map(|r| r[4].clone())
        .collect();
    assert_eq!(counts, ["1", "1", "0", "1", "0"]);
    let (_, headers, body) = page(&app, Some(&sup), "/supervise/sla.csv").await;
    let rows = csv_rows(&headers, &body, "sla");
    assert_eq!(rows[0][3..], ["3", "2", "66.7"]);
    let (_, headers, body) = page(&app, Some(&sup), "/supervise/overdue.csv").await;
    let rows = csv_rows(&headers, &body, "overdue");
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0][0], f.overdue);
    assert_eq!(rows[0][9], "10");
    assert!(rows[0][10].starts_with("上班時間"), "{:?}", rows[0]);
    let (_, headers, body) = page(&app, Some(&sup), "/supervise/at-risk.csv").await;
    assert_eq!(csv_rows(&headers, &body, "at-risk")[0][0], f.at_risk);
    let (_, headers, body) = page(&app, Some(&sup), "/supervise/satisfaction.csv").await;
    let rows = csv_rows(&headers, &body, "satisfaction");
    assert_eq!(rows[0][3..], ["3", "3.67", "0", "1", "0", "1", "1"]);

    // A period: only what was received (or resolved, or rated) in it.
    let today = domain::datetime::local_yyyymmdd(store::now_unix(), 8 * 60);
    let today = format!("{}-{}-{}", &today[..4], &today[4..6], &today[6..]);
    let (_, b) =
        send(app.as_browser(&sup, Method::GET, &format!("reports/backlog?from={today}"))).await;
    assert_eq!(
        b["total"], 1,
        "only the new noise case was received today: {b}"
    );
    assert_eq!(b["scope"]["from"], today.as_str());
    let (_, s) = send(app.as_browser(
        &sup,
        Method::GET,
        &format!("reports/sla?from={today}&until={today}"),
    ))
    .await;
    assert_eq!(s["overall"]["resolved"], 3, "all were resolved today: {s}");
    let (status, _, html) = page(&app, Some(&sup), &format!("/supervise?from={today}")).await;
    assert_eq!(status, 200);
    assert_eq!(table(&html, "t-backlog-department").len(), 1);
    assert!(html.contains(&format!("href=\"/supervise/backlog.csv?from={today}\"")));
    let (status, p) =
        send(app.as_browser(&sup, Method::GET, "reports/backlog?from=2026-02-30&until=x")).await;
    assert_eq!(status, 400);
    assert_eq!(p["errors"].as_array().unwrap().len(), 2, "{p}");
    let (status, _, html) = page(
        &app,
        Some(&sup),
        "/supervise?from=2026-12-01&until=2026-11-01",
    )
    .await;
    assert_eq!(status, 400);
    assert!(
        html.contains("href=\"#f-until\""),
        "the error links to its field"
    );
    assert!(
        html.contains("value=\"2026-12-01\""),
        "what was entered is kept"
    );
    // A department.
    let (_, b) = send(app.as_browser(&sup, Method::GET, "reports/backlog?department=DEP")).await;
    assert_eq!(b["total"], 1);
    assert_eq!(b["scope"]["departments"], json!(["DEP"]));
}

#[tokio::test]
async fn only_staff_with_the_permission_see_statistics_and_only_of_their_departments() {
    let app = app_with_dispatchers(|b| b.with_user("field_worker", Some("PWD-PKS"))).await;
    fixture(&app).await;
    let field = app.user("field_worker", Some("PWD-PKS")).browser.clone();
    app.citizen("resident@example.tw", "a quiet citizen's passphrase")
        .await;
    let citizen = app
        .sign_in("resident@example.tw", "a quiet citizen's passphrase")
        .await;
    for who in [&field, &citizen] {
        let (status, _, html) = page(&app, Some(who), "/supervise").await;
        assert_eq!(status, 403, "{html}");
        let (status, _, _) = page(&app, Some(who), "/supervise/backlog.csv").await;
        assert_eq!(status, 403);
        let (status, _) = send(app.as_browser(who, Method::GET, "reports/backlog")).await;
        assert_eq!(status, 403);
    }
    // Not signed in: to the sign-in page, and back here afterwards.
    let (status, headers, _) = page(&app, None, "/supervise?from=2026-11-01").await;
    assert_eq!(status, 303);
    assert_eq!(
        headers["location"],
        "/sign-in?back=/supervise%3Ffrom%3D2026-11-01"
    );
    let (status, _, _) = page(&app, None, "/supervise/sla.csv").await;
    assert_eq!(status, 303);
    let (status, _) = send(app.client.get(app.api_url("reports/backlog"))).await;
    assert_eq!(status, 401);

    // A dispatcher sees their own department only.
    let pks = app.user("dispatcher", Some("PWD-PKS")).browser.clone();
    let (status, b) = send(app.as_browser(&pks, Method::GET, "reports/backlog")).await;
    assert_eq!(status, 200);
    assert_eq!(b["total"], 2, "{b}");
    assert_eq!(b["scope"]["departments"], json!(["PWD-PKS"]));
    let (status, _) = send(app.as_browser(&pks, Method::GET, "reports/sla?department=DEP")).await;
    assert_eq!(status, 403);
    let (status, _, html) = page(&app, Some(&pks), "/supervise").await;
    assert_eq!(status, 200);
    assert_eq!(table(&html, "t-backlog-department").len(), 1);
    assert!(
        !html.contains("value=\"DEP\""),
        "only their departments to choose from"
    );
    let (status, _, _) = page(&app, Some(&pks), "/supervise/backlog.csv?department=DEP").await;
    assert_eq!(status, 403);
    let (status, _, _) = page(&app, Some(&pks), "/supervise/nothing.csv").await;
    assert_eq!(status, 404);
}
