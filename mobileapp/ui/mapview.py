"""The duty-grid map drawn with Kivy graphics from the cached vector data, over the server's
base map (streets, names) when it has one.

Layers, bottom up: the base map's tiles (``basemap``, see ``tiles.py``; without it, a plain
background), then the grid's, each a handful of canvas instructions whatever the number of
features: cell fills (one triangle Mesh for the duty cells, one for the neighbour ring), cell
outlines (one ``lines`` Mesh), components (one ``Point`` per colour). They are built once
per map, in metres, under a Translate/Scale pair: panning and zooming change two numbers, not
the geometry (the tiles are redrawn as they come and go: a few dozen rectangles). Only the
overlay (the user's position, open tasks, the picked point, the labels of visible cells, the
legend and the base map's attribution) is redrawn in screen space, and it is small. Over a base
map the cell fills turn translucent so the streets show through.

Events: ``on_pick(lon, lat, component)``: a tap (not a drag) at (lon, lat) WGS84, with the
nearest component within a finger's width or None.
"""

from __future__ import annotations

import math

from kivy.clock import Clock
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
from kivy.properties import BooleanProperty, ListProperty, NumericProperty, ObjectProperty
from kivy.uix.stencilview import StencilView

from mobileapp.core.basemap import tile_bounds, tiles_in, zoom_for
from mobileapp.core.mapcache import MESH_MAX_VERTICES, DutyMap, View, ring_line_meshes

BACKGROUND = (.95, .95, .92, 1)
DUTY_FILL = (.80, .90, .80, 1)
NEIGHBOUR_FILL = (.90, .90, .88, 1)
OUTLINE = (.45, .55, .45, 1)
#: Over a base map: the grid tints the streets instead of hiding them.
DUTY_TINT = (.20, .65, .25, .28)
NEIGHBOUR_TINT = (.45, .45, .45, .22)
TINT_OUTLINE = (.10, .45, .15, .9)
#: Component colours by the class's major code (first two digits); others grey.
COMPONENT_COLOURS = {"01": (.15, .35, .75, 1), "02": (.65, .35, .10, 1),
                     "03": (.10, .55, .20, 1), "04": (.55, .20, .55, 1)}
OTHER_COMPONENT = (.4, .4, .4, 1)
#: Most cell labels drawn at once (each is a texture; a cheap phone has little GPU memory).
MAX_LABELS = 60
#: A missing tile borrows a coarser one already here, up to this many zooms out.
ANCESTORS = 4
#: Below this many dp a metre (about four times wider than a duty grid fits the screen)
#: the components are hidden: thousands of dots would bury the streets and their names.
COMPONENTS_MIN_DP_PER_M = 0.3
#: Cells narrower than this on screen get no label at all; a cell too narrow for its code
#: tail and name shows the tail alone.
LABEL_MIN_DP = 36


def legend_rows(t) -> list[tuple[tuple, str, str]]:
    """The legend of what this widget draws, in the language of ``t`` (``messages.t``-like:
    key -> text): for ``DutyMapView.legend``."""
    rows = [(DUTY_FILL, "fill", t("map.legend.duty")),
            (NEIGHBOUR_FILL, "fill", t("map.legend.neighbour"))]
    rows += [(colour, "dot", t(f"map.legend.c{major}"))
             for major, colour in COMPONENT_COLOURS.items()]
    rows += [(OTHER_COMPONENT, "dot", t("map.legend.other")),
             ((.95, .45, .05, 1), "task", t("map.legend.task")),
             ((.1, .4, .95, 1), "me", t("map.legend.me")),
             ((.85, .1, .1, 1), "cross", t("map.legend.picked"))]
    return rows


