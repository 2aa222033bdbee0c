//! Staff accounts and their roles, account status, temporary passwords (shown once), and which
//! roles must use a second factor. A role is a row of the form: the role and where it is held
//! (the whole city, or one department).

use crate::accounts::{NewStaff, StaffView};
use crate::doors::IdentityState;
use crate::doors::Viewer;
use crate::doors::check_token;
use crate::doors::render;
use crate::doors::require;
use askama::Template;
use axum::Router;
use axum::extract::{Form, Path, Query, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use domain::{Locale, Message};
use platform::authz::{Grant, GrantError, Role, ScopeGiven, ScopeKind};
use platform::submissions::SubmissionKey;
use webkit::page::Page;
use webkit::page::admin::{
    Done, Fields, Secret, SecretQuery, ShownOnce, done_message, read_secret, secret_href,
    submission_of,
};
use webkit::page::forms::Errors;
use webkit::page::{PageError, see_other};
use webkit::page::{PageResult, Stop, failed};

pub fn routes() -> Router<IdentityState> {
    Router::new()
        .route("/admin/staff", get(list))
        .route("/admin/staff/new", get(new_form).post(create))
        .route("/admin/staff/password", get(password_shown))
        .route("/admin/staff/second-factor", post(second_factor))
        .route("/admin/staff/{id}", get(edit))
        .route("/admin/staff/{id}/roles", post(set_roles))
        .route("/admin/staff/{id}/status", post(set_status))
        .route("/admin/staff/{id}/reset-password", post(reset_password))
}

/// Empty role rows offered under the existing ones.
const EMPTY_ROWS: usize = 2;

/// A role as a translated label, with where it is held.
pub fn grant_label(v: &Viewer, g: &Grant) -> String {
    let role = v.t(&format!("admin-role-{}", g.role.as_str()));
    match g.scope {
        ScopeKind::Jurisdiction => role,
        _ => format!("{role} ({})", g.scope_id),
    }
}

/// One role row as entered: a role name and a scope (`""` the whole jurisdiction, `d:CODE` a
/// department, `c:ID` a community).
#[derive(Default, Clone)]
pub struct RoleRow {
    pub role: String,
    pub scope: String,
}

fn rows_of(grants: &[Grant]) -> Vec<RoleRow> {
    let mut rows: Vec<RoleRow> = grants
        .iter()
        .map(|g| RoleRow {
            role: g.role.as_str().to_string(),
            scope: match g.scope {
                ScopeKind::Jurisdiction => String::new(),
                ScopeKind::Department => format!("d:{}", g.scope_id),
                ScopeKind::Community => format!("c:{}", g.scope_id),
            },
        })
        .collect();
    rows.extend(std::iter::repeat_n(RoleRow::default(), EMPTY_ROWS));
    rows
}

fn read_rows(f: &Fields) -> Vec<RoleRow> {
    let count: usize = f.get("rows").parse().unwrap_or(0).min(30);
    (0..count)
        .map(|i| RoleRow {
            role: f.get(&format!("r{i}_role")).to_string(),
            scope: f.get(&format!("r{i}_scope")).to_string(),
        })
        .collect()
}

/// The grants of the rows (`Grant::parse`); a row without a role is ignored. Problems are
/// field errors on the row.
fn grants_of(v: &Viewer, jurisdiction: &str, rows: &[RoleRow], errors: &mut Errors) -> Vec<Grant> {
    let mut out = Vec::new();
    for (i, r) in rows.iter().enumerate() {
        if r.role.is_empty() {
            continue;
        }
        let scope = if let Some(d) = r.scope.strip_prefix("d:") {
            ScopeGiven::Department(d)
        } else if let Some(c) = r.scope.strip_prefix("c:") {
            ScopeGiven::Community(c)
        } else {
            ScopeGiven::Whole
        };
        let role_name = |role: Role| v.t(&format!("admin-role-{}", role.as_str()));
        let (field, message) = match Grant::parse(jurisdiction, &r.role, scope) {
            Ok(grant) => {
                out.push(grant);
                continue;
            }
            Err(e @ GrantError::UnknownRole(_)) => ("role", e.message()),
            Err(GrantError::NeedsScope(role)) => (
                "scope",
                Message::new("admin-error-role-needs-department").arg("role", role_name(role)),
            ),
            Err(GrantError::WholeJurisdiction { role, .. }) => (
                "scope",
                Message::new("admin-error-role-whole-city").arg("role", role_name(role)),
            ),
        };
        errors.add(v, &format!("f-r{i}-{field}"), &message);
    }
    out
}

/// The input a staff message concerns.
fn staff_field(m: &Message) -> String {
    let id = m.id;
    if id.contains("password") {
        "f-password"
    } else if id.contains("display-name") {
        "f-display_name"
    } else if id.contains("email") {
        "f-email"
    } else if id.contains("mobile") {
        "f-mobile"
    } else if id.contains("role") || id.contains("department") {
        "f-r0-role"
    } else {
        "f-login"
    }
    .to_string()
}

/// Role and scope choices for the rows.
pub struct Choices {
    pub roles: Vec<(String, String)>,
    /// `("", whole city)`, then `d:CODE` for each department.
    pub scopes: Vec<(String, String)>,
}

async fn choices(state: &IdentityState, v: &Viewer, rows: &[RoleRow]) -> Result<Choices, Stop> {
    let actor = require(v, crate::permissions::MANAGE_STAFF)?;
    let j = state
        .platform
        .jurisdiction(&actor.jurisdiction_id)
        .await
        .map_err(failed(v))?;
    let departments = state.platform.departments(&j).await.map_err(failed(v))?;
    let roles = Role::ALL
        .iter()
        .filter(|r| **r != Role::CommunityManager || rows.iter().any(|x| x.role == r.as_str()))
        .map(|r| {
            (
                r.as_str().to_string(),
                v.t(&format!("admin-role-{}", r.as_str())),
            )
        })
        .collect();
    let mut scopes = vec![(String::new(), v.t("admin-scope-whole"))];
    scopes.extend(departments.iter().map(|d| {
        (
            format!("d:{}", d.code),
            format!("{} ({})", d.name.get(v.locale), d.code),
        )
    }));
    for r in rows {
        if r.scope.starts_with("c:") && !scopes.iter().any(|(k, _)| *k == r.scope) {
            scopes.push((r.scope.clone(), r.scope[2..].to_string()));
        }
    }
    Ok(Choices { roles, scopes })
}

// ---------------------------------------------------------------- list and policy

pub struct StaffRow {
    pub id: String,
    pub login: String,
    pub name: String,
    pub roles: Vec<String>,
    pub status: String,
    pub second_factor: bool,
}

#[derive(Template)]
#[template(path = "admin/staff.html")]
struct List {
    p: Page,
    staff: Vec<StaffRow>,
    /// `(role, label, required)`; empty when the viewer may not change the policy.
    policy: Vec<(String, String, bool, bool)>,
}

async fn list(State(state): State<IdentityState>, v: Viewer, Query(q): Query<Done>) -> PageResult {
    let actor = require(&v, crate::permissions::MANAGE_STAFF)?;
    let staff = state
        .identity
        .list_staff(actor)
        .await
        .map_err(failed(&v))?
        .into_iter()
        .map(|s| StaffRow {
            roles: s.roles.iter().map(|g| grant_label(&v, g)).collect(),
            id: s.id,
            login: s.login,
            name: s.display_name,
            status: s.status,
            second_factor: s.second_factor,
        })
        .collect();
    let policy = if v.may(crate::permissions::MANAGE_SECURITY_POLICY) {
        let required = state
            .identity
            .roles_requiring_totp(actor)
            .await
            .map_err(failed(&v))?;
        let passkey = state
            .identity
            .roles_requiring_passkey(actor)
            .await
            .map_err(failed(&v))?;
        Role::ALL
            .iter()
            .map(|r| {
                (
                    r.as_str().to_string(),
                    v.t(&format!("admin-role-{}", r.as_str())),
                    required.iter().any(|x| x == r.as_str()),
                    passkey.iter().any(|x| x == r.as_str()),
                )
            })
            .collect()
    } else {
        Vec::new()
    };
    let page = List {
        p: Page::new(&v, &state, "admin-staff", "admin")
            .with_status(done_message(&v, q.done.as_deref())),
        staff,
        policy,
    };
    Ok(render(&v, &state, StatusCode::OK, &page))
}

async fn second_factor(
    State(state): State<IdentityState>,
    v: Viewer,
    Form(fields): Form<Vec<(String, String)>>,
) -> PageResult {
    let actor = require(&v, crate::permissions::MANAGE_SECURITY_POLICY)?;
    let f = Fields(fields);
    check_token(&v, f.token())?;
    let wanted = f.all("required");
    let wanted_passkey = f.all("passkey");
    let current = state
        .identity
        .roles_requiring_totp(actor)
        .await
        .map_err(failed(&v))?;
    let current_passkey = state
        .identity
        .roles_requiring_passkey(actor)
        .await
        .map_err(failed(&v))?;
    for role in Role::ALL {
        let passkey = wanted_passkey.iter().any(|w| w == role.as_str());
        let want = passkey || wanted.iter().any(|w| w == role.as_str());
        let has = current.iter().any(|c| c == role.as_str());
        let has_passkey = current_passkey.iter().any(|c| c == role.as_str());
        if want != has || passkey != has_passkey {
            state
                .identity
                .set_role_policy(actor, *role, want, passkey)
                .await
                .map_err(failed(&v))?;
        }
    }
    Ok(see_other("/admin/staff?done=saved#second-factor"))
}

// ---------------------------------------------------------------- new staff member

#[derive(Default)]
pub struct NewForm {
    pub login: String,
    pub display_name: String,
    pub email: String,
    pub mobile: String,
    pub locale: String,
    pub rows: Vec<RoleRow>,
    /// The form's submission key: one account however often the form is sent.
    pub submission: String,
}

#[derive(Template)]
#[template(path = "admin/staff_new.html")]
struct NewPage {
    p: Page,
    f: NewForm,
    c: Choices,
    errors: Errors,
}

async fn new_page(state: &IdentityState, v: &Viewer, f: NewForm, errors: Errors) -> PageResult {
    let c = choices(state, v, &f.rows).await?;
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::BAD_REQUEST
    };
    let page = NewPage {
        p: Page::new(v, state, "admin-staff-new", "admin").with_errors(&errors),
        f,
        c,
        errors,
    };
    Ok(render(v, state, status, &page))
}

