"""A 3G-like link between two network namespaces, emulated in user space (this kernel has no
netem; see docs/operations.md "The emulated 3G link").

    python -m bench.linkemu [--seed 3]     # a check of the link itself (root): one JSON line

Layout::

    netns dcm3g-hand                 root netns                    netns dcm3g-srv
    dcm3g-h0 10.203.0.1  <-- TUN fd -->  forwarder  <-- TUN fd -->  dcm3g-s0 10.203.0.2

The forwarder (``python -m bench.linkemu --forward``, a child process) creates both TUN
devices in the root namespace and holds their file descriptors; ``Link3G`` then moves each
device into its namespace and gives it a point-to-point address. Every IP packet one side
sends comes out of its TUN fd into the forwarder, which passes it through ``Direction`` (a
drop-tail queue, a serialiser at the link rate, random loss on the air, a fixed one-way delay)
and writes it into the other TUN fd when it is due. ``cut`` drops everything, both ways, at
entry and at delivery (a tunnel, a dead cell). The forwarder is steered by lines on its stdin
(``cut 1``, ``cut 0``, ``stats``, ``quit``) and answers ``stats`` with one JSON line; it exits
when its stdin closes, so a crashed bench takes the devices with it. Stale namespaces of an
earlier run are deleted when a new ``Link3G`` starts, and on exit.

Only root can do this (TUN, netns). Nothing leaves the two namespaces: the addresses are a
private /30 that exists only there.
"""

from __future__ import annotations

import argparse
import ctypes
import fcntl
import heapq
import json
import os
import random
import selectors
import signal
import socket
import struct
import subprocess
import sys
import threading
import time
from pathlib import Path

HAND_NS, SRV_NS = "dcm3g-hand", "dcm3g-srv"
HAND_DEV, SRV_DEV = "dcm3g-h0", "dcm3g-s0"
HAND_ADDR, SRV_ADDR = "10.203.0.1", "10.203.0.2"
PIDFILE = Path("/tmp/dcm3g/forwarder.pid")

#: The link of the issue: 384 kbit/s each way, 150 ms one way (300 ms round trip), 2 % loss.
RATE_BPS, DELAY_S, LOSS, QUEUE_BYTES = 384_000, 0.150, 0.02, 64 * 1024

TUNSETIFF, IFF_TUN, IFF_NO_PI = 0x400454CA, 0x0001, 0x1000
CLONE_NEWNET = 0x40000000
PR_SET_PDEATHSIG = 1


# --- the pure model --------------------------------------------------------------------------
class Direction:
    """One direction of the link. ``offer(size, now)`` answers when the packet comes out at the
    far end, or None when it is dropped: by a full queue (drop-tail: the bytes not yet
    serialised plus this packet exceed ``queue_bytes``) or by loss. A lost packet still uses
    its air time (it was sent, then corrupted), so loss does not speed the link up."""

    def __init__(self, rate_bps: float = RATE_BPS, delay_s: float = DELAY_S, loss: float = LOSS,
                 queue_bytes: int = QUEUE_BYTES, rng: random.Random | None = None):
        self.rate_bps, self.delay_s, self.loss = rate_bps, delay_s, loss
        self.queue_bytes = queue_bytes
        self.rng = rng or random.Random(0)
        self.free_at = 0.0  # when the serialiser has sent everything accepted so far
        self.bytes = self.packets = 0  # accepted onto the air
        self.dropped_queue = self.dropped_loss = self.dropped_cut = 0

    def backlog(self, now: float) -> float:
        """Bytes accepted but not yet serialised at ``now``."""
        return max(0.0, self.free_at - now) * self.rate_bps / 8

    def offer(self, size: int, now: float) -> float | None:
        if self.backlog(now) + size > self.queue_bytes:
            self.dropped_queue += 1
            return None
        self.free_at = max(now, self.free_at) + size * 8 / self.rate_bps
        self.bytes += size
        self.packets += 1
        if self.rng.random() < self.loss:
            self.dropped_loss += 1
            return None
        return self.free_at + self.delay_s

    def stats(self) -> dict:
        return {"bytes": self.bytes, "packets": self.packets, "dropped_queue": self.dropped_queue,
                "dropped_loss": self.dropped_loss, "dropped_cut": self.dropped_cut}


class LinkModel:
    """Both directions (``up``: handset to server, ``down``: back) and the cut switch."""

    def __init__(self, seed: int = 3, **params):
        rng = random.Random(seed)
        self.up = Direction(rng=random.Random(rng.random()), **params)
        self.down = Direction(rng=random.Random(rng.random()), **params)
        self.cut = False

    def offer(self, direction: Direction, size: int, now: float) -> float | None:
        if self.cut:
            direction.dropped_cut += 1
            return None
        return direction.offer(size, now)

    def deliverable(self, direction: Direction) -> bool:
        """Asked when a packet falls due: a cut since it was accepted loses it too."""
        if self.cut:
            direction.dropped_cut += 1
        return not self.cut

    def stats(self) -> dict:
        return {"cut": self.cut, "up": self.up.stats(), "down": self.down.stats()}


