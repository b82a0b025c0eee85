"""Render the transition table to ``docs/workflow.md`` (a Mermaid diagram plus a table).

Run ``python -m workflows.render > docs/workflow.md``; a test fails when the file is stale.
"""

from __future__ import annotations

from workflows.limits import default_node_limits
from workflows.states import NOTE_ACTIONS
from workflows.table import TRANSITIONS


def _target(t) -> str:
    if t.target is not None:
        return t.target.value
    return "(where it was)" if t.action.value == "reject_return" else "(stays)"


def render() -> str:
    lines = [
        "# Case workflow (案件流程)",
        "",
        "Generated from `workflows/table.py` by `python -m workflows.render`; do not edit.",
        "",
        "```mermaid",
        "stateDiagram-v2",
    ]
    for t in TRANSITIONS:
        if t.action.value == "timer" or t.action in NOTE_ACTIONS:
            continue
        label = t.action.value + (f" [{t.outcome}]" if t.outcome else "")
        sources = sorted(s.value for s in t.sources) or ["[*]"]
        for s in sources:
            if t.target is not None:
                targets = [t.target.value]
            elif t.action.value == "reject_return":
                targets = ["dispatched", "handling"]
            else:
                targets = [s]
            lines += [f"    {s} --> {target}: {label}" for target in targets]
    lines += ["```", "",
              "`reject_return` goes back to the state the return was asked from (dispatched or "
              "handling); `timer` (system) records a light change on any timed state; "
              "`urge` (督办), `acknowledge` (督办已阅: the department has read the urges "
              "waiting) and `comment` (批转意见) add a note to the story and leave the case "
              "as it was (its version too).", "",
              "| action | 中文 | from | to | roles | guards |", "|---|---|---|---|---|---|"]
    for t in TRANSITIONS:
        sources = ", ".join(sorted(s.value for s in t.sources)) or "(new)"
        roles = ", ".join(sorted(r.value for r in t.roles))
        guards = ", ".join(g.__name__ for g in t.guards) or "-"
        outcome = f" ({t.outcome})" if t.outcome else ""
        lines.append(f"| {t.action.value}{outcome} | {t.action.zh} | {sources} | "
                     f"{_target(t)} | {roles} | {guards} |")
    limits = default_node_limits()
    lines += ["", f"## Node time limits (节点时限), table version {limits.version}", "",
              "| state | node | limit |", "|---|---|---|"]
    for state, (node, limit) in limits.nodes.items():
        lines.append(f"| {state.value} | {node} | {limit.value:g} {limit.unit.value} |")
    lines.append(f"| handling | {limits.handling_node} | from the filing condition "
                 f"(default {limits.default_handle.value:g} {limits.default_handle.unit.value}) |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(render(), end="")
