"""Emotion scoring (polarity, score, intensity, phrases) and the priority rule."""
