"""Messages Balas writes first: order notifications (docs/notifications.md)."""
