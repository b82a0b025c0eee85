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
    VERIFYING = "verifying", "核实中", "Verifying"
    ACCEPTED = "accepted", "已受理", "Accepted"
    REJECTED = "rejected", "不予受理", "Rejected"
    FILED = "filed", "已立案", "Filed"
    VOIDED = "voided", "已作废", "Voided"
    DISPATCHED = "dispatched", "已派遣", "Dispatched"
    HANDLING = "handling", "处置中", "Handling"
    RETURN_REQUESTED = "return_requested", "申请回退", "Return requested"
    POSTPONE_REQUESTED = "postpone_requested", "申请延期", "Postponement requested"
    SUSPEND_REQUESTED = "suspend_requested", "申请挂账", "Suspension requested"
    SUSPENDED = "suspended", "挂账", "Suspended"
    HANDLED = "handled", "已反馈", "Handled"
    CHECKING = "checking", "核查中", "Checking"
    CHECKED = "checked", "核查通过", "Checked"
    CLOSED = "closed", "已结案", "Closed"
    SELF_HANDLED = "self_handled", "自处理待审核", "Self-handled"
    MERGED = "merged", "已合并", "Merged"


#: States no step leaves, except that a closed case can be reopened by a callback (回访).
FINAL_STATES = frozenset({State.REJECTED, State.VOIDED, State.CLOSED, State.MERGED})


class Action(_Named):
    REPORT = "report", "上报", "Report"
    ACCEPT = "accept", "受理", "Accept"
    REJECT = "reject", "不予受理", "Reject"
    SEND_VERIFY = "send_verify", "派发核实", "Send verification"
    VERIFY = "verify", "核实", "Verify"
    MERGE = "merge", "合并重复", "Merge duplicate"
    SELF_HANDLE = "self_handle", "自处理", "Self-handle"
    AUDIT_SELF = "audit_self", "自处理审核", "Audit self-handling"
    FILE = "file", "立案", "File"
    VOID = "void", "作废", "Void"
    DISPATCH = "dispatch", "派遣", "Dispatch"
    DEPT_ACCEPT = "dept_accept", "签收", "Take on"
    FEEDBACK = "feedback", "处置反馈", "Feed back"
    REQUEST_RETURN = "request_return", "申请回退", "Request return"
    APPROVE_RETURN = "approve_return", "同意回退", "Approve return"
    REJECT_RETURN = "reject_return", "驳回回退", "Refuse return"
    REQUEST_POSTPONE = "request_postpone", "申请延期", "Request postponement"
    APPROVE_POSTPONE = "approve_postpone", "同意延期", "Approve postponement"
    REJECT_POSTPONE = "reject_postpone", "驳回延期", "Refuse postponement"
    REQUEST_SUSPEND = "request_suspend", "申请挂账", "Request suspension"
    APPROVE_SUSPEND = "approve_suspend", "同意挂账", "Approve suspension"
    REJECT_SUSPEND = "reject_suspend", "驳回挂账", "Refuse suspension"
    RESUME = "resume", "恢复处置", "Resume"
    REQUEST_CHECK = "request_check", "派发核查", "Send check"
    CHECK = "check", "核查", "Check"
    CLOSE = "close", "结案", "Close"
    CALLBACK = "callback", "回访", "Call back"
    TIMER = "timer", "计时提醒", "Timer light"
    PHOTO_CLEANED = "photo_cleaned", "照片处理完成", "Photo processed"
    URGE = "urge", "督办", "Urge"
    COMMENT = "comment", "批转意见", "Comment"
    ACKNOWLEDGE = "acknowledge", "督办已阅", "Acknowledge"


class Role(_Named):
    SUPERVISOR = "supervisor", "城管监督员", "Field supervisor"
    ACCEPTOR = "acceptor", "受理员", "Acceptor"
    DUTY_CHIEF = "duty_chief", "值班长", "Duty chief"
    DISPATCHER = "dispatcher", "派遣员", "Dispatcher"
    DEPARTMENT = "department", "专业部门", "Department"
    CALL_TAKER = "call_taker", "热线接线员", "Hotline call-taker"
    LEADER = "leader", "领导", "Leader"
    MAPKEEPER = "mapkeeper", "地图维护员", "Map keeper"
    SYSTEM = "system", "系统", "System"


#: Steps the system records about a case, never a person's: the deadline lights and the photo
#: cleaner's result. Consoles never offer them; lists of "the last step" skip them.
SYSTEM_ACTIONS = frozenset({Action.TIMER, Action.PHOTO_CLEANED})

#: Steps that add to a case's story without changing the case: an urge (督办) of the department,
#: the department's acknowledgement of it (督办已阅) and a comment (批转意见). The state, holder
#: and deadlines stay, and so does the version (a form someone has open on the case does not go
#: stale because of a note). No role's to-do list grows by them, and the public never sees them
#: (their words are internal).
NOTE_ACTIONS = frozenset({Action.URGE, Action.ACKNOWLEDGE, Action.COMMENT})
