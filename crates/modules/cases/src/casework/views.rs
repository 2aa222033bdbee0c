//! Saved views of the dispatcher's queue: a named set of filters per staff account, kept as
//! the query string of the queue page. They are the account's own; nobody else sees them.

use crate::authz::Actor;
use crate::store::knowledge::{self, SavedView};
use crate::{CasesApp, Result, ServiceError};
use domain::Message;

/// Views an account may keep.
pub const MAX_VIEWS: i64 = 30;
const MAX_NAME: usize = 60;
const MAX_QUERY: usize = 1000;

fn may_keep_views(actor: &Actor) -> Result<&str> {
    if !actor.may_somewhere(crate::permissions::DISPATCH_CASES) {
        return Err(crate::authz::forbidden());
    }
    actor.account()
}

impl CasesApp {
    /// The signed-in dispatcher's saved views, by name.
    pub async fn saved_views(&self, actor: &Actor) -> Result<Vec<SavedView>> {
        let me = may_keep_views(actor)?;
        Ok(knowledge::list_views(&self.db, &actor.jurisdiction_id, me).await?)
    }

    /// Saves the current filters under a name; a view of the same name is replaced.
    pub async fn save_view(&self, actor: &Actor, name: &str, query: &str) -> Result<SavedView> {
        let me = may_keep_views(actor)?.to_string();
        let name = name.trim();
        let mut errors = Vec::new();
        if name.is_empty() {
            errors.push(Message::new("error-field-required").arg("field", "name"));
        } else if name.chars().count() > MAX_NAME {
            errors.push(
                Message::new("error-field-too-long")
                    .arg("field", "name")
                    .arg("max", MAX_NAME.to_string()),
            );
        }
        let query = query.trim().trim_start_matches('?');
        if query.len() > MAX_QUERY || query.chars().any(|c| c.is_control()) {
            errors.push(
                Message::new("error-field-too-long")
                    .arg("field", "query")
                    .arg("max", MAX_QUERY.to_string()),
            );
        }
        if !errors.is_empty() {
            return Err(ServiceError::Invalid(errors));
        }
        let view = SavedView {
            id: uuid::Uuid::now_v7().to_string(),
            jurisdiction_id: actor.jurisdiction_id.clone(),
            account_id: me.clone(),
            name: name.to_string(),
            query: query.to_string(),
            created_at: self.now(),
        };
        let mut tx = self.db.begin().await?;
        // Replacing a view of the same name does not count against the limit.
        if knowledge::count_views(&mut tx, &me, &view.name).await? >= MAX_VIEWS {
            return Err(ServiceError::invalid(
                Message::new("error-views-full").arg("max", MAX_VIEWS.to_string()),
            ));
        }
        knowledge::upsert_view(&mut tx, &view).await?;
        tx.commit().await?;
        Ok(view)
    }

    /// Deletes one of the signed-in dispatcher's views.
    pub async fn delete_view(&self, actor: &Actor, id: &str) -> Result<()> {
        let me = may_keep_views(actor)?.to_string();
        let mut tx = self.db.begin().await?;
        if !knowledge::delete_view(&mut tx, &actor.jurisdiction_id, &me, id).await? {
            return Err(ServiceError::NotFound(Message::new("error-view-unknown")));
        }
        tx.commit().await?;
        Ok(())
    }
}
