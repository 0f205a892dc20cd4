"""The console's 422 answers in the caller's language.

FastAPI's validation errors carry pydantic's English `msg`. The console keeps them (scripts may
read them) and adds `message`: the same error in the UI language, from the `err.*` keys of the
catalogues. A key `err.<type>.<field>` wins over `err.<type>` (a Content SID's pattern says more
than "does not match"); our own validators' messages are matched by their wording. An error with
no key keeps pydantic's text, so nothing is ever shown blank.
"""

import re
from collections.abc import Mapping
from typing import Any

from fastapi import Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response

from services.console.error_pages import error_page, wants_page
from services.console.i18n import Lang, catalogue, request_lang, t

_VALUE_ERROR = "Value error, "

# Our validators' messages (shared/stores/bot_settings.py, services/console/reply_library.py,
# shared/stores/fields.py, services/console/commands.py).
_OWN_MESSAGES: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"'(?P<name>.*)' is not an IANA timezone like Asia/Jakarta"), "unknown_timezone"),
    (re.compile(r"'(?P<code>.*)' is not an ISO 4217 currency code like IDR"), "unknown_currency"),
    (re.compile(r"'(?P<code>.*)' is not an ISO 3166 country code like ID"), "unknown_country"),
    (re.compile(r"must (?:be the shop's base URL|not carry a user name).*"), "url_shape"),
    (re.compile(r"end (?P<end>[\d:]+) must be after start (?P<start>[\d:]+)"), "period_order"),
    (re.compile(r"unknown timezone '(?P<name>.*)'"), "unknown_timezone"),
    (re.compile(r"(?P<day>\w+): opening periods overlap"), "periods_overlap"),
    (re.compile(r"each template's content_sid may appear once"), "duplicate_template"),
    # shared/notifications/orders.py
    (re.compile(r"not a Twilio Content SID \(HX…\) nor a Cloud API .*"), "not_a_template"),
    (re.compile(r"quiet hours must not start and end at the same time"), "quiet_hours_empty"),
    # services/console/commands.py: the composer's and action bar's commands
    (
        re.compile(r"template_sid must be a Twilio Content SID.*"),
        "string_pattern_mismatch.content_sid",
    ),
    (re.compile(r"a reply needs a text or a template_sid"), "reply_needs_text"),
    (re.compile(r"only a reply takes a template"), "template_only_in_reply"),
    (re.compile(r"a note needs a text"), "note_needs_text"),
    (re.compile(r"\w+ takes no text"), "takes_no_text"),
    (re.compile(r"only assign takes an assignee_id"), "assignee_only_in_assign"),
)


def _known(key: str, lang: Lang) -> bool:
    return key in catalogue(lang) or key in catalogue("id")


def localized(error: Mapping[str, Any], lang: Lang) -> str:
    """One pydantic error (FastAPI's dict form) as a sentence in `lang`."""
    original = str(error.get("msg", ""))
    message = original.removeprefix(_VALUE_ERROR)
    if error.get("type") == "value_error":
        for pattern, name in _OWN_MESSAGES:
            match = pattern.fullmatch(message)
            if match:
                values = match.groupdict()
                if "day" in values:
                    values["day"] = t(f"day.{values['day']}", lang)
                return t(f"err.{name}", lang, **values)
        return message
    kind = str(error.get("type", ""))
    field = str(error["loc"][-1]) if error.get("loc") else ""
    context = {key: value for key, value in (error.get("ctx") or {}).items() if key != "error"}
    # A length bound is the text's {count}: it picks an English plural form ("at least 1 item").
    bound = context.get("min_length", context.get("max_length"))
    counted = {"count": bound} if bound is not None else {}
    for key in (f"err.{kind}.{field}", f"err.{kind}"):
        if _known(key, lang):
            try:
                return t(key, lang, **counted, **context)
            except (KeyError, IndexError, ValueError):  # a context the text does not expect
                break
    return message


async def validation_failed(request: Request, error: Exception) -> Response:
    """The app's handler for RequestValidationError: FastAPI's 422 plus `message` per error
    (a browser asking for a page gets the 400 error page)."""
    assert isinstance(error, RequestValidationError)
    if wants_page(request):  # a browser's address or form: the layout's page, in words
        return error_page(request, 400)
    lang = request_lang(request)
    details = [{**item, "message": localized(item, lang)} for item in error.errors()]
    return JSONResponse(status_code=422, content={"detail": jsonable_encoder(details)})
