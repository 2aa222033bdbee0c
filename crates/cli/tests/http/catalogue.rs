//! The catalogue held in memory: a change made through the server is offered at once; one made
//! by another process (another node, a CLI command) within the cache's lifetime. And the
//! microcache of public Open311 lists: at most a second old, skipped on `no-cache`.

use crate::support::{TAIPEI, TestApp};
use std::time::{Duration, Instant};

/// The name Open311 offers now: past the lists' microcache, which has its own test below.
async fn street_light_name(app: &TestApp) -> String {
    let response = app
        .client
        .get(app.url("services.json?locale=en"))
        .header("cache-control", "no-cache")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let services: serde_json::Value = response.json().await.unwrap();
    services
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["service_code"] == "1999-L01")
        .map(|s| s["service_name"].as_str().unwrap().to_string())
        .expect("street lights are offered")
}

#[tokio::test]
async fn a_change_made_by_another_node_is_served_within_the_cache_lifetime() {
    let app = TestApp::start().await;
    let loaded = Instant::now();
    let before = street_light_name(&app).await;

    // Another node: its own connection pool and its own services over the same database.
    let other = store::Db::connect(&app.database_url, 2).await.unwrap();
    let (mut categories, _) = store::catalog::list_categories(&other, TAIPEI)
        .await
        .unwrap();
    let light = categories
        .iter_mut()
        .find(|c| c.code == "1999-L01")
        .unwrap();
    light.name.en = "Street light out (renamed elsewhere)".into();
    let mut tx = other.begin().await.unwrap();
    store::catalog::upsert_category(&mut tx, TAIPEI, light, app.platform.now())
        .await
        .unwrap();
    tx.commit().await.unwrap();
    other.close().await;

    // Not yet while this server's snapshot is fresh (checked only when the machine was quick
    // enough for the snapshot still to be fresh).
    let now_served = street_light_name(&app).await;
    if loaded.elapsed() + Duration::from_secs(1) < platform::catalog_cache::CATALOG_TTL {
        assert_eq!(now_served, before, "served from the snapshot");
    }
    let changed = Instant::now();
    loop {
        if street_light_name(&app).await == "Street light out (renamed elsewhere)" {
            break;
        }
        assert!(
            changed.elapsed() < platform::catalog_cache::CATALOG_TTL + Duration::from_secs(2),
            "the other node's change is served within the cache lifetime"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }

    // A change made through this server's services is offered at once.
    app.platform
        .load_reference(
            &platform::reference::builtin()
                .unwrap()
                .into_iter()
                .find(|s| s.jurisdiction.id == TAIPEI)
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(street_light_name(&app).await, before);
}

#[tokio::test]
async fn public_lists_are_at_most_a_second_old_and_no_cache_skips_that() {
    let app = TestApp::start().await;
    let list = "requests.json?service_code=1999-L01";
    let count = |v: serde_json::Value| v.as_array().map_or(0, Vec::len);
    let (_, before) = app.get_json(list).await;
    let number = app.file_streetlight().await;

    // Within the cache's lifetime the same query may be answered from memory, with its age.
    let cached = app.get(list).await;
    let age = cached
        .headers()
        .get("age")
        .map(|v| v.to_str().unwrap().to_string());
    let cached: serde_json::Value = cached.json().await.unwrap();
    if age.is_some() {
        assert_eq!(count(cached), count(before.clone()), "a cached copy");
    }
    // Asked for a fresh answer, the server runs the query.
    let fresh = app
        .client
        .get(app.url(list))
        .header("cache-control", "no-cache")
        .send()
        .await
        .unwrap();
    assert!(fresh.headers().get("age").is_none());
    let fresh: serde_json::Value = fresh.json().await.unwrap();
    assert_eq!(count(fresh.clone()), count(before.clone()) + 1, "{fresh}");
    // And a second later everyone sees the new case.
    tokio::time::sleep(web::DEFAULT_OPEN311_CACHE * 2 + Duration::from_millis(100)).await;
    let (_, later) = app.get_json(list).await;
    assert!(later.to_string().contains(&number), "{later}");
    // A single case is never cached: it is there at once.
    let (status, _) = app.get_json(&format!("requests/{number}.json")).await;
    assert_eq!(status, 200);
}
