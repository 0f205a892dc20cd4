"""The channels a customer writes on. A conversation is per store, channel and customer handle."""

import re
from enum import StrEnum


class Channel(StrEnum):
    WHATSAPP = "whatsapp"  # WhatsApp through Twilio (every event before channels existed)
    WHATSAPP_CLOUD = "whatsapp_cloud"  # WhatsApp through Meta's Cloud API (Graph API)
    MESSENGER = "messenger"  # Facebook Messenger, to a store's Facebook page (Graph API)
    INSTAGRAM = "instagram"  # Instagram Direct, to a store's Instagram account (Graph API)
    EMAIL = "email"  # a store's mailbox: read over IMAP, answered over SMTP


# Meta's page messaging (Messenger and Instagram): a customer is a page-scoped id, a reply goes
# out by the Send API, and an agent may answer for 7 days with the HUMAN_AGENT tag.
META_MESSAGING = (Channel.MESSENGER, Channel.INSTAGRAM)
# What Balas writes into the `metadata` of a Messenger message it sends; Meta hands it back in the
# message's echo, so ingest tells Balas's own sends from an admin's in Meta's inbox app.
ECHO_MARK = "balas"


# The channels whose customer handle is a phone number: one customer, one number, a conversation
# on each (their orders' billing phone names them all).
PHONE_CHANNELS = (Channel.WHATSAPP, Channel.WHATSAPP_CLOUD)

# The longest text one message may carry on each channel (Twilio's limit for WhatsApp; the
# Cloud API's for a text message body; the Send API's on Messenger and Instagram). Plain text
# everywhere: none of them shows HTML.
TEXT_LIMITS = {
    Channel.WHATSAPP: 1600,
    Channel.WHATSAPP_CLOUD: 4096,
    Channel.MESSENGER: 2000,
    Channel.INSTAGRAM: 1000,
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
