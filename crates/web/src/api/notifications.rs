//! Notification templates and the outbox for administrators, and each person's own channel
//! preferences and quiet hours.

use super::ApiPath as Path;
use super::doc::NotFound;
use super::{ApiError, Caller, JsonBody, reply};
use crate::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use domain::notify::Channel;
use domain::{Locale, Message};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(templates))
        .routes(routes!(save_template, reset_template))
        .routes(routes!(messages))
        .routes(routes!(message))
        .routes(routes!(preferences, set_preferences))
}

fn datetime(t: Option<i64>) -> Option<String> {
    t.map(domain::datetime::format_unix)
}

/// A notification template: the built-in text or an administrator's override.
#[derive(Serialize, ToSchema)]
struct TemplateOut {
    /// MiniJinja.
    body: String,
    /// `email` or `sms`.
    channel: &'static str,
    #[schema(example = "case-received")]
    key: String,
    /// `zh-TW` or `en`.
    locale: &'static str,
    /// Whether an administrator's text replaces the built-in one.
    overridden: bool,
    /// E-mail only.
    subject: Option<String>,
    updated_at: Option<String>,
    updated_by: Option<String>,
    /// The variables the template may use.
    variables: Vec<String>,
}

/// Every template, in every language and channel.
#[utoipa::path(
    get,
    path = "/api/v1/notification-templates",
    tag = "notifications",
    responses((status = 200, description = "The templates", body = [TemplateOut]))
)]
async fn templates(State(state): State<AppState>, caller: Caller) -> Response {
    let result = state.platform.notify_templates(&caller.actor).await;
    reply(caller.lang, StatusCode::OK, result, |list| {
        list.iter()
            .map(|t| TemplateOut {
                key: t.key.clone(),
                locale: t.locale.tag(),
                channel: t.channel.as_str(),
                subject: t.subject.clone(),
                body: t.body.clone(),
                variables: t.variables.clone(),
                overridden: t.overridden,
                updated_at: datetime(t.updated_at),
                updated_by: t.updated_by.clone(),
            })
            .collect::<Vec<_>>()
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

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct TemplateBody {
    /// E-mail only.
    #[serde(default)]
    subject: Option<String>,
    /// MiniJinja, checked before it is stored.
    #[schema(example = "您的案件 {{ case_number }} 已受理。")]
    body: String,
}

/// A template's state after a change.
#[derive(Serialize, ToSchema)]
struct TemplateSaved {
    key: String,
    overridden: bool,
    /// Only in the answer to a reset: whether an override existed.
    #[serde(skip_serializing_if = "Option::is_none")]
    was_overridden: Option<bool>,
}

/// Overrides a template.
#[utoipa::path(
    put,
    path = "/api/v1/notification-templates/{key}/{locale}/{channel}",
    tag = "notifications",
    params(
        ("key" = String, Path, description = "The template key, e.g. `case-received`"),
        ("locale" = String, Path, description = "`zh-TW` or `en`"),
        ("channel" = String, Path, description = "`email` or `sms`"),
    ),
    request_body = TemplateBody,
    responses(
        (status = 200, description = "Saved", body = TemplateSaved),
        (status = 404, response = NotFound),
    )
)]
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
        .platform
        .save_notify_template(
            &caller.actor,
            &key,
            locale,
            channel,
            b.subject.as_deref(),
            &b.body,
        )
        .await;
    reply(caller.lang, StatusCode::OK, result, |_| TemplateSaved {
        key,
        overridden: true,
        was_overridden: None,
    })
}

/// Removes an override: the built-in text applies again.
#[utoipa::path(
    delete,
    path = "/api/v1/notification-templates/{key}/{locale}/{channel}",
    tag = "notifications",
    params(
        ("key" = String, Path, description = "The template key, e.g. `case-received`"),
        ("locale" = String, Path, description = "`zh-TW` or `en`"),
        ("channel" = String, Path, description = "`email` or `sms`"),
    ),
    responses(
        (status = 200, description = "Reset", body = TemplateSaved),
        (status = 404, response = NotFound),
    )
)]
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
        .platform
        .reset_notify_template(&caller.actor, &key, locale, channel)
        .await;
    reply(caller.lang, StatusCode::OK, result, |existed| {
        TemplateSaved {
            key,
            overridden: false,
            was_overridden: Some(existed),
        }
    })
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct Page {
    /// Keyset cursor: the `id` of the last item of the previous page.
    before: Option<String>,
    /// At most this many (default 50).
    limit: Option<u64>,
}

/// A notification in the outbox.
#[derive(Serialize, ToSchema)]
struct MessageOut {
    account_id: Option<String>,
    attempts: i64,
    /// `email` or `sms`.
    channel: String,
    created_at: Option<String>,
    id: String,
    last_error: Option<String>,
    locale: String,
    /// The delivery attempts: only in the answer for one notification.
    #[serde(skip_serializing_if = "Option::is_none")]
    log: Option<Vec<AttemptOut>>,
    next_attempt_at: Option<String>,
    sent_at: Option<String>,
    /// `pending`, `sending`, `sent`, `failed` or `dead`.
    status: String,
    template: String,
    /// The address, masked.
    to: String,
    /// Urgent messages ignore quiet hours.
    urgent: bool,
}

