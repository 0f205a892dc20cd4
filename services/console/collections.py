"""The console's collections and their indexes: accounts, sessions, login failures, read marks,
the reply library, team invites and the audit log."""

from pymongo import IndexModel

from shared.mongo import Indexes, Retention

CONSOLE_USERS = "console_users"  # console accounts: email (unique), argon2id hash, role, store_ids
CONSOLE_SESSIONS = "console_sessions"  # `_id` = SHA-256 of the cookie's session id, expires_at
CONSOLE_LOGIN_FAILURES = "console_login_failures"  # the login brake: failures and delay per key
CONSOLE_READS = "console_reads"  # per user and conversation: read up to `read_at` (unread marks)
REPLY_LIBRARY = "reply_library"  # per store: canned replies and approved WhatsApp templates
CONSOLE_INVITES = "console_invites"  # `_id` = SHA-256 of an invite link's token, expires_at
CONSOLE_AUDIT = "console_audit"  # who changed a store's set-up or team, when, and what


def indexes(retention: Retention) -> Indexes:
    return {
        CONSOLE_USERS: [IndexModel("email", unique=True), IndexModel("store_ids")],
        CONSOLE_SESSIONS: [IndexModel("expires_at", expireAfterSeconds=0), IndexModel("user_id")],
        CONSOLE_LOGIN_FAILURES: [IndexModel("expires_at", expireAfterSeconds=0)],
        # conversation ids name the customer's number: markers expire like messages
        CONSOLE_READS: [IndexModel("read_at", name="console_read_retention", **retention.ttl)],
        CONSOLE_INVITES: [IndexModel("expires_at", expireAfterSeconds=0), IndexModel("store_id")],
        # entries name people (e-mails): kept as long as messages, newest first per store
        CONSOLE_AUDIT: [
            IndexModel([("store_id", 1), ("at", -1)]),
            IndexModel("at", name="console_audit_retention", **retention.ttl),
        ],
    }
