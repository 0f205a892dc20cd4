"""What `balas run` tells the operator: the console's address, and how to make the first owner."""

from balas.startup import console_url, create_owner_hint
from shared.logging import masked_text
from shared.settings import ConsoleSettings, Settings


def test_the_hint_names_the_command_and_the_console_address() -> None:
    settings = Settings(console=ConsoleSettings(host="127.0.0.1", port=8191))

    hint = create_owner_hint(settings)

    assert console_url(settings) == "http://127.0.0.1:8191"
    assert "balas console create-owner --email" in hint
    assert "--name" in hint
    assert hint.endswith("sign in at http://127.0.0.1:8191")
    assert "\n" not in hint  # one line in the log


def test_the_hint_reaches_the_terminal_as_written() -> None:
    """It is logged, and every log line is masked: an e-mail address in it would read `h:…`."""
    hint = create_owner_hint(Settings())

    assert masked_text(hint) == hint
