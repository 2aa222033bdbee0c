//! Counts per area and the five fill buckets of a density map, with the legend and the
//! table that are its text alternative.

use domain::geo::boundaries::Area;
use std::collections::HashMap;

/// The fill classes, from no cases (`map-d0`) to the most (`map-d4`).
pub const DENSITY_CLASSES: [&str; 5] = ["map-d0", "map-d1", "map-d2", "map-d3", "map-d4"];

/// Counts per area id (a district's or a village's), and the five fill buckets they fall
/// in: `map-d0` for none, then `map-d1`..`map-d4` by quartile of the areas that have any.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Density {
    counts: HashMap<String, u64>,
    /// The largest count of buckets 1, 2 and 3.
    breaks: [u64; 3],
    max: u64,
}

/// One row of a density legend: the class and the counts it stands for (`min..=max`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LegendRow {
    pub class: &'static str,
    pub min: u64,
    pub max: u64,
}

/// One area of a density map's text alternative.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AreaRow<'a> {
    pub area: &'a Area,
    pub count: u64,
    pub class: &'static str,
}

impl Density {
    /// Counts by area id; an id given more than once has its counts added.
    pub fn new(counts: impl IntoIterator<Item = (String, u64)>) -> Density {
        let mut map: HashMap<String, u64> = HashMap::new();
        for (id, n) in counts {
            *map.entry(id).or_default() += n;
        }
        let mut nonzero: Vec<u64> = map.values().copied().filter(|&n| n > 0).collect();
        nonzero.sort_unstable();
        let quartile = |k: usize| match nonzero.len() {
            0 => 0,
            n => nonzero[(k * n).div_ceil(4) - 1],
        };
        Density {
            breaks: [quartile(1), quartile(2), quartile(3)],
            max: nonzero.last().copied().unwrap_or(0),
            counts: map,
        }
    }

    /// The count of an area (0 when it has none).
    pub fn count(&self, id: &str) -> u64 {
        self.counts.get(id).copied().unwrap_or(0)
    }

    /// The bucket of an area, 0 (none) to 4 (the top quarter).
    pub fn bucket(&self, id: &str) -> usize {
        match self.count(id) {
            0 => 0,
            n => 1 + self.breaks.iter().filter(|&&b| n > b).count(),
        }
    }

    /// The fill class of an area, `map-d0`..`map-d4`.
    pub fn class(&self, id: &str) -> &'static str {
        DENSITY_CLASSES[self.bucket(id)]
    }

    /// The buckets in use, lightest first (`map-d0`, 0..=0, always). Each area's count is in
    /// exactly one row's range.
    pub fn legend(&self) -> Vec<LegendRow> {
        let mut rows = vec![LegendRow {
            class: DENSITY_CLASSES[0],
            min: 0,
            max: 0,
        }];
        let mut low = 1;
        let tops = [self.breaks[0], self.breaks[1], self.breaks[2], self.max];
        for (class, top) in DENSITY_CLASSES[1..].iter().zip(tops) {
            if top >= low {
                rows.push(LegendRow {
                    class,
                    min: low,
                    max: top,
                });
                low = top + 1;
            }
        }
        rows
    }

    /// Every area with its count and class, most cases first (then by id): the table a
    /// density map needs beside it.
    pub fn rows<'a>(&self, areas: &'a [Area]) -> Vec<AreaRow<'a>> {
        let mut rows: Vec<AreaRow<'a>> = areas
            .iter()
            .map(|area| AreaRow {
                area,
                count: self.count(area.id()),
                class: self.class(area.id()),
            })
            .collect();
        rows.sort_by(|a, b| b.count.cmp(&a.count).then(a.area.id().cmp(b.area.id())));
        rows
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_counts_share_a_bucket_and_the_legend_skips_empty_ones() {
        let density = Density::new(["a", "b", "c", "d"].map(|id| (id.to_string(), 3)));
        assert!(
            ["a", "b", "c", "d"]
                .iter()
                .all(|id| density.bucket(id) == 1)
        );
        let legend = density.legend();
        assert_eq!(legend.len(), 2, "{legend:?}");
        assert_eq!((legend[1].min, legend[1].max), (1, 3));
        let empty = Density::default();
        assert_eq!(empty.bucket("a"), 0);
        assert_eq!(empty.legend().len(), 1);
        // Every count falls in exactly one legend row, whatever the counts.
        let skewed = Density::new((0..40u64).map(|i| (i.to_string(), i * i % 17)));
        for i in 0..40u64 {
            let n = skewed.count(&i.to_string());
            let rows: Vec<_> = skewed
                .legend()
                .into_iter()
                .filter(|r| (r.min..=r.max).contains(&n))
                .collect();
            assert_eq!(rows.len(), 1, "{n}: {rows:?}");
            assert_eq!(rows[0].class, skewed.class(&i.to_string()), "{n}");
        }
    }
}
