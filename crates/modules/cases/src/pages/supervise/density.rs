//! Where the open cases are: the backlog by district, as a table and as a map of the
//! jurisdiction's districts filled by how many cases each holds (`webkit::map`), the table being
//! the map's text alternative.

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
}

pub async fn district_density(
    state: &CasesState,
    v: &Viewer,
    jurisdiction_id: &str,
    by_district: &[(Option<String>, i64)],
) -> Result<DistrictDensity, PageError> {
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
    Ok(DistrictDensity { rows, map })
}
