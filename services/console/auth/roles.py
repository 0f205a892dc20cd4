"""What a console user may do. Apart from the accounts, so that `balas console` offers the roles
without loading the password hashing."""

from enum import StrEnum


class Role(StrEnum):
    OWNER = "owner"  # everything in their stores, their stores' users included
    AGENT = "agent"  # the inbox and reading; no settings, knowledge or onboarding changes
