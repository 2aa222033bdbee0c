//! The Open311 resources: each handler reads parameters, calls one service function and builds
//! the document. Cases and updates arrive as the public view of `crate::public`, the one
//! place personal data is removed; nothing here reads a case's own fields.

use super::ApiError;
use super::params::{MAX_PAGE_SIZE, Params, search, updates_window};
use super::tree::Node;
use crate::domain::lifecycle::{CaseStatus, Open311Status};
use crate::doors::CasesState;
use crate::intake::{Channel, Filer, NewReport};
use crate::public::PublicCase;
use crate::store::cases::Reporter;
use crate::updates::ClientUpdate;
use axum::http::StatusCode;
use domain::catalog::{Category, Jurisdiction};
use domain::category::ServiceType;
use domain::datetime::format_unix;
use domain::geo::Point;
use domain::{Locale, Localized, Message};
use webkit::i18n;

type Doc = Result<(&'static str, Node), ApiError>;

pub struct Ctx<'a> {
    pub state: &'a CasesState,
    pub params: &'a Params,
    pub locale: Locale,
    /// The client's address, for the filing limits.
    pub client_addr: &'a str,
}

/// Every parameter the read resources look at (the language apart): the micro-cache keys an
/// answer by these alone, so parameters nobody reads do not make new entries.
pub const READ_PARAMS: &[&str] = &[
    "jurisdiction_id",
    "lat",
    "long",
    "radius",
    "service_code",
    "service_request_id",
    "status",
    "start_date",
    "end_date",
    "updated_after",
    "updated_before",
    "page",
    "page_size",
    "extensions",
];

fn loc(l: Locale, t: &Localized) -> Node {
    Node::str(t.get(l))
}

