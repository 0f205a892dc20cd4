"""WooCommerce: resources as events, the REST API, the resumable sync."""
