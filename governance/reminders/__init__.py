"""Reminders: what is due, the notification log (each reminder exactly once), e-mail and iCalendar feeds."""
