"""The map screen (地图): the cached duty map with the user's position and open tasks; a tap
picks a point (and the asset under the finger) for a report or a component update. Works with
no network from the disk cache; "update map" asks the server with the cached ETag."""

from __future__ import annotations

from kivy.app import App
from kivy.metrics import dp
from kivy.properties import ObjectProperty, StringProperty
from kivy.uix.screenmanager import Screen


class MapScreen(Screen):
    status = StringProperty("")
    info = StringProperty("")
    #: Where "use this point" goes back to: "report" or "update".
    return_to = StringProperty("report")
    picked_component = ObjectProperty(None, allownone=True)

    def on_enter(self, *args):
        app = App.get_running_app()
        if app.duty_map is None:
            self.status = app.t("map.none")
        app.current_fix()  # the receiver on: the position shows when it comes

    def refresh(self) -> None:
        app = App.get_running_app()

        def done(err):
            if err is not None:
                self.status = app.t("map.offline") if app.duty_map else app.t("map.none")
            elif app.duty_map is not None:
                self.status = app.t("map.updated", version=app.duty_map.map_version)
        self.status = "…"
        app.refresh_map(done)

    def locate(self) -> None:
        app = App.get_running_app()
        fix = app.current_fix()
        if fix is None:
            self.status = app.t("report.gps_none")
            return
        self.ids.map.center_on(fix.lon, fix.lat, min_scale=1.0)

    def show_task(self, task) -> None:
        self.ids.map.center_on(task.lon, task.lat, min_scale=1.0)

    def picked(self, lon: float, lat: float, component) -> None:
        """A tap on the map: say which cell and asset it is."""
        app = App.get_running_app()
        dmap = app.duty_map
        cell = dmap.cell_at(lon, lat) if dmap else None
        self.picked_component = component
        # The code's tail and the name, as the map labels the cell: the whole line fits.
        text = app.t("map.picked", cell=f"{cell.code[-4:]} {cell.name}") if cell \
            else app.t("map.outside")
        if component is not None:
            text += f"  {component.class_name} {component.code[-6:]}"
        self.info = text

    def tap_accuracy_m(self) -> float:
        """A finger is about 8 dp wide: that is the uncertainty of a tapped position."""
        view = self.ids.map.view
        return dp(8) / view.scale if view else 0.0

    def use(self, target: str) -> None:
        """Send the picked point (and asset) to the report or component-update screen."""
        app = App.get_running_app()
        point = self.ids.map.picked
        if point is None:
            return
        lon, lat = point
        acc = self.tap_accuracy_m()
        c = self.picked_component
        screen = app.root.get_screen(target)
        if target == "report":
            screen.set_point(lat, lon, acc, app.t("report.map_point", lat=lat, lon=lon, acc=acc))
            if c is not None:
                screen.pick_component({"code": c.code, "class_code": c.class_code,
                                       "class_name": c.class_name, "lat": c.lat, "lon": c.lon})
        else:
            screen.set_point(lat, lon, c)
        app.root.current = target
