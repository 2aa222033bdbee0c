//! Routing and triage rules: shown as tables in plain words, edited as one JSON (or TOML)
//! text. The services check the whole list against the catalogue before storing it, and every
//! problem is shown next to the text.

use super::{Done, PageResult, done_message, failed, require};
use crate::domain::rules::{AttributeTest, Condition, RoutingRule, TriageRule};
use crate::doors::CasesState;
use askama::Template;
use axum::Router;
use axum::extract::{Form, Path, Query, State};
use axum::http::StatusCode;
use axum::routing::get;
use domain::{Locale, Message};
use identity::doors::Viewer;
use identity::doors::check_token;
use identity::doors::render;
use serde::Deserialize;
use serde::de::DeserializeOwned;
use webkit::page::Page;
use webkit::page::forms::Errors;
use webkit::page::{PageError, see_other};

pub fn routes() -> Router<CasesState> {
    Router::new()
        .route("/admin/rules", get(overview))
        .route("/admin/rules/{kind}", get(edit).post(save))
        .route("/admin/rules/routing/move", axum::routing::post(move_rule))
}

fn tr(locale: Locale, id: &str, args: &[(&str, String)]) -> String {
    webkit::i18n::tr(locale, id, args)
}

/// A condition in plain words, e.g. "category is 1999-L01 and lamps_out ≥ 10".
pub fn describe(c: &Condition, locale: Locale) -> String {
    let list = |v: &[String]| v.join(", ");
    match c {
        Condition::CategoryIs(code) => tr(locale, "admin-cond-category", &[("list", code.clone())]),
        Condition::CategoryIn(codes) => tr(locale, "admin-cond-category", &[("list", list(codes))]),
        Condition::DistrictIn(codes) => tr(locale, "admin-cond-district", &[("list", list(codes))]),
        Condition::DescriptionAny(words) => {
            tr(locale, "admin-cond-words", &[("list", list(words))])
        }
        Condition::Attribute(a) => {
            let code = ("code", a.code.clone());
            match &a.test {
                AttributeTest::Equals(v) => {
                    tr(locale, "admin-cond-equals", &[code, ("value", v.clone())])
                }
                AttributeTest::OneOf(v) => {
                    tr(locale, "admin-cond-one-of", &[code, ("list", list(v))])
                }
                AttributeTest::AtLeast(n) => tr(
                    locale,
                    "admin-cond-at-least",
                    &[code, ("value", n.to_string())],
                ),
                AttributeTest::AtMost(n) => tr(
                    locale,
                    "admin-cond-at-most",
                    &[code, ("value", n.to_string())],
                ),
                AttributeTest::Between { min, max } => tr(
                    locale,
                    "admin-cond-between",
                    &[code, ("min", min.to_string()), ("max", max.to_string())],
                ),
                AttributeTest::Contains(t) => {
                    tr(locale, "admin-cond-contains", &[code, ("value", t.clone())])
                }
            }
        }
        Condition::All(cs) | Condition::Any(cs) => {
            let joiner = if matches!(c, Condition::All(_)) {
                tr(locale, "admin-cond-and", &[])
            } else {
                tr(locale, "admin-cond-or", &[])
            };
            let parts: Vec<String> = cs
                .iter()
                .map(|c| match c {
                    Condition::All(_) | Condition::Any(_) => format!("({})", describe(c, locale)),
                    _ => describe(c, locale),
                })
                .collect();
            parts.join(&format!(" {joiner} "))
        }
        Condition::Not(inner) => tr(
            locale,
            "admin-cond-not",
            &[("condition", describe(inner, locale))],
        ),
    }
}

/// One rule as a table row.
pub struct RuleRow {
    pub id: String,
    pub name: String,
    pub order: Option<i32>,
    pub enabled: bool,
    pub when: String,
    /// The department (routing) or urgency (triage) it decides.
    pub then: String,
}

#[derive(Template)]
#[template(path = "admin/rules.html")]
struct Overview {
    p: Page,
    routing: Vec<RuleRow>,
    triage: Vec<RuleRow>,
}

async fn overview(State(state): State<CasesState>, v: Viewer, Query(q): Query<Done>) -> PageResult {
    let actor = require(&v, platform::permissions::MANAGE_CASE_RULES)?;
    let j = state
        .platform
        .jurisdiction(&actor.jurisdiction_id)
        .await
        .map_err(failed(&v))?;
    let departments = state.platform.departments(&j).await.map_err(failed(&v))?;
    let department = |code: &str| {
        departments.iter().find(|d| d.code == code).map_or_else(
            || code.to_string(),
            |d| format!("{} ({code})", d.name.get(v.locale)),
        )
    };
    let mut routing = state.cases.routing_rules(&j).await.map_err(failed(&v))?;
    routing.sort_by(|a, b| a.order.cmp(&b.order).then_with(|| a.id.cmp(&b.id)));
    let routing = routing
        .iter()
        .map(|r| RuleRow {
            id: r.id.clone(),
            name: r.name.clone(),
            order: Some(r.order),
            enabled: r.enabled,
            when: describe(&r.when, v.locale),
            then: department(&r.department),
        })
        .collect();
    let triage = state
        .cases
        .triage_rules(&j)
        .await
        .map_err(failed(&v))?
        .iter()
        .map(|r| RuleRow {
            id: r.id.clone(),
            name: r.name.clone(),
            order: None,
            enabled: r.enabled,
            when: describe(&r.when, v.locale),
            then: v.t(&format!("admin-urgency-{}", r.raise_to.as_str())),
        })
        .collect();
    let page = Overview {
        p: Page::new(&v, &state, "admin-rules", "admin")
            .with_status(done_message(&v, q.done.as_deref())),
        routing,
        triage,
    };
    Ok(render(&v, &state, StatusCode::OK, &page))
}

