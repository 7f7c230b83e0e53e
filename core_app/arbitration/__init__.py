"""Arbitration: events returned twice or disputed go to 组织部/编办, whose ruling binds a department."""
