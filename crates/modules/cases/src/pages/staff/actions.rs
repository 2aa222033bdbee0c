//! What staff may do to a case from a page: which operations the lifecycle allows in the case's
//! state (only those are offered), the form every operation posts, its translation into a
//! `crate::casework::Operation`, and the timeline as staff read it.

use super::Catalog;
use crate::casework::{Operation, OperationFields};
use crate::domain::lifecycle::{CaseStatus, OperationKind, Outcome, allowed};
use crate::store::events::Event;
use domain::Message;
use domain::actor::ActorRef;
use domain::geo::Point;
use identity::doors::Viewer;
use serde::Deserialize;
use serde_json::Value;
use std::collections::HashMap;

/// The operations a dispatcher's case page offers, in the order shown.
pub const DISPATCH: [&str; 18] = [
    "acknowledge",
    "assign_worker",
    "start",
    "arrive",
    "leave_site",
    "request_info",
    "provide_info",
    "request_cosign",
    "complete_cosign",
    "withdraw_cosign",
    "reassign",
    "transfer_external",
    "resolve",
    "close",
    "reject",
    "merge",
    "note",
    "extend_deadline",
];

/// The response templates a resolution note may start from (`note-template-<key>` in the
/// catalogue): the common answers, so a dispatcher need not type them for every case.
pub const NOTE_TEMPLATES: [&str; 5] = ["fixed", "scheduled", "not_ours", "no_problem", "duplicate"];

/// The operations of a field worker's case page.
pub const FIELD: [&str; 6] = [
    "start",
    "arrive",
    "leave_site",
    "provide_info",
    "resolve",
    "note",
];

/// Whether `action` is legal for a case in `status`, with a co-sign open or not: only legal
/// operations are offered (`crate::domain::lifecycle::allowed` decides, as it does for
/// services).
pub fn legal(status: &str, cosign_open: bool, action: &str) -> bool {
    match (CaseStatus::parse(status), OperationKind::parse(action)) {
        (Some(s), Some(op)) => allowed(op, s, cosign_open),
        _ => false,
    }
}

/// The form of every operation; each uses the fields it needs.
#[derive(Deserialize, Default, Clone)]
pub struct ActionForm {
    #[serde(default)]
    pub _csrf: String,
    #[serde(default)]
    pub action: String,
    #[serde(default)]
    pub note: String,
    #[serde(default)]
    pub reason: String,
    #[serde(default)]
    pub department: String,
    #[serde(default)]
    pub assignee: String,
    /// `yes` for a note the citizen sees.
    #[serde(default)]
    pub public: String,
    #[serde(default)]
    pub outcome: String,
    #[serde(default)]
    pub responsible: String,
    #[serde(default)]
    pub deferred_until: String,
    #[serde(default)]
    pub into: String,
    /// For `resolve`: a response template ([`NOTE_TEMPLATES`]) used when no note is typed.
    #[serde(default)]
    pub template: String,
    /// For `arrive`: where the field worker is, when the page knows it.
    #[serde(default)]
    pub lat: String,
    #[serde(default)]
    pub long: String,
}

impl ActionForm {
    /// The value entered for `field` when this form is the one that failed, else empty.
    pub fn kept(&self, action: &str, field: &str) -> String {
        if self.action != action {
            return String::new();
        }
        match field {
            "note" => self.note.clone(),
            "reason" => self.reason.clone(),
            "department" => self.department.clone(),
            "assignee" => self.assignee.clone(),
            "outcome" => self.outcome.clone(),
            "responsible" => self.responsible.clone(),
            "deferred_until" => self.deferred_until.clone(),
            "into" => self.into.clone(),
            _ => String::new(),
        }
    }
}

/// The operation a form asks for, read as the REST API reads its body.
pub fn operation(f: &ActionForm) -> Result<Operation, Message> {
    let given = |v: &str| Some(v.to_string());
    let at = Point::parse_pair(Some(&f.lat), Some(&f.long)).map_err(|e| e.message())?;
    Operation::from_fields(
        &f.action,
        OperationFields {
            note: given(&f.note),
            reason: given(&f.reason),
            department: given(&f.department),
            assignee_id: given(&f.assignee),
            public: f.public == "yes",
            lat: at.map(|p| p.lat),
            lon: at.map(|p| p.lon),
            outcome: given(&f.outcome),
            responsible: given(&f.responsible),
            deferred_until: given(&f.deferred_until),
            into: given(&f.into),
        },
    )
}

/// The input of `action`'s form that a refusal concerns: `f-<action>-<field>`, or the form as
/// a whole (shown in the summary).
pub fn field_of(action: &str) -> impl Fn(&Message) -> String + '_ {
    move |m: &Message| {
        let id = |field: &str| format!("f-{}-{field}", action.replace('_', "-"));
        match webkit::page::forms::field_arg(m) {
            Some("note") => return id("note"),
            Some("reason") => return id("reason"),
            Some("department") => return id("department"),
            Some("assignee_id") => return id("assignee"),
            Some("outcome") => return id("outcome"),
            Some("responsible") => return id("responsible"),
            Some("deferred_until") => return id("deferred-until"),
            Some("into") => return id("into"),
            _ => {}
        }
        let m = m.id;
        if m.contains("assign") {
            id("assignee")
        } else if m.contains("department") || m.contains("utility") || m.contains("cosign-same") {
            id("department")
        } else if m.contains("merge") {
            id("into")
        } else if m.contains("outcome") {
            id("outcome")
        } else if m.contains("date") {
            id("deferred-until")
        } else {
            String::new()
        }
    }
}

