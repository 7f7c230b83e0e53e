"""Personal-data protection: masking on output (DOMAIN.md §9 item 6)."""
