"""The duty-grid map drawn with Kivy graphics from the cached vector data (no tile server).

Layers, each a handful of canvas instructions whatever the number of features: cell fills (one
triangle Mesh for the duty cells, one for the neighbour ring), cell outlines (one ``lines``
Mesh), components (one ``Point`` per colour). They are built once per map, in metres, under a
Translate/Scale pair: panning and zooming change two numbers, not the geometry. Only the
overlay (the user's position, open tasks, the picked point and the labels of visible cells) is
redrawn in screen space, and it is small.

Events: ``on_pick(lon, lat, component)``: a tap (not a drag) at (lon, lat) WGS84, with the
nearest component within a finger's width or None.
"""

from __future__ import annotations

import math

from kivy.core.text import Label as CoreLabel
from kivy.graphics import (
    Color,
    Ellipse,
    InstructionGroup,
    Line,
    Mesh,
    Point,
    PopMatrix,
    PushMatrix,
    Rectangle,
    Scale,
    Translate,
)
from kivy.graphics.tesselator import TYPE_POLYGONS, WINDING_ODD, Tesselator
from kivy.metrics import dp, sp
from kivy.properties import ListProperty, NumericProperty, ObjectProperty
from kivy.uix.stencilview import StencilView

from mobileapp.core.mapcache import MESH_MAX_VERTICES, DutyMap, View, ring_line_meshes

BACKGROUND = (.95, .95, .92, 1)
DUTY_FILL = (.80, .90, .80, 1)
NEIGHBOUR_FILL = (.90, .90, .88, 1)
OUTLINE = (.45, .55, .45, 1)
#: Component colours by the class's major code (first two digits); others grey.
COMPONENT_COLOURS = {"01": (.15, .35, .75, 1), "02": (.65, .35, .10, 1),
                     "03": (.10, .55, .20, 1), "04": (.55, .20, .55, 1)}
OTHER_COMPONENT = (.4, .4, .4, 1)
#: Most cell labels drawn at once (each is a texture; a cheap phone has little GPU memory).
MAX_LABELS = 60


