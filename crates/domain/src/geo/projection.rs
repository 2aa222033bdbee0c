//! Drawing WGS84 coordinates on a flat picture: an equirectangular projection into SVG user
//! units, with longitudes scaled by the cosine of the middle latitude so that a city looks
//! the right shape (at city scale this differs from Web Mercator by far less than a pixel's
//! worth of distortion). North is up: y grows downwards, as in SVG.

use super::boundaries::Area;
use super::{BoundingBox, Point};
use std::fmt::Write;

/// The smallest span drawn, in degrees (about a metre): a box around a single point still
/// gets a finite scale.
const MIN_SPAN_DEG: f64 = 1e-5;

/// Maps points of a bounding box onto a picture `width` units wide, leaving `margin` units
/// on every side; the height follows from the box's shape.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Viewport {
    bbox: BoundingBox,
    width: f64,
    height: f64,
    margin: f64,
    /// Picture units per degree of latitude.
    scale: f64,
    /// cos(middle latitude): a degree of longitude is this many degrees of latitude long.
    lon_factor: f64,
}

impl Viewport {
    /// A viewport showing `bbox` in a picture `width` units wide (at least 1) with `margin`
    /// units around it (clamped to a quarter of the width). A box narrower than about a metre
    /// is widened around its centre.
    pub fn new(bbox: BoundingBox, width: f64, margin: f64) -> Viewport {
        let width = if width.is_finite() {
            width.max(1.0)
        } else {
            1.0
        };
        let margin = if margin.is_finite() {
            margin.clamp(0.0, width / 4.0)
        } else {
            0.0
        };
        let widen = |lo: f64, hi: f64| {
            if hi - lo >= MIN_SPAN_DEG {
                (lo, hi)
            } else {
                let mid = (lo + hi) / 2.0;
                (mid - MIN_SPAN_DEG / 2.0, mid + MIN_SPAN_DEG / 2.0)
            }
        };
        let (min_lat, max_lat) = widen(bbox.min_lat, bbox.max_lat);
        let (min_lon, max_lon) = widen(bbox.min_lon, bbox.max_lon);
        let bbox = BoundingBox {
            min_lat,
            max_lat,
            min_lon,
            max_lon,
        };
        let lon_factor = ((min_lat + max_lat) / 2.0)
            .to_radians()
            .cos()
            .max(MIN_SPAN_DEG);
        let scale = (width - 2.0 * margin) / ((max_lon - min_lon) * lon_factor);
        let height = (max_lat - min_lat) * scale + 2.0 * margin;
        Viewport {
            bbox,
            width,
            height,
            margin,
            scale,
            lon_factor,
        }
    }

    /// The box drawn inside the margins.
    pub fn bbox(&self) -> BoundingBox {
        self.bbox
    }

    pub fn width(&self) -> f64 {
        self.width
    }

    pub fn height(&self) -> f64 {
        self.height
    }

    pub fn margin(&self) -> f64 {
        self.margin
    }

    /// Picture units per degree of longitude at every latitude (the projection is
    /// equirectangular).
    pub fn units_per_degree_lon(&self) -> f64 {
        self.scale * self.lon_factor
    }

    /// Where `p` is drawn: `(x, y)`, x eastwards and y southwards.
    pub fn project(&self, p: Point) -> (f64, f64) {
        (
            self.margin + (p.lon - self.bbox.min_lon) * self.lon_factor * self.scale,
            self.margin + (self.bbox.max_lat - p.lat) * self.scale,
        )
    }

    /// The point drawn at `(x, y)` (the inverse of [`Self::project`]; not range-checked).
    pub fn unproject(&self, x: f64, y: f64) -> Point {
        Point {
            lat: self.bbox.max_lat - (y - self.margin) / self.scale,
            lon: self.bbox.min_lon + (x - self.margin) / (self.lon_factor * self.scale),
        }
    }

    /// The box the whole picture shows, margins included.
    pub fn visible(&self) -> BoundingBox {
        let nw = self.unproject(0.0, 0.0);
        let se = self.unproject(self.width, self.height);
        BoundingBox {
            min_lat: se.lat,
            max_lat: nw.lat,
            min_lon: nw.lon,
            max_lon: se.lon,
        }
    }

    /// An SVG path `d` for every ring of the area (`M x y L x y … Z`, holes included, so
    /// `fill-rule="evenodd"` cuts them out), to one decimal. Points that round to the one
    /// before are left out, and so are rings that shrink below three points.
    pub fn path_d(&self, area: &Area) -> String {
        let mut d = String::new();
        for polygon in area.polygons() {
            self.ring_d(polygon.outer(), &mut d);
            for hole in polygon.holes() {
                self.ring_d(hole, &mut d);
            }
        }
        d
    }

    fn ring_d(&self, ring: &[Point], d: &mut String) {
        let mut points: Vec<(i64, i64)> = Vec::with_capacity(ring.len());
        for &p in ring {
            let (x, y) = self.project(p);
            let q = ((x * 10.0).round() as i64, (y * 10.0).round() as i64);
            if points.last() != Some(&q) {
                points.push(q);
            }
        }
        while points.len() > 1 && points.first() == points.last() {
            points.pop();
        }
        if points.len() < 3 {
            return;
        }
        for (i, &(x, y)) in points.iter().enumerate() {
            d.push(match i {
                0 => 'M',
                1 => 'L',
                _ => ' ',
            });
            write_tenths(d, x);
            d.push(' ');
            write_tenths(d, y);
        }
        d.push('Z');
    }
}

/// Writes `x` rounded to one decimal, without a trailing `.0` or a negative zero: the
/// shortest form SVG reads back as the same number.
pub fn write_number(out: &mut String, x: f64) {
    write_tenths(out, (x * 10.0).round() as i64);
}

