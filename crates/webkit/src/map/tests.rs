//! The renderer's tests: escaping, the view box, density, focus, tiles and size.
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
            "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"map-svg\" role=\"group\""
        )
    );
    assert!(
        svg.contains("><title>A &lt;b&gt;map&lt;/b&gt;</title><desc>Tom &amp; Jerry&#39;s</desc>")
    );
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
    assert!(focused.contains("<title>near</title>") && !focused.contains("<title>beitou</title>"));
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
        svg.find("<g class=\"map-tiles\">").unwrap() < svg.find("<g class=\"map-areas\"").unwrap()
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
    assert!(lefts.iter().all(|&x| x <= w) && lefts.iter().cloned().fold(f64::MAX, f64::min) <= 0.0);
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
