"""ingest's public routes, the one place their paths are written: ingest serves them; onboarding,
the sync, the responder's status callbacks and `balas simulate` hand them out or call them."""

from urllib.parse import quote

TWILIO_PREFIX = "/webhooks/twilio"
TWILIO_MESSAGE_PATH = f"{TWILIO_PREFIX}/whatsapp"
TWILIO_STATUS_PATH = f"{TWILIO_PREFIX}/status"
# the query parameter of a reply's status callback URL naming the reply's `_id` (Twilio calls
# the URL as given and signs it with its query)
STATUS_MESSAGE_PARAM = "m"
QUERY_SAFE = ":/@?!$'()*,"  # RFC 3986 query characters that need no quoting: not &=+;
WHATSAPP_CLOUD_PATH = "/webhooks/whatsapp-cloud"  # Meta's handshake (GET) and webhooks (POST)
MESSENGER_PATH = "/webhooks/messenger"  # the same, for a Facebook page's Messenger
INSTAGRAM_PATH = "/webhooks/instagram"  # the same, for an Instagram account's messages
WOOCOMMERCE_PREFIX = "/webhooks/woocommerce"
WOOCOMMERCE_PATH = WOOCOMMERCE_PREFIX + "/{store_id}"  # also the metrics label: no store ids


def public_url(public_base_url: str, path: str) -> str:
    """`path` as Twilio and WooCommerce reach it, behind PUBLIC_BASE_URL."""
    return public_base_url.rstrip("/") + path


def status_callback_naming(status_callback_url: str, message_id: str) -> str:
    """The status callback URL whose callbacks name our message `message_id`. Characters a
    query may hold as they are stay unquoted: the URL is signed as called, and HTTP clients
    (aiohttp's, for one) unquote them before calling."""
    return f"{status_callback_url}?{STATUS_MESSAGE_PARAM}={quote(message_id, safe=QUERY_SAFE)}"


def woocommerce_webhook_url(public_base_url: str, store_id: str) -> str:
    return public_url(public_base_url, WOOCOMMERCE_PATH.format(store_id=store_id))
