"""Health check and the home page."""
