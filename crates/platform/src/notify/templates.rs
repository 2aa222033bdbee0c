//! Message templates: the built-in defaults (zh-TW and English, embedded in the binary) and
//! the sandboxed renderer used for them and for admins' overrides.
//!
//! The renderer is a MiniJinja environment with no loader (templates cannot include or read
//! anything), strict undefined variables, a fuel budget and a recursion limit. E-mail bodies
//! are written as plain text; the HTML alternative is rendered from the same source with HTML
//! auto-escaping on, so no variable or admin text can inject markup.

use domain::Locale;
use domain::notify::Channel;
use minijinja::{AutoEscape, Environment, UndefinedBehavior, Value};
use serde::Deserialize;
use serde_json::json;
use std::collections::HashMap;
use std::sync::LazyLock;

/// A template key, the variables it needs and the ones it may use.
pub struct Spec {
    pub key: &'static str,
    /// Must be given by the caller.
    pub required: &'static [&'static str],
    /// Default to an empty string when absent.
    pub optional: &'static [&'static str],
    /// Whether the message must go out even in quiet hours (one-time codes).
    pub urgent_by_nature: bool,
}

const CASE_REQUIRED: &[&str] = &["case_number", "category", "track_url"];
const CASE_OPTIONAL: &[&str] = &["department", "note", "due_date", "survey_url"];

pub const SPECS: &[Spec] = &[
    Spec {
        key: "account_verification",
        required: &["code", "minutes"],
        optional: &[],
        urgent_by_nature: true,
    },
    Spec {
        key: "password_reset",
        required: &["code", "minutes", "link"],
        optional: &[],
        urgent_by_nature: true,
    },
    Spec {
        key: "account_exists",
        required: &[],
        optional: &[],
        urgent_by_nature: true,
    },
    Spec {
        key: "mandate_offered",
        required: &["principal", "theme", "link"],
        optional: &[],
        urgent_by_nature: false,
    },
    Spec {
        key: "notify_test",
        required: &[],
        optional: &[],
        urgent_by_nature: true,
    },
    Spec {
        key: "case_accepted",
        required: CASE_REQUIRED,
        optional: CASE_OPTIONAL,
        urgent_by_nature: false,
    },
    Spec {
        key: "case_assigned",
        required: CASE_REQUIRED,
        optional: CASE_OPTIONAL,
        urgent_by_nature: false,
    },
    Spec {
        key: "case_updated",
        required: CASE_REQUIRED,
        optional: CASE_OPTIONAL,
        urgent_by_nature: false,
    },
    Spec {
        key: "case_resolved",
        required: CASE_REQUIRED,
        optional: CASE_OPTIONAL,
        urgent_by_nature: false,
    },
    Spec {
        key: "sla_at_risk",
        required: CASE_REQUIRED,
        optional: CASE_OPTIONAL,
        urgent_by_nature: false,
    },
    Spec {
        key: "sla_breached",
        required: CASE_REQUIRED,
        optional: CASE_OPTIONAL,
        urgent_by_nature: true,
    },
];

const COUNTER_REQUIRED: &[&str] = &["application_number", "service", "track_url"];
const COUNTER_OPTIONAL: &[&str] = &["fee", "due_date", "note", "code", "place", "until", "who"];

/// The counter's messages (docs/COUNTER.md, "What the applicant is told").
const COUNTER_SPECS: &[Spec] = &[
    counter_spec("counter_submitted", false),
    counter_spec("counter_correction", false),
    counter_spec("counter_approved", false),
    counter_spec("counter_rejected", false),
    // The pickup code: sent when asked for, whatever the hour.
    counter_spec("counter_ready", true),
    counter_spec("counter_expiring", false),
    counter_spec("counter_picked_up", true),
    counter_spec("counter_to_counter", false),
    counter_spec("counter_returned", false),
    counter_spec("counter_locked", true),
    counter_spec("counter_agent_code", true),
    Spec {
        key: "counter_booking",
        required: &["office", "slot"],
        optional: &["purpose", "queue_number"],
        urgent_by_nature: false,
    },
];

const fn counter_spec(key: &'static str, urgent: bool) -> Spec {
    Spec {
        key,
        required: COUNTER_REQUIRED,
        optional: COUNTER_OPTIONAL,
        urgent_by_nature: urgent,
    }
}

/// Every template key: the platform's and the counter's.
pub fn all_specs() -> impl Iterator<Item = &'static Spec> {
    SPECS.iter().chain(COUNTER_SPECS)
}

/// Variables every template can use; filled in by the sender.
pub const COMMON_VARS: &[&str] = &["jurisdiction_name", "site_url"];

pub fn spec(key: &str) -> Option<&'static Spec> {
    all_specs().find(|s| s.key == key)
}

