//! The knowledge base of the agent's desk: answers to what callers ask most (how to apply for
//! a bulky-waste pickup, which office handles what), kept by administrators and supervisors
//! (`manage_knowledge`) and searched by agents during a call (`handle_calls`). Every change is
//! audited.
//!
//! Search matches every word of the query, normalised with `text::match_key` (half-width,
//! 台 → 臺, lower case), as a substring of the question, the keywords, the answer or the
//! category code; Chinese needs no word segmentation for this. Questions weigh most, then
//! keywords, then answers. A jurisdiction holds at most a few thousand entries, so the search
//! runs over all of them in memory, identically on both backends.

use crate::audit::{self, Subject};
use crate::authz::{Actor, Target};
use crate::store::knowledge::{self, KnowledgeEntry};
use crate::{CasesApp, Result, ServiceError};
use domain::Message;

pub const MAX_QUESTION: usize = 300;
pub const MAX_ANSWER: usize = 4000;
pub const MAX_KEYWORDS: usize = 300;
/// Entries a jurisdiction may hold.
pub const MAX_ENTRIES: i64 = 5000;
/// Answers a search returns at most.
pub const MAX_RESULTS: usize = 50;

/// An entry as an editor writes it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AnswerInput {
    pub question: String,
    pub answer: String,
    pub keywords: String,
    pub category_code: Option<String>,
}

fn unknown(id: &str) -> ServiceError {
    ServiceError::NotFound(Message::new("error-answer-unknown").arg("id", id))
}

fn may_read(actor: &Actor) -> Result<()> {
    if actor.may(crate::permissions::HANDLE_CALLS, Target::Jurisdiction)
        || actor.may(crate::permissions::MANAGE_KNOWLEDGE, Target::Jurisdiction)
    {
        Ok(())
    } else {
        Err(crate::authz::forbidden())
    }
}

/// How well an entry answers the query's words: `None` when a word is missing.
fn score(entry: &KnowledgeEntry, words: &[String]) -> Option<u32> {
    let question = text::match_key(&entry.question);
    let keywords = text::match_key(&entry.keywords);
    let answer = text::match_key(&entry.answer);
    let category = entry
        .category_code
        .as_deref()
        .map(text::match_key)
        .unwrap_or_default();
    let mut total = 0;
    for w in words {
        total += if question.contains(w.as_str()) {
            4
        } else if keywords.contains(w.as_str()) {
            3
        } else if category.contains(w.as_str()) {
            2
        } else if answer.contains(w.as_str()) {
            1
        } else {
            return None;
        };
    }
    Some(total)
}

/// The entries that answer `query`, best first (all entries, newest first, for an empty one).
pub fn rank(entries: Vec<KnowledgeEntry>, query: &str) -> Vec<KnowledgeEntry> {
    let words: Vec<String> = text::match_key(query)
        .split_whitespace()
        .map(str::to_string)
        .collect();
    let mut scored: Vec<(u32, KnowledgeEntry)> = entries
        .into_iter()
        .filter_map(|e| score(&e, &words).map(|s| (s, e)))
        .collect();
    // Stable: equal scores keep the store's order (most recently changed first).
    scored.sort_by_key(|(score, _)| std::cmp::Reverse(*score));
    scored
        .into_iter()
        .take(MAX_RESULTS)
        .map(|(_, e)| e)
        .collect()
}

fn bounded(
    text: &str,
    field: &'static str,
    max: usize,
    required: bool,
    errors: &mut Vec<Message>,
) -> String {
    let t = text.trim();
    if required && t.is_empty() {
        errors.push(Message::new("error-field-required").arg("field", field));
    } else if t.chars().count() > max {
        errors.push(
            Message::new("error-field-too-long")
                .arg("field", field)
                .arg("max", max.to_string()),
        );
    }
    t.to_string()
}

impl CasesApp {
    /// Checks an entry; every problem is reported together.
    async fn checked_answer(&self, actor: &Actor, input: &AnswerInput) -> Result<AnswerInput> {
        let mut errors = Vec::new();
        let question = bounded(&input.question, "question", MAX_QUESTION, true, &mut errors);
        let answer = bounded(&input.answer, "answer", MAX_ANSWER, true, &mut errors);
        let keywords = bounded(
            &input.keywords,
            "keywords",
            MAX_KEYWORDS,
            false,
            &mut errors,
        );
        let category_code = input
            .category_code
            .as_deref()
            .map(str::trim)
            .filter(|c| !c.is_empty())
            .map(str::to_string);
        if let Some(code) = &category_code
            && store::catalog::get_category(&self.db, &actor.jurisdiction_id, code)
                .await?
                .is_none()
        {
            errors.push(Message::new("error-service-unknown").arg("code", code.clone()));
        }
        if !errors.is_empty() {
            return Err(ServiceError::Invalid(errors));
        }
        Ok(AnswerInput {
            question,
            answer,
            keywords,
            category_code,
        })
    }

    /// Searches the knowledge base (see the module documentation).
    pub async fn search_answers(&self, actor: &Actor, query: &str) -> Result<Vec<KnowledgeEntry>> {
        may_read(actor)?;
        if query.chars().count() > MAX_QUESTION {
            return Err(ServiceError::invalid(
                Message::new("error-field-too-long")
                    .arg("field", "q")
                    .arg("max", MAX_QUESTION.to_string()),
            ));
        }
        let all =
            knowledge::list_entries(&self.db, &actor.jurisdiction_id, MAX_ENTRIES as u64).await?;
        Ok(rank(all, query))
    }

