//! WGS84 points, as Open311 uses them, and the small amount of geometry civicdesk needs:
//! radius searches, the public grid, administrative boundaries with point-in-polygon lookup
//! ([`boundaries`]) and the projection that draws them as SVG ([`projection`]).

pub mod boundaries;
mod geojson;
pub mod projection;

pub use boundaries::{Area, AreaRef, Boundaries, BoundaryError, Place, Polygon};
pub use projection::Viewport;

use crate::error::DomainError;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Point {
    pub lat: f64,
    pub lon: f64,
}

const METRES_PER_DEGREE: f64 = 111_320.0;

impl Point {
    pub fn new(lat: f64, lon: f64) -> Result<Point, DomainError> {
        if !lat.is_finite() || !(-90.0..=90.0).contains(&lat) {
            return Err(DomainError::LatitudeOutOfRange);
        }
        if !lon.is_finite() || !(-180.0..=180.0).contains(&lon) {
            return Err(DomainError::LongitudeOutOfRange);
        }
        Ok(Point { lat, lon })
    }

    /// Parses an optional `lat`/`long` pair as sent by Open311 clients: both or neither, each
    /// a decimal number in range. Empty strings count as absent.
    pub fn parse_pair(lat: Option<&str>, lon: Option<&str>) -> Result<Option<Point>, DomainError> {
        let lat = lat.map(str::trim).filter(|s| !s.is_empty());
        let lon = lon.map(str::trim).filter(|s| !s.is_empty());
        match (lat, lon) {
            (None, None) => Ok(None),
            (Some(lat), Some(lon)) => {
                let lat: f64 = lat
                    .parse()
                    .map_err(|_| DomainError::CoordinateNotNumber { field: "lat" })?;
                let lon: f64 = lon
                    .parse()
                    .map_err(|_| DomainError::CoordinateNotNumber { field: "long" })?;
                Point::new(lat, lon).map(Some)
            }
            _ => Err(DomainError::CoordinatePairIncomplete),
        }
    }

    /// Great-circle distance in metres (haversine).
    pub fn distance_m(self, other: Point) -> f64 {
        let r = 6_371_008.8;
        let (p1, p2) = (self.lat.to_radians(), other.lat.to_radians());
        let dp = p2 - p1;
        let dl = (other.lon - self.lon).to_radians();
        let a = (dp / 2.0).sin().powi(2) + p1.cos() * p2.cos() * (dl / 2.0).sin().powi(2);
        2.0 * r * a.sqrt().asin()
    }

    /// The square of the equirectangular distance in "degree-metres", as computed by
    /// `RadiusFilter` in SQL with arithmetic only (SQLite has no trigonometry by default).
    pub fn radius_filter(self, radius_m: f64) -> RadiusFilter {
        RadiusFilter {
            centre: self,
            lon_scale: self.lat.to_radians().cos(),
            radius_deg: radius_m / METRES_PER_DEGREE,
        }
    }
}

/// A circle expressed so a database can test it with `+ - *` only:
/// `(lat - c.lat)² + ((lon - c.lon) · lon_scale)² ≤ radius_deg²`, after a bounding-box
/// prefilter that an index can use. Error against the haversine distance is far below 1% at
/// city scale.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RadiusFilter {
    pub centre: Point,
    pub lon_scale: f64,
    pub radius_deg: f64,
}

impl RadiusFilter {
    pub fn bbox(&self) -> BoundingBox {
        let dlon = if self.lon_scale > 1e-6 {
            self.radius_deg / self.lon_scale
        } else {
            180.0
        };
        BoundingBox {
            min_lat: self.centre.lat - self.radius_deg,
            max_lat: self.centre.lat + self.radius_deg,
            min_lon: self.centre.lon - dlon,
            max_lon: self.centre.lon + dlon,
        }
    }

