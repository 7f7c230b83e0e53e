"""Event trends and hot problems (DOMAIN §7.3): counts, rising topics, hot words, hot spots, forecast."""
