"""MBTiles 1.3 packages: write and read 256 px tiles in one SQLite file, standard library only
(``gridmaps/basemap/render.py`` runs under Debian's Python, the server under the venv).

Addressing: callers use XYZ (``y`` counted from the north, as Leaflet and most web maps do); the
file stores TMS rows (counted from the south), as the MBTiles specification says:
``tile_row = 2**z - 1 - y``.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

SCHEMA = """
CREATE TABLE metadata (name TEXT, value TEXT);
CREATE UNIQUE INDEX metadata_name ON metadata (name);
CREATE TABLE tiles (zoom_level INTEGER, tile_column INTEGER, tile_row INTEGER, tile_data BLOB);
CREATE UNIQUE INDEX tile_index ON tiles (zoom_level, tile_column, tile_row);
"""


def tms_row(z: int, y: int) -> int:
    """The stored row of XYZ row ``y`` at zoom ``z`` (and back: the map is its own inverse)."""
    return (1 << z) - 1 - y


def create(path: str | Path, metadata: dict[str, str]) -> sqlite3.Connection:
    """A new, empty package at ``path`` (an existing file is replaced) with ``metadata``
    (``name``, ``format``, ``bounds``, ``minzoom``, ``maxzoom``, ``attribution``...)."""
    path = Path(path)
    path.unlink(missing_ok=True)
    db = sqlite3.connect(path)
    db.executescript(SCHEMA)
    db.executemany("INSERT INTO metadata (name, value) VALUES (?, ?)",
                   [(k, str(v)) for k, v in metadata.items()])
    return db


def put(db: sqlite3.Connection, z: int, x: int, y: int, png: bytes) -> None:
    """Store the tile at XYZ ``z/x/y`` (replacing one already there)."""
    db.execute("INSERT OR REPLACE INTO tiles (zoom_level, tile_column, tile_row, tile_data) "
               "VALUES (?, ?, ?, ?)", (z, x, tms_row(z, y), png))


def open_read_only(path: str | Path) -> sqlite3.Connection:
    """The package at ``path``, read-only (FileNotFoundError when there is none;
    sqlite3.DatabaseError when the file is not a package). ``check_same_thread`` is off so a
    per-thread cache may keep it; a connection is never shared between threads at once."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(path)
    db = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, check_same_thread=False)
    db.execute("SELECT 1 FROM tiles LIMIT 1")  # not a package: DatabaseError here, not later
    return db


def metadata(db: sqlite3.Connection) -> dict[str, str]:
    """The package's metadata table as a dict."""
    return dict(db.execute("SELECT name, value FROM metadata"))


def get(db: sqlite3.Connection, z: int, x: int, y: int) -> bytes | None:
    """The PNG of XYZ tile ``z/x/y``, or None when the package has none there."""
    row = db.execute("SELECT tile_data FROM tiles WHERE zoom_level = ? AND tile_column = ? "
                     "AND tile_row = ?", (z, x, tms_row(z, y))).fetchone()
    return bytes(row[0]) if row else None
