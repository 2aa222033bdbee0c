//! Listing cases for Open311 and the public: the filter, the view's columns, and radius
//! searches on exact or published (snapped) points.

use super::*;

/// What to list. Every bound is optional; `jurisdiction_id` is not.
#[derive(Debug, Clone, Default)]
pub struct CaseFilter {
    pub jurisdiction_id: String,
    pub case_numbers: Option<Vec<String>>,
    pub category_codes: Option<Vec<String>>,
    pub statuses: Option<Vec<String>>,
    pub requested_from: Option<i64>,
    pub requested_to: Option<i64>,
    pub updated_from: Option<i64>,
    pub updated_to: Option<i64>,
    pub near: Option<RadiusFilter>,
    /// Test `near` against the points as published (snapped to this grid) instead of the
    /// exact points, so a public search cannot find a point more exactly than it is shown.
    pub near_on_grid: Option<PublicGrid>,
    /// Categories whose cases must not be listed (confidential, Open311 `blackbox`).
    pub exclude_category_codes: Vec<String>,
    pub limit: u64,
    pub offset: u64,
}

/// What [`view_query`] selects, in the order of [`CaseView`]'s fields.
const VIEW_FIELDS: [&str; 27] = [
    "id",
    "case_number",
    "token",
    "category_code",
    "category_name_zh",
    "category_name_en",
    "status",
    "outcome",
    "urgency",
    "department_code",
    "department_name_zh",
    "department_name_en",
    "channel",
    "description",
    "address",
    "address_id",
    "zipcode",
    "district_code",
    "lat",
    "lon",
    "attributes",
    "media_urls",
    "status_notes",
    "requested_at",
    "updated_at",
    "expected_at",
    "closed_at",
];

fn view_query() -> SelectStatement {
    let mut q = Query::select();
    for field in VIEW_FIELDS {
        // The category's and department's names come from their tables; the rest is the case.
        let joined = match field {
            "category_name_zh" => Some(("categories", "name_zh")),
            "category_name_en" => Some(("categories", "name_en")),
            "department_name_zh" => Some(("departments", "name_zh")),
            "department_name_en" => Some(("departments", "name_en")),
            _ => None,
        };
        match joined {
            Some(column) => q.expr_as(Expr::col(column), field),
            None => q.column(("cases", field)),
        };
    }
    q.from("cases")
        .left_join(
            "categories",
            Expr::col(("categories", "jurisdiction_id"))
                .equals(("cases", "jurisdiction_id"))
                .and(Expr::col(("categories", "code")).equals(("cases", "category_code"))),
        )
        .left_join(
            "departments",
            Expr::col(("departments", "jurisdiction_id"))
                .equals(("cases", "jurisdiction_id"))
                .and(Expr::col(("departments", "code")).equals(("cases", "department_code"))),
        );
    q
}

fn view_from_row(r: &Row) -> Result<CaseView, StoreError> {
    Ok(CaseView {
        id: r.get("id")?,
        case_number: r.get("case_number")?,
        token: r.get("token")?,
        category_code: r.get("category_code")?,
        category_name_zh: r.get("category_name_zh")?,
        category_name_en: r.get("category_name_en")?,
        status: r.get("status")?,
        outcome: r.get("outcome")?,
        urgency: r.get("urgency")?,
        department_code: r.get("department_code")?,
        department_name_zh: r.get("department_name_zh")?,
        department_name_en: r.get("department_name_en")?,
        channel: r.get("channel")?,
        description: r.get("description")?,
        address: r.get("address")?,
        address_id: r.get("address_id")?,
        zipcode: r.get("zipcode")?,
        district_code: r.get("district_code")?,
        lat: r.get("lat")?,
        lon: r.get("lon")?,
        attributes: r.get("attributes")?,
        media_urls: r.get("media_urls")?,
        status_notes: r.get("status_notes")?,
        requested_at: r.get("requested_at")?,
        updated_at: r.get("updated_at")?,
        expected_at: r.get("expected_at")?,
        closed_at: r.get("closed_at")?,
    })
}