class DutyMapView(StencilView):
    duty_map: DutyMap | None = ObjectProperty(None, allownone=True)
    #: The phone's fix: anything with ``lat``, ``lon``, ``accuracy_m`` (platform.gps.Fix).
    position = ObjectProperty(None, allownone=True)
    #: Open tasks: anything with ``number``, ``lat``, ``lon`` (core.tasks.Task).
    tasks = ListProperty([])
    picked = ObjectProperty(None, allownone=True)   # (lon, lat)
    label_count = NumericProperty(0)

    __events__ = ("on_pick",)

    def __init__(self, **kw):
        self.view: View | None = None
        #: The user panned or zoomed: a resize keeps their view instead of fitting the map.
        self._user_moved = False
        self._touches: dict = {}
        self._textures: dict[str, object] = {}
        self._points: list[Point] = []
        super().__init__(**kw)
        with self.canvas:
            Color(*BACKGROUND)
            self._bg = Rectangle(pos=self.pos, size=self.size)
            PushMatrix()
            self._translate = Translate()
            self._scale = Scale(1)
            self._geo = InstructionGroup()
            PopMatrix()
            self._overlay = InstructionGroup()
        self.bind(pos=self._resized, size=self._resized, duty_map=lambda *a: self.redraw(),
                  position=self._overlay_changed, tasks=self._overlay_changed,
                  picked=self._overlay_changed)
        if self.duty_map is not None:  # given as a keyword: set before the bindings above
            self.redraw()

    def on_pick(self, lon, lat, component):
        pass

    # -- building the layers (once per map) ----------------------------------------------------

    def redraw(self) -> None:
        """Rebuild every layer from ``duty_map`` (a new map version); cheap calls elsewhere."""
        self._geo.clear()
        self._points = []
        self._textures.clear()
        m = self.duty_map
        if m is None:
            self.view = None
            self.update_overlay()
            return
        self.view = View(m.projection)
        self._user_moved = False
        self._fit()
        proj = m.projection
        for colour, duty in ((NEIGHBOUR_FILL, False), (DUTY_FILL, True)):
            self._geo.add(Color(*colour))
            for verts, idx in _fill_meshes([c for c in m.cells if c.duty == duty], proj):
                self._geo.add(Mesh(vertices=verts, indices=idx, mode="triangles"))
        self._geo.add(Color(*OUTLINE))
        for verts, idx in ring_line_meshes(m.cells, proj):
            self._geo.add(Mesh(vertices=verts, indices=idx, mode="lines"))
        groups: dict[tuple, list[float]] = {}
        for c in m.components:
            x, y = proj.to_xy(c.lon, c.lat)
            groups.setdefault(COMPONENT_COLOURS.get(c.class_code[:2], OTHER_COMPONENT),
                              []).extend((x, y))
        for colour, pts in groups.items():
            self._geo.add(Color(*colour))
            # Point makes 4 vertices a point: split so no Mesh passes the index limit.
            step = 2 * (MESH_MAX_VERTICES // 4)
            for k in range(0, len(pts), step):
                p = Point(points=pts[k:k + step], pointsize=1)
                self._points.append(p)
                self._geo.add(p)
        self._apply_view()

    # -- view changes ------------------------------------------------------------------------

    def _fit(self) -> None:
        if self.view and self.duty_map:
            self.view.fit(self.duty_map.bbox, self.x, self.y, self.width, self.height)

    def _resized(self, *args) -> None:
        self._bg.pos, self._bg.size = self.pos, self.size
        # Until the user moves it, the map fills the widget (it is laid out after the map may
        # have been loaded from disk, so the first fit used a placeholder size).
        if self.view and not self._user_moved:
            self._fit()
        self._apply_view()

    def fit(self) -> None:
        """Show the whole duty map again."""
        self._user_moved = False
        self._fit()
        self._apply_view()

    def pan_by(self, dx: float, dy: float) -> None:
        if self.view:
            self.view.pan(dx, dy)
            self._user_moved = True
            self._apply_view()

    def zoom_by(self, factor: float, cx: float, cy: float) -> None:
        if self.view:
            self.view.zoom(factor, cx, cy)
            self._user_moved = True
            self._apply_view()

    def center_on(self, lon: float, lat: float, min_scale: float | None = None) -> None:
        if not self.view:
            return
        if min_scale and self.view.scale < min_scale:
            self.view.zoom(min_scale / self.view.scale, *self.center)
        self.view.center_on(lon, lat, self.x, self.y, self.width, self.height)
        self._user_moved = True
        self._apply_view()

    def _apply_view(self) -> None:
        if self.view:
            self._translate.xy = self.view.offset
            s = self.view.scale
            self._scale.xyz = (s, s, 1)
            for p in self._points:   # components stay about 5 px wide at every zoom
                p.pointsize = dp(2.5) / s
        self.update_overlay()

    def _overlay_changed(self, *args) -> None:
        self.update_overlay()

    # -- overlay (screen space) --------------------------------------------------------------

    def update_overlay(self) -> None:
        g = self._overlay
        g.clear()
        v = self.view
        if v is None:
            self.label_count = 0
            return
        self.label_count = self._cell_labels(g, v)
        for t in self.tasks:
            x, y = v.to_screen(t.lon, t.lat)
            if self.collide_point(x, y):
                r = dp(9)
                g.add(Color(.95, .45, .05, 1))
                g.add(Mesh(vertices=[x, y - r, 0, 0, x + r, y + r, 0, 0, x - r, y + r, 0, 0],
                           indices=[0, 1, 2], mode="triangles"))
                self._text(g, t.number[-8:], x + r, y, (.6, .25, 0, 1))
        if self.picked:
            x, y = v.to_screen(*self.picked)
            r = dp(10)
            g.add(Color(.85, .1, .1, 1))
            g.add(Line(points=[x - r, y, x + r, y], width=dp(1.5)))
            g.add(Line(points=[x, y - r, x, y + r], width=dp(1.5)))
        if self.position is not None:
            x, y = v.to_screen(self.position.lon, self.position.lat)
            acc = max(0.0, float(getattr(self.position, "accuracy_m", 0) or 0)) * v.scale
            g.add(Color(.1, .4, .95, .25))
            if acc > dp(8):
                g.add(Ellipse(pos=(x - acc, y - acc), size=(2 * acc, 2 * acc)))
            g.add(Color(.1, .4, .95, 1))
            r = dp(6)
            g.add(Ellipse(pos=(x - r, y - r), size=(2 * r, 2 * r)))

    def _cell_labels(self, g: InstructionGroup, v: View) -> int:
        """Names of the cells in sight that are wide enough on screen to hold them."""
        m = self.duty_map
        if m is None:
            return 0
        n = 0
        for c in m.cells:
            if n >= MAX_LABELS:
                break
            width_px = (c.bbox[2] - c.bbox[0]) * v.projection.kx * v.scale
            if width_px < dp(60):
                continue
            x, y = v.to_screen(*c.label_point())
            if not self.collide_point(x, y):
                continue
            # Neighbouring cells often share a community name: the code's tail tells them apart.
            tex = self._texture(f"{c.code[-4:]} {c.name}".strip(), (.25, .3, .25, 1))
            if tex.width > width_px:
                tex = self._texture(c.code[-6:], (.25, .3, .25, 1))
            g.add(Color(1, 1, 1, 1))
            g.add(Rectangle(texture=tex, size=tex.size,
                            pos=(x - tex.width / 2, y - tex.height / 2)))
            n += 1
        return n

    def _text(self, g, text: str, x: float, y: float, colour) -> None:
        tex = self._texture(text, colour)
        g.add(Color(1, 1, 1, 1))
        g.add(Rectangle(texture=tex, size=tex.size, pos=(x, y - tex.height / 2)))

    def _texture(self, text: str, colour):
        key = f"{colour}|{text}"
        tex = self._textures.get(key)
        if tex is None:
            label = CoreLabel(text=text, font_size=sp(11), color=colour)
            label.refresh()
            tex = self._textures[key] = label.texture
        return tex

    # -- touch: drag pans, pinch or wheel zooms, a tap picks -----------------------------------

    def on_touch_down(self, touch):
        if not self.collide_point(*touch.pos):
            return False
        if touch.is_mouse_scrolling:
            factor = {"scrolldown": 1.25, "scrollup": 0.8}.get(touch.button, 1.0)
            self.zoom_by(factor, *touch.pos)
            return True
        touch.grab(self)
        touch.ud["map_start"] = touch.pos
        self._touches[touch.uid] = (touch, touch.pos)
        if len(self._touches) > 1:   # a pinch: none of its fingers is a tap
            for t, _ in self._touches.values():
                t.ud["map_multi"] = True
        return True

    def on_touch_move(self, touch):
        if touch.grab_current is not self:
            return False
        old = {uid: pos for uid, (_, pos) in self._touches.items()}
        self._touches[touch.uid] = (touch, touch.pos)
        if len(old) == 1:
            px, py = old[touch.uid]
            self.pan_by(touch.x - px, touch.y - py)
        elif len(old) >= 2:
            other = next(p for uid, p in old.items() if uid != touch.uid)
            before = math.dist(old[touch.uid], other)
            after = math.dist(touch.pos, other)
            if before > 1:
                self.zoom_by(after / before, *other)
        return True

    def on_touch_up(self, touch):
        if touch.grab_current is not self:
            return False
        touch.ungrab(self)
        self._touches.pop(touch.uid, None)
        start = touch.ud.get("map_start", touch.pos)
        if not touch.ud.get("map_multi") and math.dist(start, touch.pos) < dp(10):
            self.tap(*touch.pos)
        return True

    def tap(self, x: float, y: float) -> None:
        """Pick the point under (x, y), and the nearest component within a finger's width."""
        if self.view is None:
            return
        lon, lat = self.view.to_lonlat(x, y)
        component = None
        if self.duty_map:
            near = self.duty_map.nearby(lon, lat, radius_m=dp(16) / self.view.scale, limit=1)
            component = near[0][0] if near else None
        self.picked = (lon, lat)
        self.dispatch("on_pick", lon, lat, component)


def _fill_meshes(cells, projection):
    """Triangles of the cells' areas (holes left out) as ``triangles`` meshes, split before
    the index limit."""
    meshes: list[tuple[list[float], list[int]]] = []
    verts: list[float] = []
    idx: list[int] = []
    for c in cells:
        tess = Tesselator()
        for ring in c.rings:
            flat: list[float] = []
            for lon, lat in ring:
                flat.extend(projection.to_xy(lon, lat))
            tess.add_contour(flat)
        if not tess.tesselate(WINDING_ODD, TYPE_POLYGONS):
            continue
        for poly_verts, _ in tess.meshes:
            n = len(poly_verts) // 4
            if len(verts) // 4 + n > MESH_MAX_VERTICES:
                meshes.append((verts, idx))
                verts, idx = [], []
            base = len(verts) // 4
            verts.extend(poly_verts)
            for k in range(1, n - 1):   # each convex polygon is a fan: 0, k, k+1
                idx.extend((base, base + k, base + k + 1))
    if verts:
        meshes.append((verts, idx))
    return meshes
