//! Routing and triage rules of a jurisdiction: stored in order, validated against its
//! departments, districts and categories before they are saved, and applied at intake so every
//! case records which rule sent it where and why.
//!
//! The rules in force are this module's part of the catalogue snapshot ([`CaseRules`]): loaded
//! with the first request that needs them after the snapshot is, and dropped with it.

use crate::audit::{self, Subject};
use crate::authz::{Actor, Target};
use crate::catalog_cache::CatalogSnapshot;
use crate::domain::rules::{self, CaseFacts, Known, Match, RouteDecision, RoutingRule, TriageRule};
use crate::{CasesApp, Result, ServiceError};
use domain::catalog::{Category, Jurisdiction};
use domain::category::{AttributeAnswer, Urgency};
use std::sync::Arc;

/// What intake decided for a new case.
#[derive(Debug, Clone)]
pub struct IntakeDecision {
    pub department: String,
    pub urgency: Urgency,
    pub route: RouteDecision,
    pub triage: Vec<Match>,
}

/// The kinds of stored case rules (`case_rules.kind`).
pub const ROUTING: &str = "routing";
pub const TRIAGE: &str = "triage";

/// A jurisdiction's routing and triage rules in force: the cases module's part of its
/// catalogue snapshot ([`CatalogSnapshot::part`]).
#[derive(Debug)]
pub struct CaseRules {
    pub routing: Vec<RoutingRule>,
    pub triage: Vec<TriageRule>,
}

impl CasesApp {
    /// The rules in force, loaded once per catalogue snapshot.
    async fn rules_in_force(&self, j: &Jurisdiction) -> Result<Arc<CaseRules>> {
        let snapshot: Arc<CatalogSnapshot> = self.platform.snapshot_of(j).await?;
        snapshot
            .part(|| load_case_rules(&self.db, &snapshot.jurisdiction))
            .await
    }

    /// The routing rules in force: the stored ones (even none, once an administrator has set
    /// them), or the built-in set for Taipei.
    pub async fn routing_rules(&self, j: &Jurisdiction) -> Result<Vec<RoutingRule>> {
        Ok(self.rules_in_force(j).await?.routing.clone())
    }

