"""Supervision: reminders (提醒), 催办 and 督办 on events, cases and warnings; recorded and counted."""
