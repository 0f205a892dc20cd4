"""Which handler failures are outages of a dependency (waited out) and which are the event's own
(dead-lettered after the attempts): the client libraries' real exceptions, raised for real where
that is cheap."""

import asyncio

import httpx
import openai
import pydantic
import pytest
import requests
from aiokafka import errors as kafka_errors
from pymongo import AsyncMongoClient
from pymongo import errors as mongo_errors
from twilio.base.exceptions import TwilioRestException
from twilio.http.http_client import TwilioHttpClient

from shared.infra import free_port
from shared.outages import dependency_down
from shared.woocommerce.api import WooCommerceApi, WooCommerceUnreachable

REQUEST = httpx.Request("POST", "https://api.openai.com/v1/chat/completions")


def openai_status(error: type[openai.APIStatusError], status: int) -> openai.APIStatusError:
    return error("refused", response=httpx.Response(status, request=REQUEST), body=None)


def raised(error: BaseException) -> BaseException:
    """`error` as an except clause sees it: raised, with a traceback."""
    try:
        raise error
    except BaseException as caught:
        return caught


@pytest.mark.parametrize(
    ("error", "dependency"),
    [
        (mongo_errors.AutoReconnect("connection reset"), "mongodb"),
        (mongo_errors.NetworkTimeout("timed out"), "mongodb"),
        (mongo_errors.ServerSelectionTimeoutError("no servers"), "mongodb"),
        (mongo_errors.WTimeoutError("write concern timed out"), "mongodb"),
        (mongo_errors.ExecutionTimeout("operation exceeded time limit", 50), "mongodb"),
        (openai.APIConnectionError(request=REQUEST), "llm"),
        (openai.APITimeoutError(request=REQUEST), "llm"),
        (openai_status(openai.InternalServerError, 503), "llm"),
        (openai_status(openai.RateLimitError, 429), "llm"),
        (TwilioRestException(503, "https://api.twilio.com", "unavailable"), "twilio"),
        (TwilioRestException(429, "https://api.twilio.com", "too many requests"), "twilio"),
        (WooCommerceUnreachable("WooCommerce answered 502", 502, down=True), "woocommerce"),
        (kafka_errors.KafkaConnectionError("broker gone"), "kafka"),
        (kafka_errors.KafkaTimeoutError(), "kafka"),
        (ConnectionRefusedError(111, "refused"), "network"),
        (TimeoutError(), "network"),
        (httpx.ConnectTimeout("timed out"), "network"),
    ],
    ids=lambda value: type(value).__name__ if isinstance(value, BaseException) else value,
)
def test_connection_failures_timeouts_and_server_errors_are_outages(
    error: BaseException, dependency: str
) -> None:
    assert dependency_down(raised(error)) == dependency


@pytest.mark.parametrize(
    "error",
    [
        ValueError("not a number"),
        KeyError("order"),
        mongo_errors.DuplicateKeyError("E11000 duplicate key"),
        mongo_errors.OperationFailure("unknown operator $foo", 2),
        openai_status(openai.BadRequestError, 400),
        openai_status(openai.AuthenticationError, 401),
        TwilioRestException(400, "https://api.twilio.com", "invalid To number"),
        WooCommerceUnreachable("the keys are refused", 401),
        kafka_errors.MessageSizeTooLargeError(),
    ],
    ids=lambda error: type(error).__name__,
)
def test_refusals_bad_data_and_bugs_are_the_events_own(error: BaseException) -> None:
    assert dependency_down(raised(error)) is None


def test_validation_errors_are_the_events_own() -> None:
    with pytest.raises(pydantic.ValidationError) as caught:
        pydantic.TypeAdapter(int).validate_python("many")

    assert dependency_down(caught.value) is None


def test_an_error_raised_from_an_outage_is_one() -> None:
    wrapped = RuntimeError("could not store the reply")
    wrapped.__cause__ = raised(mongo_errors.AutoReconnect("connection reset"))

    assert dependency_down(raised(wrapped)) == "mongodb"


def test_twilio_unreachable_is_an_outage_of_twilio() -> None:
    client = TwilioHttpClient(timeout=2)

    with pytest.raises(requests.ConnectionError) as caught:
        client.request("GET", f"http://127.0.0.1:{free_port()}/2010-04-01/Accounts.json")

    assert dependency_down(caught.value) == "twilio"


async def test_a_shop_that_does_not_answer_is_an_outage_and_a_refused_address_is_not() -> None:
    address = f"http://127.0.0.1:{free_port()}"
    shop = WooCommerceApi(address, "ck", "cs", allow_private=True)
    private_shop = WooCommerceApi(address, "ck", "cs", allow_private=False)

    with pytest.raises(WooCommerceUnreachable) as unreachable:
        await shop._call("GET", "orders", attempts=1)
    with pytest.raises(WooCommerceUnreachable) as refused:
        await private_shop._call("GET", "orders", attempts=1)

    assert dependency_down(unreachable.value) == "woocommerce"
    assert dependency_down(refused.value) is None


async def test_mongodb_unreachable_is_an_outage_of_mongodb() -> None:
    client: AsyncMongoClient[dict[str, object]] = AsyncMongoClient(
        f"mongodb://127.0.0.1:{free_port()}/?directConnection=true", serverSelectionTimeoutMS=200
    )
    try:
        with pytest.raises(mongo_errors.PyMongoError) as caught:
            await asyncio.wait_for(client.admin.command("ping"), timeout=30)
    finally:
        await client.close()

    assert dependency_down(caught.value) == "mongodb"
