//! Where the open cases are: the backlog by district, as a table and as a map of the
//! jurisdiction's districts filled by how many cases each holds (`webkit::map`), the table being
//! the map's text alternative; and by village (里), for the cases that have a point.

use super::views::{CountRow, tr};
use crate::doors::CasesState;
use identity::doors::Viewer;
use webkit::map::{AreaLayer, Density, MapSvg, MapText};
use webkit::page::PageError;

/// The map's width; it scales down with the page.
const MAP_PX: u32 = 560;

/// The backlog by district: its rows (largest first, "district unknown" last) and, where the
/// jurisdiction has boundaries, its map.
pub struct DistrictDensity {
    pub rows: Vec<CountRow>,
    pub map: Option<String>,
    /// The villages (里) with the most open cases, "大安區 學府里" (largest first).
    pub villages: Vec<CountRow>,
    /// Every village filled by its count, where the jurisdiction has boundaries.
    pub village_map: Option<String>,
    /// How many open cases have a point, which is what places them in a village.
    pub located: i64,
}

/// How many villages the table lists; the map shows them all.
const VILLAGE_ROWS: usize = 15;

pub async fn district_density(
    state: &CasesState,
    v: &Viewer,
    jurisdiction_id: &str,
    backlog: &crate::reports::Backlog,
) -> Result<DistrictDensity, PageError> {
    let by_district = &backlog.by_district;
    let fail = |e| PageError::service(e, v.locale);
    let j = state
        .platform
        .jurisdiction(jurisdiction_id)
        .await
        .map_err(fail)?;
    let districts = state.platform.districts(&j).await.map_err(fail)?;
    let unknown = tr(v.locale, "supervise-district-unknown", &[]);
    let mut rows: Vec<CountRow> = by_district
        .iter()
        .map(|(code, count)| {
            let name = code.as_deref().map_or_else(
                || unknown.clone(),
                |c| {
                    districts
                        .iter()
                        .find(|d| d.code == c)
                        .map_or_else(|| c.to_string(), |d| d.name.get(v.locale).to_string())
                },
            );
            CountRow {
                code: code.clone().unwrap_or_default(),
                name,
                count: *count,
            }
        })
        .collect();
    // The unknown district last, whatever its size.
    rows.sort_by_key(|r| r.code.is_empty());
    let maps = &state.platform.config().maps;
    let map = maps.boundaries(jurisdiction_id).map(|boundaries| {
        // The boundaries name districts as the reference data does in Chinese.
        let density = Density::new(by_district.iter().filter_map(|(code, count)| {
            let zh = &districts
                .iter()
                .find(|d| Some(&d.code) == code.as_ref())?
                .name
                .zh;
            let area = boundaries.districts().iter().find(|a| a.name() == zh)?;
            Some((area.id().to_string(), u64::try_from(*count).unwrap_or(0)))
        }));
        let title = tr(v.locale, "supervise-district-map", &[]);
        let desc = tr(v.locale, "supervise-district-map-desc", &[]);
        MapSvg::new(boundaries, MAP_PX)
            .layer(AreaLayer::Districts)
            .density(&density)
            .render(&MapText {
                title: &title,
                desc: &desc,
                attribution: platform::maps::attribution(boundaries),
            })
    });
    let mut villages = Vec::new();
    let mut village_map = None;
    if let Some(boundaries) = maps.boundaries(jurisdiction_id) {
        let named = |id: &str| {
            let area = boundaries.villages().iter().find(|a| a.id() == id)?;
            Some(match area.district() {
                Some(d) => format!("{} {}", d.name, area.name()),
                None => area.name().to_string(),
            })
        };
        villages = backlog
            .by_village
            .iter()
            .take(VILLAGE_ROWS)
            .map(|(id, count)| CountRow {
                code: id.clone(),
                name: named(id).unwrap_or_else(|| id.clone()),
                count: *count,
            })
            .collect();
        if backlog.located > 0 {
            let density = Density::new(
                backlog
                    .by_village
                    .iter()
                    .map(|(id, n)| (id.clone(), u64::try_from(*n).unwrap_or(0))),
            );
            let title = tr(v.locale, "supervise-village-map", &[]);
            let desc = tr(v.locale, "supervise-village-map-desc", &[]);
            village_map = Some(
                MapSvg::new(boundaries, MAP_PX)
                    .layer(AreaLayer::Villages)
                    .density(&density)
                    .render(&MapText {
                        title: &title,
                        desc: &desc,
                        attribution: platform::maps::attribution(boundaries),
                    }),
            );
        }
    }
    Ok(DistrictDensity {
        rows,
        map,
        villages,
        village_map,
        located: backlog.located,
    })
}
