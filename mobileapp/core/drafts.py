"""Drafts: a report being written, kept in the same SQLite file as the outbox so a phone call
or a crash does not lose it. ``submit`` moves a draft into the outbox and deletes it in one
transaction, so a report is never both a draft and an outbox item, nor neither.

A draft's fields are a report's fields (as ``Outbox.add_report`` takes them) plus keys starting
with ``_`` that only the screen needs (the class name, where the position came from, when it
was taken); ``submit`` leaves those out."""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

from mobileapp.core.outbox import REPORT, WAITING, Outbox

SCHEMA = """CREATE TABLE IF NOT EXISTS drafts (
    id TEXT PRIMARY KEY, fields TEXT NOT NULL, photo BLOB, updated_at REAL NOT NULL)"""
#: Columns added after the first release, for files made before them.
ADDED_COLUMNS = {"voice": "BLOB"}


@dataclass(frozen=True)
class Draft:
    id: str
    fields: dict
    photo: bytes | None
    updated_at: float
    voice: bytes | None = None


class Drafts:
    def __init__(self, outbox: Outbox):
        self.outbox = outbox
        self.db = outbox.db
        self.db.execute(SCHEMA)
        have = {row[1] for row in self.db.execute("PRAGMA table_info(drafts)")}
        for name, sql_type in ADDED_COLUMNS.items():
            if name not in have:
                self.db.execute(f"ALTER TABLE drafts ADD COLUMN {name} {sql_type}")

    def save(self, fields: dict, photo: bytes | None, draft_id: str | None = None,
             voice: bytes | None = None) -> Draft:
        """Keep (or, with ``draft_id``, overwrite) a draft; returns it."""
        did = draft_id or uuid.uuid4().hex
        now = time.time()
        self.db.execute("INSERT OR REPLACE INTO drafts (id, fields, photo, updated_at, voice)"
                        " VALUES (?,?,?,?,?)",
                        (did, json.dumps(fields, ensure_ascii=False), photo, now, voice))
        return Draft(did, fields, photo, now, voice)

    def get(self, draft_id: str) -> Draft:
        row = self.db.execute(f"SELECT {COLUMNS} FROM drafts WHERE id=?",
                              (draft_id,)).fetchone()
        if row is None:
            raise KeyError(draft_id)
        return _draft(row)

    def list(self) -> list[Draft]:
        rows = self.db.execute(f"SELECT {COLUMNS} FROM drafts ORDER BY updated_at DESC")
        return [_draft(r) for r in rows]

    def delete(self, draft_id: str) -> None:
        self.db.execute("DELETE FROM drafts WHERE id=?", (draft_id,))

    def submit(self, draft_id: str) -> int:
        """Move the draft into the outbox; returns the outbox item id."""
        row = self.db.execute("SELECT fields, photo, voice FROM drafts WHERE id=?",
                              (draft_id,)).fetchone()
        if row is None:
            raise KeyError(draft_id)
        now = time.time()
        fields = {k: str(v) for k, v in json.loads(row[0]).items()
                  if v is not None and not k.startswith("_")}
        self.db.execute("BEGIN IMMEDIATE")
        try:
            cur = self.db.execute(
                "INSERT INTO outbox (key, kind, fields, photo, state, created_at, updated_at,"
                " voice) VALUES (?,?,?,?,?,?,?,?)",
                (str(uuid.uuid4()), REPORT, json.dumps(fields, ensure_ascii=False), row[1],
                 WAITING, now, now, row[2]))
            self.db.execute("DELETE FROM drafts WHERE id=?", (draft_id,))
            self.db.execute("COMMIT")
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        return cur.lastrowid


COLUMNS = "id, fields, photo, updated_at, voice"


def _draft(row: tuple) -> Draft:
    return Draft(row[0], json.loads(row[1]), row[2], row[3], row[4])


def open_store(path: str | Path) -> tuple[Outbox, Drafts]:
    ob = Outbox(path)
    return ob, Drafts(ob)
