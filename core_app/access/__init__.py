"""Who may do what: users, roles, permissions, data scopes, tokens and API keys."""
