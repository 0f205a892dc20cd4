"""What became of a reply, in the admin's words, with one meaning of "failed" for the inbox and
the dashboard. A reply fails in one of two ways, and both screens use the same words for each:

- not sent (`delivery.not_sent`): it never left Balas; the dashboard counts it in
  `replies_not_sent` (Twilio not set up, the 24-hour window closed, Twilio refused it);
- not delivered (`delivery.undelivered`): Twilio took it, WhatsApp could not deliver it; the
  dashboard counts it in `delivery.failed` (status undelivered or failed).

Each failure carries a reason, `delivery.reason.<reason>` in the catalogues, never a raw code.
"""

from dataclasses import dataclass
from typing import Literal

from shared.conversations.service_window import OUTSIDE_HUMAN_AGENT_WINDOW, OUTSIDE_WINDOW
from shared.mongo import Document

FailureKind = Literal["not_sent", "undelivered"]
FAILURE_KINDS: tuple[FailureKind, ...] = ("not_sent", "undelivered")

# Why a reply was not sent, as the responder records it (services/responder/sending.py);
# anything else is the channel's refusal.
NOT_SENT_REASONS = (
    "twilio_not_configured",
    "whatsapp_cloud_not_configured",
    "messenger_not_configured",
    "instagram_not_configured",
    "email_not_configured",
    "outcome_unknown",
    OUTSIDE_WINDOW,
    OUTSIDE_HUMAN_AGENT_WINDOW,
)
REFUSED = "refused"
# Twilio's (63xxx, 30xxx) and the Cloud API's (131xxx) error codes for WhatsApp deliveries that
# an admin can act on; others keep the number.
WHATSAPP_ERRORS: dict[int, str] = {
    131047: OUTSIDE_WINDOW,  # re-engagement: more than 24 hours since the customer wrote
    131026: "not_on_whatsapp",  # message undeliverable
    63016: OUTSIDE_WINDOW,
    63003: "not_on_whatsapp",
    63024: "not_on_whatsapp",
    30003: "unreachable",
    30005: "unknown_number",
    30006: "unreachable",
    30007: "filtered",
}
WHATSAPP_ERROR = "whatsapp_error"
UNKNOWN = "unknown"

UNDELIVERED_STATUSES = ("undelivered", "failed", "canceled")


@dataclass(frozen=True)
class Failure:
    kind: FailureKind
    reason: str  # the stem of its catalogue key
    code: int | None = None  # Twilio's error code (Twilio stores it as text)


def failure_of(message: Document) -> Failure | None:
    """Why an outbound message did not reach the customer, or None if it did (or may yet)."""
    if message.get("state") == "not_sent":
        reason = message.get("not_sent_reason")
        return Failure("not_sent", reason if reason in NOT_SENT_REASONS else REFUSED)
    if message.get("delivery_status") in UNDELIVERED_STATUSES:
        code = str(message.get("delivery_error_code") or "")
        if not code.isdigit():
            return Failure("undelivered", UNKNOWN)
        number = int(code)
        return Failure("undelivered", WHATSAPP_ERRORS.get(number, WHATSAPP_ERROR), number)
    return None