    /// One entry.
    pub async fn answer(&self, actor: &Actor, id: &str) -> Result<KnowledgeEntry> {
        may_read(actor)?;
        let mut tx = self.db.begin().await?;
        let entry = knowledge::find_entry(&mut tx, &actor.jurisdiction_id, id)
            .await?
            .ok_or_else(|| unknown(id))?;
        tx.commit().await?;
        Ok(entry)
    }

    /// Adds an entry. Audited (`knowledge.create`).
    pub async fn create_answer(&self, actor: &Actor, input: AnswerInput) -> Result<KnowledgeEntry> {
        actor.require(crate::permissions::MANAGE_KNOWLEDGE, Target::Jurisdiction)?;
        let input = self.checked_answer(actor, &input).await?;
        let now = self.now();
        let by = crate::desk::staff_id(actor);
        let entry = KnowledgeEntry {
            id: uuid::Uuid::now_v7().to_string(),
            jurisdiction_id: actor.jurisdiction_id.clone(),
            question: input.question,
            answer: input.answer,
            keywords: input.keywords,
            category_code: input.category_code,
            created_by: by.clone(),
            updated_by: by,
            created_at: now,
            updated_at: now,
        };
        let mut tx = self.db.begin().await?;
        if knowledge::count_entries(&mut tx, &actor.jurisdiction_id).await? >= MAX_ENTRIES {
            return Err(ServiceError::invalid(
                Message::new("error-answers-full").arg("max", MAX_ENTRIES.to_string()),
            ));
        }
        knowledge::insert_entry(&mut tx, &entry).await?;
        audit::record(
            &mut tx,
            actor,
            "knowledge.create",
            subject(&entry.id),
            None,
            serde_json::json!({ "question": entry.question, "category": entry.category_code }),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(entry)
    }

    /// Replaces an entry's question, answer, keywords and category. Audited
    /// (`knowledge.update`, with the question before and after).
    pub async fn update_answer(
        &self,
        actor: &Actor,
        id: &str,
        input: AnswerInput,
    ) -> Result<KnowledgeEntry> {
        actor.require(crate::permissions::MANAGE_KNOWLEDGE, Target::Jurisdiction)?;
        let input = self.checked_answer(actor, &input).await?;
        let mut tx = self.db.begin().await?;
        let before = knowledge::find_entry(&mut tx, &actor.jurisdiction_id, id)
            .await?
            .ok_or_else(|| unknown(id))?;
        let entry = KnowledgeEntry {
            question: input.question,
            answer: input.answer,
            keywords: input.keywords,
            category_code: input.category_code,
            updated_by: crate::desk::staff_id(actor),
            updated_at: self.now(),
            ..before.clone()
        };
        knowledge::update_entry(&mut tx, &entry).await?;
        audit::record(
            &mut tx,
            actor,
            "knowledge.update",
            subject(id),
            None,
            serde_json::json!({
                "question": entry.question,
                "previous_question": before.question,
                "answer_changed": entry.answer != before.answer,
                "category": entry.category_code,
            }),
            self.now(),
        )
        .await?;
        tx.commit().await?;
        Ok(entry)
    }

    /// Removes an entry. Audited (`knowledge.delete`, with its question).
    pub async fn delete_answer(&self, actor: &Actor, id: &str) -> Result<()> {
        actor.require(crate::permissions::MANAGE_KNOWLEDGE, Target::Jurisdiction)?;
        let mut tx = self.db.begin().await?;
        let before = knowledge::find_entry(&mut tx, &actor.jurisdiction_id, id)
            .await?
            .ok_or_else(|| unknown(id))?;
        knowledge::delete_entry(&mut tx, &actor.jurisdiction_id, id).await?;
        audit::record(
            &mut tx,
            actor,
            "knowledge.delete",
            subject(id),
            None,
            serde_json::json!({ "question": before.question }),
            self.now(),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }
}

fn subject(id: &str) -> Subject<'_> {
    Subject {
        kind: "knowledge_entry",
        id,
        data_subject: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(id: &str, question: &str, keywords: &str, answer: &str) -> KnowledgeEntry {
        KnowledgeEntry {
            id: id.into(),
            jurisdiction_id: "j".into(),
            question: question.into(),
            answer: answer.into(),
            keywords: keywords.into(),
            category_code: None,
            created_by: "a".into(),
            updated_by: "a".into(),
            created_at: 0,
            updated_at: 0,
        }
    }

    #[test]
    fn every_word_must_match_and_questions_weigh_most() {
        let all = vec![
            entry(
                "1",
                "如何申請大型垃圾清運？",
                "廢棄家具 清潔隊",
                "撥打清潔隊預約。",
            ),
            entry(
                "2",
                "路燈不亮要找誰？",
                "路燈 報修",
                "由公園處路燈管理處處理，可申請大型機具。",
            ),
            entry("3", "台北市垃圾車時刻", "垃圾 清運", "請查詢環保局網站。"),
        ];
        let ids =
            |q: &str| -> Vec<String> { rank(all.clone(), q).into_iter().map(|e| e.id).collect() };
        // 台 and 臺 are one character for the search; full-width letters are half-width.
        assert_eq!(ids("臺北 垃圾"), ["3"]);
        assert_eq!(ids("大型"), ["1", "2"], "the question before the answer");
        assert_eq!(ids("路燈　報修"), ["2"]);
        assert_eq!(ids("不存在"), Vec::<String>::new());
        assert_eq!(ids("").len(), 3, "an empty query lists everything");
        assert_eq!(ids("清運"), ["1", "3"]);
    }
}
