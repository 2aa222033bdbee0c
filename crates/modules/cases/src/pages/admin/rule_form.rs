//! One routing or triage rule edited in a form: its name, what it decides, and its condition as
//! rows of "what is tested, how, against what" (the condition builder, `domain::rules::builder`).
//! Rows are added and removed by submitting the form, so it works without JavaScript; a preview
//! shows what the rules would do with this rule to the most recent cases. Categories, districts
//! and list answers may be typed by name or by code: names are shown, codes are stored.

use super::rules::{Kind, PreviewLine, preview_lines};
use super::{PageResult, failed, require};
use crate::domain::rules::builder::{self, Field, Join, Operator, Row};
use crate::domain::rules::{RoutingRule, TriageRule};
use crate::doors::CasesState;
use crate::pages::staff::Catalog;
use askama::Template;
use axum::Router;
use axum::extract::{Form, Path, Query, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use domain::category::{Datatype, Urgency};
use domain::{Locale, Message};
use identity::doors::{Viewer, check_token, render};
use platform::ServiceError;
use serde::Deserialize;
use webkit::page::forms::Errors;
use webkit::page::{Page, PageError, see_other};

pub fn routes() -> Router<CasesState> {
    Router::new()
        .route("/admin/rules/{kind}/rule", get(show).post(submit))
        .route("/admin/rules/{kind}/delete", post(delete))
}

/// Most rows one rule may have in the form (the stored rule's own limit is larger).
const MAX_ROWS: usize = 20;

/// One condition row as shown.
pub struct RowView {
    /// From 1, as messages name it.
    pub n: usize,
    pub field: String,
    pub op: String,
    pub value: String,
    pub error: Option<String>,
}

impl RowView {
    pub fn id(&self, part: &str) -> String {
        format!("f-c{}-{part}", self.n)
    }
}

/// A `<select>` option.
pub struct Choice {
    pub key: String,
    pub label: String,
}

#[derive(Template)]
#[template(path = "admin/rule_form.html")]
struct RuleForm {
    p: Page,
    kind: &'static str,
    /// The rule being changed; `None` for a new one.
    original: Option<String>,
    rule_id: String,
    rule_name: String,
    enabled: bool,
    /// Department code (routing) or urgency (triage).
    target: String,
    targets: Vec<Choice>,
    join: &'static str,
    nested: bool,
    rows: Vec<RowView>,
    fields: Vec<Choice>,
    attributes: Vec<Choice>,
    operators: Vec<Choice>,
    categories: Vec<String>,
    districts: Vec<String>,
    errors: Errors,
    preview: Option<Vec<PreviewLine>>,
    changed: usize,
}

/// What the form holds, as submitted or as loaded from a stored rule.
struct Draft {
    original: Option<String>,
    id: String,
    name: String,
    enabled: bool,
    target: String,
    join: Join,
    rows: Vec<(String, String, String)>,
    /// The stored condition nests groups, which only the advanced view edits.
    nested: bool,
}

#[derive(Deserialize)]
struct RuleQuery {
    #[serde(default)]
    id: Option<String>,
}

async fn show(
    State(state): State<CasesState>,
    v: Viewer,
    Path(kind): Path<String>,
    Query(q): Query<RuleQuery>,
) -> PageResult {
    let actor = require(&v, platform::permissions::MANAGE_CASE_RULES)?;
    let kind = Kind::parse(&kind, v.locale)?;
    let catalog = Catalog::load(&state, v.locale).await?;
    let Some(id) = q.id.filter(|id| !id.is_empty()) else {
        let id = state
            .cases
            .new_rule_id(actor, kind.as_str())
            .await
            .map_err(failed(&v))?;
        let draft = Draft {
            original: None,
            id,
            name: String::new(),
            enabled: true,
            target: String::new(),
            join: Join::All,
            rows: vec![("category".into(), "in".into(), String::new())],
            nested: false,
        };
        return page(&state, &v, kind, &catalog, draft, Errors::default(), None);
    };
    let (name, enabled, target, when) = match kind {
        Kind::Routing => {
            let rules = state
                .cases
                .routing_rules_for(actor)
                .await
                .map_err(failed(&v))?;
            let r = rules
                .into_iter()
                .find(|r| r.id == id)
                .ok_or_else(|| not_found(&v))?;
            (r.name, r.enabled, r.department, r.when)
        }
        Kind::Triage => {
            let rules = state
                .cases
                .triage_rules_for(actor)
                .await
                .map_err(failed(&v))?;
            let r = rules
                .into_iter()
                .find(|r| r.id == id)
                .ok_or_else(|| not_found(&v))?;
            (r.name, r.enabled, r.raise_to.as_str().to_string(), r.when)
        }
    };
    // Nested conditions are edited in the advanced view: the page says so rather than show
    // a form that would lose them.
    let (join, rows, nested) = match builder::rows_of(&when) {
        Some((join, rows)) => (
            join,
            rows.iter()
                .map(|r| (r.field.key(), r.op.as_str().to_string(), shown(&catalog, r)))
                .collect(),
            false,
        ),
        None => (Join::All, Vec::new(), true),
    };
    let draft = Draft {
        original: Some(id.clone()),
        id,
        name,
        enabled,
        target,
        join,
        rows,
        nested,
    };
    page(&state, &v, kind, &catalog, draft, Errors::default(), None)
}

fn not_found(v: &Viewer) -> PageError {
    PageError::new(StatusCode::NOT_FOUND, "error-rule-not-found-page", v.locale)
}

/// A row's values in words: names for codes, joined as the language lists them.
fn shown(catalog: &Catalog, row: &Row) -> String {
    let names: Vec<String> = row
        .values
        .iter()
        .map(|value| match &row.field {
            Field::Category => catalog
                .categories
                .iter()
                .find(|c| &c.code == value)
                .map_or_else(|| value.clone(), |c| c.name.get(catalog.locale).to_string()),
            Field::District => catalog
                .districts
                .iter()
                .find(|d| &d.code == value)
                .map_or_else(|| value.clone(), |d| d.name.get(catalog.locale).to_string()),
            Field::Attribute(code) if matches!(row.op, Operator::In | Operator::NotIn) => catalog
                .categories
                .iter()
                .flat_map(|c| c.attributes.iter())
                .filter(|a| &a.code == code)
                .flat_map(|a| a.values.iter())
                .find(|o| &o.key == value)
                .map_or_else(|| value.clone(), |o| o.name.get(catalog.locale).to_string()),
            _ => value.clone(),
        })
        .collect();
    match row.op {
        Operator::Between => names.join(" – "),
        _ if catalog.locale == Locale::ZhTw => names.join("、"),
        _ => names.join(", "),
    }
}

/// Replaces names by codes where the row names categories, districts or list options. A
/// category or district that does not exist is refused here, by row; an unknown list option
/// is left for the rule checks to name.
fn resolve(catalog: &Catalog, n: usize, row: &mut Row) -> Result<(), Message> {
    let same = |a: &str, b: &str| a.trim().eq_ignore_ascii_case(b.trim());
    for value in &mut row.values {
        let unknown = |id: &'static str| {
            Message::new(id)
                .arg("row", n.to_string())
                .arg("value", value.as_str())
        };
        let found = match &row.field {
            Field::Category => Some(
                code_named(
                    catalog
                        .categories
                        .iter()
                        .map(|c| (c.code.as_str(), &c.name)),
                    value,
                )
                .ok_or_else(|| unknown("rule-builder-unknown-category"))?,
            ),
            Field::District => Some(
                code_named(
                    catalog.districts.iter().map(|d| (d.code.as_str(), &d.name)),
                    value,
                )
                .ok_or_else(|| unknown("rule-builder-unknown-district"))?,
            ),
            Field::Attribute(code) if matches!(row.op, Operator::In | Operator::NotIn) => catalog
                .categories
                .iter()
                .flat_map(|c| c.attributes.iter())
                .filter(|a| &a.code == code)
                .flat_map(|a| a.values.iter())
                .find(|o| same(&o.key, value) || same(&o.name.zh, value) || same(&o.name.en, value))
                .map(|o| o.key.clone()),
            _ => None,
        };
        if let Some(code) = found {
            *value = code;
        }
    }
    Ok(())
}