class DutyMapView(StencilView):
    duty_map: DutyMap | None = ObjectProperty(None, allownone=True)
    #: The phone's fix: anything with ``lat``, ``lon``, ``accuracy_m`` (platform.gps.Fix).
    position = ObjectProperty(None, allownone=True)
    #: Open tasks: anything with ``number``, ``lat``, ``lon`` (core.tasks.Task).
    tasks = ListProperty([])
    picked = ObjectProperty(None, allownone=True)   # (lon, lat)
    label_count = NumericProperty(0)
    #: The base map (``tiles.BaseMapTiles``) or None; ``tile_count``: its tiles drawn now.
    basemap = ObjectProperty(None, allownone=True)
    tile_count = NumericProperty(0)
    #: Legend rows ``(rgba, shape, text)``, shape "fill", "dot", "task", "cross" or "me".
    legend = ListProperty([])
    show_legend = BooleanProperty(True)
    #: False while zoomed out past ``COMPONENTS_MIN_DP_PER_M``: the components are hidden.
    components_shown = BooleanProperty(True)

    __events__ = ("on_pick",)

    def __init__(self, **kw):
        self.view: View | None = None
        #: The user panned or zoomed: a resize keeps their view instead of fitting the map.
        self._user_moved = False
        self._touches: dict = {}
        self._textures: dict[str, object] = {}
        self._points: list[Point] = []
        #: Screen boxes (x, y, w, h) of the cell names and of the legend and attribution, as
        #: last drawn (what a test checks for overlaps).
        self.label_boxes: list[tuple[float, float, float, float]] = []
        self.legend_boxes: list[tuple[float, float, float, float]] = []
        super().__init__(**kw)
        with self.canvas:
            Color(*BACKGROUND)
            self._bg = Rectangle(pos=self.pos, size=self.size)
            PushMatrix()
            self._translate = Translate()
            self._scale = Scale(1)
            self._tiles = InstructionGroup()
            self._geo = InstructionGroup()
            PopMatrix()
            self._overlay = InstructionGroup()
        self.bind(pos=self._resized, size=self._resized, duty_map=lambda *a: self.redraw(),
                  position=self._overlay_changed, tasks=self._overlay_changed,
                  picked=self._overlay_changed, legend=self._overlay_changed,
                  show_legend=self._overlay_changed, basemap=self._basemap_changed)
        self._fill_colours: list[tuple[Color, tuple, tuple]] = []
        self._component_colours: list[tuple[Color, tuple]] = []
        self._bound = None
        self._tile_trigger = Clock.create_trigger(self._draw_tiles, 0)
        if self.duty_map is not None:  # given as a keyword: set before the bindings above
            self.redraw()
        if self.basemap is not None:   # the same
            self._basemap_changed()

    def on_pick(self, lon, lat, component):
        pass

    # -- building the layers (once per map) ----------------------------------------------------

    def redraw(self) -> None:
        """Rebuild every layer from ``duty_map`` (a new map version); cheap calls elsewhere."""
        self._geo.clear()
        self._fill_colours = []
        self._component_colours = []
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
        for plain, tint, duty in ((NEIGHBOUR_FILL, NEIGHBOUR_TINT, False),
                                  (DUTY_FILL, DUTY_TINT, True)):
            colour = Color(*plain)
            self._fill_colours.append((colour, plain, tint))
            self._geo.add(colour)
            for verts, idx in _fill_meshes([c for c in m.cells if c.duty == duty], proj):
                self._geo.add(Mesh(vertices=verts, indices=idx, mode="triangles"))
        colour = Color(*OUTLINE)
        self._fill_colours.append((colour, OUTLINE, TINT_OUTLINE))
        self._geo.add(colour)
        for verts, idx in ring_line_meshes(m.cells, proj):
            self._geo.add(Mesh(vertices=verts, indices=idx, mode="lines"))
        groups: dict[tuple, list[float]] = {}
        for c in m.components:
            x, y = proj.to_xy(c.lon, c.lat)
            groups.setdefault(COMPONENT_COLOURS.get(c.class_code[:2], OTHER_COMPONENT),
                              []).extend((x, y))
        for colour, pts in groups.items():
            instruction = Color(*colour)
            self._component_colours.append((instruction, colour))
            self._geo.add(instruction)
            # Point makes 4 vertices a point: split so no Mesh passes the index limit.
            step = 2 * (MESH_MAX_VERTICES // 4)
            for k in range(0, len(pts), step):
                p = Point(points=pts[k:k + step], pointsize=1)
                self._points.append(p)
                self._geo.add(p)
        self._tint()
        self._apply_view()

    # -- the base map ------------------------------------------------------------------------

    def _basemap_changed(self, *args) -> None:
        old, self._bound = self._bound, self.basemap
        if old is not None:
            old.unbind(info=self._basemap_info, revision=self._tile_trigger)
        if self.basemap is not None:
            self.basemap.bind(info=self._basemap_info, revision=self._tile_trigger)
        self._basemap_info()

    def _basemap_info(self, *args) -> None:
        self._tint()
        self._tile_trigger()

    def _with_basemap(self) -> bool:
        info = self.basemap.info if self.basemap is not None else None
        return bool(info and info.drawn)

    def _tint(self) -> None:
        over = self._with_basemap()
        for colour, plain, tint in self._fill_colours:
            colour.rgba = tint if over else plain

    def _draw_tiles(self, *args) -> None:
        """The tiles in sight at the zoom nearest the screen's scale: those on the phone now
        (a missing one borrows a coarser tile already here), the others asked for."""
        g = self._tiles
        g.clear()
        bm, v = self.basemap, self.view
        if bm is None or v is None or not self._with_basemap() or self.width < 2:
            self.tile_count = 0
            if bm is not None:
                bm.want([])
            return
        info = bm.info
        w, s = v.to_lonlat(self.x, self.y)
        e, n = v.to_lonlat(self.right, self.top)
        # Tiles are drawn for 1 px a tile pixel at density 1: on a denser screen a tile pixel
        # should cover one dp, or the streets' names shrink to a few dp and cannot be read.
        z = zoom_for(v.scale / dp(1), (s + n) / 2, info)
        keys = tiles_in((w, s, e, n), z, info) if z is not None else []
        here, missing, borrowed = [], [], {}
        for key in keys:
            tex = bm.texture(*key)
            if tex is not None:
                here.append((key, tex))
                continue
            missing.append(key)
            z0, x0, y0 = key
            for up in range(1, ANCESTORS + 1):
                if z0 - up < info.minzoom:
                    break
                parent = (z0 - up, x0 >> up, y0 >> up)
                tex = borrowed.get(parent) or bm.texture(*parent)
                if tex is not None:
                    borrowed[parent] = tex
                    break
        bm.want(missing)
        proj = v.projection
        g.add(Color(1, 1, 1, 1))
        for key, tex in [*sorted(borrowed.items()), *here]:
            west, south, east, north = tile_bounds(*key)
            x0, y0 = proj.to_xy(west, south)
            x1, y1 = proj.to_xy(east, north)
            g.add(Rectangle(texture=tex, pos=(x0, y0), size=(x1 - x0, y1 - y0)))
        self.tile_count = len(here)

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
            self.components_shown = shown = s / dp(1) >= COMPONENTS_MIN_DP_PER_M
            for instruction, rgba in self._component_colours:
                instruction.rgba = rgba if shown else (0, 0, 0, 0)
        self._tile_trigger()
        self.update_overlay()

    def _overlay_changed(self, *args) -> None:
        self.update_overlay()

    # -- overlay (screen space) --------------------------------------------------------------

    def update_overlay(self) -> None:
        g = self._overlay
        g.clear()
        v = self.view
        # The legend and the attribution first (they are drawn last, on top): the cells'
        # names keep out of their boxes rather than showing through them.
        boxes, draw_legend = self._legend_layout()
        self.legend_boxes = boxes
        if v is None:
            self.label_count = 0
            self.label_boxes = []
            draw_legend(g)
            return
        self.label_count = self._cell_labels(g, v, boxes)
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
        draw_legend(g)

    def _legend_layout(self):
        """The boxes ``(x, y, w, h)`` the legend (two columns, bottom left) and the base map's
        attribution (bottom right, as its licence asks) will cover, and a function drawing
        them, on white so they read over any street."""
        boxes: list[tuple[float, float, float, float]] = []
        info = self.basemap.info if self.basemap is not None else None
        credit = None
        if info is not None and info.drawn and info.attribution:
            tex = self._texture(info.attribution, (.2, .2, .2, 1), size=sp(10))
            x, y = self.right - tex.width - dp(4), self.y + dp(2)
            credit = (tex, x, y)
            boxes.append((x - dp(2), y, tex.width + dp(4), tex.height))
        rows, pad, swatch = [], dp(6), dp(14)
        line = col_w = per_col = 0
        if self.show_legend and self.legend:
            rows = [(colour, shape, self._texture(text, (.1, .1, .1, 1), size=sp(14)))
                    for colour, shape, text in self.legend]
            line = max(t.height for _, _, t in rows) + dp(2)
            col_w = max(t.width for _, _, t in rows) + swatch + 3 * pad
            per_col = (len(rows) + 1) // 2
            box_h = per_col * line + 2 * pad
            x0, y0 = self.x + dp(4), self.y + dp(4) + (dp(16) if credit else 0)
            boxes.append((x0, y0, 2 * col_w + pad, box_h))

        def draw(g: InstructionGroup) -> None:
            if credit is not None:
                tex, x, y = credit
                g.add(Color(1, 1, 1, .85))
                g.add(Rectangle(pos=(x - dp(2), y), size=(tex.width + dp(4), tex.height)))
                g.add(Color(1, 1, 1, 1))
                g.add(Rectangle(texture=tex, size=tex.size, pos=(x, y)))
            if rows:
                self._draw_legend(g, rows, boxes[-1], line, col_w, per_col, pad, swatch)
        return boxes, draw

    def _draw_legend(self, g, rows, box, line, col_w, per_col, pad, swatch) -> None:
        x0, y0, w, box_h = box
        g.add(Color(1, 1, 1, .94))
        g.add(Rectangle(pos=(x0, y0), size=(w, box_h)))
        for i, (colour, shape, tex) in enumerate(rows):
            cx = x0 + pad + (i // per_col) * col_w
            cy = y0 + box_h - pad - (i % per_col + 1) * line
            mid = cy + line / 2
            g.add(Color(*colour))
            s = swatch
            if shape == "fill":
                g.add(Rectangle(pos=(cx, mid - s / 2), size=(s, s)))
            elif shape == "dot":
                g.add(Rectangle(pos=(cx + s / 4, mid - s / 4), size=(s / 2, s / 2)))
            elif shape == "task":
                g.add(Mesh(vertices=[cx + s / 2, mid - s / 2, 0, 0, cx + s, mid + s / 2, 0, 0,
                                     cx, mid + s / 2, 0, 0], indices=[0, 1, 2], mode="triangles"))
            elif shape == "cross":
                g.add(Line(points=[cx, mid, cx + s, mid], width=dp(1.5)))
                g.add(Line(points=[cx + s / 2, mid - s / 2, cx + s / 2, mid + s / 2],
                           width=dp(1.5)))
            else:   # "me"
                g.add(Ellipse(pos=(cx + s / 6, mid - s / 3), size=(2 * s / 3, 2 * s / 3)))
            g.add(Color(1, 1, 1, 1))
            g.add(Rectangle(texture=tex, size=tex.size,
                            pos=(cx + s + pad, mid - tex.height / 2)))

    def _cell_labels(self, g: InstructionGroup, v: View, keep_out=()) -> int:
        """Names of the cells in sight that are wide enough on screen to hold them: each
        whole on the widget, inside its own cell, and clear of ``keep_out`` boxes and of the
        names already placed (none covers another)."""
        m = self.duty_map
        if m is None:
            return 0
        n = 0
        over = self._with_basemap()
        placed = list(keep_out)
        self.label_boxes = []
        colour = (.25, .3, .25, 1)
        edge = dp(2)
        for c in m.cells:
            if n >= MAX_LABELS:
                break
            width_px = (c.bbox[2] - c.bbox[0]) * v.projection.kx * v.scale
            if width_px < dp(LABEL_MIN_DP):
                continue
            x, y = v.to_screen(*c.label_point())
            if not self.collide_point(x, y):
                continue
            # Neighbouring cells often share a community name: the code's tail tells them
            # apart, and alone it names a cell too narrow (or too cut off) for both.
            x0, y0 = v.to_screen(c.bbox[0], c.bbox[1])
            x1, y1 = v.to_screen(c.bbox[2], c.bbox[3])
            for text in (f"{c.code[-4:]} {c.name}".strip(), c.code[-4:]):
                tex = self._texture(text, colour)
                w, h = tex.width + 2 * edge, tex.height
                # Near the widget's edge the name slides inward, staying in its cell.
                bx = min(max(x - w / 2, self.x + edge), self.right - edge - w)
                by = min(max(y - h / 2, self.y + edge), self.top - edge - h)
                if x0 <= bx and bx + w <= x1 and y0 <= by and by + h <= y1:
                    break
            else:
                continue
            if any(bx < px + pw and px < bx + w and by < py + ph and py < by + h
                   for px, py, pw, ph in placed):
                continue
            placed.append((bx, by, w, h))
            self.label_boxes.append((bx, by, w, h))
            if over:   # a halo: the name reads over the streets' own labels
                g.add(Color(1, 1, 1, .7))
                g.add(Rectangle(size=(w, h), pos=(bx, by)))
            g.add(Color(1, 1, 1, 1))
            g.add(Rectangle(texture=tex, size=tex.size, pos=(bx + edge, by)))
            n += 1
        return n

    def _text(self, g, text: str, x: float, y: float, colour) -> None:
        tex = self._texture(text, colour)
        g.add(Color(1, 1, 1, 1))
        g.add(Rectangle(texture=tex, size=tex.size, pos=(x, y - tex.height / 2)))

    def _texture(self, text: str, colour, size: float | None = None):
        size = size or sp(11)
        key = f"{colour}|{size}|{text}"
        tex = self._textures.get(key)
        if tex is None:
            label = CoreLabel(text=text, font_size=size, color=colour)
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
