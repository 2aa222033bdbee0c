//! An operation as the doors receive it: an action name and loose fields (a JSON body, a page
//! form). One translation into [`Operation`], so the REST API and the pages ask for the same
//! thing with the same names and the same required fields.

use super::operations::Operation;
use crate::domain::lifecycle::{OperationKind, Outcome};
use domain::Message;

/// The fields an operation may use; each action reads the ones it needs. Text is as entered:
/// a blank field counts as absent.
#[derive(Debug, Clone, Default)]
pub struct OperationFields {
    pub note: Option<String>,
    pub reason: Option<String>,
    pub department: Option<String>,
    pub assignee_id: Option<String>,
    /// For `note`: whether the citizen sees it.
    pub public: bool,
    /// For `arrive`: where the field worker is.
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    pub outcome: Option<String>,
    pub responsible: Option<String>,
    pub deferred_until: Option<String>,
    /// For `merge`: the case number this one duplicates.
    pub into: Option<String>,
}

fn optional(v: Option<String>) -> Option<String> {
    v.map(|v| v.trim().to_string()).filter(|v| !v.is_empty())
}

fn required(v: Option<String>, field: &'static str) -> Result<String, Message> {
    optional(v).ok_or_else(|| Message::new("error-field-required").arg("field", field))
}

impl Operation {
    /// The operation `action` names, from its fields. Notes and reasons are checked by the
    /// operation itself (required, length), so they pass as entered.
    pub fn from_fields(action: &str, f: OperationFields) -> Result<Operation, Message> {
        use OperationKind as K;
        let kind = OperationKind::parse(action)
            .ok_or_else(|| Message::new("error-action-unknown").arg("action", action))?;
        let text = |v: Option<String>| v.unwrap_or_default();
        Ok(match kind {
            K::Acknowledge => Operation::Acknowledge,
            K::AssignWorker => Operation::AssignWorker {
                account_id: required(f.assignee_id, "assignee_id")?,
            },
            K::Reassign => Operation::Reassign {
                department: required(f.department, "department")?,
                reason: text(f.reason),
            },
            K::RequestCosign => Operation::RequestCosign {
                department: required(f.department, "department")?,
                note: text(f.note),
            },
            K::CompleteCosign => Operation::CompleteCosign { note: text(f.note) },
            K::WithdrawCosign => Operation::WithdrawCosign {
                reason: text(f.reason),
            },
            K::TransferExternal => Operation::TransferExternal {
                department: required(f.department, "department")?,
                note: text(f.note),
            },
            K::Start => Operation::Start,
            K::Arrive => Operation::Arrive {
                lat: f.lat,
                lon: f.lon,
            },
            K::LeaveSite => Operation::LeaveSite,
            K::Note => Operation::Note {
                text: text(f.note),
                public: f.public,
            },
            K::RequestInfo => Operation::RequestInfo { note: text(f.note) },
            K::ProvideInfo => Operation::ProvideInfo { note: text(f.note) },
            K::Resolve => {
                let outcome = required(f.outcome, "outcome")?;
                Operation::Resolve {
                    outcome: Outcome::parse(&outcome).ok_or_else(|| {
                        Message::new("error-outcome-unknown").arg("outcome", outcome)
                    })?,
                    note: text(f.note),
                    responsible: optional(f.responsible),
                    deferred_until: optional(f.deferred_until),
                }
            }
            K::Close => Operation::Close {
                note: optional(f.note),
            },
            K::Reject => Operation::Reject {
                reason: text(f.reason),
            },
            K::Merge => Operation::MergeInto {
                case_number: required(f.into, "into")?,
            },
            K::ExtendDeadline => Operation::ExtendDeadline {
                reason: text(f.reason),
            },
        })
    }

    /// Which operation this is, for [`crate::domain::lifecycle::allowed`].
    pub fn kind(&self) -> OperationKind {
        use OperationKind as K;
        match self {
            Operation::Acknowledge => K::Acknowledge,
            Operation::AssignWorker { .. } => K::AssignWorker,
            Operation::Reassign { .. } => K::Reassign,
            Operation::RequestCosign { .. } => K::RequestCosign,
            Operation::CompleteCosign { .. } => K::CompleteCosign,
            Operation::WithdrawCosign { .. } => K::WithdrawCosign,
            Operation::TransferExternal { .. } => K::TransferExternal,
            Operation::Start => K::Start,
            Operation::Arrive { .. } => K::Arrive,
            Operation::LeaveSite => K::LeaveSite,
            Operation::Note { .. } => K::Note,
            Operation::RequestInfo { .. } => K::RequestInfo,
            Operation::ProvideInfo { .. } => K::ProvideInfo,
            Operation::Resolve { .. } => K::Resolve,
            Operation::Close { .. } => K::Close,
            Operation::Reject { .. } => K::Reject,
            Operation::MergeInto { .. } => K::Merge,
            Operation::ExtendDeadline { .. } => K::ExtendDeadline,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_is_read_back_as_itself() {
        let f = OperationFields {
            assignee_id: Some("w1".into()),
            department: Some("PWD".into()),
            outcome: Some("fixed".into()),
            into: Some("2026112400001".into()),
            ..OperationFields::default()
        };
        for kind in OperationKind::ALL {
            let op = Operation::from_fields(kind.as_str(), f.clone()).unwrap();
            assert_eq!(op.kind(), *kind);
        }
    }

    #[test]
    fn arrival_keeps_the_location_and_blank_fields_count_as_absent() {
        let f = OperationFields {
            lat: Some(25.03),
            lon: Some(121.56),
            ..OperationFields::default()
        };
        assert_eq!(
            Operation::from_fields("arrive", f),
            Ok(Operation::Arrive {
                lat: Some(25.03),
                lon: Some(121.56)
            })
        );
        let blank = OperationFields {
            assignee_id: Some("  ".into()),
            ..OperationFields::default()
        };
        assert_eq!(
            Operation::from_fields("assign_worker", blank)
                .unwrap_err()
                .id,
            "error-field-required"
        );
        let close = OperationFields {
            note: Some(" ".into()),
            ..OperationFields::default()
        };
        assert_eq!(
            Operation::from_fields("close", close),
            Ok(Operation::Close { note: None })
        );
        assert_eq!(
            Operation::from_fields("fly", OperationFields::default())
                .unwrap_err()
                .id,
            "error-action-unknown"
        );
    }
}
