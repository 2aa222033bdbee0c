//! The knowledge base: agents search it at `/desk/answers?q=` during a call; administrators and
//! supervisors keep it at `/admin/answers` (list, create, edit, delete).

use super::{Catalog, Named, PageResult, done_message, failed, gate};
use crate::doors::CasesState;
use crate::knowledge::AnswerInput;
use crate::store::knowledge::KnowledgeEntry;
use askama::Template;
use axum::Router;
use axum::extract::{Form, Path, Query, State};
use axum::http::StatusCode;
use axum::routing::get;
use domain::Message;
use identity::doors::Viewer;
use identity::doors::check_token;
use identity::doors::render;
use platform::authz::Actor;
use serde::Deserialize;
use webkit::page::Page;
use webkit::page::forms::{Errors, field_arg};
use webkit::page::see_other;

pub fn routes() -> Router<CasesState> {
    Router::new()
        .route("/desk/answers", get(search))
        .route("/admin/answers", get(list).post(create))
        .route("/admin/answers/new", get(new_form))
        .route("/admin/answers/{id}", get(edit_form).post(update))
        .route(
            "/admin/answers/{id}/delete",
            get(confirm_delete).post(delete),
        )
}

/// An answer ready to show.
pub struct Shown {
    pub id: String,
    pub question: String,
    /// The answer's paragraphs.
    pub paragraphs: Vec<String>,
    pub keywords: Vec<String>,
    pub category: String,
    pub updated_at: i64,
}

fn shown(e: &KnowledgeEntry, catalog: &Catalog) -> Shown {
    Shown {
        id: e.id.clone(),
        question: e.question.clone(),
        paragraphs: e
            .answer
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(str::to_string)
            .collect(),
        keywords: e.keywords.split_whitespace().map(str::to_string).collect(),
        category: e
            .category_code
            .as_deref()
            .map(|c| catalog.category(c))
            .unwrap_or_default(),
        updated_at: e.updated_at,
    }
}

#[derive(Template)]
#[template(path = "staff/answers.html")]
struct Search {
    p: Page,
    q: String,
    answers: Vec<Shown>,
    may_edit: bool,
}

#[derive(Deserialize, Default)]
struct SearchQuery {
    q: Option<String>,
}

async fn search(
    State(state): State<CasesState>,
    v: Viewer,
    Query(q): Query<SearchQuery>,
) -> PageResult {
    let actor = gate(&v, crate::permissions::HANDLE_CALLS)?;
    let q = q.q.unwrap_or_default().trim().to_string();
    let catalog = Catalog::load(&state, v.locale).await?;
    let found = state
        .cases
        .search_answers(actor, &q)
        .await
        .map_err(failed(&v))?;
    let mut p = Page::new(&v, &state, "answers-title", "desk");
    if !q.is_empty() {
        let count = p.t1("answers-count", "count", found.len().to_string());
        p = p.with_status(Some(count));
    }
    let page = Search {
        p,
        q,
        answers: found.iter().map(|e| shown(e, &catalog)).collect(),
        may_edit: v.may(crate::permissions::MANAGE_KNOWLEDGE),
    };
    Ok(render(&v, &state, StatusCode::OK, &page))
}

#[derive(Template)]
#[template(path = "staff/admin_answers.html")]
struct List {
    p: Page,
    answers: Vec<Shown>,
}

#[derive(Deserialize, Default)]
struct DoneQuery {
    done: Option<String>,
}

async fn list(
    State(state): State<CasesState>,
    v: Viewer,
    Query(q): Query<DoneQuery>,
) -> PageResult {
    let actor = gate(&v, crate::permissions::MANAGE_KNOWLEDGE)?;
    let catalog = Catalog::load(&state, v.locale).await?;
    let all = state
        .cases
        .search_answers(actor, "")
        .await
        .map_err(failed(&v))?;
    let page = List {
        p: Page::new(&v, &state, "admin-answers-title", "admin")
            .with_status(done_message(&v, q.done.as_deref())),
        answers: all.iter().map(|e| shown(e, &catalog)).collect(),
    };
    Ok(render(&v, &state, StatusCode::OK, &page))
}

/// What the editor entered.
#[derive(Deserialize, Default, Clone)]
struct AnswerForm {
    #[serde(default)]
    _csrf: String,
    #[serde(default)]
    question: String,
    #[serde(default)]
    answer: String,
    #[serde(default)]
    keywords: String,
    #[serde(default)]
    category_code: String,
}

impl AnswerForm {
    fn input(&self) -> AnswerInput {
        AnswerInput {
            question: self.question.clone(),
            answer: self.answer.clone(),
            keywords: self.keywords.clone(),
            category_code: Some(self.category_code.clone()),
        }
    }
}

#[derive(Template)]
#[template(path = "staff/admin_answer_form.html")]
struct Edit {
    p: Page,
    /// Empty for a new answer.
    id: String,
    f: AnswerFields,
    categories: Vec<Named>,
    errors: Errors,
}

