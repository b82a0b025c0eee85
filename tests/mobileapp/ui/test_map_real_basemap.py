"""The map screen over the real server's own base map: the tiles ``manage.py build_basemap``
renders from the demo city (as ``make run`` does, zooms 11-16), served by the real server,
under the supervisor's duty grid on a 720×1280 phone at density 2.

Signed in through the login screen, the supervisor opens the map, zooms in, pans and zooms
out; the tiles are the server's (the zoom whose pixel is a dp, so the streets' names keep
their size), the cells' names stay whole, inside their cells and clear of each other, of the
legend and of the attribution, and the components give way to the streets far out. Then the
network goes and the app starts cold: the same map comes from the phone's cache, the status
line says offline, and a part of the city never seen is asked for, not invented.
Screenshots: test-artifacts/mobileapp/map-real-*.png."""

from __future__ import annotations

from tests.mobileapp.conftest import PASSWORD
from tests.mobileapp.ui.conftest import screenshot

#: What make run renders (the test session's servers stop at 13 to start fast).
ZOOMS = ("11", "16")


def overlaps(a, b) -> bool:
    return a[0] < b[0] + b[2] and b[0] < a[0] + a[2] and a[1] < b[1] + b[3] and b[1] < a[1] + a[3]


def check_layout(view) -> None:
    """Every cell name whole on the map, and no name covers another or the legend."""
    labels, keep_out = view.label_boxes, view.legend_boxes
    assert len(keep_out) == 2, keep_out          # the legend and the attribution
    for i, box in enumerate(labels):
        x, y, w, h = box
        assert view.x <= x and x + w <= view.right and view.y <= y and y + h <= view.top, box
        assert not any(overlaps(box, other) for other in labels[i + 1:] + keep_out), box


def test_streets_from_the_real_server_then_offline(live, link, cells, tmp_path, artifacts,
                                                   drive):
    from kivy.metrics import dp
    from PIL import Image

    from mobileapp.core.basemap import zoom_for
    from mobileapp.platform.gps import FixedGps
    from mobileapp.ui.app import HandsetApp
    from mobileapp.ui.mapview import COMPONENTS_MIN_DP_PER_M

    live.manage("build_basemap", "--minzoom", ZOOMS[0], "--maxzoom", ZOOMS[1])
    data_dir = str(tmp_path / "phone")

    def start() -> HandsetApp:
        app = HandsetApp(base_url=link.base_url, data_dir=data_dir)
        app.gps = FixedGps(cells[3]["lat"], cells[3]["lon"], 8)
        return app

    app = start()
    shots = {}

    def shot(name: str) -> None:
        shots[name] = artifacts / f"map-real-{name}.png"
        screenshot(tmp_path, shots[name])

    def shown_zoom(view) -> int:
        s, n = view.view.to_lonlat(view.x, view.y)[1], view.view.to_lonlat(view.right,
                                                                          view.top)[1]
        return zoom_for(view.view.scale / dp(1), (s + n) / 2, app.basemap.info)

    def online():
        root = app.root
        yield 0.2
        login = root.get_screen("login")
        login.sign_in(link.base_url, "supervisor", PASSWORD)
        yield lambda: root.current == "report"
        yield lambda: app.duty_map is not None and app.basemap.info is not None
        info = app.basemap.info
        assert info.drawn and info.same_origin and (info.minzoom, info.maxzoom) == (11, 16)
        root.current = "map"
        view = root.get_screen("map").ids.map
        yield lambda: view.tile_count >= 4 and app.basemap.fetched >= view.tile_count
        assert shown_zoom(view) == 16 and view.label_count >= 9
        # The server's tiles, not blanks: streets and names draw many colours.
        tile = next(p for p in app.basemap.cache.dir.rglob("*") if p.is_file()
                    and p.parent.parent.name == "16")
        assert len(Image.open(tile).convert("RGB").getcolors(1 << 16) or ()) > 20
        check_layout(view)
        yield 0.3
        shot("fit")
        fetched = app.basemap.fetched
        view.zoom_by(2.0, *view.center)
        view.pan_by(-dp(120), dp(80))
        yield lambda: view.tile_count >= 2
        check_layout(view)
        yield 0.3
        shot("zoom")
        view.pan_by(-3 * view.width, 0)    # east, past the grid: tiles never fetched yet
        yield lambda: view.tile_count >= 2 and app.basemap.fetched > fetched
        yield 0.3
        shot("pan-east")
        view.fit()
        view.zoom_by(0.25, *view.center)
        yield lambda: view.tile_count >= 1 and shown_zoom(view) == 14
        assert view.view.scale / dp(1) < COMPONENTS_MIN_DP_PER_M and not view.components_shown
        yield 1.0
        shot("out")
        view.fit()
        assert view.components_shown
        yield lambda: view.tile_count >= 4

    drive(app, online)
    link.set("down")          # the network is gone; the app starts again in the dead zone
    app = start()

    def offline():
        root = app.root
        yield 0.2
        assert root.current == "report"   # still signed in
        root.current = "map"
        view = root.get_screen("map").ids.map
        yield lambda: view.tile_count >= 4
        assert app.basemap.fetched == 0 and shown_zoom(view) == 16
        yield lambda: app.net_up is False
        assert "离线" in app.status_text
        check_layout(view)
        yield lambda: not root.transition.is_active
        yield 0.3
        shot("offline")
        view.zoom_by(0.5 ** 4, *view.center)   # zoom 12: never seen, asked for, not there
        yield lambda: app.basemap.offline_until > 0
        assert app.basemap.fetched == 0

    drive(app, offline)
    link.set("up")
    for name, png in shots.items():
        assert png.stat().st_size > 20_000, name
