//! Reading boundaries from GeoJSON: the `FeatureCollection`s described in
//! [`super::boundaries`], and why a file is refused ([`BoundaryError`]).

use super::Point;
use super::boundaries::{Area, AreaRef, Polygon};
use serde_json::Value;
use std::fmt;
use thiserror::Error;

/// Which of the two files a feature comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AreaKind {
    District,
    Village,
}

impl fmt::Display for AreaKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            AreaKind::District => "district",
            AreaKind::Village => "village",
        })
    }
}

/// Why boundaries could not be read. `index` is the position of the feature in `features`,
/// counted from 0.
#[derive(Debug, Error)]
pub enum BoundaryError {
    #[error("the {kind} boundaries are not JSON: {source}")]
    NotJson {
        kind: AreaKind,
        #[source]
        source: serde_json::Error,
    },
    #[error(
        "the {kind} boundaries are not a GeoJSON FeatureCollection \
         (\"type\": \"FeatureCollection\" with a \"features\" array)"
    )]
    NotFeatureCollection { kind: AreaKind },
    #[error("the {kind} boundaries have no features")]
    NoFeatures { kind: AreaKind },
    #[error(
        "features[{index}] of the {kind} boundaries has no property \"{property}\" (a non-empty string)"
    )]
    MissingProperty {
        kind: AreaKind,
        index: usize,
        property: &'static str,
    },
    #[error("features[{index}] of the {kind} boundaries has a bad geometry: {reason}")]
    BadGeometry {
        kind: AreaKind,
        index: usize,
        reason: String,
    },
}

pub(super) fn parse_areas(text: &str, kind: AreaKind) -> Result<Vec<Area>, BoundaryError> {
    let value: Value =
        serde_json::from_str(text).map_err(|source| BoundaryError::NotJson { kind, source })?;
    let features = match (value.get("type"), value.get("features")) {
        (Some(Value::String(t)), Some(Value::Array(features))) if t == "FeatureCollection" => {
            features
        }
        _ => return Err(BoundaryError::NotFeatureCollection { kind }),
    };
    if features.is_empty() {
        return Err(BoundaryError::NoFeatures { kind });
    }
    features
        .iter()
        .enumerate()
        .map(|(index, feature)| parse_area(feature, kind, index))
        .collect()
}

fn parse_area(feature: &Value, kind: AreaKind, index: usize) -> Result<Area, BoundaryError> {
    let property = |property: &'static str| -> Result<String, BoundaryError> {
        match feature.get("properties").and_then(|p| p.get(property)) {
            Some(Value::String(s)) if !s.trim().is_empty() => Ok(s.trim().to_string()),
            Some(Value::Number(n)) => Ok(n.to_string()),
            _ => Err(BoundaryError::MissingProperty {
                kind,
                index,
                property,
            }),
        }
    };
    let district = AreaRef {
        name: property("district")?,
        id: property("district_id")?,
    };
    let (id, name, district) = match kind {
        AreaKind::District => (district.id, district.name, None),
        AreaKind::Village => (
            property("village_id")?,
            property("village")?,
            Some(district),
        ),
    };
    let polygons = feature
        .get("geometry")
        .ok_or_else(|| "no geometry".to_string())
        .and_then(parse_geometry)
        .map_err(|reason| BoundaryError::BadGeometry {
            kind,
            index,
            reason,
        })?;
    Area::from_parts(id, name, district, polygons).ok_or(BoundaryError::BadGeometry {
        kind,
        index,
        reason: "no polygons".to_string(),
    })
}

fn parse_geometry(geometry: &Value) -> Result<Vec<Polygon>, String> {
    let coordinates = geometry
        .get("coordinates")
        .and_then(Value::as_array)
        .ok_or("no \"coordinates\" array")?;
    match geometry.get("type").and_then(Value::as_str) {
        Some("Polygon") => Ok(vec![parse_polygon(coordinates)?]),
        Some("MultiPolygon") => coordinates
            .iter()
            .map(|p| parse_polygon(p.as_array().ok_or("a polygon is not an array")?))
            .collect(),
        Some(other) => Err(format!(
            "type \"{other}\" (only Polygon and MultiPolygon are areas)"
        )),
        None => Err("no \"type\"".to_string()),
    }
}

