//! Maps drawn on the server as SVG, without a tile server: district or village outlines,
//! fills by case density, pins, and (when a tile server is configured) tiles underneath.
//!
//! The renderer is pure: [`MapSvg`] takes the boundaries, a width in pixels and what to draw,
//! and [`MapSvg::render`] returns an SVG string ready to be embedded in a page unescaped:
//! `role="img"`, or `role="group"` when it holds pins with links (an image's children are
//! presentational, so links inside one could not be reached: WCAG 4.1.2, axe's
//! `nested-interactive`); its `<title>` is its accessible name either way. It never writes a user-visible word of its own: the title, description and
//! attribution come in [`MapText`], already translated, and every text is XML-escaped. The
//! text alternative of a density map is the caller's to render from [`Density::legend`] and
//! [`Density::rows`].
//!
//! Output is kept small: coordinates to one decimal, no per-element styles. Elements carry
//! classes for the stylesheet, e.g.
//!
//! ```css
//! .map { max-width: 100%; height: auto; }
//! .map-area { fill: #f4f4f0; stroke: #777; stroke-width: .5; }
//! .map-d0 { fill: #f7f7f7; } .map-d1 { fill: #fde0c5; } .map-d2 { fill: #facba6; }
//! .map-d3 { fill: #f59e72; } .map-d4 { fill: #e4573a; }
//! .map-lines { fill: none; stroke: #333; stroke-width: 1.2; }
//! .map-pin { fill: #c00; stroke: #fff; stroke-width: 2; }
//! .map-band { fill: #fff; } .map-attribution { font-size: 10px; fill: #555; }
//! ```
//!
//! Groups carry neutral fallbacks as presentation attributes (which any CSS rule overrides),
//! so a map without the stylesheet still shows outlines rather than black shapes.
//!
//! Tiles: with [`MapSvg::tiles`], the Web-Mercator tiles (`{z}/{x}/{y}`) covering the picture
//! are drawn as `<image>`s underneath, each stretched between the projected positions of its
//! corners. The map itself is equirectangular, so inside a tile the latitude scale differs
//! from Mercator's; across one tile at city zoom levels (a few kilometres) that is far below
//! a pixel, so roads and outlines line up.

mod density;
mod tiles;

pub use density::{AreaRow, DENSITY_CLASSES, Density, LegendRow};
pub use tiles::MAX_TILES;

use domain::geo::boundaries::Boundaries;
use domain::geo::projection::{Viewport, write_number};
use domain::geo::{BoundingBox, Point};

/// Margin around the drawn box, in pixels.
const MARGIN: f64 = 6.0;
/// The band under the map that holds the attribution line.
const ATTRIBUTION_BAND: f64 = 14.0;
/// A pin's radius, in pixels.
const PIN_RADIUS: &str = "6";

/// Which areas a map draws.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum AreaLayer {
    #[default]
    Districts,
    Villages,
}

/// A marker, e.g. a case: drawn as a circle with the label as its `<title>` or, when it has
/// an `href`, as a link (`<a>`, the label its `<title>`) around the circle. `class` is added to `map-pin` (e.g. the case's status).
#[derive(Debug, Clone, PartialEq)]
pub struct Pin {
    pub point: Point,
    pub label: String,
    pub href: Option<String>,
    pub class: String,
}

/// The words on a map, already in the reader's language: its title and description (the
/// accessible name and description of the image) and the attribution line the data needs
/// (e.g. `domain::geo::boundaries::TAIPEI_ATTRIBUTION`, plus the tile server's when tiles
/// are drawn).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MapText<'a> {
    pub title: &'a str,
    pub desc: &'a str,
    pub attribution: &'a str,
}

/// A map to draw; see the module documentation.
#[derive(Debug, Clone)]
pub struct MapSvg<'a> {
    boundaries: &'a Boundaries,
    width: f64,
    focus: Option<BoundingBox>,
    layer: AreaLayer,
    district_lines: bool,
    density: Option<&'a Density>,
    pins: Vec<Pin>,
    tiles: Option<&'a str>,
}

