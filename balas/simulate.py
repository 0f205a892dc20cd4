"""Correctly signed Twilio WhatsApp webhooks, as Twilio sends them: for demos, tests, benches."""

import uuid

from twilio.request_validator import RequestValidator


def new_message_sid() -> str:
    return "SM" + uuid.uuid4().hex


def new_customer_number() -> str:
    """A random Indonesian mobile number (+62 812…), a new customer each time."""
    return f"+62812{uuid.uuid4().int % 10**8:08d}"


def inbound_message_form(
    *,
    customer: str,
    store_number: str,
    text: str,
    message_sid: str | None = None,
    profile_name: str = "Pelanggan Demo",
) -> dict[str, str]:
    sid = message_sid or new_message_sid()
    return {
        "MessageSid": sid,
        "SmsMessageSid": sid,
        "AccountSid": "AC" + "0" * 32,
        "From": f"whatsapp:{customer}",
        "To": f"whatsapp:{store_number}",
        "Body": text,
        "ProfileName": profile_name,
        "WaId": customer.lstrip("+"),
        "NumMedia": "0",
        "NumSegments": "1",
        "ApiVersion": "2010-04-01",
    }


def status_callback_form(
    *, twilio_sid: str, status: str, store_number: str, customer: str
) -> dict[str, str]:
    return {
        "MessageSid": twilio_sid,
        "MessageStatus": status,
        "AccountSid": "AC" + "0" * 32,
        "From": f"whatsapp:{store_number}",
        "To": f"whatsapp:{customer}",
        "ApiVersion": "2010-04-01",
    }


def twilio_signature(auth_token: str, public_url: str, form: dict[str, str]) -> str:
    """X-Twilio-Signature for `form` posted to `public_url`, by the SDK's own algorithm."""
    return str(RequestValidator(auth_token).compute_signature(public_url, form))
