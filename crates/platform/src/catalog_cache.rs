//! The catalogue of each jurisdiction held in memory: its record, active categories,
//! departments, districts, its SLA policies and its business calendar, and the parts modules
//! keep with it (the cases module's routing and triage rules: [`CatalogSnapshot::part`]).
//!
//! Every Open311 read and every filing needs them, and they change a few times a year, so
//! reading them from the database per request cost more than the request's own query (five
//! statements and a JSON parse of every category's questions). A snapshot is loaded whole and
//! replaced whole:
//!
//! - a change made through this process (catalogue admin, rules, `seed`) drops every snapshot
//!   at once, so the next request sees it;
//! - a change made by another process — another node on the same PostgreSQL database, or a
//!   CLI command beside a running server — is seen once the snapshot is older than
//!   [`CATALOG_TTL`].
//!
//! A module's part of a snapshot is loaded by the module the first time it asks the snapshot
//! for it, and kept and dropped with the snapshot, so it follows the same invalidations and is
//! loaded once per snapshot, as the rest of it is; the platform does not know its type.

use crate::{Result, ServiceError};
use domain::calendar::{BusinessCalendar, StoredChange};
use domain::catalog::{Category, Department, District, Jurisdiction};
use domain::category::AttributeDef;
use std::any::{Any, TypeId};
use std::collections::HashMap;
use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};
use store::case_config::CalendarRow;

/// How long a snapshot is trusted without a local change: the longest another node or
/// process's change to the catalogue takes to show here.
pub const CATALOG_TTL: Duration = Duration::from_secs(5);

/// One jurisdiction's catalogue as it was when loaded.
#[derive(Debug)]
pub struct CatalogSnapshot {
    pub jurisdiction: Jurisdiction,
    /// Active categories in display order.
    pub categories: Vec<Category>,
    /// The codes of every black-box category, active or not: their cases are never shown
    /// publicly, also after the category is withdrawn.
    pub confidential: Vec<String>,
    /// Every category's questions, active or withdrawn, by category code: what an answer on a
    /// case is (and whether it is personal) is known also after its category is withdrawn.
    pub questions: HashMap<String, Vec<AttributeDef>>,
    /// The newest `updated_at` among them (Open311's `changeset`).
    pub changeset: i64,
    pub departments: Vec<Department>,
    pub districts: Vec<District>,
    /// Stored SLA policies as (scope, JSON definition).
    pub sla_policies: Vec<(String, String)>,
    /// The national calendar with the jurisdiction's changes applied.
    pub calendar: BusinessCalendar,
    /// The modules' parts, by type ([`CatalogSnapshot::part`]).
    parts: Parts,
}

/// A part's cell: loaded at most once at a time, and once for good when a load succeeds.
type PartCell = Arc<tokio::sync::OnceCell<Arc<dyn Any + Send + Sync>>>;

/// The parts modules keep with a snapshot, one per type.
#[derive(Default)]
struct Parts(std::sync::Mutex<HashMap<TypeId, PartCell>>);

impl std::fmt::Debug for Parts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let parts = self.0.lock().unwrap_or_else(|e| e.into_inner());
        f.debug_struct("Parts")
            .field("count", &parts.len())
            .finish()
    }
}

/// A jurisdiction's business calendar from its stored changes
/// ([`BusinessCalendar::with_changes`]).
pub fn calendar_from(j: &Jurisdiction, rows: Vec<CalendarRow>) -> Result<BusinessCalendar> {
    BusinessCalendar::with_changes(
        j.utc_offset_minutes,
        rows.iter().map(|r| StoredChange {
            kind: &r.kind,
            day: r.day.as_deref(),
            starts_at: r.starts_at,
            ends_at: r.ends_at,
            name: &r.name,
        }),
    )
    .map_err(|e| ServiceError::Internal(format!("{e:?}")))
}

impl CatalogSnapshot {
    pub fn category(&self, code: &str) -> Option<&Category> {
        self.categories.iter().find(|c| c.code == code)
    }

    /// A module's part of this snapshot (one per type `T`), loaded by `load` the first time it
    /// is asked for. Concurrent callers wait for one load; a failed load is tried again by the
    /// next caller. The part lives as long as the snapshot, so a change that drops the snapshot
    /// (`Platform::catalog_changed`, or [`CATALOG_TTL`]) drops it too, and the next snapshot
    /// loads it afresh.
    pub async fn part<T, F, Fut>(&self, load: F) -> Result<Arc<T>>
    where
        T: Any + Send + Sync,
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<T>>,
    {
        let cell = {
            let mut parts = self.parts.0.lock().unwrap_or_else(|e| e.into_inner());
            Arc::clone(parts.entry(TypeId::of::<T>()).or_default())
        };
        let part = cell
            .get_or_try_init(|| async {
                let part: Arc<dyn Any + Send + Sync> = Arc::new(load().await?);
                Ok::<_, ServiceError>(part)
            })
            .await?;
        Arc::clone(part)
            .downcast::<T>()
            .map_err(|_| ServiceError::Internal("a catalogue part of another type".into()))
    }
}

struct Entry {
    loaded: Instant,
    snapshot: Arc<CatalogSnapshot>,
}

/// The snapshots of every jurisdiction this process has served.
#[derive(Default)]
pub(crate) struct CatalogCache {
    entries: RwLock<HashMap<String, Entry>>,
    /// Bumped by every local change; a load that began before a change is not kept.
    generation: AtomicU64,
}