    /// The triage rules in force: the stored ones, or the built-in set.
    pub async fn triage_rules(&self, j: &Jurisdiction) -> Result<Vec<TriageRule>> {
        Ok(self.rules_in_force(j).await?.triage.clone())
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

    /// Moves a routing rule one place earlier (`up`) or later in the order rules are tried, and
    /// stores the list as [`Self::set_routing_rules`] does (checked, audited). A rule that does
    /// not exist, or is already first (last), is refused.
    pub async fn move_routing_rule(
        &self,
        actor: &Actor,
        id: &str,
        up: bool,
    ) -> Result<Vec<RoutingRule>> {
        actor.require(
            platform::permissions::MANAGE_CASE_RULES,
            Target::Jurisdiction,
        )?;
        let j = self.platform.jurisdiction(&actor.jurisdiction_id).await?;
        let mut list = self.routing_rules(&j).await?;
        if !rules::routing::move_rule(&mut list, id, up) {
            return Err(ServiceError::invalid(
                domain::Message::new("error-rule-cannot-move").arg("rule", id),
            ));
        }
        self.set_routing_rules(actor, list).await
    }

    /// The routing rules as they would be with `rule` from the rule form: it replaces the rule
    /// `original` (keeping its place in the order), or comes last when `original` is `None`.
    /// Nothing is stored; the list is for [`Self::set_routing_rules`] or a preview.
    pub async fn routing_rules_with(
        &self,
        actor: &Actor,
        original: Option<&str>,
        mut rule: RoutingRule,
    ) -> Result<Vec<RoutingRule>> {
        let j = self.rules_manager(actor).await?;
        let mut list = self.routing_rules(&j).await?;
        match original {
            Some(id) => {
                let old = list
                    .iter_mut()
                    .find(|r| r.id == id)
                    .ok_or_else(|| rule_not_found(id))?;
                rule.order = old.order;
                *old = rule;
            }
            None => {
                rule.order = list
                    .iter()
                    .map(|r| r.order)
                    .max()
                    .unwrap_or(0)
                    .saturating_add(10);
                list.push(rule);
            }
        }
        Ok(list)
    }

    /// The triage rules as they would be with `rule` from the rule form, as
    /// [`Self::routing_rules_with`].
    pub async fn triage_rules_with(
        &self,
        actor: &Actor,
        original: Option<&str>,
        rule: TriageRule,
    ) -> Result<Vec<TriageRule>> {
        let j = self.rules_manager(actor).await?;
        let mut list = self.triage_rules(&j).await?;
        match original {
            Some(id) => {
                let old = list
                    .iter_mut()
                    .find(|r| r.id == id)
                    .ok_or_else(|| rule_not_found(id))?;
                *old = rule;
            }
            None => list.push(rule),
        }
        Ok(list)
    }

    /// Deletes one rule (`kind` is [`ROUTING`] or [`TRIAGE`]); checked and audited as any save.
    pub async fn delete_rule(&self, actor: &Actor, kind: &str, id: &str) -> Result<()> {
        let j = self.rules_manager(actor).await?;
        let missing = || rule_not_found(id);
        if kind == ROUTING {
            let mut list = self.routing_rules(&j).await?;
            let before = list.len();
            list.retain(|r| r.id != id);
            if list.len() == before {
                return Err(missing());
            }
            self.set_routing_rules(actor, list).await.map(|_| ())
        } else {
            let mut list = self.triage_rules(&j).await?;
            let before = list.len();
            list.retain(|r| r.id != id);
            if list.len() == before {
                return Err(missing());
            }
            self.set_triage_rules(actor, list).await.map(|_| ())
        }
    }

    /// An unused rule id for a new rule of `kind`: `rule-1`, `rule-2` …
    pub async fn new_rule_id(&self, actor: &Actor, kind: &str) -> Result<String> {
        let j = self.rules_manager(actor).await?;
        let ids: Vec<String> = if kind == ROUTING {
            self.routing_rules(&j)
                .await?
                .into_iter()
                .map(|r| r.id)
                .collect()
        } else {
            self.triage_rules(&j)
                .await?
                .into_iter()
                .map(|r| r.id)
                .collect()
        };
        Ok((1..)
            .map(|n| format!("rule-{n}"))
            .find(|id| !ids.contains(id))
            .unwrap_or_default())
    }

    /// The actor's jurisdiction, when the actor manages its rules.
    async fn rules_manager(&self, actor: &Actor) -> Result<Jurisdiction> {
        actor.require(
            platform::permissions::MANAGE_CASE_RULES,
            Target::Jurisdiction,
        )?;
        self.platform.jurisdiction(&actor.jurisdiction_id).await
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
        let r = self.rules_in_force(j).await?;
        let route = rules::route(&r.routing, &facts, &category.department_code);
        let (urgency, triage) = rules::triage(category.urgency, &r.triage, &facts);
        Ok(IntakeDecision {
            department: route.department.clone(),
            urgency,
            route,
            triage,
        })
    }
}

fn rule_not_found(id: &str) -> ServiceError {
    ServiceError::NotFound(domain::Message::new("error-rule-not-found").arg("rule", id))
}

/// Reads a jurisdiction's rules in force, for its catalogue snapshot.
async fn load_case_rules(db: &store::Db, j: &Jurisdiction) -> Result<CaseRules> {
    Ok(CaseRules {
        routing: load_routing_rules(db, j).await?,
        triage: load_triage_rules(db, j).await?,
    })
}

/// Reads the routing rules in force.
async fn load_routing_rules(db: &store::Db, j: &Jurisdiction) -> Result<Vec<RoutingRule>> {
    let stored = store::case_config::rules(db, &j.id, ROUTING).await?;
    if stored.is_empty() && !store::case_config::rules_set(db, &j.id, ROUTING).await? {
        return Ok(if j.id == "taipei.gov.tw" {
            rules::taipei_routing_rules()
        } else {
            Vec::new()
        });
    }
    stored
        .iter()
        .map(|r| {
            serde_json::from_str(&r.definition)
                .map_err(|e| ServiceError::Internal(format!("routing rule {}: {e}", r.id)))
        })
        .collect()
}

/// Reads the triage rules in force.
async fn load_triage_rules(db: &store::Db, j: &Jurisdiction) -> Result<Vec<TriageRule>> {
    let stored = store::case_config::rules(db, &j.id, TRIAGE).await?;
    if stored.is_empty() && !store::case_config::rules_set(db, &j.id, TRIAGE).await? {
        return Ok(if j.id == "taipei.gov.tw" {
            rules::taipei_triage_rules()
        } else {
            rules::default_triage_rules()
        });
    }
    stored
        .iter()
        .map(|r| {
            serde_json::from_str(&r.definition)
                .map_err(|e| ServiceError::Internal(format!("triage rule {}: {e}", r.id)))
        })
        .collect()
}