async fn new_form(State(state): State<IdentityState>, v: Viewer) -> PageResult {
    let f = NewForm {
        locale: "zh-TW".into(),
        rows: rows_of(&[]),
        submission: SubmissionKey::new().as_str().to_string(),
        ..NewForm::default()
    };
    new_page(&state, &v, f, Errors::default()).await
}

async fn create(
    State(state): State<IdentityState>,
    v: Viewer,
    Form(fields): Form<Vec<(String, String)>>,
) -> PageResult {
    let actor = require(&v, crate::permissions::MANAGE_STAFF)?;
    let f = Fields(fields);
    check_token(&v, f.token())?;
    let form = NewForm {
        login: f.get("login").trim().to_string(),
        display_name: f.get("display_name").to_string(),
        email: f.get("email").trim().to_string(),
        mobile: f.get("mobile").trim().to_string(),
        locale: f.get("locale").to_string(),
        rows: read_rows(&f),
        submission: submission_of(&f).as_str().to_string(),
    };
    let mut errors = Errors::default();
    let roles = grants_of(&v, &actor.jurisdiction_id, &form.rows, &mut errors);
    if errors.is_empty() {
        let password = f.get("password");
        let input = NewStaff {
            login: form.login.clone(),
            display_name: form.display_name.clone(),
            email: Some(form.email.clone()).filter(|e| !e.is_empty()),
            mobile: Some(form.mobile.clone()).filter(|m| !m.is_empty()),
            locale: Locale::from_tag(&form.locale).unwrap_or(Locale::ZhTw),
            roles,
            password: Some(password.to_string()).filter(|p| !p.is_empty()),
        };
        let key = SubmissionKey::parse(&form.submission).unwrap_or_else(SubmissionKey::new);
        let made = state
            .identity
            .platform()
            .make_once(&actor.jurisdiction_id, KIND, &key, || async {
                let (view, generated) = state.identity.create_staff(actor, input).await?;
                // A password the administrator chose is not shown again: the page says so
                // by having none.
                Ok::<_, platform::ServiceError>(Secret {
                    heading: v.t("admin-staff-created"),
                    lead: webkit::i18n::tr(
                        v.locale,
                        "admin-staff-created-lead",
                        &[("login", view.login.clone())],
                    ),
                    label: v.t("admin-temporary-password"),
                    secret: generated.unwrap_or_default(),
                    back_href: format!("/admin/staff/{}", view.id),
                    back_label: v.t("admin-staff-open"),
                })
            })
            .await
            .map_err(failed(&v))?;
        match made {
            Ok(()) => return Ok(see_other(&secret_href(PASSWORD, &key))),
            Err(e) => errors = Errors::from_service(&v, e, staff_field)?,
        }
    }
    let form = NewForm {
        rows: {
            let mut rows: Vec<RoleRow> = form
                .rows
                .into_iter()
                .filter(|r| !r.role.is_empty())
                .collect();
            rows.extend(std::iter::repeat_n(RoleRow::default(), EMPTY_ROWS));
            rows
        },
        ..form
    };
    new_page(&state, &v, form, errors).await
}

