"""The task inbox: verification (核实) and check (核查) tasks held by this supervisor.

``poll`` asks GET /api/cases/ for cases in ``verifying`` and ``checking`` and keeps those with
an assignee. A supervisor sees only their own reports and the cases whose task they hold, so a
verifying/checking case with an assignee that this user did not report is theirs; the server
does not yet say who ``assignee_id`` is (no user id in /api/auth/token/ or /api/me/), so when
``my_user_id`` is known it is compared exactly. Answers go through the outbox like reports, so
they survive a dead network and a restart.
"""

from __future__ import annotations

from dataclasses import dataclass

from mobileapp.core.api import ApiClient
from mobileapp.core.outbox import Item, Outbox

TASK_ACTION = {"verifying": "verify", "checking": "check"}
RESULTS = {"verify": ("confirmed", "not_found"), "check": ("fixed", "not_fixed")}


@dataclass(frozen=True)
class Task:
    number: str
    action: str  # 'verify' or 'check'
    class_code: str
    description: str
    lat: float
    lon: float
    deadline: str | None

    @classmethod
    def from_case(cls, c: dict) -> "Task":
        return cls(c["number"], TASK_ACTION[c["state"]], c.get("class_code", ""),
                   c.get("description", ""), c.get("lat", 0.0), c.get("lon", 0.0),
                   c.get("deadline"))


class TaskInbox:
    def __init__(self, api: ApiClient, outbox: Outbox, my_user_id: int | None = None):
        self.api, self.outbox, self.my_user_id = api, outbox, my_user_id
        self.tasks: list[Task] = []

    def poll(self) -> list[Task]:
        """Refresh from the server (raises api.Transient when offline: keep the old list).
        Tasks already answered in the outbox (waiting or sending) are left out."""
        found = self.fetch()
        answered = {i.case_number for i in self.outbox.items()
                    if i.kind in RESULTS and i.state in ("waiting", "sending", "sent")}
        self.tasks = [t for t in found if t.number not in answered]
        return self.tasks

    def fetch(self) -> list[Task]:
        """Every open task of this user on the server, answered from this phone or not: what
        a task board keeps (an answer the server then refuses brings its task back)."""
        found: list[Task] = []
        for state in TASK_ACTION:
            for c in self.api.cases(state=state):
                if c.get("assignee_id") is None:
                    continue
                if self.my_user_id is not None and c["assignee_id"] != self.my_user_id:
                    continue
                found.append(Task.from_case(c))
        return found

    def answer(self, task: Task, result: str, photo: bytes | None, note: str = "") -> Item:
        """Queue the answer (a shrunk photo expected); the sender posts it."""
        if result not in RESULTS[task.action]:
            raise ValueError(f"{task.action}: result must be one of {RESULTS[task.action]}")
        item = self.outbox.add_action(task.number, task.action,
                                      {"result": result, "note": note}, photo)
        self.tasks = [t for t in self.tasks if t.number != task.number]
        return item
