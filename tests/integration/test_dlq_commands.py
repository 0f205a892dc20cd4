"""`balas dlq` on a dead-letter topic that also holds a record that is no dead letter (written by
another program, by hand, or cut short): every command goes on past it, shows it as such and
never re-drives it."""

import asyncio
import uuid

import pytest
from faststream.kafka import KafkaBroker
from typer.testing import CliRunner

from balas import cli_support
from balas.cli import app
from shared import kafka, topics
from shared.events import DeadLetter
from shared.settings import Settings
from tests.support import events
from tests.support.kafka import records_mentioning

pytestmark = pytest.mark.slow

TOPIC = topics.WHATSAPP_INBOUND
DEAD_LETTER_TOPIC = topics.dead_letter(TOPIC)


@pytest.fixture(autouse=True)
def wide_console(monkeypatch: pytest.MonkeyPatch) -> None:
    """Wide enough for a row of the listing on one line."""
    monkeypatch.setattr(cli_support.console, "width", 200)


async def _balas(settings: Settings, *arguments: str) -> tuple[int, str]:
    env = settings.as_environment()
    ran = await asyncio.to_thread(lambda: CliRunner().invoke(app, list(arguments), env=env))
    return ran.exit_code, ran.output


async def _record_id(settings: Settings, mark: str) -> str:
    """The dead-letter id (`balas dlq list`'s) of the one record that contains `mark`."""
    records = await kafka.read_topic(kafka.bootstrap_servers(settings), DEAD_LETTER_TOPIC)
    [record] = [record for record in records if mark.encode() in (record.value or b"")]
    return f"{DEAD_LETTER_TOPIC}:{record.partition}:{record.offset}"


async def test_a_record_that_is_no_dead_letter_is_shown_as_such_and_never_re_driven(
    settings: Settings, broker: KafkaBroker, store_id: str
) -> None:
    poison_mark = f"poison-{uuid.uuid4().hex}"
    poison = b"\xff\xfe not a dead letter " + poison_mark.encode()
    message = events.received("+6281100000095", "Halo?", store_id=store_id)
    letter = DeadLetter(
        topic=TOPIC,
        partition=0,
        offset=0,
        key=message.key(),
        payload=message.model_dump_json(),
        error="RuntimeError('boom')",
        attempts=3,
        consumer_group=f"group-{store_id}",
    )
    await broker.publish(poison, topic=DEAD_LETTER_TOPIC)
    await broker.publish(letter.model_dump_json().encode(), topic=DEAD_LETTER_TOPIC)
    poison_id = await _record_id(settings, poison_mark)
    letter_id = await _record_id(settings, letter.consumer_group)

    code, listed = await _balas(settings, "dlq", "list", "--topic", TOPIC)
    assert code == 0, listed
    assert "Records that are no dead letters" in listed
    [poison_row] = [line.split() for line in listed.splitlines() if poison_id in line]
    partition, offset = poison_id.split(":")[1:]
    assert poison_row[:4] == [poison_id, partition, offset, str(len(poison))]
    assert "b'\\xff\\xfe not a dead" in " ".join(poison_row[4:])
    [letter_row] = [line.split() for line in listed.splitlines() if letter_id in line]
    assert letter_row[1] == letter.consumer_group

    code, shown = await _balas(settings, "dlq", "show", poison_id)
    assert code == 1
    assert f"{poison_id} is no dead letter" in shown
    code, shown = await _balas(settings, "dlq", "show", letter_id)
    assert code == 0, shown
    assert DeadLetter.model_validate_json(shown) == letter

    # A mistyped id among good ones re-drives none of them (the single copy below shows it).
    code, refused = await _balas(settings, "dlq", "redrive", letter_id, f"{letter_id}9")
    assert code == 1
    assert f"no dead letter {letter_id}9" in refused
    code, redriven = await _balas(settings, "dlq", "redrive", poison_id, letter_id)
    assert code == 0, redriven
    assert f"skipped {poison_id}, no dead letter" in redriven
    assert "re-drove 1 of 1 letter" in redriven
    assert await records_mentioning(settings, TOPIC, poison_mark) == []
    [copy] = await records_mentioning(settings, TOPIC, message.event_id)
    assert copy == letter.payload.encode()
