"""The ASGI servers that can serve the project, and each one's command line as measured and
tuned (docs/serving.md). No Django import: ``scripts/serve.py``, the benches and the end-to-end
tests' server processes build their commands here, so all of them run what production runs.

``DEFAULT`` is the server ``make run`` and ``scripts/serve.py`` start; ``DCM_SERVER`` (one of
``SERVERS``) overrides it for the e2e tests' server processes. granian runs a main process and
its workers: start it in a session of its own and stop it by its process group (a SIGKILLed
main process leaves its workers serving).
"""

from __future__ import annotations

import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
#: The ASGI servers the project runs on; the first is the default (docs/serving.md).
SERVERS = ("granian", "uvicorn", "daphne")
APP = "server.asgi:application"
#: Listen backlog: a reconnect storm (every terminal of a restarted worker at once) must not
#: find the queue full.
BACKLOG = 2048
#: The largest websocket message a client may send (a resume with its 2,000 newest ids is
#: about 20 KB; the default 16 MiB only invites abuse).
WS_MAX_BYTES = 1 << 20


DEFAULT = SERVERS[0]


def server_command(server: str, *, fd: int | None = None, host: str = "127.0.0.1",
                   port: int = 8000, workers: int = 1) -> list[str]:
    """The command line of ``server`` serving the project: one worker on the inherited socket
    ``fd`` (daphne, uvicorn), or on ``host:port`` (``workers`` processes for granian, which
    runs its own; daphne and uvicorn take one worker here)."""
    py = sys.executable
    if server == "daphne":
        where = ["--fd", str(fd)] if fd is not None else ["-b", host, "-p", str(port)]
        # verbosity 0: no access log (as the others), which would print every URL with its
        # query string, secrets included.
        return [py, "-m", "daphne", *where, "--websocket-max-message-size", str(WS_MAX_BYTES),
                "-v", "0", APP]
    if server == "uvicorn":
        where = ["--fd", str(fd)] if fd is not None else ["--host", host, "--port", str(port)]
        # httptools and uvloop: the C parser and loop; websockets-sansio: the lightest of its
        # websocket implementations; no per-message deflate (events are small, and it costs
        # CPU per socket per event); no lifespan (Channels' router has none); no access log;
        # no proxy headers (uvicorn believes X-Forwarded-For from 127.0.0.1 by default: the
        # project decides whom to believe, server/accounts/network.py).
        return [py, "-m", "uvicorn", *where, "--no-proxy-headers", "--loop", "uvloop",
                "--http", "httptools",
                "--ws", "websockets-sansio", "--ws-per-message-deflate", "false",
                "--ws-max-size", str(WS_MAX_BYTES), "--lifespan", "off", "--no-access-log",
                "--backlog", str(BACKLOG), "--log-level", "warning", APP]
    if server == "granian":
        if fd is not None:
            raise ValueError("granian cannot serve an inherited socket (it has no --fd)")
        # asginl: ASGI without lifespan; HTTP/1 only (behind a proxy, or from handsets);
        # uvloop; the same backlog; workers respawned by granian's main process.
        return [py, "-m", "granian", "--interface", "asginl", "--host", host, "--port",
                str(port), "--workers", str(workers), "--loop", "uvloop", "--http", "1",
                "--ws", "--backlog", str(BACKLOG), "--no-access-log", "--log-level", "warning",
                "--respawn-failed-workers", "--working-dir", str(REPO), APP]
    raise ValueError(f"unknown server {server!r}: one of {', '.join(SERVERS)}")
