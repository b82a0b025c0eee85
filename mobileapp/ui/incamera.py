"""The in-app camera: when no camera app answers the capture intent (a stripped or locked-down
phone), the shutter opens Kivy's own ``Camera`` widget in a popup; 拍照 saves what it shows as
a PNG file, which then goes through the same shrink as any photo.

``take(on_done)`` calls ``on_done(path)``, or ``on_done(None)`` when cancelled; it returns
False (and calls nothing) when this phone has no camera Kivy can open either, so the caller
can say so. ``make_view`` builds the live view (tests give a stand-in widget: any widget with
``play``); the default is ``kivy.uix.camera.Camera``.
"""

from __future__ import annotations

import os
import time

from kivy.app import App
from kivy.logger import Logger
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.button import Button
from kivy.uix.popup import Popup


def _kivy_camera():
    from kivy.uix.camera import Camera

    return Camera(play=True, resolution=(1280, 720), fit_mode="contain")


class InAppCamera:
    def __init__(self, directory: str, make_view=None):
        self.directory = directory
        self.make_view = make_view or _kivy_camera
        self.popup: Popup | None = None

    def take(self, on_done) -> bool:
        app = App.get_running_app()
        try:
            view = self.make_view()
        except Exception as exc:  # no camera provider, no camera, camera in use
            Logger.warning(f"Camera: the in-app camera cannot start ({exc})")
            return False
        body = BoxLayout(orientation="vertical", spacing="8dp", padding="4dp")
        body.add_widget(view)
        row = BoxLayout(size_hint_y=None, height="56dp", spacing="8dp")
        popup = Popup(title=app.t("camera.inapp_title"), content=body, size_hint=(.96, .8),
                      auto_dismiss=False, title_size="18sp")

        def close(path):
            view.play = False   # the camera is released for the next one
            popup.dismiss()
            self.popup = None
            on_done(path)

        cancel = Button(text=app.t("common.cancel"))
        cancel.bind(on_release=lambda _b: close(None))
        shoot = Button(text=app.t("camera.inapp_shoot"), bold=True)
        shoot.bind(on_release=lambda _b: close(self._save(view)))
        row.add_widget(cancel)
        row.add_widget(shoot)
        body.add_widget(row)
        popup.open()
        self.popup = popup
        return True

    def _save(self, view) -> str | None:
        """The frame on screen as a PNG file (rendered off screen: works for any provider)."""
        os.makedirs(self.directory, exist_ok=True)
        path = os.path.join(self.directory, f"inapp-{int(time.time() * 1000)}.png")
        try:
            view.export_to_png(path)
        except Exception as exc:
            Logger.warning(f"Camera: the frame could not be saved ({exc})")
            return None
        return path if os.path.exists(path) and os.path.getsize(path) > 0 else None
