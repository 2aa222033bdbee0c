//! "My data": everything the city's modules hold about the signed-in citizen, gathered from
//! each module's holder (`platform::personal_data::DataHolder`, identity's own among them),
//! with every read of it by staff (the access ledger: audit records whose data subject is
//! them), as a page and as one download (a ZIP of JSON and one CSV per set). Only the signed-in
//! citizen's own data is ever gathered: nothing here takes an account id from the request.

use super::AccountKind;
use crate::authz::Actor;
use crate::domain::city_login::Assurance;
use crate::domain::consent::State as ConsentState;
use crate::domain::mandates::Agent;
use crate::store;
use crate::{IdentityApp, Result, ServiceError};
use platform::audit::DataAccess;
use platform::personal_data::{Column, DataHolder, DataSet, DataSubject};
use std::sync::Arc;

/// What a download of everything needs: the person's real name proved.
pub const DOWNLOAD_NEEDS: Assurance = Assurance::RealName;

/// Everything held about one citizen, and who read it.
#[derive(Debug, Clone)]
pub struct MyData {
    pub subject: DataSubject,
    /// Every module's sets, identity's first.
    pub sets: Vec<DataSet>,
    /// Staff reads of their data, newest first (the newest 100 on the page; all of them in
    /// the download).
    pub access: Vec<DataAccess>,
}

const fn col(key: &'static str, label: &'static str) -> Column {
    Column::new(key, label)
}

const ACCOUNT: &[Column] = &[
    col("login", "data-col-login"),
    col("display_name", "data-col-display-name"),
    col("email", "data-col-email"),
    col("mobile", "data-col-mobile"),
    Column::national_id("national_id", "data-col-national-id"),
    Column::coded("locale", "data-col-locale", "data-language-"),
    Column::coded("status", "data-col-status", "data-account-"),
    col("verified_at", "data-col-verified-at"),
    col("second_factor", "data-col-second-factor"),
    col("created_at", "data-col-created-at"),
    col("password_changed_at", "data-col-password-changed-at"),
];

const CITY_LOGINS: &[Column] = &[
    col("provider", "data-col-provider"),
    col("subject", "data-col-provider-subject"),
    col("real_name", "data-col-real-name"),
    col("linked_at", "data-col-linked-at"),
    col("last_used_at", "data-col-last-used-at"),
];

const SESSIONS: &[Column] = &[
    col("created_at", "data-col-signed-in-at"),
    col("last_seen_at", "data-col-last-seen-at"),
    col("expires_at", "data-col-expires-at"),
];

const MANDATES: &[Column] = &[
    Column::coded("direction", "data-col-direction", "data-direction-"),
    col("other", "data-col-other-person"),
    Column::coded("theme", "data-col-theme", "mandate-theme-"),
    col("specifier", "data-col-specifier"),
    col("starts_on", "data-col-starts-on"),
    col("ends_on", "data-col-ends-on"),
    Column::coded("state", "data-col-state", "mandate-state-"),
];

const CONSENTS: &[Column] = &[
    Column::coded("purpose", "data-col-purpose", "purpose-"),
    Column::coded("data", "data-col-data-categories", "data-category-"),
    Column::coded("recipient", "data-col-recipient", "recipient-"),
    col("given_at", "data-col-given-at"),
    col("expires_at", "data-col-expires-at"),
    col("ended_at", "data-col-ended-at"),
    Column::coded("state", "data-col-state", "consent-state-"),
];

/// The columns of the access ledger, as the download writes it.
pub const ACCESS: &[Column] = &[
    col("at", "data-col-at"),
    col("staff", "data-col-staff"),
    col("action", "data-col-action"),
    col("reason", "data-col-reason"),
];

impl IdentityApp {
    /// How long each running module keeps each kind of personal data: every rule with the days
    /// in force (the city's, or the module's).
    pub fn retention_schedule(&self) -> Vec<(&'static platform::personal_data::Retention, u32)> {
        self.platform
            .build()
            .iter()
            .filter(|m| !m.switchable || self.config().modules.runs(m.module))
            .flat_map(|m| m.retention.iter())
            .map(|r| (r, self.platform.retention_days(r)))
            .collect()
    }

    /// The signed-in citizen as a data subject.
    async fn data_subject(&self, actor: &Actor) -> Result<DataSubject> {
        if actor.kind != crate::authz::ActorKind::Citizen {
            return Err(crate::authz::forbidden());
        }
        let me = actor.account()?;
        let account = store::accounts::find(&self.db, me)
            .await?
            .filter(|a| a.kind == AccountKind::Citizen.as_str())
            .ok_or_else(crate::authz::forbidden)?;
        let j = self.platform.jurisdiction(&account.jurisdiction_id).await?;
        // A number is theirs only if they proved it: it is the sign-in name a code verified.
        let proved = account.mobile.as_deref() == Some(account.login.as_str());
        Ok(DataSubject {
            jurisdiction_id: account.jurisdiction_id,
            account_id: account.id,
            mobile: account
                .mobile
                .filter(|_| proved && account.verified_at.is_some()),
            mobile_since: account.verified_at.unwrap_or(i64::MAX),
            utc_offset_minutes: j.utc_offset_minutes,
        })
    }

