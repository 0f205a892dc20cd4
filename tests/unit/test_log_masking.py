"""Phone numbers and e-mail addresses never reach a log line: whoever logs them, the line shows
their masked form, the same for every way the number is written."""

import io
import json
import logging
from collections.abc import Iterator

import pytest
import structlog
from pydantic import BaseModel, ValidationError

from shared.identity import conversation_id, customer_hash, masked
from shared.logging import configure_logging, loggable, masked_text
from shared.settings import Settings

NUMBER = "+6281234567890"
FORMS = (
    NUMBER,
    "whatsapp:+6281234567890",
    "081234567890",
    "0812-3456-7890",
    "0812 3456 7890",
    "+62 812-3456-7890",
    "6281234567890",
    "%2B6281234567890",
)


@pytest.fixture
def lines() -> Iterator[io.StringIO]:
    """What the services' JSON log handler writes while the test runs, at INFO."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    configure_logging(Settings().updated(log={"format": "json", "level": "INFO"}), "t")
    buffer = io.StringIO()
    ours = root.handlers[0]
    assert isinstance(ours, logging.StreamHandler)
    ours.setStream(buffer)
    yield buffer
    root.handlers = handlers
    root.setLevel(level)
    structlog.reset_defaults()


@pytest.mark.parametrize("written", FORMS)
def test_every_form_of_a_number_is_masked_to_the_same_identifier(written: str) -> None:
    line = masked_text(f"sending to {written} now")

    assert line == f"sending to {masked(NUMBER)} now"
    assert "1234567890"[-6:] not in line


def test_the_mask_is_the_start_of_the_customers_keyed_hash_and_names_a_conversation_alike() -> None:
    assert masked(NUMBER) == "h:" + customer_hash(NUMBER)[:10]
    assert masked(conversation_id("store-1", NUMBER)) == masked(NUMBER)
    assert masked(NUMBER) != masked("+6281234567891")


def test_e_mails_are_masked_whatever_their_case() -> None:
    line = masked_text("linked to Kirana.W@Example.id and kirana.w@example.id")

    assert "@" not in line
    assert line == f"linked to {masked('kirana.w@example.id')} and {masked('kirana.w@example.id')}"


def test_ids_times_and_amounts_are_left_as_they_are() -> None:
    text = (
        "event 5b0f3f5e-6c1a-4f64-9a59-081234567890 at 2026-12-06T19:41:01.123+00:00 "
        "offset 6281234 total 1250000.00 sid SM081234567890abcdef store-1555000000001"
    )

    assert masked_text(text) == text


def test_structlog_and_stdlib_records_are_masked_in_message_fields_and_traceback(
    lines: io.StringIO,
) -> None:
    structlog.get_logger("ours").info(
        "reply sent", to=f"store-1:{NUMBER}", contacts=["0812-3456-7890", {"email": "a@b.id"}]
    )
    logging.getLogger("library").warning("delivery to %s failed", f"whatsapp:{NUMBER}")
    try:
        raise ValueError(f"no customer {NUMBER}")
    except ValueError:
        structlog.get_logger("ours").exception("crashed")

    written = lines.getvalue()
    records = [json.loads(line) for line in written.splitlines()]
    assert [record["event"] for record in records] == [
        "reply sent",
        f"delivery to {masked(NUMBER)} failed",
        "crashed",
    ]
    assert records[0]["to"] == f"store-1:{masked(NUMBER)}"
    assert records[0]["contacts"] == [masked(NUMBER), {"email": masked("a@b.id")}]
    assert f"no customer {masked(NUMBER)}" in records[2]["exception"]
    assert "34567890" not in written
    assert "a@b.id" not in written


class _Message(BaseModel):
    text: int


def test_a_validation_error_is_logged_by_its_fields_without_their_values() -> None:
    with pytest.raises(ValidationError) as refused:
        _Message.model_validate({"text": "jilbab zamrud belum sampai"})

    assert loggable(refused.value) == "ValidationError(_Message: text)"
    assert loggable(KeyError("x")) == "KeyError('x')"
