//! The maps of the staff pages, drawn on the server from the jurisdiction's boundaries
//! (`platform::maps`): where a case is, for the dispatcher and the crew.

use crate::doors::CasesState;
use domain::geo::Point;
use identity::doors::Viewer;
use webkit::map::{AreaLayer, MapSvg, MapText, Pin};

/// How far around a case its map shows, in metres: a few blocks, enough to recognise.
const CASE_RADIUS_M: f64 = 400.0;
/// The width the map is drawn at; it scales down with the page.
const CASE_MAP_PX: u32 = 480;

/// Where a case is: its map and the district and village (里) its point lies in.
pub struct CaseMap {
    /// The SVG, ready to embed (every text in it escaped).
    pub svg: String,
    /// "大安區 學府里": the district and village of the point, when the boundaries know them.
    pub area: String,
    /// A `geo:` link that opens the phone's map app there, for navigation.
    pub geo: String,
}

/// The map of a case at `point`, or `None` where the jurisdiction has no boundaries (the
/// page then gives the place in words only).
pub fn case_map(
    state: &CasesState,
    v: &Viewer,
    jurisdiction_id: &str,
    point: Point,
    place: &str,
) -> Option<CaseMap> {
    let maps = &state.platform.config().maps;
    let boundaries = maps.boundaries(jurisdiction_id)?;
    let area = boundaries
        .locate(point)
        .map(|p| match p.village {
            Some(village) => format!("{} {village}", p.district),
            None => p.district,
        })
        .unwrap_or_default();
    let title = v.t("case-map-title");
    let desc = if area.is_empty() {
        place.to_string()
    } else {
        format!("{place} ({area})")
    };
    let svg = MapSvg::new(boundaries, CASE_MAP_PX)
        .focus(point, CASE_RADIUS_M)
        .layer(AreaLayer::Villages)
        .district_lines(true)
        .tiles(maps.tiles.as_deref())
        .pin(Pin {
            point,
            label: place.to_string(),
            href: None,
            class: "map-case".into(),
        })
        .render(&MapText {
            title: &title,
            desc: &desc,
            attribution: platform::maps::attribution(boundaries),
        });
    Some(CaseMap {
        svg,
        area,
        geo: format!("geo:{:.6},{:.6}", point.lat, point.lon),
    })
}

/// The width the queue's map is drawn at.
const QUEUE_MAP_PX: u32 = 720;

/// The map of a queue's page: a pin for each case with a point, linking to the case; the
/// table beside it is its text alternative. `None` where the jurisdiction has no boundaries
/// or no case of the page has a point.
pub fn queue_map(
    state: &CasesState,
    v: &Viewer,
    jurisdiction_id: &str,
    cases: &[crate::store::case_work::WorkView],
    label: impl Fn(&crate::store::case_work::WorkView) -> String,
) -> Option<String> {
    let maps = &state.platform.config().maps;
    let boundaries = maps.boundaries(jurisdiction_id)?;
    let pins: Vec<Pin> = cases
        .iter()
        .filter_map(|w| {
            let point = Point::new(w.lat?, w.lon?).ok()?;
            Some(Pin {
                point,
                label: label(w),
                href: Some(format!(
                    "/work/cases/{}",
                    webkit::page::encode(&w.case_number)
                )),
                class: format!("map-sla-{}", w.sla_state.as_deref().unwrap_or("none")),
            })
        })
        .collect();
    let bbox = domain::geo::BoundingBox::around(pins.iter().map(|p| p.point))?;
    let desc = webkit::i18n::tr(
        v.locale,
        "work-map-desc",
        &[("count", pins.len().to_string())],
    );
    let map = MapSvg::new(boundaries, QUEUE_MAP_PX).tiles(maps.tiles.as_deref());
    // One pin, or pins close together: a few blocks around them; else the area they span.
    let map = if pins.len() == 1 || bbox.max_lat - bbox.min_lat < 0.004 {
        map.focus(pins[0].point, CASE_RADIUS_M)
            .layer(AreaLayer::Villages)
    } else {
        map.focus_bbox(bbox).layer(AreaLayer::Villages)
    };
    let title = v.t("work-map-title");
    Some(map.district_lines(true).pins(pins).render(&MapText {
        title: &title,
        desc: &desc,
        attribution: platform::maps::attribution(boundaries),
    }))
}
