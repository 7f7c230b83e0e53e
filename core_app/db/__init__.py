"""Database layer: declarative base, engine and session, migrations."""
