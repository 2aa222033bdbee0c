//! Filing a case: the same function for every channel.

pub(crate) mod writer;

use crate::domain::lifecycle::{Action, CaseStatus, transition};
use crate::media::MediaUpload;
use crate::store::cases::{NewCase, Reporter};
use crate::store::events::NewEvent;
use crate::{CasesApp, Result, ServiceError, secrets};
use domain::Message;
use domain::actor::ActorRef;
use domain::catalog::{Category, Jurisdiction};
use domain::category::{AttributeAnswer, ServiceType, validate_attributes};
use domain::datetime::local_yyyymmdd;
use domain::enums::string_enum;
use domain::geo::Point;
use domain::limits;

const MAX_ADDRESS: usize = 500;
const MAX_MEDIA_URLS: usize = 10;

string_enum! {
    /// Where a case came from.
    Channel {
        Phone = "phone",
        Web = "web",
        App = "app",
        Open311 = "open311",
        /// Brought over from a published data set or another system (`services::import`).
        Import = "import",
    }
}

/// Who files a case.
#[derive(Debug, Clone)]
pub enum Filer {
    ApiClient {
        id: String,
    },
    /// A staff member, e.g. a 1999 agent taking a call.
    Staff {
        account_id: String,
    },
    /// A citizen on the web, signed in or not.
    Citizen {
        account_id: Option<String>,
    },
    /// A signed-in citizen asking about their own personal data, from "my data": the only
    /// filer of the categories of `domain::data_requests`.
    DataSubject {
        account_id: String,
    },
    System,
}

impl Filer {
    /// How the filer is named in the case's `create` event.
    pub fn actor(&self) -> ActorRef {
        match self {
            Filer::ApiClient { id } => ActorRef::ApiClient {
                client_id: id.clone(),
            },
            Filer::Staff { account_id } => ActorRef::Staff {
                account_id: account_id.clone(),
            },
            Filer::Citizen { account_id } => ActorRef::Citizen {
                account_id: account_id.clone(),
            },
            Filer::DataSubject { account_id } => ActorRef::Citizen {
                account_id: Some(account_id.clone()),
            },
            Filer::System => ActorRef::System { label: None },
        }
    }
}

/// A report as submitted, before validation. Empty strings count as absent.
#[derive(Debug, Clone, Default)]
pub struct NewReport {
    pub service_code: Option<String>,
    pub lat: Option<String>,
    pub long: Option<String>,
    pub address: Option<String>,
    pub address_id: Option<String>,
    pub zipcode: Option<String>,
    pub description: Option<String>,
    pub attributes: Vec<(String, Vec<String>)>,
    pub media_urls: Vec<String>,
    pub media: Vec<MediaUpload>,
    pub reporter: Reporter,
}

/// What the filer gets back.
#[derive(Debug, Clone)]
pub struct FiledCase {
    pub case_id: String,
    pub case_number: String,
    pub service_type: ServiceType,
    pub token: Option<String>,
    /// Shown once; only its keyed hash is stored.
    pub password: String,
    pub category: Category,
    pub department_name: Option<domain::Localized>,
    /// Set when the description reads like an emergency: 1999 is not an emergency line, so
    /// the filer is told to call 110 or 119 (the case is filed all the same).
    pub emergency: Option<crate::domain::rules::Emergency>,
}

/// A validated filing, ready to be written (by [`writer`], in a batch with others): all but
/// its case number, which the writer takes from the day's sequence.
#[derive(Debug, Clone)]
pub(crate) struct Filing {
    jurisdiction: Jurisdiction,
    /// The local date (`YYYYMMDD`) whose sequence numbers the case.
    day: String,
    case: NewCase,
    reporter: Reporter,
    media: Vec<crate::media::StoredMedia>,
    /// The `create` event.
    created: NewEvent,
}

/// Who the reporter is, as far as this deployment knows. A case is linked to a citizen account
/// only when that citizen files it signed in; an API client's `account_id` is the client's own
/// name for its user, kept as its reference (prefixed with the client's id so that clients
/// never share a namespace) and never taken for one of our accounts.
fn link_reporter(filer: &Filer, reporter: &mut Reporter) {
    reporter.account_id = match filer {
        Filer::Citizen { account_id } => account_id.clone(),
        Filer::DataSubject { account_id } => Some(account_id.clone()),
        Filer::ApiClient { .. } | Filer::Staff { .. } | Filer::System => None,
    };
    reporter.client_reference = match filer {
        Filer::ApiClient { id } => reporter
            .client_reference
            .take()
            .map(|r| format!("{id}:{r}")),
        Filer::Citizen { .. } | Filer::DataSubject { .. } | Filer::Staff { .. } | Filer::System => {
            None
        }
    };
}

