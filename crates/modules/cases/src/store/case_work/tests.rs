use super::queue::queue_statement;
use super::sla::sla_candidates_statement;
use super::*;

#[test]
fn the_queue_orders_by_risk_and_due_date_with_bound_values() {
    let f = QueueFilter {
        by_risk: true,
        text: Some("50%_路燈".into()),
        after: Some((1, "2026112400001".into())),
        limit: 10,
        ..QueueFilter::default()
    };
    let (sql, values) = sea_query_sqlx::SqlxBinder::build_sqlx(
        &queue_statement("j", &f),
        sea_query::SqliteQueryBuilder,
    );
    assert!(!sql.contains('$'), "every placeholder is bound: {sql}");
    assert!(
        sql.contains(r#"ORDER BY "queue_rank" ASC, "queue_due" ASC, "case_number" ASC"#),
        "{sql}"
    );
    assert!(sql.contains(r#""queue_rank" IS NOT NULL"#), "{sql}");
    assert!(
        format!("{values:?}").contains(r"%50!%!_路燈%"),
        "{values:?}"
    );
    let (pg, _) = sea_query_sqlx::SqlxBinder::build_sqlx(
        &queue_statement("j", &f),
        sea_query::PostgresQueryBuilder,
    );
    assert!(!pg.contains('?'), "every placeholder is bound: {pg}");
}

use sea_query::SqliteQueryBuilder;

/// A migrated database holding the test city, and a transaction open to add its cases.
async fn city_db() -> (tempfile::TempDir, Db, Tx) {
    let (dir, db) = crate::store::testing::sqlite_db().await;
    let mut tx = db.begin().await.unwrap();
    store::catalog::upsert_jurisdiction(&mut tx, &city(), 1_790_000_000)
        .await
        .unwrap();
    (dir, db, tx)
}

/// The plan SQLite chooses for `stmt`, with its values bound, over a city's worth of
/// cases (the planner's choice depends on the table's size): 20,000 of `status`,
/// analysed, then changed by `then`.
async fn plan_among_many_cases(status: &str, then: &str, stmt: &SelectStatement) -> Vec<String> {
    let (_dir, db) = crate::store::testing::sqlite_db().await;
    let Db::Sqlite(pool, _) = &db else {
        unreachable!("a SQLite URL")
    };
    let mut conn = pool.acquire().await.unwrap();
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
        "PRAGMA foreign_keys = OFF;
         WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 20000)
         INSERT INTO cases (id, jurisdiction_id, case_number, category_code, status, urgency,
                            channel, description, password_hash, requested_at, updated_at)
         SELECT 'c' || i, 'j', printf('2026112%06d', i), 'x', '{status}', 'normal', 'web',
                '', '', i, i FROM n;
         ANALYZE;
         {then}"
    )))
    .execute(&mut *conn)
    .await
    .unwrap();
    let (sql, values) = sea_query_sqlx::SqlxBinder::build_sqlx(stmt, SqliteQueryBuilder);
    let plan = sqlx::query_with(
        sqlx::AssertSqlSafe(format!("EXPLAIN QUERY PLAN {sql}")),
        values,
    )
    .fetch_all(&mut *conn)
    .await
    .unwrap()
    .iter()
    .map(|r| sqlx::Row::get::<String, _>(r, 3))
    .collect();
    drop(conn);
    db.close().await;
    plan
}

/// A full scan here once made intake slow down as cases accumulated (it runs inside the
/// filing's write transaction, so every writer waited for it).
#[tokio::test]
async fn finding_the_reporters_of_a_case_uses_indexes_only() {
    let plan = plan_among_many_cases("open", "", &reporters_query("c1")).await;
    assert!(!plan.is_empty());
    assert!(
        plan.iter().all(|line| !line.starts_with("SCAN")),
        "{plan:#?}"
    );
}

fn city() -> domain::catalog::Jurisdiction {
    domain::catalog::Jurisdiction {
        id: "j".into(),
        name: domain::locale::Localized::new("市", "City"),
        timezone: "Asia/Taipei".into(),
        utc_offset_minutes: 480,
        contact: "1999".into(),
        key_service: String::new(),
        bounds: None,
    }
}

