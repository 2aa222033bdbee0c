//! The identity module's job kind: fetching a MyData import's data once MyData's notice came
//! (`identity.mydata_fetch`, its subject the import's `tx_id`). "Not ready yet" (429) runs
//! the job again after MyData's `Retry-After`.

use crate::IdentityApp;
use crate::accounts::Fetched;
use platform::jobs::{BoxFuture, JobKind, Ran};
use platform::{Platform, ServiceError};
use store::jobs::{Job, Settle};

pub const MYDATA_FETCH: &str = "identity.mydata_fetch";
/// Attempts before a fetch is given up (MyData keeps a file 8 hours; 429s come every few
/// seconds to minutes).
const MAX_ATTEMPTS: i64 = 200;

pub struct MyDataFetch;

impl JobKind for MyDataFetch {
    fn kind(&self) -> &'static str {
        MYDATA_FETCH
    }

    fn lanes(&self) -> Vec<&'static str> {
        vec![""]
    }

    fn run<'a>(
        &'a self,
        platform: &'a Platform,
        batch: &'a [Job],
        token: &'a str,
    ) -> BoxFuture<'a, Result<(), ServiceError>> {
        Box::pin(async move {
            let identity = IdentityApp::new(platform.clone());
            for job in batch {
                let attempts = job.attempts + 1;
                let fetched = match job.subject_id.as_deref() {
                    Some(tx_id) => identity.fetch_mydata(tx_id).await,
                    None => Ok(Fetched::Failed("no import")),
                };
                let now = platform.now();
                let give_up = attempts >= MAX_ATTEMPTS;
                let (how, outcome, detail) = match fetched {
                    Ok(Fetched::Done(d)) => (Settle::Done, "done", d),
                    Ok(Fetched::Later(_)) | Err(_) if give_up => (
                        Settle::Dead {
                            error: "MyData never had the data ready".into(),
                        },
                        "dead",
                        "not ready in time",
                    ),
                    Ok(Fetched::Later(after)) => (
                        Settle::Retry {
                            run_at: now + after,
                            error: "not ready".into(),
                        },
                        "retry",
                        "not ready yet",
                    ),
                    Ok(Fetched::Failed(why)) => (Settle::Dead { error: why.into() }, "dead", why),
                    Err(e) => (
                        Settle::Retry {
                            run_at: now + 60,
                            error: e.to_string(),
                        },
                        "retry",
                        "an error",
                    ),
                };
                if matches!(how, Settle::Dead { .. })
                    && let Some(tx_id) = job.subject_id.as_deref()
                {
                    // The data will not come: the import ends, its key erased.
                    identity.give_up_mydata(tx_id).await?;
                }
                let mut tx = platform.db.begin().await?;
                let ran = Ran {
                    attempts,
                    how,
                    outcome,
                    detail,
                };
                if platform::jobs::settle(&mut tx, job, token, now, ran).await? {
                    tx.commit().await?;
                }
            }
            Ok(())
        })
    }
}
