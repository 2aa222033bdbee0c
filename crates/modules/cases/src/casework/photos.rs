//! Photos added to a case by field workers and dispatchers.

use super::events::CaseChange;
use super::operations::{Operation, record_event};
use super::unknown_case;
use crate::authz::Actor;
use crate::domain::case_event::CaseEventKind;
use crate::store::case_work::{self, WorkView};
use crate::{CasesApp, Result, ServiceError};
use domain::Message;

impl CasesApp {
    /// Whether `actor` may add photos to a case, checked before an upload is read: the
    /// caller's case permission decides whether any of its bytes are received.
    /// `add_case_photos` checks again with the photos' visibility.
    pub async fn check_may_add_case_photos(&self, actor: &Actor, case_number: &str) -> Result<()> {
        let j = self.platform.jurisdiction(&actor.jurisdiction_id).await?;
        let op = Operation::Note {
            text: String::new(),
            public: false,
        };
        self.load_authorised(actor, &j, case_number, &op).await?;
        Ok(())
    }

    /// Adds photos to a case (field work): type and size checked, metadata (including the
    /// location) stripped before anything is stored; public photos are shown to the citizen
    /// and to Open311 clients.
    pub async fn add_case_photos(
        &self,
        actor: &Actor,
        case_number: &str,
        uploads: Vec<crate::media::MediaUpload>,
        public: bool,
        note: Option<String>,
    ) -> Result<WorkView> {
        let j = self.platform.jurisdiction(&actor.jurisdiction_id).await?;
        // As every operation: load, authorise (photos go with notes), then validate.
        let op = Operation::Note {
            text: String::new(),
            public,
        };
        let work = self
            .load_authorised(actor, &j, case_number, &op)
            .await?
            .into_work();
        if uploads.is_empty() {
            return Err(ServiceError::invalid(Message::new("error-photo-required")));
        }
        let note = note.map(|n| n.trim().to_string()).filter(|n| !n.is_empty());
        let mut errors = Vec::new();
        let checked = self.check_media(uploads, &mut errors).await?;
        if !errors.is_empty() {
            return Err(ServiceError::Invalid(errors));
        }
        let stored = self.store_media(&j.id, &work.id, checked).await?;
        let result = async {
            let mut tx = self.db.begin().await?;
            let work = self
                .lock_authorised(&mut tx, actor, &j, case_number, &op)
                .await?
                .into_work();
            let now = self.now();
            crate::media::record_media(&mut tx, &j.id, &work.id, &stored, public, now).await?;
            let urls: Vec<&str> = stored.iter().map(|m| m.url.as_str()).collect();
            if public {
                let mut all: Vec<String> =
                    serde_json::from_str(&work.media_urls).unwrap_or_default();
                all.extend(urls.iter().map(|u| u.to_string()));
                let update = crate::store::cases::CaseUpdate {
                    media_urls: Some(serde_json::to_string(&all).unwrap_or_else(|_| "[]".into())),
                    ..Default::default()
                };
                crate::store::cases::update(&mut tx, &j.id, &work.id, &update, now).await?;
            }
            let kind = CaseEventKind::Photo;
            let event_id = record_event(
                &mut tx,
                &j,
                &work,
                kind,
                &actor.event_ref().to_string(),
                public,
                note.clone(),
                serde_json::json!({ "photos": urls }),
                now,
            )
            .await?;
            let after = case_work::find_for_update(&mut tx, &j.id, case_number)
                .await?
                .ok_or_else(|| unknown_case(case_number))?;
            let change = CaseChange {
                note: note.as_deref(),
                ..CaseChange::new(&j, &after, kind, &event_id, public)
            };
            self.case_changed(&mut tx, &[change]).await?;
            tx.commit().await?;
            Ok::<_, ServiceError>(after)
        }
        .await;
        if result.is_err() {
            self.discard_media(&stored).await;
        }
        result
    }
}