fn parse_polygon(rings: &[Value]) -> Result<Polygon, String> {
    let mut rings = rings
        .iter()
        .map(|r| parse_ring(r.as_array().ok_or("a ring is not an array")?));
    let outer = rings.next().ok_or("a polygon has no rings")??;
    let holes = rings.collect::<Result<Vec<_>, _>>()?;
    Polygon::new(outer, holes)
        .ok_or_else(|| "a ring has fewer than 3 distinct positions".to_string())
}

fn parse_ring(positions: &[Value]) -> Result<Vec<Point>, String> {
    positions
        .iter()
        .map(|position| {
            let numbers = position.as_array().ok_or("a position is not an array")?;
            match (
                numbers.first().and_then(Value::as_f64),
                numbers.get(1).and_then(Value::as_f64),
            ) {
                (Some(lon), Some(lat)) => Point::new(lat, lon).map_err(|_| {
                    format!("the position [{lon}, {lat}] is not a WGS84 longitude and latitude")
                }),
                _ => Err("a position is not [longitude, latitude]".to_string()),
            }
        })
        .collect()
}

/// GeoJSON text for tests, here and in `boundaries`.
#[cfg(test)]
pub(super) mod fixtures {
    use crate::geo::Point;

    pub fn pt(lat: f64, lon: f64) -> Point {
        Point::new(lat, lon).unwrap()
    }

    /// A GeoJSON ring (closed) for the box from (lat0, lon0) to (lat1, lon1).
    pub fn square(lat0: f64, lon0: f64, lat1: f64, lon1: f64) -> String {
        format!("[[{lon0},{lat0}],[{lon1},{lat0}],[{lon1},{lat1}],[{lon0},{lat1}],[{lon0},{lat0}]]")
    }