fn present(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

fn bounded(
    v: &Option<String>,
    max: usize,
    field: &'static str,
    errors: &mut Vec<Message>,
) -> Option<String> {
    let v = present(v)?;
    if let Err(m) = limits::check_field(field, v, max) {
        errors.push(m);
        return None;
    }
    Some(v.to_string())
}

impl CasesApp {
    /// Validates and files a report. The checks follow Open311's order — service code (404
    /// when unknown), then location, attributes and description, reporting every problem of
    /// the last group together — and nothing is written unless everything is valid.
    pub async fn file_case(
        &self,
        jurisdiction: &Jurisdiction,
        filer: &Filer,
        channel: Channel,
        report: NewReport,
    ) -> Result<FiledCase> {
        let Some(code) = present(&report.service_code) else {
            return Err(ServiceError::invalid(Message::new(
                "error-service-code-required",
            )));
        };
        let category = self.platform.any_category(jurisdiction, code).await?;
        // A request about personal data is filed by the person it is about, from "my data",
        // and by no one else (not an agent, not an Open311 client, not the report form): to
        // them it does not exist. The person files nothing else that way.
        if category.is_data_request() != matches!(filer, Filer::DataSubject { .. }) {
            return Err(ServiceError::NotFound(
                Message::new("error-service-unknown").arg("code", code.trim()),
            ));
        }

        let mut errors: Vec<Message> = Vec::new();
        let point = Point::parse_pair(report.lat.as_deref(), report.long.as_deref())
            .map_err(|e| errors.push(e.message()))
            .ok()
            .flatten();
        let address = bounded(&report.address, MAX_ADDRESS, "address_string", &mut errors)
            .map(|a| text::to_halfwidth(&a));
        let address_id = bounded(&report.address_id, MAX_ADDRESS, "address_id", &mut errors);
        let location_given = point.is_some()
            || present(&report.lat).is_some()
            || present(&report.long).is_some()
            || address.is_some()
            || address_id.is_some();
        // A request about one's personal data has no place; every other case has one.
        let placeless = crate::domain::data_requests::days_for(&category.code).is_some();
        if !location_given && !placeless {
            errors.push(Message::new("error-location-required"));
        }
        if let Some(p) = point
            && !jurisdiction.covers(p)
        {
            errors.push(
                Message::new("error-location-outside").arg("jurisdiction", &jurisdiction.name.zh),
            );
        }
        let description = report
            .description
            .as_deref()
            .map(str::trim)
            .unwrap_or_default();
        if let Err(m) = limits::check_description(description) {
            errors.push(m);
        }
        let answers: Vec<AttributeAnswer> =
            match validate_attributes(&category.attributes, &report.attributes) {
                Ok(a) => a,
                Err(errs) => {
                    errors.extend(errs.iter().map(domain::DomainError::message));
                    Vec::new()
                }
            };
        let mut reporter = report.reporter.clone();
        for (field, value) in [
            ("email", &mut reporter.email),
            ("phone", &mut reporter.phone),
            ("first_name", &mut reporter.first_name),
            ("last_name", &mut reporter.last_name),
            ("device_id", &mut reporter.device_id),
            ("account_id", &mut reporter.client_reference),
        ] {
            *value = bounded(value, limits::MAX_PERSONAL_FIELD, field, &mut errors);
        }
        link_reporter(filer, &mut reporter);
        let media_urls: Vec<String> = report
            .media_urls
            .iter()
            .map(|u| u.trim().to_string())
            .filter(|u| !u.is_empty())
            .collect();
        if media_urls.len() > MAX_MEDIA_URLS {
            errors
                .push(Message::new("error-too-many-media").arg("max", MAX_MEDIA_URLS.to_string()));
        }
        for url in &media_urls {
            if !(url.starts_with("https://") || url.starts_with("http://")) || url.len() > 2000 {
                errors.push(
                    Message::new("error-media-url")
                        .arg("url", url.chars().take(80).collect::<String>()),
                );
            }
        }
        let media = self.check_media(report.media, &mut errors).await?;
        if !errors.is_empty() {
            return Err(ServiceError::Invalid(errors));
        }

        let now = self.now();
        let case_id = uuid::Uuid::now_v7().to_string();
        let password = secrets::case_password();
        let token = (category.service_type == ServiceType::Batch).then(secrets::token);
        let snapshot = self.platform.snapshot_of(jurisdiction).await?;
        let districts: Vec<(String, String)> = snapshot
            .districts
            .iter()
            .map(|d| (d.code.clone(), d.name.zh.clone()))
            .collect();
        // The district the address names, or else the one the point lies in (an Open311
        // report may give coordinates only).
        let district_code = address
            .as_deref()
            .and_then(|a| text::find_district(a, &districts))
            .map(str::to_string)
            .or_else(|| {
                let place = self.config().maps.locate(&jurisdiction.id, point?)?;
                districts
                    .iter()
                    .find(|(_, name)| *name == place.district)
                    .map(|(code, _)| code.clone())
            });
        // Intake triages the case and routes it by the jurisdiction's rules (the category's
        // department when none matches): received → triaged → assigned.
        let decision = self
            .decide_intake(
                jurisdiction,
                &category,
                description,
                district_code.as_deref(),
                &answers,
            )
            .await?;
        let mut status = CaseStatus::Received;
        for action in [Action::Triage, Action::Assign] {
            status = transition(status, action)?;
        }
        let clocks = crate::casework::sla::clocks_at_filing(
            &snapshot,
            &category.code,
            decision.urgency,
            status.as_str(),
            now,
        );
        let stored_media = self.store_media(&jurisdiction.id, &case_id, media).await?;
        let all_media: Vec<String> = stored_media
            .iter()
            .map(|m| m.url.clone())
            .chain(media_urls)
            .collect();

        let filing = Filing {
            jurisdiction: jurisdiction.clone(),
            day: local_yyyymmdd(now, jurisdiction.utc_offset_minutes),
            case: NewCase {
                id: case_id.clone(),
                jurisdiction_id: jurisdiction.id.clone(),
                // Taken by the writer.
                case_number: String::new(),
                token: token.clone(),
                category_code: category.code.clone(),
                status: status.as_str().into(),
                urgency: decision.urgency.as_str().into(),
                department_code: Some(decision.department.clone()),
                channel: channel.as_str().into(),
                description: description.to_string(),
                address: address.clone(),
                address_id: address_id.clone(),
                zipcode: present(&report.zipcode).map(str::to_string),
                district_code: district_code.clone(),
                lat: point.map(|p| p.lat),
                lon: point.map(|p| p.lon),
                attributes: serde_json::to_string(&answers).unwrap_or_else(|_| "[]".into()),
                media_urls: serde_json::to_string(&all_media).unwrap_or_else(|_| "[]".into()),
                status_notes: None,
                password_hash: secrets::case_password_hash(
                    self.platform.secret_key(),
                    &case_id,
                    &password,
                ),
                api_client_id: match filer {
                    Filer::ApiClient { id } => Some(id.clone()),
                    Filer::Staff { .. }
                    | Filer::Citizen { .. }
                    | Filer::DataSubject { .. }
                    | Filer::System => None,
                },
                requested_at: now,
                expected_at: clocks.expected_at,
                routing: serde_json::to_string(&decision.route).ok(),
                triage: serde_json::to_string(&decision.triage).ok(),
                sla_state: Some(clocks.label.to_string()),
                ack_due_at: clocks.ack_due_at,
                response_due_at: clocks.response_due_at,
                resolution_due_at: clocks.resolution_due_at,
            },
            reporter,
            media: stored_media.clone(),
            created: NewEvent {
                id: uuid::Uuid::now_v7().to_string(),
                case_id: case_id.clone(),
                kind: "create".into(),
                actor: filer.actor().to_string(),
                public: true,
                from_status: None,
                to_status: Some(status.as_str().into()),
                note: None,
                data: serde_json::json!({
                    "category": category.code,
                    "department": decision.department,
                    "urgency": decision.urgency.as_str(),
                    "channel": channel.as_str(),
                    "routing": decision.route,
                    "triage": decision.triage,
                })
                .to_string(),
                created_at: now,
            },
        };
        let result = self.write_filing(filing).await;
        let number = match result {
            Ok(n) => n,
            Err(e) => {
                self.discard_media(&stored_media).await;
                return Err(e);
            }
        };
        let department_name = snapshot
            .departments
            .iter()
            .find(|d| d.code == decision.department)
            .map(|d| d.name.clone());
        tracing::info!(
            jurisdiction = %jurisdiction.id,
            case = %number,
            service = %category.code,
            channel = channel.as_str(),
            "case filed"
        );
        Ok(FiledCase {
            case_id,
            case_number: number.to_string(),
            service_type: category.service_type,
            token,
            password,
            category,
            department_name,
            emergency: crate::domain::rules::emergency(description),
        })
    }
}
