//! The hotline's part of a citizen's "my data" (`platform::personal_data::DataHolder`): the
//! cases they reported, by their account or from their mobile number, with what they gave as
//! reporter; their answers to surveys; the calls from their number as agents recorded them; a
//! care flag on it; and the calls the hotline made to it.

use crate::CasesApp;
use crate::domain::case_event::CaseEventKind;
use crate::domain::data_requests;
use crate::domain::desk::CallerNumber;
use crate::store::personal_data as store;
use platform::personal_data::{Column, DataHolder, DataSet, DataSubject, Pending};

const fn col(key: &'static str, label: &'static str) -> Column {
    Column::new(key, label)
}

const REPORTS: &[Column] = &[
    col("case_number", "data-col-case-number"),
    col("requested_at", "data-col-requested-at"),
    col("category", "data-col-category"),
    Column::coded("status", "data-col-status", "case-status-"),
    Column::coded("channel", "data-col-channel", "channel-"),
    col("address", "data-col-address"),
    col("description", "data-col-description"),
    col("closed_at", "data-col-closed-at"),
    col("reporter_name", "data-col-reporter-name"),
    col("reporter_phone", "data-col-reporter-phone"),
    col("reporter_email", "data-col-reporter-email"),
];

const DATA_REQUESTS: &[Column] = &[
    col("case_number", "data-col-case-number"),
    col("requested_at", "data-col-requested-at"),
    col("category", "data-col-data-request"),
    col("description", "data-col-description"),
    Column::coded("status", "data-col-status", "case-status-"),
    col("due_at", "data-col-due-at"),
    col("extended_because", "data-col-extended-because"),
    col("closed_at", "data-col-closed-at"),
];

const SURVEYS: &[Column] = &[
    col("case_number", "data-col-case-number"),
    col("score", "data-col-score"),
    col("comment", "data-col-comment"),
    col("submitted_at", "data-col-submitted-at"),
];

const CALLS: &[Column] = &[
    col("at", "data-col-at"),
    Column::coded("service_type", "data-col-service-type", "contact-type-"),
    col("category", "data-col-category"),
    col("case_number", "data-col-case-number"),
    col("summary", "data-col-summary"),
];

const CARE: &[Column] = &[
    col("note", "data-col-note"),
    col("set_at", "data-col-set-at"),
];

const OUTCALLS: &[Column] = &[
    col("at", "data-col-at"),
    col("case_number", "data-col-case-number"),
    Column::coded("reason", "data-col-reason", "outcall-reason-"),
    Column::coded("status", "data-col-status", "outcall-status-"),
    Column::coded("outcome", "data-col-outcome", "outcall-outcome-"),
    col("done_at", "data-col-done-at"),
];

