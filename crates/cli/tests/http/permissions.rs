//! The permission matrix: every role (and a citizen) against every HTTP action that needs a
//! permission. Allowed → success; denied → 403, or 404 where existence must not leak; and
//! after a denial nothing in the database has changed. The expectation comes from the
//! permission table the server runs with (the modules' parts, assembled in
//! `web::modules::PERMISSIONS`), so the table and the handlers cannot drift apart.

use crate::support::*;
use platform::authz::{Permission, Role};
use reqwest::Method;
use sea_query::{Expr, ExprTrait, Order, Query};
use serde_json::json;

/// Everything a denied request could have changed.
async fn fingerprint(app: &TestApp) -> Vec<String> {
    let db = &app.platform.db;
    let mut out = Vec::new();
    let accounts = Query::select()
        .columns(["id", "status", "password_hash", "totp_secret"])
        .from("accounts")
        .order_by("id", Order::Asc)
        .to_owned();
    for r in db.fetch_all(&accounts).await.unwrap() {
        out.push(format!(
            "account {} {} {:?} {:?}",
            r.get::<String>("id").unwrap(),
            r.get::<String>("status").unwrap(),
            r.get::<Option<String>>("password_hash").unwrap(),
            r.get::<Option<String>>("totp_secret").unwrap()
        ));
    }
    let roles = Query::select()
        .columns(["account_id", "role", "scope_id"])
        .from("account_roles")
        .order_by("account_id", Order::Asc)
        .order_by("role", Order::Asc)
        .to_owned();
    for r in db.fetch_all(&roles).await.unwrap() {
        out.push(format!(
            "role {} {} {}",
            r.get::<String>("account_id").unwrap(),
            r.get::<String>("role").unwrap(),
            r.get::<String>("scope_id").unwrap()
        ));
    }
    let policies = Query::select()
        .columns(["role", "require_totp"])
        .from("role_policies")
        .order_by("role", Order::Asc)
        .to_owned();
    for r in db.fetch_all(&policies).await.unwrap() {
        out.push(format!(
            "policy {} {}",
            r.get::<String>("role").unwrap(),
            r.get::<bool>("require_totp").unwrap()
        ));
    }
    let clients = Query::select()
        .columns(["id", "revoked_at"])
        .from("api_clients")
        .order_by("id", Order::Asc)
        .to_owned();
    for r in db.fetch_all(&clients).await.unwrap() {
        out.push(format!(
            "client {} {:?}",
            r.get::<String>("id").unwrap(),
            r.get::<Option<i64>>("revoked_at").unwrap()
        ));
    }
    let templates = Query::select()
        .columns(["key", "locale", "channel", "body"])
        .from("notification_templates")
        .order_by("key", Order::Asc)
        .to_owned();
    for r in db.fetch_all(&templates).await.unwrap() {
        out.push(format!(
            "template {} {} {} {}",
            r.get::<String>("key").unwrap(),
            r.get::<String>("locale").unwrap(),
            r.get::<String>("channel").unwrap(),
            r.get::<String>("body").unwrap()
        ));
    }
    let departments = Query::select()
        .columns(["code", "name_en", "active"])
        .from("departments")
        .order_by("code", Order::Asc)
        .to_owned();
    for r in db.fetch_all(&departments).await.unwrap() {
        out.push(format!(
            "department {} {} {}",
            r.get::<String>("code").unwrap(),
            r.get::<String>("name_en").unwrap(),
            r.get::<bool>("active").unwrap()
        ));
    }
    for (table, column) in [
        ("cases", "id"),
        ("case_rules", "id"),
        ("sla_policies", "scope"),
        ("calendar_entries", "id"),
        ("categories", "code"),
    ] {
        let rows = Query::select()
            .column(column)
            .from(table)
            .order_by(column, Order::Asc)
            .to_owned();
        for r in db.fetch_all(&rows).await.unwrap() {
            out.push(format!("{table} {}", r.get::<String>(column).unwrap()));
        }
    }
    let webhooks = Query::select()
        .columns([
            "id",
            "name",
            "url",
            "secret",
            "event_types",
            "department_code",
            "active",
        ])
        .from("webhook_subscriptions")
        .order_by("id", Order::Asc)
        .to_owned();
    for r in db.fetch_all(&webhooks).await.unwrap() {
        out.push(format!(
            "webhook {} {} {} {} {} {:?} {}",
            r.get::<String>("id").unwrap(),
            r.get::<String>("name").unwrap(),
            r.get::<String>("url").unwrap(),
            r.get::<String>("secret").unwrap(),
            r.get::<String>("event_types").unwrap(),
            r.get::<Option<String>>("department_code").unwrap(),
            r.get::<bool>("active").unwrap()
        ));
    }
    let deliveries = Query::select()
        .columns(["id", "status", "attempts", "next_attempt_at"])
        .from("webhook_deliveries")
        .order_by("id", Order::Asc)
        .to_owned();
    for r in db.fetch_all(&deliveries).await.unwrap() {
        out.push(format!(
            "delivery {} {} {} {}",
            r.get::<String>("id").unwrap(),
            r.get::<String>("status").unwrap(),
            r.get::<i64>("attempts").unwrap(),
            r.get::<i64>("next_attempt_at").unwrap()
        ));
    }
    let attempts = Query::select()
        .expr_as(Expr::col("id").count(), "n")
        .from("webhook_attempts")
        .to_owned();
    let n: i64 = db.fetch_all(&attempts).await.unwrap()[0].get("n").unwrap();
    out.push(format!("webhook attempts {n}"));
    // The agent's desk.
    let outcalls = Query::select()
        .columns(["id", "status", "claimed_by", "outcome"])
        .from("outcalls")
        .order_by("id", Order::Asc)
        .to_owned();
    for r in db.fetch_all(&outcalls).await.unwrap() {
        out.push(format!(
            "outcall {} {} {:?} {:?}",
            r.get::<String>("id").unwrap(),
            r.get::<String>("status").unwrap(),
            r.get::<Option<String>>("claimed_by").unwrap(),
            r.get::<Option<String>>("outcome").unwrap()
        ));
    }
    let flags = Query::select()
        .columns(["phone", "note"])
        .from("care_flags")
        .order_by("phone", Order::Asc)
        .to_owned();
    for r in db.fetch_all(&flags).await.unwrap() {
        out.push(format!(
            "care flag {} {}",
            r.get::<String>("phone").unwrap(),
            r.get::<String>("note").unwrap()
        ));
    }
    let answers = Query::select()
        .columns(["id", "question", "answer"])
        .from("knowledge_entries")
        .order_by("id", Order::Asc)
        .to_owned();
    for r in db.fetch_all(&answers).await.unwrap() {
        out.push(format!(
            "answer {} {} {}",
            r.get::<String>("id").unwrap(),
            r.get::<String>("question").unwrap(),
            r.get::<String>("answer").unwrap()
        ));
    }
    let contacts = Query::select()
        .expr_as(Expr::col("id").count(), "n")
        .from("contacts")
        .to_owned();
    let n: i64 = db.fetch_all(&contacts).await.unwrap()[0].get("n").unwrap();
    out.push(format!("contacts {n}"));
    let audit = Query::select()
        .expr_as(Expr::col("id").count(), "n")
        .from("audit_records")
        .to_owned();
    let n: i64 = db.fetch_all(&audit).await.unwrap()[0].get("n").unwrap();
    out.push(format!("audit records {n}"));
    out
}

