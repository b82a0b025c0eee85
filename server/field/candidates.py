"""The supervisors a field task of a case (核实 verify, 核查 check) can go to, nearest first:
the picker's list, and the automatic choice when the form names nobody (``nearest_on_duty``,
registered with ``server.cases.assign`` at start-up: the cases app may not import this one).

Where a supervisor is: the last breadcrumb of their patrol track (巡查轨迹) if it is fresh (within
``TRACK_FRESH``, one shift: an older one says nothing about where they are now), else their duty
grid (责任网格): its cell nearest the case, 0 m when the case lies in it. Distances are measured
by the database (GeoDjango's ``Distance`` on WGS84 geometries, metres on PostGIS and
SpatiaLite alike). Duty-grid cells are only measured inside a window of ``GRID_WINDOW_M``
around the case (a spatial-index lookup): a supervisor whose track and grid are both farther has
no distance and comes after those that have one, by name.

The post (岗位) shown beside the name is the role and the duty grids the supervisor patrols in
the active map version. On duty (在岗): the supervisor's last clock-in or clock-out (考勤) within
``ON_DUTY_WINDOW`` is a clock-in.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.contrib.gis.db.models.functions import Distance
from django.contrib.gis.geos import Polygon
from django.db.models import OuterRef, Q, Subquery
from django.utils import timezone

from server.accounts.models import User
from server.cases.models import Case
from server.field.models import Attendance, TrackPoint
from server.maps.models import Cell, DutyGrid, MapVersion
from workflows import Role

TRACK_FRESH = timedelta(hours=8)
#: How far back a clock-in counts (a long shift): one older than this, never clocked out, is a
#: forgotten clock-out, not someone at work.
ON_DUTY_WINDOW = timedelta(hours=12)
GRID_WINDOW_M = 2000.0
METRES_PER_DEGREE = 111_320.0


@dataclass(frozen=True)
class Candidate:
    user: User
    grids: tuple[str, ...]  # names of the duty grids the supervisor patrols
    distance_m: float | None
    basis: str  # "track" (last breadcrumb), "grid" (duty grid) or "" (unknown)
    seen_at: datetime | None  # the breadcrumb's time when basis is "track"
    on_duty: bool = False  # clocked in (考勤) and not out since, within ON_DUTY_WINDOW

    @property
    def name(self) -> str:
        return self.user.get_full_name() or self.user.username


def supervisors(query: str = ""):
    """Active field supervisors whose username, name or duty grid contains ``query``."""
    qs = User.objects.filter(role=Role.SUPERVISOR.value, is_active=True)
    query = query.strip()
    if query:
        qs = qs.filter(Q(username__icontains=query) | Q(first_name__icontains=query)
                       | Q(last_name__icontains=query)
                       | Q(duty_grids__name__icontains=query, duty_grids__version__active=True))
    return qs.distinct()


def _last_clock(now: datetime) -> Subquery:
    """A user's (``OuterRef("pk")``) last clock direction ("in" / "out") within the window."""
    return Subquery(Attendance.objects.filter(
        user=OuterRef("pk"), at__gte=now - ON_DUTY_WINDOW, at__lte=now)
        .order_by("-at", "-id").values("direction")[:1])


def _window(point, metres: float) -> Polygon:
    """A lon/lat box of about ``metres`` on each side of ``point``."""
    dlat = metres / METRES_PER_DEGREE
    dlon = metres / (METRES_PER_DEGREE * max(0.01, math.cos(math.radians(point.y))))
    return Polygon.from_bbox((point.x - dlon, point.y - dlat, point.x + dlon, point.y + dlat))


