"""`balas store notifications`: a status's template and variables and the quiet hours saved,
shown back, removed; options that make no setting refused with nothing saved."""

import uuid

from typer.testing import CliRunner

from balas.cli import app
from shared.settings import Settings

TEMPLATE = "HX" + "ab" * 16


def test_a_template_per_status_and_quiet_hours_are_saved_and_shown(settings: Settings) -> None:
    env = {**settings.as_environment(), "COLUMNS": "200"}
    runner = CliRunner()
    store_id = f"s-{uuid.uuid4().hex[:6]}"
    runner.invoke(
        app,
        ["store", "add", "--id", store_id, "--name", "Toko", "--number", "+6281100000018"],
        env=env,
    )
    notifications = ["store", "notifications", "--store", store_id]

    before = runner.invoke(app, notifications, env=env)
    shipped = runner.invoke(
        app,
        [*notifications, "--status", "shipped", "--template", TEMPLATE,
         "--var", "1=tracking_number", "--var", "2=courier", "--quiet", "21:00-08:00"],
        env=env,
    )  # fmt: skip
    completed = runner.invoke(
        app, [*notifications, "--status", "completed", "--template", "order_done:id"], env=env
    )
    bad_field = runner.invoke(
        app,
        [*notifications, "--status", "completed", "--template", TEMPLATE, "--var", "1=email"],
        env=env,
    )
    bad_template = runner.invoke(
        app, [*notifications, "--status", "completed", "--template", "Pesanan dikirim"], env=env
    )
    removed = runner.invoke(app, [*notifications, "--status", "completed", "--remove"], env=env)

    assert "no order notifications" in before.output
    assert shipped.exit_code == 0, shipped.output
    assert f"shipped: {TEMPLATE} (1=tracking_number, 2=courier)" in shipped.output
    assert "quiet hours: 21:00-08:00" in shipped.output
    assert "completed: order_done:id (no variables)" in completed.output
    assert (bad_field.exit_code, bad_template.exit_code) == (2, 2)
    assert removed.exit_code == 0, removed.output
    assert "completed" not in removed.output
    assert "shipped" in removed.output


def test_an_unknown_store_is_refused(settings: Settings) -> None:
    result = CliRunner().invoke(
        app, ["store", "notifications", "--store", "no-such-store"], env=settings.as_environment()
    )

    assert result.exit_code == 1
    assert "no store" in result.output
