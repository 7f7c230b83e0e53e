"""Adapters to outside systems, one module per channel: a real implementation, and fakes for tests."""