#[derive(Clone, Copy, PartialEq)]
pub(super) enum Kind {
    Routing,
    Triage,
}

impl Kind {
    pub(super) fn as_str(self) -> &'static str {
        match self {
            Kind::Routing => crate::casework::rules::ROUTING,
            Kind::Triage => crate::casework::rules::TRIAGE,
        }
    }

    pub(super) fn parse(text: &str, locale: Locale) -> Result<Kind, PageError> {
        match text {
            "routing" => Ok(Kind::Routing),
            "triage" => Ok(Kind::Triage),
            _ => Err(PageError::new(
                StatusCode::NOT_FOUND,
                "error-page-not-found",
                locale,
            )),
        }
    }
}

#[derive(Template)]
#[template(path = "admin/rules_edit.html")]
struct Edit {
    p: Page,
    kind: &'static str,
    text: String,
    errors: Errors,
    /// What the edited rules would do to the most recent cases, when asked.
    preview: Option<Vec<PreviewLine>>,
    /// How many of them would change.
    changed: usize,
}

/// One recent case in the preview, in words.
pub(super) struct PreviewLine {
    pub number: String,
    pub category: String,
    pub place: String,
    pub now: String,
    pub then: String,
    pub rule: String,
    pub changed: bool,
}

/// The preview in words: departments by name, urgencies as they are.
pub(super) async fn preview_lines(
    state: &CasesState,
    v: &Viewer,
    kind: Kind,
    rows: Vec<crate::casework::RulePreview>,
) -> Result<Vec<PreviewLine>, PageError> {
    let catalog = crate::pages::staff::Catalog::load(state, v.locale).await?;
    let name = |code: &str| match kind {
        Kind::Routing => catalog.department(Some(code)),
        Kind::Triage => code.to_string(),
    };
    Ok(rows
        .into_iter()
        .map(|r| PreviewLine {
            changed: r.changed(),
            number: r.case_number.clone(),
            category: catalog.category(&r.category_code),
            place: r
                .district_code
                .as_deref()
                .and_then(|d| catalog.districts.iter().find(|x| x.code == d))
                .map(|d| d.name.get(v.locale).to_string())
                .unwrap_or_default(),
            now: name(&r.now),
            then: name(&r.then),
            rule: r.rule.unwrap_or_else(|| v.t("admin-rules-preview-default")),
        })
        .collect())
}

fn edit_page(
    state: &CasesState,
    v: &Viewer,
    kind: Kind,
    text: String,
    errors: Errors,
) -> PageResult {
    edit_page_with(state, v, kind, text, errors, None)
}

fn edit_page_with(
    state: &CasesState,
    v: &Viewer,
    kind: Kind,
    text: String,
    errors: Errors,
    preview: Option<Vec<PreviewLine>>,
) -> PageResult {
    let (name, title) = match kind {
        Kind::Routing => ("routing", "admin-rules-routing"),
        Kind::Triage => ("triage", "admin-rules-triage"),
    };
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::BAD_REQUEST
    };
    let page = Edit {
        p: Page::new(v, state, title, "admin").with_errors(&errors),
        kind: name,
        text,
        errors,
        changed: preview
            .as_ref()
            .map_or(0, |lines| lines.iter().filter(|l| l.changed).count()),
        preview,
    };
    Ok(render(v, state, status, &page))
}

fn pretty<T: serde::Serialize>(rules: &T) -> String {
    serde_json::to_string_pretty(rules).unwrap_or_default()
}

async fn edit(State(state): State<CasesState>, v: Viewer, Path(kind): Path<String>) -> PageResult {
    let actor = require(&v, platform::permissions::MANAGE_CASE_RULES)?;
    let kind = Kind::parse(&kind, v.locale)?;
    let j = state
        .platform
        .jurisdiction(&actor.jurisdiction_id)
        .await
        .map_err(failed(&v))?;
    let text = match kind {
        Kind::Routing => pretty(&state.cases.routing_rules(&j).await.map_err(failed(&v))?),
        Kind::Triage => pretty(&state.cases.triage_rules(&j).await.map_err(failed(&v))?),
    };
    edit_page(&state, &v, kind, text, Errors::default())
}

#[derive(Deserialize)]
struct RulesForm {
    #[serde(default)]
    _csrf: String,
    #[serde(default)]
    rules: String,
    /// `yes`: show what the rules would do to recent cases, without saving them.
    #[serde(default)]
    preview: String,
}