impl<'a> MapSvg<'a> {
    /// A map of all of `boundaries`' districts, `width_px` wide (at least 50).
    pub fn new(boundaries: &'a Boundaries, width_px: u32) -> MapSvg<'a> {
        MapSvg {
            boundaries,
            width: f64::from(width_px.max(50)),
            focus: None,
            layer: AreaLayer::Districts,
            district_lines: false,
            density: None,
            pins: Vec::new(),
            tiles: None,
        }
    }

    /// Shows only the square `radius_m` (at least 50 m) around `centre`, e.g. a case's
    /// surroundings; only areas that reach into the picture are drawn.
    pub fn focus(self, centre: Point, radius_m: f64) -> MapSvg<'a> {
        let radius_m = if radius_m.is_finite() {
            radius_m.max(50.0)
        } else {
            500.0
        };
        self.focus_bbox(centre.radius_filter(radius_m).bbox())
    }

    /// Shows only `bbox` (and the margin around it).
    pub fn focus_bbox(mut self, bbox: BoundingBox) -> MapSvg<'a> {
        self.focus = Some(bbox);
        self
    }

    /// Districts (the default) or villages.
    pub fn layer(mut self, layer: AreaLayer) -> MapSvg<'a> {
        self.layer = layer;
        self
    }

    /// Draws the districts' outlines over the areas (`map-lines`), for a map of villages.
    pub fn district_lines(mut self, on: bool) -> MapSvg<'a> {
        self.district_lines = on;
        self
    }

    /// Fills the areas by their count (`map-d0`..`map-d4`); ids are the layer's.
    pub fn density(mut self, density: &'a Density) -> MapSvg<'a> {
        self.density = Some(density);
        self
    }

    pub fn pin(mut self, pin: Pin) -> MapSvg<'a> {
        self.pins.push(pin);
        self
    }

    pub fn pins(mut self, pins: impl IntoIterator<Item = Pin>) -> MapSvg<'a> {
        self.pins.extend(pins);
        self
    }

    /// Draws tiles underneath from a URL template with `{z}`, `{x}`, `{y}` (and optionally
    /// `{s}`, replaced by `a`, `b` or `c`), e.g. `https://tile.example.org/{z}/{x}/{y}.png`.
    /// `None`: no tiles.
    pub fn tiles(mut self, tile_url_template: Option<&'a str>) -> MapSvg<'a> {
        self.tiles = tile_url_template;
        self
    }

    /// How points are placed on the picture (the attribution band lies below its height).
    pub fn viewport(&self) -> Viewport {
        let bbox = self.focus.unwrap_or_else(|| self.boundaries.bounds());
        Viewport::new(bbox, self.width, MARGIN)
    }

    /// The SVG, `width` × (the viewport's height + the attribution band) user units.
    pub fn render(&self, text: &MapText<'_>) -> String {
        let vp = self.viewport();
        let visible = vp.visible();
        let (w, h) = (vp.width(), vp.height() + ATTRIBUTION_BAND);
        let pins: Vec<&Pin> = self
            .pins
            .iter()
            .filter(|p| visible.contains(p.point))
            .collect();
        let role = if pins.iter().any(|p| p.href.is_some()) {
            "group"
        } else {
            "img"
        };
        let mut out = String::with_capacity(64 * 1024);
        out.push_str(r#"<svg xmlns="http://www.w3.org/2000/svg" class="map" role=""#);
        out.push_str(role);
        out.push_str("\" viewBox=\"0 0 ");
        write_number(&mut out, w);
        out.push(' ');
        write_number(&mut out, h);
        out.push_str("\" width=\"");
        write_number(&mut out, w);
        out.push_str("\" height=\"");
        write_number(&mut out, h);
        out.push_str("\"><title>");
        escape_into(&mut out, text.title);
        out.push_str("</title><desc>");
        escape_into(&mut out, text.desc);
        out.push_str("</desc>");

        if let Some(template) = self.tiles {
            tiles::render_tiles(&mut out, &vp, template);
        }

        let areas = match self.layer {
            AreaLayer::Districts => self.boundaries.districts(),
            AreaLayer::Villages => self.boundaries.villages(),
        };
        out.push_str(
            r##"<g class="map-areas" fill="none" stroke="#777" stroke-width=".5" fill-rule="evenodd">"##,
        );
        for area in areas.iter().filter(|a| a.bbox().intersects(&visible)) {
            let d = vp.path_d(area);
            if d.is_empty() {
                continue;
            }
            out.push_str("<path class=\"map-area");
            if let Some(density) = self.density {
                out.push(' ');
                out.push_str(density.class(area.id()));
            }
            out.push_str("\" d=\"");
            out.push_str(&d);
            out.push_str("\"><title>");
            escape_into(&mut out, area.name());
            out.push_str("</title></path>");
        }
        out.push_str("</g>");

        if self.district_lines {
            out.push_str(
                r##"<g class="map-lines" fill="none" stroke="#333" fill-rule="evenodd">"##,
            );
            let districts = self.boundaries.districts().iter();
            for area in districts.filter(|a| a.bbox().intersects(&visible)) {
                let d = vp.path_d(area);
                if !d.is_empty() {
                    out.push_str("<path d=\"");
                    out.push_str(&d);
                    out.push_str("\"/>");
                }
            }
            out.push_str("</g>");
        }

        // The attribution's band, clear of the areas and tiles that reach into it.
        out.push_str(r##"<rect class="map-band" fill="#fff" x="0" y=""##);
        write_number(&mut out, vp.height());
        out.push_str("\" width=\"");
        write_number(&mut out, w);
        out.push_str("\" height=\"");
        write_number(&mut out, ATTRIBUTION_BAND);
        out.push_str("\"/>");

        if !pins.is_empty() {
            out.push_str(r#"<g class="map-pins">"#);
            for pin in pins {
                render_pin(&mut out, &vp, pin);
            }
            out.push_str("</g>");
        }

        out.push_str(r#"<text class="map-attribution" text-anchor="end" font-size="10" x=""#);
        write_number(&mut out, w - 4.0);
        out.push_str("\" y=\"");
        write_number(&mut out, h - 4.0);
        out.push_str("\">");
        escape_into(&mut out, text.attribution);
        out.push_str("</text></svg>");
        out
    }
}

fn render_pin(out: &mut String, vp: &Viewport, pin: &Pin) {
    let (x, y) = vp.project(pin.point);
    if let Some(href) = &pin.href {
        out.push_str("<a href=\"");
        escape_into(out, href);
        out.push_str("\"><title>");
        escape_into(out, &pin.label);
        out.push_str("</title>");
    }
    out.push_str("<circle class=\"map-pin");
    if !pin.class.trim().is_empty() {
        out.push(' ');
        escape_into(out, pin.class.trim());
    }
    out.push_str("\" cx=\"");
    write_number(out, x);
    out.push_str("\" cy=\"");
    write_number(out, y);
    out.push_str("\" r=\"");
    out.push_str(PIN_RADIUS);
    if pin.href.is_some() {
        out.push_str("\"/></a>");
    } else {
        out.push_str("\"><title>");
        escape_into(out, &pin.label);
        out.push_str("</title></circle>");
    }
}

/// Appends `text` escaped for XML text and attribute values; characters XML cannot hold
/// (control characters other than tab and line breaks) are left out.
fn escape_into(out: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if c.is_control() || c == '\u{FFFE}' || c == '\u{FFFF}' => {}
            c => out.push(c),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::tiles::{tile_x, tile_y};
    use super::*;
    use domain::geo::boundaries::{TAIPEI_ATTRIBUTION, taipei};

    const TEXT: MapText<'static> = MapText {
        title: "Cases by village",
        desc: "Where cases were reported",
        attribution: TAIPEI_ATTRIBUTION,
    };

    fn pt(lat: f64, lon: f64) -> Point {
        Point::new(lat, lon).unwrap()
    }

    /// Five districts "D0".."D4", unit squares side by side along the equator, 2° apart.
    fn row_of_squares() -> Boundaries {
        let features: Vec<String> = (0..5)
            .map(|i| {
                let (a, b) = (f64::from(i) * 2.0, f64::from(i) * 2.0 + 1.0);
                format!(
                    r#"{{"type":"Feature","properties":{{"district":"D{i}","district_id":"{i}"}},"geometry":{{"type":"Polygon","coordinates":[[[{a},0],[{b},0],[{b},1],[{a},1],[{a},0]]]}}}}"#
                )
            })
            .collect();
        let text = format!(
            r#"{{"type":"FeatureCollection","features":[{}]}}"#,
            features.join(",")
        );
        Boundaries::from_geojson(&text, "").unwrap()
    }

    /// The value of every `name="…"` attribute, in order.
    fn attrs(svg: &str, name: &str) -> Vec<f64> {
        let key = format!(" {name}=\"");
        svg.match_indices(&key)
            .map(|(i, _)| {
                let rest = &svg[i + key.len()..];
                rest[..rest.find('"').unwrap()].parse().unwrap()
            })
            .collect()
    }

    fn view_box(svg: &str) -> (f64, f64) {
        let rest = &svg[svg.find("viewBox=\"0 0 ").unwrap() + 13..];
        let (w, rest) = rest.split_once(' ').unwrap();
        let h = &rest[..rest.find('"').unwrap()];
        (w.parse().unwrap(), h.parse().unwrap())
    }

    #[test]
    fn text_is_escaped_and_a_map_with_links_is_a_group() {
        let b = row_of_squares();
        let pin = Pin {
            point: pt(0.5, 0.5),
            label: "<script>alert('x')</script> & \"co\"\u{7}".to_string(),
            href: Some("/cases/1?a=1&b=\"2\"".to_string()),
            class: "open\" onclick=\"x".to_string(),
        };
        let text = MapText {
            title: "A <b>map</b>",
            desc: "Tom & Jerry's",
            attribution: "© <OSM>",
        };
        let svg = MapSvg::new(&b, 400).pin(pin).render(&text);
        assert!(
            svg.starts_with(
                "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"map\" role=\"group\""
            )
        );
        assert!(svg.contains(
            "><title>A &lt;b&gt;map&lt;/b&gt;</title><desc>Tom &amp; Jerry&#39;s</desc>"
        ));
        assert!(svg.contains(concat!(
            "<a href=\"/cases/1?a=1&amp;b=&quot;2&quot;\"><title>&lt;script&gt;",
            "alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;co&quot;</title>",
            "<circle class=\"map-pin open&quot; onclick=&quot;x\" cx=\"",
        )));
        assert!(svg.contains(">© &lt;OSM&gt;</text></svg>"));
        assert!(!svg.contains("<script") && !svg.contains('\u{7}') && !svg.contains("<b>"));
        assert!(!svg.contains("style"), "no inline styles");
        let mut out = String::new();
        escape_into(&mut out, "a\u{0}b\tc\u{FFFF}");
        assert_eq!(out, "ab\tc");
    }

    #[test]
    fn pins_are_inside_the_view_box_and_outsiders_are_left_out() {
        let taipei = taipei();
        let city_hall = pt(25.0375, 121.5637);
        let pins = [
            (city_hall, "hall"),
            (pt(25.0400, 121.5600), "near"),
            (pt(25.1369, 121.5031), "beitou"),
            (pt(25.2100, 121.5736), "north edge"),
        ]
        .map(|(point, label)| Pin {
            point,
            label: label.to_string(),
            href: None,
            class: String::new(),
        });
        let whole = MapSvg::new(taipei, 600).pins(pins.clone()).render(&TEXT);
        let focused = MapSvg::new(taipei, 600)
            .focus(city_hall, 800.0)
            .pins(pins)
            .render(&TEXT);
        for (svg, expected) in [(&whole, 4), (&focused, 2)] {
            assert!(svg.contains(" role=\"img\" "), "no links: an image");
            let (w, h) = view_box(svg);
            let (cx, cy) = (attrs(svg, "cx"), attrs(svg, "cy"));
            assert_eq!(cx.len(), expected, "{svg}");
            for (x, y) in cx.into_iter().zip(cy) {
                assert!(
                    (0.0..=w).contains(&x) && (0.0..=h - ATTRIBUTION_BAND).contains(&y),
                    "{x} {y} in {w} {h}"
                );
            }
        }
        assert!(
            focused.contains("<title>near</title>") && !focused.contains("<title>beitou</title>")
        );
        // Focused on the pin, the pin is in the middle.
        let (w, _) = view_box(&focused);
        assert!((attrs(&focused, "cx")[0] - w / 2.0).abs() < 1.0);
    }

    #[test]
    fn areas_are_filled_by_density_bucket() {
        let b = row_of_squares();
        let density = Density::new(
            [
                ("1", 1),
                ("2", 5),
                ("3", 3),
                ("3", 4),
                ("4", 50),
                ("nowhere", 2),
            ]
            .map(|(id, n)| (id.to_string(), n)),
        );
        // Non-zero counts: 1, 2, 5, 7, 50 → quartiles 2, 5, 7.
        assert_eq!(density.count("3"), 7, "counts of one id add up");
        let classes: Vec<&str> = (0..5).map(|i| density.class(&i.to_string())).collect();
        assert_eq!(classes, ["map-d0", "map-d1", "map-d2", "map-d3", "map-d4"]);
        let svg = MapSvg::new(&b, 500).density(&density).render(&TEXT);
        for (i, class) in classes.iter().enumerate() {
            let path = svg
                .split("<path ")
                .find(|p| p.contains(&format!("<title>D{i}</title>")))
                .unwrap();
            assert!(
                path.starts_with(&format!("class=\"map-area {class}\"")),
                "{path}"
            );
        }
        let legend: Vec<(&str, u64, u64)> = density
            .legend()
            .iter()
            .map(|r| (r.class, r.min, r.max))
            .collect();
        assert_eq!(
            legend,
            [
                ("map-d0", 0, 0),
                ("map-d1", 1, 2),
                ("map-d2", 3, 5),
                ("map-d3", 6, 7),
                ("map-d4", 8, 50)
            ]
        );
        let rows: Vec<(&str, u64, &str)> = density
            .rows(b.districts())
            .iter()
            .map(|r| (r.area.name(), r.count, r.class))
            .collect();
        assert_eq!(rows[0], ("D4", 50, "map-d4"));
        assert_eq!(rows[4], ("D0", 0, "map-d0"));
        // Without a density, no fill classes.
        assert!(!MapSvg::new(&b, 500).render(&TEXT).contains("map-d"));
    }

    #[test]
    fn a_focused_map_draws_only_the_areas_it_shows() {
        let taipei = taipei();
        let city_hall = pt(25.0375, 121.5637);
        let svg = MapSvg::new(taipei, 600)
            .layer(AreaLayer::Villages)
            .focus(city_hall, 500.0)
            .render(&TEXT);
        let drawn = svg.matches("<path ").count();
        let visible = MapSvg::new(taipei, 600)
            .focus(city_hall, 500.0)
            .viewport()
            .visible();
        let expected = taipei
            .villages()
            .iter()
            .filter(|v| v.bbox().intersects(&visible))
            .count();
        assert_eq!(drawn, expected);
        assert!(drawn > 2 && drawn < 40, "{drawn}");
        assert!(svg.contains("<title>西村里</title>"), "City Hall's village");
        assert!(
            !svg.contains("<title>湖田里</title>"),
            "a village in Beitou"
        );
        let whole = MapSvg::new(taipei, 600)
            .layer(AreaLayer::Villages)
            .render(&TEXT);
        assert_eq!(whole.matches("<path ").count(), 456);
        let districts = MapSvg::new(taipei, 600).render(&TEXT);
        assert_eq!(districts.matches("<path ").count(), 12);
    }

    #[test]
    fn all_villages_fit_the_size_budget() {
        let taipei = taipei();
        let density = Density::new(
            taipei
                .villages()
                .iter()
                .enumerate()
                .map(|(i, v)| (v.id().to_string(), i as u64 % 23)),
        );
        let svg = MapSvg::new(taipei, 800)
            .layer(AreaLayer::Villages)
            .district_lines(true)
            .density(&density)
            .render(&TEXT);
        let plain = MapSvg::new(taipei, 800)
            .layer(AreaLayer::Villages)
            .render(&TEXT);
        println!(
            "456 villages at 800 px: {} bytes with density and district lines, {} bytes plain",
            svg.len(),
            plain.len()
        );
        assert!(svg.len() < 250_000, "{} bytes", svg.len());
        assert!(plain.len() < 200_000, "{} bytes", plain.len());
        assert_eq!(svg.matches("<path ").count(), 456 + 12);
    }

    #[test]
    fn tiles_cover_the_picture_underneath_the_areas() {
        let taipei = taipei();
        let template = "https://{s}.tile.example.org/{z}/{x}/{y}.png?key=a&b";
        let svg = MapSvg::new(taipei, 800).tiles(Some(template)).render(&TEXT);
        let (w, h) = view_box(&svg);
        let images = svg.matches("<image ").count();
        assert!(images > 4 && images <= MAX_TILES, "{images}");
        assert!(
            svg.find("<g class=\"map-tiles\">").unwrap()
                < svg.find("<g class=\"map-areas\"").unwrap()
        );
        assert!(svg.contains("png?key=a&amp;b\"") && !svg.contains("{x}") && !svg.contains("{s}"));
        // Taipei City Hall's tile at the zoom used is among them.
        let z: u32 = svg
            .split(".tile.example.org/")
            .nth(1)
            .unwrap()
            .split('/')
            .next()
            .unwrap()
            .parse()
            .unwrap();
        assert!((11..=13).contains(&z), "{z}");
        let hall = format!("/{z}/{}/{}.png", tile_x(121.5637, z), tile_y(25.0375, z));
        assert!(svg.contains(&hall), "{hall}");
        let (xs, ys, ws, hs) = (
            attrs(&svg, "x"),
            attrs(&svg, "y"),
            attrs(&svg, "width"),
            attrs(&svg, "height"),
        );
        // The first x/y/width/height attributes are the svg's own (width, height) and the tiles'.
        let lefts = &xs[..images];
        let tops = &ys[..images];
        assert!(
            lefts.iter().all(|&x| x <= w) && lefts.iter().cloned().fold(f64::MAX, f64::min) <= 0.0
        );
        assert!(tops.iter().cloned().fold(f64::MAX, f64::min) <= 0.0);
        let right = lefts
            .iter()
            .zip(&ws[1..])
            .map(|(x, w)| x + w)
            .fold(f64::MIN, f64::max);
        let bottom = tops
            .iter()
            .zip(&hs[1..])
            .map(|(y, h)| y + h)
            .fold(f64::MIN, f64::max);
        assert!(
            right >= w && bottom >= h - ATTRIBUTION_BAND,
            "{right} {bottom} {w} {h}"
        );
        assert!(!MapSvg::new(taipei, 800).render(&TEXT).contains("<image"));
    }
}
