"""The append-only audit log: every write and every unmasked read of personal data."""
