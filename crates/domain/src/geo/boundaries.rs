//! Administrative boundaries (districts and the villages, 里, within them) and the lookup of
//! the district and village that hold a point.
//!
//! Boundaries are read from two GeoJSON `FeatureCollection`s of WGS84 `Polygon` or
//! `MultiPolygon` features, in the form `tools/boundaries/simplify.py` writes:
//!
//! - districts: properties `district` (the name, e.g. 大安區) and `district_id`;
//! - villages: properties `district`, `district_id`, `village` (e.g. 學府里) and `village_id`.
//!
//! Taipei's are built in ([`taipei`]); another city's files of the same form are parsed with
//! [`Boundaries::from_geojson`]. Shown anywhere, Taipei's boundaries need
//! [`TAIPEI_ATTRIBUTION`] beside them.

pub use super::geojson::{AreaKind, BoundaryError};

use super::geojson::parse_areas;
use super::{BoundingBox, Point};
use serde::Serialize;
use std::sync::OnceLock;

/// The attribution the Taipei boundary data requires wherever it is shown (see
/// `data/boundaries/taipei/NOTICE.md`).
pub const TAIPEI_ATTRIBUTION: &str =
    "行政區界：內政部國土測繪中心 (Open Government Data License v1.0)";

/// Taipei's 12 districts, simplified (`data/boundaries/taipei/districts.geojson`).
pub const TAIPEI_DISTRICTS_GEOJSON: &str =
    include_str!("../../../../data/boundaries/taipei/districts.geojson");

/// Taipei's 456 villages, simplified (`data/boundaries/taipei/villages.geojson`).
pub const TAIPEI_VILLAGES_GEOJSON: &str =
    include_str!("../../../../data/boundaries/taipei/villages.geojson");

/// Taipei's districts and villages, parsed on first use. The data is compiled in and tested
/// (`the_built_in_taipei_data_is_complete`), so it cannot fail to parse at run time.
pub fn taipei() -> &'static Boundaries {
    static TAIPEI: OnceLock<Boundaries> = OnceLock::new();
    TAIPEI.get_or_init(|| {
        Boundaries::from_geojson(TAIPEI_DISTRICTS_GEOJSON, TAIPEI_VILLAGES_GEOJSON)
            .expect("the built-in Taipei boundaries parse (tested)")
    })
}

/// One polygon: an outer ring and the holes cut out of it, with its bounding box. Rings are
/// stored without GeoJSON's repeated closing position (each is implicitly closed).
#[derive(Debug, Clone, PartialEq)]
pub struct Polygon {
    outer: Vec<Point>,
    holes: Vec<Vec<Point>>,
    bbox: BoundingBox,
}

impl Polygon {
    /// A polygon from its rings, closed or not. `None` when a ring has fewer than 3
    /// distinct positions.
    pub fn new(outer: Vec<Point>, holes: Vec<Vec<Point>>) -> Option<Polygon> {
        let outer = open_ring(outer)?;
        let holes = holes
            .into_iter()
            .map(open_ring)
            .collect::<Option<Vec<_>>>()?;
        let bbox = BoundingBox::around(outer.iter().copied())?;
        Some(Polygon { outer, holes, bbox })
    }

    pub fn outer(&self) -> &[Point] {
        &self.outer
    }

    pub fn holes(&self) -> &[Vec<Point>] {
        &self.holes
    }

    pub fn bbox(&self) -> BoundingBox {
        self.bbox
    }

    /// Whether `p` is inside the outer ring and in none of the holes (even–odd ray casting
    /// after a bounding-box test). Points exactly on an edge may fall either way.
    pub fn contains(&self, p: Point) -> bool {
        self.bbox.contains(p)
            && ring_contains(&self.outer, p)
            && !self.holes.iter().any(|h| ring_contains(h, p))
    }
}

/// Drops a repeated closing position; `None` unless 3 distinct positions remain.
fn open_ring(mut ring: Vec<Point>) -> Option<Vec<Point>> {
    ring.dedup();
    while ring.len() > 1 && ring.first() == ring.last() {
        ring.pop();
    }
    (ring.len() >= 3).then_some(ring)
}

/// Even–odd test: a ray from `p` towards +longitude crosses the ring an odd number of times.
fn ring_contains(ring: &[Point], p: Point) -> bool {
    let mut inside = false;
    let mut j = ring.len().wrapping_sub(1);
    for (i, a) in ring.iter().enumerate() {
        let b = ring[j];
        if (a.lat > p.lat) != (b.lat > p.lat) {
            let lon_at = a.lon + (b.lon - a.lon) * (p.lat - a.lat) / (b.lat - a.lat);
            if p.lon < lon_at {
                inside = !inside;
            }
        }
        j = i;
    }
    inside
}

/// A district a village belongs to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AreaRef {
    pub id: String,
    pub name: String,
}

