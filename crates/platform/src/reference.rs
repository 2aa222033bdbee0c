//! Reference data sets (a jurisdiction with its departments, districts and categories), kept
//! as TOML files that city staff can read, and loaded idempotently.

use crate::{Platform, Result, ServiceError};
use domain::catalog::{Category, Department, District, Jurisdiction};
use domain::category::{AttributeDef, ServiceType, Urgency};
use domain::locale::Localized;
use serde::Deserialize;

/// The reference sets shipped with civicdesk.
pub const BUILTIN: &[(&str, &str)] = &[
    ("taipei", include_str!("../reference/taipei.toml")),
    ("new_taipei", include_str!("../reference/new_taipei.toml")),
    ("kaohsiung", include_str!("../reference/kaohsiung.toml")),
];

#[derive(Debug, Deserialize)]
struct File {
    jurisdiction: Jurisdiction,
    departments: Vec<Department>,
    districts: Vec<District>,
    categories: Vec<CategoryEntry>,
}

#[derive(Debug, Deserialize)]
struct CategoryEntry {
    code: String,
    name: Localized,
    group: Localized,
    #[serde(default)]
    description: Localized,
    #[serde(default)]
    keywords: String,
    department: String,
    urgency: Urgency,
    #[serde(rename = "type", default = "realtime")]
    service_type: ServiceType,
    #[serde(default)]
    attributes: Vec<AttributeEntry>,
}

fn realtime() -> ServiceType {
    ServiceType::Realtime
}

fn yes() -> bool {
    true
}

#[derive(Debug, Deserialize)]
struct AttributeEntry {
    #[serde(flatten)]
    def: AttributeDefEntry,
}

#[derive(Debug, Deserialize)]
struct AttributeDefEntry {
    code: String,
    datatype: domain::category::Datatype,
    required: bool,
    #[serde(default = "yes")]
    variable: bool,
    order: u32,
    description: Localized,
    #[serde(default)]
    datatype_description: Localized,
    #[serde(default)]
    values: Vec<domain::category::AttributeValue>,
    /// Personal data: kept for staff, never published.
    #[serde(default)]
    personal: bool,
}

/// A parsed reference set.
#[derive(Debug, Clone)]
pub struct ReferenceSet {
    pub jurisdiction: Jurisdiction,
    pub departments: Vec<Department>,
    pub districts: Vec<District>,
    pub categories: Vec<Category>,
}

pub fn parse(text: &str) -> Result<ReferenceSet> {
    let file: File =
        toml::from_str(text).map_err(|e| ServiceError::Internal(format!("reference data: {e}")))?;
    let categories = file
        .categories
        .into_iter()
        .enumerate()
        .map(|(i, c)| Category {
            code: c.code,
            name: c.name,
            group: c.group,
            description: c.description,
            keywords: c.keywords,
            department_code: c.department,
            urgency: c.urgency,
            service_type: c.service_type,
            attributes: c
                .attributes
                .into_iter()
                .map(|a| AttributeDef {
                    code: a.def.code,
                    datatype: a.def.datatype,
                    required: a.def.required,
                    variable: a.def.variable,
                    order: a.def.order,
                    description: a.def.description,
                    datatype_description: a.def.datatype_description,
                    values: a.def.values,
                    personal: a.def.personal,
                })
                .collect(),
            active: true,
            sort_order: i as i64 + 1,
        })
        .collect();
    Ok(ReferenceSet {
        jurisdiction: file.jurisdiction,
        departments: file.departments,
        districts: file.districts,
        categories,
    })
}

pub fn builtin() -> Result<Vec<ReferenceSet>> {
    BUILTIN.iter().map(|(_, text)| parse(text)).collect()
}

impl Platform {
    /// Creates or updates a jurisdiction and its reference data in one transaction.
    pub async fn load_reference(&self, set: &ReferenceSet) -> Result<()> {
        let jid = &set.jurisdiction.id;
        let now = self.now();
        let mut tx = self.db.begin().await?;
        store::catalog::upsert_jurisdiction(&mut tx, &set.jurisdiction, now).await?;
        for d in &set.departments {
            store::catalog::save_department(&mut tx, jid, d, true).await?;
        }
        for d in &set.districts {
            store::catalog::upsert_district(&mut tx, jid, d).await?;
        }
        for c in &set.categories {
            store::catalog::upsert_category(&mut tx, jid, c, now).await?;
        }
        tx.commit().await?;
        self.catalog_changed();
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_sets_are_complete_and_consistent() {
        let sets = builtin().unwrap();
        let by_id = |id: &str| sets.iter().find(|s| s.jurisdiction.id == id).unwrap();
        assert_eq!(by_id("taipei.gov.tw").districts.len(), 12);
        assert_eq!(by_id("kcg.gov.tw").districts.len(), 38);
        assert_eq!(by_id("ntpc.gov.tw").districts.len(), 29);
        let taipei = by_id("taipei.gov.tw");
        assert!(taipei.categories.len() >= 30);
        assert!(
            taipei
                .categories
                .iter()
                .filter(|c| c.has_metadata())
                .count()
                >= 5
        );
        for set in &sets {
            let mut codes = std::collections::HashSet::new();
            for c in &set.categories {
                assert!(codes.insert(&c.code), "duplicate category {}", c.code);
                assert!(
                    !c.name.zh.is_empty() && !c.name.en.is_empty(),
                    "{} names",
                    c.code
                );
                assert!(
                    set.departments.iter().any(|d| d.code == c.department_code),
                    "{} routes to unknown department {}",
                    c.code,
                    c.department_code
                );
                for a in &c.attributes {
                    let list = matches!(
                        a.datatype,
                        domain::category::Datatype::SingleValueList
                            | domain::category::Datatype::MultiValueList
                    );
                    assert_eq!(list, !a.values.is_empty(), "{}/{} values", c.code, a.code);
                }
            }
        }
    }
}
