//! The clerk's queue with `APPLICATIONS` on file.

use crate::common::*;

pub(crate) async fn queue(modules: &web::Modules, base: &str, citizens: &[String]) {
    let counter = &modules.counter;
    let n = size("APPLICATIONS", 100_000);
    let reads = size("QUEUE_READS", 1_000).max(4);
    let started = Instant::now();
    let counts = counter::testkit::seed_applications(counter, TAIPEI, citizens, n)
        .await
        .expect("seed");
    let waiting: usize = counts
        .iter()
        .filter(|(s, _)| {
            matches!(
                **s,
                "submitted" | "under_review" | "needs_correction" | "approved"
            )
        })
        .map(|(_, n)| n)
        .sum();
    println!(
        "clerk queue: {n} applications seeded in {:.1} s ({waiting} waiting on a clerk; {counts:?}), besides the verification's",
        started.elapsed().as_secs_f64()
    );
    let role = platform::authz::Role::parse("counter_clerk").expect("role");
    modules
        .identity
        .create_staff(
            &system(),
            NewStaff {
                login: "clerk.bench".into(),
                display_name: "Clerk Bench".into(),
                email: Some("clerk.bench@taipei.gov.tw".into()),
                mobile: None,
                locale: domain::Locale::En,
                roles: vec![platform::authz::Grant {
                    role,
                    scope: role.scope_kinds()[0],
                    scope_id: TAIPEI.into(),
                }],
                password: Some(STAFF_PASSWORD.into()),
            },
        )
        .await
        .expect("clerk");
    let outcome = modules
        .identity
        .sign_in(TAIPEI, "clerk.bench", STAFF_PASSWORD, "bench-clerk", None)
        .await
        .expect("sign-in");
    let clerk = modules
        .identity
        .authenticate_session(&outcome.session.id, None)
        .await
        .expect("session")
        .expect("live")
        .1;
    let cookie = format!("{}={}", web::api::SESSION_COOKIE, outcome.session.id);

    let first = counter
        .queue(&clerk, &QueueQuery::default())
        .await
        .expect("queue");
    let last = first.last().expect("a full first page");
    let after = (last.due_at.unwrap_or(0), last.id.clone());
    let filters: Vec<(&str, QueueQuery, String)> = vec![
        ("all waiting", QueueQuery::default(), String::new()),
        (
            "one service",
            QueueQuery {
                service: Some(TRANSCRIPT.into()),
                ..QueueQuery::default()
            },
            format!("service={TRANSCRIPT}"),
        ),
        (
            "one office",
            QueueQuery {
                office: Some(OFFICE.into()),
                ..QueueQuery::default()
            },
            format!("office={OFFICE}"),
        ),
        (
            "second page",
            QueueQuery {
                after: Some(after.clone()),
                ..QueueQuery::default()
            },
            format!("after={}.{}", after.0, after.1),
        ),
    ];
    for (name, q, _) in &filters {
        let rows = counter.queue(&clerk, q).await.expect("queue").len();
        println!("  {name}: {rows} rows a page");
    }

    // Over HTTP, as the signed-in clerk.
    let http = client();
    let mut lats: Vec<Lat> = filters.iter().map(|_| Lat::default()).collect();
    for i in 0..reads + 8 {
        let f = i % filters.len();
        let t = Instant::now();
        let r = http
            .get(format!("{base}/staff/counter?{}", filters[f].2))
            .header("cookie", &cookie)
            .header("accept-language", "en")
            .send()
            .await
            .expect("GET");
        let status = r.status().as_u16();
        let body = r.bytes().await.expect("body");
        assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
        if i >= 8 {
            lats[f].add(t.elapsed());
        }
    }
    println!("  GET /staff/counter as a signed-in clerk, one at a time, {reads} pages:");
    let mut all = Lat::default();
    for ((name, _, _), l) in filters.iter().zip(&lats) {
        println!("    {name}: {}", l.summary());
        all.merge(l);
    }
    println!("    all: {}", all.summary());

    // The app's call alone.
    let mut lats: Vec<Lat> = filters.iter().map(|_| Lat::default()).collect();
    for i in 0..reads {
        let f = i % filters.len();
        let t = Instant::now();
        let rows = counter.queue(&clerk, &filters[f].1).await.expect("queue");
        lats[f].add(t.elapsed());
        assert!(!rows.is_empty());
    }
    println!("  CounterApp::queue, {reads} calls:");
    let mut all = Lat::default();
    for ((name, _, _), l) in filters.iter().zip(&lats) {
        println!("    {name}: {}", l.summary());
        all.merge(l);
    }
    println!("    all: {}", all.summary());
}
