//! The maps' settings (`--map-tiles`, `--boundaries`): read at start into
//! `platform::maps::MapsConfig`.

use crate::config::Settings;

/// The maps' settings: the tiles, and the built-in boundaries plus those of `boundaries`
/// (`JURISDICTION=DISTRICTS.geojson[,VILLAGES.geojson]`), each file read and checked now so a
/// wrong path or a malformed file stops the start with its name.
pub fn load(settings: &Settings) -> anyhow::Result<platform::maps::MapsConfig> {
    use anyhow::Context;
    let mut maps = platform::maps::MapsConfig::default();
    maps.tiles = settings.map_tiles.clone();
    for spec in &settings.boundaries {
        let (jurisdiction, files) = spec.split_once('=').with_context(|| {
            format!(
                "--boundaries {spec}: expected JURISDICTION=DISTRICTS.geojson[,VILLAGES.geojson]"
            )
        })?;
        let mut files = files.split(',').map(str::trim);
        let read = |path: &str| {
            std::fs::read_to_string(path).with_context(|| format!("reading boundaries {path}"))
        };
        let districts = read(files.next().unwrap_or_default())?;
        let villages = match files.next().filter(|f| !f.is_empty()) {
            Some(path) => read(path)?,
            None => String::new(),
        };
        maps.load(jurisdiction.trim(), &districts, &villages)
            .with_context(|| format!("boundaries of {jurisdiction}"))?;
    }
    Ok(maps)
}
