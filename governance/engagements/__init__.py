"""Outsourcing engagements (委託業務): the facts that drive security requirements, and contractor selection."""