    pub fn contains(&self, p: Point) -> bool {
        let dy = p.lat - self.centre.lat;
        let dx = (p.lon - self.centre.lon) * self.lon_scale;
        dy * dy + dx * dx <= self.radius_deg * self.radius_deg
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct BoundingBox {
    pub min_lat: f64,
    pub max_lat: f64,
    pub min_lon: f64,
    pub max_lon: f64,
}

impl BoundingBox {
    pub fn contains(&self, p: Point) -> bool {
        (self.min_lat..=self.max_lat).contains(&p.lat)
            && (self.min_lon..=self.max_lon).contains(&p.lon)
    }

    /// The smallest box that holds every point, or `None` for no points.
    pub fn around(points: impl IntoIterator<Item = Point>) -> Option<BoundingBox> {
        let mut points = points.into_iter();
        let first = points.next()?;
        let start = BoundingBox {
            min_lat: first.lat,
            max_lat: first.lat,
            min_lon: first.lon,
            max_lon: first.lon,
        };
        Some(points.fold(start, |b, p| BoundingBox {
            min_lat: b.min_lat.min(p.lat),
            max_lat: b.max_lat.max(p.lat),
            min_lon: b.min_lon.min(p.lon),
            max_lon: b.max_lon.max(p.lon),
        }))
    }

    /// The smallest box that holds both boxes.
    pub fn union(&self, other: &BoundingBox) -> BoundingBox {
        BoundingBox {
            min_lat: self.min_lat.min(other.min_lat),
            max_lat: self.max_lat.max(other.max_lat),
            min_lon: self.min_lon.min(other.min_lon),
            max_lon: self.max_lon.max(other.max_lon),
        }
    }

    /// Whether the boxes share at least one point (touching edges count).
    pub fn intersects(&self, other: &BoundingBox) -> bool {
        self.min_lat <= other.max_lat
            && other.min_lat <= self.max_lat
            && self.min_lon <= other.max_lon
            && other.min_lon <= self.max_lon
    }
}

/// The grid a point is snapped to before it is published: the centre of the cell that holds
/// a report is shown, never the report's own point, so a report made at home does not locate
/// the home. Cells are `cell_m` tall and about as wide at the jurisdiction's latitude (one
/// longitude step for the whole jurisdiction, so a database can snap with `+ - * /` and a
/// floor, and a public radius search can be tested against the same snapped points that are
/// shown: a search cannot be used to find a point more exactly than its cell).
///
/// Snapping is deterministic: every read of a case shows the same cell centre, so repeated
/// reads cannot be averaged towards the true point.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PublicGrid {
    pub lat_step: f64,
    pub lon_step: f64,
}

impl PublicGrid {
    /// The cell size used when none is configured: a city block, far coarser than a house.
    pub const DEFAULT_CELL_M: f64 = 100.0;
    /// Cells smaller than this would show where a house is.
    pub const MIN_CELL_M: f64 = 50.0;
    pub const MAX_CELL_M: f64 = 5_000.0;

    /// A grid of `cell_m` cells for a jurisdiction around `reference_lat` (the middle of its
    /// bounds). `cell_m` is clamped to [`Self::MIN_CELL_M`]..=[`Self::MAX_CELL_M`].
    pub fn new(cell_m: f64, reference_lat: f64) -> PublicGrid {
        let cell_m = if cell_m.is_finite() {
            cell_m.clamp(Self::MIN_CELL_M, Self::MAX_CELL_M)
        } else {
            Self::DEFAULT_CELL_M
        };
        let lat_step = cell_m / METRES_PER_DEGREE;
        // Near the poles a longitude degree vanishes; one cell never spans more than 1°.
        let cos = reference_lat.to_radians().cos().abs().max(lat_step);
        PublicGrid {
            lat_step,
            lon_step: (lat_step / cos).min(1.0),
        }
    }

