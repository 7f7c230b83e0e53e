"""Trend analytics over DataFrames: hot problems, rising topics, hot words, spatial hot spots."""