    /// Everything held about the signed-in citizen by `holders` (the running modules'), and
    /// the newest 100 reads of it by staff.
    pub async fn my_data(&self, actor: &Actor, holders: &[Arc<dyn DataHolder>]) -> Result<MyData> {
        let subject = self.data_subject(actor).await?;
        let mut sets = self.own_data(&subject).await?;
        for h in holders {
            sets.extend(h.personal_data(&subject).await?);
        }
        let access = self.platform.my_data_access(actor, None).await?;
        Ok(MyData {
            subject,
            sets,
            access,
        })
    }

    /// [`Self::my_data`] with every read, for a download: it needs a real name proved (where
    /// a city login can prove one: everything held about a person leaves with it), is counted
    /// against the hourly limit and recorded in the audit trail.
    pub async fn my_data_for_download(
        &self,
        actor: &Actor,
        holders: &[Arc<dyn DataHolder>],
    ) -> Result<MyData> {
        self.data_subject(actor).await?;
        self.require_assurance(actor, DOWNLOAD_NEEDS).await?;
        let me = actor.account()?.to_string();
        self.platform
            .count_attempt(crate::rate_limit::MY_DATA_DOWNLOADS, &me)
            .await?;
        let mut data = self.my_data(actor, holders).await?;
        data.access = self.platform.my_data_access_all(actor).await?;
        let now = self.now();
        let mut tx = self.db.begin().await?;
        crate::audit::record(
            &mut tx,
            actor,
            "my_data.downloaded",
            crate::audit::Subject::citizen(&me),
            None,
            serde_json::json!({ "sets": data.sets.len(), "reads": data.access.len() }),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(data)
    }

    /// What identity itself holds about `s`: the account, its city logins, its signed-in
    /// browsers, its mandates and its consents.
    async fn own_data(&self, s: &DataSubject) -> Result<Vec<DataSet>> {
        let account = store::accounts::find(&self.db, &s.account_id)
            .await?
            .ok_or_else(|| ServiceError::Internal("the subject's account is gone".into()))?;
        let when = |t: Option<i64>| s.when(t);
        let mut sets = vec![DataSet {
            key: "identity.account",
            title: "data-set-identity-account",
            columns: ACCOUNT,
            rows: vec![vec![
                account.login.clone(),
                account.display_name.clone(),
                account.email.clone().unwrap_or_default(),
                account.mobile.clone().unwrap_or_default(),
                account.national_id.clone().unwrap_or_default(),
                account.locale.clone(),
                account.status.clone(),
                when(account.verified_at),
                account.totp_enabled_at.is_some().to_string(),
                when(Some(account.created_at)),
                when(account.password_changed_at),
            ]],
        }];
        let links = store::links::of_account(&self.db, &s.account_id).await?;
        sets.push(DataSet {
            key: "identity.city-logins",
            title: "data-set-identity-city-logins",
            columns: CITY_LOGINS,
            rows: links
                .iter()
                .map(|l| {
                    vec![
                        l.provider.clone(),
                        l.subject.clone(),
                        l.real_name.to_string(),
                        when(Some(l.linked_at)),
                        when(Some(l.last_used_at)),
                    ]
                })
                .collect(),
        });
        let now = self.now();
        let sessions = store::sessions::live_of(&self.db, &s.account_id, now).await?;
        sets.push(DataSet {
            key: "identity.sessions",
            title: "data-set-identity-sessions",
            columns: SESSIONS,
            rows: sessions
                .iter()
                .map(|x| {
                    vec![
                        when(Some(x.created_at)),
                        when(Some(x.last_seen_at)),
                        when(Some(x.expires_at.min(x.idle_expires_at))),
                    ]
                })
                .collect(),
        });
        let mut mandate_rows = Vec::new();
        let given = store::mandates::given_by(&self.db, &s.account_id).await?;
        let received = store::mandates::given_to(&self.db, &s.account_id).await?;
        for (direction, list) in [("given", given), ("received", received)] {
            for m in list {
                let other = match (&m.agent, direction) {
                    (_, "received") => self.display_name(&m.principal).await?,
                    (Agent::Account(id), _) => self.display_name(id).await?,
                    (Agent::Person(p), _) => format!("{} ({})", p.name, p.id_last4),
                };
                mandate_rows.push(vec![
                    direction.to_string(),
                    other,
                    m.theme.as_str().to_string(),
                    m.specifier.clone().unwrap_or_default(),
                    store::mandates::day_text(m.starts_on),
                    store::mandates::day_text(m.ends_on),
                    m.state.as_str().to_string(),
                ]);
            }
        }
        sets.push(DataSet {
            key: "identity.mandates",
            title: "data-set-identity-mandates",
            columns: MANDATES,
            rows: mandate_rows,
        });
        let consents = store::consents::of_account(&self.db, &s.account_id).await?;
        sets.push(DataSet {
            key: "identity.consents",
            title: "data-set-identity-consents",
            columns: CONSENTS,
            rows: consents
                .iter()
                .map(|c| {
                    vec![
                        c.purpose.clone(),
                        c.data.join(" "),
                        format!("{}:{}", c.recipient_kind, c.recipient),
                        when(Some(c.given_at)),
                        when(Some(c.expires_at)),
                        when(c.ended.map(|(at, _)| at)),
                        match c.state_at(now) {
                            ConsentState::Active => "active",
                            other => other.as_str(),
                        }
                        .to_string(),
                    ]
                })
                .collect(),
        });
        Ok(sets)
    }
}