// ---------------------------------------------------------------- one staff member

#[derive(Template)]
#[template(path = "admin/staff_edit.html")]
struct EditPage {
    p: Page,
    s: StaffView,
    rows: Vec<RoleRow>,
    c: Choices,
    errors: Errors,
    /// The password reset form's submission key.
    submission: String,
}

async fn staff_member(state: &IdentityState, v: &Viewer, id: &str) -> Result<StaffView, Stop> {
    let actor = require(v, crate::permissions::MANAGE_STAFF)?;
    state
        .identity
        .list_staff(actor)
        .await
        .map_err(failed(v))?
        .into_iter()
        .find(|s| s.id == id)
        .ok_or_else(|| {
            PageError::new(StatusCode::NOT_FOUND, "error-account-unknown", v.locale).into()
        })
}

async fn edit_page(
    state: &IdentityState,
    v: &Viewer,
    s: StaffView,
    rows: Vec<RoleRow>,
    errors: Errors,
    done: Option<&str>,
) -> PageResult {
    let c = choices(state, v, &rows).await?;
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::BAD_REQUEST
    };
    let title = format!("{} {}", v.t("admin-staff-member"), s.login);
    let page = EditPage {
        p: Page::new(v, state, "admin-staff-member", "admin")
            .with_title(title)
            .with_errors(&errors)
            .with_status(done_message(v, done)),
        rows,
        s,
        c,
        errors,
        submission: SubmissionKey::new().as_str().to_string(),
    };
    Ok(render(v, state, status, &page))
}

