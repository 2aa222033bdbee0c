//! The module's job kind: publishing a posted notice. The job is queued in the transaction
//! that posts the notice; the worker publishes it and settles the job in one transaction.

use platform::jobs::{BoxFuture, JobKind, Ran};
use platform::{Platform, ServiceError};
use store::jobs::{Job, Settle};

/// Publishing one notice (the job's subject is the `example_notices` row).
pub const PUBLISH: &str = "example.publish";

pub struct Publish;

impl JobKind for Publish {
    fn kind(&self) -> &'static str {
        PUBLISH
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
            for job in batch {
                let now = platform.now();
                let mut tx = platform.db.begin().await?;
                let published = match job.subject_id.as_deref() {
                    Some(id) => crate::store::publish(&mut tx, id, now).await?,
                    None => false,
                };
                let ran = Ran {
                    attempts: job.attempts + 1,
                    how: Settle::Done,
                    outcome: "done",
                    detail: if published {
                        "published"
                    } else {
                        "already published"
                    },
                };
                if platform::jobs::settle(&mut tx, job, token, now, ran).await? {
                    tx.commit().await?;
                }
            }
            Ok(())
        })
    }
}
