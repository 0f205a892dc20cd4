"""The channels a customer writes on. A conversation is per store, channel and customer handle."""

import re
from enum import StrEnum


class Channel(StrEnum):
    WHATSAPP = "whatsapp"  # WhatsApp through Twilio (every event before channels existed)
    WHATSAPP_CLOUD = "whatsapp_cloud"  # WhatsApp through Meta's Cloud API (Graph API)
    EMAIL = "email"  # a store's mailbox: read over IMAP, answered over SMTP


# The longest text one message may carry on each channel (Twilio's limit for WhatsApp; the
# Cloud API's for a text message body). Plain text on both: WhatsApp shows no HTML.
TEXT_LIMITS = {
    Channel.WHATSAPP: 1600,
    Channel.WHATSAPP_CLOUD: 4096,
    Channel.EMAIL: 20000,  # no protocol limit; a reply longer than this is not a reply
}

# Channels without a customer-service window: a reply may go out however long ago the customer
# wrote (WhatsApp's 24 hours do not apply to e-mail).
WINDOWLESS = frozenset({Channel.EMAIL})

# How an agent names an approved template (a reply outside the 24-hour window), per channel:
# Twilio's Content SID, or the Cloud API template's name and language (`order_update:id`).
TEMPLATE_NAMES = {
    Channel.WHATSAPP: re.compile(r"^HX[0-9a-fA-F]{32}$"),
    Channel.WHATSAPP_CLOUD: re.compile(r"^[a-z0-9_]{1,512}:[a-z]{2,3}(?:_[A-Z]{2})?$"),
}


def template_channel(template_sid: str) -> Channel | None:
    """The channel whose templates are named like `template_sid`; None: no channel's."""
    return next((c for c, name in TEMPLATE_NAMES.items() if name.match(template_sid)), None)
