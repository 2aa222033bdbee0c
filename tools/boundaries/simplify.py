#!/usr/bin/env python3
"""Simplify Taipei's district and village boundaries for civicdesk's built-in maps.

Reads the Ministry of the Interior's boundaries as packaged for Taipei City Dashboard
(``taipei_town.geojson``: 12 districts; ``taipei_village.geojson``: 456 villages; WGS84
lon/lat, Polygon or MultiPolygon) and writes, relative to the repository root:

- ``data/boundaries/taipei/districts.geojson``: properties ``district`` (TNAME) and
  ``district_id`` (CPTID);
- ``data/boundaries/taipei/villages.geojson``: properties ``district``, ``district_id``,
  ``village`` (VNAME) and ``village_id`` (CPTVID).

Every ring is simplified on its own with Douglas-Peucker at ``--tolerance`` degrees of
latitude (default 0.00004, about 4.4 m); longitudes are scaled by cos(latitude) while
measuring, so the tolerance is the same distance east-west as north-south. Rings stay
closed, keep at least 4 points (3 distinct), and a ring that collapses below that is
dropped (a polygon whose outer ring collapses is dropped with its holes). Coordinates are
rounded to 5 decimals (about 1 m) and written as compact JSON, one feature per line.

Shared borders are simplified once per ring, so two neighbours may disagree by up to the
tolerance along their border: fine for drawing and for locating points that are not within
a few metres of a border.

Python 3.11 standard library only. Usage:

    python3 tools/boundaries/simplify.py [--source DIR] [--out DIR] [--tolerance DEG]
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
DEFAULT_SOURCE = Path("/work/shared/data/taipei-boundaries")
DEFAULT_OUT = REPO / "data" / "boundaries" / "taipei"
DECIMALS = 5

Ring = list[list[float]]
Polygon = list[Ring]


def perpendicular_sq(p, a, b, kx: float) -> float:
    """Squared distance from p to segment ab, longitudes scaled by kx."""
    px, py = p[0] * kx, p[1]
    ax, ay = a[0] * kx, a[1]
    bx, by = b[0] * kx, b[1]
    dx, dy = bx - ax, by - ay
    len_sq = dx * dx + dy * dy
    if len_sq == 0.0:
        return (px - ax) ** 2 + (py - ay) ** 2
    t = max(0.0, min(1.0, ((px - ax) * dx + (py - ay) * dy) / len_sq))
    cx, cy = ax + t * dx, ay + t * dy
    return (px - cx) ** 2 + (py - cy) ** 2


def douglas_peucker(points: Ring, tolerance: float, kx: float) -> Ring:
    """Douglas-Peucker on an open polyline (iterative: rings can be long)."""
    n = len(points)
    if n < 3:
        return list(points)
    keep = [False] * n
    keep[0] = keep[-1] = True
    tol_sq = tolerance * tolerance
    stack = [(0, n - 1)]
    while stack:
        first, last = stack.pop()
        best, index = -1.0, -1
        for i in range(first + 1, last):
            d = perpendicular_sq(points[i], points[first], points[last], kx)
            if d > best:
                best, index = d, i
        if index != -1 and best > tol_sq:
            keep[index] = True
            stack.append((first, index))
            stack.append((index, last))
    return [p for p, k in zip(points, keep) if k]


def simplify_ring(ring: Ring, tolerance: float) -> Ring | None:
    """A closed, simplified, rounded ring of at least 4 points, or None if it collapsed."""
    if len(ring) >= 2 and ring[0] == ring[-1]:
        ring = ring[:-1]
    if len(ring) < 3:
        return None
    mid_lat = sum(p[1] for p in ring) / len(ring)
    kx = math.cos(math.radians(mid_lat))
    # Split the closed ring at its first point and the point farthest from it, so neither
    # half is a degenerate "segment" from a point to itself.
    far = max(
        range(len(ring)),
        key=lambda i: (ring[i][0] - ring[0][0]) ** 2 * kx * kx + (ring[i][1] - ring[0][1]) ** 2,
    )
    if far == 0:
        return None
    first = douglas_peucker(ring[: far + 1], tolerance, kx)
    second = douglas_peucker(ring[far:] + [ring[0]], tolerance, kx)
    simplified = first[:-1] + second[:-1]
    rounded: Ring = []
    for lon, lat in ((p[0], p[1]) for p in simplified):
        q = [round(lon, DECIMALS), round(lat, DECIMALS)]
        if not rounded or rounded[-1] != q:
            rounded.append(q)
    while len(rounded) > 1 and rounded[0] == rounded[-1]:
        rounded.pop()
    if len(rounded) < 3:
        return None
    return rounded + [rounded[0]]


def polygons_of(geometry: dict) -> list[Polygon]:
    kind = geometry.get("type")
    if kind == "Polygon":
        return [geometry["coordinates"]]
    if kind == "MultiPolygon":
        return list(geometry["coordinates"])
    raise ValueError(f"unsupported geometry type {kind!r}")


def simplify_geometry(geometry: dict, tolerance: float) -> dict | None:
    polygons: list[Polygon] = []
    for polygon in polygons_of(geometry):
        if not polygon:
            continue
        outer = simplify_ring(polygon[0], tolerance)
        if outer is None:
            continue
        holes = [h for h in (simplify_ring(r, tolerance) for r in polygon[1:]) if h]
        polygons.append([outer, *holes])
    if not polygons:
        return None
    if len(polygons) == 1:
        return {"type": "Polygon", "coordinates": polygons[0]}
    return {"type": "MultiPolygon", "coordinates": polygons}


def vertices(geometry: dict) -> int:
    return sum(len(r) for p in polygons_of(geometry) for r in p)


def convert(source: Path, out: Path, villages: bool, tolerance: float) -> None:
    data = json.loads(source.read_text(encoding="utf-8"))
    if data.get("type") != "FeatureCollection":
        raise SystemExit(f"{source}: not a FeatureCollection")
    before = after = 0
    lines = []
    for feature in data["features"]:
        props = feature["properties"]
        geometry = feature["geometry"]
        before += vertices(geometry)
        simplified = simplify_geometry(geometry, tolerance)
        name = props["TNAME"] + (props["VNAME"] if villages else "")
        if simplified is None:
            print(f"  warning: {name} collapsed entirely; dropped", file=sys.stderr)
            continue
        after += vertices(simplified)
        properties = {"district": props["TNAME"], "district_id": props["CPTID"]}
        if villages:
            properties["village"] = props["VNAME"]
            properties["village_id"] = props["CPTVID"]
        feature_out = {"type": "Feature", "properties": properties, "geometry": simplified}
        lines.append(json.dumps(feature_out, ensure_ascii=False, separators=(",", ":")))
    text = '{"type":"FeatureCollection","features":[\n' + ",\n".join(lines) + "\n]}\n"
    out.write_text(text, encoding="utf-8")
    size_in = source.stat().st_size
    size_out = out.stat().st_size
    print(
        f"{source.name} -> {out.relative_to(REPO) if out.is_relative_to(REPO) else out}: "
        f"{len(lines)} features, {size_in:,} -> {size_out:,} bytes, "
        f"{before:,} -> {after:,} vertices"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--source", type=Path, default=DEFAULT_SOURCE)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--tolerance", type=float, default=0.00004)
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    convert(args.source / "taipei_town.geojson", args.out / "districts.geojson", False, args.tolerance)
    convert(args.source / "taipei_village.geojson", args.out / "villages.geojson", True, args.tolerance)


if __name__ == "__main__":
    main()
