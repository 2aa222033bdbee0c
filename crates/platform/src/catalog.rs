//! Reading the catalogue: which jurisdiction a request is for, and what it offers.

use crate::catalog_cache::CatalogSnapshot;
use crate::{Platform, Result, ServiceError};
use domain::Message;
use domain::catalog::{Category, District, Jurisdiction};
use domain::geo::Point;
use std::sync::Arc;

/// The services of a jurisdiction and the time they last changed (Open311 `changeset`).
pub struct ServiceList {
    pub categories: Vec<Category>,
    pub changeset: i64,
}

impl Platform {
    /// The jurisdiction with this id, or NotFound.
    pub async fn jurisdiction(&self, id: &str) -> Result<Jurisdiction> {
        self.catalog_snapshot(id.trim())
            .await?
            .map(|s| s.jurisdiction.clone())
            .ok_or_else(|| {
                ServiceError::NotFound(
                    Message::new("error-jurisdiction-unknown").arg("id", id.trim()),
                )
            })
    }

    /// Resolves the jurisdiction of a request: the one named (by the URL or a non-empty
    /// `jurisdiction_id`), else the configured default, else the only one there is.
    pub async fn resolve_jurisdiction(&self, named: Option<&str>) -> Result<Jurisdiction> {
        if let Some(id) = named.map(str::trim).filter(|s| !s.is_empty()) {
            return self.jurisdiction(id).await;
        }
        if let Some(id) = &self.config().default_jurisdiction {
            return self.jurisdiction(id).await;
        }
        let all = store::catalog::list_jurisdictions(&self.db).await?;
        match <[Jurisdiction; 1]>::try_from(all) {
            Ok([only]) => Ok(only),
            Err(_) => Err(ServiceError::invalid(Message::new(
                "error-jurisdiction-required",
            ))),
        }
    }

    pub async fn jurisdictions(&self) -> Result<Vec<Jurisdiction>> {
        Ok(store::catalog::list_jurisdictions(&self.db).await?)
    }

    /// The active services of a jurisdiction; with a point, only if the jurisdiction covers it.
    /// Requests about one's own personal data are not among them: they are asked from "my
    /// data".
    pub async fn services(
        &self,
        jurisdiction: &Jurisdiction,
        at: Option<Point>,
    ) -> Result<ServiceList> {
        let snapshot = self.snapshot_of(jurisdiction).await?;
        let categories = if at.is_some_and(|p| !jurisdiction.covers(p)) {
            Vec::new()
        } else {
            snapshot
                .categories
                .iter()
                .filter(|c| !c.is_data_request())
                .cloned()
                .collect()
        };
        Ok(ServiceList {
            categories,
            changeset: snapshot.changeset,
        })
    }

    /// One active service, or NotFound. A request about one's personal data is no service
    /// (it is asked from "my data"): NotFound too.
    pub async fn service(&self, jurisdiction: &Jurisdiction, code: &str) -> Result<Category> {
        self.category_of(jurisdiction, code)
            .await?
            .filter(|c| !c.is_data_request())
            .ok_or_else(|| unknown_service(code))
    }

    /// One active category, a request about personal data included, or NotFound: what filing
    /// looks up, and then checks who may file it.
    pub async fn any_category(&self, jurisdiction: &Jurisdiction, code: &str) -> Result<Category> {
        self.category_of(jurisdiction, code)
            .await?
            .ok_or_else(|| unknown_service(code))
    }

    async fn category_of(
        &self,
        jurisdiction: &Jurisdiction,
        code: &str,
    ) -> Result<Option<Category>> {
        Ok(self
            .snapshot_of(jurisdiction)
            .await?
            .category(code.trim())
            .cloned())
    }

    pub async fn departments(
        &self,
        jurisdiction: &Jurisdiction,
    ) -> Result<Vec<domain::catalog::Department>> {
        Ok(self.snapshot_of(jurisdiction).await?.departments.clone())
    }

    pub async fn districts(&self, jurisdiction: &Jurisdiction) -> Result<Vec<District>> {
        Ok(self.snapshot_of(jurisdiction).await?.districts.clone())
    }

    /// The catalogue snapshot of a jurisdiction already resolved; NotFound if it has gone.
    pub async fn snapshot_of(&self, j: &Jurisdiction) -> Result<Arc<CatalogSnapshot>> {
        self.catalog_snapshot(&j.id).await?.ok_or_else(|| {
            ServiceError::NotFound(Message::new("error-jurisdiction-unknown").arg("id", &j.id))
        })
    }
}

fn unknown_service(code: &str) -> ServiceError {
    ServiceError::NotFound(Message::new("error-service-unknown").arg("code", code.trim()))
}
