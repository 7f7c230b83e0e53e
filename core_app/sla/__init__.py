"""SLA timers ("153024"): deadlines per assignment, reminders, 催办 and 督办 when they pass."""
