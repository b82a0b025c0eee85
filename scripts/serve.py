"""Run N ASGI workers on one listening socket (the production process layout of one machine).

    python scripts/serve.py [--server granian|uvicorn|daphne] [--workers N] [--bind 127.0.0.1]
                            [--port 8000] [--photo-workers N]

The ASGI server is chosen by measurement (docs/serving.md): granian by default. granian cannot
serve an inherited socket (no ``--fd``): it is started as one child with ``--workers N``; its
own main process binds the port, shares it with its workers and restarts a worker that dies.
uvicorn and daphne: this process opens and binds the socket once, then starts N children with
``--fd`` that inherit it. Either way the kernel hands each new connection to whichever worker
accepts first, so no reverse proxy or port per worker is needed on one machine (behind a
proxy, point it at this one port).
Each server is tuned as ``server/serving.py`` says (why, in docs/serving.md). A worker runs
Django's sync views on ``REQUEST_THREADS`` threads, so several workers are how one machine
overlaps one request's database waits with another's work. Default workers: 2 per CPU core.

It also starts the photo cleaner(s) (``manage.py clean_photos``, which re-encode the photos
intake stored as sent) and turns PHOTOS_CLEAN_LATER on for all (unless set to 0). The cleaners run
under Linux's SCHED_IDLE policy (only on CPU time nothing else wants; nice 19 where that policy
is missing): during a burst of reports the requests go first and the cleaning catches up after
it, and photos are shown as pending meanwhile. Nice 10 was not enough: the cleaner still took a
third of a core from a saturated server, because the workers wait on the database in between.
With several workers the channel layer must be Redis (REDIS_URL): the in-memory layer is one
process's. A child that dies is restarted; SIGTERM/SIGINT stop all.
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from server import serving  # noqa: E402  (no Django: the servers' command lines)


def listen(host: str, port: int, backlog: int = serving.BACKLOG) -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(backlog)
    sock.set_inheritable(True)
    return sock


def background() -> None:
    """Make this (child) process run only on CPU time no other process wants."""
    os.nice(19)
    if hasattr(os, "SCHED_IDLE"):
        os.sched_setscheduler(0, os.SCHED_IDLE, os.sched_param(0))


def commands(server: str, fd: int | None, workers: int, photo_workers: int, *,
             host: str = "127.0.0.1", port: int = 8000) -> list[list[str]]:
    """Every child's command: the server's (one per worker, or one granian for all), then the
    photo cleaners'."""
    clean = [sys.executable, str(REPO / "server" / "manage.py"), "clean_photos"]
    if server == "granian":
        servers = [serving.server_command(server, host=host, port=port, workers=workers)]
    else:
        servers = [serving.server_command(server, fd=fd)] * workers
    return servers + [clean] * photo_workers


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--server", choices=serving.SERVERS, default=serving.DEFAULT)
    ap.add_argument("--workers", type=int, default=2 * (os.cpu_count() or 1))
    ap.add_argument("--bind", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=8000)
    # One cleaner per core: they run only on CPU time nothing else wants, so during a burst
    # they take nothing from the requests, and after it they drain on every core (one cleaner
    # drained on one core only: bench.intake's sustained rate went from 36-42/s to 62/s).
    ap.add_argument("--photo-workers", type=int, default=os.cpu_count() or 1)
    args = ap.parse_args(argv)
    if args.workers > 1 and not (os.environ.get("REDIS_URL") or os.environ.get("REDIS_SENTINELS")):
        ap.error("several workers need REDIS_URL or REDIS_SENTINELS (the in-memory channel "
                 "layer is per process)")
    sock = None if args.server == "granian" else listen(args.bind, args.port)
    fds = () if sock is None else (sock.fileno(),)
    cmds = commands(args.server, None if sock is None else sock.fileno(), args.workers,
                    args.photo_workers,
                    host=args.bind, port=args.port)
    n_serving = len(cmds) - args.photo_workers
    children: dict[int, subprocess.Popen] = {}
    stopping = False

    env = dict(os.environ)
    if args.photo_workers:
        env.setdefault("PHOTOS_CLEAN_LATER", "1")

    def start(i: int) -> None:
        cleaner = i >= n_serving
        # Each child in a session of its own: a child that dies takes its own children with it
        # (granian's workers outlive a killed main process otherwise).
        children[i] = subprocess.Popen(cmds[i], cwd=REPO, env=env, pass_fds=fds,
                                       preexec_fn=background if cleaner else None,
                                       start_new_session=True)

    def end_group(proc: subprocess.Popen) -> None:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass

    def stop(*_):
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    for i in range(len(cmds)):
        start(i)
    pids = [p.pid for p in children.values()]
    print(f"serve: {args.workers} {args.server} workers and {args.photo_workers} photo "
          f"cleaner(s) on http://{args.bind}:{args.port}/ (pids {pids})",
          file=sys.stderr, flush=True)
    while not stopping:
        for i, proc in list(children.items()):
            if proc.poll() is not None and not stopping:
                print(f"serve: child {proc.pid} exited with {proc.returncode}; restarting",
                      file=sys.stderr, flush=True)
                end_group(proc)
                time.sleep(1)
                start(i)
        time.sleep(0.5)
    for i, proc in children.items():
        if i >= n_serving and hasattr(os, "SCHED_OTHER"):
            # A cleaner under SCHED_IDLE on a busy machine may wait long for the CPU time to
            # exit (holding its database session meanwhile): give it normal time to stop.
            try:
                os.sched_setscheduler(proc.pid, os.SCHED_OTHER, os.sched_param(0))
            except OSError:
                pass
        proc.terminate()
    deadline = time.monotonic() + 10  # one deadline for all: a caller's own wait is bounded
    for proc in children.values():
        try:
            proc.wait(max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        end_group(proc)
    return 0


if __name__ == "__main__":
    sys.exit(main())
