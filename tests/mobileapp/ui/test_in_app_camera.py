"""The in-app camera on the real app (headless): no camera app answers the capture intent, so
the shutter opens the app's own camera view (a stand-in widget showing a generated frame, as
no camera exists here); 拍照 puts that frame on the report as its photo. With no camera Kivy
can open either, the user is told there is no camera app. Screenshots:
test-artifacts/mobileapp/camera-in-app.png (and report-quick.png, the report screen first)."""

from __future__ import annotations

import os

from tests.mobileapp.ui.conftest import screenshot


def test_the_shutter_falls_back_to_the_in_app_camera(tmp_path, artifacts, drive):
    from kivy.graphics.texture import Texture
    from kivy.properties import BooleanProperty
    from kivy.uix.button import Button
    from kivy.uix.image import Image

    from mobileapp.platform.camera import Camera
    from mobileapp.ui.app import HandsetApp

    class NoCameraApp(Camera):
        """The intent finds no activity (ActivityNotFoundException on a phone)."""
        available = True
        error = None

        def take(self, on_done):
            self.error = "no_camera_app"
            on_done(None)

    class FrameView(Image):
        play = BooleanProperty(True)

        def __init__(self, **kw):
            super().__init__(fit_mode="contain", **kw)
            self.texture = Texture.create(size=(160, 90))
            self.texture.blit_buffer(os.urandom(160 * 90 * 3), colorfmt="rgb")

    opened: list[FrameView] = []

    def view():
        opened.append(FrameView())
        return opened[-1]

    def no_camera():
        raise RuntimeError("no camera provider")

    app = HandsetApp(base_url="http://127.0.0.1:9", data_dir=str(tmp_path / "phone"))
    app.camera = NoCameraApp()
    app.in_app_camera.make_view = view

    def script():
        yield 0.2
        app.root.current = "report"
        report = app.root.get_screen("report")
        yield lambda: not app.root.transition.is_active and report.ids.quick.children
        yield 0.2
        screenshot(tmp_path, artifacts / "report-quick.png")   # the quick-report strip
        report.ids.shutter.dispatch("on_release")
        yield lambda: app.in_app_camera.popup is not None
        yield 0.4
        screenshot(tmp_path, artifacts / "camera-in-app.png")
        shoot = [b for b in app.in_app_camera.popup.walk(restrict=True)
                 if isinstance(b, Button) and b.text == "拍照"][0]
        shoot.dispatch("on_release")
        yield lambda: report.photo_bytes is not None
        assert report.photo_bytes.startswith(b"\xff\xd8")   # shrunk to JPEG like any photo
        assert opened[0].play is False                       # the camera released
        app.in_app_camera.make_view = no_camera
        report.ids.shutter.dispatch("on_release")
        yield lambda: getattr(app, "open_popup", None) is not None
        texts = [w.text for w in app.open_popup.walk(restrict=True) if hasattr(w, "text")]
        assert "手机上没有可用的相机应用" in texts, texts

    drive(app, script, step_timeout=10)
