"""Structured logs: key-value events from our code and stdlib logs from libraries, one format.

Never log phone numbers, e-mails, names, message text or secrets: log counts, lengths and ids,
and `shared.identity.masked` where a customer must be named. As a safety net, every record's
message, fields and traceback are rewritten before they are written: phone numbers and e-mail
addresses become their masked form (`h:` and ten hex digits), whoever logged them.
"""

import logging
import re
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, ClassVar

import structlog
from pydantic import ValidationError

from shared.identity import masked
from shared.phones import normalise
from shared.settings import Settings

# A number as it may appear in a log line: E.164 (`+6281234567890`, `whatsapp:+62…`), or an
# Indonesian one as customers type it (`081234567890`, `62 812-3456-7890`), or in a URL path
# (`…/conversations/toko%3A%2B6281234567890`).
_PHONE = re.compile(
    r"%2[Bb][1-9]\d{7,14}(?!\d)"
    r"|(?<![\w+.-])(?:whatsapp:|tel:)?"
    r"(?:\+[1-9]\d{7,14}|(?:\+?62|0)[ -]?8\d{1,3}(?:[ -]?\d{3,4}){2,3})(?!\d)"
)
_EMAIL = re.compile(r"[\w.%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")


NOISY = (  # libraries logged at WARNING and above only
    "httpx2",  # the OpenAI client's HTTP library: one line per LLM call
    "openai",
    "aiokafka",
    "pymongo",
    "httpx",
    "twilio.http_client",
    "uvicorn.access",
    "uvicorn.error",
)


def configure_logging(settings: Settings, service: str) -> None:
    shared_processors: list[structlog.types.Processor] = [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.stdlib.ExtraAdder(),
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        _drop_color_message,
    ]
    # Tracebacks become text first, so that the mask reaches the values they quote.
    last_processors: list[structlog.types.Processor] = [
        structlog.stdlib.ProcessorFormatter.remove_processors_meta,
        structlog.processors.format_exc_info,
        mask_personal_data,
    ]
    renderer: structlog.types.Processor = (
        structlog.processors.JSONRenderer()
        if settings.log.format == "json"
        else structlog.dev.ConsoleRenderer(colors=sys.stderr.isatty())
    )
    structlog.configure(
        processors=[*shared_processors, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
    handler = logging.StreamHandler()
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            foreign_pre_chain=shared_processors,
            processors=[*last_processors, renderer],
        )
    )
    handler.addFilter(RepeatLimiter())
    root = logging.getLogger()
    root.handlers = [handler]
    root.setLevel(settings.log.level.upper())
    for noisy in NOISY:
        logging.getLogger(noisy).setLevel(logging.WARNING)
    structlog.contextvars.bind_contextvars(service=service)


@contextmanager
def logging_configured(settings: Settings, service: str) -> Iterator[None]:
    """`configure_logging` while the block runs, and the logging as it was after it: a command
    run in-process (tests) leaves no level and no handler on a stream that is gone behind it."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    levels = {name: logging.getLogger(name).level for name in NOISY}
    config, context = structlog.get_config(), structlog.contextvars.get_contextvars()
    configure_logging(settings, service)
    structlog.configure(cache_logger_on_first_use=False)  # a cached logger would outlive the block
    try:
        yield
    finally:
        root.handlers = handlers
        root.setLevel(level)
        for name, noisy_level in levels.items():
            logging.getLogger(name).setLevel(noisy_level)
        structlog.configure(**config)
        structlog.contextvars.clear_contextvars()
        structlog.contextvars.bind_contextvars(**context)


def _drop_color_message(
    logger: object, method: str, event: structlog.types.EventDict
) -> structlog.types.EventDict:
    event.pop("color_message", None)  # uvicorn's duplicate of the message, with ANSI codes
    return event


def mask_personal_data(
    logger: object, method: str, event: structlog.types.EventDict
) -> structlog.types.EventDict:
    """Phone numbers and e-mail addresses in any field of the record, masked."""
    return {key: _masked_in(value) for key, value in event.items()}


def masked_text(text: str) -> str:
    """`text` with every phone number and e-mail address in it masked."""
    if any(char.isdigit() for char in text):
        text = _PHONE.sub(_masked_number, text)
    if "@" in text:
        text = _EMAIL.sub(lambda found: masked(found.group().lower()), text)
    return text


def loggable(error: BaseException | None) -> str:
    """An error as logs may show it: a validation error names its fields, never their values
    (a message's text, a customer's name)."""
    if isinstance(error, ValidationError):
        fields = sorted({".".join(map(str, item["loc"])) or "-" for item in error.errors()})
        return f"ValidationError({error.title}: {', '.join(fields)})"
    return repr(error)


def _masked_in(value: Any) -> Any:
    if isinstance(value, str):
        return masked_text(value)
    if isinstance(value, dict):
        return {key: _masked_in(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_masked_in(item) for item in value]
    return value


def _masked_number(found: re.Match[str]) -> str:
    written = re.sub("%2[Bb]", "+", found.group())
    number = normalise(written) or re.sub(r"[^\d+]", "", written)
    return masked(number)


class RepeatLimiter(logging.Filter):
    """At most one line per window for each repeated warning or error of the Kafka client and
    each repeated warning of our consumers (a broker that restarts makes them retry many times a
    second); the next line let through says how many like it were held back. Our consumers'
    errors (a dead-lettered event) all pass."""

    LIMITED: ClassVar[dict[str, int]] = {  # logger -> the highest level it limits
        "aiokafka": logging.CRITICAL,
        "shared.consumer": logging.WARNING,
    }

    def __init__(
        self, window_seconds: float = 10.0, clock: Callable[[], float] = time.monotonic
    ) -> None:
        super().__init__()
        self._window = window_seconds
        self._clock = clock
        self._last: dict[tuple[str, str], float] = {}
        self._held: dict[tuple[str, str], int] = {}

    def filter(self, record: logging.LogRecord) -> bool:
        ceiling = next(
            (level for name, level in self.LIMITED.items() if record.name.startswith(name)), None
        )
        if ceiling is None or not logging.WARNING <= record.levelno <= ceiling:
            return True
        template = record.msg.get("event") if isinstance(record.msg, dict) else record.msg
        key = (record.name, str(template))
        now = self._clock()
        if now - self._last.get(key, -self._window) < self._window:
            self._held[key] = self._held.get(key, 0) + 1
            return False
        self._last[key] = now
        if held := self._held.pop(key, 0):
            if isinstance(record.msg, dict):
                record.msg["repeats_held_back"] = held
            else:
                record.msg = f"{record.msg} ({held} more like it held back)"
        return True
