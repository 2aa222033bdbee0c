//! A citizen's applications: starting one (pre-filled from their verified identity), saving
//! the draft, adding documents, submitting with the PDPA consent, answering a correction,
//! withdrawing, and following it.

use super::change::{Step, Tell};
use super::{
    Application, CounterApp, Document, MAX_DOCUMENT_BYTES, MAX_DOCUMENTS, Result, new_id,
    not_found, unknown_service,
};
use crate::domain::application::{self, Action, Role, State};
use crate::domain::catalogue::{Pickup, Service};
use crate::domain::forms::{self, FieldError, FieldKind, Form, Prefill, Strictness};
use crate::store;
use domain::Message;
use platform::ServiceError;
use platform::authz::Actor;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;

/// An application with what its applicant sees of it.
#[derive(Debug, Clone)]
pub struct ApplicationView {
    pub application: Application,
    pub service: Service,
    /// The form at the version the application was filed under (or the draft's).
    pub form: Form,
    pub events: Vec<super::ApplicationEvent>,
    pub documents: Vec<Document>,
}

fn citizen(actor: &Actor) -> Result<&str> {
    if !actor.is_citizen() {
        return Err(ServiceError::Forbidden(Message::new(
            "counter-error-citizens-apply",
        )));
    }
    actor.account()
}

/// Field problems as one refusal, each naming its field.
pub(crate) fn field_errors(errors: Vec<FieldError>) -> ServiceError {
    ServiceError::Invalid(
        errors
            .into_iter()
            .map(|e| {
                let mut m = e.message;
                if !m.args.iter().any(|(k, _)| *k == "field") {
                    m = m.arg("field", e.field);
                }
                m
            })
            .collect(),
    )
}

impl CounterApp {
    /// The services citizens may apply for now, in catalogue order.
    pub async fn services(&self, jurisdiction_id: &str) -> Result<Vec<Service>> {
        Ok(self
            .catalogue(jurisdiction_id)
            .await?
            .services
            .iter()
            .filter(|s| s.active)
            .cloned()
            .collect())
    }

    /// One active service with its form in force.
    pub async fn service(&self, jurisdiction_id: &str, code: &str) -> Result<(Service, Form)> {
        let c = self.catalogue(jurisdiction_id).await?;
        let s = c
            .service(code)
            .filter(|s| s.active)
            .ok_or_else(unknown_service)?;
        let (form, _) = c.form(&s.form).ok_or_else(unknown_service)?;
        Ok((s.clone(), form.clone()))
    }

    /// A citizen starts an application: a draft at the form in force, with the fields their
    /// verified identity holds filled in. The service's assurance level is asked first.
    pub async fn start_application(
        &self,
        actor: &Actor,
        service_code: &str,
        office_code: &str,
        pickup: &str,
    ) -> Result<Application> {
        let me = citizen(actor)?;
        let j = actor.jurisdiction_id.as_str();
        let c = self.catalogue(j).await?;
        let service = c
            .service(service_code)
            .filter(|s| s.active)
            .ok_or_else(unknown_service)?;
        self.identity
            .require_assurance(actor, service.assurance.level())
            .await?;
        if !service.offices.iter().any(|o| o == office_code) {
            return Err(ServiceError::invalid(Message::new("counter-error-office")));
        }
        let pickup = Pickup::parse(pickup)
            .filter(|p| service.offers(*p))
            .ok_or_else(|| ServiceError::invalid(Message::new("counter-error-pickup")))?;
        let (form, version) = c.form(&service.form).ok_or_else(unknown_service)?;
        let answers = self.prefill(j, me, form).await?;
        let now = self.now();
        let calendar = self.calendar(j).await?;
        let day = calendar.local_date(now);
        let mut tx = self.platform.db.begin().await?;
        // The office's initials: offices that share them share the day's sequence, so a number
        // is unique in the jurisdiction.
        let prefix: String = office_code
            .split('-')
            .filter_map(|p| p.chars().next())
            .collect();
        let seq =
            store::sequences::next(&mut tx, j, &format!("app:{prefix}"), &day.to_string()).await?;
        let app = Application {
            id: new_id(),
            jurisdiction_id: j.to_string(),
            number: application::number(&prefix, day, u32::try_from(seq).unwrap_or(u32::MAX)),
            service_code: service.code.clone(),
            office_code: office_code.to_string(),
            applicant_id: me.to_string(),
            form_key: form.key.clone(),
            form_version: *version,
            answers,
            consent_version: None,
            consented_at: None,
            state: State::Draft,
            version: 1,
            pickup: pickup.as_str().to_string(),
            copies: 1,
            fee: service.fee.amount(1),
            payment_id: None,
            paid_at: None,
            due_at: None,
            correction: None,
            reason: None,
            place: None,
            door_id: None,
            picked_up_by: None,
            picked_up_how: None,
            picked_up_where: None,
            submitted_at: None,
            decided_at: None,
            issued_at: None,
            picked_up_at: None,
            created_at: now,
            updated_at: now,
        };
        store::applications::insert(&mut tx, &app).await?;
        store::events::append(
            &mut tx,
            j,
            &[store::events::NewEvent {
                id: new_id(),
                application_id: app.id.clone(),
                kind: "created".into(),
                actor: actor.label.clone(),
                from_state: None,
                to_state: Some(State::Draft.as_str().into()),
                data: serde_json::json!({ "form_version": version, "prefilled": app.answers.keys().collect::<Vec<_>>() }).to_string(),
                created_at: now,
            }],
        )
        .await?;
        tx.commit().await?;
        Ok(app)
    }

