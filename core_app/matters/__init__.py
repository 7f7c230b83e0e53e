"""The matter catalog (事项) and one-thing bundles (一件事)."""
