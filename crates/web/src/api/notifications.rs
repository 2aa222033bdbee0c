//! Notification templates and the outbox for administrators, and each person's own channel
//! preferences and quiet hours.

use super::{ApiError, Caller, JsonBody, reply};
use crate::AppState;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use domain::notify::Channel;
use domain::{Locale, Message};
use serde::Deserialize;
use serde_json::json;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/notification-templates", get(templates))
        .route(
            "/api/v1/notification-templates/{key}/{locale}/{channel}",
            axum::routing::put(save_template).delete(reset_template),
        )
        .route("/api/v1/notifications", get(messages))
        .route("/api/v1/notifications/{id}", get(message))
        .route(
            "/api/v1/me/notification-preferences",
            get(preferences).put(set_preferences),
        )
}

fn datetime(t: Option<i64>) -> serde_json::Value {
    t.map_or(serde_json::Value::Null, |t| {
        json!(domain::datetime::format_unix(t))
    })
}

async fn templates(State(state): State<AppState>, caller: Caller) -> Response {
    let result = state.services.notify_templates(&caller.actor).await;
    reply(caller.lang, StatusCode::OK, result, |list| {
        list.iter()
            .map(|t| {
                json!({
                    "key": t.key,
                    "locale": t.locale.tag(),
                    "channel": t.channel.as_str(),
                    "subject": t.subject,
                    "body": t.body,
                    "variables": t.variables,
                    "overridden": t.overridden,
                    "updated_at": datetime(t.updated_at),
                    "updated_by": t.updated_by,
                })
            })
            .collect()
    })
}

/// The template address in the path: key, language and channel, each checked.
fn template_path(
    caller: &Caller,
    locale: &str,
    channel: &str,
) -> Result<(Locale, Channel), ApiError> {
    let locale = Locale::from_tag(locale).ok_or_else(|| {
        ApiError::new(
            StatusCode::NOT_FOUND,
            Message::new("error-locale-unknown").arg("locale", locale),
        )
        .in_lang(caller.lang)
    })?;
    let channel = Channel::parse(channel).ok_or_else(|| {
        ApiError::new(StatusCode::NOT_FOUND, Message::new("error-notify-channels"))
            .in_lang(caller.lang)
    })?;
    Ok((locale, channel))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TemplateBody {
    #[serde(default)]
    subject: Option<String>,
    body: String,
}

async fn save_template(
    State(state): State<AppState>,
    caller: Caller,
    Path((key, locale, channel)): Path<(String, String, String)>,
    JsonBody(b): JsonBody<TemplateBody>,
) -> Response {
    let (locale, channel) = match template_path(&caller, &locale, &channel) {
        Ok(v) => v,
        Err(e) => return e.into_response(),
    };
    let result = state
        .services
        .save_notify_template(
            &caller.actor,
            &key,
            locale,
            channel,
            b.subject.as_deref(),
            &b.body,
        )
        .await;
    reply(
        caller.lang,
        StatusCode::OK,
        result,
        |_| json!({ "key": key, "overridden": true }),
    )
}

async fn reset_template(
    State(state): State<AppState>,
    caller: Caller,
    Path((key, locale, channel)): Path<(String, String, String)>,
) -> Response {
    let (locale, channel) = match template_path(&caller, &locale, &channel) {
        Ok(v) => v,
        Err(e) => return e.into_response(),
    };
    let result = state
        .services
        .reset_notify_template(&caller.actor, &key, locale, channel)
        .await;
    reply(
        caller.lang,
        StatusCode::OK,
        result,
        |existed| json!({ "key": key, "overridden": false, "was_overridden": existed }),
    )
}

#[derive(Deserialize)]
struct Page {
    before: Option<String>,
    limit: Option<u64>,
}

fn message_json(m: &services::notify::admin::MessageView) -> serde_json::Value {
    json!({
        "id": m.id,
        "account_id": m.account_id,
        "channel": m.channel,
        "to": m.to,
        "template": m.template,
        "locale": m.locale,
        "urgent": m.urgent,
        "status": m.status,
        "attempts": m.attempts,
        "next_attempt_at": datetime(Some(m.next_attempt_at)),
        "sent_at": datetime(m.sent_at),
        "last_error": m.last_error,
        "created_at": datetime(Some(m.created_at)),
    })
}

async fn messages(
    State(state): State<AppState>,
    caller: Caller,
    Query(p): Query<Page>,
) -> Response {
    let result = state
        .services
        .notifications(&caller.actor, p.before.as_deref(), p.limit.unwrap_or(50))
        .await;
    reply(caller.lang, StatusCode::OK, result, |list| {
        list.iter().map(message_json).collect()
    })
}

async fn message(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Response {
    let services = &state.services;
    let result = match services.notification(&caller.actor, &id).await {
        Ok(m) => services
            .notification_log(&caller.actor, &id)
            .await
            .map(|log| (m, log)),
        Err(e) => Err(e),
    };
    reply(caller.lang, StatusCode::OK, result, |(m, log)| {
        let mut v = message_json(&m);
        v["log"] = log
            .iter()
            .map(|a| json!({ "attempt": a.attempt, "at": datetime(Some(a.at)), "outcome": a.outcome, "detail": a.detail }))
            .collect();
        v
    })
}

fn clock(minutes: i64) -> String {
    format!("{:02}:{:02}", minutes / 60, minutes % 60)
}

/// Reads `HH:MM` into minutes of the day.
fn minutes(text: &str) -> Option<i64> {
    let (h, m) = text.trim().split_once(':')?;
    let (h, m): (i64, i64) = (h.parse().ok()?, m.parse().ok()?);
    ((0..24).contains(&h) && (0..60).contains(&m)).then_some(h * 60 + m)
}

async fn preferences(State(state): State<AppState>, caller: Caller) -> Response {
    let result = state.services.notify_preferences(&caller.actor).await;
    reply(caller.lang, StatusCode::OK, result, |p| {
        json!({
            "channels": p.channels.iter().map(|c| c.as_str()).collect::<Vec<_>>(),
            "quiet_start": clock(p.quiet_start),
            "quiet_end": clock(p.quiet_end),
            "saved": p.saved,
        })
    })
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PreferencesBody {
    channels: Vec<String>,
    #[serde(default)]
    quiet_start: Option<String>,
    #[serde(default)]
    quiet_end: Option<String>,
}

async fn set_preferences(
    State(state): State<AppState>,
    caller: Caller,
    JsonBody(b): JsonBody<PreferencesBody>,
) -> Response {
    let bad = |id: &'static str| {
        ApiError::new(StatusCode::BAD_REQUEST, Message::new(id))
            .in_lang(caller.lang)
            .into_response()
    };
    let Some(channels) = b
        .channels
        .iter()
        .map(|c| Channel::parse(c))
        .collect::<Option<Vec<_>>>()
    else {
        return bad("error-notify-channels");
    };
    let start = b.quiet_start.as_deref().map_or(Some(0), minutes);
    let end = b.quiet_end.as_deref().map_or(Some(0), minutes);
    let (Some(start), Some(end)) = (start, end) else {
        return bad("error-notify-quiet-hours");
    };
    let result = state
        .services
        .set_notify_preferences(&caller.actor, &channels, start, end)
        .await;
    reply(
        caller.lang,
        StatusCode::OK,
        result,
        |_| json!({ "channels": b.channels, "quiet_start": clock(start), "quiet_end": clock(end), "saved": true }),
    )
}