fn new_case(n: u32, sla_state: &str, due: Option<i64>) -> crate::store::cases::NewCase {
    crate::store::cases::NewCase {
        id: format!("c{n}"),
        jurisdiction_id: "j".into(),
        case_number: format!("202611240000{n:02}"),
        token: None,
        category_code: "1999-L01".into(),
        status: "assigned".into(),
        urgency: "P3".into(),
        department_code: Some("TPWD".into()),
        channel: "web".into(),
        description: format!("路燈 {n}"),
        address: None,
        address_id: None,
        zipcode: None,
        district_code: None,
        lat: Some(25.03396412345679),
        lon: None,
        attributes: "[]".into(),
        media_urls: "[]".into(),
        status_notes: None,
        password_hash: "h".into(),
        api_client_id: None,
        requested_at: 1_790_000_000,
        expected_at: None,
        routing: None,
        triage: None,
        sla_state: Some(sla_state.into()),
        ack_due_at: None,
        response_due_at: None,
        resolution_due_at: due,
    }
}

/// A city's cases are nearly all closed (after an import, all of them were when the
/// statistics were taken). A queue page (and a page of SLA supervision's pass) must find
/// its few open ones through an index, in the queue's order (no sort of every open case), whatever the planner may know of the
/// values bound to it (see `.cargo/config.toml`: one build of SQLite scanned the table
/// here).
#[tokio::test]
async fn the_queue_reads_a_page_in_index_order_among_many_closed_cases() {
    let page = QueueFilter {
        limit: 100,
        ..QueueFilter::default()
    };
    let queues = [
        ("by due date", page.clone()),
        (
            "by risk",
            QueueFilter {
                by_risk: true,
                ..page.clone()
            },
        ),
        (
            "a department's, after a cursor",
            QueueFilter {
                departments: Some(vec!["TPWD".into(), "TPPD".into()]),
                after: Some((1_790_000_000, "20261124000100".into())),
                ..page.clone()
            },
        ),
        (
            "in progress, by risk",
            QueueFilter {
                statuses: Some(vec!["in_progress".into()]),
                by_risk: true,
                ..page.clone()
            },
        ),
    ];
    let after = (1_790_000_000, "20261124000100".to_string());
    let statements = queues
        .into_iter()
        .map(|(name, f)| (name, queue_statement("j", &f)))
        .chain([(
            "SLA supervision's candidates, after a cursor",
            sla_candidates_statement("j", 1_800_000_000, Some(&after), 500),
        )]);
    for (name, stmt) in statements {
        let plan = plan_among_many_cases(
            "closed",
            "UPDATE cases SET status = 'assigned', resolution_due_at = requested_at WHERE rowid % 1000 = 0;",
            &stmt,
        )
        .await;
        assert!(
            plan.iter()
                .any(|line| line.starts_with("SEARCH cases USING INDEX cases_queue_by")),
            "{name}: {plan:#?}"
        );
        assert!(
            plan.iter().all(|line| !line.contains("TEMP B-TREE")),
            "{name}: {plan:#?}"
        );
    }
}

/// `queue_rank` (migration 0011) decides which cases a queue holds: NULL exactly for the
/// final statuses of the lifecycle, and otherwise the SLA risk.
#[tokio::test]
async fn queue_rank_agrees_with_the_lifecycle() {
    use crate::domain::lifecycle::CaseStatus;
    let (_dir, db, mut tx) = city_db().await;
    let sla_states = [("breached", 0), ("at_risk", 1), ("running", 2), ("met", 2)];
    let mut n = 0;
    let mut expected = Vec::new();
    for status in CaseStatus::ALL {
        for (sla, rank) in sla_states {
            n += 1;
            let mut c = new_case(n, sla, None);
            c.status = status.as_str().into();
            crate::store::cases::insert(&mut tx, &c).await.unwrap();
            let rank = (!status.is_final()).then_some(rank);
            expected.push((c.case_number, status.as_str(), sla, rank));
        }
    }
    tx.commit().await.unwrap();
    let stmt = Query::select()
        .columns(["case_number", "queue_rank"])
        .from("cases")
        .order_by("case_number", Order::Asc)
        .to_owned();
    let read: Vec<(String, Option<i64>)> = db
        .fetch_all(&stmt)
        .await
        .unwrap()
        .iter()
        .map(|r| (r.get("case_number").unwrap(), r.get("queue_rank").unwrap()))
        .collect();
    let want: Vec<(String, Option<i64>)> = expected
        .iter()
        .map(|(number, _, _, rank)| (number.clone(), *rank))
        .collect();
    assert_eq!(read, want, "{expected:#?}");
    db.close().await;
}

