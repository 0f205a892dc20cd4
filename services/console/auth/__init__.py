"""Console accounts and security: users with argon2id passwords, server-side sessions, CSRF
tokens, a login rate limit shared by every replica, and security headers (docs/console.md)."""
