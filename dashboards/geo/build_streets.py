"""Build ``streets.geojson``: the demo district's streets as polygons (a dev-time script, not product code).

The seeded district (云溪区, ``core_app/seed/vocab_org.py`` STREETS) is fictional: it has street names and
centre points but no boundaries. This script places it in the real outline of 盐田区 (DataV.GeoAtlas data,
see NOTICE.md), widened where the seeded communities lie outside it (the seed scatters them around the
street centres, some into 盐田's sea and hills), and cuts that into one Voronoi cell per street centre.
The result is committed;
the product only reads the file, so shapely is needed here and nowhere else:

    .venv/bin/pip install shapely
    .venv/bin/python dashboards/geo/build_streets.py [--outline PATH]

Each feature's properties: ``name`` (the street's region name in the API, which the map joins on), ``code``
(its region code as the seed numbers it), ``center`` [lon, lat].
"""

import argparse
import json
from pathlib import Path

from shapely.geometry import MultiPoint, Point, box, mapping, shape
from shapely.ops import unary_union, voronoi_diagram

from core_app.seed import vocab_org

HERE = Path(__file__).parent
OUTLINE = Path("/work/shared/data/geo_shenzhen/440308_yantian_from_440300_full.json")
OUTPUT = HERE / "streets.geojson"
DECIMALS = 5  # about one metre: enough for a screen, and a small file
# The seed puts communities around each street centre (normal, sd 0.009°) and events around those
# (sd 0.003°), clipped to this box: a disc of 0.022° around each centre holds nearly all of them.
SEEDED_BOX = (114.2, 22.54, 114.35, 22.64)
STREET_REACH = 0.022
SMOOTHING = 0.004


def district_outline(path: Path):
    """The real outline, widened to the seeded communities, smoothed, and kept inside the seeded box."""
    features = json.loads(path.read_text(encoding="utf-8"))["features"]
    outline = shape(features[0]["geometry"]).buffer(0)
    reach = unary_union([Point(lon, lat).buffer(STREET_REACH) for _n, lon, lat, _v in vocab_org.STREETS])
    widened = outline.union(reach).buffer(SMOOTHING).buffer(-SMOOTHING)
    return widened.intersection(box(*SEEDED_BOX)).simplify(0.0005)


def street_cells(outline) -> list[dict]:
    """One feature per street: its Voronoi cell among the street centres, clipped to the outline."""
    centres = [Point(lon, lat) for _name, lon, lat, _villages in vocab_org.STREETS]
    cells = voronoi_diagram(MultiPoint(centres), envelope=outline.envelope.buffer(0.05))
    features = []
    for number, (street, centre) in enumerate(zip(vocab_org.STREETS, centres, strict=True), start=1):
        cell = next(c for c in cells.geoms if c.contains(centre))
        polygon = cell.intersection(outline)
        features.append(
            {
                "type": "Feature",
                "properties": {
                    "name": street[0],
                    "code": f"{vocab_org.COUNTY[0]}{number:03d}000",
                    "center": [street[1], street[2]],
                },
                "geometry": _rounded(mapping(polygon)),
            }
        )
    return features


def _rounded(geometry: dict) -> dict:
    def walk(value):
        if isinstance(value, (list, tuple)):
            if value and isinstance(value[0], float):
                return [round(v, DECIMALS) for v in value]
            return [walk(v) for v in value]
        return value

    return {"type": geometry["type"], "coordinates": walk(geometry["coordinates"])}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--outline", type=Path, default=OUTLINE, help="GeoJSON with the district outline")
    args = parser.parse_args()
    collection = {
        "type": "FeatureCollection",
        "name": f"{vocab_org.COUNTY[1]} streets (demo: Voronoi cells in the outline of 盐田区)",
        "features": street_cells(district_outline(args.outline)),
    }
    OUTPUT.write_text(json.dumps(collection, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")
    print(f"wrote {OUTPUT} ({len(collection['features'])} streets)")


if __name__ == "__main__":
    main()
