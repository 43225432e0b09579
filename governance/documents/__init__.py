"""Word documents (python-docx): shared Japanese page setup and text safety."""
