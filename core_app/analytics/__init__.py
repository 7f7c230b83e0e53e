"""Service-hall analytics (DOMAIN §4): the eight analyses of S1 §3.2.2, counted in the database."""
