//! Coarsening of published coordinates (F5): a report made at home must not locate the home.
//!
//! The earth is cut into a fixed grid of cells about `grid_metres` on a side: rows of equal
//! height in latitude, each row cut into columns of equal width at its middle latitude (so
//! cells stay square-ish from the equator to Taipei to the poles). A point is published as
//! the centre of its cell. The same point always gives the same centre, so reading a case
//! many times cannot average the noise away (there is none), and every point in a cell gives
//! the same centre.

use std::f64::consts::PI;

/// The cell size callers publish points at: 100 m (a cell holds a block, not a house).
pub const PUBLIC_GRID_METRES: f64 = 100.0;

/// Metres per degree of latitude on the mean earth sphere (radius 6,371,008.8 m).
const METRES_PER_DEGREE: f64 = 6_371_008.8 * PI / 180.0;

/// Snaps a point to the centre of its grid cell of about `grid_metres` (at least that, at
/// most twice that on a side; for 100 m in Taiwan, 100.0 m within a few millimetres). A grid
/// below 1 m or not a number is taken as [`PUBLIC_GRID_METRES`]; latitudes beyond ±90° are
/// taken as the pole, longitudes are wrapped into [-180°, 180°). Coordinates that are not
/// numbers (NaN, infinite) are no place: both come back NaN.
///
/// `coarsen_point(25.0377, 121.5436, 100.0)` → `(25.037_7…, 121.543_6…)`, the centre of the
/// 100 m cell that holds the point, at most 71 m from it.
pub fn coarsen_point(lat: f64, lon: f64, grid_metres: f64) -> (f64, f64) {
    match Cell::of(lat, lon, grid_metres) {
        Some(cell) => (cell.lat, cell.lon),
        None => (f64::NAN, f64::NAN),
    }
}

/// A grid cell: its centre and half its height and width, in degrees.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Cell {
    pub lat: f64,
    pub lon: f64,
    pub half_lat: f64,
    pub half_lon: f64,
}

