"""The console's 422 messages in the UI language: pydantic's types and our own validators'
wording map to catalogue keys; anything else keeps pydantic's text."""

from typing import Any

import pytest
from pydantic import BaseModel, Field, ValidationError

from services.console.reply_library import ReplyLibrary
from services.console.validation_text import localized
from shared.stores.bot_settings import BotSettings


def _errors(model: Any, data: dict[str, Any]) -> dict[tuple[Any, ...], dict[str, Any]]:
    with pytest.raises(ValidationError) as caught:
        model.model_validate(data)
    return {tuple(error["loc"]): dict(error) for error in caught.value.errors()}


def test_pydantic_types_and_our_validators_speak_indonesian_and_english() -> None:
    errors = _errors(
        BotSettings,
        {
            "persona": "",
            "hand_over": {"ungrounded_streak": "tiga"},
            "business_hours": {"days": {"monday": [{"start": "17:00", "end": "09:00"}]}},
        },
    )

    assert localized(errors[("persona",)], "id") == "Wajib diisi, minimal 1 karakter."
    assert localized(errors[("hand_over", "ungrounded_streak")], "en") == "Enter a whole number."
    period = errors[("business_hours", "days", "monday", 0)]
    assert localized(period, "id") == "Jam tutup 09:00 harus setelah jam buka 17:00."


class _Bounded(BaseModel):
    tags: list[str] = Field(min_length=1, max_length=2)
    code: str = Field(min_length=2, max_length=1)


def test_a_length_bound_of_one_reads_in_the_singular_in_english() -> None:
    empty = _errors(_Bounded, {"tags": [], "code": ""})
    full = _errors(_Bounded, {"tags": ["a", "b", "c"], "code": "abc"})

    assert localized(empty[("tags",)], "en") == "At least 1 item."
    assert localized(full[("tags",)], "en") == "At most 2 items."
    assert localized(empty[("code",)], "en") == "Required, at least 2 characters."
    assert localized(full[("code",)], "en") == "At most 1 character."
    assert localized(empty[("tags",)], "id") == "Minimal 1 item."


def test_a_content_sid_and_a_repeated_one_have_their_own_words() -> None:
    template = {"name": "Follow-up", "content_sid": "HX1", "body": "Hi {{1}}"}
    (wrong,) = _errors(ReplyLibrary, {"templates": [template]}).values()
    sid = "HX" + "a" * 32
    twice = {**template, "content_sid": sid}
    (repeated,) = _errors(ReplyLibrary, {"templates": [twice, twice]}).values()

    assert localized(wrong, "en") == "A Content SID is HX followed by 32 hexadecimal characters."
    assert localized(repeated, "id") == "Setiap Content SID hanya boleh dipakai satu kali."


def test_an_error_without_a_key_keeps_pydantic_text() -> None:
    error = {"type": "url_parsing", "loc": ("url",), "msg": "Input should be a valid URL"}
    other_value_error = {"type": "value_error", "loc": ("x",), "msg": "Value error, too odd"}

    assert localized(error, "id") == "Input should be a valid URL"
    assert localized(other_value_error, "id") == "too odd"
