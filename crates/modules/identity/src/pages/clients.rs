//! API keys of Open311 client applications: created with the key shown once, listed by their
//! first characters, revoked.

use crate::doors::IdentityState;
use crate::doors::Viewer;
use crate::doors::check_token;
use crate::doors::render;
use crate::doors::require;
use crate::store::api_clients::ApiClient;
use askama::Template;
use axum::Router;
use axum::extract::{Form, Path, Query, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use platform::submissions::SubmissionKey;
use webkit::page::Page;
use webkit::page::admin::{Done, Fields, done_message};
use webkit::page::admin::{
    Secret, SecretQuery, ShownOnce, read_secret, secret_href, submission_of,
};
use webkit::page::forms::Errors;
use webkit::page::see_other;
use webkit::page::{PageResult, failed};

pub fn routes() -> Router<IdentityState> {
    Router::new()
        .route("/admin/api-clients", get(list).post(create))
        .route("/admin/api-clients/created", get(created))
        .route("/admin/api-clients/{id}/revoke", post(revoke))
}

/// The kind of submission a new API key is (`platform::submissions`).
const KIND: &str = "identity.api_key";
const CREATED: &str = "/admin/api-clients/created";

#[derive(Template)]
#[template(path = "admin/clients.html")]
struct List {
    p: Page,
    clients: Vec<ApiClient>,
    name: String,
    errors: Errors,
    /// The create form's submission key: one key however often the form is sent.
    submission: String,
}

async fn list_page(
    state: &IdentityState,
    v: &Viewer,
    name: String,
    errors: Errors,
    done: Option<&str>,
    submission: SubmissionKey,
) -> PageResult {
    let actor = require(v, crate::permissions::MANAGE_API_CLIENTS)?;
    let mut clients = state
        .identity
        .list_api_keys(actor)
        .await
        .map_err(failed(v))?;
    // Active keys first, newest first.
    clients.sort_by_key(|c| (c.revoked_at.is_some(), std::cmp::Reverse(c.created_at)));
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::BAD_REQUEST
    };
    let page = List {
        p: Page::new(v, state, "admin-clients", "admin")
            .with_errors(&errors)
            .with_status(done_message(v, done)),
        clients,
        name,
        errors,
        submission: submission.as_str().to_string(),
    };
    Ok(render(v, state, status, &page))
}

async fn list(State(state): State<IdentityState>, v: Viewer, Query(q): Query<Done>) -> PageResult {
    list_page(
        &state,
        &v,
        String::new(),
        Errors::default(),
        q.done.as_deref(),
        SubmissionKey::new(),
    )
    .await
}

async fn create(
    State(state): State<IdentityState>,
    v: Viewer,
    Form(fields): Form<Vec<(String, String)>>,
) -> PageResult {
    let actor = require(&v, crate::permissions::MANAGE_API_CLIENTS)?;
    let f = Fields(fields);
    check_token(&v, f.token())?;
    let name = f.get("name").to_string();
    let key = submission_of(&f);
    let made = state
        .identity
        .platform()
        .make_once(&actor.jurisdiction_id, KIND, &key, || async {
            let created = state.identity.create_api_key(actor, &name).await?;
            Ok::<_, platform::ServiceError>(Secret {
                heading: v.t("admin-clients-created"),
                lead: webkit::i18n::tr(
                    v.locale,
                    "admin-clients-created-lead",
                    &[("name", created.client.name.clone())],
                ),
                label: v.t("admin-clients-key"),
                secret: created.key,
                back_href: "/admin/api-clients".into(),
                back_label: v.t("admin-clients"),
            })
        })
        .await
        .map_err(failed(&v))?;
    match made {
        Ok(()) => Ok(see_other(&secret_href(CREATED, &key))),
        Err(e) => {
            let errors = Errors::from_service(&v, e, |_| "f-name".into())?;
            list_page(&state, &v, name, errors, None, key).await
        }
    }
}

/// The new key, after the redirect: shown again on a reload, for half an hour.
async fn created(
    State(state): State<IdentityState>,
    v: Viewer,
    Query(q): Query<SecretQuery>,
) -> PageResult {
    require(&v, crate::permissions::MANAGE_API_CLIENTS)?;
    let secret = read_secret(state.identity.platform(), KIND, &q.s)
        .await
        .map_err(failed(&v))?;
    let Some(secret) = secret else {
        return Ok(see_other("/admin/api-clients"));
    };
    let page = ShownOnce::of(
        Page::new(&v, &state, "admin-clients-created", "admin"),
        secret,
    );
    Ok(render(&v, &state, StatusCode::OK, &page))
}

async fn revoke(
    State(state): State<IdentityState>,
    v: Viewer,
    Path(id): Path<String>,
    Form(fields): Form<Vec<(String, String)>>,
) -> PageResult {
    let actor = require(&v, crate::permissions::MANAGE_API_CLIENTS)?;
    check_token(&v, Fields(fields).token())?;
    state
        .identity
        .revoke_api_key(actor, &id)
        .await
        .map_err(failed(&v))?;
    Ok(see_other("/admin/api-clients?done=revoked"))
}
