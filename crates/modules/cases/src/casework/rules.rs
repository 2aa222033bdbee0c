//! Routing and triage rules of a jurisdiction: stored in order, validated against its
//! departments, districts and categories before they are saved, and applied at intake so every
//! case records which rule sent it where and why.

use crate::audit::{self, Subject};
use crate::authz::{Actor, Target};
use crate::{CasesApp, Result, ServiceError};
use domain::catalog::{Category, Jurisdiction};
use domain::category::{AttributeAnswer, Urgency};
use domain::rules::{self, CaseFacts, Known, Match, RouteDecision, RoutingRule, TriageRule};

/// What intake decided for a new case.
#[derive(Debug, Clone)]
pub struct IntakeDecision {
    pub department: String,
    pub urgency: Urgency,
    pub route: RouteDecision,
    pub triage: Vec<Match>,
}

use platform::catalog_cache::{ROUTING, TRIAGE};

impl CasesApp {
    /// The routing rules in force: the stored ones, or the built-in set for Taipei.
    pub async fn routing_rules(&self, j: &Jurisdiction) -> Result<Vec<RoutingRule>> {
        Ok(self.platform.snapshot_of(j).await?.routing.clone())
    }

    /// The triage rules in force: the stored ones, or the built-in set.
    pub async fn triage_rules(&self, j: &Jurisdiction) -> Result<Vec<TriageRule>> {
        Ok(self.platform.snapshot_of(j).await?.triage.clone())
    }

    /// The routing rules of the actor's jurisdiction, for staff who may read them.
    pub async fn routing_rules_for(&self, actor: &Actor) -> Result<Vec<RoutingRule>> {
        let j = self.rules_jurisdiction(actor).await?;
        self.routing_rules(&j).await
    }

    /// The triage rules of the actor's jurisdiction, for staff who may read them.
    pub async fn triage_rules_for(&self, actor: &Actor) -> Result<Vec<TriageRule>> {
        let j = self.rules_jurisdiction(actor).await?;
        self.triage_rules(&j).await
    }

    /// The actor's jurisdiction if the actor may read its rules: staff who see cases anywhere
    /// in it, or manage its rules. Citizens and API clients may not.
    async fn rules_jurisdiction(&self, actor: &Actor) -> Result<Jurisdiction> {
        if !(actor.may_somewhere(crate::permissions::VIEW_CASES)
            || actor.may_somewhere(platform::permissions::MANAGE_CASE_RULES))
        {
            return Err(crate::authz::forbidden());
        }
        self.platform.jurisdiction(&actor.jurisdiction_id).await
    }

    async fn known(&self, j: &Jurisdiction) -> Result<Known> {
        let s = self.platform.snapshot_of(j).await?;
        Ok(Known::from_catalog(
            &s.departments,
            &s.districts,
            &s.categories,
        ))
    }

    /// Replaces the routing rules; every problem is reported and nothing is stored unless all
    /// rules are valid (e.g. a rule naming a department that does not exist).
    pub async fn set_routing_rules(
        &self,
        actor: &Actor,
        list: Vec<RoutingRule>,
    ) -> Result<Vec<RoutingRule>> {
        actor.require(
            platform::permissions::MANAGE_CASE_RULES,
            Target::Jurisdiction,
        )?;
        let j = self.platform.jurisdiction(&actor.jurisdiction_id).await?;
        rules::routing::validate_rules(&list, &self.known(&j).await?)
            .map_err(ServiceError::Invalid)?;
        self.store_rules(
            actor,
            ROUTING,
            list.iter()
                .map(|r| (r.id.clone(), serde_json::to_string(r)))
                .collect(),
        )
        .await?;
        Ok(list)
    }

    pub async fn set_triage_rules(
        &self,
        actor: &Actor,
        list: Vec<TriageRule>,
    ) -> Result<Vec<TriageRule>> {
        actor.require(
            platform::permissions::MANAGE_CASE_RULES,
            Target::Jurisdiction,
        )?;
        let j = self.platform.jurisdiction(&actor.jurisdiction_id).await?;
        rules::triage::validate_rules(&list, &self.known(&j).await?)
            .map_err(ServiceError::Invalid)?;
        self.store_rules(
            actor,
            TRIAGE,
            list.iter()
                .map(|r| (r.id.clone(), serde_json::to_string(r)))
                .collect(),
        )
        .await?;
        Ok(list)
    }

    async fn store_rules(
        &self,
        actor: &Actor,
        kind: &str,
        rows: Vec<(String, serde_json::Result<String>)>,
    ) -> Result<()> {
        let rows = rows
            .into_iter()
            .map(|(id, json)| {
                json.map(|j| (id, j))
                    .map_err(|e| ServiceError::Internal(e.to_string()))
            })
            .collect::<Result<Vec<_>>>()?;
        let mut tx = self.db.begin().await?;
        store::case_config::replace_rules(
            &mut tx,
            &actor.jurisdiction_id,
            kind,
            &rows,
            self.now(),
            &actor.label,
        )
        .await?;
        let ids: Vec<&str> = rows.iter().map(|(id, _)| id.as_str()).collect();
        audit::record(
            &mut tx,
            actor,
            &format!("rules.{kind}"),
            Subject {
                kind: "case_rules",
                id: kind,
                data_subject: None,
            },
            None,
            serde_json::json!({ "rules": ids }),
            self.now(),
        )
        .await?;
        tx.commit().await?;
        self.platform.catalog_changed();
        Ok(())
    }

    /// Routes and triages a new report.
    pub(crate) async fn decide_intake(
        &self,
        j: &Jurisdiction,
        category: &Category,
        description: &str,
        district: Option<&str>,
        answers: &[AttributeAnswer],
    ) -> Result<IntakeDecision> {
        let mut facts = CaseFacts::new(category.code.clone(), description).with_answers(answers);
        if let Some(d) = district {
            facts = facts.with_district(d);
        }
        let s = self.platform.snapshot_of(j).await?;
        let route = rules::route(&s.routing, &facts, &category.department_code);
        let (urgency, triage) = rules::triage(category.urgency, &s.triage, &facts);
        Ok(IntakeDecision {
            department: route.department.clone(),
            urgency,
            route,
            triage,
        })
    }
}
