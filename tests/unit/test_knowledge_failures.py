"""Failure codes: each one's values, its English text, and its text in every console catalogue."""

import pytest
from pydantic import ValidationError

from services.console.i18n import LANGUAGES, Lang, catalogue
from shared.knowledge.failures import ENGLISH, Failure, FailureCode, placeholders


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("code", list(FailureCode))
def test_every_failure_code_has_its_text_in_every_catalogue(code: FailureCode, lang: Lang) -> None:
    text = catalogue(lang).get(f"kb.failure.{code.value}")
    assert isinstance(text, str)
    assert placeholders(text) == placeholders(ENGLISH[code])


def test_the_english_text_formats_sizes_and_counts() -> None:
    too_large = Failure(
        code=FailureCode.FILE_TOO_LARGE,
        values={"size_bytes": 21 * 1024 * 1024 + 100_000, "limit_bytes": 20 * 1024 * 1024},
    )
    rows = Failure(code=FailureCode.TOO_MANY_ROWS, values={"limit": 20_000})

    assert too_large.english() == "the file is 21.1 MB; the limit is 20 MB"
    assert rows.english() == "more rows than the limit of 20,000"


def test_a_failure_takes_exactly_the_values_of_its_code() -> None:
    with pytest.raises(ValidationError, match="takes"):
        Failure(code=FailureCode.TOO_MANY_ROWS)
    with pytest.raises(ValidationError, match="takes"):
        Failure(code=FailureCode.EMPTY, values={"limit": 1})
