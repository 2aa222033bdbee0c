use crate::support::*;
use cases::testkit::{ChainReport, event_chain as verify_chain};
use sea_query::{Expr, ExprTrait, Query};

#[tokio::test]
async fn editing_an_event_in_the_database_is_detected() {
    let app = TestApp::start().await;
    for _ in 0..3 {
        app.file_streetlight().await;
    }
    assert_eq!(
        verify_chain(&app.platform.db, TAIPEI).await.unwrap(),
        ChainReport::Intact { records: 3 }
    );
    let tamper = Query::update()
        .table("case_events")
        .value("actor", "someone-else")
        .and_where(Expr::col("jurisdiction_id").eq(TAIPEI))
        .and_where(Expr::col("chain_seq").eq(2))
        .to_owned();
    app.platform.db.execute(&tamper).await.unwrap();
    match verify_chain(&app.platform.db, TAIPEI).await.unwrap() {
        ChainReport::Broken { chain_seq, .. } => assert_eq!(chain_seq, 2),
        other => panic!("tampering not detected: {other:?}"),
    }
}

#[tokio::test]
async fn deleting_an_event_is_detected() {
    let app = TestApp::start().await;
    for _ in 0..3 {
        app.file_streetlight().await;
    }
    let delete = Query::delete()
        .from_table("case_events")
        .and_where(Expr::col("jurisdiction_id").eq(TAIPEI))
        .and_where(Expr::col("chain_seq").eq(3))
        .to_owned();
    app.platform.db.execute(&delete).await.unwrap();
    assert!(matches!(
        verify_chain(&app.platform.db, TAIPEI).await.unwrap(),
        ChainReport::Broken { .. }
    ));
}

/// The first two links of a new chain, written by two transactions at once: the second waits
/// for the first and takes the next number (on PostgreSQL both inserted the chain's head row,
/// and the second failed on a duplicate key).
#[tokio::test]
async fn two_first_links_of_a_new_chain_at_once_both_take_a_number() {
    let app = TestApp::start().await;
    let tables = tables_of_audit();
    let db = app.platform.db.clone();
    let mut first = db.begin().await.expect("begin");
    let (seq, prev) = store::chain::next_link(&mut first, &tables, "new-chain.example")
        .await
        .expect("first link");
    assert_eq!((seq, prev.as_str()), (1, store::chain::GENESIS));
    let second = tokio::spawn(async move {
        let mut tx = db.begin().await.expect("begin");
        let link = store::chain::next_link(&mut tx, &tables_of_audit(), "new-chain.example").await;
        tx.commit().await.expect("commit");
        link
    });
    // The second is under way (waiting for the first) before the first commits.
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    store::chain::set_head(&mut first, &tables, "new-chain.example", "ab")
        .await
        .expect("head");
    first.commit().await.expect("commit");
    let (seq, prev) = second.await.expect("task").expect("second link");
    assert_eq!((seq, prev.as_str()), (2, "ab"));
}

fn tables_of_audit() -> store::chain::ChainTables {
    store::chain::ChainTables {
        records: "audit_records",
        heads: "audit_chains",
        noun: "audit record",
    }
}