/// The code of the entry whose code, or name in either language, is `value`.
fn code_named<'a>(
    mut entries: impl Iterator<Item = (&'a str, &'a domain::Localized)>,
    value: &str,
) -> Option<String> {
    let same = |a: &str| a.trim().eq_ignore_ascii_case(value.trim());
    entries
        .find(|(code, name)| same(code) || same(&name.zh) || same(&name.en))
        .map(|(code, _)| code.to_string())
}

fn page(
    state: &CasesState,
    v: &Viewer,
    kind: Kind,
    catalog: &Catalog,
    draft: Draft,
    errors: Errors,
    preview: Option<Vec<PreviewLine>>,
) -> PageResult {
    let row_error = |n: usize| {
        errors
            .items
            .iter()
            .find(|e| e.field == format!("f-c{n}-value"))
            .map(|e| e.message.clone())
    };
    let rows = draft
        .rows
        .into_iter()
        .enumerate()
        .map(|(i, (field, op, value))| RowView {
            n: i + 1,
            error: row_error(i + 1),
            field,
            op,
            value,
        })
        .collect();
    let targets = match kind {
        Kind::Routing => catalog
            .department_options(false)
            .into_iter()
            .chain(catalog.department_options(true))
            .map(|d| Choice {
                label: format!("{} ({})", d.name, d.code),
                key: d.code,
            })
            .collect(),
        Kind::Triage => Urgency::ALL
            .iter()
            .map(|u| Choice {
                key: u.as_str().to_string(),
                label: v.t(&format!("admin-urgency-{}", u.as_str())),
            })
            .collect(),
    };
    let fields = ["category", "district", "description"]
        .into_iter()
        .map(|f| Choice {
            key: f.to_string(),
            label: v.t(&format!("admin-rule-field-{f}")),
        })
        .collect();
    let mut attributes: Vec<Choice> = Vec::new();
    for a in catalog.categories.iter().flat_map(|c| c.attributes.iter()) {
        let key = Field::Attribute(a.code.clone()).key();
        if a.variable && !attributes.iter().any(|c| c.key == key) {
            let number = if a.datatype == Datatype::Number {
                v.t("admin-rule-number")
            } else {
                String::new()
            };
            attributes.push(Choice {
                key,
                label: format!("{}{number} ({})", a.description.get(v.locale), a.code),
            });
        }
    }
    attributes.sort_by(|a, b| a.label.cmp(&b.label));
    let operators = Operator::ALL
        .iter()
        .map(|o| Choice {
            key: o.as_str().to_string(),
            label: v.t(&format!("admin-rule-op-{}", o.as_str())),
        })
        .collect();
    let title = match (kind, draft.original.is_some()) {
        (Kind::Routing, true) => "admin-rule-edit-routing",
        (Kind::Routing, false) => "admin-rule-new-routing",
        (Kind::Triage, true) => "admin-rule-edit-triage",
        (Kind::Triage, false) => "admin-rule-new-triage",
    };
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::BAD_REQUEST
    };
    let form = RuleForm {
        p: Page::new(v, state, title, "admin").with_errors(&errors),
        kind: kind.as_str(),
        original: draft.original,
        rule_id: draft.id,
        rule_name: draft.name,
        enabled: draft.enabled,
        target: draft.target,
        targets,
        join: draft.join.as_str(),
        nested: draft.nested,
        rows,
        fields,
        attributes,
        operators,
        categories: catalog
            .categories
            .iter()
            .filter(|c| c.active)
            .map(|c| c.name.get(v.locale).to_string())
            .collect(),
        districts: catalog
            .districts
            .iter()
            .map(|d| d.name.get(v.locale).to_string())
            .collect(),
        changed: preview
            .as_ref()
            .map_or(0, |lines| lines.iter().filter(|l| l.changed).count()),
        preview,
        errors,
    };
    Ok(render(v, state, status, &form))
}