/// The queue is read as one JSON page; it must keep the order the SQL sorts by.
#[tokio::test]
async fn the_queue_keeps_its_order_by_risk_and_due_date() {
    let (_dir, db, mut tx) = city_db().await;
    let cases = [
        new_case(1, "running", Some(300)),
        new_case(2, "breached", Some(500)),
        new_case(3, "running", None),
        new_case(4, "at_risk", Some(400)),
        new_case(5, "running", Some(100)),
        new_case(6, "breached", Some(200)),
        new_case(7, "running", Some(100)),
    ];
    for c in &cases {
        crate::store::cases::insert(&mut tx, c).await.unwrap();
    }
    tx.commit().await.unwrap();
    let numbers = |by_risk: bool| {
        let db = db.clone();
        async move {
            let f = QueueFilter {
                by_risk,
                limit: 10,
                ..QueueFilter::default()
            };
            queue(&db, "j", &f)
                .await
                .unwrap()
                .into_iter()
                .map(|w| w.case_number[10..].to_string())
                .collect::<Vec<_>>()
                .join(" ")
        }
    };
    assert_eq!(numbers(false).await, "0005 0007 0006 0001 0004 0002 0003");
    assert_eq!(numbers(true).await, "0006 0002 0004 0005 0007 0001 0003");
    let read = queue(
        &db,
        "j",
        &QueueFilter {
            limit: 1,
            ..QueueFilter::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(read, vec![WorkView::of_new(&cases[4])]);
    db.close().await;
}

#[tokio::test]
async fn the_view_of_a_new_case_is_what_reading_it_back_gives() {
    let (_dir, db, mut tx) = city_db().await;
    // Every optional column filled, so that a field the view forgot shows up.
    let new = crate::store::cases::NewCase {
        id: "c1".into(),
        jurisdiction_id: "j".into(),
        case_number: "20261124000001".into(),
        token: Some("t".into()),
        category_code: "1999-L01".into(),
        status: "assigned".into(),
        urgency: "P3".into(),
        department_code: Some("TPWD".into()),
        channel: "web".into(),
        description: "路燈不亮".into(),
        address: Some("中正區重慶南路一段122號".into()),
        address_id: Some("a".into()),
        zipcode: Some("100".into()),
        district_code: Some("100".into()),
        lat: Some(25.04),
        lon: Some(121.51),
        attributes: r#"[{"code":"lamps_out","value":2}]"#.into(),
        media_urls: r#"["https://example.org/1.jpg"]"#.into(),
        status_notes: Some("n".into()),
        password_hash: "h".into(),
        api_client_id: None,
        requested_at: 1_790_000_000,
        expected_at: Some(1_790_500_000),
        routing: Some(r#"{"rule":"r"}"#.into()),
        triage: Some(r#"{"rule":"t"}"#.into()),
        sla_state: Some("running".into()),
        ack_due_at: Some(1_790_003_600),
        response_due_at: Some(1_790_086_400),
        resolution_due_at: Some(1_790_400_000),
    };
    crate::store::cases::insert(&mut tx, &new).await.unwrap();
    tx.commit().await.unwrap();
    let read = find(&db, "j", "20261124000001").await.unwrap();
    assert_eq!(read, Some(WorkView::of_new(&new)));
    db.close().await;
}
