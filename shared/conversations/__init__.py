"""Conversations: stored messages, CSAT surveys, the service window."""
