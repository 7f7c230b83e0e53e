"""The demo district's street polygons (streets.geojson), shipped as package data; see NOTICE.md."""
