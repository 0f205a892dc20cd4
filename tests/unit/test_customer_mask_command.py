"""`balas customer mask` gives an operator who has a customer's number (or e-mail) the
identifier the logs show for it, whichever way the number is typed."""

import pytest
from typer.testing import CliRunner

from balas.cli import app
from shared.logging import masked_text

NUMBER = "+6281234567890"


@pytest.mark.parametrize("typed", [NUMBER, "0812-3456-7890", "whatsapp:+6281234567890"])
def test_the_command_prints_what_the_logs_show_for_the_number(typed: str) -> None:
    result = CliRunner().invoke(app, ["customer", "mask", "--phone", typed])

    assert result.exit_code == 0, result.output
    shown_in_logs = masked_text(f"reply to {NUMBER}").removeprefix("reply to ")
    assert result.output.splitlines()[0] == shown_in_logs


def test_an_e_mail_is_masked_as_the_logs_mask_it() -> None:
    result = CliRunner().invoke(app, ["customer", "mask", "--email", "Budi@Example.com"])

    assert result.exit_code == 0, result.output
    assert result.output.strip() == masked_text("budi@example.com")


def test_something_that_is_not_a_number_is_refused() -> None:
    result = CliRunner().invoke(app, ["customer", "mask", "--phone", "12"])

    assert result.exit_code == 1
    assert "not a phone number" in result.output
