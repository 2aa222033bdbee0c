//! The knowledge base of the agent's desk: answers agents search during a call
//! (`handle_calls`), kept by administrators and supervisors (`manage_knowledge`). Decisions are
//! in `crate::knowledge`.

use super::ApiPath as Path;
use super::doc::NotFound;
use super::{ApiError, ApiQuery, Caller, JsonBody, reply};
use crate::doors::CasesState;
use crate::knowledge::AnswerInput;
use crate::store::knowledge::KnowledgeEntry;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use domain::datetime::format_unix;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn routes() -> OpenApiRouter<CasesState> {
    OpenApiRouter::new()
        .routes(routes!(search_answers, create_answer))
        .routes(routes!(show_answer, update_answer, delete_answer))
}

const ANSWER_ID: &str = "The answer's id";

/// One answer of the knowledge base.
#[derive(Serialize, ToSchema)]
struct AnswerOut {
    #[schema(example = "請於前一日17時前撥打1999預約，清潔隊將於約定日到府清運。")]
    answer: String,
    /// The category the answer is about, if any.
    category_code: Option<String>,
    created_at: String,
    id: String,
    /// Words callers use that the question does not contain, separated by spaces.
    #[schema(example = "廢棄家具 床墊 沙發")]
    keywords: String,
    #[schema(example = "如何申請大型廢棄物清運？")]
    question: String,
    updated_at: String,
}

fn answer_json(e: &KnowledgeEntry) -> AnswerOut {
    AnswerOut {
        id: e.id.clone(),
        question: e.question.clone(),
        answer: e.answer.clone(),
        keywords: e.keywords.clone(),
        category_code: e.category_code.clone(),
        created_at: format_unix(e.created_at),
        updated_at: format_unix(e.updated_at),
    }
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct SearchQuery {
    /// Words that must all appear in the question, keywords, answer or category (full-width
    /// characters and 台/臺 are treated alike); empty lists every answer, newest first.
    #[serde(default)]
    q: String,
}

/// Searches the knowledge base: at most 50 answers, best match first.
#[utoipa::path(get, path = "/api/v1/knowledge", tag = "knowledge", params(SearchQuery),
    responses((status = 200, description = "The answers", body = [AnswerOut])))]
async fn search_answers(
    State(state): State<CasesState>,
    caller: Caller,
    ApiQuery(q): ApiQuery<SearchQuery>,
) -> Response {
    let result = state.cases.search_answers(&caller.actor, &q.q).await;
    reply(caller.lang, StatusCode::OK, result, |list| {
        list.iter().map(answer_json).collect::<Vec<_>>()
    })
}

/// An answer as written by an editor.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct AnswerBody {
    /// Up to 300 characters.
    #[schema(example = "如何申請大型廢棄物清運？")]
    question: String,
    /// Up to 4,000 characters.
    #[schema(example = "請於前一日17時前撥打1999預約，清潔隊將於約定日到府清運。")]
    answer: String,
    /// Up to 300 characters.
    #[serde(default)]
    #[schema(example = "廢棄家具 床墊 沙發")]
    keywords: String,
    /// A category code that exists.
    #[serde(default)]
    category_code: Option<String>,
}

impl From<AnswerBody> for AnswerInput {
    fn from(b: AnswerBody) -> AnswerInput {
        AnswerInput {
            question: b.question,
            answer: b.answer,
            keywords: b.keywords,
            category_code: b.category_code,
        }
    }
}

/// Adds an answer (audited as `knowledge.create`).
#[utoipa::path(post, path = "/api/v1/knowledge", tag = "knowledge", request_body = AnswerBody,
    responses((status = 201, description = "The answer", body = AnswerOut)))]
async fn create_answer(
    State(state): State<CasesState>,
    caller: Caller,
    JsonBody(b): JsonBody<AnswerBody>,
) -> Response {
    let result = state.cases.create_answer(&caller.actor, b.into()).await;
    reply(caller.lang, StatusCode::CREATED, result, |e| {
        answer_json(&e)
    })
}

/// One answer.
#[utoipa::path(get, path = "/api/v1/knowledge/{id}", tag = "knowledge",
    params(("id" = String, Path, description = ANSWER_ID)),
    responses((status = 200, description = "The answer", body = AnswerOut), (status = 404, response = NotFound)))]
async fn show_answer(
    State(state): State<CasesState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Response {
    let result = state.cases.answer(&caller.actor, &id).await;
    reply(caller.lang, StatusCode::OK, result, |e| answer_json(&e))
}

/// Replaces an answer's question, answer, keywords and category (audited as
/// `knowledge.update`).
#[utoipa::path(put, path = "/api/v1/knowledge/{id}", tag = "knowledge",
    params(("id" = String, Path, description = ANSWER_ID)), request_body = AnswerBody,
    responses((status = 200, description = "The answer", body = AnswerOut), (status = 404, response = NotFound)))]
async fn update_answer(
    State(state): State<CasesState>,
    caller: Caller,
    Path(id): Path<String>,
    JsonBody(b): JsonBody<AnswerBody>,
) -> Response {
    let result = state
        .cases
        .update_answer(&caller.actor, &id, b.into())
        .await;
    reply(caller.lang, StatusCode::OK, result, |e| answer_json(&e))
}

/// Deletes an answer (audited as `knowledge.delete`).
#[utoipa::path(delete, path = "/api/v1/knowledge/{id}", tag = "knowledge",
    params(("id" = String, Path, description = ANSWER_ID)),
    responses((status = 204, description = "Deleted"), (status = 404, response = NotFound)))]
async fn delete_answer(
    State(state): State<CasesState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Response {
    match state.cases.delete_answer(&caller.actor, &id).await {
        Ok(()) => StatusCode::NO_CONTENT.into_response(),
        Err(e) => ApiError::from_service(e, caller.lang).into_response(),
    }
}
