"""Order actions the bot performs for the order's own customer, each after their explicit
confirmation, exactly once through the WooCommerce REST API (docs/actions.md)."""
