"""Photo source. Contract: ``Camera.take(on_done)`` eventually calls ``on_done(path)`` with a
photo file's path, or ``on_done(None)`` when the user cancelled (``error`` then says why, when
it was not the user: ``"no_camera_app"``, ``"camera_failed"``); the caller shrinks the file
(``mobileapp.core.photos.shrink_file``) before it enters the outbox.

On Android (``AndroidCamera``) the phone's camera app writes the photo through a content URI
that androidx's FileProvider hands out for a file in the app's cache (``photos/``, declared in
``packaging/file_paths.xml`` and by the manifest's provider, see ``packaging/p4a_hook.py``).
plyer 2.1's camera passes a bare ``file://`` path instead, which Android 7+ refuses with
FileUriExposedException.
"""

from __future__ import annotations

import os
import tempfile
import time
from typing import Callable

Done = Callable[[str | None], None]


class Camera:
    """The interface; this base has no camera and cancels at once."""

    available = False

    def take(self, on_done: Done) -> None:
        on_done(None)


class FileCamera(Camera):
    """Desktop: the 'camera' is a file the UI's chooser picked (or a fixed path for tests,
    ``DCM_PHOTO``)."""

    available = True

    def __init__(self, path: str | None = None):
        self.path = path or os.environ.get("DCM_PHOTO")

    def take(self, on_done: Done) -> None:
        on_done(self.path if self.path and os.path.exists(self.path) else None)


#: The provider's authority is the package plus this; the manifest says the same
#: (``${applicationId}.fileprovider`` in packaging/p4a_hook.py).
AUTHORITY_SUFFIX = ".fileprovider"
#: Under the app's cache dir; packaging/file_paths.xml shares exactly this folder.
PHOTO_DIR = "photos"
REQUEST_CODE = 0x2C1  # our startActivityForResult code, told apart from other results
RESULT_OK = -1        # android.app.Activity.RESULT_OK
KEEP_S = 24 * 3600    # camera files older than this are removed (the outbox keeps the shrunk copy)


class AndroidCamera(Camera):
    """ACTION_IMAGE_CAPTURE with EXTRA_OUTPUT = a FileProvider content URI, the result through
    ``android.activity.bind(on_activity_result=...)``. ``deliver(fn, arg)`` runs ``on_done``
    where the UI wants it (the result comes on Android's UI thread)."""

    available = True

    def __init__(self, deliver=None):
        self.deliver = deliver or (lambda fn, arg: fn(arg))
        self.error: str | None = None
        self._pending: tuple[str, Done] | None = None

    def directory(self) -> str:
        from mobileapp.platform.android import context

        d = os.path.join(str(context().getCacheDir().getAbsolutePath()), PHOTO_DIR)
        os.makedirs(d, exist_ok=True)
        return d

    def take(self, on_done: Done) -> None:
        import android.activity

        from mobileapp.platform.android import activity, autoclass, cast, package_name

        self.error = None
        directory = self.directory()
        _remove_old(directory)
        path = os.path.join(directory, f"photo-{int(time.time() * 1000)}.jpg")
        File = autoclass("java.io.File")
        FileProvider = autoclass("androidx.core.content.FileProvider")
        Intent = autoclass("android.content.Intent")
        MediaStore = autoclass("android.provider.MediaStore")
        uri = FileProvider.getUriForFile(activity(), package_name() + AUTHORITY_SUFFIX,
                                         File(path))
        intent = Intent(MediaStore.ACTION_IMAGE_CAPTURE)
        intent.putExtra(MediaStore.EXTRA_OUTPUT, cast("android.os.Parcelable", uri))
        # The camera app writes through the URI: it needs the grant for this one file.
        intent.addFlags(Intent.FLAG_GRANT_WRITE_URI_PERMISSION
                        | Intent.FLAG_GRANT_READ_URI_PERMISSION)
        if self._pending:  # a shutter whose result never came (activity recreated)
            android.activity.unbind(on_activity_result=self._result)
        self._pending = (path, on_done)
        android.activity.bind(on_activity_result=self._result)
        try:
            activity().startActivityForResult(intent, REQUEST_CODE)
        except Exception:  # ActivityNotFoundException: no camera app on this phone
            android.activity.unbind(on_activity_result=self._result)
            self._pending = None
            self.error = "no_camera_app"
            self.deliver(on_done, None)

    def _result(self, request_code, result_code, data) -> None:
        import android.activity

        if request_code != REQUEST_CODE or self._pending is None:
            return
        android.activity.unbind(on_activity_result=self._result)
        path, on_done = self._pending
        self._pending = None
        ok = (result_code == RESULT_OK and os.path.exists(path)
              and os.path.getsize(path) > 0)
        if not ok:
            if result_code == RESULT_OK:
                self.error = "camera_failed"  # "OK" but nothing written: a broken camera app
            try:
                os.remove(path)
            except OSError:
                pass
        self.deliver(on_done, path if ok else None)


def _remove_old(directory: str, now: float | None = None) -> None:
    now = time.time() if now is None else now
    for name in os.listdir(directory):
        p = os.path.join(directory, name)
        try:
            if now - os.path.getmtime(p) > KEEP_S:
                os.remove(p)
        except OSError:
            pass


class PlyerCamera(Camera):
    """plyer's camera (iOS; on Android only before 7.0, which the app no longer supports: kept
    for platforms plyer serves well)."""

    available = True

    def __init__(self, directory: str | None = None):
        from plyer import camera as plyer_camera

        self._camera = plyer_camera
        self.directory = directory or tempfile.gettempdir()

    def take(self, on_done: Done) -> None:
        path = os.path.join(self.directory, f"photo-{int(time.time() * 1000)}.jpg")

        def done(p):
            on_done(p if p and os.path.exists(p) else None)
            return False  # tell plyer not to delete the file

        self._camera.take_picture(filename=path, on_complete=done)


def camera(deliver=None) -> Camera:
    """The FileProvider camera on Android, plyer's on iOS, else the desktop file camera."""
    from mobileapp.platform.android import on_android
    from mobileapp.platform.gps import _phone

    if on_android():
        return AndroidCamera(deliver)
    if _phone():
        try:
            return PlyerCamera()
        except Exception:
            pass
    return FileCamera()
