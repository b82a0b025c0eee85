"""Case states, actions and roles, each with its Chinese and English name (docs/glossary.md)."""

from __future__ import annotations

from enum import Enum


class _Named(str, Enum):
    """A str enum whose members carry a Chinese and an English label."""

    def __new__(cls, value: str, zh: str, en: str):
        obj = str.__new__(cls, value)
        obj._value_ = value
        obj.zh = zh
        obj.en = en
        return obj

    def __str__(self) -> str:  # so f-strings and JSON give the code, not "State.FILED"
        return self.value


class State(_Named):
    REPORTED = "reported", "已上报", "Reported"
    ACCEPTED = "accepted", "已受理", "Accepted"
    REJECTED = "rejected", "不予受理", "Rejected"
    FILED = "filed", "已立案", "Filed"
    VOIDED = "voided", "已作废", "Voided"
    DISPATCHED = "dispatched", "已派遣", "Dispatched"
    HANDLING = "handling", "处置中", "Handling"
    HANDLED = "handled", "已反馈", "Handled"
    CHECKING = "checking", "核查中", "Checking"
    CHECKED = "checked", "核查通过", "Checked"
    CLOSED = "closed", "已结案", "Closed"


#: States from which no action leads anywhere (reopening comes with a later issue).
FINAL_STATES = frozenset({State.REJECTED, State.VOIDED, State.CLOSED})


class Action(_Named):
    REPORT = "report", "上报", "Report"
    ACCEPT = "accept", "受理", "Accept"
    REJECT = "reject", "不予受理", "Reject"
    FILE = "file", "立案", "File"
    VOID = "void", "作废", "Void"
    DISPATCH = "dispatch", "派遣", "Dispatch"
    DEPT_ACCEPT = "dept_accept", "签收", "Take on"
    FEEDBACK = "feedback", "处置反馈", "Feed back"
    REQUEST_CHECK = "request_check", "派发核查", "Send check"
    CHECK = "check", "核查", "Check"
    CLOSE = "close", "结案", "Close"


class Role(_Named):
    SUPERVISOR = "supervisor", "城管监督员", "Field supervisor"
    ACCEPTOR = "acceptor", "受理员", "Acceptor"
    DUTY_CHIEF = "duty_chief", "值班长", "Duty chief"
    DISPATCHER = "dispatcher", "派遣员", "Dispatcher"
    DEPARTMENT = "department", "专业部门", "Department"
    CALL_TAKER = "call_taker", "热线接线员", "Hotline call-taker"
    LEADER = "leader", "领导", "Leader"