/// Who is calling in one row of the matrix.
enum Who {
    Staff(Role, String),
    Citizen(Browser),
}

struct Action {
    name: &'static str,
    method: Method,
    path: String,
    body: Option<serde_json::Value>,
    permission: Permission,
    /// Status when denied: 403, or 404 where existence must not leak.
    denied: u16,
    /// Department-scoped grants of this permission are enough (the result is filtered).
    department_scoped_ok: bool,
}

fn request(app: &TestApp, who: &Who, a: &Action) -> reqwest::RequestBuilder {
    let req = match who {
        Who::Staff(_, token) => app.as_token(token, a.method.clone(), &a.path),
        Who::Citizen(b) => app.as_browser(b, a.method.clone(), &a.path),
    };
    match &a.body {
        Some(b) => req.json(b),
        None => req,
    }
}

#[tokio::test]
async fn every_role_against_every_action() {
    let scope = |role: &Role| match role.scope_kinds()[0] {
        platform::authz::ScopeKind::Jurisdiction => None,
        platform::authz::ScopeKind::Department => Some("PWD-PKS"),
        platform::authz::ScopeKind::Community => Some("community-1"),
    };
    let app = Role::ALL
        .iter()
        .fold(TestApp::new(), |app, role| {
            app.with_user(role.as_str(), scope(role))
        })
        .start()
        .await;
    let citizen_id = app
        .citizen("resident@example.tw", "a quiet citizen's passphrase")
        .await;
    let citizen = app
        .sign_in("resident@example.tw", "a quiet citizen's passphrase")
        .await;
    let target = app.staff("target.staff", &["field_worker:PWD-PKS"]).await;

    let mut callers = Vec::new();
    for role in Role::ALL {
        let token = app.token(app.user(role.as_str(), scope(role))).await;
        callers.push(Who::Staff(*role, token));
    }
    callers.push(Who::Citizen(citizen));

    let mut checked = 0;
    for who in &callers {
        // A fresh API client per caller, so revoking has something to revoke.
        let client = app
            .identity
            .create_api_key(
                &platform::authz::Actor::system(TAIPEI, "test"),
                "matrix client",
            )
            .await
            .unwrap()
            .client
            .id;
        // A fresh webhook per caller with a dead delivery, so deleting and redelivering have
        // something to act on.
        let (hook, dead) = webhook_with_dead_delivery(&app).await;
        // A fresh out-call per caller, so claiming and completing have something to act on.
        let outcall = queued_outcall(&app).await;
        // A fresh answer per caller, so editing and deleting have something to act on.
        let answer = app
            .cases
            .create_answer(
                &platform::authz::Actor::system(TAIPEI, "test"),
                cases::knowledge::AnswerInput {
                    question: format!("問題 {checked}"),
                    answer: "答覆".into(),
                    ..Default::default()
                },
            )
            .await
            .unwrap()
            .id;
        let actions = [
            Action {
                name: "list staff",
                method: Method::GET,
                path: "staff".into(),
                body: None,
                permission: identity::permissions::VIEW_STAFF,
                denied: 403,
                department_scoped_ok: true,
            },
            Action {
                name: "create staff",
                method: Method::POST,
                path: "staff".into(),
                body: Some(
                    json!({ "login": format!("new.{checked}"), "display_name": "新同仁", "roles": [{ "role": "agent" }] }),
                ),
                permission: identity::permissions::MANAGE_STAFF,
                denied: 403,
                department_scoped_ok: false,
            },
            Action {
                name: "set roles",
                method: Method::PUT,
                path: format!("staff/{target}/roles"),
                body: Some(json!({ "roles": [{ "role": "field_worker", "scope_id": "PWD-PKS" }] })),
                permission: identity::permissions::MANAGE_STAFF,
                denied: 403,
                department_scoped_ok: false,
            },
            Action {
                name: "disable staff",
                method: Method::POST,
                path: format!("staff/{target}/disable"),
                body: None,
                permission: identity::permissions::MANAGE_STAFF,
                denied: 403,
                department_scoped_ok: false,
            },
            Action {
                name: "enable staff",
                method: Method::POST,
                path: format!("staff/{target}/enable"),
                body: None,
                permission: identity::permissions::MANAGE_STAFF,
                denied: 403,
                department_scoped_ok: false,
            },
            Action {
                name: "reset staff password",
                method: Method::POST,
                path: format!("staff/{target}/reset-password"),
                body: Some(json!({})),
                permission: identity::permissions::MANAGE_STAFF,
                denied: 403,
                department_scoped_ok: false,
            },
            Action {
                name: "read 2FA policy",
                method: Method::GET,
                path: "security/second-factor-roles".into(),
                body: None,
                permission: identity::permissions::MANAGE_SECURITY_POLICY,
                denied: 403,
                department_scoped_ok: false,
            },
            Action {
                name: "set 2FA policy",
                method: Method::PUT,
                path: "security/second-factor-roles/field_worker".into(),
                body: Some(json!({ "required": false })),
                permission: identity::permissions::MANAGE_SECURITY_POLICY,
                denied: 403,
                department_scoped_ok: false,
            },
            Action {
                name: "read citizen",
                method: Method::GET,
                path: format!("citizens/{citizen_id}?reason=matrix%20test"),
                body: None,
                permission: platform::permissions::READ_PERSONAL_DATA,
                denied: 404,
                department_scoped_ok: false,
            },
            Action {
                name: "read audit",
                method: Method::GET,
                path: "audit".into(),
                body: None,
                permission: platform::permissions::VIEW_AUDIT,
                denied: 403,
                department_scoped_ok: false,
            },
            Action {
                name: "list API clients",
                method: Method::GET,
                path: "api-clients".into(),
                body: None,
                permission: identity::permissions::MANAGE_API_CLIENTS,
                denied: 403,
                department_scoped_ok: false,
            },
            Action {
                name: "create API client",
                method: Method::POST,
                path: "api-clients".into(),
                body: Some(json!({ "name": "matrix" })),
                permission: identity::permissions::MANAGE_API_CLIENTS,
                denied: 403,
                department_scoped_ok: false,
            },
            Action {
                name: "list notification templates",
                method: Method::GET,
                path: "notification-templates".into(),
                body: None,
                permission: platform::permissions::MANAGE_NOTIFICATIONS,
                denied: 403,
                department_scoped_ok: false,
            },
            Action {
                name: "save notification template",
                method: Method::PUT,
                path: "notification-templates/notify_test/en/sms".into(),
                body: Some(json!({ "body": "Test from {{ jurisdiction_name }}" })),
                permission: platform::permissions::MANAGE_NOTIFICATIONS,
                denied: 403,
                department_scoped_ok: false,
            },
            Action {
                name: "list notifications",
                method: Method::GET,
                path: "notifications".into(),
                body: None,
                permission: platform::permissions::VIEW_NOTIFICATION_LOG,
                denied: 403,
                department_scoped_ok: false,
            },
            Action {
                name: "list the case queue",
                method: Method::GET,
                path: "cases".into(),
                body: None,
                permission: cases::permissions::VIEW_CASES,
                denied: 403,
                department_scoped_ok: true,
            },
            Action {
                name: "file a case for a caller",
                method: Method::POST,
                path: "cases".into(),
                body: Some(
                    json!({ "service_code": "1999-L01", "address": "臺北市大安區復興南路一段1號", "attributes": { "lamps_out": 1 } }),
                ),
                permission: cases::permissions::FILE_CASES,
                denied: 403,
                department_scoped_ok: false,
            },
            Action {
                name: "read the triage rules",
                method: Method::GET,
                path: "rules/triage".into(),
                body: None,
                permission: cases::permissions::VIEW_CASES,
                denied: 403,
                department_scoped_ok: true,
            },
            Action {
                name: "replace routing rules",
                method: Method::PUT,
                path: "rules/routing".into(),
                body: Some(json!([])),
                permission: platform::permissions::MANAGE_CASE_RULES,
                denied: 403,
                department_scoped_ok: false,
            },
            Action {
                name: "set an SLA policy",
                method: Method::PUT,
                path: "sla-policies/P4".into(),
                body: Some(
                    json!({ "acknowledgement": { "working_days": 1 }, "reassignment_acknowledgement": { "working_days": 1 }, "first_response": { "working_days": 3 }, "resolution": { "working_days": 6 } }),
                ),
                permission: platform::permissions::MANAGE_CASE_RULES,
                denied: 403,
                department_scoped_ok: false,
            },
            Action {
                name: "add a calendar holiday",
                method: Method::POST,
                path: "calendar".into(),
                body: Some(
                    json!({ "kind": "holiday", "day": format!("2026-12-{:02}", 1 + checked % 28), "name": "測試" }),
                ),
                permission: platform::permissions::MANAGE_CASE_RULES,
                denied: 403,
                department_scoped_ok: false,
            },
            Action {
                name: "list the catalogue's categories",
                method: Method::GET,
                path: "categories".into(),
                body: None,
                permission: platform::permissions::MANAGE_CASE_RULES,
                denied: 403,
                department_scoped_ok: false,
            },
            Action {
                name: "add a category",
                method: Method::POST,
                path: "categories".into(),
                body: Some(json!({
                    "code": format!("MX-{checked}"),
                    "name": { "zh": "矩陣", "en": "Matrix" },
                    "group": { "zh": "其他", "en": "Other" },
                    "department": "PWD-PKS",
                    "urgency": "P4",
                })),
                permission: platform::permissions::MANAGE_CASE_RULES,
                denied: 403,
                department_scoped_ok: false,
            },
            Action {
                name: "rename a department",
                method: Method::PUT,
                path: "departments/TPC".into(),
                body: Some(json!({
                    "name": { "zh": "台灣電力公司", "en": format!("Taipower {checked}") },
                    "kind": "utility",
                })),
                permission: platform::permissions::MANAGE_CASE_RULES,
                denied: 403,
                department_scoped_ok: false,
            },
            Action {
                name: "list webhooks",
                method: Method::GET,
                path: "webhooks".into(),
                body: None,
                permission: platform::permissions::MANAGE_WEBHOOKS,
                denied: 403,
                department_scoped_ok: false,
            },
            Action {
                name: "create webhook",
                method: Method::POST,
                path: "webhooks".into(),
                body: Some(json!({
                    "name": "matrix",
                    "url": "http://127.0.0.1:9/matrix",
                    "event_types": ["case.created"],
                })),
                permission: platform::permissions::MANAGE_WEBHOOKS,
                denied: 403,
                department_scoped_ok: false,
            },
            Action {
                name: "read webhook",
                method: Method::GET,
                path: format!("webhooks/{hook}"),
                body: None,
                permission: platform::permissions::MANAGE_WEBHOOKS,
                denied: 403,
                department_scoped_ok: false,
            },
            Action {
                name: "update webhook",
                method: Method::PATCH,
                path: format!("webhooks/{hook}"),
                body: Some(
                    json!({ "name": format!("renamed {checked}"), "department_code": "DEP" }),
                ),
                permission: platform::permissions::MANAGE_WEBHOOKS,
                denied: 403,
                department_scoped_ok: false,
            },
            Action {
                name: "list webhook deliveries",
                method: Method::GET,
                path: format!("webhooks/{hook}/deliveries"),
                body: None,
                permission: platform::permissions::MANAGE_WEBHOOKS,
                denied: 403,
                department_scoped_ok: false,
            },
            Action {
                name: "read webhook delivery",
                method: Method::GET,
                path: format!("webhook-deliveries/{dead}"),
                body: None,
                permission: platform::permissions::MANAGE_WEBHOOKS,
                denied: 403,
                department_scoped_ok: false,
            },
            Action {
                name: "redeliver webhook delivery",
                method: Method::POST,
                path: format!("webhook-deliveries/{dead}/redeliver"),
                body: None,
                permission: platform::permissions::MANAGE_WEBHOOKS,
                denied: 403,
                department_scoped_ok: false,
            },
            Action {
                name: "ping webhook",
                method: Method::POST,
                path: format!("webhooks/{hook}/ping"),
                body: None,
                permission: platform::permissions::MANAGE_WEBHOOKS,
                denied: 403,
                department_scoped_ok: false,
            },
            Action {
                name: "rotate webhook secret",
                method: Method::POST,
                path: format!("webhooks/{hook}/rotate-secret"),
                body: None,
                permission: platform::permissions::MANAGE_WEBHOOKS,
                denied: 403,
                department_scoped_ok: false,
            },
            Action {
                name: "delete webhook",
                method: Method::DELETE,
                path: format!("webhooks/{hook}"),
                body: None,
                permission: platform::permissions::MANAGE_WEBHOOKS,
                denied: 403,
                department_scoped_ok: false,
            },
            Action {
                name: "look up a caller",
                method: Method::GET,
                path: "callers/0912-345-678?reason=matrix%20test".into(),
                body: None,
                permission: platform::permissions::READ_PERSONAL_DATA,
                denied: 403,
                department_scoped_ok: false,
            },
            Action {
                name: "log a contact",
                method: Method::POST,
                path: "contacts".into(),
                body: Some(
                    json!({ "phone": "0912345678", "service_type": "consult", "summary": "詢問" }),
                ),
                permission: cases::permissions::HANDLE_CALLS,
                denied: 403,
                department_scoped_ok: false,
            },
            Action {
                name: "list contacts",
                method: Method::GET,
                path: "contacts?phone=0912345678&reason=matrix%20test".into(),
                body: None,
                permission: cases::permissions::HANDLE_CALLS,
                denied: 403,
                department_scoped_ok: false,
            },
            Action {
                name: "emergency check",
                method: Method::POST,
                path: "emergency-check".into(),
                body: Some(json!({ "description": "瓦斯外洩" })),
                permission: cases::permissions::HANDLE_CALLS,
                denied: 403,
                department_scoped_ok: false,
            },
            Action {
                name: "out-call queue",
                method: Method::GET,
                path: "outcalls".into(),
                body: None,
                permission: cases::permissions::HANDLE_CALLS,
                denied: 403,
                department_scoped_ok: false,
            },
            Action {
                name: "claim an out-call",
                method: Method::POST,
                path: format!("outcalls/{outcall}/claim"),
                body: None,
                permission: cases::permissions::HANDLE_CALLS,
                denied: 403,
                department_scoped_ok: false,
            },
            Action {
                name: "complete an out-call",
                method: Method::POST,
                path: format!("outcalls/{outcall}/complete"),
                body: Some(json!({ "outcome": "reached" })),
                permission: cases::permissions::HANDLE_CALLS,
                denied: 403,
                department_scoped_ok: false,
            },
            Action {
                name: "flag a caller",
                method: Method::PUT,
                path: "care-flags/0912345678".into(),
                body: Some(json!({ "note": format!("matrix {checked}") })),
                permission: cases::permissions::HANDLE_CALLS,
                denied: 403,
                department_scoped_ok: false,
            },
            Action {
                name: "unflag a caller",
                method: Method::DELETE,
                path: "care-flags/0912345678".into(),
                body: None,
                permission: cases::permissions::HANDLE_CALLS,
                denied: 403,
                department_scoped_ok: false,
            },
            Action {
                name: "read statistics",
                method: Method::GET,
                path: "reports/backlog".into(),
                body: None,
                permission: cases::permissions::VIEW_REPORTS,
                denied: 403,
                department_scoped_ok: true,
            },
            Action {
                name: "search the answers",
                method: Method::GET,
                path: "knowledge?q=%E5%95%8F%E9%A1%8C".into(),
                body: None,
                permission: cases::permissions::HANDLE_CALLS,
                denied: 403,
                department_scoped_ok: false,
            },
            Action {
                name: "add an answer",
                method: Method::POST,
                path: "knowledge".into(),
                body: Some(json!({ "question": format!("新問題 {checked}"), "answer": "新答覆" })),
                permission: cases::permissions::MANAGE_KNOWLEDGE,
                denied: 403,
                department_scoped_ok: false,
            },
            Action {
                name: "replace an answer",
                method: Method::PUT,
                path: format!("knowledge/{answer}"),
                body: Some(
                    json!({ "question": format!("改過的問題 {checked}"), "answer": "改過的答覆" }),
                ),
                permission: cases::permissions::MANAGE_KNOWLEDGE,
                denied: 403,
                department_scoped_ok: false,
            },
            Action {
                name: "delete an answer",
                method: Method::DELETE,
                path: format!("knowledge/{answer}"),
                body: None,
                permission: cases::permissions::MANAGE_KNOWLEDGE,
                denied: 403,
                department_scoped_ok: false,
            },
            Action {
                name: "revoke API client",
                method: Method::DELETE,
                path: format!("api-clients/{client}"),
                body: None,
                permission: identity::permissions::MANAGE_API_CLIENTS,
                denied: 403,
                department_scoped_ok: false,
            },
        ];
        for a in &actions {
            let allowed = match who {
                Who::Staff(role, _) => {
                    app.platform.permissions().role_has(*role, a.permission)
                        && (role
                            .scope_kinds()
                            .contains(&platform::authz::ScopeKind::Jurisdiction)
                            || a.department_scoped_ok)
                }
                Who::Citizen(_) => false,
            };
            let who_name = match who {
                Who::Staff(r, _) => r.as_str(),
                Who::Citizen(_) => "citizen",
            };
            let before = fingerprint(&app).await;
            let (status, body) = send(request(&app, who, a)).await;
            if allowed {
                assert!(
                    (200..300).contains(&status),
                    "{who_name} may {}: got {status} {body}",
                    a.name
                );
            } else {
                assert_eq!(status, a.denied, "{who_name} may not {}: {body}", a.name);
                assert_eq!(
                    fingerprint(&app).await,
                    before,
                    "{who_name} was denied {} but something changed",
                    a.name
                );
            }
            checked += 1;
        }
    }
    assert_eq!(checked, (Role::ALL.len() + 1) * 49);
}