/// One event of the timeline as staff read it.
pub struct EventLine {
    pub at: i64,
    pub what: String,
    pub who: String,
    pub internal: bool,
    pub note: Option<String>,
    pub details: Vec<String>,
    pub photos: Vec<String>,
}

/// Who did it, in words.
fn who(actor: &str, names: &HashMap<String, String>, v: &Viewer) -> String {
    match actor.parse::<ActorRef>() {
        Ok(ActorRef::Staff { account_id }) => names
            .get(&account_id)
            .cloned()
            .unwrap_or_else(|| v.t("event-staff")),
        // The operator, a background job or the rules: "system", and which one.
        Ok(ActorRef::System { label: Some(label) }) => format!("{} ({label})", v.t("event-system")),
        Ok(ActorRef::System { label: None }) => v.t("event-system"),
        Ok(ActorRef::Citizen { .. }) => v.t("event-citizen"),
        Ok(ActorRef::ApiClient { .. }) => v.t("event-api-client"),
        _ => actor.to_string(),
    }
}

pub fn event_lines(
    events: &[Event],
    v: &Viewer,
    catalog: &Catalog,
    names: &HashMap<String, String>,
) -> Vec<EventLine> {
    let tr = |id: &str, name: &str, value: String| webkit::i18n::tr(v.locale, id, &[(name, value)]);
    events
        .iter()
        .map(|e| {
            let e = &e.event;
            let staff_key = format!("staff-event-{}", e.kind);
            let what = if e.kind == "create" {
                v.t("timeline-create")
            } else if webkit::i18n::has(v.locale, &staff_key) {
                v.t(&staff_key)
            } else if let Some(to) = e
                .to_status
                .as_deref()
                .filter(|t| Some(*t) != e.from_status.as_deref())
            {
                v.t(&format!("timeline-status-{to}"))
            } else {
                v.t("timeline-update")
            };
            let data: Value = serde_json::from_str(&e.data).unwrap_or(Value::Null);
            let text = |k: &str| data.get(k).and_then(Value::as_str).map(str::to_string);
            let mut details = Vec::new();
            if let Some(d) = text("to_department") {
                details.push(tr(
                    "event-to-department",
                    "name",
                    catalog.department(Some(d.as_str())),
                ));
            }
            if let Some(d) = text("cosign_department") {
                details.push(tr(
                    "event-cosign-department",
                    "name",
                    catalog.department(Some(d.as_str())),
                ));
            }
            if let Some(n) = text("assignee_name") {
                details.push(tr("event-assignee", "name", n));
            }
            if let Some(o) = text("outcome") {
                let key = if e.kind == "outcall" {
                    format!("outcall-outcome-{o}")
                } else {
                    format!("outcome-{o}")
                };
                details.push(v.t(&key));
            }
            if let Some(r) = text("responsible") {
                details.push(tr("event-responsible", "name", r));
            }
            if let Some(d) = text("deferred_until") {
                details.push(tr("event-deferred-until", "date", d));
            }
            if let Some(n) = text("merged_into") {
                details.push(tr("event-merged-into", "number", n));
            }
            if let Some(n) = text("merged") {
                details.push(tr("event-merged", "number", n));
            }
            if let Some(p) = text("phone") {
                details.push(tr("event-phone", "phone", p));
            }
            let photos = data
                .get("photos")
                .and_then(Value::as_array)
                .map(|list| {
                    list.iter()
                        .filter_map(Value::as_str)
                        .map(str::to_string)
                        .collect()
                })
                .unwrap_or_default();
            EventLine {
                at: e.created_at,
                what,
                who: who(&e.actor, names, v),
                internal: !e.public,
                note: e.note.clone(),
                details,
                photos,
            }
        })
        .collect()
}

/// The outcomes a resolution may record, in the order offered.
pub fn outcomes() -> Vec<&'static str> {
    Outcome::ALL.iter().map(|o| o.as_str()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_what_the_lifecycle_allows_is_offered() {
        let offered = |status: &str| -> Vec<&str> {
            DISPATCH
                .iter()
                .copied()
                .filter(|a| legal(status, false, a))
                .collect()
        };
        assert_eq!(
            offered("assigned"),
            [
                "acknowledge",
                "reassign",
                "transfer_external",
                "reject",
                "merge",
                "note",
                // The lifecycle allows it on any open case; the page offers it on a request
                // about personal data only (`staff::case`).
                "extend_deadline"
            ]
        );
        assert!(offered("acknowledged").contains(&"assign_worker"));
        assert!(!offered("assigned").contains(&"assign_worker"));
        assert_eq!(offered("resolved"), ["close", "note"]);
        assert_eq!(offered("closed"), ["note"]);
        assert!(offered("on_site").contains(&"leave_site"));
        assert!(!legal("bogus", false, "note"));
        // With a co-sign open: the crew's actions stay, completing and withdrawing appear,
        // resolving waits.
        let cosigning: Vec<&str> = DISPATCH
            .iter()
            .copied()
            .filter(|a| legal("in_progress", true, a))
            .collect();
        assert!(cosigning.contains(&"arrive") && cosigning.contains(&"withdraw_cosign"));
        assert!(!cosigning.contains(&"resolve") && !cosigning.contains(&"request_cosign"));
        assert!(!offered("in_progress").contains(&"withdraw_cosign"));
    }
}