fn write_tenths(out: &mut String, tenths: i64) {
    if tenths < 0 {
        out.push('-');
    }
    let t = tenths.unsigned_abs();
    // Writing to a String cannot fail.
    let _ = match t % 10 {
        0 => write!(out, "{}", t / 10),
        f => write!(out, "{}.{f}", t / 10),
    };
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::geo::boundaries::Boundaries;

    fn taipei_box() -> BoundingBox {
        BoundingBox {
            min_lat: 24.96,
            max_lat: 25.21,
            min_lon: 121.45,
            max_lon: 121.67,
        }
    }

    fn pt(lat: f64, lon: f64) -> Point {
        Point { lat, lon }
    }

    #[test]
    fn north_is_up_and_east_is_right() {
        let v = Viewport::new(taipei_box(), 800.0, 10.0);
        let centre = pt(25.05, 121.55);
        let (x, y) = v.project(centre);
        let (xn, yn) = v.project(pt(25.06, 121.55));
        let (xe, ye) = v.project(pt(25.05, 121.56));
        assert!(yn < y && (xn - x).abs() < 1e-9, "north is up");
        assert!(xe > x && (ye - y).abs() < 1e-9, "east is right");
    }

    #[test]
    fn the_box_fills_the_picture_inside_the_margins() {
        let b = taipei_box();
        let v = Viewport::new(b, 800.0, 10.0);
        let (x0, y0) = v.project(pt(b.max_lat, b.min_lon));
        let (x1, y1) = v.project(pt(b.min_lat, b.max_lon));
        assert!(
            (x0 - 10.0).abs() < 1e-9 && (y0 - 10.0).abs() < 1e-9,
            "{x0} {y0}"
        );
        assert!((x1 - 790.0).abs() < 1e-9, "{x1}");
        assert!((y1 - (v.height() - 10.0)).abs() < 1e-9, "{y1}");
        // Taipei is about 22 km east-west and 28 km north-south.
        assert!(v.height() > 900.0 && v.height() < 1100.0, "{}", v.height());
    }

    #[test]
    fn a_kilometre_is_as_long_eastwards_as_northwards() {
        let v = Viewport::new(taipei_box(), 800.0, 0.0);
        let c = pt(25.05, 121.55);
        let north = c.radius_filter(1000.0).bbox();
        let (x, y) = v.project(c);
        let (_, yn) = v.project(pt(north.max_lat, c.lon));
        let (xe, _) = v.project(pt(c.lat, north.max_lon));
        let (dn, de) = (y - yn, xe - x);
        assert!((dn - de).abs() / dn < 0.01, "north {dn}, east {de}");
    }

    #[test]
    fn unproject_inverts_project_and_visible_holds_the_box() {
        let v = Viewport::new(taipei_box(), 640.0, 20.0);
        let p = pt(25.1, 121.5);
        let (x, y) = v.project(p);
        let q = v.unproject(x, y);
        assert!((q.lat - p.lat).abs() < 1e-12 && (q.lon - p.lon).abs() < 1e-12);
        let seen = v.visible();
        assert!(seen.min_lat < 24.96 && seen.max_lat > 25.21);
        assert!(seen.min_lon < 121.45 && seen.max_lon > 121.67);
    }

    #[test]
    fn a_box_around_one_point_still_has_a_scale() {
        let p = pt(25.05, 121.55);
        let v = Viewport::new(BoundingBox::around([p]).unwrap(), 300.0, 10.0);
        let (x, y) = v.project(p);
        assert!((x - 150.0).abs() < 1e-6, "{x}");
        assert!(y.is_finite() && v.height().is_finite() && v.height() > 20.0);
        let odd = Viewport::new(taipei_box(), f64::NAN, -3.0);
        assert_eq!((odd.width(), odd.margin()), (1.0, 0.0));
    }

    #[test]
    fn paths_have_a_ring_per_outline_and_hole() {
        let square =
            |a: f64, b: f64| format!("[[{a},{a}],[{b},{a}],[{b},{b}],[{a},{b}],[{a},{a}]]");
        let text = format!(
            r#"{{"type":"FeatureCollection","features":[{{"type":"Feature","properties":{{"district":"A","district_id":"1"}},"geometry":{{"type":"MultiPolygon","coordinates":[[{},{}],[{}],[{}]]}}}}]}}"#,
            square(0.0, 1.0),
            square(0.25, 0.75),
            square(2.0, 3.0),
            // Far smaller than a tenth of a unit: rounds to one point and is left out.
            square(2.5, 2.500_000_1),
        );
        let b = Boundaries::from_geojson(&text, "").unwrap();
        let v = Viewport::new(b.bounds(), 301.0, 0.0);
        let d = v.path_d(&b.districts()[0]);
        assert_eq!(d.matches('M').count(), 3, "{d}");
        assert_eq!(d.matches('Z').count(), 3, "{d}");
        assert!(d.starts_with("M0 "), "{d}");
        assert!(!d.contains("-0") && !d.contains(".0 "), "{d}");
        let decimals = d
            .split(|c: char| !(c.is_ascii_digit() || c == '.'))
            .filter_map(|n| n.split_once('.'))
            .all(|(_, f)| f.len() == 1);
        assert!(decimals, "{d}");
    }

    #[test]
    fn numbers_are_short() {
        let s = |x| {
            let mut out = String::new();
            write_number(&mut out, x);
            out
        };
        assert_eq!(s(12.0), "12");
        assert_eq!(s(12.345), "12.3");
        assert_eq!(s(-0.04), "0");
        assert_eq!(s(-1.25), "-1.3");
        assert_eq!(s(0.96), "1");
    }
}
