"""A loopback TCP proxy that can stall, for a Kafka broker or MongoDB that stops answering.

While stalled it accepts connections and forwards nothing, like a hung server. On resume every
connection it held during the stall is closed, like a server that was restarted: nothing sent
during the stall ever arrives, and clients reconnect.
"""

import select
import socket
import threading


class StallingProxy:
    def __init__(self, target_port: int) -> None:
        self._target = ("127.0.0.1", target_port)
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.1)
        self.port = int(self._listener.getsockname()[1])
        self._stalled = threading.Event()
        self._stop = threading.Event()
        self._threads = [threading.Thread(target=self._accept, daemon=True)]

    def start(self) -> "StallingProxy":
        self._threads[0].start()
        return self

    def stall(self) -> None:
        self._stalled.set()

    def resume(self) -> None:
        self._stalled.clear()

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=5)
        self._listener.close()

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                client, _ = self._listener.accept()
            except TimeoutError:
                continue
            thread = threading.Thread(target=self._forward, args=(client,), daemon=True)
            self._threads.append(thread)
            thread.start()

    def _forward(self, client: socket.socket) -> None:
        held = self._stalled.is_set()  # a connection opened during a stall never reaches through
        try:
            server = socket.create_connection(self._target)
        except OSError:  # the target is not up (yet): the client sees its connection closed
            client.close()
            return
        with client, server:
            peers = {client: server, server: client}
            while not self._stop.is_set():
                if self._stalled.is_set():
                    held = True
                    self._stop.wait(0.05)
                    continue
                if held:  # the stall is over: this connection "died" with the server
                    return
                readable, _, _ = select.select(list(peers), [], [], 0.05)
                for source in readable:
                    data = source.recv(65536)
                    if not data:
                        return
                    if self._stalled.is_set():  # read after the stall began: never delivered
                        held = True
                        break
                    peers[source].sendall(data)