impl Ctx<'_> {
    fn tr(&self, id: &str, args: &[(&str, String)]) -> String {
        i18n::tr(self.locale, id, args)
    }

    async fn jurisdiction(&self, from_path: Option<&str>) -> Result<Jurisdiction, ApiError> {
        let named = from_path.or(self.params.get("jurisdiction_id"));
        Ok(self.state.platform.resolve_jurisdiction(named).await?)
    }

    fn base_url(&self, j: Option<&Jurisdiction>) -> String {
        let base = self.state.platform.config().public_base().to_string();
        match j {
            Some(j) => format!("{base}/open311/v2/{}/", j.id),
            None => format!("{base}/open311/v2/"),
        }
    }

    pub async fn discovery(&self, path_j: Option<&str>) -> Doc {
        let j = self.jurisdiction(path_j).await?;
        let list = self.state.platform.services(&j, None).await?;
        let changeset = Node::str(format_unix(list.changeset));
        let formats = || {
            Node::List(
                "format",
                vec![Node::str("text/xml"), Node::str("application/json")],
            )
        };
        let endpoint = |url: String| {
            Node::Obj(vec![
                (
                    "specification",
                    Node::str("http://wiki.open311.org/GeoReport_v2"),
                ),
                ("url", Node::Str(url)),
                ("changeset", changeset.clone()),
                ("type", Node::str("production")),
                ("formats", formats()),
            ])
        };
        Ok((
            "discovery",
            Node::Obj(vec![
                ("changeset", changeset.clone()),
                ("contact", Node::str(&j.contact)),
                ("key_service", Node::str(&j.key_service)),
                (
                    "endpoints",
                    Node::List(
                        "endpoint",
                        vec![
                            endpoint(self.base_url(Some(&j))),
                            endpoint(self.base_url(None)),
                        ],
                    ),
                ),
            ]),
        ))
    }

    pub async fn services(&self, path_j: Option<&str>) -> Doc {
        let j = self.jurisdiction(path_j).await?;
        let point = Point::parse_pair(self.params.get("lat"), self.params.get("long"))
            .map_err(|e| ApiError::bad_request(e.message()))?;
        let list = self.state.platform.services(&j, point).await?;
        Ok((
            "services",
            Node::List(
                "service",
                list.categories
                    .iter()
                    .map(|c| self.service_node(c))
                    .collect(),
            ),
        ))
    }

    fn service_node(&self, c: &Category) -> Node {
        let l = self.locale;
        Node::Obj(vec![
            ("service_code", Node::str(&c.code)),
            ("service_name", loc(l, &c.name)),
            ("description", loc(l, &c.description)),
            ("metadata", Node::Bool(c.has_metadata())),
            ("type", Node::str(c.service_type.as_str())),
            ("keywords", Node::str(&c.keywords)),
            ("group", loc(l, &c.group)),
        ])
    }

    pub async fn definition(&self, path_j: Option<&str>, code: &str) -> Doc {
        let j = self.jurisdiction(path_j).await?;
        let c = self.state.platform.service(&j, code).await?;
        let l = self.locale;
        let mut attrs = c.attributes.clone();
        attrs.sort_by_key(|a| a.order);
        let attributes = attrs
            .iter()
            .map(|a| {
                Node::Obj(vec![
                    ("variable", Node::Bool(a.variable)),
                    ("code", Node::str(&a.code)),
                    ("datatype", Node::str(a.datatype.as_str())),
                    ("required", Node::Bool(a.required)),
                    ("datatype_description", loc(l, &a.datatype_description)),
                    ("order", Node::Int(i64::from(a.order))),
                    ("description", loc(l, &a.description)),
                    (
                        "values",
                        Node::List(
                            "value",
                            a.values
                                .iter()
                                .map(|v| {
                                    Node::Obj(vec![
                                        ("key", Node::str(&v.key)),
                                        ("name", loc(l, &v.name)),
                                    ])
                                })
                                .collect(),
                        ),
                    ),
                ])
            })
            .collect();
        Ok((
            "service_definition",
            Node::Obj(vec![
                ("service_code", Node::str(&c.code)),
                ("attributes", Node::List("attribute", attributes)),
            ]),
        ))
    }

    pub async fn requests(&self, path_j: Option<&str>) -> Doc {
        let j = self.jurisdiction(path_j).await?;
        let q = search(self.params, self.state.platform.now())?;
        let extensions = q.with_events;
        let records = self.state.cases.search_cases(&j, q).await?;
        Ok((
            "service_requests",
            Node::List(
                "request",
                records
                    .iter()
                    .map(|r| self.request_node(r, extensions))
                    .collect(),
            ),
        ))
    }

    pub async fn request(&self, path_j: Option<&str>, id: &str) -> Doc {
        let j = self.jurisdiction(path_j).await?;
        let extensions = self
            .params
            .get("extensions")
            .is_some_and(|v| v.eq_ignore_ascii_case("true"));
        let record = self.state.cases.public_case(&j, id, extensions).await?;
        Ok((
            "service_requests",
            Node::List("request", vec![self.request_node(&record, extensions)]),
        ))
    }

    /// One request. `c` is already the public view (`crate::public`): this only renders.
    fn request_node(&self, c: &PublicCase, extensions: bool) -> Node {
        let l = self.locale;
        let status = CaseStatus::parse(&c.status).map_or(Open311Status::Open, CaseStatus::open311);
        let pick = |zh: &Option<String>, en: &Option<String>| match (l, en) {
            (Locale::En, Some(en)) if !en.is_empty() => Some(en.clone()),
            _ => zh.clone(),
        };
        let mut fields = vec![
            ("service_request_id", Node::str(&c.case_number)),
            ("status", Node::str(status.as_str())),
            ("status_notes", Node::opt(c.status_notes.clone())),
            (
                "service_name",
                Node::opt(pick(&c.category_name_zh, &c.category_name_en)),
            ),
            ("service_code", Node::str(&c.category_code)),
            ("description", Node::str(&c.description)),
            (
                "agency_responsible",
                Node::opt(pick(&c.department_name_zh, &c.department_name_en)),
            ),
            ("service_notice", Node::Null),
            ("requested_datetime", Node::Str(format_unix(c.requested_at))),
            ("updated_datetime", Node::Str(format_unix(c.updated_at))),
            (
                "expected_datetime",
                Node::opt(c.expected_at.map(format_unix)),
            ),
            ("address", Node::opt(c.address.clone())),
            // An address id names one household in an address register: never public.
            ("address_id", Node::Null),
            (
                "zipcode",
                Node::opt(c.zipcode.clone().or_else(|| c.district_code.clone())),
            ),
            ("lat", c.point.map_or(Node::Null, |p| Node::Num(p.lat))),
            ("long", c.point.map_or(Node::Null, |p| Node::Num(p.lon))),
            ("media_url", Node::opt(c.media_urls.first().cloned())),
        ];
        if extensions {
            let attributes = c
                .answers
                .iter()
                .flat_map(|a| a.values.iter().map(move |v| (a.code.clone(), v.clone())))
                .map(|(code, value)| {
                    Node::Obj(vec![("code", Node::Str(code)), ("value", Node::Str(value))])
                })
                .collect();
            let photos = c
                .media_urls
                .iter()
                .map(|m| Node::Obj(vec![("media_url", Node::str(m))]))
                .collect();
            fields.push(("attributes", Node::List("attribute", attributes)));
            fields.push((
                "extended_attributes",
                Node::Obj(vec![
                    ("channel", Node::str(&c.channel)),
                    ("district", Node::opt(c.district_code.clone())),
                    ("urgency", Node::str(&c.urgency)),
                    ("workflow_status", Node::str(&c.status)),
                    ("outcome", Node::opt(c.outcome.clone())),
                    ("photos", Node::List("photo", photos)),
                ]),
            ));
            let notes = c
                .notes
                .iter()
                .map(|e| {
                    let summary = self.tr(&format!("event-{}", e.kind), &[]);
                    let description = e.note.clone().unwrap_or_else(|| summary.clone());
                    Node::Obj(vec![
                        ("datetime", Node::Str(format_unix(e.created_at))),
                        ("type", Node::str(&e.kind)),
                        ("summary", Node::Str(summary)),
                        ("description", Node::Str(description)),
                    ])
                })
                .collect();
            fields.push(("notes", Node::List("note", notes)));
        }
        Node::Obj(fields)
    }

    pub async fn token(&self, path_j: Option<&str>, token: &str) -> Doc {
        let j = self.jurisdiction(path_j).await?;
        let number = self.state.cases.case_number_for_token(&j, token).await?;
        Ok((
            "service_requests",
            Node::List(
                "request",
                vec![Node::Obj(vec![
                    ("service_request_id", Node::Str(number)),
                    ("token", Node::str(token)),
                ])],
            ),
        ))
    }

    /// The client behind the api_key, checked against any jurisdiction the request names.
    async fn client_jurisdiction(
        &self,
        path_j: Option<&str>,
    ) -> Result<(identity::api_keys::ApiClient, Jurisdiction), ApiError> {
        let client = self
            .state
            .identity
            .authenticate_api_key(self.params.get("api_key"))
            .await?;
        if let Some(named) = path_j.or(self.params.get("jurisdiction_id")).map(str::trim) {
            self.state.platform.jurisdiction(named).await?;
            if named != client.jurisdiction_id {
                return Err(ApiError::new(
                    StatusCode::FORBIDDEN,
                    Message::new("error-api-key-jurisdiction").arg("jurisdiction", named),
                ));
            }
        }
        let j = self
            .state
            .platform
            .jurisdiction(&client.jurisdiction_id)
            .await?;
        Ok((client, j))
    }

    pub async fn create(&self, path_j: Option<&str>) -> Doc {
        let (client, j) = self.client_jurisdiction(path_j).await?;
        self.state
            .platform
            .count_client_filing(&client.id, self.client_addr)
            .await?;
        let p = self.params;
        // The photos come back into memory only now, one processing slot at a time.
        let received = self.state.uploads.read_back(&p.files).await?;
        let mut media_urls = p.all("media_url");
        media_urls.extend(p.all("media_url[]"));
        let report = NewReport {
            service_code: p.owned("service_code"),
            lat: p.owned("lat"),
            long: p.owned("long"),
            address: p.owned("address_string"),
            address_id: p.owned("address_id"),
            zipcode: p.owned("zipcode"),
            description: p.owned("description"),
            attributes: p.attributes(),
            media_urls,
            media: received.files,
            reporter: Reporter {
                email: p.owned("email"),
                phone: p.owned("phone"),
                first_name: p.owned("first_name"),
                last_name: p.owned("last_name"),
                device_id: p.owned("device_id").or_else(|| p.owned("deviceid")),
                account_id: None,
                // The client's own name for its user, never one of our accounts.
                client_reference: p.owned("account_id"),
            },
        };
        let filed = self
            .state
            .cases
            .file_case(
                &j,
                &Filer::ApiClient {
                    id: client.id.clone(),
                },
                Channel::Open311,
                report,
            )
            .await?;
        let department = filed
            .department_name
            .as_ref()
            .map(|n| n.get(self.locale).to_string())
            .unwrap_or_default();
        let notice = match filed.service_type {
            ServiceType::Realtime => self.tr(
                "notice-case-filed",
                &[
                    ("number", filed.case_number.clone()),
                    ("password", filed.password.clone()),
                    ("department", department),
                ],
            ),
            ServiceType::Batch => self.tr(
                "notice-case-filed-batch",
                &[
                    ("password", filed.password.clone()),
                    ("department", department),
                ],
            ),
            ServiceType::Blackbox => self.tr("notice-case-filed-blackbox", &[]),
        };
        let mut fields = Vec::new();
        match filed.service_type {
            ServiceType::Realtime => {
                fields.push(("service_request_id", Node::Str(filed.case_number)))
            }
            ServiceType::Batch => fields.push(("token", Node::opt(filed.token))),
            ServiceType::Blackbox => {}
        }
        fields.push(("service_notice", Node::Str(notice)));
        fields.push(("account_id", Node::opt(p.owned("account_id"))));
        Ok((
            "service_requests",
            Node::List("request", vec![Node::Obj(fields)]),
        ))
    }

    pub async fn updates(&self, path_j: Option<&str>) -> Doc {
        let j = self.jurisdiction(path_j).await?;
        let (from, to) = updates_window(self.params, self.state.platform.now())?;
        // Not in mySociety's specification, but handy and harmless: one case's updates.
        let updates = match self.params.list("service_request_id") {
            Some(numbers) => {
                self.state
                    .cases
                    .public_updates_of(&j, &numbers, from, to, MAX_PAGE_SIZE)
                    .await?
            }
            None => {
                self.state
                    .cases
                    .public_updates(&j, from, to, MAX_PAGE_SIZE)
                    .await?
            }
        };
        let items = updates
            .iter()
            .map(|u| {
                let description = u
                    .note
                    .clone()
                    .unwrap_or_else(|| self.tr(&format!("event-{}", u.kind), &[]));
                Node::Obj(vec![
                    ("update_id", Node::str(&u.id)),
                    ("service_request_id", Node::str(&u.case_number)),
                    ("status", Node::str(u.status)),
                    ("updated_datetime", Node::Str(format_unix(u.created_at))),
                    ("description", Node::Str(description)),
                    (
                        "media_url",
                        Node::Str(u.media_urls.first().cloned().unwrap_or_default()),
                    ),
                    ("external_status_code", Node::opt(u.to_status.clone())),
                ])
            })
            .collect();
        Ok((
            "service_request_updates",
            Node::List("request_update", items),
        ))
    }

    pub async fn post_update(&self, path_j: Option<&str>) -> Doc {
        let (client, j) = self.client_jurisdiction(path_j).await?;
        let p = self.params;
        let update = ClientUpdate {
            service_request_id: p.owned("service_request_id"),
            update_id: p.owned("update_id").or_else(|| p.owned("update_id_ext")),
            status: p.owned("status"),
            updated_datetime: p.owned("updated_datetime"),
            description: p.owned("description"),
            media_urls: p.all("media_url"),
        };
        let event = self
            .state
            .cases
            .post_client_update(&j, &client.id, update)
            .await?;
        Ok((
            "service_request_updates",
            Node::List(
                "request_update",
                vec![Node::Obj(vec![
                    ("update_id", Node::Str(event.event.id)),
                    ("account_id", Node::opt(p.owned("account_id"))),
                ])],
            ),
        ))
    }
}
