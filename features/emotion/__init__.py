"""Emotion features: the root-word lexicon (词根), and matching it against a text with negation and degree."""

from features.emotion.lexicon import Lexicon, Root
from features.emotion.matcher import Match, Phrase, match

__all__ = ["Lexicon", "Match", "Phrase", "Root", "match"]
