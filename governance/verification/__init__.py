"""Verification (確認・措置): checks planned from signed contracts, findings, measures and reminders."""
