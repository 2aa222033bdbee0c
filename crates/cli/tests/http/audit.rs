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
