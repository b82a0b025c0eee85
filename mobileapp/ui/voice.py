"""The desktop's stand-in for a microphone: a file chooser over recordings (AMR, 3GP, M4A,
OGG, WAV), and for photos when the desktop has no fixed photo. ``pick_voice_file(on_done)`` and
``pick_photo_file(on_done)`` call ``on_done(path)`` or ``on_done(None)``."""

from __future__ import annotations

import os

from kivy.app import App
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.button import Button
from kivy.uix.filechooser import FileChooserListView
from kivy.uix.popup import Popup

from mobileapp.core.voicenote import EXTENSIONS


def pick_voice_file(on_done) -> Popup:
    return pick_file(on_done, list(EXTENSIONS),
                     "report.voice")


def pick_photo_file(on_done) -> Popup:
    return pick_file(on_done, ["*.jpg", "*.jpeg", "*.png", "*.JPG"], "report.shutter")


def pick_file(on_done, filters: list[str], title_key: str) -> Popup:
    app = App.get_running_app()
    box = BoxLayout(orientation="vertical")
    chooser = FileChooserListView(path=os.path.expanduser("~"), filters=filters)
    box.add_widget(chooser)
    row = BoxLayout(size_hint_y=None, height="48dp")
    ok = Button(text=app.t("report.pick_file"))
    row.add_widget(ok)
    box.add_widget(row)
    popup = Popup(title=app.t(title_key), content=box, size_hint=(.95, .9))

    def chosen(*_):
        popup.dismiss()
        on_done(chooser.selection[0] if chooser.selection else None)
    ok.bind(on_release=chosen)
    chooser.bind(on_submit=chosen)
    popup.open()
    return popup
