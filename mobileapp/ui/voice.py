"""The desktop's stand-in for a microphone: a file chooser over recordings (AMR, 3GP, M4A,
OGG, WAV). ``pick_voice_file(on_done)`` calls ``on_done(path)`` or ``on_done(None)``."""

from __future__ import annotations

import os

from kivy.app import App
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.button import Button
from kivy.uix.filechooser import FileChooserListView
from kivy.uix.popup import Popup

from mobileapp.core.voicenote import EXTENSIONS


def pick_voice_file(on_done) -> Popup:
    app = App.get_running_app()
    box = BoxLayout(orientation="vertical")
    chooser = FileChooserListView(path=os.path.expanduser("~"), filters=list(EXTENSIONS))
    box.add_widget(chooser)
    row = BoxLayout(size_hint_y=None, height="44dp")
    ok = Button(text=app.t("report.pick_file"))
    row.add_widget(ok)
    box.add_widget(row)
    popup = Popup(title=app.t("report.voice"), content=box, size_hint=(.95, .9))

    def chosen(*_):
        popup.dismiss()
        on_done(chooser.selection[0] if chooser.selection else None)
    ok.bind(on_release=chosen)
    chooser.bind(on_submit=chosen)
    popup.open()
    return popup
