//! WGS84 points, as Open311 uses them, and the small amount of geometry civicdesk needs.

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

    proptest! {
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