    /// The centre of the cell that holds `p`, to six decimals (a tenth of a metre: the
    /// digits beyond would suggest a precision the point does not have).
    pub fn snap(&self, p: Point) -> Point {
        let centre = |x: f64, step: f64| ((x / step).floor() + 0.5) * step;
        let six = |x: f64| (x * 1e6).round() / 1e6;
        Point {
            lat: six(centre(p.lat, self.lat_step)),
            lon: six(centre(p.lon, self.lon_step)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn validates_pairs() {
        assert_eq!(Point::parse_pair(None, Some("")), Ok(None));
        assert_eq!(
            Point::parse_pair(Some("25.03"), None),
            Err(DomainError::CoordinatePairIncomplete)
        );
        assert_eq!(
            Point::parse_pair(Some("95"), Some("121.5")),
            Err(DomainError::LatitudeOutOfRange)
        );
        assert_eq!(
            Point::parse_pair(Some("25"), Some("181")),
            Err(DomainError::LongitudeOutOfRange)
        );
        assert_eq!(
            Point::parse_pair(Some("north"), Some("121")),
            Err(DomainError::CoordinateNotNumber { field: "lat" })
        );
        assert_eq!(
            Point::parse_pair(Some("NaN"), Some("121")),
            Err(DomainError::LatitudeOutOfRange)
        );
    }

    #[test]
    fn a_published_point_is_a_cell_centre_not_the_home() {
        let grid = PublicGrid::new(100.0, 25.05);
        let home = Point::new(25.037_712, 121.543_601).unwrap();
        let shown = grid.snap(home);
        assert_ne!(shown, home);
        assert!(home.distance_m(shown) > 0.5);
        assert!(home.distance_m(shown) < 75.0, "{}", home.distance_m(shown));
        let neighbour = Point::new(home.lat + 0.000_01, home.lon - 0.000_01).unwrap();
        assert_eq!(
            grid.snap(neighbour),
            shown,
            "a neighbour in the same cell looks the same"
        );
        assert_eq!(PublicGrid::new(1.0, 25.0), PublicGrid::new(50.0, 25.0));
        assert_eq!(
            PublicGrid::new(f64::NAN, 25.0),
            PublicGrid::new(100.0, 25.0)
        );
    }

    #[test]
    fn boxes_grow_and_meet() {
        let p = |lat, lon| Point { lat, lon };
        assert_eq!(BoundingBox::around([]), None);
        let a = BoundingBox::around([p(1.0, 5.0), p(-1.0, 2.0), p(0.0, 9.0)]).unwrap();
        assert_eq!(
            a,
            BoundingBox {
                min_lat: -1.0,
                max_lat: 1.0,
                min_lon: 2.0,
                max_lon: 9.0
            }
        );
        let b = BoundingBox::around([p(1.0, 9.0), p(3.0, 12.0)]).unwrap();
        assert!(a.intersects(&b) && b.intersects(&a), "a shared corner");
        let c = BoundingBox::around([p(1.5, 2.0), p(3.0, 8.0)]).unwrap();
        assert!(!a.intersects(&c) && !c.intersects(&a), "north of a");
        let d = BoundingBox::around([p(-5.0, 9.5), p(5.0, 10.0)]).unwrap();
        assert!(!a.intersects(&d) && !d.intersects(&a), "east of a");
        let e = BoundingBox::around([p(-0.5, 3.0), p(0.5, 4.0)]).unwrap();
        assert!(a.intersects(&e) && e.intersects(&a), "inside a");
        let u = a.union(&b);
        assert_eq!(
            (u.min_lat, u.max_lat, u.min_lon, u.max_lon),
            (-1.0, 3.0, 2.0, 12.0)
        );
    }

    proptest! {
        /// A published point stays within its cell (half a diagonal from the true point), is a
        /// fixed point of snapping, and every point of a cell is shown as the same centre.
        #[test]
        fn snapping_hides_the_point_but_stays_in_its_cell(
            lat in -60f64..60.0, lon in -179f64..179.0, cell in 50f64..1000.0,
            dlat in 0f64..1.0, dlon in 0f64..1.0,
        ) {
            let grid = PublicGrid::new(cell, lat);
            let p = Point::new(lat, lon).unwrap();
            let shown = grid.snap(p);
            prop_assert!((shown.lat - p.lat).abs() <= grid.lat_step / 2.0 + 1e-6);
            prop_assert!((shown.lon - p.lon).abs() <= grid.lon_step / 2.0 + 1e-6);
            prop_assert!(p.distance_m(shown) <= cell * 0.75 + 1.0, "{} m", p.distance_m(shown));
            let again = grid.snap(shown);
            prop_assert!((again.lat - shown.lat).abs() < 1e-9 && (again.lon - shown.lon).abs() < 1e-9);
            // Another point of the same cell.
            let corner_lat = (p.lat / grid.lat_step).floor() * grid.lat_step;
            let corner_lon = (p.lon / grid.lon_step).floor() * grid.lon_step;
            let q = Point {
                lat: corner_lat + grid.lat_step * (0.01 + 0.98 * dlat),
                lon: corner_lon + grid.lon_step * (0.01 + 0.98 * dlon),
            };
            prop_assert_eq!(grid.snap(q), shown);
        }

        /// The arithmetic-only circle agrees with haversine within 1% of the radius in Taiwan.
        #[test]
        fn radius_filter_agrees_with_haversine(
            lat in 21.9f64..25.3, lon in 120.0f64..122.0,
            bearing in 0f64..360.0, r in 20f64..5000.0, f in 0.0f64..2.0,
        ) {
            let c = Point::new(lat, lon).unwrap();
            let d = r * f;
            let b = bearing.to_radians();
            let p = Point::new(
                lat + d * b.cos() / METRES_PER_DEGREE,
                lon + d * b.sin() / (METRES_PER_DEGREE * lat.to_radians().cos()),
            ).unwrap();
            let filter = c.radius_filter(r);
            let true_d = c.distance_m(p);
            if true_d < r * 0.99 { prop_assert!(filter.contains(p)); }
            if true_d > r * 1.01 { prop_assert!(!filter.contains(p)); }
            if filter.contains(p) { prop_assert!(filter.bbox().contains(p)); }
        }
    }
}