/// `rules = [...]` in TOML: `[[rules]]` tables.
#[derive(Deserialize)]
struct TomlRules<T> {
    #[serde(default = "Vec::new")]
    rules: Vec<T>,
}

/// Reads rules written as a JSON array, or as TOML `[[rules]]` tables.
fn parse_rules<T: DeserializeOwned>(text: &str) -> Result<Vec<T>, Message> {
    let trimmed = text.trim_start();
    if trimmed.starts_with('[') && !trimmed.starts_with("[[") {
        serde_json::from_str(text)
            .map_err(|e| Message::new("error-rules-json").arg("detail", e.to_string()))
    } else {
        toml::from_str::<TomlRules<T>>(text)
            .map(|t| t.rules)
            .map_err(|e| Message::new("error-rules-toml").arg("detail", e.to_string()))
    }
}

async fn save(
    State(state): State<CasesState>,
    v: Viewer,
    Path(kind): Path<String>,
    Form(form): Form<RulesForm>,
) -> PageResult {
    let actor = require(&v, platform::permissions::MANAGE_CASE_RULES)?;
    let kind = Kind::parse(&kind, v.locale)?;
    check_token(&v, &form._csrf)?;
    if form.preview == "yes" {
        let previewed = match kind {
            Kind::Routing => match parse_rules::<RoutingRule>(&form.rules) {
                Ok(rules) => state.cases.preview_routing(actor, &rules).await,
                Err(m) => Err(platform::ServiceError::invalid(m)),
            },
            Kind::Triage => match parse_rules::<TriageRule>(&form.rules) {
                Ok(rules) => state.cases.preview_triage(actor, &rules).await,
                Err(m) => Err(platform::ServiceError::invalid(m)),
            },
        };
        // Nothing changes: the page is shown again, with the preview or the problems.
        return match previewed {
            Ok(rows) => {
                let lines = preview_lines(&state, &v, kind, rows).await?;
                edit_page_with(&state, &v, kind, form.rules, Errors::default(), Some(lines))
            }
            Err(e) => {
                let errors = Errors::from_service(&v, e, |_| "f-rules".to_string())?;
                edit_page(&state, &v, kind, form.rules, errors)
            }
        };
    }
    let result = match kind {
        Kind::Routing => match parse_rules::<RoutingRule>(&form.rules) {
            Ok(rules) => state
                .cases
                .set_routing_rules(actor, rules)
                .await
                .map(|_| ()),
            Err(m) => Err(platform::ServiceError::invalid(m)),
        },
        Kind::Triage => match parse_rules::<TriageRule>(&form.rules) {
            Ok(rules) => state.cases.set_triage_rules(actor, rules).await.map(|_| ()),
            Err(m) => Err(platform::ServiceError::invalid(m)),
        },
    };
    match result {
        Ok(()) => Ok(see_other("/admin/rules?done=saved")),
        Err(e) => {
            let errors = Errors::from_service(&v, e, |_| "f-rules".to_string())?;
            edit_page(&state, &v, kind, form.rules, errors)
        }
    }
}

#[derive(Deserialize)]
struct MoveForm {
    #[serde(default)]
    _csrf: String,
    #[serde(default)]
    rule: String,
    /// `up` or `down`.
    #[serde(default)]
    dir: String,
}

/// Moves a routing rule one place up or down in the order rules are tried.
async fn move_rule(
    State(state): State<CasesState>,
    v: Viewer,
    Form(form): Form<MoveForm>,
) -> PageResult {
    let actor = require(&v, platform::permissions::MANAGE_CASE_RULES)?;
    check_token(&v, &form._csrf)?;
    state
        .cases
        .move_routing_rule(actor, &form.rule, form.dir == "up")
        .await
        .map_err(failed(&v))?;
    Ok(see_other("/admin/rules?done=saved#routing"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_are_read_from_json_or_toml() {
        let json = r#"[{"id": "a", "name": "A", "when": {"category_is": "X"}, "department": "D"}]"#;
        let toml = "[[rules]]\nid = \"a\"\nname = \"A\"\ndepartment = \"D\"\nwhen = { category_is = \"X\" }\n";
        let a: Vec<RoutingRule> = parse_rules(json).unwrap();
        let b: Vec<RoutingRule> = parse_rules(toml).unwrap();
        assert_eq!(a, b);
        assert_eq!(
            parse_rules::<RoutingRule>("[{").unwrap_err().id,
            "error-rules-json"
        );
        assert_eq!(
            parse_rules::<RoutingRule>("id = ").unwrap_err().id,
            "error-rules-toml"
        );
    }

    #[test]
    fn conditions_read_as_words() {
        crate::module::install_messages().unwrap();
        let c = Condition::All(vec![
            Condition::CategoryIs("1999-L01".into()),
            Condition::attribute("lamps_out", AttributeTest::AtLeast(10.0)),
        ]);
        assert_eq!(
            describe(&c, Locale::En),
            "category is 1999-L01 and lamps_out ≥ 10"
        );
    }
}