/// A district or a village: its id, name, the district it belongs to (villages only) and
/// its polygons (never none).
#[derive(Debug, Clone, PartialEq)]
pub struct Area {
    id: String,
    name: String,
    district: Option<AreaRef>,
    polygons: Vec<Polygon>,
    bbox: BoundingBox,
}

impl Area {
    /// An area of at least one polygon (`None` for none).
    pub(super) fn from_parts(
        id: String,
        name: String,
        district: Option<AreaRef>,
        polygons: Vec<Polygon>,
    ) -> Option<Area> {
        let bbox = polygons
            .iter()
            .map(Polygon::bbox)
            .reduce(|a, b| a.union(&b))?;
        Some(Area {
            id,
            name,
            district,
            polygons,
            bbox,
        })
    }

    pub fn id(&self) -> &str {
        &self.id
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    /// The district of a village; `None` for a district.
    pub fn district(&self) -> Option<&AreaRef> {
        self.district.as_ref()
    }

    pub fn polygons(&self) -> &[Polygon] {
        &self.polygons
    }

    /// The box around all of its polygons.
    pub fn bbox(&self) -> BoundingBox {
        self.bbox
    }

    /// Whether any of its polygons holds `p`.
    pub fn contains(&self, p: Point) -> bool {
        self.bbox.contains(p) && self.polygons.iter().any(|poly| poly.contains(p))
    }
}

/// Where a point is: its district and, where villages are known and one holds it, its
/// village.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Place {
    /// The district's name, e.g. 大安區.
    pub district: String,
    pub district_id: String,
    /// The village's name, e.g. 學府里.
    pub village: Option<String>,
    pub village_id: Option<String>,
}

/// The districts and villages of a city, for lookup and drawing.
#[derive(Debug, Clone, PartialEq)]
pub struct Boundaries {
    districts: Vec<Area>,
    villages: Vec<Area>,
    bounds: BoundingBox,
}

impl Boundaries {
    /// Parses the districts' and the villages' GeoJSON (see the module documentation for
    /// the properties). `villages` may be empty (or blank): districts only.
    pub fn from_geojson(districts: &str, villages: &str) -> Result<Boundaries, BoundaryError> {
        let districts = parse_areas(districts, AreaKind::District)?;
        let villages = if villages.trim().is_empty() {
            Vec::new()
        } else {
            parse_areas(villages, AreaKind::Village)?
        };
        // Both are non-empty (parse_areas refuses no features), so the fold has a start.
        let bounds = districts
            .iter()
            .chain(&villages)
            .map(Area::bbox)
            .reduce(|a, b| a.union(&b))
            .ok_or(BoundaryError::NoFeatures {
                kind: AreaKind::District,
            })?;
        Ok(Boundaries {
            districts,
            villages,
            bounds,
        })
    }

    /// The district and village that hold `p`, or `None` outside every district and
    /// village. A village decides the district (its own `district` property), so the two
    /// always agree even where the files' borders differ by a few metres; a point in a
    /// district but in no village has no village.
    pub fn locate(&self, p: Point) -> Option<Place> {
        if !self.bounds.contains(p) {
            return None;
        }
        if let Some(village) = self.villages.iter().find(|v| v.contains(p))
            && let Some(district) = &village.district
        {
            return Some(Place {
                district: district.name.clone(),
                district_id: district.id.clone(),
                village: Some(village.name.clone()),
                village_id: Some(village.id.clone()),
            });
        }
        self.districts
            .iter()
            .find(|d| d.contains(p))
            .map(|d| Place {
                district: d.name.clone(),
                district_id: d.id.clone(),
                village: None,
                village_id: None,
            })
    }

    /// The box around every district and village.
    pub fn bounds(&self) -> BoundingBox {
        self.bounds
    }

    pub fn districts(&self) -> &[Area] {
        &self.districts
    }