    /// What the applicant's verified identity fills in: the name and ID number only once a
    /// real name is proved (a city login or MyData), the mobile and e-mail once verified.
    async fn prefill(&self, j: &str, me: &str, form: &Form) -> Result<BTreeMap<String, String>> {
        let account = self.identity.account_in(j, me).await?;
        let real_name =
            self.identity.assurance(me).await? >= identity::domain::city_login::Assurance::RealName;
        let verified = account.verified_at.is_some();
        let mut out = BTreeMap::new();
        for f in &form.fields {
            let value = match f.prefill {
                Some(Prefill::Name) if real_name => Some(account.display_name.clone()),
                Some(Prefill::NationalId) if real_name => account.national_id.clone(),
                Some(Prefill::Mobile) if verified => account
                    .mobile
                    .as_deref()
                    .and_then(|m| domain::identity::Mobile::parse(m).ok())
                    .map(|m| m.national()),
                Some(Prefill::Email) if verified => account.email.clone(),
                _ => None,
            };
            if let Some(v) = value.filter(|v| !v.is_empty()) {
                out.insert(f.key.clone(), v);
            }
        }
        Ok(out)
    }

    /// An application of the signed-in citizen (someone else's is not found).
    async fn mine(&self, actor: &Actor, id: &str) -> Result<Application> {
        let me = citizen(actor)?;
        store::applications::find(&self.platform.db, id)
            .await?
            .filter(|a| a.applicant_id == me && a.jurisdiction_id == actor.jurisdiction_id)
            .ok_or_else(not_found)
    }

    /// The answers checked against the application's form, with every file answer naming a
    /// document uploaded to this application for that field.
    async fn checked_answers(
        &self,
        app: &Application,
        form: &Form,
        input: &BTreeMap<String, String>,
        strictness: Strictness,
    ) -> Result<BTreeMap<String, String>> {
        let clean = forms::validate(form, input, strictness).map_err(field_errors)?;
        let docs = store::documents::of_application(&self.platform.db, &app.id).await?;
        let mut errors = Vec::new();
        for f in form.fields.iter().filter(|f| f.kind == FieldKind::File) {
            if let Some(v) = clean.get(&f.key)
                && !docs.iter().any(|d| &d.id == v && d.field_key == f.key)
            {
                errors.push(FieldError {
                    field: f.key.clone(),
                    message: Message::new("counter-error-field-file")
                        .arg("field", f.label.zh.clone()),
                });
            }
        }
        if errors.is_empty() {
            Ok(clean)
        } else {
            Err(field_errors(errors))
        }
    }

    /// One of the citizen's applications in `state` (else 409 with `refused`), the form it was
    /// filed under, and its answers with `input` over them.
    async fn editable(
        &self,
        actor: &Actor,
        id: &str,
        state: State,
        refused: &'static str,
        input: BTreeMap<String, String>,
    ) -> Result<(Application, Form, BTreeMap<String, String>)> {
        let app = self.mine(actor, id).await?;
        if app.state != state {
            return Err(ServiceError::Conflict(Message::new(refused)));
        }
        let form = self
            .form_at(&app.jurisdiction_id, &app.form_key, app.form_version)
            .await?;
        let mut merged = app.answers.clone();
        merged.extend(input);
        Ok((app, form, merged))
    }

