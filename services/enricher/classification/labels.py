"""What a customer message is labelled with: the taxonomy and the classification's shape."""

from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class Intent(StrEnum):
    ORDER_STATUS = "order_status"
    SHIPPING = "shipping"
    PAYMENT = "payment"
    PRODUCT_QUESTION = "product_question"
    STOCK_AVAILABILITY = "stock_availability"
    PRICING_PROMO = "pricing_promo"
    RETURN_REFUND = "return_refund"
    COMPLAINT = "complaint"
    ACCOUNT = "account"
    GREETING_THANKS = "greeting_thanks"
    HUMAN_REQUEST = "human_request"
    OTHER = "other"


INTENT_DEFINITIONS: dict[Intent, str] = {
    Intent.ORDER_STATUS: "an order already placed: is it processed or shipped, where is it, "
    "its tracking number (resi), when it arrives",
    Intent.SHIPPING: "delivery before or apart from a given order: couriers, shipping cost "
    "(ongkir), delivery time, areas served, same-day or instant delivery",
    Intent.PAYMENT: "how to pay or a payment made: bank transfer, virtual account, e-wallets, "
    "COD, instalments, payment confirmation or failure",
    Intent.PRODUCT_QUESTION: "what a product is: material, size chart, specifications, "
    "compatibility, usage, authenticity, warranty",
    Intent.STOCK_AVAILABILITY: "whether a product, size or colour is in stock, sold out, "
    "ready or pre-order, and when it is restocked",
    Intent.PRICING_PROMO: "prices, discounts, vouchers, promotions, flash sales, wholesale or "
    "reseller prices, bargaining",
    Intent.RETURN_REFUND: "returning or exchanging an item, cancelling for money back, a "
    "refund and its progress, the return policy",
    Intent.COMPLAINT: "dissatisfaction with the service, the product's quality, the packing, "
    "the courier or the team, without a concrete request",
    Intent.ACCOUNT: "the customer's store account: sign-up, login, password, OTP or "
    "verification, profile data, membership points",
    Intent.GREETING_THANKS: "greetings, thanks, goodbyes and acknowledgements with no other "
    "request",
    Intent.HUMAN_REQUEST: "asks for a person instead of the bot: an admin, an agent, a call, "
    "the owner or a manager",
    Intent.OTHER: "anything else: jobs, partnerships, store hours or location, social media, "
    "wrong numbers, tests, small talk, spam",
}


class Sentiment(StrEnum):
    NEGATIVE = "negative"
    NEUTRAL = "neutral"
    POSITIVE = "positive"


class Language(StrEnum):
    """The message's main language; `code_mixed` says whether the other one is mixed in."""

    ID = "id"
    EN = "en"
    OTHER = "other"


class Amount(BaseModel):
    model_config = ConfigDict(frozen=True)

    text: str = Field(description="The amount as written, e.g. 'Rp 150.000' or '1,5jt'.")
    value: float = Field(description="The amount as a number, e.g. 150000 or 1500000.")
    currency: str = Field(description="ISO 4217 code: IDR unless another currency is written.")


class Entities(BaseModel):
    model_config = ConfigDict(frozen=True)

    order_numbers: list[str] = Field(description="Order numbers, digits only, e.g. '1042'.")
    products: list[str] = Field(description="Products named, e.g. 'kemeja batik'.")
    amounts: list[Amount] = Field(description="Money amounts.")


class SentimentScore(BaseModel):
    model_config = ConfigDict(frozen=True)

    label: Sentiment
    score: float = Field(ge=0, le=1, description="Confidence in the label, 0 to 1.")


Engine = Literal["offline", "llm"]


class Classification(BaseModel):
    """The labels of one customer message, as stored on the message and printed by the CLI."""

    model_config = ConfigDict(frozen=True)

    intent: Intent
    intent_score: float = Field(ge=0, le=1, description="Confidence in the intent, 0 to 1.")
    sentiment: SentimentScore
    language: Language
    code_mixed: bool = Field(description="Indonesian and English mixed in one message.")
    entities: Entities
    engine: Engine = Field(description="Which engine produced the labels.")
