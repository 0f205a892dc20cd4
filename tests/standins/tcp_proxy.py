"""A loopback TCP proxy that fails like a network or a server does, for any protocol (MongoDB,
Kafka): put it between a client and its server, then cut, refuse or stall, and restore.

* `cut()` closes every open connection at once (a crashed server, a dropped link); new ones
  are still taken;
* `refuse()` closes them and stops listening: new connections are refused (a stopped server);
* `stall()` keeps every connection open, and accepts new ones, but forwards nothing (a hung
  server, a black-holed network): clients see timeouts, not errors;
* `restore()` forwards again, listening on the same port; held bytes are delivered;
* `restart()` ends a stall as a restarted server would: the held connections close, their bytes
  never arrive, and clients reconnect.

It runs its own event loop in a thread, so it keeps misbehaving whatever the test's loop does.
"""

import asyncio
import contextlib
import threading
from collections.abc import Coroutine
from typing import Any

from shared.infra import free_port

CHUNK = 64 * 1024


class TcpProxy:
    def __init__(self, upstream_host: str, upstream_port: int) -> None:
        self._upstream = (upstream_host, upstream_port)
        self.port = free_port()
        self.address = f"127.0.0.1:{self.port}"
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._server: asyncio.Server | None = None
        self._connections: set[asyncio.Task[None]] = set()
        self._flowing = asyncio.Event()  # bound to the proxy's loop at its first use there

    def start(self) -> "TcpProxy":
        self._thread.start()
        self._call(self._restored())
        return self

    def stop(self) -> None:
        self._call(self._refused())
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)

    def cut(self) -> None:
        self._call(self._cut())

    def refuse(self) -> None:
        self._call(self._refused())

    def stall(self) -> None:
        self._call(self._stalled())

    def restore(self) -> None:
        self._call(self._restored())

    def restart(self) -> None:
        self._call(self._restarted())

    # -- on the proxy's own loop ------------------------------------------------------------

    def _call(self, work: Coroutine[Any, Any, None]) -> None:
        asyncio.run_coroutine_threadsafe(work, self._loop).result(timeout=10)

    async def _restored(self) -> None:
        self._flowing.set()
        if self._server is None:
            self._server = await asyncio.start_server(self._serve, "127.0.0.1", self.port)

    async def _restarted(self) -> None:
        await self._cut()  # while still stalled, so nothing held gets through
        await self._restored()

    async def _stalled(self) -> None:
        self._flowing.clear()

    async def _cut(self) -> None:
        for connection in list(self._connections):
            connection.cancel()
        await asyncio.gather(*self._connections, return_exceptions=True)

    async def _refused(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None
        await self._cut()

    async def _serve(
        self, client_in: asyncio.StreamReader, client_out: asyncio.StreamWriter
    ) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._connections.add(task)
        try:
            await self._flowing.wait()  # a stalled proxy accepts, and never reaches the server
            server_in, server_out = await asyncio.open_connection(*self._upstream)
            pumps = asyncio.gather(
                self._pump(client_in, server_out), self._pump(server_in, client_out)
            )
            try:
                await pumps
            finally:
                pumps.cancel()  # one side failed or was cut: stop the other one too
                server_out.close()
        except (OSError, asyncio.CancelledError):
            pass  # a cut, or either side hung up: the other side's connection closes below
        finally:
            self._connections.discard(task)
            client_out.close()

    async def _pump(self, source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
        while chunk := await source.read(CHUNK):
            await self._flowing.wait()  # stalled: hold the bytes until restored
            sink.write(chunk)
            await sink.drain()
        with contextlib.suppress(OSError):
            sink.write_eof()
