//! The OpenAPI 3.1 document of the REST API v1, generated from the handlers.
//!
//! Every handler carries `#[utoipa::path(...)]` (method, path, tag, body, parameters, its own
//! responses) and is registered with `utoipa_axum::routes!`, which takes the method and the path
//! from that annotation: a route cannot exist without its documentation (see [`super::routes`]).
//!
//! What the extractors decide is documented once, here, by [`conventions`], rather than on
//! every handler:
//! - **security**: an operation that declares none takes a [`super::Caller`]: a session cookie
//!   (plus the CSRF header on writes) or a bearer token. Anonymous operations say
//!   `security(())`.
//! - **errors of the extractors**: `401`/`403` for every signed-in operation (the `Caller`
//!   refuses a missing or expired session, a missing CSRF token, a pending second factor),
//!   `400` for query parameters ([`super::ApiQuery`]), and `400`/`413`/`415` for every JSON
//!   body ([`super::JsonBody`]) or multipart body.
//!
//! Error answers are `application/problem+json` ([`Problem`]), referenced from
//! `components/responses`.

use serde_json::json;
use utoipa::openapi::path::Operation;
use utoipa::openapi::security::{
    ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityRequirement, SecurityScheme,
};
use utoipa::openapi::{OpenApi as Document, RefOr, Response};
use utoipa::{Modify, OpenApi, PartialSchema, ToSchema};

pub use webkit::{Problem, ProblemItem};

pub use webkit::openapi::{
    BadRequest, Conflict, Forbidden, NotFound, PROBLEMS, PayloadTooLarge, TooManyRequests,
    Unauthorized, UnsupportedMediaType, problem_ref,
};

/// Adds the security schemes and the reusable error answers.
struct Components;

impl Modify for Components {
    fn modify(&self, doc: &mut Document) {
        let components = doc
            .components
            .get_or_insert_with(utoipa::openapi::Components::new);
        components.add_security_scheme(
            "session",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
                super::SESSION_COOKIE,
                "The session cookie set by `POST /api/v1/auth/sign-in` (browsers).",
            ))),
        );
        components.add_security_scheme(
            "csrf",
            SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::with_description(
                "X-CSRF-Token",
                "The session's CSRF token (`csrf_token` in the sign-in answer), required with the session cookie on every request that is not GET.",
            ))),
        );
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("cdp_…")
                    .description(Some(
                        "A personal access token (`cdp_` and 64 hex characters) from `POST /api/v1/me/tokens`. No CSRF token is needed.",
                    ))
                    .build(),
            ),
        );
        for (status, name, description) in PROBLEMS {
            let mut response: Response = serde_json::from_value(json!({
                "description": description,
                "content": {
                    "application/problem+json": {
                        "schema": { "$ref": "#/components/schemas/Problem" }
                    }
                }
            }))
            .expect("a valid response object");
            if *status == 429 {
                response.headers.insert(
                    "Retry-After".into(),
                    serde_json::from_value(json!({
                        "description": "Seconds to wait before trying again.",
                        "schema": { "type": "integer", "minimum": 0 }
                    }))
                    .expect("a valid header object"),
                );
            }
            components.responses.insert((*name).into(), response.into());
        }
        components
            .schemas
            .insert("Problem".into(), Problem::schema());
        let mut item = Vec::new();
        <Problem as ToSchema>::schemas(&mut item);
        components.schemas.extend(item);
    }
}

/// The tags, in the order the API browser shows them.
pub const TAGS: &[(&str, &str)] = &[
    (
        "auth",
        "Sign-up, verification, sign-in with the second factor, sign-out and password reset.",
    ),
    (
        "me",
        "The signed-in person's own account: profile, password, second factor, access tokens, notification preferences and who read their data.",
    ),
    ("staff", "Staff accounts and their roles."),
    ("security", "Which roles must use a second factor."),
    (
        "audit",
        "The hash-chained audit trail, and audited reads of a citizen's personal data.",
    ),
    ("api-clients", "Open311 API keys of client applications."),
    (
        "notifications",
        "Notification templates and the outbox with its delivery log.",
    ),
    (
        "cases",
        "Intake by agents, queues, the staff view of a case, dispatch and field operations, photos and duplicates.",
    ),
    (
        "catalog",
        "The catalogue: categories of service with their questions, and departments.",
    ),
    ("rules", "Routing and triage rules."),
    (
        "calendar",
        "The business calendar: holidays, make-up working days and declared closures.",
    ),
    ("sla", "SLA policies per category or urgency."),
    (
        "citizen",
        "The citizen's side: tracking with the case number and password, reopening, the satisfaction survey.",
    ),
    (
        "webhooks",
        "Webhook subscriptions of department systems and their delivery log.",
    ),
    (
        "jobs",
        "The job queue (notification and webhook delivery): dead, stuck and overdue jobs, and retrying a dead one.",
    ),
    (
        "desk",
        "The 1999 agent's desk: caller lookup, contact log, out-calls and care flags.",
    ),
    (
        "reports",
        "Supervision statistics: backlog, ageing, SLA compliance, overdue and at-risk cases, satisfaction.",
    ),
    (
        "knowledge",
        "The knowledge base agents search during a call: answers to what callers ask most.",
    ),
    (
        "payments",
        "Payments: asking a citizen to pay (online through ECPay, or at a counter by wallet barcode or cash), finding payments and their history, refunds with a step up, and reconciliation with the providers.",
    ),
];

