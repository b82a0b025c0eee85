"""GPS and camera behind small interfaces (no Kivy import): plyer on Android, desktop/dummy
fallbacks elsewhere. ``gps()`` and ``camera()`` pick the best available."""

from mobileapp.platform.camera import Camera, FileCamera, camera
from mobileapp.platform.gps import Fix, FixedGps, Gps, gps

__all__ = ["Camera", "FileCamera", "Fix", "FixedGps", "Gps", "camera", "gps"]