/// The form as submitted: `c{n}-field`, `c{n}-op` and `c{n}-value` for each row `n` from 1,
/// and `action` — `save`, `preview`, `add`, or `remove-{n}`.
fn read_form(pairs: &[(String, String)]) -> (Draft, String, String) {
    let get = |k: &str| {
        pairs
            .iter()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let mut rows = Vec::new();
    for n in 1..=MAX_ROWS {
        let field = pairs.iter().find(|(k, _)| *k == format!("c{n}-field"));
        let Some((_, field)) = field else { break };
        rows.push((
            field.clone(),
            get(&format!("c{n}-op")),
            get(&format!("c{n}-value")),
        ));
    }
    let original = Some(get("original")).filter(|o| !o.is_empty());
    let draft = Draft {
        original,
        id: get("id").trim().to_string(),
        name: get("name"),
        enabled: get("enabled") == "yes",
        target: get("target"),
        join: if get("join") == "any" {
            Join::Any
        } else {
            Join::All
        },
        rows,
        nested: false,
    };
    (draft, get("action"), get("_csrf"))
}

async fn submit(
    State(state): State<CasesState>,
    v: Viewer,
    Path(kind): Path<String>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> PageResult {
    let actor = require(&v, platform::permissions::MANAGE_CASE_RULES)?;
    let kind = Kind::parse(&kind, v.locale)?;
    let (mut draft, action, csrf) = read_form(&pairs);
    check_token(&v, &csrf)?;
    let catalog = Catalog::load(&state, v.locale).await?;
    // Adding and removing rows only redraws the form; nothing is stored.
    if action == "add" {
        if draft.rows.len() < MAX_ROWS {
            draft
                .rows
                .push(("category".into(), "in".into(), String::new()));
        }
        return page(&state, &v, kind, &catalog, draft, Errors::default(), None);
    }
    if let Some(n) = action
        .strip_prefix("remove-")
        .and_then(|n| n.parse::<usize>().ok())
    {
        if (1..=draft.rows.len()).contains(&n) {
            draft.rows.remove(n - 1);
        }
        return page(&state, &v, kind, &catalog, draft, Errors::default(), None);
    }

    let mut errors = Errors::default();
    let mut rows = Vec::new();
    for (i, (field, op, value)) in draft.rows.iter().enumerate() {
        let n = i + 1;
        match Row::parse(n, field, op, value).and_then(|mut row| {
            resolve(&catalog, n, &mut row)?;
            Ok(row)
        }) {
            Ok(row) => rows.push(row),
            Err(m) => errors.add(&v, &format!("f-c{n}-value"), &m),
        }
    }
    let condition = match builder::condition_of(draft.join, &rows) {
        Ok(c) => Some(c),
        Err(m) => {
            errors.add(&v, "f-add", &m);
            None
        }
    };
    let Some(when) = condition.filter(|_| errors.is_empty()) else {
        return page(&state, &v, kind, &catalog, draft, errors, None);
    };
    let original = draft.original.as_deref();
    let id = draft.id.clone();
    let name = draft.name.trim().to_string();
    let result = match kind {
        Kind::Routing => {
            let rule = RoutingRule {
                id,
                name,
                order: 0,
                enabled: draft.enabled,
                when,
                department: draft.target.clone(),
            };
            match state.cases.routing_rules_with(actor, original, rule).await {
                Ok(list) if action == "preview" => {
                    state.cases.preview_routing(actor, &list).await.map(Some)
                }
                Ok(list) => state
                    .cases
                    .set_routing_rules(actor, list)
                    .await
                    .map(|_| None),
                Err(e) => Err(e),
            }
        }
        Kind::Triage => {
            let rule = match Urgency::parse(&draft.target) {
                Some(raise_to) => Ok(TriageRule {
                    id,
                    name,
                    enabled: draft.enabled,
                    when,
                    raise_to,
                }),
                None => Err(ServiceError::invalid(Message::new(
                    "rule-builder-urgency-required",
                ))),
            };
            match rule {
                Ok(rule) => match state.cases.triage_rules_with(actor, original, rule).await {
                    Ok(list) if action == "preview" => {
                        state.cases.preview_triage(actor, &list).await.map(Some)
                    }
                    Ok(list) => state
                        .cases
                        .set_triage_rules(actor, list)
                        .await
                        .map(|_| None),
                    Err(e) => Err(e),
                },
                Err(e) => Err(e),
            }
        }
    };
    match result {
        Ok(None) => Ok(see_other(&format!(
            "/admin/rules?done=saved#{}",
            kind.as_str()
        ))),
        Ok(Some(rows)) => {
            let lines = preview_lines(&state, &v, kind, rows).await?;
            page(&state, &v, kind, &catalog, draft, errors, Some(lines))
        }
        Err(e) => {
            let errors = Errors::from_service(&v, e, field_of)?.in_order(&[
                "f-id",
                "f-name",
                "f-target",
                "f-c1-field",
            ]);
            page(&state, &v, kind, &catalog, draft, errors, None)
        }
    }
}

/// The input a rule check's message concerns.
fn field_of(m: &Message) -> String {
    match m.id {
        "rule-invalid-id" | "rule-invalid-id-duplicate" => "f-id",
        "rule-invalid-name" => "f-name",
        "rule-invalid-department" | "rule-builder-urgency-required" => "f-target",
        _ => "f-c1-field",
    }
    .to_string()
}

#[derive(Deserialize)]
struct DeleteForm {
    #[serde(default)]
    _csrf: String,
    #[serde(default)]
    rule: String,
}

/// Deletes one rule; the overview says so.
async fn delete(
    State(state): State<CasesState>,
    v: Viewer,
    Path(kind): Path<String>,
    Form(form): Form<DeleteForm>,
) -> PageResult {
    let actor = require(&v, platform::permissions::MANAGE_CASE_RULES)?;
    let kind = Kind::parse(&kind, v.locale)?;
    check_token(&v, &form._csrf)?;
    state
        .cases
        .delete_rule(actor, kind.as_str(), &form.rule)
        .await
        .map_err(failed(&v))?;
    Ok(see_other(&format!(
        "/admin/rules?done=deleted#{}",
        kind.as_str()
    )))
}
