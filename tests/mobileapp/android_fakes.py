"""Fakes of the Android side the handset reaches through pyjnius and python-for-android:
``jnius`` (``autoclass``, ``cast``), ``android.permissions``, ``android.activity``. They record
every call in ``phone.calls`` (name, args) and play the user's part (grant or refuse, the
camera app writing its photo). No phone here: these check that our code asks Android for the
right things in the right order, not that Android answers as documented.
"""

from __future__ import annotations

import sys
import types
from pathlib import Path

PACKAGE = "org.dcm.dcmhandset"


class Obj:
    """A Java object whose methods record their calls and return ``returns[name]``."""

    def __init__(self, phone, name, **returns):
        self._phone, self._name, self._returns = phone, name, returns

    def __getattr__(self, attr):
        if attr.startswith("_"):
            raise AttributeError(attr)

        def method(*args):
            self._phone.calls.append((f"{self._name}.{attr}", args))
            value = self._returns.get(attr)
            if isinstance(value, BaseException):
                raise value
            return value(*args) if callable(value) else value
        return method


class JFile:
    def __init__(self, path):
        self.path = str(path)

    def getAbsolutePath(self):
        return self.path


class Uri:
    def __init__(self, text):
        self.text = text

    @staticmethod
    def fromParts(scheme, part, fragment):
        return Uri(f"{scheme}:{part}")


class Intent:
    ACTION_VIEW = "android.intent.action.VIEW"
    FLAG_GRANT_READ_URI_PERMISSION = 0x1
    FLAG_GRANT_WRITE_URI_PERMISSION = 0x2
    FLAG_ACTIVITY_NEW_TASK = 0x10000000

    def __init__(self, *args):
        self.args, self.extras, self.flags = args, {}, 0

    def putExtra(self, key, value):
        self.extras[key] = value

    def addFlags(self, flags):
        self.flags |= flags


