"""Phone numbers as E.164, the form conversation ids use (`<store>:+6281234567890`).

WhatsApp numbers arrive from Twilio in E.164 already; WooCommerce billing phones are whatever the
customer typed at checkout ("0812-3456-7890", "62812...", "+62 812 ..."). They are read in the
store's default country (`Store.default_country`, "ID" unless set), so a national number gets
that country's code. Anything Google's libphonenumber does not consider a valid number is None:
a wrong link between a customer and an order is worse than none.
"""

import phonenumbers

DEFAULT_COUNTRY = "ID"
_PREFIXES = ("whatsapp:", "tel:")


def normalise(raw: str | None, default_country: str | None = DEFAULT_COUNTRY) -> str | None:
    """`raw` in E.164 (`+6281234567890`), or None if it is empty or not a valid number."""
    if not raw:
        return None
    text = raw.strip()
    for prefix in _PREFIXES:
        if text.lower().startswith(prefix):
            text = text[len(prefix) :]
    try:
        number = phonenumbers.parse(text, (default_country or DEFAULT_COUNTRY).upper())
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def store_country(store: object) -> str:
    """The store's default country for national numbers (a `Store`, or its document)."""
    if isinstance(store, dict):
        country = store.get("default_country")
    else:
        country = getattr(store, "default_country", None)
    return str(country).upper() if country else DEFAULT_COUNTRY


def display_number(number: str) -> str:
    """A customer's number with its middle hidden: +62 812 •••• 5678."""
    if len(number) < 9:
        return number
    return f"{number[:3]} {number[3:6]} •••• {number[-4:]}"
