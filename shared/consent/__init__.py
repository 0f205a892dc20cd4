"""Customers' consent to be written to first, per store, customer and purpose
(docs/notifications.md)."""
