//! Reading cases for the public: Open311 `GET requests`, one request, and batch tokens.
//! Confidential (blackbox) categories are never listed, and what is listed is the
//! [`PublicCase`] view, made by `crate::public`.

use crate::domain::lifecycle::{CaseStatus, Open311Status};
use crate::public::{Known, PublicCase, public_grid};
use crate::store::cases::{CaseFilter, CaseView};
use crate::store::events::Event;
use crate::{CasesApp, Result, ServiceError};
use domain::Message;
use domain::catalog::Jurisdiction;
use domain::geo::RadiusFilter;
use std::collections::HashMap;

/// The most cases a list may skip (its `offset`): far past any real list, and far from the
/// integer limits of the databases (a larger offset was a panic, then a 500).
pub const MAX_OFFSET: u64 = 10_000_000;

/// Refuses an offset past [`MAX_OFFSET`].
pub(crate) fn check_offset(offset: u64) -> Result<()> {
    if offset > MAX_OFFSET {
        return Err(crate::ServiceError::invalid(
            domain::Message::new("error-offset").arg("max", MAX_OFFSET.to_string()),
        ));
    }
    Ok(())
}

/// A search over the cases of one jurisdiction.
#[derive(Debug, Clone, Default)]
pub struct CaseQuery {
    pub case_numbers: Option<Vec<String>>,
    pub service_codes: Option<Vec<String>>,
    pub statuses: Option<Vec<Open311Status>>,
    pub requested_from: Option<i64>,
    pub requested_to: Option<i64>,
    pub updated_from: Option<i64>,
    pub updated_to: Option<i64>,
    pub near: Option<RadiusFilter>,
    pub limit: u64,
    pub offset: u64,
    /// Also load each case's public events.
    pub with_events: bool,
}

impl CasesApp {
    /// Cases matching `q`, newest first, as the public sees them. An unknown service code is
    /// NotFound, so a client with a typo does not silently receive every case. A search
    /// `near` a point is tested against the points as published, never the exact ones.
    pub async fn search_cases(&self, j: &Jurisdiction, q: CaseQuery) -> Result<Vec<PublicCase>> {
        check_offset(q.offset)?;
        let snapshot = self.platform.snapshot_of(j).await?;
        let categories = &snapshot.categories;
        if let Some(codes) = &q.service_codes {
            for code in codes {
                if !categories.iter().any(|c| &c.code == code) {
                    return Err(ServiceError::NotFound(
                        Message::new("error-service-unknown").arg("code", code.as_str()),
                    ));
                }
            }
        }
        let statuses = q.statuses.as_ref().map(|wanted| {
            wanted
                .iter()
                .flat_map(|s| CaseStatus::with_open311(*s))
                .map(|s| s.as_str().to_string())
                .collect::<Vec<_>>()
        });
        let filter = CaseFilter {
            jurisdiction_id: j.id.clone(),
            case_numbers: q.case_numbers,
            category_codes: q.service_codes,
            statuses,
            requested_from: q.requested_from,
            requested_to: q.requested_to,
            updated_from: q.updated_from,
            updated_to: q.updated_to,
            near: q.near,
            near_on_grid: Some(public_grid(&snapshot, self.config().public_grid_m)),
            exclude_category_codes: snapshot.confidential.clone(),
            limit: q.limit,
            offset: q.offset,
        };
        let cases = crate::store::cases::list(&self.db, &filter).await?;
        self.public_view(j, cases, q.with_events).await
    }

    async fn public_view(
        &self,
        j: &Jurisdiction,
        cases: Vec<CaseView>,
        load: bool,
    ) -> Result<Vec<PublicCase>> {
        let snapshot = self.platform.snapshot_of(j).await?;
        let grid = public_grid(&snapshot, self.config().public_grid_m);
        let mut by_case: HashMap<String, Vec<Event>> = HashMap::new();
        if load {
            let ids: Vec<String> = cases.iter().map(|c| c.id.clone()).collect();
            for e in crate::store::events::for_cases(&self.db, &ids, true).await? {
                by_case.entry(e.event.case_id.clone()).or_default().push(e);
            }
        }
        let numbers: Vec<String> = cases.iter().map(|c| c.case_number.clone()).collect();
        let mut reporters = crate::store::reporters::identifiers(&self.db, &j.id, &numbers).await?;
        Ok(cases
            .iter()
            .map(|case| {
                let events = by_case.remove(&case.id).unwrap_or_default();
                let known = Known::new(reporters.remove(&case.case_number).unwrap_or_default());
                PublicCase::new(case, &events, &known, &snapshot, grid)
            })
            .collect())
    }

    /// One public case by number; NotFound if it does not exist or is confidential.
    pub async fn public_case(
        &self,
        j: &Jurisdiction,
        case_number: &str,
        with_events: bool,
    ) -> Result<PublicCase> {
        let not_found = || {
            ServiceError::NotFound(
                Message::new("error-request-unknown").arg("id", case_number.trim()),
            )
        };
        let case = crate::store::cases::by_number(&self.db, &j.id, case_number.trim())
            .await?
            .ok_or_else(not_found)?;
        let snapshot = self.platform.snapshot_of(j).await?;
        if snapshot.confidential.contains(&case.category_code) {
            return Err(not_found());
        }
        let mut records = self.public_view(j, vec![case], with_events).await?;
        records.pop().ok_or_else(not_found)
    }

    /// The case number a batch token became. NotFound for an unknown token.
    pub async fn case_number_for_token(&self, j: &Jurisdiction, token: &str) -> Result<String> {
        crate::store::cases::number_for_token(&self.db, &j.id, token.trim())
            .await?
            .ok_or_else(|| ServiceError::NotFound(Message::new("error-token-unknown")))
    }
}
