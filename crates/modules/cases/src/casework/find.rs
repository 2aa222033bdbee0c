//! Finding a case from one search box: a case number opens the case, a phone number goes to
//! the desk's caller lookup (a read of personal data, which asks for a reason there), anything
//! else is looked for in the numbers, descriptions and addresses of the cases the caller may
//! see. A number the caller may not see, or that does not exist, is simply not found.

use super::{QueueRequest, case_number_as_typed, may_view};
use crate::authz::{Actor, Target};
use crate::domain::case_number::CaseNumber;
use crate::domain::desk::CallerNumber;
use crate::domain::lifecycle::CaseStatus;
use crate::store::case_work::{self, WorkView};
use crate::{CasesApp, Result};

/// How many cases a text search lists.
pub const FIND_LIMIT: u64 = 50;

/// What a search found.
#[derive(Debug)]
pub enum Found {
    /// Nothing was asked.
    Nothing,
    /// The case with this number, which the caller may open.
    Case(String),
    /// A phone number (normalised): the caller's cases are found by the desk's lookup.
    Phone(String),
    /// The cases whose number, description or address holds the text, newest first.
    Matches(Vec<WorkView>),
}

impl CasesApp {
    /// What `q` finds for `actor` (see the module documentation).
    pub async fn find_case(&self, actor: &Actor, q: &str) -> Result<Found> {
        if !actor.may_somewhere(crate::permissions::VIEW_CASES) {
            return Err(crate::authz::forbidden());
        }
        let q = q.trim();
        if q.is_empty() {
            return Ok(Found::Nothing);
        }
        let as_number = case_number_as_typed(q);
        if let Ok(number) = CaseNumber::parse(&as_number) {
            let found = case_work::find(&self.db, &actor.jurisdiction_id, number.as_str())
                .await?
                .filter(|w| may_view(actor, w));
            return Ok(match found {
                Some(w) => Found::Case(w.case_number),
                None => Found::Matches(Vec::new()),
            });
        }
        let looks_like_phone = q
            .chars()
            .all(|c| c.is_ascii_digit() || " +-()#".contains(c) || c.is_whitespace());
        if looks_like_phone
            && actor.may(crate::permissions::HANDLE_CALLS, Target::Jurisdiction)
            && let Ok(number) = CallerNumber::parse(q)
        {
            return Ok(Found::Phone(number.display()));
        }
        let cases = self
            .case_queue(
                actor,
                QueueRequest {
                    statuses: Some(
                        CaseStatus::ALL
                            .iter()
                            .map(|s| s.as_str().to_string())
                            .collect(),
                    ),
                    text: Some(q.to_string()),
                    limit: FIND_LIMIT,
                    ..QueueRequest::default()
                },
            )
            .await?;
        Ok(Found::Matches(cases))
    }
}