    /// The villages; empty when none were given.
    pub fn villages(&self) -> &[Area] {
        &self.villages
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::geo::geojson::fixtures::*;
    use proptest::prelude::*;

    /// Landmarks and the district and village the original (unsimplified) boundaries put
    /// them in; each is at least 40 m from every border, in the original and in the
    /// simplified data, so simplification cannot change the answer (checked with
    /// `tools/boundaries/simplify.py`'s output by ray casting in Python).
    #[rustfmt::skip]
    const KNOWN: &[(&str, f64, f64, &str, &str, &str, &str)] = &[
        ("Taipei City Hall", 25.0375, 121.5637, "信義區", "6300200", "西村里", "6300200001"),
        ("Taipei Main Station", 25.0478, 121.5170, "中正區", "6300500", "黎明里", "6300500024"),
        ("Taipei 101", 25.0340, 121.5645, "信義區", "6300200", "西村里", "6300200001"),
        ("Xinbeitou station", 25.1369, 121.5031, "北投區", "6301200", "中心里", "6301200027"),
        ("National Taiwan University", 25.0174, 121.5405, "大安區", "6300300", "學府里", "6300300057"),
        ("Neihu district office", 25.0696, 121.5889, "內湖區", "6301000", "湖興里", "6301000029"),
        ("Nangang station", 25.0521, 121.6068, "南港區", "6300900", "中南里", "6300900002"),
        ("Taipei Zoo", 24.9983, 121.5810, "文山區", "6300800", "萬興里", "6300800035"),
        ("Shilin night market", 25.0880, 121.5241, "士林區", "6301100", "義信里", "6301100002"),
        ("National Palace Museum", 25.1024, 121.5485, "士林區", "6301100", "臨溪里", "6301100051"),
        ("Longshan Temple", 25.0372, 121.4999, "萬華區", "6300700", "富民里", "6300700007"),
        ("Dalongdong Baoan Temple", 25.0731, 121.5155, "大同區", "6300600", "保安里", "6300600026"),
        ("Songshan airport", 25.0697, 121.5525, "松山區", "6300100", "精忠里", "6300100010"),
        ("Xingtian Temple", 25.0630, 121.5336, "中山區", "6300400", "行政里", "6300400024"),
        ("Daan Forest Park", 25.0300, 121.5355, "大安區", "6300300", "龍門里", "6300300041"),
    ];

    #[test]
    fn known_points_find_their_district_and_village() {
        let taipei = taipei();
        for &(what, lat, lon, district, district_id, village, village_id) in KNOWN {
            let want = Place {
                district: district.to_string(),
                district_id: district_id.to_string(),
                village: Some(village.to_string()),
                village_id: Some(village_id.to_string()),
            };
            assert_eq!(taipei.locate(pt(lat, lon)), Some(want), "{what}");
        }
        let districts: std::collections::BTreeSet<_> = KNOWN.iter().map(|k| k.3).collect();
        assert_eq!(districts.len(), 12, "every district is tested");
    }

    #[test]
    fn known_points_find_their_district_without_villages() {
        let districts = Boundaries::from_geojson(TAIPEI_DISTRICTS_GEOJSON, "").unwrap();
        assert!(districts.villages().is_empty());
        for &(what, lat, lon, district, district_id, ..) in KNOWN {
            let want = Place {
                district: district.to_string(),
                district_id: district_id.to_string(),
                village: None,
                village_id: None,
            };
            assert_eq!(districts.locate(pt(lat, lon)), Some(want), "{what}");
        }
    }

    #[test]
    fn points_outside_taipei_are_nowhere() {
        // Banqiao station, New Taipei: inside Taipei's bounding box, outside every polygon.
        let banqiao = pt(25.0143, 121.4672);
        assert!(taipei().bounds().contains(banqiao));
        assert_eq!(taipei().locate(banqiao), None);
        assert_eq!(taipei().locate(pt(22.6273, 120.3014)), None, "Kaohsiung");
    }

    #[test]
    fn the_built_in_taipei_data_is_complete() {
        let taipei = taipei();
        assert_eq!(taipei.districts().len(), 12);
        assert_eq!(taipei.villages().len(), 456);
        for v in taipei.villages() {
            let d = v.district().expect("a village has a district");
            assert!(
                taipei
                    .districts()
                    .iter()
                    .any(|x| x.id() == d.id && x.name() == d.name),
                "{} {}: unknown district {d:?}",
                v.id(),
                v.name()
            );
            assert!(v.id().starts_with(&d.id), "{}", v.id());
        }
        assert!(taipei.districts().iter().all(|d| d.district().is_none()));
        let b = taipei.bounds();
        assert!(b.min_lat > 24.9 && b.max_lat < 25.3, "{b:?}");
        assert!(b.min_lon > 121.4 && b.max_lon < 121.7, "{b:?}");
    }

    #[test]
    fn a_village_decides_the_district_and_no_village_means_none() {
        // The district file says the whole square is A; the village file puts its west
        // half in a village of B (borders that disagree, as real files do by metres).
        let districts = collection(&[district(
            "A區",
            "1",
            &polygon(&[square(0.0, 0.0, 1.0, 1.0)]),
        )]);
        let villages = collection(&[village(
            "B區",
            "2",
            "西里",
            "21",
            &polygon(&[square(0.0, 0.0, 1.0, 0.5)]),
        )]);
        let b = Boundaries::from_geojson(&districts, &villages).unwrap();
        let west = b.locate(pt(0.5, 0.25)).unwrap();
        assert_eq!(
            (west.district.as_str(), west.district_id.as_str()),
            ("B區", "2")
        );
        assert_eq!(
            (west.village.as_deref(), west.village_id.as_deref()),
            (Some("西里"), Some("21"))
        );
        let east = b.locate(pt(0.5, 0.75)).unwrap();
        assert_eq!(east.district, "A區");
        assert_eq!(east.village, None);
        assert_eq!(b.locate(pt(0.5, 1.5)), None);
    }

    #[test]
    fn holes_and_multipolygons() {
        // One district of two squares, the first with a hole; another district in the hole.
        let multi = format!(
            r#"{{"type":"MultiPolygon","coordinates":[[{},{}],[{}]]}}"#,
            square(0.0, 0.0, 3.0, 3.0),
            square(1.0, 1.0, 2.0, 2.0),
            square(0.0, 5.0, 1.0, 6.0)
        );
        let districts = collection(&[
            district("Ring", "1", &multi),
            district("Core", "2", &polygon(&[square(1.2, 1.2, 1.8, 1.8)])),
        ]);
        let b = Boundaries::from_geojson(&districts, "").unwrap();
        let name = |lat, lon| b.locate(pt(lat, lon)).map(|p| p.district);
        assert_eq!(name(0.5, 0.5).as_deref(), Some("Ring"));
        assert_eq!(
            name(1.5, 1.5).as_deref(),
            Some("Core"),
            "the hole is not Ring's"
        );
        assert_eq!(name(1.1, 1.1), None, "in the hole, outside Core");
        assert_eq!(
            name(0.5, 5.5).as_deref(),
            Some("Ring"),
            "the second part counts"
        );
        assert_eq!(name(0.5, 4.0), None, "between the parts");
        assert_eq!(b.districts()[0].polygons().len(), 2);
        assert_eq!(b.districts()[0].polygons()[0].holes().len(), 1);
        assert_eq!(
            b.districts()[0].polygons()[0].outer().len(),
            4,
            "closing point dropped"
        );
        assert_eq!(b.bounds().max_lon, 6.0);
    }

    #[test]
    fn concave_rings_are_handled() {
        // A "U": the notch between its arms is outside.
        let u = "[[0,0],[3,0],[3,3],[2,3],[2,1],[1,1],[1,3],[0,3],[0,0]]";
        let b = Boundaries::from_geojson(
            &collection(&[district("U", "1", &polygon(&[u.to_string()]))]),
            "",
        )
        .unwrap();
        assert!(b.locate(pt(2.0, 1.5)).is_none(), "the notch");
        assert!(b.locate(pt(2.0, 0.5)).is_some(), "an arm");
        assert!(b.locate(pt(0.5, 1.5)).is_some(), "the base");
    }

    proptest! {
        /// A point strictly inside a square with a square hole (off every edge) is in the
        /// polygon if and only if it is not in the hole, wherever the square is and however
        /// its rings run.
        #[test]
        fn inside_a_square_with_a_hole_iff_not_in_the_hole(
            lat0 in -60f64..60.0, lon0 in -170f64..170.0, size in 0.001f64..5.0,
            (h0, h1) in (0.05f64..0.45, 0.55f64..0.95),
            u in 0.001f64..0.999, v in 0.001f64..0.999, reversed: bool,
        ) {
            let at = |a: f64, b: f64| Point { lat: lat0 + a * size, lon: lon0 + b * size };
            let ring = |lo: f64, hi: f64| {
                let mut r = vec![at(lo, lo), at(lo, hi), at(hi, hi), at(hi, lo)];
                if reversed { r.reverse(); }
                r
            };
            let poly = Polygon::new(ring(0.0, 1.0), vec![ring(h0, h1)]).unwrap();
            let off_hole_edges = [u - h0, u - h1, v - h0, v - h1].iter().all(|d| d.abs() > 1e-6);
            prop_assume!(off_hole_edges);
            let in_hole = (h0..h1).contains(&u) && (h0..h1).contains(&v);
            prop_assert_eq!(poly.contains(at(u, v)), !in_hole);
            prop_assert!(!poly.contains(at(u + 1.0, v)), "outside the square");
        }
    }

    #[test]
    fn polygons_need_three_distinct_positions() {
        let p = |lat, lon| Point { lat, lon };
        assert!(Polygon::new(vec![p(0.0, 0.0), p(1.0, 0.0), p(0.0, 0.0)], vec![]).is_none());
        assert!(
            Polygon::new(
                vec![p(0.0, 0.0), p(1.0, 0.0), p(1.0, 0.0), p(0.0, 0.0)],
                vec![]
            )
            .is_none()
        );
        let triangle = vec![p(0.0, 0.0), p(1.0, 0.0), p(1.0, 1.0)];
        assert!(Polygon::new(triangle.clone(), vec![]).is_some());
        assert!(
            Polygon::new(triangle, vec![vec![p(0.1, 0.1)]]).is_none(),
            "a bad hole"
        );
    }
}
