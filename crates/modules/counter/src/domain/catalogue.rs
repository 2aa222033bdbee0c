//! The service catalogue: what a jurisdiction's counters offer, each service with its names and
//! description in both languages, the documents and eligibility it needs, its fee, how long it
//! takes on the business calendar, the identity assurance it asks, how it may be picked up, and
//! whether an agent may apply or pick up. A catalogue is data (`data/catalogue/*.toml`), read
//! and checked here; admins change it in pages, which call the same checks.

use super::fee::Fee;
use super::forms::{Form, FormError};
use domain::Message;
use domain::enums::string_enum;
use domain::locale::Localized;
use serde::{Deserialize, Serialize};
use std::collections::HashSet;

/// The Taitung County catalogue the product ships (≥ 51 services; see its README).
pub const TAITUNG_TOML: &str = include_str!("../../data/catalogue/taitung.toml");

/// The longest code of a service, an office or a form.
pub const MAX_CODE: usize = 40;
/// The longest name.
pub const MAX_NAME: usize = 100;
/// The longest description, eligibility or document line.
pub const MAX_TEXT: usize = 2_000;
/// The most working days a service may take.
pub const MAX_PROCESSING_DAYS: u32 = 120;

string_enum! {
    /// What kind of service it is (for grouping the catalogue). The i18n id is
    /// `counter-group-<text>`.
    Group {
        Household = "household",
        Seal = "seal",
        Certificate = "certificate",
        Land = "land",
        Nationality = "nationality",
        Welfare = "welfare",
    }
}

string_enum! {
    /// How an issued document reaches the applicant. The i18n id is `counter-pickup-<text>`.
    Pickup {
        /// At the counter, in office hours.
        Counter = "counter",
        /// At a 24-hour Smart Desk locker, with a one-time code.
        Locker = "locker",
        /// By registered post.
        Post = "post",
    }
}

string_enum! {
    /// The identity assurance a service asks of an applicant (identity's levels).
    Assurance {
        ContactVerified = "contact_verified",
        RealName = "real_name",
    }
}

impl Assurance {
    /// Identity's level.
    pub fn level(self) -> identity::domain::city_login::Assurance {
        match self {
            Assurance::ContactVerified => identity::domain::city_login::Assurance::ContactVerified,
            Assurance::RealName => identity::domain::city_login::Assurance::RealName,
        }
    }
}

/// A counter of the jurisdiction (a service centre, a household-registration or land office).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Office {
    pub code: String,
    pub name: Localized,
    pub address: Localized,
    /// Whether it has a 24-hour Smart Desk (a locker site).
    pub smart_desk: bool,
}

/// One service of the catalogue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Service {
    pub code: String,
    pub group: Group,
    pub name: Localized,
    pub description: Localized,
    pub documents: Vec<Localized>,
    pub eligibility: Localized,
    pub fee: Fee,
    /// 0: on the spot (當場); otherwise working days on the business calendar.
    pub processing_days: u32,
    pub assurance: Assurance,
    pub pickup: Vec<Pickup>,
    pub agent_may_apply: bool,
    pub agent_may_pick_up: bool,
    /// The key of its form.
    pub form: String,
    /// The offices that handle it.
    pub offices: Vec<String>,
    /// What the catalogue assumes rather than knows from its sources (shown to admins).
    pub assumption: Option<String>,
    /// Whether citizens may apply now (admins withdraw a service without deleting it).
    #[serde(default = "yes")]
    pub active: bool,
}

fn yes() -> bool {
    true
}

impl Service {
    pub fn offers(&self, pickup: Pickup) -> bool {
        self.pickup.contains(&pickup)
    }
}

/// A whole catalogue: offices, forms and services.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Catalogue {
    pub offices: Vec<Office>,
    pub forms: Vec<Form>,
    pub services: Vec<Service>,
}

/// What is wrong with a catalogue, naming the entry.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CatalogueError {
    #[error("the catalogue is not valid TOML: {0}")]
    Toml(String),
    #[error("{entry}: {problem}")]
    Entry { entry: String, problem: String },
    #[error("form {form}: {error}")]
    Form { form: String, error: FormError },
}

impl CatalogueError {
    fn entry(entry: &str, problem: impl Into<String>) -> Self {
        CatalogueError::Entry {
            entry: entry.to_string(),
            problem: problem.into(),
        }
    }

    /// The error in the admin's language.
    pub fn message(&self) -> Message {
        Message::new("counter-error-catalogue").arg("detail", self.to_string())
    }
}

/// Both languages, as the files write them.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Text {
    #[serde(rename = "zh-TW")]
    zh: String,
    en: String,
}

impl From<&Localized> for Text {
    fn from(l: &Localized) -> Text {
        Text {
            zh: l.zh.clone(),
            en: l.en.clone(),
        }
    }
}