    /// Saves a draft's answers (what is given must be well formed; nothing is required yet).
    pub async fn save_draft(
        &self,
        actor: &Actor,
        id: &str,
        input: BTreeMap<String, String>,
    ) -> Result<Application> {
        let (mut app, form, merged) = self
            .editable(actor, id, State::Draft, "counter-error-not-draft", input)
            .await?;
        app.answers = self
            .checked_answers(&app, &form, &merged, Strictness::Draft)
            .await?;
        let now = self.now();
        let mut tx = self.platform.db.begin().await?;
        self.note_in(
            &mut tx,
            &mut app,
            "draft_saved",
            &actor.label,
            serde_json::json!({}),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(app)
    }

    /// Adds a document to a draft or to an application waiting for a correction, for one of
    /// its form's file fields. Only a PDF, JPEG or PNG (by its content) of at most 5 MB.
    pub async fn add_document(
        &self,
        actor: &Actor,
        id: &str,
        field_key: &str,
        body: Vec<u8>,
    ) -> Result<Document> {
        let mut app = self.mine(actor, id).await?;
        if !matches!(app.state, State::Draft | State::NeedsCorrection) {
            return Err(ServiceError::Conflict(Message::new(
                "counter-error-not-draft",
            )));
        }
        let form = self
            .form_at(&app.jurisdiction_id, &app.form_key, app.form_version)
            .await?;
        let field = form
            .field(field_key)
            .filter(|f| f.kind == FieldKind::File)
            .ok_or_else(|| ServiceError::invalid(Message::new("counter-error-field-unknown")))?;
        if body.len() > MAX_DOCUMENT_BYTES {
            return Err(ServiceError::TooLarge(Message::new(
                "counter-error-document-size",
            )));
        }
        let kind = forms::sniff(&body)
            .filter(|k| forms::accepts(field, *k))
            .ok_or_else(|| {
                ServiceError::invalid(
                    Message::new("counter-error-document-kind")
                        .arg("field", field.label.zh.clone()),
                )
            })?;
        let docs = store::documents::of_application(&self.platform.db, &app.id).await?;
        if docs.len() >= MAX_DOCUMENTS {
            return Err(ServiceError::invalid(Message::new(
                "counter-error-document-count",
            )));
        }
        let now = self.now();
        let doc = Document {
            id: new_id(),
            application_id: app.id.clone(),
            field_key: field.key.clone(),
            kind: kind.as_str().to_string(),
            size: i64::try_from(body.len()).unwrap_or(i64::MAX),
            sha256: hex::encode(Sha256::digest(&body)),
            created_at: now,
        };
        app.answers.insert(field.key.clone(), doc.id.clone());
        let mut tx = self.platform.db.begin().await?;
        store::documents::insert(&mut tx, &doc, body).await?;
        self.note_in(
            &mut tx,
            &mut app,
            "document_added",
            &actor.label,
            serde_json::json!({ "field": doc.field_key, "kind": doc.kind, "size": doc.size, "sha256": doc.sha256 }),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(doc)
    }

    /// Submits a draft: every required field answered, the PDPA notice of the form in force
    /// consented to (its version is recorded), the fee fixed from the copies asked. A form
    /// changed since the draft began is the one the application is filed under.
    pub async fn submit(
        &self,
        actor: &Actor,
        id: &str,
        input: BTreeMap<String, String>,
        consent: bool,
    ) -> Result<Application> {
        let mut app = self.mine(actor, id).await?;
        if app.state != State::Draft {
            return Err(ServiceError::Conflict(Message::new(
                "counter-error-not-draft",
            )));
        }
        let c = self.catalogue(&app.jurisdiction_id).await?;
        let service = c
            .service(&app.service_code)
            .filter(|s| s.active)
            .ok_or_else(unknown_service)?
            .clone();
        self.identity
            .require_assurance(actor, service.assurance.level())
            .await?;
        let (form, version) = c.form(&service.form).cloned().ok_or_else(unknown_service)?;
        let mut merged = app.answers.clone();
        merged.extend(input);
        app.answers = self
            .checked_answers(&app, &form, &merged, Strictness::Submit)
            .await?;
        if !consent {
            return Err(ServiceError::invalid(Message::new("counter-error-consent")));
        }
        let now = self.now();
        let copies = app
            .answers
            .get("copies")
            .and_then(|c| c.parse::<u32>().ok())
            .unwrap_or(1)
            .clamp(1, crate::domain::fee::MAX_COPIES);
        app.form_version = version;
        app.consent_version = Some(version);
        app.consented_at = Some(now);
        app.copies = i64::from(copies);
        app.fee = service.fee.amount(copies);
        app.submitted_at = Some(now);
        let fee = app.fee;
        let mut tx = self.platform.db.begin().await?;
        self.step_in(
            &mut tx,
            &mut app,
            Step {
                action: Action::Submit,
                role: Role::Applicant,
                actor: &actor.label,
                data: serde_json::json!({ "form_version": version, "consent_version": version, "fee": fee, "copies": copies }),
            },
            now,
        )
        .await?;
        let due = app.due_at.unwrap_or(now);
        self.tell_in(
            &mut tx,
            &app,
            Tell {
                template: "counter_submitted",
                vars: serde_json::json!({ "fee": app.fee, "due_date": self.local_day(&app.jurisdiction_id, due).await? }),
                sms_to: None,
                urgent: false,
            },
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(app)
    }

    /// Answers a correction (補正): the answers checked again; the review clock resumes.
    pub async fn correct(
        &self,
        actor: &Actor,
        id: &str,
        input: BTreeMap<String, String>,
    ) -> Result<Application> {
        let (mut app, form, merged) = self
            .editable(
                actor,
                id,
                State::NeedsCorrection,
                "counter-error-no-correction",
                input,
            )
            .await?;
        let before = app.answers.clone();
        app.answers = self
            .checked_answers(&app, &form, &merged, Strictness::Submit)
            .await?;
        let changed: Vec<&String> = app
            .answers
            .iter()
            .filter(|(k, v)| before.get(*k) != Some(*v))
            .map(|(k, _)| k)
            .collect();
        let data = serde_json::json!({ "changed": changed });
        let now = self.now();
        let mut tx = self.platform.db.begin().await?;
        self.step_in(
            &mut tx,
            &mut app,
            Step {
                action: Action::Correct,
                role: Role::Applicant,
                actor: &actor.label,
                data,
            },
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(app)
    }

    /// Withdraws an application not yet issued. A draft is withdrawn too (kept, as withdrawn).
    pub async fn withdraw(&self, actor: &Actor, id: &str) -> Result<Application> {
        let mut app = self.mine(actor, id).await?;
        let now = self.now();
        let mut tx = self.platform.db.begin().await?;
        self.step_in(
            &mut tx,
            &mut app,
            Step {
                action: Action::Withdraw,
                role: Role::Applicant,
                actor: &actor.label,
                data: serde_json::json!({}),
            },
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(app)
    }

    /// The signed-in citizen's applications, newest first.
    pub async fn my_applications(
        &self,
        actor: &Actor,
    ) -> Result<Vec<(Application, Option<Service>)>> {
        let me = citizen(actor)?;
        let c = self.catalogue(&actor.jurisdiction_id).await?;
        Ok(
            store::applications::of_applicant(&self.platform.db, me, 200)
                .await?
                .into_iter()
                .map(|a| {
                    let s = c.service(&a.service_code).cloned();
                    (a, s)
                })
                .collect(),
        )
    }

    /// One of the signed-in citizen's applications, with its history and documents.
    pub async fn my_application(&self, actor: &Actor, id: &str) -> Result<ApplicationView> {
        let app = self.mine(actor, id).await?;
        self.view_of(app).await
    }

    pub(crate) async fn view_of(&self, app: Application) -> Result<ApplicationView> {
        let c = self.catalogue(&app.jurisdiction_id).await?;
        let service = c
            .service(&app.service_code)
            .cloned()
            .ok_or_else(unknown_service)?;
        let form = self
            .form_at(&app.jurisdiction_id, &app.form_key, app.form_version)
            .await?;
        let db = &self.platform.db;
        Ok(ApplicationView {
            events: store::events::of_application(db, &app.id).await?,
            documents: store::documents::of_application(db, &app.id).await?,
            application: app,
            service,
            form,
        })
    }

    /// A document of one of the citizen's applications: its kind and bytes.
    pub async fn my_document(
        &self,
        actor: &Actor,
        id: &str,
        document: &str,
    ) -> Result<(String, Vec<u8>)> {
        let app = self.mine(actor, id).await?;
        store::documents::body(&self.platform.db, &app.id, document)
            .await?
            .ok_or_else(not_found)
    }

    /// A local date (`YYYY-MM-DD`) of an instant in the jurisdiction.
    pub(crate) async fn local_day(&self, jurisdiction_id: &str, at: i64) -> Result<String> {
        Ok(self
            .calendar(jurisdiction_id)
            .await?
            .local_date(at)
            .to_string())
    }
}
