"""Photo source. Contract: ``Camera.take(on_done)`` eventually calls ``on_done(path)`` with a
photo file's path, or ``on_done(None)`` when the user cancelled; the caller shrinks the file
(``mobileapp.core.photos.shrink_file``) before it enters the outbox."""

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


class PlyerCamera(Camera):
    """The phone's camera app through plyer; the photo lands in the app's private dir."""

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


def camera() -> Camera:
    """plyer's camera on Android, else the desktop file camera."""
    from mobileapp.platform.gps import _phone

    if _phone():
        try:
            return PlyerCamera()
        except Exception:
            pass
    return FileCamera()
