"""A loopback TCP forwarder standing in for the phone's 3G link, whose failures tests switch:

* ``up``      forwards both ways;
* ``down``    resets every open connection and every new one (no network);
* ``gateway`` answers every request with HTTP 503 itself (an overloaded gateway or carrier
              proxy in front of the server);
* ``swallow`` forwards the request to the server but drops its answer and keeps the connection
              hanging: the upload landed, the phone never hears back (the worst case for
              duplicates);
* ``hold``    forwards requests, but holds every answer until the link is ``up`` again (a 3G
              stall: the answer comes, late).

Only the network is faked: the server and its database are real.
"""

from __future__ import annotations

import socket
import struct
import threading
import time


class Link:
    def __init__(self, upstream_port: int):
        self.upstream = upstream_port
        self.mode = "up"
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        self.base_url = f"http://127.0.0.1:{self.port}"
        self._open: set[socket.socket] = set()
        self._lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    def set(self, mode: str) -> None:
        assert mode in ("up", "down", "swallow", "gateway", "hold")
        self.mode = mode
        if mode == "down":
            with self._lock:
                sockets, self._open = self._open, set()
            for s in sockets:
                _reset(s)

    def close(self) -> None:
        self.set("down")
        self._listener.close()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            if self.mode == "down":
                _reset(client)
                continue
            if self.mode == "gateway":
                threading.Thread(target=_gateway_503, args=(client,), daemon=True).start()
                continue
            try:
                server = socket.create_connection(("127.0.0.1", self.upstream))
            except OSError:
                _reset(client)
                continue
            with self._lock:
                self._open |= {client, server}
            swallow = self.mode == "swallow"
            threading.Thread(target=self._pump, args=(client, server, False), daemon=True).start()
            threading.Thread(target=self._pump, args=(server, client, swallow, True),
                             daemon=True).start()

    def _pump(self, src: socket.socket, dst: socket.socket, drop: bool,
              answers: bool = False) -> None:
        try:
            while data := src.recv(65536):
                while answers and self.mode == "hold":
                    time.sleep(0.02)
                if not drop:
                    dst.sendall(data)
        except OSError:
            pass
        if drop:
            return  # leave the phone's side hanging, as a dead link does
        for s in (src, dst):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


def _gateway_503(client: socket.socket) -> None:
    try:
        client.settimeout(5)
        client.recv(65536)  # the request head; the rest is ignored, the connection closed
        client.sendall(b"HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n"
                       b"Connection: close\r\n\r\n")
    except OSError:
        pass
    finally:
        client.close()


def _reset(s: socket.socket) -> None:
    try:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        s.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    try:
        s.close()
    except OSError:
        pass
