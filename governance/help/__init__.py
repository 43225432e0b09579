"""In-app help: the staff user guide (docs/user-guide.md) rendered as a page with a table of contents."""
