//! Web-Mercator tiles underneath a map: which tiles cover the picture, and where each is
//! drawn (see the parent module on the projection mismatch).

use super::escape_into;
use domain::geo::Point;
use domain::geo::projection::{Viewport, write_number};
use std::f64::consts::PI;

/// At most this many tiles are drawn; a coarser zoom is used when more would be needed.
pub const MAX_TILES: usize = 64;

/// Appends a `<g class="map-tiles">` of `<image>`s covering the whole picture, from a URL
/// template with `{z}`, `{x}`, `{y}` and optionally `{s}` (replaced by `a`, `b` or `c`).
pub(super) fn render_tiles(out: &mut String, vp: &Viewport, template: &str) {
    let visible = vp.visible();
    // Tiles whose pixels are about as large as the picture's.
    let wanted = (vp.units_per_degree_lon() * 360.0 / 256.0).log2().round();
    let mut z = if wanted.is_finite() {
        wanted.clamp(0.0, 19.0) as u32
    } else {
        0
    };
    let (xs, ys) = loop {
        let xs = tile_x(visible.min_lon, z)..=tile_x(visible.max_lon, z);
        let ys = tile_y(visible.max_lat, z)..=tile_y(visible.min_lat, z);
        if z == 0 || xs.clone().count() * ys.clone().count() <= MAX_TILES {
            break (xs, ys);
        }
        z -= 1;
    };
    let x_of = |lon: f64| vp.project(Point { lat: 0.0, lon }).0;
    let y_of = |lat: f64| vp.project(Point { lat, lon: 0.0 }).1;
    out.push_str(r#"<g class="map-tiles">"#);
    for ty in ys {
        let (top, bottom) = (y_of(tile_lat(ty, z)), y_of(tile_lat(ty + 1, z)));
        for tx in xs.clone() {
            let (left, right) = (x_of(tile_lon(tx, z)), x_of(tile_lon(tx + 1, z)));
            let subdomain = ["a", "b", "c"][((tx + ty) % 3) as usize];
            let href = template
                .replace("{z}", &z.to_string())
                .replace("{x}", &tx.to_string())
                .replace("{y}", &ty.to_string())
                .replace("{s}", subdomain);
            out.push_str("<image href=\"");
            escape_into(out, &href);
            out.push_str("\" preserveAspectRatio=\"none\"");
            for (name, value) in [
                ("x", left),
                ("y", top),
                ("width", right - left),
                ("height", bottom - top),
            ] {
                out.push(' ');
                out.push_str(name);
                out.push_str("=\"");
                write_number(out, value);
                out.push('"');
            }
            out.push_str("/>");
        }
    }
    out.push_str("</g>");
}

/// The tile column holding `lon` at zoom `z`.
pub(super) fn tile_x(lon: f64, z: u32) -> u32 {
    let n = f64::from(1u32 << z);
    ((lon + 180.0) / 360.0 * n).floor().clamp(0.0, n - 1.0) as u32
}

/// The tile row holding `lat` at zoom `z` (rows count southwards).
pub(super) fn tile_y(lat: f64, z: u32) -> u32 {
    let n = f64::from(1u32 << z);
    let lat = lat.clamp(-85.0511, 85.0511).to_radians();
    let y = (1.0 - (lat.tan() + 1.0 / lat.cos()).ln() / PI) / 2.0 * n;
    y.floor().clamp(0.0, n - 1.0) as u32
}

/// The longitude of a tile column's west edge.
fn tile_lon(x: u32, z: u32) -> f64 {
    f64::from(x) / f64::from(1u32 << z) * 360.0 - 180.0
}

/// The latitude of a tile row's north edge.
fn tile_lat(y: u32, z: u32) -> f64 {
    let n = f64::from(1u32 << z);
    (PI * (1.0 - 2.0 * f64::from(y) / n))
        .sinh()
        .atan()
        .to_degrees()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tile_numbers_match_web_mercator() {
        // Known tiles: Taipei 101 at zoom 15 is x 27450, y 14033 (OpenStreetMap).
        assert_eq!((tile_x(121.5645, 15), tile_y(25.0340, 15)), (27449, 14029));
        assert_eq!((tile_x(-180.0, 3), tile_y(85.0, 3)), (0, 0));
        assert_eq!((tile_x(180.0, 3), tile_y(-85.0, 3)), (7, 7));
        for z in [5, 12] {
            let (x, y) = (tile_x(121.5645, z), tile_y(25.0340, z));
            assert!(tile_lon(x, z) <= 121.5645 && 121.5645 < tile_lon(x + 1, z));
            assert!(tile_lat(y, z) >= 25.0340 && 25.0340 > tile_lat(y + 1, z));
        }
    }
}
