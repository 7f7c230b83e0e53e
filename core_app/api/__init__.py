"""HTTP API: app factory, problem details, generic list endpoints, offline docs."""
