"""Runtime permissions (Android 6+), asked at first use with an explanation first.

Contract: ``Permissions.ensure(name, then, otherwise=None)`` calls ``then()`` once the
permission ``name`` is held, or ``otherwise()`` (if given) after it was refused. Names:

* ``camera`` — the shutter (the camera app's intent needs it once the manifest declares it);
* ``location`` — fine location (a report's fix, clock-in, the patrol track);
* ``background_location`` — Android 10+, asked alone and only after ``location`` is held, as
  Android requires (asked together, Android 11+ ignores it); for a patrol track that goes on
  if the system restarts the service while the app is not on screen. Optional: refused, the
  track still records through the foreground service;
* ``microphone`` — hold-to-talk voice notes;
* ``notifications`` — Android 13+, the service's persistent notification. Optional: refused,
  the service still runs, its notification is hidden.

Before the system's dialog the UI's ``explain(need, go, cancel)`` shows why (Chinese by
default); ``go()`` asks the system, ``cancel()`` counts as a refusal. A refusal calls the UI's
``refused(need, permanent)``: ``permanent`` when Android will not ask again ("don't ask again",
or a second refusal on Android 11+), so the only way left is the app's settings page
(``mobileapp.platform.android.open_app_settings``). Optional needs are asked once: after a
refusal they stay quiet until the user turns them on in the settings.

The system answers on Android's UI thread: every call back goes through ``call_soon``
(the app passes one that hops to Kivy's loop). On the desktop there is no backend: everything is
granted at once, synchronously.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

P = "android.permission."


@dataclass(frozen=True)
class Need:
    name: str
    permissions: tuple[str, ...]  # asked together in one system dialog
    required: str                 # the one that must be granted for ``then``
    min_sdk: int = 23             # below it the manifest's grant is enough
    after: str | None = None      # a need that must be held first
    optional: bool = False        # refused: asked no more, and the work goes on without it


NEEDS: dict[str, Need] = {n.name: n for n in (
    Need("camera", (P + "CAMERA",), P + "CAMERA"),
    # Android 12+ lets the user pick "approximate": coarse alone is not enough for a case's
    # position, so fine is the required one.
    Need("location", (P + "ACCESS_FINE_LOCATION", P + "ACCESS_COARSE_LOCATION"),
         P + "ACCESS_FINE_LOCATION"),
    Need("background_location", (P + "ACCESS_BACKGROUND_LOCATION",),
         P + "ACCESS_BACKGROUND_LOCATION", min_sdk=29, after="location", optional=True),
    Need("microphone", (P + "RECORD_AUDIO",), P + "RECORD_AUDIO"),
    Need("notifications", (P + "POST_NOTIFICATIONS",), P + "POST_NOTIFICATIONS", min_sdk=33,
         optional=True),
)}

Explain = Callable[[Need, Callable[[], None], Callable[[], None]], None]
Refused = Callable[[Need, bool], None]


class AndroidBackend:
    """python-for-android's ``android.permissions`` and the activity's rationale flag."""

    def sdk(self) -> int:
        from mobileapp.platform.android import sdk_int

        return sdk_int()

    def check(self, permission: str) -> bool:
        from android.permissions import check_permission

        return bool(check_permission(permission))

    def request(self, permissions: list[str], callback) -> None:
        """``callback(permissions, grant_results)`` later, on Android's UI thread."""
        from android.permissions import request_permissions

        request_permissions(permissions, callback)

    def rationale(self, permission: str) -> bool:
        """Android's shouldShowRequestPermissionRationale: True after one refusal while the
        system would still ask; False before the first ask and once it will ask no more."""
        from mobileapp.platform.android import activity

        return bool(activity().shouldShowRequestPermissionRationale(permission))


class Permissions:
    def __init__(self, backend: AndroidBackend | None = None, *, explain: Explain | None = None,
                 refused: Refused | None = None, call_soon: Callable | None = None,
                 state_path: str | Path | None = None):
        """``state_path``: a small JSON file remembering which needs were asked already (to
        tell "never asked" from "will not ask again", which Android reports alike)."""
        self.backend = backend
        self.explain = explain or (lambda need, go, cancel: go())
        self.refused = refused or (lambda need, permanent: None)
        self.call_soon = call_soon or (lambda fn: fn())
        self.state_path = Path(state_path) if state_path else None
        self.asked: set[str] = self._load()

    def _load(self) -> set[str]:
        try:
            return set(json.loads(self.state_path.read_text())) if self.state_path else set()
        except (OSError, ValueError):
            return set()

    def _remember(self, name: str) -> None:
        self.asked.add(name)
        if self.state_path:
            self.state_path.write_text(json.dumps(sorted(self.asked)))

    def applies(self, name: str) -> bool:
        """Whether this phone asks for ``name`` at run time at all."""
        return self.backend is not None and self.backend.sdk() >= NEEDS[name].min_sdk

    def granted(self, name: str) -> bool:
        return not self.applies(name) or self.backend.check(NEEDS[name].required)

    def ensure(self, name: str, then: Callable[[], None],
               otherwise: Callable[[], None] | None = None) -> None:
        need = NEEDS[name]
        if self.granted(name):
            then()
            return
        if need.after and not self.granted(need.after):
            # Android 10+: background location is asked alone, after fine location is held.
            self.ensure(need.after, lambda: self.ensure(name, then, otherwise), otherwise)
            return
        if need.optional and name in self.asked:
            if otherwise:
                otherwise()  # refused once: the work goes on, quietly
            return
        if name in self.asked and not self.backend.rationale(need.required):
            self._refuse(need, True, otherwise)  # Android would not show its dialog
            return

        def go() -> None:
            self._remember(name)
            self.backend.request(list(need.permissions),
                                 lambda perms, results: self.call_soon(
                                     lambda: self._answered(need, then, otherwise)))

        self.explain(need, go, lambda: self._refuse(need, False, otherwise))

    def _answered(self, need: Need, then, otherwise) -> None:
        # The system's own state, not the result list: an interrupted dialog answers with
        # empty lists.
        if self.backend.check(need.required):
            then()
        else:
            self._refuse(need, not self.backend.rationale(need.required), otherwise)

    def _refuse(self, need: Need, permanent: bool, otherwise) -> None:
        self.refused(need, permanent)
        if otherwise:
            otherwise()


def permissions(**kw) -> Permissions:
    """The phone's permissions on Android; on the desktop, a grant-all stand-in."""
    from mobileapp.platform.android import on_android

    return Permissions(AndroidBackend() if on_android() else None, **kw)
