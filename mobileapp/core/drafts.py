"""Drafts: a report being written, kept in the same SQLite file as the outbox so a phone call
or a crash does not lose it. ``submit`` moves a draft into the outbox and deletes it in one
transaction, so a report is never both a draft and an outbox item, nor neither."""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

from mobileapp.core.outbox import REPORT, WAITING, Outbox

SCHEMA = """CREATE TABLE IF NOT EXISTS drafts (
    id TEXT PRIMARY KEY, fields TEXT NOT NULL, photo BLOB, updated_at REAL NOT NULL)"""


@dataclass(frozen=True)
class Draft:
    id: str
    fields: dict
    photo: bytes | None
    updated_at: float


class Drafts:
    def __init__(self, outbox: Outbox):
        self.outbox = outbox
        self.db = outbox.db
        self.db.execute(SCHEMA)

    def save(self, fields: dict, photo: bytes | None, draft_id: str | None = None) -> Draft:
        did = draft_id or uuid.uuid4().hex
        now = time.time()
        self.db.execute("INSERT OR REPLACE INTO drafts VALUES (?,?,?,?)",
                        (did, json.dumps(fields, ensure_ascii=False), photo, now))
        return Draft(did, fields, photo, now)

    def list(self) -> list[Draft]:
        rows = self.db.execute("SELECT * FROM drafts ORDER BY updated_at DESC")
        return [Draft(r[0], json.loads(r[1]), r[2], r[3]) for r in rows]

    def delete(self, draft_id: str) -> None:
        self.db.execute("DELETE FROM drafts WHERE id=?", (draft_id,))

    def submit(self, draft_id: str) -> int:
        """Move the draft into the outbox; returns the outbox item id."""
        row = self.db.execute("SELECT fields, photo FROM drafts WHERE id=?",
                              (draft_id,)).fetchone()
        if row is None:
            raise KeyError(draft_id)
        now = time.time()
        fields = {k: str(v) for k, v in json.loads(row[0]).items() if v is not None}
        self.db.execute("BEGIN IMMEDIATE")
        try:
            cur = self.db.execute(
                "INSERT INTO outbox (key, kind, fields, photo, state, created_at, updated_at)"
                " VALUES (?,?,?,?,?,?,?)",
                (str(uuid.uuid4()), REPORT, json.dumps(fields, ensure_ascii=False), row[1],
                 WAITING, now, now))
            self.db.execute("DELETE FROM drafts WHERE id=?", (draft_id,))
            self.db.execute("COMMIT")
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        return cur.lastrowid


def open_store(path: str | Path) -> tuple[Outbox, Drafts]:
    ob = Outbox(path)
    return ob, Drafts(ob)