impl CasesApp {
    async fn held_about(&self, s: &DataSubject) -> crate::Result<Vec<DataSet>> {
        let key = s
            .mobile
            .as_deref()
            .and_then(|m| CallerNumber::parse(m).ok())
            .map(|n| n.key().to_string());
        let catalog = self.platform.catalog_snapshot(&s.jurisdiction_id).await?;
        let category = |code: &str| {
            catalog
                .as_ref()
                .and_then(|c| c.category(code))
                .map_or_else(|| code.to_string(), |c| format!("{} ({code})", c.name.zh))
        };
        let (requests, reported): (Vec<_>, Vec<_>) = store::reported(
            &self.db,
            &s.jurisdiction_id,
            &s.account_id,
            key.as_deref().map(|k| (k, s.mobile_since)),
        )
        .await?
        .into_iter()
        .partition(|r| data_requests::days_for(&r.category_code).is_some());
        let request_ids: Vec<String> = requests.iter().map(|r| r.case_id.clone()).collect();
        let extensions = store::public_notes(
            &self.db,
            &request_ids,
            CaseEventKind::DeadlineExtended.as_str(),
        )
        .await?;
        let ids: Vec<String> = reported.iter().map(|r| r.case_id.clone()).collect();
        let surveys = store::surveys(&self.db, &ids).await?;
        let number_of = |id: &str| {
            reported
                .iter()
                .find(|r| r.case_id == id)
                .map(|r| r.case_number.clone())
                .unwrap_or_default()
        };
        let mut sets = vec![
            DataSet {
                key: "cases.reports",
                title: "data-set-cases-reports",
                columns: REPORTS,
                rows: reported
                    .iter()
                    .map(|r| {
                        let name = [r.last_name.as_deref(), r.first_name.as_deref()]
                            .into_iter()
                            .flatten()
                            .collect::<Vec<_>>()
                            .join("");
                        vec![
                            r.case_number.clone(),
                            s.when(Some(r.requested_at)),
                            category(&r.category_code),
                            r.status.clone(),
                            r.channel.clone(),
                            r.address.clone().unwrap_or_default(),
                            r.description.clone(),
                            s.when(r.closed_at),
                            name,
                            r.phone.clone().unwrap_or_default(),
                            r.email.clone().unwrap_or_default(),
                        ]
                    })
                    .collect(),
            },
            DataSet {
                key: "cases.data-requests",
                title: "data-set-cases-data-requests",
                columns: DATA_REQUESTS,
                rows: requests
                    .iter()
                    .map(|r| {
                        let extended = extensions
                            .iter()
                            .find(|(id, _, _)| *id == r.case_id)
                            .map(|(_, note, _)| note.clone())
                            .unwrap_or_default();
                        vec![
                            r.case_number.clone(),
                            s.when(Some(r.requested_at)),
                            category(&r.category_code),
                            r.description.clone(),
                            r.status.clone(),
                            s.when(r.resolution_due_at),
                            extended,
                            s.when(r.closed_at),
                        ]
                    })
                    .collect(),
            },
            DataSet {
                key: "cases.surveys",
                title: "data-set-cases-surveys",
                columns: SURVEYS,
                rows: surveys
                    .iter()
                    .map(|v| {
                        vec![
                            number_of(&v.case_id),
                            v.score.map(|s| s.to_string()).unwrap_or_default(),
                            v.comment.clone().unwrap_or_default(),
                            s.when(v.submitted_at),
                        ]
                    })
                    .collect(),
            },
        ];
        let Some(key) = key else {
            return Ok(sets);
        };
        let calls = store::calls(&self.db, &s.jurisdiction_id, &key, s.mobile_since).await?;
        sets.push(DataSet {
            key: "cases.calls",
            title: "data-set-cases-calls",
            columns: CALLS,
            rows: calls
                .iter()
                .map(|c| {
                    vec![
                        s.when(Some(c.created_at)),
                        c.service_type.clone(),
                        c.category_code.as_deref().map(category).unwrap_or_default(),
                        c.case_number.clone().unwrap_or_default(),
                        c.summary.clone(),
                    ]
                })
                .collect(),
        });
        let care = store::care_flag(&self.db, &s.jurisdiction_id, &key, s.mobile_since).await?;
        sets.push(DataSet {
            key: "cases.care-flag",
            title: "data-set-cases-care-flag",
            columns: CARE,
            rows: care
                .into_iter()
                .map(|(note, at)| vec![note, s.when(Some(at))])
                .collect(),
        });
        let outcalls = store::outcalls(&self.db, &s.jurisdiction_id, &key, s.mobile_since).await?;
        sets.push(DataSet {
            key: "cases.outcalls",
            title: "data-set-cases-outcalls",
            columns: OUTCALLS,
            rows: outcalls
                .iter()
                .map(|o| {
                    vec![
                        s.when(Some(o.created_at)),
                        o.case_number.clone().unwrap_or_default(),
                        o.reason.clone(),
                        o.status.clone(),
                        o.outcome.clone().unwrap_or_default(),
                        s.when(o.done_at),
                    ]
                })
                .collect(),
        });
        Ok(sets)
    }
}

impl DataHolder for CasesApp {
    fn personal_data<'a>(&'a self, subject: &'a DataSubject) -> Pending<'a, Vec<DataSet>> {
        Box::pin(self.held_about(subject))
    }
}
