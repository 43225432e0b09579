"""Contractors (委託事業者): companies we outsource to, their certifications and bidding suspensions."""
