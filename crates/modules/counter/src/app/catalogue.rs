//! The catalogue: installing one (the shipped Taitung catalogue, or a file), and the
//! administrators' edits of services and forms. A form edit adds a version; applications keep
//! the version they were filed under.

use super::{CounterApp, Result, unknown_service};
use crate::domain::catalogue::{self, Catalogue, Service};
use crate::domain::forms::Form;
use crate::domain::reservations::Rules;
use crate::module::MANAGE_COUNTER;
use crate::store;
use domain::Message;
use platform::ServiceError;
use platform::audit::{self, Subject};
use platform::authz::{Actor, Target};

fn catalogue_subject(j: &str) -> Subject<'_> {
    Subject {
        kind: "counter_catalogue",
        id: j,
        data_subject: None,
    }
}

impl CounterApp {
    /// Installs a catalogue in a jurisdiction: its offices (with the default booking rules),
    /// a first version of each form it does not have, and its services, in one transaction.
    pub(crate) async fn install(
        &self,
        jurisdiction_id: &str,
        c: &Catalogue,
        by: &str,
    ) -> Result<()> {
        let now = self.now();
        let mut tx = self.platform.db.begin().await?;
        let existing: Vec<String> = store::catalogue::latest_forms(&mut tx, jurisdiction_id)
            .await?
            .into_iter()
            .map(|(f, _)| f.key)
            .collect();
        for o in &c.offices {
            store::catalogue::upsert_office(&mut tx, jurisdiction_id, o, Rules::DEFAULT).await?;
        }
        for f in c.forms.iter().filter(|f| !existing.contains(&f.key)) {
            store::catalogue::add_form_version(&mut tx, jurisdiction_id, f, by, now).await?;
        }
        for (i, s) in c.services.iter().enumerate() {
            let position = i64::try_from(i).unwrap_or(i64::MAX);
            store::catalogue::upsert_service(&mut tx, jurisdiction_id, position, s, by, now)
                .await?;
        }
        tx.commit().await?;
        self.catalogue_changed();
        Ok(())
    }

    /// An administrator installs a catalogue file (TOML, as `data/catalogue/taitung.toml`):
    /// services and offices are replaced by code, forms get a new version where they changed.
    pub async fn import_catalogue(&self, actor: &Actor, text: &str) -> Result<usize> {
        actor.require(MANAGE_COUNTER, Target::Jurisdiction)?;
        let c = catalogue::parse(text).map_err(|e| ServiceError::invalid(e.message()))?;
        let now = self.now();
        let j = actor.jurisdiction_id.as_str();
        let current = self.catalogue(j).await?;
        let mut tx = self.platform.db.begin().await?;
        for o in &c.offices {
            let rules = current.office(&o.code).map_or(Rules::DEFAULT, |(_, r)| *r);
            store::catalogue::upsert_office(&mut tx, j, o, rules).await?;
        }
        for f in &c.forms {
            if current.form(&f.key).is_none_or(|(old, _)| old != f) {
                store::catalogue::add_form_version(&mut tx, j, f, &actor.label, now).await?;
            }
        }
        let base = i64::try_from(current.services.len()).unwrap_or(0);
        for (i, s) in c.services.iter().enumerate() {
            let position = base + i64::try_from(i).unwrap_or(0);
            store::catalogue::upsert_service(&mut tx, j, position, s, &actor.label, now).await?;
        }
        audit::record(
            &mut tx,
            actor,
            "counter.catalogue_imported",
            catalogue_subject(j),
            None,
            serde_json::json!({ "services": c.services.len(), "forms": c.forms.len() }),
            now,
        )
        .await?;
        tx.commit().await?;
        self.catalogue_changed();
        Ok(c.services.len())
    }