impl Cell {
    pub(crate) fn of(lat: f64, lon: f64, grid_metres: f64) -> Option<Cell> {
        if !lat.is_finite() || !lon.is_finite() {
            return None;
        }
        let grid = if grid_metres >= 1.0 {
            grid_metres
        } else {
            PUBLIC_GRID_METRES
        };
        // Rows: a whole number of them from pole to pole, each at least `grid` high.
        let rows = (180.0 * METRES_PER_DEGREE / grid).floor().max(1.0);
        let row_height = 180.0 / rows;
        let row = ((lat.clamp(-90.0, 90.0) + 90.0) / row_height)
            .floor()
            .clamp(0.0, rows - 1.0);
        let centre_lat = -90.0 + (row + 0.5) * row_height;
        // Columns: a whole number of them around the row's middle latitude.
        let circumference = 360.0 * METRES_PER_DEGREE * centre_lat.to_radians().cos();
        let columns = (circumference / grid).floor().max(1.0);
        let column_width = 360.0 / columns;
        let lon = (lon + 180.0).rem_euclid(360.0);
        let column = (lon / column_width).floor().clamp(0.0, columns - 1.0);
        Some(Cell {
            lat: centre_lat,
            lon: -180.0 + (column + 0.5) * column_width,
            half_lat: row_height / 2.0,
            half_lon: column_width / 2.0,
        })
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    /// Great-circle distance in metres on the same sphere.
    fn distance(a: (f64, f64), b: (f64, f64)) -> f64 {
        let (lat1, lat2) = (a.0.to_radians(), b.0.to_radians());
        let dlat = lat2 - lat1;
        let dlon = (b.1 - a.1).to_radians();
        let h = (dlat / 2.0).sin().powi(2) + lat1.cos() * lat2.cos() * (dlon / 2.0).sin().powi(2);
        2.0 * 6_371_008.8 * h.sqrt().asin()
    }

    /// The distance from a cell's centre to its farthest corner.
    fn half_diagonal(cell: Cell) -> f64 {
        [-1.0, 1.0]
            .iter()
            .flat_map(|dy| [-1.0, 1.0].map(|dx| (dy, dx)))
            .map(|(dy, dx)| {
                let corner = (cell.lat + dy * cell.half_lat, cell.lon + dx * cell.half_lon);
                distance((cell.lat, cell.lon), corner)
            })
            .fold(0.0, f64::max)
    }

    /// F5: a point in Taipei is published as the centre of its 100 m cell, at most 71 m from
    /// the reporter's door, and the same every time.
    #[test]
    fn a_point_in_taipei_moves_to_its_100_m_cell() {
        let home = (25.0377, 121.5436);
        let published = coarsen_point(home.0, home.1, PUBLIC_GRID_METRES);
        assert_ne!(published, home);
        assert!(distance(home, published) <= 71.0);
        assert_eq!(coarsen_point(home.0, home.1, 100.0), published);
        let neighbour = coarsen_point(25.0377, 121.5446, 100.0); // ~100 m east
        assert_ne!(neighbour, published);
        let cell = Cell::of(home.0, home.1, 100.0).unwrap();
        let height = 2.0 * cell.half_lat * METRES_PER_DEGREE;
        let width = 2.0 * cell.half_lon * METRES_PER_DEGREE * cell.lat.to_radians().cos();
        assert!((100.0..100.01).contains(&height), "{height}");
        assert!((100.0..100.01).contains(&width), "{width}");
    }

    #[test]
    fn odd_input_is_handled() {
        assert!(coarsen_point(f64::NAN, 121.0, 100.0).0.is_nan());
        assert!(coarsen_point(25.0, f64::INFINITY, 100.0).1.is_nan());
        assert_eq!(
            coarsen_point(25.0377, 121.5436, 0.0),
            coarsen_point(25.0377, 121.5436, PUBLIC_GRID_METRES),
            "no grid is the public grid, not the exact point"
        );
        assert_eq!(
            coarsen_point(25.0377, 121.5436, f64::NAN),
            coarsen_point(25.0377, 121.5436, PUBLIC_GRID_METRES)
        );
        let (lat, lon) = coarsen_point(95.0, 540.0, 100.0);
        assert!(lat <= 90.0 && (-180.0..180.0).contains(&lon));
        assert_eq!(
            coarsen_point(10.0, 181.0, 100.0),
            coarsen_point(10.0, -179.0, 100.0)
        );
    }

    proptest! {
        /// Within the cell's half-diagonal of the true point, idempotent, and the same for
        /// every point of the cell: anywhere on earth but the polar caps, any grid.
        #[test]
        fn the_centre_is_near_stable_and_shared(
            lat in -85.0f64..85.0,
            lon in -180.0f64..180.0,
            grid in 1.0f64..20_000.0,
            fy in 0.001f64..0.999,
            fx in 0.001f64..0.999,
        ) {
            let cell = Cell::of(lat, lon, grid).unwrap();
            let centre = coarsen_point(lat, lon, grid);
            prop_assert_eq!(centre, (cell.lat, cell.lon));
            prop_assert!(distance((lat, lon), centre) <= half_diagonal(cell) * (1.0 + 1e-9) + 1e-6);
            prop_assert!(2.0 * cell.half_lat * METRES_PER_DEGREE >= grid * (1.0 - 1e-9));
            prop_assert_eq!(coarsen_point(centre.0, centre.1, grid), centre);
            let other = (
                cell.lat - cell.half_lat + 2.0 * cell.half_lat * fy,
                cell.lon - cell.half_lon + 2.0 * cell.half_lon * fx,
            );
            prop_assert_eq!(coarsen_point(other.0, other.1, grid), centre);
        }

        /// In Taiwan (21.8°–25.4° N, 119.3°–122.1° E) at 100 m, never more than 71 m away.
        #[test]
        fn taiwan_points_move_at_most_71_m(lat in 21.8f64..25.4, lon in 119.3f64..122.1) {
            let centre = coarsen_point(lat, lon, PUBLIC_GRID_METRES);
            prop_assert!(distance((lat, lon), centre) <= 71.0);
        }
    }
}
