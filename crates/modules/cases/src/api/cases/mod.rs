//! Case work over the API: intake by agents, queues, the staff view of a case, every dispatch
//! and field operation (`staff`), and the citizen's reporting, tracking, reopening and survey
//! (`citizen`). Routing and triage rules, SLA policies and the calendar are in `case_rules`;
//! they are routed here, in the document's order.

mod citizen;
pub(super) mod dto;
mod staff;

use super::case_rules;
use crate::doors::CasesState;
use utoipa_axum::router::{OpenApiRouter, UtoipaMethodRouterExt};
use utoipa_axum::routes;

pub fn routes() -> OpenApiRouter<CasesState> {
    OpenApiRouter::new()
        .routes(routes!(staff::queue, staff::file))
        .routes(routes!(staff::detail))
        .routes(routes!(staff::act))
        .routes(
            routes!(staff::photos).layer(axum::extract::DefaultBodyLimit::max(
                crate::open311::MAX_MULTIPART_BYTES,
            )),
        )
        .routes(routes!(staff::duplicates))
        .routes(routes!(case_rules::sla_policies))
        .routes(routes!(case_rules::set_sla_policy))
        .routes(routes!(
            case_rules::routing_rules,
            case_rules::set_routing_rules
        ))
        .routes(routes!(
            case_rules::triage_rules,
            case_rules::set_triage_rules
        ))
        .routes(routes!(case_rules::calendar, case_rules::change_calendar))
        .routes(routes!(citizen::report))
        .routes(routes!(citizen::my_cases))
        .routes(routes!(citizen::track))
        .routes(routes!(citizen::reopen))
        .routes(routes!(citizen::survey))
}
