"""Everything a decision depends on besides the case, the actor and the time: the working
calendar and the node limits. The server builds one from its data (holidays with the city's
overrides, the limits table); tests build their own."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

from workflows.calendar import Unit, WorkingCalendar
from workflows.limits import Limit, NodeLimits, default_node_limits


@dataclass(frozen=True)
class Rules:
    calendar: WorkingCalendar
    limits: NodeLimits

    def add(self, start: datetime, limit: Limit) -> datetime:
        return self.calendar.add(start, limit.value, limit.unit)

    def remaining(self, now: datetime, deadline: datetime, unit: Unit) -> float:
        """Time left before ``deadline`` in ``unit``'s kind of time (0 when past)."""
        return self.calendar.elapsed(now, deadline, unit)


@lru_cache(maxsize=1)
def default_rules() -> Rules:
    from workflows.calendar_data import build

    return Rules(calendar=WorkingCalendar(build()), limits=default_node_limits())
