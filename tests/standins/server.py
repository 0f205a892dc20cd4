"""Serve an ASGI app on a loopback port from a background thread."""

import asyncio
import threading
import time

import uvicorn
from fastapi import FastAPI

from shared.infra import free_port

# uvicorn closes an idle keep-alive connection after 5 s by default; a client reusing it at that
# moment gets a reset (the responder's pooled Twilio connections did, between two bench runs,
# and paused sending for 19 s). A minute outlasts every pause of a test or a bench run.
KEEP_ALIVE_SECONDS = 60


class LoopbackServer:
    def __init__(self, app: FastAPI) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        # As in production (shared/http.py): uvicorn believes no X-Forwarded-For of its own, so
        # a test sending one from loopback sees what an untrusted peer gets.
        config = uvicorn.Config(
            app,
            host="127.0.0.1",
            port=self.port,
            log_level="warning",
            proxy_headers=False,
            timeout_keep_alive=KEEP_ALIVE_SECONDS,
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        asyncio.run(self._server.serve())

    def start(self) -> "LoopbackServer":
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("stand-in server did not start")
            time.sleep(0.02)
        return self

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=10)