async fn edit(
    State(state): State<IdentityState>,
    v: Viewer,
    Path(id): Path<String>,
    Query(q): Query<Done>,
) -> PageResult {
    let s = staff_member(&state, &v, &id).await?;
    let rows = rows_of(&s.roles);
    edit_page(&state, &v, s, rows, Errors::default(), q.done.as_deref()).await
}

async fn set_roles(
    State(state): State<IdentityState>,
    v: Viewer,
    Path(id): Path<String>,
    Form(fields): Form<Vec<(String, String)>>,
) -> PageResult {
    let actor = require(&v, crate::permissions::MANAGE_STAFF)?;
    let f = Fields(fields);
    check_token(&v, f.token())?;
    let s = staff_member(&state, &v, &id).await?;
    let rows = read_rows(&f);
    let mut errors = Errors::default();
    let grants = grants_of(&v, &actor.jurisdiction_id, &rows, &mut errors);
    if errors.is_empty() {
        match state.identity.set_staff_roles(actor, &id, grants).await {
            Ok(_) => return Ok(see_other(&format!("/admin/staff/{id}?done=saved"))),
            Err(e) => errors = Errors::from_service(&v, e, |_| "f-r0-role".into())?,
        }
    }
    edit_page(&state, &v, s, rows, errors, None).await
}

