"""`balas customer consent`: a grant and a withdrawal recorded with their wording and source,
the history shown newest first, and a half-given change refused."""

import uuid

from typer.testing import CliRunner

from balas.cli import app
from shared.settings import Settings

CUSTOMER = "0812-3456-7890"  # as typed: read in the store's country


def test_a_grant_then_a_withdrawal_are_kept_and_the_newest_decides(settings: Settings) -> None:
    env = {**settings.as_environment(), "COLUMNS": "200"}  # the history's rows on one line each
    runner = CliRunner()
    store_id = f"s-{uuid.uuid4().hex[:6]}"
    created = runner.invoke(
        app,
        ["store", "add", "--id", store_id, "--name", "Toko", "--number", "+6281100000017"],
        env=env,
    )
    who = ["customer", "consent", "--store", store_id, "--phone", CUSTOMER]

    before = runner.invoke(app, who, env=env)
    granted = runner.invoke(
        app,
        [*who, "--purpose", "order_updates", "--purpose", "promotions", "--grant",
         "--source", "console", "--wording", "Boleh kirim kabar pesanan dan promo ke WA saya"],
        env=env,
    )  # fmt: skip
    withdrawn = runner.invoke(
        app,
        [*who, "--purpose", "promotions", "--withdraw", "--wording", "jangan kirim promo lagi"],
        env=env,
    )
    shown = runner.invoke(app, [*who], env=env)
    half = runner.invoke(app, [*who, "--grant", "--purpose", "promotions"], env=env)

    assert created.exit_code == 0, created.output
    assert "no consent recorded" in before.output
    assert granted.exit_code == 0, granted.output
    assert withdrawn.exit_code == 0, withdrawn.output
    assert "order_updates: granted" in shown.output
    assert "promotions: withdrawn" in shown.output
    assert shown.output.count("granted") == 3  # the current state and two history rows
    assert {"jangan", "kirim", "promo", "lagi"} <= set(shown.output.split())  # wrapped or not
    assert "console" in shown.output
    assert half.exit_code == 2  # no wording: nothing recorded
    assert runner.invoke(app, [*who], env=env).output == shown.output


def test_an_unknown_store_or_number_is_refused(settings: Settings) -> None:
    env = settings.as_environment()
    runner = CliRunner()

    unknown = runner.invoke(
        app, ["customer", "consent", "--store", "no-such-store", "--phone", CUSTOMER], env=env
    )

    assert unknown.exit_code == 1
    assert "no store" in unknown.output
