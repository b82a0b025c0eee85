"""Cutting an outline into streets, communities and unit grid cells (metre geometry only).

The outline (projected metres) is cut by an aligned square grid. Grid lines and the outline are
noded together and polygonized, so neighbouring faces share exactly the same vertices: the
faces tile the outline with no gaps or overlaps by construction, and unions stay clean.

Every level is then built from those faces in the same way:
  1. group faces by block (street block, community block, grid square) into edge-connected
     pieces, never across the parent level;
  2. merge pieces smaller than a fraction of a full block into the neighbouring piece of the
     same parent that shares the longest boundary (smallest first, ties by order).

So cells never cross a community and communities never cross a street. No coordinate
conversion happens here; ``gridmaps.demo`` does it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable, Hashable

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

__all__ = ["Tile", "Tiling", "tile_outline"]


@dataclass(frozen=True)
class Tile:
    """A region built from faces. ``parent`` indexes the level above (-1 for streets);
    ``children`` index the level below (empty for cells)."""

    geometry: BaseGeometry
    area: float
    parent: int
    children: tuple[int, ...]


@dataclass(frozen=True)
class Tiling:
    """Streets, communities and cells in numbering order (reading order: north -> south rows,
    west -> east inside a row; children grouped under their parent).
    ``cell_neighbours[i]`` maps each edge-neighbour of cell i to the shared boundary length."""

    streets: tuple[Tile, ...]
    communities: tuple[Tile, ...]
    cells: tuple[Tile, ...]
    cell_neighbours: tuple[dict[int, float], ...]


class _Faces:
    """The polygonized faces of outline + grid, with grid position and edge adjacency."""

    def __init__(self, outline: BaseGeometry, cell_size: float, align: float):
        minx, miny, maxx, maxy = outline.bounds
        x0 = math.floor(minx / align) * align
        y0 = math.ceil(maxy / align) * align  # top edge: rows count north -> south
        ncols = math.ceil((maxx - x0) / cell_size)
        nrows = math.ceil((y0 - miny) / cell_size)
        xs = [x0 + i * cell_size for i in range(1, ncols)]
        ys = [y0 - j * cell_size for j in range(1, nrows)]
        lines = [shapely.LineString([(x, miny - 1), (x, maxy + 1)]) for x in xs]
        lines += [shapely.LineString([(minx - 1, y), (maxx + 1, y)]) for y in ys]
        # Node the whole grid lines with the outline in one union. Clipping the lines first
        # computes their end points separately from the noding, so they can miss the boundary
        # by round-off and polygonize drops them as dangles.
        noded = shapely.union_all(lines + [outline.boundary])
        faces = [f for f in shapely.get_parts(shapely.polygonize([noded])) if not f.is_empty]
        reps = shapely.point_on_surface(np.array(faces, dtype=object))
        keep = shapely.contains(outline, reps)  # drops faces outside the outline or in its holes
        geoms = np.array(faces, dtype=object)[keep]
        reps = reps[keep]
        # Sort for a deterministic order independent of GEOS internals.
        xs, ys = shapely.get_x(reps), shapely.get_y(reps)
        order = np.lexsort((xs, -ys))
        self.geoms = geoms[order]
        self.area = shapely.area(self.geoms)
        self.col = np.floor((xs[order] - x0) / cell_size).astype(int)
        self.row = np.floor((y0 - ys[order]) / cell_size).astype(int)
        self.top = shapely.bounds(self.geoms)[:, 3]
        self.left = shapely.bounds(self.geoms)[:, 0]
        self.neighbours: list[dict[int, float]] = [dict() for _ in range(len(self.geoms))]
        tree = shapely.STRtree(self.geoms)
        a, b = tree.query(self.geoms, predicate="touches")
        pairs = a < b
        a, b = a[pairs], b[pairs]
        shared = shapely.length(shapely.intersection(self.geoms[a], self.geoms[b]))
        for i, j, length in zip(a.tolist(), b.tolist(), shared.tolist()):
            if length > 1e-6:  # touching at a point only is no adjacency
                self.neighbours[i][j] = length
                self.neighbours[j][i] = length

    def __len__(self) -> int:
        return len(self.geoms)


def _pieces(faces: _Faces, keys: list[Hashable]) -> np.ndarray:
    """Piece id per face: maximal edge-connected sets of faces with equal keys, ids in face order."""
    piece = np.full(len(faces), -1, dtype=int)
    next_id = 0
    for start in range(len(faces)):
        if piece[start] >= 0:
            continue
        piece[start] = next_id
        stack = [start]
        while stack:
            f = stack.pop()
            for g in faces.neighbours[f]:
                if piece[g] < 0 and keys[g] == keys[start]:
                    piece[g] = next_id
                    stack.append(g)
        next_id += 1
    return piece


def _merge_small(
    faces: _Faces,
    piece: np.ndarray,
    min_area: float,
    same_parent: Callable[[int, int], bool],
    max_pieces: int | None = None,
) -> np.ndarray:
    """Merge pieces below ``min_area`` (then, while more than ``max_pieces``, the smallest) into
    the neighbour of the same parent with the longest shared boundary. Returns the new piece id
    per face; surviving ids are those of the absorbing pieces."""
    n = int(piece.max()) + 1 if len(piece) else 0
    area = np.bincount(piece, weights=faces.area, minlength=n).tolist()
    adj: list[dict[int, float]] = [dict() for _ in range(n)]
    for f in range(len(faces)):
        for g, length in faces.neighbours[f].items():
            p, q = piece[f], piece[g]
            if p != q:
                adj[p][q] = adj[p].get(q, 0.0) + length
    target = list(range(n))
    alive = set(range(n))

    def eligible(p: int) -> list[int]:
        return [q for q in adj[p] if same_parent(p, q)]

    while True:
        small = [p for p in alive if area[p] < min_area and eligible(p)]
        if not small and max_pieces is not None and len(alive) > max_pieces:
            small = [p for p in alive if eligible(p)]
        if not small:
            break
        p = min(small, key=lambda s: (area[s], s))
        # Prefer a neighbour that is itself big enough: merging small into small chains slivers
        # along the outline into long, oversized cells.
        pool = [t for t in eligible(p) if area[t] >= min_area] or eligible(p)
        q = max(pool, key=lambda t: (adj[p][t], -t))
        # Absorb p into q and rewire p's neighbours to q.
        for r, length in list(adj[p].items()):
            del adj[r][p]
            if r != q:
                adj[q][r] = adj[q].get(r, 0.0) + length
                adj[r][q] = adj[r].get(q, 0.0) + length
        adj[p] = {}
        area[q] += area[p]
        target[p] = q
        alive.discard(p)

    def root(p: int) -> int:
        while target[p] != p:
            p = target[p]
        return p

    return np.array([root(int(p)) for p in piece], dtype=int)


def tile_outline(
    outline: BaseGeometry,
    *,
    cell_size: float = 100.0,
    community_cells: int = 6,
    street_communities: int = 3,
    min_cell_fraction: float = 0.30,
    min_community_fraction: float = 0.25,
    min_street_fraction: float = 0.15,
    max_streets: int | None = None,
) -> Tiling:
    """Cut a (Multi)Polygon in projected metres into streets, communities and cells.

    Communities are aligned blocks of ``community_cells`` x ``community_cells`` grid squares,
    streets aligned blocks of ``street_communities`` x ``street_communities`` communities.
    Pieces under the given fraction of a full block merge into a neighbour of the same parent
    (a piece with no such neighbour stays, smaller). ``max_streets`` caps the street count by
    merging the smallest further.
    """
    community_size = community_cells * cell_size
    street_size = street_communities * community_size
    faces = _Faces(outline, cell_size, align=street_size)
    n = len(faces)
    row, col = faces.row.tolist(), faces.col.tolist()

    def anchor_of(piece: np.ndarray, block: int) -> Callable[[int], tuple]:
        # A piece is numbered by its block's reading-order position, then its north-west corner.
        first: dict[int, int] = {}
        top: dict[int, float] = {}
        left: dict[int, float] = {}
        for f, p in enumerate(piece.tolist()):
            first.setdefault(p, f)
            top[p] = max(top.get(p, -math.inf), faces.top[f])
            left[p] = min(left.get(p, math.inf), faces.left[f])
        return lambda p: (
            row[first[p]] // block,
            col[first[p]] // block,
            -round(top[p], 3),
            round(left[p], 3),
            p,
        )

    def numbered(piece: np.ndarray, key: Callable[[int], tuple]) -> np.ndarray:
        """Replace piece ids by their position in ``key`` order."""
        position = {p: i for i, p in enumerate(sorted(set(piece.tolist()), key=key))}
        return np.array([position[p] for p in piece.tolist()], dtype=int)

    block = community_cells * street_communities
    street = _pieces(faces, [(r // block, c // block) for r, c in zip(row, col)])
    street_anchor = anchor_of(street, block)
    street = _merge_small(faces, street, min_street_fraction * street_size**2, lambda p, q: True, max_streets)
    street = numbered(street, street_anchor)

    k = community_cells
    community = _pieces(faces, [(street[f], row[f] // k, col[f] // k) for f in range(n)])
    community_anchor = anchor_of(community, community_cells)
    street_of = {int(community[f]): int(street[f]) for f in range(n)}
    community = _merge_small(
        faces, community, min_community_fraction * community_size**2, lambda p, q: street_of[p] == street_of[q]
    )
    community = numbered(community, lambda p: (street_of[p], community_anchor(p)))

    cell = _pieces(faces, [(community[f], row[f], col[f]) for f in range(n)])
    cell_anchor = anchor_of(cell, 1)
    community_of = {int(cell[f]): int(community[f]) for f in range(n)}
    cell = _merge_small(
        faces, cell, min_cell_fraction * cell_size**2, lambda p, q: community_of[p] == community_of[q]
    )
    cell = numbered(cell, lambda p: (community_of[p], cell_anchor(p)))
    return _assemble(faces, street, community, cell)


def _assemble(faces: _Faces, street: np.ndarray, community: np.ndarray, cell: np.ndarray) -> Tiling:
    """Build the tiles from per-face labels that are already numbered 0..k-1 in order."""

    def tiles(labels: np.ndarray, parents: np.ndarray | None, children: list[list[int]]) -> list[Tile]:
        groups: list[list[int]] = [[] for _ in range(int(labels.max()) + 1)]
        for f, p in enumerate(labels.tolist()):
            groups[p].append(f)
        out = []
        for i, members in enumerate(groups):
            idx = np.array(members, dtype=int)
            geometry = faces.geoms[idx[0]] if len(idx) == 1 else shapely.union_all(faces.geoms[idx])
            parent = -1 if parents is None else int(parents[idx[0]])
            kids = tuple(children[i]) if children else ()
            out.append(Tile(geometry, float(faces.area[idx].sum()), parent, kids))
        return out

    def children_of(child: np.ndarray, parent: np.ndarray) -> list[list[int]]:
        pairs = sorted({(int(p), int(c)) for p, c in zip(parent.tolist(), child.tolist())})
        out: list[list[int]] = [[] for _ in range(int(parent.max()) + 1)]
        for p, c in pairs:
            out[p].append(c)
        return out

    cells = tiles(cell, community, [])
    communities = tiles(community, street, children_of(cell, community))
    streets = tiles(street, None, children_of(community, street))

    neighbours: list[dict[int, float]] = [dict() for _ in cells]
    for f in range(len(faces)):
        a = int(cell[f])
        for g, length in faces.neighbours[f].items():
            b = int(cell[g])
            if a != b:
                neighbours[a][b] = neighbours[a].get(b, 0.0) + length
    return Tiling(tuple(streets), tuple(communities), tuple(cells), tuple(neighbours))