/// The document's frame: info, servers, tags, security schemes and error answers. The paths
/// come from the handlers (see [`super::openapi`]).
#[derive(OpenApi)]
#[openapi(
    info(
        title = "civicdesk",
        version = env!("CARGO_PKG_VERSION"),
        description = "The REST API v1 of civicdesk, the platform for city 1999 hotlines: accounts, staff administration, case work, rules, SLA, notifications and webhooks.\n\nAuthenticate with the session cookie of `POST /api/v1/auth/sign-in` (and send its CSRF token in `X-CSRF-Token` on every request that is not GET), or with a personal access token as `Authorization: Bearer cdp_…`. Errors are `application/problem+json` in the caller's language (`?locale=en`, `Accept-Language`, else zh-TW). Lists page with keyset cursors. See docs/API.md.",
        license(name = "AGPL-3.0-or-later", identifier = "AGPL-3.0-or-later"),
    ),
    servers((url = "/", description = "This server")),
    modifiers(&Components),
)]
pub struct ApiDoc;

/// Fills in what the extractors decide (see the module documentation). Applied once the
/// handlers' paths are in the document.
pub fn conventions(doc: &mut Document) {
    doc.tags = Some(
        TAGS.iter()
            .map(|(name, description)| {
                utoipa::openapi::tag::TagBuilder::new()
                    .name(*name)
                    .description(Some(*description))
                    .build()
            })
            .collect(),
    );
    for item in doc.paths.paths.values_mut() {
        let ops = [
            (false, &mut item.get),
            (true, &mut item.post),
            (true, &mut item.put),
            (true, &mut item.patch),
            (true, &mut item.delete),
        ];
        for (write, op) in ops {
            if let Some(op) = op.as_mut() {
                conventions_of(op, write);
            }
        }
    }
}