    pub fn feature(properties: &str, geometry: &str) -> String {
        format!(r#"{{"type":"Feature","properties":{{{properties}}},"geometry":{geometry}}}"#)
    }

    pub fn collection(features: &[String]) -> String {
        format!(
            r#"{{"type":"FeatureCollection","features":[{}]}}"#,
            features.join(",")
        )
    }

    pub fn district(name: &str, id: &str, geometry: &str) -> String {
        feature(
            &format!(r#""district":"{name}","district_id":"{id}""#),
            geometry,
        )
    }

    pub fn village(
        district: &str,
        district_id: &str,
        name: &str,
        id: &str,
        geometry: &str,
    ) -> String {
        feature(
            &format!(
                r#""district":"{district}","district_id":"{district_id}","village":"{name}","village_id":"{id}""#
            ),
            geometry,
        )
    }

    pub fn polygon(rings: &[String]) -> String {
        format!(
            r#"{{"type":"Polygon","coordinates":[{}]}}"#,
            rings.join(",")
        )
    }
}

#[cfg(test)]
mod tests {
    use super::fixtures::*;
    use super::*;
    use crate::geo::boundaries::Boundaries;

    fn error_of(districts: &str, villages: &str) -> BoundaryError {
        match Boundaries::from_geojson(districts, villages) {
            Ok(_) => panic!("accepted: {districts} / {villages}"),
            Err(e) => e,
        }
    }

    fn good_districts() -> String {
        collection(&[district(
            "A區",
            "1",
            &polygon(&[square(0.0, 0.0, 1.0, 1.0)]),
        )])
    }

    #[test]
    fn text_that_is_not_json_is_refused() {
        let e = error_of("{\"type\": \"FeatureCollection\",", "");
        assert!(
            matches!(
                e,
                BoundaryError::NotJson {
                    kind: AreaKind::District,
                    ..
                }
            ),
            "{e:?}"
        );
        assert!(
            e.to_string()
                .starts_with("the district boundaries are not JSON: "),
            "{e}"
        );
        let e = error_of(&good_districts(), "nope");
        assert!(
            matches!(
                e,
                BoundaryError::NotJson {
                    kind: AreaKind::Village,
                    ..
                }
            ),
            "{e:?}"
        );
    }

    #[test]
    fn json_that_is_not_a_feature_collection_is_refused() {
        for text in [
            r#"{"type":"Feature","features":[]}"#,
            r#"{"type":"FeatureCollection"}"#,
            r#"{"type":"FeatureCollection","features":{}}"#,
            "[1, 2]",
        ] {
            let e = error_of(text, "");
            assert!(
                matches!(
                    e,
                    BoundaryError::NotFeatureCollection {
                        kind: AreaKind::District
                    }
                ),
                "{text}: {e:?}"
            );
        }
        let e = error_of(r#"{"type":"FeatureCollection","features":[]}"#, "");
        assert!(
            matches!(
                e,
                BoundaryError::NoFeatures {
                    kind: AreaKind::District
                }
            ),
            "{e:?}"
        );
        assert_eq!(e.to_string(), "the district boundaries have no features");
    }

    #[test]
    fn a_feature_without_a_property_is_refused() {
        let geometry = polygon(&[square(0.0, 0.0, 1.0, 1.0)]);
        let cases = [
            (
                feature(r#""district_id":"1""#, &geometry),
                "district",
                AreaKind::District,
            ),
            (
                feature(r#""district":"A區","district_id":"""#, &geometry),
                "district_id",
                AreaKind::District,
            ),
            (
                feature(r#""district":"A區","district_id":null"#, &geometry),
                "district_id",
                AreaKind::District,
            ),
        ];
        for (f, missing, kind) in cases {
            let e = error_of(&collection(&[f]), "");
            match &e {
                BoundaryError::MissingProperty {
                    kind: k,
                    index: 0,
                    property,
                } => {
                    assert_eq!((*k, *property), (kind, missing), "{e}")
                }
                other => panic!("{other:?}"),
            }
        }
        let no_village_id = feature(
            r#""district":"A區","district_id":"1","village":"西里""#,
            &geometry,
        );
        let ok = village("A區", "1", "東里", "12", &geometry);
        let e = error_of(&good_districts(), &collection(&[ok, no_village_id]));
        assert_eq!(
            e.to_string(),
            "features[1] of the village boundaries has no property \"village_id\" (a non-empty string)"
        );
        // Numeric ids are read as text.
        let numeric = feature(r#""district":"A區","district_id":6300200"#, &geometry);
        let b = Boundaries::from_geojson(&collection(&[numeric]), "").unwrap();
        assert_eq!(b.districts()[0].id(), "6300200");
    }

    #[test]
    fn a_bad_geometry_is_refused() {
        let cases = [
            (r#"null"#, "no \"coordinates\" array"),
            (
                r#"{"type":"LineString","coordinates":[[0,0],[1,1]]}"#,
                "type \"LineString\"",
            ),
            (r#"{"coordinates":[]}"#, "no \"type\""),
            (
                r#"{"type":"Polygon","coordinates":[]}"#,
                "a polygon has no rings",
            ),
            (
                r#"{"type":"Polygon","coordinates":[[[0,0],[1,0],[0,0]]]}"#,
                "fewer than 3 distinct",
            ),
            (
                r#"{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,95],[0,0]]]}"#,
                "[1, 95] is not a WGS84",
            ),
            (
                r#"{"type":"Polygon","coordinates":[[[0,0],[1,"0"],[1,1],[0,0]]]}"#,
                "not [longitude, latitude]",
            ),
            (
                r#"{"type":"Polygon","coordinates":[[[0,0],5,[1,1],[0,0]]]}"#,
                "a position is not an array",
            ),
            (r#"{"type":"MultiPolygon","coordinates":[]}"#, "no polygons"),
        ];
        for (geometry, reason) in cases {
            let text = collection(&[district("A區", "1", geometry)]);
            let e = error_of(&text, "");
            assert!(
                matches!(
                    e,
                    BoundaryError::BadGeometry {
                        kind: AreaKind::District,
                        index: 0,
                        ..
                    }
                ),
                "{e:?}"
            );
            assert!(e.to_string().contains(reason), "{geometry}: {e}");
        }
        let missing = r#"{"type":"FeatureCollection","features":[{"properties":{"district":"A","district_id":"1"}}]}"#;
        assert!(
            error_of(missing, "")
                .to_string()
                .ends_with("has a bad geometry: no geometry")
        );
    }
}
