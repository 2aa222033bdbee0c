//! The parts of a category's form that the citizen's report page and the agent's intake page
//! share: the categories grouped for choosing one, and the category's questions.

use domain::Locale;
use domain::catalog::Category;
use domain::category::Datatype;
use identity::doors::Viewer;

/// Categories grouped as the catalogue groups them, in catalogue order.
pub struct Group {
    pub name: String,
    pub categories: Vec<Category>,
}

pub fn grouped(categories: Vec<Category>, locale: Locale) -> Vec<Group> {
    let mut groups: Vec<Group> = Vec::new();
    for c in categories.into_iter().filter(|c| c.active) {
        let name = c.group.get(locale).to_string();
        match groups.iter_mut().find(|g| g.name == name) {
            Some(g) => g.categories.push(c),
            None => groups.push(Group {
                name,
                categories: vec![c],
            }),
        }
    }
    groups
}

/// The answers typed into a category's questions, by attribute code, in the order first given.
pub type Answers = Vec<(String, Vec<String>)>;

/// Keeps the value of a posted `attr-<code>` field as an answer to `<code>`; a blank value, or
/// a field of another name, is left out.
pub fn add_answer(answers: &mut Answers, field: &str, value: String) {
    let Some(code) = field.strip_prefix("attr-") else {
        return;
    };
    if value.trim().is_empty() {
        return;
    }
    match answers.iter_mut().find(|(c, _)| c == code) {
        Some((_, values)) => values.push(value),
        None => answers.push((code.to_string(), vec![value])),
    }
}

/// The first answer to `code`, or empty.
pub fn first_answer(answers: &Answers, code: &str) -> String {
    answers
        .iter()
        .find(|(c, _)| c == code)
        .and_then(|(_, v)| v.first().cloned())
        .unwrap_or_default()
}

/// Whether `value` is among the answers to `code` (a ticked box of a list question).
pub fn has_answer(answers: &Answers, code: &str, value: &str) -> bool {
    answers
        .iter()
        .any(|(c, v)| c == code && v.iter().any(|x| x == value))
}

/// One question of the category, ready for the template.
pub struct Question {
    pub code: String,
    pub label: String,
    pub hint: String,
    pub required: bool,
    pub kind: &'static str,
    pub options: Vec<(String, String)>,
}

impl Question {
    /// The id of the question's hint (`f-attr-<code>-hint`), or empty when it has none.
    pub fn hint_id(&self) -> String {
        if self.hint.is_empty() {
            String::new()
        } else {
            format!("f-attr-{}-hint", self.code)
        }
    }
}

/// The category's questions in their order, in the viewer's language.
pub fn questions(c: &Category, v: &Viewer) -> Vec<Question> {
    let mut defs: Vec<_> = c.attributes.iter().filter(|a| a.variable).collect();
    defs.sort_by_key(|a| a.order);
    defs.into_iter()
        .map(|a| Question {
            code: a.code.clone(),
            label: a.description.get(v.locale).to_string(),
            // A personal answer is kept for staff only: the citizen is told so.
            hint: match (a.datatype_description.get(v.locale), a.personal) {
                (hint, false) => hint.to_string(),
                ("", true) => v.t("question-personal-hint"),
                (hint, true) => format!("{hint} {}", v.t("question-personal-hint")),
            },
            required: a.required,
            kind: match a.datatype {
                Datatype::Text => "text",
                Datatype::Number => "number",
                Datatype::Datetime => "datetime",
                Datatype::SingleValueList => "single",
                Datatype::MultiValueList => "multi",
                Datatype::String => "string",
            },
            options: a
                .values
                .iter()
                .map(|o| (o.key.clone(), o.name.get(v.locale).to_string()))
                .collect(),
        })
        .collect()
}
