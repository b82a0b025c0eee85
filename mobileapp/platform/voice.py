"""Voice recorder. Contract: ``start()`` begins a recording (``recording`` turns True);
``stop()`` ends it and returns the recorded file's path, or None when nothing was recorded.
The caller checks the bytes (``mobileapp.core.voicenote.read_voice``) before the outbox.

On Android: plyer's audio (MediaRecorder, 3GP) into the app's private directory; needs the
RECORD_AUDIO permission (buildozer.spec). On the desktop there is no recorder (``available``
False): the UI offers a file chooser instead, or ``DCM_VOICE=path`` stands in for tests.
"""

from __future__ import annotations

import os
import tempfile
import time


class Recorder:
    """The interface; this base records nothing."""

    available = False

    def __init__(self) -> None:
        self.recording = False

    def start(self) -> None:
        self.recording = True

    def stop(self) -> str | None:
        self.recording = False
        return None


class FileRecorder(Recorder):
    """Desktop and tests: 'recording' yields the file ``DCM_VOICE`` names, if it exists."""

    def __init__(self, path: str | None = None) -> None:
        super().__init__()
        self.path = path or os.environ.get("DCM_VOICE")
        self.available = bool(self.path)

    def stop(self) -> str | None:
        self.recording = False
        return self.path if self.path and os.path.exists(self.path) else None


class PlyerRecorder(Recorder):
    available = True

    def __init__(self, directory: str | None = None) -> None:
        super().__init__()
        from plyer import audio  # imported here: plyer probes the platform

        self._audio = audio
        self.directory = directory or tempfile.gettempdir()
        self._path: str | None = None

    def start(self) -> None:
        self._path = os.path.join(self.directory, f"voice-{int(time.time() * 1000)}.3gp")
        self._audio.file_path = self._path
        self._audio.start()
        self.recording = True

    def stop(self) -> str | None:
        if not self.recording:
            return None
        self.recording = False
        self._audio.stop()
        return self._path if self._path and os.path.exists(self._path) else None


def recorder() -> Recorder:
    """plyer's recorder on Android, else the desktop file stand-in."""
    from mobileapp.platform.gps import _phone

    if _phone():
        try:
            return PlyerRecorder()
        except Exception:  # no microphone permission or no recorder
            pass
    return FileRecorder()
