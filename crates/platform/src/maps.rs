//! Which district and village boundaries each jurisdiction's maps are drawn on and its points
//! located in ([`domain::geo::boundaries`]): Taipei's are built in; another city's load from
//! GeoJSON files of the same form (`civicdesk serve --boundaries`). Also the tile server, when
//! one is configured, drawn under the same layer.

use domain::geo::Point;
use domain::geo::boundaries::{self, Boundaries, BoundaryError, Place};
use std::collections::BTreeMap;

/// The jurisdiction whose boundaries are built in.
pub const TAIPEI: &str = "taipei.gov.tw";

/// The boundaries of the jurisdictions that have them, and the tiles drawn underneath.
#[derive(Debug, Clone)]
pub struct MapsConfig {
    boundaries: BTreeMap<String, &'static Boundaries>,
    /// A tile URL template (`https://…/{z}/{x}/{y}.png`), when tiles are configured.
    pub tiles: Option<String>,
}

impl Default for MapsConfig {
    /// Taipei's built-in boundaries, no tiles.
    fn default() -> Self {
        MapsConfig {
            boundaries: BTreeMap::from([(TAIPEI.to_string(), boundaries::taipei())]),
            tiles: None,
        }
    }
}

/// The attribution line a map on the built-in data must carry.
pub fn attribution(b: &Boundaries) -> &'static str {
    if std::ptr::eq(b, boundaries::taipei()) {
        boundaries::TAIPEI_ATTRIBUTION
    } else {
        ""
    }
}

impl MapsConfig {
    /// Adds (or replaces) a jurisdiction's boundaries from the text of its district and
    /// village GeoJSON files. They live as long as the process: they are loaded once, at start.
    pub fn load(
        &mut self,
        jurisdiction_id: &str,
        districts: &str,
        villages: &str,
    ) -> Result<(), BoundaryError> {
        let b = Boundaries::from_geojson(districts, villages)?;
        self.boundaries
            .insert(jurisdiction_id.to_string(), Box::leak(Box::new(b)));
        Ok(())
    }

    /// The boundaries of a jurisdiction, if it has any.
    pub fn boundaries(&self, jurisdiction_id: &str) -> Option<&'static Boundaries> {
        self.boundaries.get(jurisdiction_id).copied()
    }

    /// The district and village a point lies in, where the jurisdiction has boundaries.
    pub fn locate(&self, jurisdiction_id: &str, p: Point) -> Option<Place> {
        self.boundaries(jurisdiction_id)?.locate(p)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn taipei_is_built_in_and_another_city_loads_from_its_files() {
        let mut maps = MapsConfig::default();
        let city_hall = Point::new(25.0375, 121.5637).unwrap();
        let place = maps.locate(TAIPEI, city_hall).unwrap();
        assert_eq!(place.district, "信義區");
        assert!(maps.locate("kcg.gov.tw", city_hall).is_none());
        assert!(!attribution(maps.boundaries(TAIPEI).unwrap()).is_empty());

        let square = r#"{"type":"FeatureCollection","features":[{"type":"Feature",
            "properties":{"district":"前金區","district_id":"6400700"},
            "geometry":{"type":"Polygon","coordinates":[[[120.29,22.62],[120.30,22.62],
            [120.30,22.63],[120.29,22.63],[120.29,22.62]]]}}]}"#;
        maps.load("kcg.gov.tw", square, "").unwrap();
        let inside = Point::new(22.625, 120.295).unwrap();
        assert_eq!(
            maps.locate("kcg.gov.tw", inside).unwrap().district,
            "前金區"
        );
        assert!(maps.load("kcg.gov.tw", "not json", "").is_err());
    }
}