# --- the forwarder process ---------------------------------------------------------------------
def open_tun(name: str) -> int:
    fd = os.open("/dev/net/tun", os.O_RDWR | os.O_NONBLOCK)
    fcntl.ioctl(fd, TUNSETIFF, struct.pack("16sH", name.encode(), IFF_TUN | IFF_NO_PI))
    return fd


def forward(hand_fd: int, srv_fd: int, model: LinkModel, control: int = 0,
            reply=lambda line: print(line, flush=True)) -> None:
    """Move packets (one per read, as a TUN fd gives them) until the ``control`` fd says
    ``quit`` or closes; ``reply`` gets the answers to control lines."""
    sel = selectors.DefaultSelector()
    sides = {hand_fd: (model.up, srv_fd), srv_fd: (model.down, hand_fd)}
    for fd in sides:
        sel.register(fd, selectors.EVENT_READ)
    sel.register(control, selectors.EVENT_READ)
    os.set_blocking(control, False)
    due: list[tuple[float, int, Direction, int, bytes]] = []
    seq, pending = 0, b""
    while True:
        timeout = max(0.0, due[0][0] - time.monotonic()) if due else None
        for key, _ in sel.select(timeout):
            if key.fd == control:
                chunk = os.read(control, 4096)
                if not chunk:
                    return
                pending += chunk
                while b"\n" in pending:
                    line, pending = pending.split(b"\n", 1)
                    answer = _control(line.decode().strip(), model)
                    if answer is None:
                        return
                    reply(answer)
                continue
            direction, out = sides[key.fd]
            while True:
                try:
                    packet = os.read(key.fd, 65536)
                except BlockingIOError:
                    break
                at = model.offer(direction, len(packet), time.monotonic())
                if at is not None:
                    seq += 1
                    heapq.heappush(due, (at, seq, direction, out, packet))
        now = time.monotonic()
        while due and due[0][0] <= now:
            _, _, direction, out, packet = heapq.heappop(due)
            if model.deliverable(direction):
                try:
                    os.write(out, packet)
                except OSError:  # the far device is gone or full: as lost on the air
                    pass


def _control(cmd: str, model: LinkModel) -> str | None:
    """The answer (one JSON line) to a control line; None for ``quit``."""
    if cmd == "quit":
        return None
    if cmd in ("cut 1", "cut 0"):
        model.cut = cmd == "cut 1"
        return json.dumps({"cut": model.cut})
    if cmd == "stats":
        return json.dumps(model.stats())
    return json.dumps({"error": f"unknown command {cmd!r}"})


def _forwarder_main(seed: int) -> int:
    hand_fd, srv_fd = open_tun(HAND_DEV), open_tun(SRV_DEV)
    print(json.dumps({"ready": True}), flush=True)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    forward(hand_fd, srv_fd, LinkModel(seed))
    return 0


# --- setting it up ----------------------------------------------------------------------------
def die_with_parent() -> None:
    """preexec_fn for children of a bench: SIGKILL when the bench dies, however it dies."""
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)


def _ip(*args: str, check: bool = True) -> subprocess.CompletedProcess:
    return subprocess.run(["ip", *args], capture_output=True, text=True, check=check)


def remove_stale() -> None:
    """What a crashed earlier run left: its forwarder (by its pid file) and our namespaces."""
    try:
        pid = int(PIDFILE.read_text())
        if b"bench.linkemu" in Path(f"/proc/{pid}/cmdline").read_bytes():
            os.kill(pid, signal.SIGKILL)
            for _ in range(50):
                if not Path(f"/proc/{pid}").exists():
                    break
                time.sleep(0.05)
    except (OSError, ValueError):
        pass
    PIDFILE.unlink(missing_ok=True)
    listed = _ip("netns", "list", check=False).stdout.split()
    for ns in (HAND_NS, SRV_NS):
        if ns in listed:
            _ip("netns", "del", ns, check=False)


def socket_in(ns: str, make) -> socket.socket:
    """``make()`` run in network namespace ``ns`` (a socket keeps the namespace it was made
    in). ``setns`` changes only the calling thread, so a short-lived thread does it."""
    out: dict = {}

    def work():
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            with open(f"/var/run/netns/{ns}") as f:
                if libc.setns(f.fileno(), CLONE_NEWNET) != 0:
                    raise OSError(ctypes.get_errno(), f"setns {ns}")
            out["sock"] = make()
        except BaseException as exc:  # handed to the caller's thread
            out["error"] = exc

    t = threading.Thread(target=work)
    t.start()
    t.join()
    if "error" in out:
        raise out["error"]
    return out["sock"]


