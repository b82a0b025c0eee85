"""Chinese and English names of the counters, trends and grades. Pages show the name in the
page's language (``server.language``); exports and the API, read beyond one person's screen,
carry both. The formulas' own names (rates, bands, kinds) come with the rules data
(workflows/data/evaluation_rules.json)."""

from __future__ import annotations

from server.language import in_language, is_english

COUNTERS = {
    "reported": ("上报数", "Reported"),
    "public_reported": ("公众举报数", "Public reports"),
    "public_verified": ("公众举报核实属实数", "Public reports verified as real"),
    "valid": ("有效上报数", "Valid reports (filed or self-handled)"),
    "missed": ("漏报数", "Missed reports"),
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
    "filed_on_time": ("按时立案数", "Filed on time"),
    "misfiled": ("错误立案数", "Filed, later found invalid"),
    "voided": ("作废数", "Voided (before filing)"),
    "closings": ("结案数 (值班长)", "Closed (closing step)"),
    "closings_in_time": ("按时结案数", "Closed within the closing step's limit"),
    "audited": ("自处理审核数", "Self-handling audits"),
    "dispatched": ("派遣数", "Dispatched"),
    "dispatched_on_time": ("按时派遣数", "Dispatched on time"),
    "followed_suggestion": ("采纳建议数", "Suggestion followed"),
    "misdispatched": ("误派数 (回退)", "Wrong dispatches (returned)"),
    "due": ("应处置数", "Due for handling"),
    "handled": ("处置数", "Handled"),
    "handled_on_time": ("按期处置数", "Handled on time (every cycle)"),
    "closed": ("结案数", "Closed"),
    "closed_on_time": ("按期结案数", "Closed, handled on time"),
    "overdue": ("超期未结案数 (期末)", "Overdue, not closed (at period end)"),
    "reworked": ("返工结案数", "Closed after rework"),
    "reworked_open": ("返工超期未结数 (期末)", "Reworked, overdue, open (at period end)"),
    "postponed": ("延期数", "Postponed"),
    "suspended": ("挂账数", "Suspended"),
    "reopened": ("回访重办数", "Reopened by callback"),
    "unhandled": ("未处置数 (期末)", "Unhandled (at period end)"),
}
#: Why a case counts (``Fact.why``: a key, then datetimes shown in local time).
REASONS = {
    "valid_filed": ("立案于 {0}", "filed {0}"),
    "valid_self": ("自处理并审核通过 {0}", "self-handled {0}, audit approved"),
    "voided_after_filing": ("立案后作废", "voided after filing"),
    "closed_invalid": ("错误结案", "closed as erroneous"),
    "returned_by": ("部门回退获准 {0}", "returned by the department, approved {0}"),
    "due_handled": ("首次处置反馈 {0} (早于时限)", "first handled {0}, before its deadline"),
    "due_deadline": ("处置时限到期 {0}", "handling deadline {0}"),
    "due_closed": ("未反馈即结束 {0}", "ended unhandled {0}"),
    "handled": ("最后一次处置反馈 {0}", "last handled {0}"),
    "all_cycles_on_time": ("全部 {0} 个处置周期按期", "all {0} handling cycles on time"),
    "closed": ("最后一次结案 {0}", "last closed {0}"),
    "failed_check": ("核查未通过 {0}", "failed check {0}"),
    "past_deadline": ("超过处置时限 {0}", "past its handling deadline {0}"),
    "overdue_until": ("超期至结案 {0}", "overdue until {0}"),
    "open_from": ("待处置自 {0}", "open for handling since {0}"),
    "open_until": ("待处置至 {0}", "open for handling until {0}"),
}
#: trend -> (arrow, Chinese, English)
TRENDS = {"up": ("↑", "上升", "up"), "down": ("↓", "下降", "down"), "same": ("→", "持平", "same"),
          "none": ("—", "无可比", "no scored month before")}
GRADE_COLOURS = {"A": "#1a9850", "B": "#91cf60", "C": "#fee08b", "D": "#fc8d59", "E": "#d73027"}
PERIODS = {"day": ("日", "Day"), "week": ("周", "Week"), "month": ("月", "Month"),
           "custom": ("自定义", "Custom")}


def reason_text(why: tuple, zone, both: bool = True) -> str:
    """``Fact.why`` in Chinese and English ("zh · en", the API's), or with ``both=False`` in the
    page's language only."""
    if not why:
        return ""
    zh, en = REASONS.get(why[0], (why[0], why[0]))
    args = [a.astimezone(zone).strftime("%Y-%m-%d %H:%M") if hasattr(a, "astimezone") else a
            for a in why[1:]]
    if not both:
        return (en if is_english() else zh).format(*args)
    return f"{zh.format(*args)} · {en.format(*args)}"


def counter_label(name: str) -> str:
    """A counter's names, both languages (exports' column heads)."""
    zh, en = COUNTERS.get(name, (name, name))
    return f"{zh} {en}"


def counter_name(name: str) -> str:
    """A counter's name in the page's language."""
    return in_language(*COUNTERS.get(name, (name, name)))