def _track_distances(user_ids: list[int], point,
                     now: datetime) -> dict[int, tuple[float, datetime]]:
    """user id -> (metres from ``point``, time) of their last breadcrumb within TRACK_FRESH."""
    last = (TrackPoint.objects.filter(user=OuterRef("pk"), at__gte=now - TRACK_FRESH, at__lte=now)
            .order_by("-at", "-id").values("pk")[:1])
    ids = [pk for pk in User.objects.filter(pk__in=user_ids).annotate(last=Subquery(last))
           .values_list("last", flat=True) if pk is not None]
    return {user_id: (d.m, at) for user_id, at, d in TrackPoint.objects.filter(pk__in=ids)
            .annotate(d=Distance("location", point)).values_list("user_id", "at", "d")}


def _grid_distances(grids: list[DutyGrid], point, cell_code: str) -> dict[int, float]:
    """duty grid id -> metres from ``point`` to its nearest cell (only cells in the window)."""
    of_cell: dict[str, list[int]] = {}
    for g in grids:
        for code in g.cell_codes:
            of_cell.setdefault(code, []).append(g.pk)
    out: dict[int, float] = {g: 0.0 for g in of_cell.get(cell_code, ())}
    if not grids:
        return out
    near = (Cell.objects.filter(version_id=grids[0].version_id,
                                geom__bboverlaps=_window(point, GRID_WINDOW_M))
            .annotate(d=Distance("geom", point)).values_list("code", "d"))
    for code, d in near:
        for g in of_cell.get(code, ()):
            out[g] = min(out.get(g, math.inf), d.m)
    return out


def candidates(case: Case | None, query: str = "", *, now: datetime | None = None,
               limit: int = 500, on_duty_only: bool = False) -> list[Candidate]:
    """Active supervisors matching ``query`` (only those on duty with ``on_duty_only``), nearest
    to ``case`` first, ties by username (by name alone when no case is given or nobody's place
    is known); at most ``limit``."""
    now = now or timezone.now()
    users = list(supervisors(query).annotate(clock=_last_clock(now))
                 .filter(**({"clock": "in"} if on_duty_only else {}))
                 .order_by("username")[:limit])
    version = MapVersion.objects.filter(active=True).first()
    grids = {g.pk: g for g in DutyGrid.objects.filter(version=version).only(
        "id", "version_id", "code", "name", "cell_codes")} if version is not None else {}
    wanted = {u.pk for u in users}
    grids_of: dict[int, list[DutyGrid]] = {}
    for grid_id, user_id in DutyGrid.supervisors.through.objects.filter(
            dutygrid__version=version, user_id__in=wanted).values_list("dutygrid_id", "user_id"):
        grids_of.setdefault(user_id, []).append(grids[grid_id])
    tracks: dict[int, tuple[float, datetime]] = {}
    by_grid: dict[int, float] = {}
    if case is not None and case.location is not None:
        tracks = _track_distances([u.pk for u in users], case.location, now)
        by_grid = _grid_distances(list(grids.values()), case.location, case.cell_code)
    out = []
    for u in users:
        mine = sorted(grids_of.get(u.pk, ()), key=lambda g: g.code)
        names = tuple(g.name for g in mine)
        on_duty = u.clock == "in"
        if u.pk in tracks:
            d, at = tracks[u.pk]
            out.append(Candidate(u, names, d, "track", at, on_duty))
            continue
        near = [by_grid[g.pk] for g in mine if g.pk in by_grid]
        out.append(Candidate(u, names, min(near), "grid", None, on_duty) if near
                   else Candidate(u, names, None, "", None, on_duty))
    out.sort(key=lambda c: (c.distance_m is None, c.distance_m or 0.0, c.user.username))
    return out


def nearest_on_duty(case: Case, now: datetime | None = None) -> User | None:
    """Who gets a field task of ``case`` when the form names nobody: the nearest supervisor on
    duty by the picker's own ranking (``candidates``), ties by username; None when nobody on
    duty has a known distance (``server.cases.assign`` then falls back to the duty grid)."""
    for c in candidates(case, now=now, on_duty_only=True):
        if c.distance_m is not None:
            return c.user
    return None