impl Text {
    pub(crate) fn localized(self) -> Localized {
        Localized::new(self.zh.trim(), self.en.trim())
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    version: u32,
    #[serde(default)]
    office: Vec<OfficeEntry>,
    #[serde(default)]
    form: Vec<super::forms::FormEntry>,
    #[serde(default)]
    service: Vec<ServiceEntry>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct OfficeEntry {
    code: String,
    name: Text,
    address: Text,
    #[serde(default)]
    smart_desk: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ServiceEntry {
    code: String,
    group: String,
    name: Text,
    description: Text,
    #[serde(default)]
    documents: Vec<Text>,
    eligibility: Text,
    fee: Fee,
    processing_days: u32,
    assurance: String,
    pickup: Vec<String>,
    agent_may_apply: bool,
    agent_may_pick_up: bool,
    form: String,
    offices: Vec<String>,
    #[serde(default)]
    assumption: Option<String>,
}

/// Whether `code` is a catalogue code: 1 to 40 lowercase ASCII letters, digits and `-`/`_`.
pub fn valid_code(code: &str) -> bool {
    !code.is_empty()
        && code.len() <= MAX_CODE
        && code
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
}

/// Checks a name: Chinese required, both within [`MAX_NAME`] characters.
pub fn check_localized(
    entry: &str,
    what: &str,
    text: &Localized,
    max: usize,
) -> Result<(), CatalogueError> {
    if text.zh.trim().is_empty() {
        return Err(CatalogueError::entry(
            entry,
            format!("{what} has no Chinese"),
        ));
    }
    if text.zh.chars().count() > max || text.en.chars().count() > max {
        return Err(CatalogueError::entry(
            entry,
            format!("{what} is longer than {max} characters"),
        ));
    }
    Ok(())
}

/// Reads and checks a catalogue file.
pub fn parse(text: &str) -> Result<Catalogue, CatalogueError> {
    let file: File = toml::from_str(text).map_err(|e| CatalogueError::Toml(e.to_string()))?;
    if file.version != 1 {
        return Err(CatalogueError::entry("version", "only version 1 is known"));
    }
    let offices: Vec<Office> = file
        .office
        .into_iter()
        .map(|o| Office {
            code: o.code,
            name: o.name.localized(),
            address: o.address.localized(),
            smart_desk: o.smart_desk,
        })
        .collect();
    let mut forms = Vec::with_capacity(file.form.len());
    for f in file.form {
        let key = f.key.clone();
        forms.push(
            f.into_form()
                .map_err(|error| CatalogueError::Form { form: key, error })?,
        );
    }
    let mut services = Vec::with_capacity(file.service.len());
    for s in file.service {
        let entry = s.code.clone();
        let group = Group::parse(&s.group)
            .ok_or_else(|| CatalogueError::entry(&entry, format!("unknown group {}", s.group)))?;
        let assurance = Assurance::parse(&s.assurance).ok_or_else(|| {
            CatalogueError::entry(&entry, format!("unknown assurance {}", s.assurance))
        })?;
        let pickup = s
            .pickup
            .iter()
            .map(|p| {
                Pickup::parse(p)
                    .ok_or_else(|| CatalogueError::entry(&entry, format!("unknown pickup {p}")))
            })
            .collect::<Result<Vec<_>, _>>()?;
        services.push(Service {
            code: s.code,
            group,
            name: s.name.localized(),
            description: s.description.localized(),
            documents: s.documents.into_iter().map(Text::localized).collect(),
            eligibility: s.eligibility.localized(),
            fee: s.fee,
            processing_days: s.processing_days,
            assurance,
            pickup,
            agent_may_apply: s.agent_may_apply,
            agent_may_pick_up: s.agent_may_pick_up,
            form: s.form,
            offices: s.offices,
            assumption: s.assumption.filter(|a| !a.trim().is_empty()),
            active: true,
        });
    }
    let catalogue = Catalogue {
        offices,
        forms,
        services,
    };
    catalogue.check()?;
    Ok(catalogue)
}

impl Catalogue {
    /// The Taitung County catalogue the product ships.
    pub fn taitung() -> Result<Catalogue, CatalogueError> {
        parse(TAITUNG_TOML)
    }

    pub fn form(&self, key: &str) -> Option<&Form> {
        self.forms.iter().find(|f| f.key == key)
    }

    pub fn service(&self, code: &str) -> Option<&Service> {
        self.services.iter().find(|s| s.code == code)
    }

    /// Every rule across entries: unique codes, known forms and offices, a copies field where
    /// the fee counts copies.
    pub fn check(&self) -> Result<(), CatalogueError> {
        let mut seen = HashSet::new();
        for o in &self.offices {
            if !valid_code(&o.code) || !seen.insert(o.code.as_str()) {
                return Err(CatalogueError::entry(
                    &o.code,
                    "office code invalid or repeated",
                ));
            }
            check_localized(&o.code, "name", &o.name, MAX_NAME)?;
            check_localized(&o.code, "address", &o.address, MAX_TEXT)?;
        }
        let mut forms = HashSet::new();
        for f in &self.forms {
            if !forms.insert(f.key.as_str()) {
                return Err(CatalogueError::entry(&f.key, "form key repeated"));
            }
        }
        let mut services = HashSet::new();
        for s in &self.services {
            check_service(s)?;
            if !services.insert(s.code.as_str()) {
                return Err(CatalogueError::entry(&s.code, "service code repeated"));
            }
            let form = self
                .form(&s.form)
                .ok_or_else(|| CatalogueError::entry(&s.code, format!("no form {}", s.form)))?;
            check_form_fits(s, form)?;
            for o in &s.offices {
                if !self.offices.iter().any(|x| &x.code == o) {
                    return Err(CatalogueError::entry(&s.code, format!("no office {o}")));
                }
            }
            if s.offers(Pickup::Locker)
                && !s
                    .offices
                    .iter()
                    .filter_map(|o| self.offices.iter().find(|x| &x.code == o))
                    .any(|o| o.smart_desk)
            {
                return Err(CatalogueError::entry(
                    &s.code,
                    "locker pickup, but none of its offices has a Smart Desk",
                ));
            }
        }
        Ok(())
    }
}

/// The rules of one service on its own.
pub fn check_service(s: &Service) -> Result<(), CatalogueError> {
    if !valid_code(&s.code) {
        return Err(CatalogueError::entry(
            &s.code,
            "code must be 1-40 of a-z, 0-9, - and _",
        ));
    }
    check_localized(&s.code, "name", &s.name, MAX_NAME)?;
    check_localized(&s.code, "description", &s.description, MAX_TEXT)?;
    check_localized(&s.code, "eligibility", &s.eligibility, MAX_TEXT)?;
    for d in &s.documents {
        check_localized(&s.code, "document", d, MAX_TEXT)?;
    }
    s.fee
        .check()
        .map_err(|p| CatalogueError::entry(&s.code, p))?;
    if s.processing_days > MAX_PROCESSING_DAYS {
        return Err(CatalogueError::entry(
            &s.code,
            "processing takes at most 120 working days",
        ));
    }
    if s.pickup.is_empty() {
        return Err(CatalogueError::entry(&s.code, "no way to pick up"));
    }
    if s.offices.is_empty() {
        return Err(CatalogueError::entry(&s.code, "no office handles it"));
    }
    Ok(())
}

/// A fee counting copies needs the form to ask how many.
pub fn check_form_fits(s: &Service, form: &Form) -> Result<(), CatalogueError> {
    if s.fee.counts_copies() && !form.asks_copies() {
        return Err(CatalogueError::entry(
            &s.code,
            format!(
                "the fee counts copies but form {} has no required number field `copies`",
                form.key
            ),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_catalogue_has_at_least_51_services_and_checks() {
        let c = Catalogue::taitung().expect("the shipped catalogue parses");
        assert!(c.services.len() >= 51, "{} services", c.services.len());
        assert!(c.offices.iter().any(|o| o.smart_desk));
        assert!(
            c.services
                .iter()
                .filter(|s| s.offers(Pickup::Locker))
                .count()
                >= 51,
            "the seed's 51 Smart Desk services"
        );
        // The real fees of the household-registration table.
        let transcript = c
            .services
            .iter()
            .find(|s| s.name.zh.contains("戶籍謄本") && !s.name.zh.contains("英文"))
            .expect("a household transcript");
        assert_eq!(transcript.fee.amount(3), 45);
        let english = c
            .services
            .iter()
            .find(|s| s.name.zh.contains("英文戶籍謄本"))
            .expect("an English transcript");
        assert_eq!(english.fee.amount(3), 130);
    }

    #[test]
    fn a_fee_counting_copies_needs_the_copies_field() {
        let text = Catalogue::taitung()
            .map(|_| TAITUNG_TOML.to_string())
            .unwrap_or_default();
        let mut c = parse(&text).expect("parses");
        let s = c
            .services
            .iter()
            .position(|s| s.fee.counts_copies())
            .expect("one counts copies");
        let key = c.services[s].form.clone();
        let f = c.forms.iter_mut().find(|f| f.key == key).expect("its form");
        f.fields.retain(|x| x.key != "copies");
        assert!(matches!(c.check(), Err(CatalogueError::Entry { .. })));
    }

    #[test]
    fn unknown_keys_and_broken_toml_are_refused_with_the_entry_named() {
        assert!(matches!(
            parse("version = 1\n[[service]]\ncode = 1"),
            Err(CatalogueError::Toml(_))
        ));
        assert!(matches!(
            parse("version = 1\nextra = 2"),
            Err(CatalogueError::Toml(_))
        ));
        assert!(matches!(
            parse("version = 2"),
            Err(CatalogueError::Entry { .. })
        ));
    }
}
