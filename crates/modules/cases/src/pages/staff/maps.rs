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
