"""The bench on a MongoDB server it is given (issue 16 §8): it uses that server, empties only
its own databases there first, and keeps no CPU or memory row for a process it did not start."""

from pathlib import Path

from bench.probe import server_pids
from bench.servers import BENCH_DATABASES, mongodb_for_bench
from shared import mongo
from shared.settings import Settings


async def test_a_given_server_is_used_and_only_the_bench_databases_are_emptied(
    settings: Settings, tmp_path: Path
) -> None:
    uri = settings.mongodb.uri
    assert uri
    client = mongo.connect(uri)
    try:
        for name in (*BENCH_DATABASES, settings.mongodb.database):
            await client[name]["left_over"].insert_one({"from": "an earlier run"})

        async with mongodb_for_bench(tmp_path, uri) as given:
            assert given.mongodb_uri == uri
            assert server_pids(given) == {}  # not this machine's process to measure
            names = await client.list_database_names()

        assert not set(BENCH_DATABASES) & set(names)
        assert settings.mongodb.database in names  # anything else on the server is left alone
    finally:
        await client.close()
