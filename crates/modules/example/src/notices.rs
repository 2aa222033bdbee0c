//! The module's use cases: posting a notice (published by the `example.publish` job) and
//! listing the jurisdiction's notices.

use crate::module::POST_NOTICES;
use crate::store;
use domain::Message;
use platform::audit::{self, Subject};
use platform::authz::{Actor, Target};
use platform::{Platform, ServiceError};

/// The longest title, in characters.
pub const MAX_TITLE: usize = 120;

/// A notice, as staff posted it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    pub id: String,
    pub jurisdiction_id: String,
    pub title: String,
    pub posted_at: i64,
    /// When the job published it; `None` until then.
    pub published_at: Option<i64>,
}

/// The module's use cases. Cheap to clone.
#[derive(Clone)]
pub struct ExampleApp {
    platform: Platform,
}

impl ExampleApp {
    pub fn new(platform: Platform) -> ExampleApp {
        ExampleApp { platform }
    }

    /// Posts a notice in the actor's jurisdiction, audited, and queues its publication in the
    /// same transaction.
    pub async fn post_notice(&self, actor: &Actor, title: &str) -> Result<Notice, ServiceError> {
        actor.require(POST_NOTICES, Target::Jurisdiction)?;
        let title = title.trim();
        if title.is_empty() || title.chars().count() > MAX_TITLE {
            return Err(ServiceError::invalid(
                Message::new("example-error-title").arg("max", MAX_TITLE.to_string()),
            ));
        }
        let now = self.platform.now();
        let notice = Notice {
            id: uuid::Uuid::now_v7().to_string(),
            jurisdiction_id: actor.jurisdiction_id.clone(),
            title: title.to_string(),
            posted_at: now,
            published_at: None,
        };
        let mut tx = self.platform.db.begin().await?;
        store::insert(&mut tx, &notice).await?;
        platform::jobs::enqueue(
            &mut tx,
            crate::jobs::PUBLISH,
            "",
            Some(&notice.id),
            Some(&notice.jurisdiction_id),
            now,
            now,
        )
        .await?;
        let subject = Subject {
            kind: "example_notice",
            id: &notice.id,
            data_subject: None,
        };
        let data = serde_json::json!({ "title": notice.title });
        audit::record(
            &mut tx,
            actor,
            "example_notice.post",
            subject,
            None,
            data,
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(notice)
    }

    /// The notices of the actor's jurisdiction, newest first.
    pub async fn notices(&self, actor: &Actor) -> Result<Vec<Notice>, ServiceError> {
        actor.require(POST_NOTICES, Target::Jurisdiction)?;
        Ok(store::list(&self.platform.db, &actor.jurisdiction_id).await?)
    }
}
