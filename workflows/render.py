"""Render the transition table to ``docs/workflow.md`` (a Mermaid diagram plus a table).

Run ``python -m workflows.render > docs/workflow.md``; a test fails when the file is stale.
"""

from __future__ import annotations

from workflows.transitions import TRANSITIONS


def render() -> str:
    lines = [
        "# Case workflow (案件流程)",
        "",
        "Generated from `workflows/transitions.py` by `python -m workflows.render`; do not edit.",
        "",
        "```mermaid",
        "stateDiagram-v2",
    ]
    for t in TRANSITIONS:
        label = t.action.value + (f" [{t.outcome}]" if t.outcome else "")
        sources = sorted(s.value for s in t.sources) or ["[*]"]
        for s in sources:
            lines.append(f"    {s} --> {t.target.value}: {label}")
    lines += ["```", "", "| action | 中文 | from | to | roles | guards |", "|---|---|---|---|---|---|"]
    for t in TRANSITIONS:
        sources = ", ".join(sorted(s.value for s in t.sources)) or "(new)"
        roles = ", ".join(sorted(r.value for r in t.roles))
        guards = ", ".join(g.__name__ for g in t.guards) or "-"
        outcome = f" ({t.outcome})" if t.outcome else ""
        lines.append(f"| {t.action.value}{outcome} | {t.action.zh} | {sources} | "
                     f"{t.target.value} | {roles} | {guards} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(render(), end="")
