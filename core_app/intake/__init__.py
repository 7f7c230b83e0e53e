"""Intake: events from every source (REST per API key, Open311 GeoReport v2), deduplicated and placed."""
