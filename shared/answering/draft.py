"""What the bot decided to say, before anything is stored or sent, and what WhatsApp takes."""

from pydantic import BaseModel, Field

from shared.events import Citation, HandOverReason, LlmUsage, OrderActionFact
from shared.text.sentences import sentence_ends

WHATSAPP_MAX_CHARS = 1600
_ELLIPSIS = "…"


def fit_for_whatsapp(text: str, limit: int = WHATSAPP_MAX_CHARS) -> str:
    """WhatsApp through Twilio takes at most 1,600 characters (an image's caption on the Cloud
    API 1,024): the whole sentences that fit, a sentence that does not fit left out rather than
    cut; only a first sentence longer than the limit is cut, at a word, and the cut marked."""
    text = text.strip()
    if len(text) <= limit:
        return text
    ends = [end for end in sentence_ends(text) if end <= limit]
    if ends:
        return text[: ends[-1]].rstrip()
    cut = text[: limit - len(_ELLIPSIS)]
    if " " in cut:
        cut = cut[: cut.rindex(" ")]
    return cut.rstrip() + _ELLIPSIS


class Draft(BaseModel):
    """What the bot decided to say, before anything is stored or sent."""

    text: str
    hand_over: HandOverReason | None = None
    llm: LlmUsage | None = None
    citations: list[Citation] = Field(default_factory=list)
    grounded: bool = False  # its facts come from cited passages or tool results
    # The customer's questions it could not answer, in their words: the knowledge gaps.
    unanswered: list[str] = Field(default_factory=list)
    # Product images sent with the text, one per product (product_cards.py); the text holds
    # their captions.
    media_urls: list[str] = Field(default_factory=list)
    order_action: OrderActionFact | None = None  # the order action it is about (docs/actions.md)
    # Answers offered as quick-reply buttons where the channel has them (the Cloud API); the
    # text says them too, so a channel without buttons loses nothing.
    quick_replies: list[str] = Field(default_factory=list)
