"""Web plumbing shared by every domain: authentication, access policy, errors, forms, templates, static assets."""
