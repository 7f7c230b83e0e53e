"""Service objects: citizens (by ID number) and enterprises (by USCC)."""