fn conventions_of(op: &mut Operation, write: bool) {
    let anonymous = op
        .security
        .as_ref()
        .is_some_and(|s| s.iter().all(|r| *r == SecurityRequirement::default()));
    if op.security.is_none() {
        let session = if write {
            SecurityRequirement::new("session", Vec::<String>::new())
                .add("csrf", Vec::<String>::new())
        } else {
            SecurityRequirement::new("session", Vec::<String>::new())
        };
        op.security = Some(vec![
            session,
            SecurityRequirement::new("bearer", Vec::<String>::new()),
        ]);
    }
    let mut statuses = Vec::new();
    if !anonymous {
        statuses.extend([401, 403]);
    }
    let has_query = op.parameters.iter().flatten().any(|p| match p {
        RefOr::T(p) => p.parameter_in == utoipa::openapi::path::ParameterIn::Query,
        RefOr::Ref(_) => false,
    });
    if has_query {
        statuses.push(400);
    }
    if let Some(RefOr::T(body)) = &op.request_body {
        if body.content.contains_key("application/json") {
            statuses.extend([400, 413, 415]);
        }
        if body.content.contains_key("multipart/form-data") {
            statuses.extend([400, 413]);
        }
    }
    for status in statuses {
        op.responses
            .responses
            .entry(status.to_string())
            .or_insert_with(|| problem_ref(status));
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    fn document() -> serde_json::Value {
        serde_json::to_value(super::super::openapi()).expect("JSON")
    }

    /// Routes reach the router only through `routes!` of annotated handlers: any other way
    /// (`.route(...)`, a plain `Router`, `nest`) would let an undocumented route slip in.
    #[test]
    fn routes_come_only_from_annotations() {
        let web = std::path::PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/src/api"));
        let cases = web.join("../../../modules/cases/src/api");
        // The API's files, those of the modules' API rooms and their folders included.
        let mut files = Vec::new();
        let mut folders = vec![web, cases];
        while let Some(folder) = folders.pop() {
            for entry in std::fs::read_dir(&folder).expect("src/api") {
                let path = entry.expect("entry").path();
                if path.is_dir() {
                    folders.push(path);
                } else {
                    files.push(path);
                }
            }
        }
        let mut checked = 0;
        for path in files {
            // This file names the banned calls; it routes nothing.
            if path.extension().is_none_or(|e| e != "rs") || path.ends_with("doc.rs") {
                continue;
            }
            let text = std::fs::read_to_string(&path).expect("source");
            for (n, line) in text.lines().enumerate() {
                let code = line
                    .split("//")
                    .next()
                    .unwrap_or("")
                    .replace("OpenApiRouter::", "");
                for banned in [
                    ".route(",
                    ".route_service(",
                    ".nest(",
                    ".nest_service(",
                    "Router::new(",
                    "axum::routing::",
                ] {
                    assert!(
                        !code.contains(banned),
                        "{}:{}: `{banned}` adds a route without documentation; annotate the handler with #[utoipa::path] and register it with routes!(…)",
                        path.display(),
                        n + 1
                    );
                }
            }
            checked += 1;
        }
        assert!(checked >= 5, "the API modules were not found");
    }

    /// Every operation has one known tag, a security requirement (possibly anonymous), a
    /// success answer, problem+json for every error answer, and its path parameters.
    #[test]
    fn every_operation_is_fully_documented() {
        let doc = document();
        assert!(doc["openapi"].as_str().unwrap_or("").starts_with("3.1"));
        let tags: BTreeSet<&str> = super::TAGS.iter().map(|(t, _)| *t).collect();
        let responses = &doc["components"]["responses"];
        let mut operation_ids = BTreeSet::new();
        let mut count = 0;
        for (path, item) in doc["paths"].as_object().expect("paths") {
            assert!(path.starts_with("/api/v1/"), "{path}");
            for (method, op) in item.as_object().expect("path item") {
                let at = format!("{} {path}", method.to_uppercase());
                count += 1;
                let op_tags = op["tags"].as_array().expect("tags");
                assert_eq!(op_tags.len(), 1, "{at}: one tag");
                assert!(
                    tags.contains(op_tags[0].as_str().unwrap_or("")),
                    "{at}: unknown tag {}",
                    op_tags[0]
                );
                assert!(
                    op["summary"].is_string(),
                    "{at}: a summary (the handler's doc comment)"
                );
                assert!(
                    operation_ids
                        .insert(op["operationId"].as_str().expect("operationId").to_string()),
                    "{at}: operationId not unique"
                );
                let security = op["security"]
                    .as_array()
                    .unwrap_or_else(|| panic!("{at}: security"));
                assert!(!security.is_empty(), "{at}: security");
                let anonymous = security
                    .iter()
                    .any(|r| r.as_object().is_some_and(|o| o.is_empty()));
                for (status, response) in op["responses"].as_object().expect("responses") {
                    let response = match response["$ref"].as_str() {
                        Some(r) => &responses[r.trim_start_matches("#/components/responses/")],
                        None => response,
                    };
                    assert!(response.is_object(), "{at} {status}: dangling reference");
                    assert!(
                        response["description"].is_string(),
                        "{at} {status}: description"
                    );
                    if status.starts_with('4') {
                        assert_eq!(
                            response["content"]["application/problem+json"]["schema"]["$ref"],
                            "#/components/schemas/Problem",
                            "{at} {status}: problem+json"
                        );
                    }
                }
                let statuses: BTreeSet<&str> = op["responses"]
                    .as_object()
                    .expect("responses")
                    .keys()
                    .map(String::as_str)
                    .collect();
                assert!(
                    statuses.iter().any(|s| s.starts_with('2')),
                    "{at}: a success answer"
                );
                if !anonymous {
                    assert!(
                        statuses.contains("401") && statuses.contains("403"),
                        "{at}: 401 and 403"
                    );
                }
                if op["requestBody"]["content"]
                    .get("application/json")
                    .is_some()
                {
                    for s in ["400", "413", "415"] {
                        assert!(statuses.contains(s), "{at}: {s} for the JSON body");
                    }
                }
                let params: BTreeSet<&str> = op["parameters"]
                    .as_array()
                    .map(|ps| {
                        ps.iter()
                            .filter(|p| p["in"] == "path")
                            .filter_map(|p| p["name"].as_str())
                            .collect()
                    })
                    .unwrap_or_default();
                let in_path: BTreeSet<&str> = path
                    .split('/')
                    .filter_map(|s| s.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
                    .collect();
                assert_eq!(params, in_path, "{at}: path parameters");
            }
        }
        assert!(count >= 60, "only {count} operations");
    }

    /// Every `$ref` points at something the document has.
    #[test]
    fn references_resolve() {
        fn walk(v: &serde_json::Value, doc: &serde_json::Value) {
            match v {
                serde_json::Value::Object(map) => {
                    if let Some(r) = map.get("$ref").and_then(|r| r.as_str()) {
                        let target = doc.pointer(r.trim_start_matches('#'));
                        assert!(target.is_some(), "dangling $ref {r}");
                    }
                    map.values().for_each(|v| walk(v, doc));
                }
                serde_json::Value::Array(items) => items.iter().for_each(|v| walk(v, doc)),
                _ => {}
            }
        }
        let doc = document();
        walk(&doc, &doc);
    }
}
