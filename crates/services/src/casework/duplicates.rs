//! Duplicate reports: at intake an agent sees the open cases of the same category nearby
//! (default 50 m) or at the same normalised address within a window (default 14 days); a
//! dispatcher merges a duplicate into the surviving case, whose updates then reach every
//! reporter of both.

use crate::authz::{Actor, Permission, Target};
use crate::{Result, ServiceError, Services};
use domain::Message;
use domain::duplicates::{Candidate, DuplicatePolicy, Report, find_duplicates};
use domain::geo::Point;
use store::case_work;

/// An open case a new report may duplicate, and why.
#[derive(Debug, Clone)]
pub struct Suggestion {
    pub case_number: String,
    pub status: String,
    pub distance_m: Option<f64>,
    pub same_address: bool,
    pub reasons: Vec<Message>,
}

impl Services {
    /// Open cases of `category` that a report at `point` / `address` may duplicate.
    pub async fn suggest_duplicates(
        &self,
        actor: &Actor,
        category: &str,
        point: Option<Point>,
        address: Option<&str>,
        policy: DuplicatePolicy,
    ) -> Result<Vec<Suggestion>> {
        if !actor.may(Permission::FileCases, Target::Jurisdiction)
            && !actor.may(Permission::ViewCases, Target::Jurisdiction)
        {
            return Err(crate::authz::forbidden());
        }
        policy.validate().map_err(ServiceError::Invalid)?;
        let j = self.jurisdiction(&actor.jurisdiction_id).await?;
        self.service(&j, category).await?;
        let now = store::now_unix();
        let since = now - i64::from(policy.window_days) * 86_400;
        let open = case_work::recent_open_in_category(
            &self.db,
            &j.id,
            category,
            since,
            &super::open_statuses(),
            2_000,
        )
        .await?;
        let report = Report {
            category: category.to_string(),
            point,
            address_key: address.and_then(text::address_key),
            created_at: now,
        };
        let candidates: Vec<Candidate> = open
            .iter()
            .map(|c| Candidate {
                case_id: c.id.clone(),
                category: category.to_string(),
                point: match (c.lat, c.lon) {
                    (Some(lat), Some(lon)) => Point::new(lat, lon).ok(),
                    _ => None,
                },
                address_key: c.address.as_deref().and_then(text::address_key),
                created_at: c.requested_at,
            })
            .collect();
        Ok(find_duplicates(&report, &candidates, &policy)
            .into_iter()
            .filter_map(|d| {
                let case = open.iter().find(|c| c.id == d.case_id)?;
                Some(Suggestion {
                    case_number: case.case_number.clone(),
                    status: case.status.clone(),
                    distance_m: d.distance_m,
                    same_address: d.same_address,
                    reasons: d.reasons,
                })
            })
            .collect())
    }
}
