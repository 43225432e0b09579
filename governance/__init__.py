"""governance: outsourcing, external-service and social-media governance for Japanese municipalities."""

__version__ = "0.1.0"
