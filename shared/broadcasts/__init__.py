"""Broadcasts: one approved template to a segment of the customers who agreed to promotions
(docs/notifications.md#broadcasts)."""
