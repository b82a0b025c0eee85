"""A TCP forwarder on loopback whose connections can be cut at once: a network drop between a
terminal and the server, without touching either (this kernel has no netem)."""

from __future__ import annotations

import socket
import struct
import threading


class CuttableProxy:
    """Listens on 127.0.0.1:<port> and forwards each connection to 127.0.0.1:``upstream``.
    ``cut()`` resets every open connection (RST, as a dead link looks after a timeout); new
    connections are accepted again afterwards."""

    def __init__(self, upstream: int):
        self.upstream = upstream
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        self._open: set[socket.socket] = set()
        self._lock = threading.Lock()
        self.down = False  # while down, new connections are reset at once (link still dead)
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            if self.down:
                _reset(client)
                continue
            try:
                server = socket.create_connection(("127.0.0.1", self.upstream))
            except OSError:
                client.close()
                continue
            with self._lock:
                self._open |= {client, server}
            for a, b in ((client, server), (server, client)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    def _pump(self, src: socket.socket, dst: socket.socket) -> None:
        try:
            while data := src.recv(65536):
                dst.sendall(data)
        except OSError:
            pass
        finally:
            for s in (src, dst):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def cut(self) -> None:
        with self._lock:
            sockets, self._open = self._open, set()
        for s in sockets:
            _reset(s)

    def link_down(self) -> None:
        """Cut everything and refuse new connections until ``link_up``."""
        self.down = True
        self.cut()

    def link_up(self) -> None:
        self.down = False

    def close(self) -> None:
        self.cut()
        self._listener.close()


def _reset(s: socket.socket) -> None:
    """Abort a connection: linger 0 makes the close send RST, like a link that died. The
    shutdown first wakes the pump thread blocked in recv on it (a bare close would not, and the
    kernel would keep the connection open while that thread holds it)."""
    try:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        s.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    try:
        s.close()
    except OSError:
        pass
