"""The console's collections and their indexes: accounts, sessions, login failures, read marks,
the reply library."""

from pymongo import IndexModel

from shared.mongo import Indexes, Retention

CONSOLE_USERS = "console_users"  # console accounts: email (unique), argon2id hash, role, store_ids
CONSOLE_SESSIONS = "console_sessions"  # `_id` = SHA-256 of the cookie's session id, expires_at
CONSOLE_LOGIN_FAILURES = "console_login_failures"  # the login brake: failures and delay per key
CONSOLE_READS = "console_reads"  # per user and conversation: read up to `read_at` (unread marks)
REPLY_LIBRARY = "reply_library"  # per store: canned replies and approved WhatsApp templates


def indexes(retention: Retention) -> Indexes:
    return {
        CONSOLE_USERS: [IndexModel("email", unique=True), IndexModel("store_ids")],
        CONSOLE_SESSIONS: [IndexModel("expires_at", expireAfterSeconds=0), IndexModel("user_id")],
        CONSOLE_LOGIN_FAILURES: [IndexModel("expires_at", expireAfterSeconds=0)],
        # conversation ids name the customer's number: markers expire like messages
        CONSOLE_READS: [IndexModel("read_at", name="console_read_retention", **retention.ttl)],
    }
