"""Figures the leaders' cockpit needs that no other endpoint aggregates (event breakdowns)."""
