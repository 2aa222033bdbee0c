//! What edited rules would do before they are saved: the most recent cases of the jurisdiction,
//! each with where it went (or how urgent it was) and where it would go under the edited
//! rules. Nothing is stored; the rules are checked as saving checks them.

use crate::authz::{Actor, Target};
use crate::domain::rules::{self, CaseFacts, RoutingRule, TriageRule};
use crate::store::case_work::{self, WorkView};
use crate::{CasesApp, Result, ServiceError};
use domain::catalog::Category;
use domain::category::{AttributeAnswer, Urgency};

/// How many recent cases a preview runs the rules on.
pub const PREVIEW_CASES: u64 = 20;

/// One recent case under edited rules.
#[derive(Debug, Clone, PartialEq)]
pub struct RulePreview {
    pub case_number: String,
    pub category_code: String,
    pub district_code: Option<String>,
    /// Where it is now (the department), or how urgent it is.
    pub now: String,
    /// Where the edited rules would send it, or how urgent they would make it.
    pub then: String,
    /// The rule that would decide (its name), or none for the category's default.
    pub rule: Option<String>,
}

impl RulePreview {
    pub fn changed(&self) -> bool {
        self.now != self.then
    }
}

fn facts_of(w: &WorkView) -> CaseFacts {
    let answers: Vec<AttributeAnswer> = serde_json::from_str(&w.attributes).unwrap_or_default();
    let facts =
        CaseFacts::new(w.category_code.clone(), w.description.clone()).with_answers(&answers);
    match &w.district_code {
        Some(d) => facts.with_district(d.clone()),
        None => facts,
    }
}

/// Where a case is now, where the edited rules would put it, and the rule that would decide.
type Outcome = (String, String, Option<String>);

impl CasesApp {
    /// The most recent cases, each through `decide`, once `check` has found the edited rules
    /// valid against the catalogue (as saving them would).
    async fn preview(
        &self,
        actor: &Actor,
        check: impl FnOnce(&rules::Known) -> std::result::Result<(), Vec<domain::Message>>,
        decide: impl Fn(&[Category], &WorkView) -> Outcome,
    ) -> Result<Vec<RulePreview>> {
        actor.require(
            platform::permissions::MANAGE_CASE_RULES,
            Target::Jurisdiction,
        )?;
        let j = self.platform.jurisdiction(&actor.jurisdiction_id).await?;
        let snapshot = self.platform.snapshot_of(&j).await?;
        check(&rules::Known::from_catalog(
            &snapshot.departments,
            &snapshot.districts,
            &snapshot.categories,
        ))
        .map_err(ServiceError::Invalid)?;
        let cases = case_work::recent(&self.db, &j.id, PREVIEW_CASES).await?;
        Ok(cases
            .iter()
            .map(|w| {
                let (now, then, rule) = decide(&snapshot.categories, w);
                RulePreview {
                    case_number: w.case_number.clone(),
                    category_code: w.category_code.clone(),
                    district_code: w.district_code.clone(),
                    now,
                    then,
                    rule,
                }
            })
            .collect())
    }

    /// The most recent cases under edited routing rules (checked as saving checks them).
    pub async fn preview_routing(
        &self,
        actor: &Actor,
        list: &[RoutingRule],
    ) -> Result<Vec<RulePreview>> {
        self.preview(
            actor,
            |known| rules::routing::validate_rules(list, known),
            |categories, w| {
                let default = category_of(categories, w)
                    .map(|c| c.department_code.clone())
                    .unwrap_or_default();
                let decision = rules::route(list, &facts_of(w), &default);
                let rule = decision
                    .rule_id
                    .and_then(|id| list.iter().find(|r| r.id == id))
                    .map(|r| r.name.clone());
                let now = w.department_code.clone().unwrap_or_default();
                (now, decision.department, rule)
            },
        )
        .await
    }

    /// The most recent cases under edited triage rules (checked as saving checks them).
    pub async fn preview_triage(
        &self,
        actor: &Actor,
        list: &[TriageRule],
    ) -> Result<Vec<RulePreview>> {
        self.preview(
            actor,
            |known| rules::triage::validate_rules(list, known),
            |categories, w| {
                let default = category_of(categories, w).map_or(Urgency::P4, |c| c.urgency);
                let (urgency, matches) = rules::triage(default, list, &facts_of(w));
                let rule = matches.last().map(|m| m.rule_name.clone());
                (w.urgency.clone(), urgency.as_str().to_string(), rule)
            },
        )
        .await
    }
}

fn category_of<'c>(categories: &'c [Category], w: &WorkView) -> Option<&'c Category> {
    categories.iter().find(|c| c.code == w.category_code)
}
