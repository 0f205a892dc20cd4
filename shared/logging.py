"""Structured logs: key-value events from our code and stdlib logs from libraries, one format.

Never log phone numbers, message text or secrets: use `shared.identity.masked` for ids.
"""

import logging
import sys
import time
from collections.abc import Callable
from typing import ClassVar

import structlog

from shared.settings import Settings


def configure_logging(settings: Settings, service: str) -> None:
    shared_processors: list[structlog.types.Processor] = [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.stdlib.ExtraAdder(),
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        _drop_color_message,
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
            processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, renderer],
        )
    )
    handler.addFilter(RepeatLimiter())
    root = logging.getLogger()
    root.handlers = [handler]
    root.setLevel(settings.log.level.upper())
    for noisy in (
        "httpx2",  # the OpenAI client's HTTP library: one line per LLM call
        "openai",
        "aiokafka",
        "pymongo",
        "httpx",
        "twilio.http_client",
        "uvicorn.access",
        "uvicorn.error",
    ):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    structlog.contextvars.bind_contextvars(service=service)


def _drop_color_message(
    logger: object, method: str, event: structlog.types.EventDict
) -> structlog.types.EventDict:
    event.pop("color_message", None)  # uvicorn's duplicate of the message, with ANSI codes
    return event


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
