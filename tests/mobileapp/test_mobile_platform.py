"""Platform fallbacks on the desktop: no plyer backend, fixed GPS from DCM_GPS, file camera."""

from __future__ import annotations

from mobileapp.platform import FileCamera, FixedGps, Gps, camera, gps


def test_desktop_gps_falls_back_to_dcm_gps_or_none(monkeypatch):
    monkeypatch.delenv("DCM_GPS", raising=False)
    g = gps()
    assert type(g) is Gps and g.last_fix() is None
    monkeypatch.setenv("DCM_GPS", "39.9,116.4,8")
    g = gps()
    seen = []
    g.on_fix = seen.append
    g.start()
    assert isinstance(g, FixedGps) and seen[0].lat == 39.9 and g.last_fix().accuracy_m == 8


def test_desktop_camera_is_a_file(tmp_path, monkeypatch):
    photo = tmp_path / "p.jpg"
    photo.write_bytes(b"x")
    monkeypatch.setenv("DCM_PHOTO", str(photo))
    cam = camera()
    got = []
    cam.take(got.append)
    assert isinstance(cam, FileCamera) and got == [str(photo)]
    FileCamera(str(tmp_path / "missing.jpg")).take(got.append)
    assert got[-1] is None
