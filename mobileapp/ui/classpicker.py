"""The class picker (分类选择) over the component/event tree: with an empty search box it
browses the tree (major classes 大类, then their minor classes 小类); typing searches every
class of the kind in Chinese (大类 or 小类 name), English, or by code prefix. Shared by the
report and the component-update screens. Event ``on_pick(row)`` with a /api/classes/ row."""

from __future__ import annotations

from kivy.app import App
from kivy.properties import ListProperty, StringProperty
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.button import Button

LIMIT = 30


def matches(c: dict, text: str) -> bool:
    text = text.strip().lower()
    return (not text or text in c["minor_zh"] or text in c["major_zh"]
            or text in c.get("minor_en", "").lower() or c["code"].startswith(text))


class ClassPicker(BoxLayout):
    kind = StringProperty("event")
    classes = ListProperty([])
    major = StringProperty("")   # the major class being browsed ("" = the list of majors)

    __events__ = ("on_pick",)

    def on_pick(self, row):
        pass

    def on_kind(self, *args):
        self.major = ""
        self.show()

    def on_classes(self, *args):
        self.show()

    def show(self, *args) -> None:
        text = self.ids.search.text.strip() if "search" in self.ids else ""
        rows = [c for c in self.classes if c["kind"] == self.kind]
        box = self.ids.class_list
        box.clear_widgets()
        if text:
            hits = [c for c in rows if matches(c, text)]
        elif self.major:
            hits = [c for c in rows if c.get("major_code", c["code"][:2]) == self.major]
            back = Button(text=App.get_running_app().t("report.majors"), size_hint_y=None,
                          height="48dp")
            back.bind(on_release=lambda _b: self.browse(""))
            box.add_widget(back)
        else:
            majors: dict[str, str] = {}
            for c in rows:
                majors.setdefault(c.get("major_code", c["code"][:2]), c["major_zh"])
            for code, name in majors.items():
                b = Button(text=f"{code} {name} ›", size_hint_y=None, height="48dp")
                b.bind(on_release=lambda _b, m=code: self.browse(m))
                box.add_widget(b)
            return
        for c in hits[:LIMIT]:
            b = Button(text=f'{c["code"]} {c["minor_zh"]}', size_hint_y=None, height="48dp")
            b.bind(on_release=lambda _b, c=c: self.dispatch("on_pick", c))
            box.add_widget(b)

    def browse(self, major: str) -> None:
        self.major = major
        self.show()
