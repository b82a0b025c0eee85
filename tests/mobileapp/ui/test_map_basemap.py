"""The map screen over a base map: the real app (headless, 720×1280) against a fake tile
server answering the base-map contract (the city's tile service, outside the system). Tiles
come with the session's token and are drawn under the grid; the legend and the attribution
show, in Chinese and English; a server answering "none" leaves today's plain grid; a cold
start (in English) with the network gone draws the streets from the phone's cache and fetches
nothing.
Screenshots: test-artifacts/mobileapp/map-basemap-*.png."""

from __future__ import annotations

from tests.mobileapp.fake_tiles import TILE_PATH, FakeTileServer
from tests.mobileapp.ui.conftest import screenshot

TOKEN = "tile-test-token"


def test_streets_under_the_grid_and_offline(tmp_path, artifacts, drive):
    from mobileapp.platform.gps import FixedGps
    from mobileapp.ui.app import HandsetApp
    from mobileapp.ui.mapview import DUTY_FILL, DUTY_TINT

    server = FakeTileServer(token=TOKEN)
    data_dir = str(tmp_path / "phone")

    def start() -> HandsetApp:
        app = HandsetApp(base_url=server.url, data_dir=data_dir)
        app.gps = FixedGps(39.9085, 116.3995, 12)
        return app

    def duty_colour(view):
        return tuple(view._fill_colours[1][0].rgba)

    app = start()

    def online():
        root = app.root
        yield 0.2
        app.token = TOKEN        # signed in (the sign-in itself is the other tests' business)
        app.refresh_map()
        root.current = "map"
        screen = root.get_screen("map")
        yield lambda: app.duty_map is not None and app.basemap.info is not None
        view = screen.ids.map
        yield lambda: view.tile_count >= 4 and app.basemap.fetched == view.tile_count
        assert duty_colour(view) == DUTY_TINT
        tiles = server.tile_requests()
        assert tiles and all(auth == f"Token {TOKEN}" for _, auth in tiles)
        # Every cell named; with the legend shown, the names under it give way to it.
        view.show_legend = False
        assert view.label_count == 9, view.label_boxes
        view.show_legend = True
        assert 0 < view.label_count < 9 and not any(
            x < lx + lw and lx < x + w and y < ly + lh and ly < y + h
            for x, y, w, h in view.label_boxes for lx, ly, lw, lh in view.legend_boxes)
        yield 0.3
        screenshot(tmp_path, artifacts / "map-basemap-zh.png")
        # The server drops its base map: the grid as before, opaque, no tiles.
        server.answer = {"type": "none"}
        app.refresh_map()
        yield lambda: app.basemap.info is not None and not app.basemap.info.drawn
        yield lambda: view.tile_count == 0
        assert duty_colour(view) == DUTY_FILL
        shown = len(server.tile_requests())
        view.zoom_by(2.0, *view.center)   # new tiles would be needed: none is asked for
        yield 0.3
        assert len(server.tile_requests()) == shown
        server.answer = {"type": "xyz", "url": TILE_PATH, "attribution": "© 测试底图",
                         "minzoom": 12, "maxzoom": 18}
        app.refresh_map()
        yield lambda: app.basemap.info.drawn and view.tile_count >= 4
        view.fit()
        yield lambda: view.tile_count >= 4
        app.set_lang("en")                # kept for the next start too
        yield 0.3
        view = app.root.get_screen("map").ids.map
        yield lambda: view.tile_count >= 4
        assert view.legend[0][2] == "My cells"
        yield 0.3
        screenshot(tmp_path, artifacts / "map-basemap-en.png")

    drive(app, online)
    server.stop()                     # the network is gone for the cold start
    app = start()

    def offline():
        root = app.root
        yield 0.2
        root.current = "map"
        view = app.root.get_screen("map").ids.map
        yield lambda: view.tile_count >= 4
        assert app.basemap.fetched == 0 and duty_colour(view) == DUTY_TINT
        view.zoom_by(4.0, *view.center)   # tiles never cached: asked for, unreachable
        yield lambda: app.basemap.offline_until > 0
        view.fit()
        yield lambda: view.tile_count >= 4
        yield 0.3
        screenshot(tmp_path, artifacts / "map-basemap-offline.png")

    drive(app, offline)
    for name in ("zh", "en", "offline"):
        assert (artifacts / f"map-basemap-{name}.png").stat().st_size > 20_000
