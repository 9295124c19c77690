"""Users, roles, password hashing and tokens."""
