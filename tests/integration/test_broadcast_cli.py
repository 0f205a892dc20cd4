"""`balas store broadcast`: a draft created, its segment previewed, scheduled, listed, followed
and cancelled; a template or segment that is not one refused with nothing saved."""

import re
import uuid

from typer.testing import CliRunner

from balas.cli import app
from shared.settings import Settings

TEMPLATE = "HX" + "ef" * 16


def test_a_broadcast_from_draft_to_cancelled(settings: Settings) -> None:
    env = {**settings.as_environment(), "COLUMNS": "200"}
    runner = CliRunner()
    store_id = f"s-{uuid.uuid4().hex[:6]}"
    runner.invoke(
        app,
        ["store", "add", "--id", store_id, "--name", "Toko", "--number", "+6281100000019"],
        env=env,
    )
    broadcast = ["store", "broadcast"]
    store = ["--store", store_id]

    created = runner.invoke(
        app,
        [*broadcast, "create", *store, "--name", "Promo 12.12", "--template", TEMPLATE,
         "--var", "1=first_name", "--category", "batik", "--wrote-within", "30"],
        env=env,
    )  # fmt: skip
    found = re.search(r"draft broadcast (\w+)", created.output)
    assert found, created.output
    the = ["--id", found.group(1)]
    previewed = runner.invoke(app, [*broadcast, "preview", *store, *the], env=env)
    scheduled = runner.invoke(
        app, [*broadcast, "schedule", *store, *the, "--at", "2030-01-01T09:00+07:00"], env=env
    )
    listed = runner.invoke(app, [*broadcast, "status", *store], env=env)
    cancelled = runner.invoke(app, [*broadcast, "cancel", *store, *the], env=env)
    again = runner.invoke(app, [*broadcast, "cancel", *store, *the], env=env)
    followed = runner.invoke(app, [*broadcast, "status", *store, *the, "--follow"], env=env)
    bad_template = runner.invoke(
        app,
        [
            *broadcast,
            "create",
            *store,
            "--name",
            "x",
            "--template",
            "Promo!",
            "--wrote-within",
            "3",
        ],
        env=env,
    )
    no_segment = runner.invoke(
        app, [*broadcast, "create", *store, "--name", "x", "--template", TEMPLATE], env=env
    )
    limits = runner.invoke(app, [*broadcast, "limits", *store, "--daily", "1000"], env=env)

    assert "0 customers with promotion consent" in previewed.output
    assert "scheduled for 2030-01-01 02:00 UTC" in scheduled.output
    assert found.group(1) in listed.output
    assert "scheduled" in listed.output
    assert cancelled.exit_code == 0, cancelled.output
    assert again.exit_code == 1
    assert "cancelled" in followed.output
    assert "0 recipients" in followed.output
    assert (bad_template.exit_code, no_segment.exit_code) == (2, 2)
    assert "10 messages a second, 1000 customers a day" in limits.output
