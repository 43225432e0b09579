"""Evidence files (certificates, reports): stored by content hash, served only by record id."""
