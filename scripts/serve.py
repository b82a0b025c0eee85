"""Run N daphne workers on one listening socket (the production process layout of one machine).

    python scripts/serve.py [--workers N] [--bind 127.0.0.1] [--port 8000] [--photo-workers 1]

This process opens and binds the socket once, then starts N ``daphne --fd`` children that
inherit it: the kernel hands each new connection to whichever worker accepts first, so no
reverse proxy or port per worker is needed on one machine (behind a proxy, point it at this
one port). Daphne stays the ASGI server (websockets and HTTP in one process, as everywhere
else in the project); a worker runs Django's sync views on one thread, so several workers are
how one machine overlaps one request's database waits with another's work. Default workers:
2 per CPU core.

It also starts the photo cleaner(s) (``manage.py clean_photos``, which re-encode the photos
intake stored raw) and turns PHOTOS_CLEAN_LATER on for all (unless set to 0). The cleaners run
under Linux's SCHED_IDLE policy (only on CPU time nothing else wants; nice 19 where that policy
is missing): during a burst of reports the requests go first and the cleaning catches up after
it, and photos are shown as pending meanwhile. Nice 10 was not enough: the cleaner still took a
third of a core from a saturated server, because the workers wait on the database in between. With several workers the
channel layer must be Redis (REDIS_URL): the in-memory layer is one process's. A child that
dies is restarted; SIGTERM/SIGINT stop all.
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


def listen(host: str, port: int, backlog: int = 1024) -> socket.socket:
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


def commands(fd: int, workers: int, photo_workers: int) -> list[list[str]]:
    py = sys.executable
    daphne = [py, "-m", "daphne", "--fd", str(fd), "server.asgi:application"]
    clean = [py, str(REPO / "server" / "manage.py"), "clean_photos"]
    return [daphne] * workers + [clean] * photo_workers


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--workers", type=int, default=2 * (os.cpu_count() or 1))
    ap.add_argument("--bind", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=8000)
    ap.add_argument("--photo-workers", type=int, default=1)
    args = ap.parse_args(argv)
    if args.workers > 1 and not os.environ.get("REDIS_URL"):
        ap.error("several workers need REDIS_URL (the in-memory channel layer is per process)")
    sock = listen(args.bind, args.port)
    cmds = commands(sock.fileno(), args.workers, args.photo_workers)
    children: dict[int, subprocess.Popen] = {}
    stopping = False

    env = dict(os.environ)
    if args.photo_workers:
        env.setdefault("PHOTOS_CLEAN_LATER", "1")

    def start(i: int) -> None:
        cleaner = i >= args.workers
        children[i] = subprocess.Popen(cmds[i], cwd=REPO, env=env, pass_fds=(sock.fileno(),),
                                       preexec_fn=background if cleaner else None)

    def stop(*_):
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    for i in range(len(cmds)):
        start(i)
    print(f"serve: {args.workers} daphne workers and {args.photo_workers} photo cleaner(s) on "
          f"http://{args.bind}:{args.port}/ (pids {[p.pid for p in children.values()]})",
          file=sys.stderr, flush=True)
    while not stopping:
        for i, proc in list(children.items()):
            if proc.poll() is not None and not stopping:
                print(f"serve: child {proc.pid} exited with {proc.returncode}; restarting",
                      file=sys.stderr, flush=True)
                time.sleep(1)
                start(i)
        time.sleep(0.5)
    for proc in children.values():
        proc.terminate()
    deadline = time.monotonic() + 10  # one deadline for all: a caller's own wait is bounded
    for proc in children.values():
        try:
            proc.wait(max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    return 0


if __name__ == "__main__":
    sys.exit(main())
