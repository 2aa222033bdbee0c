//! Administering the catalogue: categories of service with their questions (attributes), and
//! departments. Needs `manage_case_rules` over the jurisdiction; every change is checked in
//! full (every problem reported, naming the field and the question row it concerns) and
//! audited in the transaction that makes it. Open311 discovery sees a change at once, with a
//! new `changeset`.

use crate::audit::{self, Subject};
use crate::authz::{Actor, Target};
use crate::{Platform, Result, ServiceError};
use domain::Message;
use domain::catalog::{Category, Department, DepartmentKind};
use domain::category::{AttributeDef, AttributeValue, Datatype, ServiceType, Urgency};
use domain::locale::Localized;
use store::catalog::{self as repo, DepartmentRecord};

/// Longest category or department code (Open311 `service_code`).
pub const MAX_CODE_CHARS: usize = 32;
/// Longest attribute code.
pub const MAX_ATTRIBUTE_CODE_CHARS: usize = 40;
pub const MAX_NAME_CHARS: usize = 100;
pub const MAX_DESCRIPTION_CHARS: usize = 1000;
pub const MAX_KEYWORDS_CHARS: usize = 500;
/// Most questions a category may ask.
pub const MAX_ATTRIBUTES: usize = 30;
/// Most options a list question may offer.
pub const MAX_VALUES: usize = 100;

/// A category as entered: urgency, service type and datatypes as text, so every interface
/// gets the same field-by-field answer about what is wrong.
#[derive(Debug, Clone, Default)]
pub struct CategoryInput {
    pub code: String,
    pub name: Localized,
    pub group: Localized,
    pub description: Localized,
    /// Comma-separated.
    pub keywords: String,
    pub department_code: String,
    /// `P1` … `P4`.
    pub urgency: String,
    /// `realtime`, `batch` or `blackbox`.
    pub service_type: String,
    pub active: bool,
    /// `None`: after the last category (new ones), or unchanged.
    pub sort_order: Option<i64>,
    /// In the order they are asked.
    pub attributes: Vec<AttributeInput>,
}

/// One question of a category.
#[derive(Debug, Clone, Default)]
pub struct AttributeInput {
    pub code: String,
    /// An Open311 datatype: `string`, `number`, `datetime`, `text`, `singlevaluelist`,
    /// `multivaluelist`.
    pub datatype: String,
    pub required: bool,
    /// The question.
    pub description: Localized,
    /// A hint under the question.
    pub hint: Localized,
    /// The options of a list question.
    pub values: Vec<AttributeValue>,
    /// The answer is personal data: never published.
    pub personal: bool,
}

/// A department as entered.
#[derive(Debug, Clone, Default)]
pub struct DepartmentInput {
    pub code: String,
    pub name: Localized,
    /// `city`, `district_office` or `utility`.
    pub kind: String,
    pub active: bool,
}