/// Sample values used to check a template when an admin saves it.
pub fn sample_vars(spec: &Spec, locale: Locale) -> serde_json::Value {
    let zh = locale == Locale::ZhTw;
    let mut v = json!({
        "jurisdiction_name": if zh { "臺北市政府" } else { "Taipei City Government" },
        "site_url": "https://1999.example.gov.tw",
        "code": "493027",
        "principal": if zh { "陳淑芬" } else { "Chen Shu-fen" },
        "theme": if zh { "代領我的文件" } else { "Pick up my documents" },
        "minutes": 10,
        "link": "https://1999.example.gov.tw/reset?token=SAMPLE",
        "case_number": "2026112400042",
        "category": if zh { "路燈故障" } else { "Street light out" },
        "department": if zh { "工務局公園路燈工程管理處" } else { "Parks and Street Lights Office" },
        "note": if zh { "已派員檢修。" } else { "A crew has been sent." },
        "due_date": "2026-11-27",
        "track_url": "https://1999.example.gov.tw/track/2026112400042",
        "survey_url": "https://1999.example.gov.tw/survey?token=SAMPLE",
        "application_number": "TCSC-20261207-0042",
        "service": if zh { "戶籍謄本" } else { "Household registration transcript" },
        "fee": 45,
        "place": if zh { "縣民服務中心智慧櫃台 B-07" } else { "Civil Service Center Smart Desk B-07" },
        "until": "2026-12-10 17:00",
        "who": if zh { "代理人 王小明" } else { "Agent Wang Hsiao-ming" },
        "office": if zh { "臺東縣縣民服務中心" } else { "Taitung County Civil Service Center" },
        "slot": "2026-12-08 09:30",
        "purpose": if zh { "臨櫃申請" } else { "Apply in person" },
        "queue_number": "A-007",
    });
    let keep: Vec<&str> = COMMON_VARS
        .iter()
        .chain(spec.required)
        .chain(spec.optional)
        .copied()
        .collect();
    if let Some(map) = v.as_object_mut() {
        map.retain(|k, _| keep.contains(&k.as_str()));
    }
    v
}

/// A built-in template.
#[derive(Debug, Clone, Deserialize)]
pub struct Default {
    pub subject: String,
    pub email: String,
    pub sms: String,
}

static DEFAULTS: LazyLock<HashMap<(Locale, String), Default>> = LazyLock::new(|| {
    let mut all = HashMap::new();
    for (locale, source) in [
        (
            Locale::ZhTw,
            include_str!("../../templates/notify/zh-TW.toml"),
        ),
        (Locale::En, include_str!("../../templates/notify/en.toml")),
    ] {
        let parsed: HashMap<String, Default> =
            toml::from_str(source).expect("the built-in notification templates are valid TOML");
        for (key, t) in parsed {
            all.insert((locale, key), t);
        }
    }
    all
});

/// The built-in subject (e-mail only) and body of a template.
pub fn default_source(key: &str, locale: Locale, channel: Channel) -> Option<(Option<&str>, &str)> {
    let t = DEFAULTS.get(&(locale, key.to_string()))?;
    Some(match channel {
        Channel::Email => (Some(t.subject.as_str()), t.email.trim_start_matches('\n')),
        Channel::Sms => (None, t.sms.as_str()),
    })
}

/// A rendered message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    /// E-mail subject (one line); empty for SMS.
    pub subject: String,
    /// The plain-text body (the SMS text, or the e-mail's text part).
    pub text: String,
    /// The e-mail's HTML part.
    pub html: Option<String>,
}

/// Limits that keep a hostile or careless template from eating the worker.
const FUEL: u64 = 50_000;
const RECURSION_LIMIT: usize = 20;
pub const MAX_SOURCE_CHARS: usize = 10_000;
pub const MAX_SUBJECT_CHARS: usize = 200;
pub const MAX_SMS_CHARS: usize = 335;

fn environment<'s>() -> Environment<'s> {
    let mut env = Environment::new();
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    env.set_fuel(Some(FUEL));
    env.set_recursion_limit(RECURSION_LIMIT);
    env.set_auto_escape_callback(|name| {
        if name.ends_with(".html") {
            AutoEscape::Html
        } else {
            AutoEscape::None
        }
    });
    env
}

/// Why a template could not be rendered. The text names the problem and the line, never the
/// values of variables.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RenderError(pub String);

impl std::fmt::Display for RenderError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

fn render_one<'s>(
    env: &Environment<'s>,
    name: &'static str,
    source: &'s str,
    vars: &Value,
) -> Result<String, RenderError> {
    let tmpl = env
        .template_from_named_str(name, source)
        .map_err(|e| RenderError(describe(&e)))?;
    tmpl.render(vars).map_err(|e| RenderError(describe(&e)))
}

fn describe(e: &minijinja::Error) -> String {
    let mut text = e.kind().to_string();
    if let Some(detail) = e.detail() {
        text.push_str(": ");
        text.push_str(detail);
    }
    if let Some(line) = e.line() {
        text.push_str(&format!(" (line {line})"));
    }
    text
}

