//! The catalogue held in memory: a change made through the server is offered at once; one made
//! by another process (another node, a CLI command) within the cache's lifetime.

use crate::support::{TAIPEI, TestApp};
use std::time::{Duration, Instant};

async fn street_light_name(app: &TestApp) -> String {
    let (status, services) = app.get_json("services.json?locale=en").await;
    assert_eq!(status, 200, "{services}");
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
    store::catalog::upsert_category(&mut tx, TAIPEI, light)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    other.close().await;

    // Not yet while this server's snapshot is fresh (checked only when the machine was quick
    // enough for the snapshot still to be fresh).
    let now_served = street_light_name(&app).await;
    if loaded.elapsed() + Duration::from_secs(1) < services::catalog_cache::CATALOG_TTL {
        assert_eq!(now_served, before, "served from the snapshot");
    }
    let changed = Instant::now();
    loop {
        if street_light_name(&app).await == "Street light out (renamed elsewhere)" {
            break;
        }
        assert!(
            changed.elapsed() < services::catalog_cache::CATALOG_TTL + Duration::from_secs(2),
            "the other node's change is served within the cache lifetime"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }

    // A change made through this server's services is offered at once.
    app.services
        .load_reference(
            &services::reference::builtin()
                .unwrap()
                .into_iter()
                .find(|s| s.jurisdiction.id == TAIPEI)
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(street_light_name(&app).await, before);
}
