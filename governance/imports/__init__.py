"""Existing lists in: 委託事業者 (with certifications) and 委託業務 from .xlsx or CSV, checked by row, all or none."""
