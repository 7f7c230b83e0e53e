"""Notifications through an outbox table: written in the same transaction as the change, delivered later."""
