"""Validation of identifiers and input values shared by the API, import and generator."""
