"""Which failures of a handler mean "a dependency is down" rather than "this event is bad".

An outage (a connection refused or cut, a timeout, a 5xx or 429 answer) of MongoDB, the LLM,
Twilio, WooCommerce or Kafka (handlers publish the next event) says nothing about the event: the
consumer waits it out and tries the same event again. Anything else (a validation error, a 4xx
refusal, a bug) would fail the same way on every try, so it goes to the dead-letter topic after
the configured attempts.

Client libraries' errors are recognised here; an adapter's own exception says which outage it
stands for in an `outage` attribute (a dependency's name, or None), so this platform module needs
no domain package. The LLM client is not imported here: a process that never loaded it (ingest)
cannot meet its errors, so it is looked up among the loaded modules instead.
"""

import sys
import traceback
from types import TracebackType

import httpx
import requests
from aiokafka import errors as kafka_errors
from pymongo import errors as mongo_errors
from twilio.base.exceptions import TwilioRestException

MONGODB, LLM, TWILIO, WOOCOMMERCE, KAFKA = "mongodb", "llm", "twilio", "woocommerce", "kafka"
NETWORK = "network"  # a transport failure raised outside the client libraries known here

_MONGODB_DOWN = (
    mongo_errors.ConnectionFailure,  # AutoReconnect, NetworkTimeout, ServerSelectionTimeoutError...
    mongo_errors.ExecutionTimeout,
    mongo_errors.WTimeoutError,
)
_LLM_DOWN = (
    "APIConnectionError",  # APITimeoutError is one
    "InternalServerError",
    "RateLimitError",
)
# Transport failures of HTTP clients: whose they are is read from where they were raised.
_TRANSPORT_DOWN = (
    requests.ConnectionError,
    requests.Timeout,
    httpx.TransportError,
    ConnectionError,
    TimeoutError,
)
# The dependency behind a transport failure raised inside one of these libraries.
_LIBRARIES = {
    "pymongo": MONGODB,
    "openai": LLM,
    "langchain_openai": LLM,
    "twilio": TWILIO,
    "woocommerce": WOOCOMMERCE,
    "aiokafka": KAFKA,
}


def dependency_down(error: BaseException) -> str | None:
    """The dependency whose outage caused `error` (or an error it was raised from), or None
    when the failure is the event's own."""
    seen: BaseException | None = error
    while seen is not None:
        found = _outage_of(seen)
        if found is not None:
            return found
        seen = seen.__cause__
    return None


def _outage_of(error: BaseException) -> str | None:
    if isinstance(error, _MONGODB_DOWN) or _retryable_write(error):
        return MONGODB
    if _llm_down(error):
        return LLM
    if isinstance(error, kafka_errors.KafkaError) and (
        error.retriable or isinstance(error, kafka_errors.KafkaTimeoutError)
    ):
        return KAFKA
    if isinstance(error, TwilioRestException):
        return TWILIO if error.status >= 500 or error.status == 429 else None
    declared = getattr(error, "outage", None)  # an adapter's own exception
    if isinstance(declared, str):
        return declared
    if isinstance(error, _TRANSPORT_DOWN):
        return _library_of(error.__traceback__) or NETWORK
    return None


def _llm_down(error: BaseException) -> bool:
    openai = sys.modules.get("openai")
    return openai is not None and isinstance(
        error, tuple(getattr(openai, name) for name in _LLM_DOWN)
    )


def _retryable_write(error: BaseException) -> bool:
    """MongoDB labels a write that failed because the server stepped down or went away."""
    return isinstance(error, mongo_errors.PyMongoError) and error.has_error_label(
        "RetryableWriteError"
    )


def _library_of(trace: TracebackType | None) -> str | None:
    """The dependency whose client library the innermost known frame of `trace` belongs to."""
    found = None
    for frame, _ in traceback.walk_tb(trace):
        package = str(frame.f_globals.get("__name__", "")).split(".", 1)[0]
        found = _LIBRARIES.get(package, found)
    return found
