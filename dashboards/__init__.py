"""Dash cockpit for the LED wall and the web pages of the app; data only through core_app services."""
