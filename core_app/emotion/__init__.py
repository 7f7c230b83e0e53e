"""Emotion and priority of events (DOMAIN §7.2): the editable lexicon, scoring, priority."""