/// Cases matching `f`, newest first.
pub async fn list(db: &Db, f: &CaseFilter) -> Result<Vec<CaseView>, StoreError> {
    let mut q = view_query();
    q.and_where(Expr::col(("cases", "jurisdiction_id")).eq(f.jurisdiction_id.as_str()));
    if let Some(numbers) = &f.case_numbers {
        q.and_where(Expr::col(("cases", "case_number")).is_in(numbers.iter().cloned()));
    }
    if let Some(codes) = &f.category_codes {
        q.and_where(Expr::col(("cases", "category_code")).is_in(codes.iter().cloned()));
    }
    if !f.exclude_category_codes.is_empty() {
        q.and_where(
            Expr::col(("cases", "category_code"))
                .is_not_in(f.exclude_category_codes.iter().cloned()),
        );
    }
    if let Some(statuses) = &f.statuses {
        q.and_where(Expr::col(("cases", "status")).is_in(statuses.iter().cloned()));
    }
    if let Some(t) = f.requested_from {
        q.and_where(Expr::col(("cases", "requested_at")).gte(t));
    }
    if let Some(t) = f.requested_to {
        q.and_where(Expr::col(("cases", "requested_at")).lte(t));
    }
    if let Some(t) = f.updated_from {
        q.and_where(Expr::col(("cases", "updated_at")).gte(t));
    }
    if let Some(t) = f.updated_to {
        q.and_where(Expr::col(("cases", "updated_at")).lte(t));
    }
    if let Some(near) = &f.near {
        let b = near.bbox();
        let exact = |column: &'static str| Expr::col(("cases", column));
        // The bounding box is tested on the exact columns (an index can serve it), widened by
        // a cell when the circle is tested on the snapped points.
        let (lat, lon, margin_lat, margin_lon) = match f.near_on_grid {
            Some(grid) => (
                snapped(db.backend(), exact("lat"), grid.lat_step),
                snapped(db.backend(), exact("lon"), grid.lon_step),
                grid.lat_step,
                grid.lon_step,
            ),
            None => (exact("lat"), exact("lon"), 0.0, 0.0),
        };
        let dy = || lat.clone().sub(near.centre.lat);
        let dx = || lon.clone().sub(near.centre.lon).mul(near.lon_scale);
        q.and_where(exact("lat").between(b.min_lat - margin_lat, b.max_lat + margin_lat))
            .and_where(exact("lon").between(b.min_lon - margin_lon, b.max_lon + margin_lon))
            .and_where(
                dy().mul(dy())
                    .add(dx().mul(dx()))
                    .lte(near.radius_deg * near.radius_deg),
            );
    }
    q.order_by(("cases", "requested_at"), Order::Desc)
        .order_by(("cases", "case_number"), Order::Desc)
        .limit(f.limit)
        .offset(f.offset);
    let newest_first = [("requested_at", Order::Desc), ("case_number", Order::Desc)];
    db.fetch_packed(&q, &VIEW_FIELDS, &newest_first).await
}

/// `column` snapped to the centre of its grid cell, `(floor(column / step) + 0.5) * step`, as
/// [`PublicGrid::snap`] computes it in Rust (same IEEE operations, so the same cell; Rust
/// then rounds the centre to a tenth of a metre for display).
/// PostgreSQL has `floor`; SQLite, built without its math functions, truncates on `CAST`,
/// which is the floor of a positive number and one too high for a negative fraction.
fn snapped(backend: Backend, column: Expr, step: f64) -> Expr {
    let ratio = || column.clone().div(step);
    let floor = match backend {
        Backend::Postgres => Expr::cust_with_exprs("floor($1)", [ratio()]),
        Backend::Sqlite => Expr::cust_with_exprs(
            "(CAST(? AS INTEGER) - (? < CAST(? AS INTEGER)))",
            [ratio(), ratio(), ratio()],
        ),
    };
    floor.add(0.5).mul(step)
}

pub async fn by_number(
    db: &Db,
    jurisdiction_id: &str,
    case_number: &str,
) -> Result<Option<CaseView>, StoreError> {
    let mut q = view_query();
    q.and_where(Expr::col(("cases", "jurisdiction_id")).eq(jurisdiction_id))
        .and_where(Expr::col(("cases", "case_number")).eq(case_number));
    db.fetch_optional(&q)
        .await?
        .as_ref()
        .map(view_from_row)
        .transpose()
}