impl CatalogCache {
    /// The fresh snapshot of a jurisdiction, if there is one.
    pub fn get(&self, jurisdiction_id: &str) -> Option<Arc<CatalogSnapshot>> {
        let entries = self.entries.read().unwrap_or_else(|e| e.into_inner());
        entries
            .get(jurisdiction_id)
            .filter(|e| e.loaded.elapsed() < CATALOG_TTL)
            .map(|e| Arc::clone(&e.snapshot))
    }

    /// The generation to pass to [`CatalogCache::put`] for a load starting now.
    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }

    /// Keeps a snapshot loaded since `generation`, unless the catalogue changed meanwhile.
    pub fn put(&self, generation: u64, snapshot: Arc<CatalogSnapshot>, loaded: Instant) {
        let mut entries = self.entries.write().unwrap_or_else(|e| e.into_inner());
        if self.generation.load(Ordering::Acquire) == generation {
            entries.insert(snapshot.jurisdiction.id.clone(), Entry { loaded, snapshot });
        }
    }

    /// Forgets every snapshot: the catalogue changed.
    pub fn invalidate(&self) {
        let mut entries = self.entries.write().unwrap_or_else(|e| e.into_inner());
        self.generation.fetch_add(1, Ordering::AcqRel);
        entries.clear();
    }
}

impl crate::Platform {
    /// The catalogue snapshot of a jurisdiction, loaded if it is missing or stale. `None`
    /// when there is no such jurisdiction.
    pub async fn catalog_snapshot(
        &self,
        jurisdiction_id: &str,
    ) -> Result<Option<Arc<CatalogSnapshot>>> {
        if let Some(s) = self.catalog.get(jurisdiction_id) {
            return Ok(Some(s));
        }
        let generation = self.catalog.generation();
        let started = Instant::now();
        let Some(jurisdiction) =
            store::catalog::get_jurisdiction(&self.db, jurisdiction_id).await?
        else {
            return Ok(None);
        };
        let (categories, changeset) =
            store::catalog::list_categories(&self.db, &jurisdiction.id).await?;
        let every_category = store::catalog::all_categories(&self.db, &jurisdiction.id).await?;
        let confidential = every_category
            .iter()
            // Requests about one's personal data are confidential whatever their type says.
            .filter(|c| {
                c.service_type == domain::category::ServiceType::Blackbox || c.is_data_request()
            })
            .map(|c| c.code.clone())
            .collect();
        let questions = every_category
            .into_iter()
            .map(|c| (c.code, c.attributes))
            .collect();
        let departments = store::catalog::list_departments(&self.db, &jurisdiction.id).await?;
        let districts = store::catalog::list_districts(&self.db, &jurisdiction.id).await?;
        let sla_policies = store::case_config::sla_policies(&self.db, &jurisdiction.id).await?;
        let calendar = calendar_from(
            &jurisdiction,
            store::case_config::calendar_entries(&self.db, &jurisdiction.id).await?,
        )?;
        let snapshot = Arc::new(CatalogSnapshot {
            jurisdiction,
            categories,
            confidential,
            questions,
            changeset,
            departments,
            districts,
            sla_policies,
            calendar,
            parts: Parts::default(),
        });
        self.catalog.put(generation, Arc::clone(&snapshot), started);
        Ok(Some(snapshot))
    }

    /// Call after changing a jurisdiction's catalogue or rules (after the commit).
    pub fn catalog_changed(&self) {
        self.catalog.invalidate();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use domain::locale::Localized;
    use std::sync::atomic::AtomicUsize;

    fn snapshot() -> CatalogSnapshot {
        CatalogSnapshot {
            jurisdiction: Jurisdiction {
                id: "example.gov.tw".into(),
                name: Localized::new("範例市", "Example City"),
                timezone: "Asia/Taipei".into(),
                utc_offset_minutes: 480,
                contact: String::new(),
                key_service: String::new(),
                bounds: None,
            },
            categories: Vec::new(),
            confidential: Vec::new(),
            questions: HashMap::new(),
            changeset: 0,
            departments: Vec::new(),
            districts: Vec::new(),
            sla_policies: Vec::new(),
            calendar: BusinessCalendar::taiwan().expect("the built-in calendar"),
            parts: Parts::default(),
        }
    }

    #[derive(Debug, PartialEq)]
    struct Rules(u32);
    #[derive(Debug, PartialEq)]
    struct Other(&'static str);

    #[tokio::test]
    async fn a_part_is_loaded_once_per_snapshot_even_by_callers_at_once() {
        let s = snapshot();
        let counter = AtomicUsize::new(0);
        let loads = &counter;
        let load = move || async move {
            loads.fetch_add(1, Ordering::SeqCst);
            tokio::task::yield_now().await;
            Ok(Rules(7))
        };
        let (a, b) = tokio::join!(s.part(load), s.part(load));
        let (a, b) = (a.expect("loaded"), b.expect("loaded"));
        assert!(Arc::ptr_eq(&a, &b));
        assert_eq!(*s.part(load).await.expect("kept"), Rules(7));
        assert_eq!(counter.load(Ordering::SeqCst), 1);

        // Another type is another part; a fresh snapshot (after a change) loads its own.
        assert_eq!(
            *s.part(|| async { Ok(Other("x")) }).await.expect("loaded"),
            Other("x")
        );
        let fresh = snapshot();
        fresh.part(load).await.expect("loaded");
        assert_eq!(counter.load(Ordering::SeqCst), 2);
    }

    #[tokio::test]
    async fn a_failed_load_is_tried_again() {
        let s = snapshot();
        let failed = s
            .part(|| async { Err::<Rules, _>(ServiceError::Internal("down".into())) })
            .await;
        assert!(failed.is_err());
        assert_eq!(
            *s.part(|| async { Ok(Rules(1)) }).await.expect("loaded"),
            Rules(1)
        );
    }
}