fn is_code(text: &str, max: usize) -> bool {
    !text.is_empty()
        && text.chars().count() <= max
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

fn field(id: &'static str, field: &'static str) -> Message {
    Message::new(id).arg("field", field)
}

/// A problem with question `row` (1-based) of a category.
fn row_problem(id: &'static str, row: usize, field: &'static str) -> Message {
    Message::new(id)
        .arg("row", row.to_string())
        .arg("field", field)
}

fn trimmed(l: &Localized) -> Localized {
    Localized::new(l.zh.trim(), l.en.trim())
}

/// Checks a name in both languages: required, at most `max` characters.
fn check_names(
    text: &Localized,
    zh: (&'static str, &'static str),
    en: (&'static str, &'static str),
    problems: &mut Vec<Message>,
) {
    for (value, (id, f)) in [(&text.zh, zh), (&text.en, en)] {
        if value.is_empty() || value.chars().count() > MAX_NAME_CHARS {
            problems.push(field(id, f).arg("max", MAX_NAME_CHARS.to_string()));
        }
    }
}

fn check_attributes(input: &[AttributeInput], problems: &mut Vec<Message>) -> Vec<AttributeDef> {
    if input.len() > MAX_ATTRIBUTES {
        problems.push(
            Message::new("error-attribute-def-too-many")
                .arg("field", "attributes")
                .arg("max", MAX_ATTRIBUTES.to_string()),
        );
    }
    let mut seen = std::collections::HashSet::new();
    let mut out = Vec::new();
    for (i, a) in input.iter().enumerate() {
        let row = i + 1;
        let code = a.code.trim().to_string();
        if !is_code(&code, MAX_ATTRIBUTE_CODE_CHARS) || code.contains('.') {
            problems.push(
                row_problem("error-attribute-def-code", row, "code")
                    .arg("max", MAX_ATTRIBUTE_CODE_CHARS.to_string()),
            );
        } else if !seen.insert(code.clone()) {
            problems.push(
                row_problem("error-attribute-def-code-duplicate", row, "code").arg("code", &code),
            );
        }
        let datatype = Datatype::parse(a.datatype.trim());
        if datatype.is_none() {
            problems.push(row_problem("error-attribute-def-datatype", row, "datatype"));
        }
        let description = trimmed(&a.description);
        for (value, f) in [
            (&description.zh, "description_zh"),
            (&description.en, "description_en"),
        ] {
            if value.is_empty() || value.chars().count() > MAX_NAME_CHARS * 2 {
                problems.push(
                    row_problem("error-attribute-def-description", row, f)
                        .arg("max", (MAX_NAME_CHARS * 2).to_string()),
                );
            }
        }
        let hint = trimmed(&a.hint);
        if hint.zh.chars().count() > MAX_NAME_CHARS * 2
            || hint.en.chars().count() > MAX_NAME_CHARS * 2
        {
            problems.push(
                row_problem("error-attribute-def-hint", row, "hint")
                    .arg("max", (MAX_NAME_CHARS * 2).to_string()),
            );
        }
        let is_list = matches!(
            datatype,
            Some(Datatype::SingleValueList | Datatype::MultiValueList)
        );
        let mut values = Vec::new();
        let mut keys = std::collections::HashSet::new();
        for v in &a.values {
            let value = AttributeValue {
                key: v.key.trim().to_string(),
                name: trimmed(&v.name),
            };
            if !is_code(&value.key, MAX_ATTRIBUTE_CODE_CHARS)
                || value.name.zh.is_empty()
                || value.name.en.is_empty()
                || value.name.zh.chars().count() > MAX_NAME_CHARS
                || value.name.en.chars().count() > MAX_NAME_CHARS
            {
                problems.push(
                    row_problem("error-attribute-def-value", row, "values").arg("key", &value.key),
                );
            } else if !keys.insert(value.key.clone()) {
                problems.push(
                    row_problem("error-attribute-def-value-duplicate", row, "values")
                        .arg("key", &value.key),
                );
            }
            values.push(value);
        }
        if is_list && values.is_empty() {
            problems.push(row_problem(
                "error-attribute-def-values-required",
                row,
                "values",
            ));
        } else if datatype.is_some() && !is_list && !values.is_empty() {
            problems.push(row_problem(
                "error-attribute-def-values-unexpected",
                row,
                "values",
            ));
        } else if values.len() > MAX_VALUES {
            problems.push(
                row_problem("error-attribute-def-values-too-many", row, "values")
                    .arg("max", MAX_VALUES.to_string()),
            );
        }
        if let Some(datatype) = datatype {
            out.push(AttributeDef {
                code,
                datatype,
                required: a.required,
                variable: true,
                order: row as u32,
                description,
                datatype_description: hint,
                values,
                personal: a.personal,
            });
        }
    }
    out
}

impl Platform {
    /// Every category of the actor's jurisdiction, inactive ones included, in display order.
    pub async fn catalogue_categories(&self, actor: &Actor) -> Result<Vec<Category>> {
        actor.require(crate::permissions::MANAGE_CASE_RULES, Target::Jurisdiction)?;
        Ok(repo::all_categories(&self.db, &actor.jurisdiction_id).await?)
    }

    /// One category, active or not.
    pub async fn catalogue_category(&self, actor: &Actor, code: &str) -> Result<Category> {
        actor.require(crate::permissions::MANAGE_CASE_RULES, Target::Jurisdiction)?;
        repo::all_categories(&self.db, &actor.jurisdiction_id)
            .await?
            .into_iter()
            .find(|c| c.code == code.trim())
            .ok_or_else(|| unknown_category(code))
    }

    /// Every department, active or not.
    pub async fn catalogue_departments(&self, actor: &Actor) -> Result<Vec<DepartmentRecord>> {
        actor.require(crate::permissions::MANAGE_CASE_RULES, Target::Jurisdiction)?;
        Ok(repo::department_records(&self.db, &actor.jurisdiction_id).await?)
    }

    /// Creates a category (`creating`) or replaces an existing one, questions included.
    /// Answers already given to a removed question stay on their cases.
    pub async fn save_category(
        &self,
        actor: &Actor,
        input: CategoryInput,
        creating: bool,
    ) -> Result<Category> {
        actor.require(crate::permissions::MANAGE_CASE_RULES, Target::Jurisdiction)?;
        let jid = actor.jurisdiction_id.clone();
        let departments = repo::department_records(&self.db, &jid).await?;
        let all = repo::all_categories(&self.db, &jid).await?;
        let mut problems = Vec::new();
        let code = input.code.trim().to_string();
        if !is_code(&code, MAX_CODE_CHARS) {
            problems
                .push(field("error-category-code", "code").arg("max", MAX_CODE_CHARS.to_string()));
        }
        let existing = all.iter().find(|c| c.code == code);
        match (creating, existing) {
            (true, Some(_)) => {
                problems.push(field("error-category-exists", "code").arg("code", &code))
            }
            (false, None) => return Err(unknown_category(&code)),
            _ => {}
        }
        let name = trimmed(&input.name);
        check_names(
            &name,
            ("error-category-name", "name_zh"),
            ("error-category-name", "name_en"),
            &mut problems,
        );
        let group = trimmed(&input.group);
        check_names(
            &group,
            ("error-category-group", "group_zh"),
            ("error-category-group", "group_en"),
            &mut problems,
        );
        let description = trimmed(&input.description);
        for (value, f) in [
            (&description.zh, "description_zh"),
            (&description.en, "description_en"),
        ] {
            if value.chars().count() > MAX_DESCRIPTION_CHARS {
                problems.push(
                    field("error-category-description", f)
                        .arg("max", MAX_DESCRIPTION_CHARS.to_string()),
                );
            }
        }
        let keywords = input
            .keywords
            .split([',', '，', '、'])
            .map(str::trim)
            .filter(|k| !k.is_empty())
            .collect::<Vec<_>>()
            .join(",");
        if keywords.chars().count() > MAX_KEYWORDS_CHARS {
            problems.push(
                field("error-category-keywords", "keywords")
                    .arg("max", MAX_KEYWORDS_CHARS.to_string()),
            );
        }
        let department_code = input.department_code.trim().to_string();
        if !departments
            .iter()
            .any(|d| d.department.code == department_code && d.active)
        {
            problems.push(
                field("error-category-department", "department")
                    .arg("department", &department_code),
            );
        }
        let urgency = Urgency::parse(input.urgency.trim());
        if urgency.is_none() {
            problems.push(field("error-category-urgency", "urgency"));
        }
        let service_type = ServiceType::parse(input.service_type.trim());
        if service_type.is_none() {
            problems.push(field("error-category-service-type", "service_type"));
        }
        if input
            .sort_order
            .is_some_and(|n| !(0..=1_000_000).contains(&n))
        {
            problems.push(field("error-category-sort-order", "sort_order"));
        }
        let attributes = check_attributes(&input.attributes, &mut problems);
        let (Some(urgency), Some(service_type)) = (urgency, service_type) else {
            return Err(ServiceError::Invalid(problems));
        };
        if !problems.is_empty() {
            return Err(ServiceError::Invalid(problems));
        }
        let sort_order = input.sort_order.unwrap_or_else(|| match existing {
            Some(c) => c.sort_order,
            None => all.iter().map(|c| c.sort_order).max().unwrap_or(0) + 1,
        });
        let category = Category {
            code,
            name,
            group,
            description,
            keywords,
            department_code,
            urgency,
            service_type,
            attributes,
            active: input.active,
            sort_order,
        };
        let now = self.now();
        let mut tx = self.db.begin().await?;
        // Checked again under the write lock: two administrators may add the same code.
        let stored = repo::any_category(&mut tx, &jid, &category.code).await?;
        if creating && stored.is_some() {
            return Err(ServiceError::invalid(
                field("error-category-exists", "code").arg("code", &category.code),
            ));
        }
        repo::upsert_category(&mut tx, &jid, &category, now).await?;
        audit::record(
            &mut tx,
            actor,
            if creating {
                "category.create"
            } else {
                "category.update"
            },
            Subject {
                kind: "category",
                id: &category.code,
                data_subject: None,
            },
            None,
            serde_json::json!({
                "name": category.name.zh,
                "department": category.department_code,
                "urgency": category.urgency.as_str(),
                "service_type": category.service_type.as_str(),
                "active": category.active,
                "attributes": category.attributes.iter().map(|a| a.code.as_str()).collect::<Vec<_>>(),
            }),
         now,)
        .await?;
        tx.commit().await?;
        self.catalog_changed();
        Ok(category)
    }

    /// Creates a department (`creating`) or changes one. A department that active categories
    /// still send cases to cannot be made inactive.
    pub async fn save_department(
        &self,
        actor: &Actor,
        input: DepartmentInput,
        creating: bool,
    ) -> Result<DepartmentRecord> {
        actor.require(crate::permissions::MANAGE_CASE_RULES, Target::Jurisdiction)?;
        let jid = actor.jurisdiction_id.clone();
        let code = input.code.trim().to_string();
        let mut problems = Vec::new();
        if !is_code(&code, MAX_CODE_CHARS) {
            problems.push(
                field("error-department-code", "code").arg("max", MAX_CODE_CHARS.to_string()),
            );
        }
        let departments = repo::department_records(&self.db, &jid).await?;
        let existing = departments.iter().find(|d| d.department.code == code);
        match (creating, existing) {
            (true, Some(_)) => {
                problems.push(field("error-department-exists", "code").arg("code", &code))
            }
            (false, None) => {
                return Err(ServiceError::NotFound(
                    Message::new("error-department-unknown").arg("department", &code),
                ));
            }
            _ => {}
        }
        let name = trimmed(&input.name);
        check_names(
            &name,
            ("error-department-name", "name_zh"),
            ("error-department-name", "name_en"),
            &mut problems,
        );
        let kind = DepartmentKind::parse(input.kind.trim());
        if kind.is_none() {
            problems.push(field("error-department-kind", "kind"));
        }
        if !input.active && !creating {
            let using = repo::all_categories(&self.db, &jid)
                .await?
                .iter()
                .filter(|c| c.active && c.department_code == code)
                .count();
            if using > 0 {
                problems.push(
                    field("error-department-in-use", "active").arg("count", using.to_string()),
                );
            }
        }
        let Some(kind) = kind.filter(|_| problems.is_empty()) else {
            return Err(ServiceError::Invalid(problems));
        };
        let record = DepartmentRecord {
            department: Department { code, name, kind },
            active: input.active,
        };
        let mut tx = self.db.begin().await?;
        let stored = repo::department_record(&mut tx, &jid, &record.department.code).await?;
        if creating && stored.is_some() {
            return Err(ServiceError::invalid(
                field("error-department-exists", "code").arg("code", &record.department.code),
            ));
        }
        repo::save_department(&mut tx, &jid, &record.department, record.active).await?;
        audit::record(
            &mut tx,
            actor,
            if creating {
                "department.create"
            } else {
                "department.update"
            },
            Subject {
                kind: "department",
                id: &record.department.code,
                data_subject: None,
            },
            None,
            serde_json::json!({
                "name": record.department.name.zh,
                "kind": record.department.kind.as_str(),
                "active": record.active,
            }),
            self.now(),
        )
        .await?;
        tx.commit().await?;
        self.catalog_changed();
        Ok(record)
    }
}

fn unknown_category(code: &str) -> ServiceError {
    ServiceError::NotFound(Message::new("error-service-unknown").arg("code", code.trim()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn question(code: &str, datatype: &str, values: &[&str]) -> AttributeInput {
        AttributeInput {
            code: code.into(),
            datatype: datatype.into(),
            required: false,
            description: Localized::new("問題", "Question"),
            hint: Localized::default(),
            values: values
                .iter()
                .map(|k| AttributeValue {
                    key: (*k).into(),
                    name: Localized::new(*k, *k),
                })
                .collect(),
            personal: false,
        }
    }

    fn ids(problems: &[Message]) -> Vec<(String, String)> {
        problems
            .iter()
            .map(|m| {
                let row = m
                    .args
                    .iter()
                    .find(|(k, _)| *k == "row")
                    .map_or(String::new(), |(_, v)| v.clone());
                (m.id.to_string(), row)
            })
            .collect()
    }

    #[test]
    fn questions_are_checked_row_by_row() {
        let mut problems = Vec::new();
        let defs = check_attributes(
            &[
                question("lamps", "number", &[]),
                question("lamps", "singlevaluelist", &[]),
                question("bad code", "colour", &["a"]),
                question("kind", "string", &["a"]),
            ],
            &mut problems,
        );
        assert_eq!(
            ids(&problems),
            vec![
                ("error-attribute-def-code-duplicate".into(), "2".into()),
                ("error-attribute-def-values-required".into(), "2".into()),
                ("error-attribute-def-code".into(), "3".into()),
                ("error-attribute-def-datatype".into(), "3".into()),
                ("error-attribute-def-values-unexpected".into(), "4".into()),
            ]
        );
        assert_eq!(defs.len(), 3, "rows with a known datatype are kept");
        assert_eq!(defs[0].order, 1);
    }

    #[test]
    fn codes_are_short_and_plain() {
        assert!(is_code("1999-L01", MAX_CODE_CHARS));
        assert!(!is_code("", MAX_CODE_CHARS));
        assert!(!is_code("路燈", MAX_CODE_CHARS));
        assert!(!is_code(&"x".repeat(33), MAX_CODE_CHARS));
    }
}
