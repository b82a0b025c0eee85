"""Chinese and English names of the counters, trends and grades, for pages and exports
(Chinese first, English beside it). The formulas' own names (rates, bands, kinds) come with the
rules data (workflows/data/evaluation_rules.json)."""

from __future__ import annotations

COUNTERS = {
    "reported": ("上报数", "Reported"),
    "public_reported": ("公众举报数", "Public reports"),
    "valid": ("有效上报数", "Valid reports (filed)"),
    "missed": ("漏报数", "Missed reports"),
    "grid_filed": ("责任网格立案数", "Filed in own grid"),
    "verify_tasks": ("核实任务数", "Verification tasks"),
    "verified": ("核实数", "Verified"),
    "verified_on_time": ("按时核实数", "Verified on time"),
    "check_tasks": ("核查任务数", "Check tasks"),
    "checked": ("核查数", "Checked"),
    "checked_on_time": ("按时核查数", "Checked on time"),
    "self_handled": ("自处理数", "Self-handled"),
    "accepted": ("受理数", "Accepted"),
    "rejected": ("不予受理数", "Rejected"),
    "verify_sent": ("派发核实数", "Verifications sent"),
    "verify_sent_on_time": ("按时派发核实数", "Verifications sent on time"),
    "check_sent": ("派发核查数", "Checks sent"),
    "check_sent_on_time": ("按时派发核查数", "Checks sent on time"),
    "filed": ("立案数", "Filed"),
    "public_filed": ("公众举报立案数", "Public reports filed"),
    "filed_on_time": ("按时立案数", "Filed on time"),
    "voided": ("作废数", "Voided"),
    "closed": ("结案数", "Closed"),
    "closed_on_time": ("按期结案数", "Closed on time"),
    "audited": ("自处理审核数", "Self-handling audits"),
    "dispatched": ("派遣数", "Dispatched"),
    "dispatched_on_time": ("按时派遣数", "Dispatched on time"),
    "followed_suggestion": ("采纳建议数", "Suggestion followed"),
    "misdispatched": ("误派数 (回退)", "Wrong dispatches (returned)"),
    "assigned": ("应处置数", "Due for handling"),
    "handled": ("处置数", "Handled"),
    "handled_on_time": ("按期处置数", "Handled on time"),
    "overdue": ("超期数", "Overdue"),
    "reworked": ("返工数", "Reworked"),
    "returned": ("回退数", "Returned"),
    "postponed": ("延期数", "Postponed"),
    "suspended": ("挂账数", "Suspended"),
    "reopened": ("回访重办数", "Reopened by callback"),
    "unhandled": ("未处置数 (期末)", "Unhandled (at period end)"),
}
TRENDS = {"up": ("↑", "上升 up"), "down": ("↓", "下降 down"), "same": ("→", "持平 same"),
          "new": ("·", "新 new")}
GRADE_COLOURS = {"A": "#1a9850", "B": "#91cf60", "C": "#fee08b", "D": "#fc8d59", "E": "#d73027"}
PERIODS = {"day": ("日", "Day"), "week": ("周", "Week"), "month": ("月", "Month"),
           "custom": ("自定义", "Custom")}


def counter_label(name: str) -> str:
    zh, en = COUNTERS.get(name, (name, name))
    return f"{zh} {en}"