/// One delivery attempt.
#[derive(Serialize, ToSchema)]
struct AttemptOut {
    at: Option<String>,
    attempt: i64,
    detail: String,
    outcome: String,
}

fn message_json(m: &platform::notify::admin::MessageView) -> MessageOut {
    MessageOut {
        id: m.id.clone(),
        account_id: m.account_id.clone(),
        channel: m.channel.clone(),
        to: m.to.clone(),
        template: m.template.clone(),
        locale: m.locale.clone(),
        urgent: m.urgent,
        status: m.status.clone(),
        attempts: m.attempts,
        next_attempt_at: datetime(Some(m.next_attempt_at)),
        sent_at: datetime(m.sent_at),
        last_error: m.last_error.clone(),
        created_at: datetime(Some(m.created_at)),
        log: None,
    }
}

/// The notification outbox, newest first.
#[utoipa::path(
    get,
    path = "/api/v1/notifications",
    tag = "notifications",
    params(Page),
    responses((status = 200, description = "The notifications", body = [MessageOut]))
)]
async fn messages(
    State(state): State<AppState>,
    caller: Caller,
    super::ApiQuery(p): super::ApiQuery<Page>,
) -> Response {
    let result = state
        .platform
        .notifications(&caller.actor, p.before.as_deref(), p.limit.unwrap_or(50))
        .await;
    reply(caller.lang, StatusCode::OK, result, |list| {
        list.iter().map(message_json).collect::<Vec<_>>()
    })
}

/// One notification with its delivery log.
#[utoipa::path(
    get,
    path = "/api/v1/notifications/{id}",
    tag = "notifications",
    params(("id" = String, Path, description = "The notification's id")),
    responses(
        (status = 200, description = "The notification", body = MessageOut),
        (status = 404, response = NotFound),
    )
)]
async fn message(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Response {
    let result = match state.platform.notification(&caller.actor, &id).await {
        Ok(m) => state
            .platform
            .notification_log(&caller.actor, &id)
            .await
            .map(|log| (m, log)),
        Err(e) => Err(e),
    };
    reply(caller.lang, StatusCode::OK, result, |(m, log)| MessageOut {
        log: Some(
            log.iter()
                .map(|a| AttemptOut {
                    attempt: a.attempt,
                    at: datetime(Some(a.at)),
                    outcome: a.outcome.clone(),
                    detail: a.detail.clone(),
                })
                .collect(),
        ),
        ..message_json(&m)
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

/// A person's notification channels and quiet hours.
#[derive(Serialize, ToSchema)]
struct PreferencesOut {
    /// `email` and/or `sms`, in order of preference; empty for none.
    #[schema(example = json!(["sms", "email"]))]
    channels: Vec<String>,
    /// `HH:MM`; equal to `quiet_start` for no quiet hours.
    #[schema(example = "07:00")]
    quiet_end: String,
    /// `HH:MM`, local time.
    #[schema(example = "22:00")]
    quiet_start: String,
    /// Whether these were saved (`false`: the defaults).
    saved: bool,
}

/// The caller's notification preferences.
#[utoipa::path(
    get,
    path = "/api/v1/me/notification-preferences",
    tag = "me",
    responses((status = 200, description = "The preferences", body = PreferencesOut))
)]
async fn preferences(State(state): State<AppState>, caller: Caller) -> Response {
    let result = state.platform.notify_preferences(&caller.actor).await;
    reply(caller.lang, StatusCode::OK, result, |p| PreferencesOut {
        channels: p.channels.iter().map(|c| c.as_str().to_string()).collect(),
        quiet_start: clock(p.quiet_start),
        quiet_end: clock(p.quiet_end),
        saved: p.saved,
    })
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct PreferencesBody {
    /// `email` and/or `sms`, in order of preference; `[]` for none.
    #[schema(example = json!(["sms", "email"]))]
    channels: Vec<String>,
    /// `HH:MM`; defaults to `00:00`.
    #[serde(default)]
    #[schema(example = "22:00")]
    quiet_start: Option<String>,
    /// `HH:MM`; defaults to `00:00`.
    #[serde(default)]
    #[schema(example = "07:00")]
    quiet_end: Option<String>,
}

/// Sets the caller's notification channels and quiet hours.
#[utoipa::path(
    put,
    path = "/api/v1/me/notification-preferences",
    tag = "me",
    request_body = PreferencesBody,
    responses((status = 200, description = "Saved", body = PreferencesOut))
)]
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
        .platform
        .set_notify_preferences(&caller.actor, &channels, start, end)
        .await;
    reply(caller.lang, StatusCode::OK, result, |_| PreferencesOut {
        channels: b.channels,
        quiet_start: clock(start),
        quiet_end: clock(end),
        saved: true,
    })
}
