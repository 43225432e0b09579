"""Tamper-evident audit log: every write through a service records an entry in the same transaction."""
