"""People and access: users, departments, roles, sessions, API tokens and first-run setup."""