    /// An administrator saves a service (new or changed): every rule of the catalogue is
    /// checked against the forms and offices in force.
    pub async fn save_service(&self, actor: &Actor, service: Service) -> Result<()> {
        actor.require(MANAGE_COUNTER, Target::Jurisdiction)?;
        let j = actor.jurisdiction_id.as_str();
        let current = self.catalogue(j).await?;
        let mut whole = Catalogue {
            offices: current.offices.iter().map(|(o, _)| o.clone()).collect(),
            forms: current.forms.iter().map(|(f, _)| f.clone()).collect(),
            services: current.services.clone(),
        };
        let position = match whole.services.iter().position(|s| s.code == service.code) {
            Some(i) => {
                whole.services[i] = service.clone();
                i
            }
            None => {
                whole.services.push(service.clone());
                whole.services.len() - 1
            }
        };
        whole
            .check()
            .map_err(|e| ServiceError::invalid(e.message()))?;
        let now = self.now();
        let mut tx = self.platform.db.begin().await?;
        store::catalogue::upsert_service(
            &mut tx,
            j,
            i64::try_from(position).unwrap_or(i64::MAX),
            &service,
            &actor.label,
            now,
        )
        .await?;
        audit::record(
            &mut tx,
            actor,
            "counter.service_saved",
            catalogue_subject(j),
            None,
            serde_json::json!({ "service": service.code, "active": service.active }),
            now,
        )
        .await?;
        tx.commit().await?;
        self.catalogue_changed();
        Ok(())
    }

    /// A service by its code, for an administrator.
    pub async fn service_for_admin(&self, actor: &Actor, code: &str) -> Result<Service> {
        actor.require(MANAGE_COUNTER, Target::Jurisdiction)?;
        self.catalogue(&actor.jurisdiction_id)
            .await?
            .service(code)
            .cloned()
            .ok_or_else(unknown_service)
    }

    /// An administrator saves a form: checked, then stored as its next version (the same
    /// definition saved again adds nothing). Returns the version in force.
    pub async fn save_form(&self, actor: &Actor, form: Form) -> Result<i64> {
        actor.require(MANAGE_COUNTER, Target::Jurisdiction)?;
        form.check().map_err(|e| {
            ServiceError::invalid(Message::new("counter-error-form").arg("detail", e.to_string()))
        })?;
        let j = actor.jurisdiction_id.as_str();
        let current = self.catalogue(j).await?;
        if let Some((old, v)) = current.form(&form.key)
            && old == &form
        {
            return Ok(*v);
        }
        // A service whose fee counts copies must keep asking how many.
        for s in current.services.iter().filter(|s| s.form == form.key) {
            catalogue::check_form_fits(s, &form).map_err(|e| ServiceError::invalid(e.message()))?;
        }
        let now = self.now();
        let mut tx = self.platform.db.begin().await?;
        let version =
            store::catalogue::add_form_version(&mut tx, j, &form, &actor.label, now).await?;
        audit::record(
            &mut tx,
            actor,
            "counter.form_saved",
            catalogue_subject(j),
            None,
            serde_json::json!({ "form": form.key, "version": version }),
            now,
        )
        .await?;
        tx.commit().await?;
        self.catalogue_changed();
        Ok(version)
    }

    /// A form as an administrator edits it: the definition in force and its version.
    pub async fn form_for_admin(&self, actor: &Actor, key: &str) -> Result<(Form, i64)> {
        actor.require(MANAGE_COUNTER, Target::Jurisdiction)?;
        self.catalogue(&actor.jurisdiction_id)
            .await?
            .form(key)
            .cloned()
            .ok_or_else(|| ServiceError::NotFound(Message::new("counter-error-form-unknown")))
    }

    /// A version of a form, as an application filed under it shows it.
    pub(crate) async fn form_at(
        &self,
        jurisdiction_id: &str,
        key: &str,
        version: i64,
    ) -> Result<Form> {
        store::catalogue::form_version(&self.platform.db, jurisdiction_id, key, version)
            .await?
            .ok_or_else(|| ServiceError::Internal(format!("form {key} v{version} is missing")))
    }
}
