"""Incidents and the statutory leak report (事故報告・漏えい等報告)."""