class Link3G:
    """The two namespaces joined by the forwarder, for a ``with`` block."""

    def __init__(self, seed: int = 3):
        self.seed = seed
        self.proc: subprocess.Popen | None = None

    def __enter__(self) -> "Link3G":
        if os.geteuid() != 0:
            raise PermissionError("the 3G link needs root (TUN devices, network namespaces)")
        remove_stale()
        try:
            self._start()
        except BaseException:
            self.close()
            raise
        return self

    def _start(self) -> None:
        repo = Path(__file__).resolve().parent.parent
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "bench.linkemu", "--forward", "--seed", str(self.seed)],
            cwd=repo, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
            preexec_fn=die_with_parent)
        PIDFILE.parent.mkdir(parents=True, exist_ok=True)
        PIDFILE.write_text(str(self.proc.pid))
        if not json.loads(self.proc.stdout.readline() or "{}").get("ready"):
            raise RuntimeError("the link forwarder did not start")
        for ns, dev, addr, peer in ((HAND_NS, HAND_DEV, HAND_ADDR, SRV_ADDR),
                                    (SRV_NS, SRV_DEV, SRV_ADDR, HAND_ADDR)):
            _ip("netns", "add", ns)
            _ip("link", "set", "dev", dev, "netns", ns)
            _ip("-n", ns, "link", "set", "lo", "up")
            _ip("-n", ns, "addr", "add", addr, "peer", peer, "dev", dev)
            _ip("-n", ns, "link", "set", "dev", dev, "up")

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        if self.proc and self.proc.poll() is None:
            try:
                self.proc.stdin.write("quit\n")
                self.proc.stdin.flush()
                self.proc.wait(5)
            except (OSError, subprocess.TimeoutExpired):
                self.proc.kill()
                self.proc.wait()
        PIDFILE.unlink(missing_ok=True)
        for ns in (HAND_NS, SRV_NS):
            _ip("netns", "del", ns, check=False)

    def _ask(self, cmd: str) -> dict:
        self.proc.stdin.write(cmd + "\n")
        self.proc.stdin.flush()
        return json.loads(self.proc.stdout.readline())

    def cut(self, on: bool) -> None:
        self._ask("cut 1" if on else "cut 0")

    def stats(self) -> dict:
        return self._ask("stats")

    @staticmethod
    def in_hand(cmd: list[str]) -> list[str]:
        """A command line run inside the handset's namespace (``ip netns exec`` execs it, so
        the pid is the command's own)."""
        return ["ip", "netns", "exec", HAND_NS, *cmd]

    @staticmethod
    def server_socket(port: int) -> socket.socket:
        """A listening TCP socket on the server's side of the link (``SRV_ADDR:port``), made
        in the server's namespace but usable by a process in the root namespace (daphne
        ``--fd``), which keeps its database and Redis on loopback."""
        return socket_in(SRV_NS, lambda: socket.create_server((SRV_ADDR, port), backlog=128))


# --- the check: python -m bench.linkemu ----------------------------------------------------------
def check(seed: int) -> dict:
    """TCP connect time (median of 5) and 96 KiB uploaded: the two figures docs/development.md
    quotes for this link (about 303 ms and 2.8 s)."""
    size = 96 * 1024
    with Link3G(seed) as link:
        server = link.server_socket(9)

        def serve():
            while True:
                try:
                    conn, _ = server.accept()
                except OSError:
                    return
                with conn:
                    got = 0
                    while got < size and (data := conn.recv(65536)):
                        got += len(data)
                    conn.sendall(b"k")

        threading.Thread(target=serve, daemon=True).start()
        connects, uploads = [], []
        for i in range(5):
            c = socket_in(HAND_NS, socket.socket)
            c.settimeout(30)
            t = time.monotonic()
            c.connect((SRV_ADDR, 9))
            connects.append(time.monotonic() - t)
            if i < 2:
                t = time.monotonic()
                c.sendall(os.urandom(size))
                c.recv(1)
                uploads.append(time.monotonic() - t)
            c.close()
        server.close()
        stats = link.stats()
    connects.sort()
    return {"link": "3g", "rate_kbit": RATE_BPS // 1000, "one_way_ms": DELAY_S * 1000,
            "loss": LOSS, "connect_ms": round(connects[2] * 1000, 1),
            "upload_96k_s": round(min(uploads), 2), "up": stats["up"], "down": stats["down"]}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seed", type=int, default=3)
    ap.add_argument("--forward", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.forward:
        return _forwarder_main(args.seed)
    if os.geteuid() != 0:
        print("linkemu: needs root (TUN devices, network namespaces)", file=sys.stderr)
        return 2
    print(json.dumps(check(args.seed)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
