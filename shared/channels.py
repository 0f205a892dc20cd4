"""The channels a customer writes on. A conversation is per store, channel and customer handle."""

from enum import StrEnum


class Channel(StrEnum):
    WHATSAPP = "whatsapp"  # WhatsApp through Twilio (every event before channels existed)
    WHATSAPP_CLOUD = "whatsapp_cloud"  # WhatsApp through Meta's Cloud API (Graph API)
