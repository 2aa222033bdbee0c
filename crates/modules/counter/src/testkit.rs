//! Reads below the app API, for black-box tests and benchmarks only (the `testkit` feature,
//! which only dev-dependencies turn on).

use crate::app::Application;
use store::{Db, StoreError};

/// An application as stored, whatever its state (a draft too).
pub async fn application(db: &Db, id: &str) -> Result<Option<Application>, StoreError> {
    crate::store::applications::find(db, id).await
}
