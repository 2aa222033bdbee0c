//! A citizen's request about their personal data, filed as a case in the confidential
//! categories of `domain::data_requests`: the request runs on the law's clock (15 or 30 days,
//! extendable once with a reason the citizen is told: `Operation::ExtendDeadline`), is routed
//! to the category's department like any case, and shows in the citizen's "my data" with its
//! deadline.

use crate::authz::Actor;
use crate::domain::data_requests::Kind;
use crate::intake::{Channel, FiledCase, Filer, NewReport};
use crate::{CasesApp, Result, ServiceError};
use domain::Message;

/// The longest account of what is wrong or wanted, in characters.
pub const MAX_DETAILS: usize = 2000;

fn field(id: &'static str, f: &'static str) -> Message {
    Message::new(id).arg("field", f)
}

impl CasesApp {
    /// The signed-in citizen asks to review, correct, delete or stop the use of their data.
    pub async fn file_data_request(
        &self,
        actor: &Actor,
        kind: &str,
        details: &str,
    ) -> Result<FiledCase> {
        if !actor.is_citizen() {
            return Err(crate::authz::forbidden());
        }
        let me = actor.account()?.to_string();
        let mut errors = Vec::new();
        let kind = Kind::parse(kind.trim());
        if kind.is_none() {
            errors.push(field("error-data-request-kind", "kind"));
        }
        let details = details.trim();
        if details.is_empty() {
            errors.push(field("error-data-request-details", "details"));
        } else if details.chars().count() > MAX_DETAILS {
            errors
                .push(field("error-field-too-long", "details").arg("max", MAX_DETAILS.to_string()));
        }
        let Some(kind) = kind.filter(|_| errors.is_empty()) else {
            return Err(ServiceError::Invalid(errors));
        };
        self.platform
            .count_attempt(crate::rate_limit::DATA_REQUESTS_PER_ACCOUNT, &me)
            .await?;
        let j = self.platform.jurisdiction(&actor.jurisdiction_id).await?;
        let mut report = NewReport {
            service_code: Some(kind.category().to_string()),
            description: Some(details.to_string()),
            attributes: match kind {
                Kind::Review => Vec::new(),
                other => vec![("kind".into(), vec![other.as_str().into()])],
            },
            ..NewReport::default()
        };
        report.reporter.account_id = Some(me.clone());
        self.file_case(
            &j,
            &Filer::DataSubject { account_id: me },
            Channel::Web,
            report,
        )
        .await
    }
}