async fn set_status(
    State(state): State<IdentityState>,
    v: Viewer,
    Path(id): Path<String>,
    Form(fields): Form<Vec<(String, String)>>,
) -> PageResult {
    let actor = require(&v, crate::permissions::MANAGE_STAFF)?;
    let f = Fields(fields);
    check_token(&v, f.token())?;
    let enable = f.get("enabled") == "yes";
    match state.identity.set_staff_enabled(actor, &id, enable).await {
        Ok(()) => Ok(see_other(&format!(
            "/admin/staff/{id}?done={}",
            if enable { "enabled" } else { "disabled" }
        ))),
        Err(e) => {
            let s = staff_member(&state, &v, &id).await?;
            let rows = rows_of(&s.roles);
            let errors = Errors::from_service(&v, e, |_| "f-status".into())?;
            edit_page(&state, &v, s, rows, errors, None).await
        }
    }
}

async fn reset_password(
    State(state): State<IdentityState>,
    v: Viewer,
    Path(id): Path<String>,
    Form(fields): Form<Vec<(String, String)>>,
) -> PageResult {
    let actor = require(&v, crate::permissions::MANAGE_STAFF)?;
    let f = Fields(fields);
    check_token(&v, f.token())?;
    let s = staff_member(&state, &v, &id).await?;
    let key = submission_of(&f);
    state
        .identity
        .platform()
        .make_once(&actor.jurisdiction_id, KIND, &key, || async {
            let secret = state
                .identity
                .reset_staff_password(actor, &id, f.checked("clear_second_factor"))
                .await?;
            Ok::<_, platform::ServiceError>(Secret {
                heading: v.t("admin-staff-reset"),
                lead: webkit::i18n::tr(
                    v.locale,
                    "admin-staff-reset-lead",
                    &[("login", s.login.clone())],
                ),
                label: v.t("admin-temporary-password"),
                secret,
                back_href: format!("/admin/staff/{id}"),
                back_label: v.t("admin-staff-open"),
            })
        })
        .await
        .map_err(failed(&v))?
        .map_err(failed(&v))?;
    Ok(see_other(&secret_href(PASSWORD, &key)))
}

/// The kind of submission that shows a staff member's temporary password.
const KIND: &str = "identity.staff_password";
const PASSWORD: &str = "/admin/staff/password";

/// A new temporary password, after the redirect: shown again on a reload, for half an hour. A
/// staff member created with a password the administrator chose goes to their page.
async fn password_shown(
    State(state): State<IdentityState>,
    v: Viewer,
    Query(q): Query<SecretQuery>,
) -> PageResult {
    require(&v, crate::permissions::MANAGE_STAFF)?;
    let Some(secret) = read_secret(state.identity.platform(), KIND, &q.s)
        .await
        .map_err(failed(&v))?
    else {
        return Ok(see_other("/admin/staff"));
    };
    if secret.secret.is_empty() {
        return Ok(see_other(&format!("{}?done=created", secret.back_href)));
    }
    let p = Page::new(&v, &state, "admin-staff", "admin").with_title(secret.heading.clone());
    let page = ShownOnce::of(p, secret);
    Ok(render(&v, &state, StatusCode::OK, &page))
}
