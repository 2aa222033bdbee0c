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
//! .map-svg { max-width: 100%; height: auto; }
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
        out.push_str(r#"<svg xmlns="http://www.w3.org/2000/svg" class="map-svg" role=""#);
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
mod tests;