/// A queued out-call, inserted directly (case work queues them through its hooks).
async fn queued_outcall(app: &TestApp) -> String {
    let id = uuid::Uuid::now_v7().to_string();
    cases::testkit::insert_outcall(
        &app.platform.db,
        &cases::testkit::Outcall {
            id: id.clone(),
            jurisdiction_id: TAIPEI.into(),
            case_id: None,
            case_number: None,
            citizen_phone: Some("+886912345678".into()),
            reason: "needs_care".into(),
            status: "queued".into(),
            claimed_by: None,
            claimed_at: None,
            outcome: None,
            note: None,
            due_at: store::now_unix(),
            created_at: store::now_unix(),
            done_at: None,
        },
    )
    .await
    .unwrap();
    id
}

/// A webhook subscription with one delivery that is dead (as if every attempt had failed).
pub(crate) async fn webhook_with_dead_delivery(app: &TestApp) -> (String, String) {
    let operator = platform::authz::Actor::system(TAIPEI, "test");
    let hook = app
        .platform
        .create_webhook(
            &operator,
            platform::webhooks::admin::NewWebhook {
                name: "matrix hook".into(),
                url: "http://127.0.0.1:9/matrix".into(),
                event_types: vec!["case.created".into()],
                department_code: None,
                active: true,
            },
        )
        .await
        .unwrap()
        .webhook
        .id;
    let mut tx = app.platform.db.begin().await.unwrap();
    platform::webhooks::enqueue(
        &mut tx,
        TAIPEI,
        "case.created",
        None,
        "e",
        json!({}),
        app.platform.now(),
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let dead = store::webhooks::list_deliveries(&app.platform.db, TAIPEI, &hook, None, 1)
        .await
        .unwrap()[0]
        .id
        .clone();
    let stmt = Query::update()
        .table("webhook_deliveries")
        .value("status", "dead")
        .and_where(Expr::col("id").eq(dead.as_str()))
        .to_owned();
    app.platform.db.execute(&stmt).await.unwrap();
    (hook, dead)
}

/// F25: a jurisdiction-wide role given with a department was granted city-wide in silence.
#[tokio::test]
async fn a_city_wide_role_named_with_a_department_is_refused() {
    let app = TestApp::start().await;
    app.staff("admin.roles", &["jurisdiction_admin"]).await;
    let id = app.staff("someone", &["field_worker:PWD-PKS"]).await;
    let admin = app.sign_in("admin.roles", STAFF_PASSWORD).await;
    let (status, body) = send(
        app.as_browser(&admin, Method::PUT, &format!("staff/{id}/roles"))
            .json(
                &serde_json::json!({ "roles": [{ "role": "supervisor", "scope_id": "PWD-PKS" }] }),
            ),
    )
    .await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["errors"][0]["code"], "error-role-scope", "{body}");
    let (status, body) = send(
        app.as_browser(&admin, Method::PUT, &format!("staff/{id}/roles"))
            .json(&serde_json::json!({ "roles": [{ "role": "supervisor", "scope_id": TAIPEI }] })),
    )
    .await;
    assert_eq!(status, 200, "the jurisdiction itself may be named: {body}");
}

#[tokio::test]
async fn a_dispatcher_sees_only_their_departments_staff() {
    let app = TestApp::start().await;
    app.staff("disp.pks", &["dispatcher:PWD-PKS"]).await;
    app.staff("field.pks", &["field_worker:PWD-PKS"]).await;
    app.staff("field.dep", &["field_worker:DEP"]).await;
    let b = app.sign_in("disp.pks", STAFF_PASSWORD).await;
    let (status, list) = send(app.as_browser(&b, Method::GET, "staff")).await;
    assert_eq!(status, 200);
    let logins: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["login"].as_str().unwrap())
        .collect();
    assert_eq!(logins, ["disp.pks", "field.pks"]);
}
