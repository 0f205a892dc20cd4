"""ingest's public routes, the one place their paths are written: ingest serves them; onboarding,
the sync, the responder's status callbacks and `balas simulate` hand them out or call them."""

TWILIO_PREFIX = "/webhooks/twilio"
TWILIO_MESSAGE_PATH = f"{TWILIO_PREFIX}/whatsapp"
TWILIO_STATUS_PATH = f"{TWILIO_PREFIX}/status"
WHATSAPP_CLOUD_PATH = "/webhooks/whatsapp-cloud"  # Meta's handshake (GET) and webhooks (POST)
MESSENGER_PATH = "/webhooks/messenger"  # the same, for a Facebook page's Messenger
INSTAGRAM_PATH = "/webhooks/instagram"  # the same, for an Instagram account's messages
WOOCOMMERCE_PREFIX = "/webhooks/woocommerce"
WOOCOMMERCE_PATH = WOOCOMMERCE_PREFIX + "/{store_id}"  # also the metrics label: no store ids


def public_url(public_base_url: str, path: str) -> str:
    """`path` as Twilio and WooCommerce reach it, behind PUBLIC_BASE_URL."""
    return public_base_url.rstrip("/") + path


def woocommerce_webhook_url(public_base_url: str, store_id: str) -> str:
    return public_url(public_base_url, WOOCOMMERCE_PATH.format(store_id=store_id))
