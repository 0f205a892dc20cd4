"""`balas kb` against the session's servers: the same library as the console API."""

import asyncio
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from balas.cli import app
from shared import kafka
from shared.settings import Settings

pytestmark = pytest.mark.slow


def test_kb_adds_lists_and_removes_documents(
    settings: Settings, store_id: str, tmp_path: Path
) -> None:
    asyncio.run(kafka.ensure_topics(settings))
    env = settings.as_environment()
    runner = CliRunner()
    faq, prices = tmp_path / "faq.md", tmp_path / "harga.csv"
    faq.write_bytes(b"# FAQ\n\nToko buka setiap hari pukul 09.00.\n")
    prices.write_bytes(b"product,price\nKaos Polos,Rp 75.000\n")
    store = ["--store", store_id]

    created = runner.invoke(
        app,
        ["store", "add", "--id", store_id, "--name", "Toko", "--number", "+6281100000001"],
        env=env,
    )
    added = runner.invoke(app, ["kb", "add", *store, str(faq), str(prices), "--json"], env=env)
    listed = runner.invoke(app, ["kb", "list", *store, "--json"], env=env)
    documents = json.loads(listed.stdout)
    removed = runner.invoke(app, ["kb", "rm", *store, documents[0]["id"], "--json"], env=env)
    after = runner.invoke(app, ["kb", "list", *store, "--json"], env=env)
    table = runner.invoke(app, ["kb", "list", *store], env=env)

    assert created.exit_code == 0, created.output
    assert added.exit_code == 0, added.output
    assert [d["filename"] for d in json.loads(added.stdout)] == ["faq.md", "harga.csv"]
    assert sorted((d["filename"], d["status"]) for d in documents) == [
        ("faq.md", "queued"),
        ("harga.csv", "queued"),
    ]
    assert removed.exit_code == 0, removed.output
    assert json.loads(removed.stdout) == {"deleted": documents[0]["id"]}
    (left,) = json.loads(after.stdout)
    assert left["id"] == documents[1]["id"]
    assert left["filename"] in table.stdout
    assert "queued" in table.stdout


def test_kb_add_refuses_every_file_when_one_is_unsupported(
    settings: Settings, store_id: str, tmp_path: Path
) -> None:
    asyncio.run(kafka.ensure_topics(settings))
    env = settings.as_environment()
    runner = CliRunner()
    faq, program = tmp_path / "faq.md", tmp_path / "katalog.pdf"
    faq.write_bytes(b"# FAQ\n\nToko buka setiap hari.\n")
    program.write_bytes(b"\x7fELF\x02\x01\x01" + bytes(100))
    runner.invoke(
        app,
        ["store", "add", "--id", store_id, "--name", "Toko", "--number", "+6281100000001"],
        env=env,
    )

    refused = runner.invoke(
        app, ["kb", "add", "--store", store_id, str(faq), str(program), "--json"], env=env
    )
    listed = runner.invoke(app, ["kb", "list", "--store", store_id, "--json"], env=env)
    unknown = runner.invoke(app, ["kb", "list", "--store", "no-such-store"], env=env)

    assert refused.exit_code == 1
    (refusal,) = json.loads(refused.stdout)["files"]
    assert (refusal["filename"], refusal["problem"]) == ("katalog.pdf", "unsupported_type")
    assert json.loads(listed.stdout) == []
    assert unknown.exit_code == 1
    assert "no store" in unknown.output