pub struct AnswerFields {
    pub question: String,
    pub answer: String,
    pub keywords: String,
    pub category_code: String,
}

impl From<AnswerForm> for AnswerFields {
    fn from(f: AnswerForm) -> AnswerFields {
        AnswerFields {
            question: f.question,
            answer: f.answer,
            keywords: f.keywords,
            category_code: f.category_code,
        }
    }
}

async fn edit_page(
    state: &CasesState,
    v: &Viewer,
    id: String,
    f: AnswerFields,
    errors: Errors,
) -> PageResult {
    let catalog = Catalog::load(state, v.locale).await?;
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::BAD_REQUEST
    };
    let title = if id.is_empty() {
        "admin-answer-new"
    } else {
        "admin-answer-edit"
    };
    let page = Edit {
        p: Page::new(v, state, title, "admin").with_errors(&errors),
        id,
        f,
        categories: catalog.category_options(),
        errors,
    };
    Ok(render(v, state, status, &page))
}

fn field_of(m: &Message) -> String {
    match field_arg(m) {
        Some("question") => "f-question".into(),
        Some("answer") => "f-answer".into(),
        Some("keywords") => "f-keywords".into(),
        _ if m.id == "error-service-unknown" => "f-category".into(),
        _ => String::new(),
    }
}

async fn new_form(State(state): State<CasesState>, v: Viewer) -> PageResult {
    gate(&v, crate::permissions::MANAGE_KNOWLEDGE)?;
    let blank = AnswerFields {
        question: String::new(),
        answer: String::new(),
        keywords: String::new(),
        category_code: String::new(),
    };
    edit_page(&state, &v, String::new(), blank, Errors::default()).await
}

async fn create(
    State(state): State<CasesState>,
    v: Viewer,
    Form(f): Form<AnswerForm>,
) -> PageResult {
    let actor = gate(&v, crate::permissions::MANAGE_KNOWLEDGE)?;
    check_token(&v, &f._csrf)?;
    match state.cases.create_answer(actor, f.input()).await {
        Ok(_) => Ok(see_other("/admin/answers?done=answer-created")),
        Err(e) => {
            let errors = Errors::from_service(&v, e, field_of)?;
            edit_page(&state, &v, String::new(), f.into(), errors).await
        }
    }
}

async fn entry(
    state: &CasesState,
    v: &Viewer,
    actor: &Actor,
    id: &str,
) -> Result<KnowledgeEntry, super::Stop> {
    state.cases.answer(actor, id).await.map_err(failed(v))
}

async fn edit_form(
    State(state): State<CasesState>,
    v: Viewer,
    Path(id): Path<String>,
) -> PageResult {
    let actor = gate(&v, crate::permissions::MANAGE_KNOWLEDGE)?;
    let e = entry(&state, &v, actor, &id).await?;
    let fields = AnswerFields {
        question: e.question,
        answer: e.answer,
        keywords: e.keywords,
        category_code: e.category_code.unwrap_or_default(),
    };
    edit_page(&state, &v, id, fields, Errors::default()).await
}

async fn update(
    State(state): State<CasesState>,
    v: Viewer,
    Path(id): Path<String>,
    Form(f): Form<AnswerForm>,
) -> PageResult {
    let actor = gate(&v, crate::permissions::MANAGE_KNOWLEDGE)?;
    check_token(&v, &f._csrf)?;
    match state.cases.update_answer(actor, &id, f.input()).await {
        Ok(_) => Ok(see_other("/admin/answers?done=answer-saved")),
        Err(e) => {
            let errors = Errors::from_service(&v, e, field_of)?;
            edit_page(&state, &v, id, f.into(), errors).await
        }
    }
}

#[derive(Template)]
#[template(path = "staff/admin_answer_delete.html")]
struct ConfirmDelete {
    p: Page,
    id: String,
    question: String,
}

async fn confirm_delete(
    State(state): State<CasesState>,
    v: Viewer,
    Path(id): Path<String>,
) -> PageResult {
    let actor = gate(&v, crate::permissions::MANAGE_KNOWLEDGE)?;
    let e = entry(&state, &v, actor, &id).await?;
    let page = ConfirmDelete {
        p: Page::new(&v, &state, "admin-answer-delete", "admin"),
        id,
        question: e.question,
    };
    Ok(render(&v, &state, StatusCode::OK, &page))
}

#[derive(Deserialize, Default)]
struct TokenForm {
    #[serde(default)]
    _csrf: String,
}

async fn delete(
    State(state): State<CasesState>,
    v: Viewer,
    Path(id): Path<String>,
    Form(f): Form<TokenForm>,
) -> PageResult {
    let actor = gate(&v, crate::permissions::MANAGE_KNOWLEDGE)?;
    check_token(&v, &f._csrf)?;
    state
        .cases
        .delete_answer(actor, &id)
        .await
        .map_err(failed(&v))?;
    Ok(see_other("/admin/answers?done=answer-deleted"))
}