class Phone:
    """One fake phone: API level, granted permissions, files, and the call log."""

    def __init__(self, tmp_path: Path, sdk: int = 34):
        self.sdk = sdk
        self.calls: list[tuple[str, tuple]] = []
        self.granted: set[str] = set()
        self.rationale: dict[str, bool] = {}
        self.requests: list[list[str]] = []
        self._pending_cb = None
        self.result_listeners: list = []
        self.cache = tmp_path / "cache"
        self.cache.mkdir(parents=True, exist_ok=True)
        self.start_activity_error: BaseException | None = None
        self.foreground_error: BaseException | None = None
        self.activity = Obj(self, "activity",
                            getPackageName=PACKAGE, getCacheDir=JFile(self.cache),
                            shouldShowRequestPermissionRationale=lambda p: self.rationale.get(
                                p, False),
                            startActivityForResult=self._start_for_result,
                            getSystemService=lambda name: Obj(self, f"system[{name}]",
                                                              newWakeLock=Obj(self, "wakelock",
                                                                              isHeld=True)),
                            getApplicationInfo=types.SimpleNamespace(icon=7))
        self.service = Obj(self, "service", startForeground=self._start_foreground)

    def _start_for_result(self, intent, code):
        if self.start_activity_error:
            raise self.start_activity_error
        return None

    def _start_foreground(self, *args):
        if self.foreground_error:
            raise self.foreground_error
        return None

    # -- what the user does ------------------------------------------------------------

    def answer(self, grant: bool, *, ask_again: bool = True) -> None:
        """The user answers the system's permission dialog that is open."""
        perms, cb = self._pending_cb
        self._pending_cb = None
        for p in perms:
            if grant:
                self.granted.add(p)
            self.rationale[p] = not grant and ask_again
        cb(perms, [grant] * len(perms))

    def camera_app_returns(self, code: int, write: bytes | None) -> None:
        """The camera app finishes: writes the photo to the URI's file, then the result."""
        intent = next(a[0] for n, a in reversed(self.calls)
                      if n == "activity.startActivityForResult")
        uri = intent.extras["output"]
        if write is not None:
            (self.cache / "photos" / uri.text.rsplit("/", 1)[1]).write_bytes(write)
        for cb in list(self.result_listeners):
            cb(0x2C1, code, None)

    def names(self, prefix: str = "") -> list[str]:
        return [n for n, _ in self.calls if n.startswith(prefix)]

    # -- the modules ---------------------------------------------------------------------

    def autoclass(self, name: str):
        self.calls.append(("autoclass", (name,)))
        phone = self
        classes = {
            "android.os.Build$VERSION": types.SimpleNamespace(SDK_INT=self.sdk),
            "org.kivy.android.PythonActivity": types.SimpleNamespace(mActivity=self.activity),
            "org.kivy.android.PythonService": types.SimpleNamespace(mService=self.service),
            "java.io.File": JFile,
            "java.lang.String": lambda b: b.decode("utf-8"),
            "java.lang.Class": types.SimpleNamespace(forName=lambda n: f"class:{n}"),
            "android.net.Uri": Uri,
            "android.content.Intent": Intent,
            "android.content.Context": types.SimpleNamespace(
                NOTIFICATION_SERVICE="notification", POWER_SERVICE="power"),
            "android.provider.MediaStore": types.SimpleNamespace(
                ACTION_IMAGE_CAPTURE="android.media.action.IMAGE_CAPTURE",
                EXTRA_OUTPUT="output"),
            "android.provider.Settings": types.SimpleNamespace(
                ACTION_APPLICATION_DETAILS_SETTINGS="android.settings"
                                                    ".APPLICATION_DETAILS_SETTINGS"),
            "androidx.core.content.FileProvider": types.SimpleNamespace(
                getUriForFile=lambda ctx, authority, f: phone._uri(authority, f)),
            f"{PACKAGE}.ServiceHandset": Obj(self, "ServiceHandset"),
            "android.app.PendingIntent": types.SimpleNamespace(
                FLAG_UPDATE_CURRENT=0x8000000, FLAG_IMMUTABLE=0x4000000,
                getActivity=lambda *a: ("pending", a)),
            "android.app.NotificationChannel": lambda *a: ("channel", a),
            "android.app.NotificationManager": types.SimpleNamespace(IMPORTANCE_LOW=2),
            "android.app.Notification$Builder": lambda *a: Obj(
                self, "builder", build=lambda: "notification"),
            "android.os.PowerManager": types.SimpleNamespace(PARTIAL_WAKE_LOCK=1),
        }
        return classes[name]

    def _uri(self, authority, f):
        self.calls.append(("FileProvider.getUriForFile", (authority, f.path)))
        folder = Path(f.path).parent.name
        return Uri(f"content://{authority}/{folder}/{Path(f.path).name}")

    def install(self, monkeypatch) -> "Phone":
        """Put the fake modules in ``sys.modules`` and say "Android" to our code."""
        jnius = types.ModuleType("jnius")
        jnius.autoclass = self.autoclass
        jnius.cast = lambda name, obj: (self.calls.append(("cast", (name, obj))), obj)[1]
        android = types.ModuleType("android")
        perms = types.ModuleType("android.permissions")
        perms.check_permission = lambda p: p in self.granted

        def request_permissions(permissions, callback=None):
            self.requests.append(list(permissions))
            self._pending_cb = (list(permissions), callback)
        perms.request_permissions = request_permissions
        activity = types.ModuleType("android.activity")

        def bind(on_activity_result):
            self.calls.append(("activity.bind", ()))
            self.result_listeners.append(on_activity_result)

        def unbind(on_activity_result):
            self.calls.append(("activity.unbind", ()))
            if on_activity_result in self.result_listeners:
                self.result_listeners.remove(on_activity_result)
        activity.bind, activity.unbind = bind, unbind
        android.permissions, android.activity = perms, activity
        for name, module in (("jnius", jnius), ("android", android),
                             ("android.permissions", perms), ("android.activity", activity)):
            monkeypatch.setitem(sys.modules, name, module)
        monkeypatch.setenv("ANDROID_ARGUMENT", str(self.cache.parent))
        return self