/// Renders a template for one channel. `vars` must be a JSON object.
pub fn render(
    channel: Channel,
    subject: Option<&str>,
    body: &str,
    vars: &serde_json::Value,
) -> Result<Rendered, RenderError> {
    let env = environment();
    let value = Value::from(minijinja::value::Serde(vars));
    match channel {
        Channel::Email => {
            let subject = render_one(&env, "subject.txt", subject.unwrap_or_default(), &value)?;
            // Headers are one line.
            let subject = subject.split_whitespace().collect::<Vec<_>>().join(" ");
            let text = render_one(&env, "body.txt", body, &value)?;
            let escaped = render_one(&env, "body.html", body, &value)?;
            let html = html_document(&env, &subject, escaped.trim())?;
            Ok(Rendered {
                subject,
                text,
                html: Some(html),
            })
        }
        Channel::Sms => {
            let text = render_one(&env, "sms.txt", body, &value)?;
            Ok(Rendered {
                subject: String::new(),
                text: text.trim().to_string(),
                html: None,
            })
        }
    }
}

/// The HTML e-mail around a body. Named `.html`, so the environment's auto-escape escapes the
/// subject; the body was rendered as `body.html` under the same auto-escape, so it is already
/// safe and is marked so rather than escaped twice.
const HTML_DOCUMENT: &str = "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>{{ subject }}</title></head>\
     <body><div style=\"white-space:pre-line;font-family:sans-serif;line-height:1.5\">{{ body }}</div></body></html>";

fn html_document(env: &Environment<'_>, subject: &str, body: &str) -> Result<String, RenderError> {
    let vars = minijinja::context! {
        subject => subject,
        body => Value::from_safe_string(body.to_string()),
    };
    // MiniJinja drops a template's final newline; the document ends with one.
    Ok(render_one(env, "document.html", HTML_DOCUMENT, &vars)? + "\n")
}

/// Adds the empty defaults of a template's optional variables.
pub fn with_optional_defaults(spec: &Spec, vars: &mut serde_json::Map<String, serde_json::Value>) {
    for k in spec.optional {
        vars.entry(k.to_string())
            .or_insert_with(|| serde_json::Value::String(String::new()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_default_renders_with_its_sample_in_both_languages() {
        for spec in all_specs() {
            for locale in Locale::ALL {
                for channel in Channel::ALL {
                    let (subject, body) = default_source(spec.key, locale, channel)
                        .unwrap_or_else(|| panic!("{} {locale:?} missing", spec.key));
                    let r = render(channel, subject, body, &sample_vars(spec, locale))
                        .unwrap_or_else(|e| panic!("{} {locale:?} {channel:?}: {e}", spec.key));
                    assert!(!r.text.is_empty());
                    if channel == Channel::Sms {
                        assert!(r.text.chars().count() <= MAX_SMS_CHARS, "{}", spec.key);
                    } else {
                        assert!(!r.subject.is_empty());
                    }
                }
            }
        }
    }

    #[test]
    fn undefined_variables_are_errors() {
        let e = render(Channel::Sms, None, "code {{ cod }}", &json!({"code": "1"})).unwrap_err();
        assert!(e.0.contains("undefined"), "{e}");
    }

    #[test]
    fn html_part_escapes_values_but_text_does_not() {
        let r = render(
            Channel::Email,
            Some("S {{ note }}"),
            "Note: {{ note }}",
            &json!({"note": "<b>x</b> & y"}),
        )
        .unwrap();
        assert_eq!(r.text, "Note: <b>x</b> & y");
        let html = r.html.unwrap();
        // MiniJinja's escaping, in the title (the subject) and in the body alike.
        let escaped = "&lt;b&gt;x&lt;&#x2f;b&gt; &amp; y";
        assert!(
            html.contains(&format!("<title>S {escaped}</title>")),
            "{html}"
        );
        assert!(html.contains(&format!(">Note: {escaped}</div>")), "{html}");
        assert!(html.ends_with("</html>\n"), "{html}");
        assert!(!html.contains("<b>x"));
        assert_eq!(r.subject, "S <b>x</b> & y");
    }

    #[test]
    fn runaway_templates_run_out_of_fuel() {
        let src = "{% for a in range(1000) %}{% for b in range(1000) %}x{% endfor %}{% endfor %}";
        assert!(render(Channel::Sms, None, src, &json!({})).is_err());
    }

    #[test]
    fn no_includes_or_file_access() {
        assert!(
            render(
                Channel::Sms,
                None,
                "{% include '/etc/passwd' %}",
                &json!({})
            )
            .is_err()
        );
    }

    #[test]
    fn subjects_are_one_line() {
        let r = render(Channel::Email, Some("a\r\nBcc: x@y.z"), "b", &json!({})).unwrap();
        assert_eq!(r.subject, "a Bcc: x@y.z");
    }
}
